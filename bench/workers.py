"""Subprocess workers of the benchmark: each runs in its own process so that its
peak memory (ru_maxrss) is its own and a runaway stage can be stopped by PID.

    python -m bench.workers build --engine reference --data DIR --store DIR
    python -m bench.workers build --engine fast --data DIR --store DIR
    python -m bench.workers build --engine chunked --data DIR --store DIR --jobs 2
    python -m bench.workers naive --dump FILE --queries FILE

Each prints one JSON object per line on stdout; the last line of `build` is the result.

Engines:
- reference: app.build.build_graphs (rdflib load, pyshacl, owlrl) then app.store.write_store;
- fast: the product's build with the fast engine, `app.build.build(engine="fast")`, which
  builds in the store (app.build.build_in_store); its dumps are timed as a stage of their own;
- chunked: a bench-only way to get a store at sizes where the reference engine is
  too slow: the reference engine applied to each source file group in parallel
  (ontology and reference data with each group), the asserted and inferred triples
  bulk-loaded into the same store layout. It gives the same graph because no OWL 2
  RL rule of the ontology joins records of two sources (records of a source point
  only at their own nodes and at the shared reference data); checked at 600 actions
  in 3 sources, where every graph is isomorphic to the monolithic build's (README,
  "Performance"). It is not a product build path.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import signal
import sys
import time
from collections import defaultdict
from multiprocessing import get_context
from pathlib import Path

from app.core.config import PROJECT_ROOT

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)  # Linux reports kilobytes


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


# --- build -------------------------------------------------------------------


def build_reference(ontology_dir: Path, data_dir: Path, store_path: Path, engine: str, dumps: Path | None) -> dict:
    from app.build import build_graphs, write_validation_report
    from app.store import write_store

    if engine == "fast":
        os.environ["MIGCOOP_BUILD_ENGINE"] = "fast"
    kwargs = {"engine": engine} if "engine" in inspect.signature(build_graphs).parameters else {}
    started = time.perf_counter()
    cpu: dict[str, float] = {}
    stage_cpu_start: dict[str, float] = {}

    def progress(message: str) -> None:
        # build_graphs reports "stage..." before and "stage: done in ..." after each stage
        if message.endswith("...") and not message.startswith(" "):
            stage_cpu_start[message[:-3]] = time.process_time()
        elif ": done" in message:
            stage = message.split(":", 1)[0]
            if stage in stage_cpu_start:
                cpu[stage] = round(time.process_time() - stage_cpu_start[stage], 3)
        emit({"progress": message, "at": round(time.perf_counter() - started, 2)})

    if engine == "fast":
        return build_fast(ontology_dir, data_dir, store_path, dumps, progress, cpu)
    graphs, result, report = build_graphs(ontology_dir, data_dir, progress, **kwargs)
    stages = dict(result.timings)
    stage_started, cpu_started = time.perf_counter(), time.process_time()
    write_store(store_path, graphs)
    stages["store"] = round(time.perf_counter() - stage_started, 3)
    cpu["store"] = round(time.process_time() - cpu_started, 3)
    if dumps is not None:
        from app.dumps import write_dumps

        stage_started = time.perf_counter()
        write_dumps(graphs, dumps)
        write_validation_report(report, dumps / "validation-report.ttl")
        stages["dumps"] = round(time.perf_counter() - stage_started, 3)
    return {
        "engine": engine,
        "stages": stages,
        "cpu_seconds": cpu,
        "total": round(sum(v for k, v in stages.items() if k in ("load", "validate", "reason", "store")), 3),
        "asserted_triples": result.asserted_triples,
        "inferred_triples": result.inferred_triples,
        "conforms": report.conforms,
    }


def chunk_groups(ontology_dir: Path, data_dir: Path) -> tuple[list, list[list]]:
    from app.load import SOURCE_FILE, discover_files
    from app.namespaces import GRAPH_CURATION, GRAPH_ONTOLOGY, GRAPH_REFERENCE

    files = discover_files(ontology_dir, data_dir)
    shared = [f for f in files if f.graph in (GRAPH_ONTOLOGY, GRAPH_REFERENCE)]
    by_source: dict[str, list] = defaultdict(list)
    common_curation = []
    for data_file in files:
        if data_file.graph in (GRAPH_ONTOLOGY, GRAPH_REFERENCE):
            continue
        match = SOURCE_FILE.match(data_file.path.name)
        if data_file.graph == GRAPH_CURATION and not match:
            common_curation.append(data_file)
        else:
            by_source[match.group(1)].append(data_file)
    # records of every source point at the programmes, which the generator describes once, in
    # 000-programmes.ttl: every chunk gets that file too, or its references would dangle
    programmes = [f for f in files if f.path.name.endswith("-programmes.ttl")]
    groups = []
    for code in sorted(by_source):
        own = by_source[code]
        groups.append(shared + common_curation + own + [f for f in programmes if f not in own])
    return shared, groups


def engine_functions(engine: str):
    """(validate, reason) of a build engine: app.build's choice when it has one, else the reference modules."""
    try:
        from app.build import engine_stages
    except ImportError:
        from app.reason import reason
        from app.validate import validate

        return validate, reason
    _name, validate, reason = engine_stages(engine)
    return validate, reason


def chunk_task(args: tuple) -> dict:
    """Load, (validate,) reason one group of files; return N-Triples per graph and the inferred triples."""
    from app.load import load
    from app.validate import load_shapes

    ontology_dir, data_dir, group, shared_graphs, check, engine = args
    validate, reason = engine_functions(engine)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    loaded = load(ontology_dir, data_dir, files=group)
    asserted = loaded.asserted()
    timings["load"] = time.perf_counter() - started
    conforms = True
    if check:
        started = time.perf_counter()
        report = validate(asserted, load_shapes(ontology_dir / "shapes.ttl"))
        conforms = report.conforms
        timings["validate"] = time.perf_counter() - started
    started = time.perf_counter()
    inferred = reason(asserted)
    timings["reason"] = time.perf_counter() - started
    graphs = {}
    for graph in loaded.dataset.graphs():
        if graph.identifier == loaded.dataset.default_graph.identifier or not len(graph):
            continue
        if str(graph.identifier) in shared_graphs:
            continue
        graphs[str(graph.identifier)] = graph.serialize(format="nt", encoding="utf-8")
    return {
        "graphs": graphs,
        "inferred": inferred.serialize(format="nt", encoding="utf-8"),
        "inferred_count": len(inferred),
        "asserted_count": sum(len(g) for g in loaded.dataset.graphs() if str(g.identifier) not in shared_graphs),
        "timings": timings,
        "conforms": conforms,
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def build_chunked(ontology_dir: Path, data_dir: Path, store_path: Path, jobs: int, check: bool, engine: str) -> dict:
    import shutil

    import pyoxigraph as ox

    from app.load import load
    from app.namespaces import GRAPH_INFERRED
    from app.store import COMPLETE_MARKER, GRAPH_ASSERTED, OxigraphStore

    started_all = time.perf_counter()
    shared, groups = chunk_groups(ontology_dir, data_dir)
    shared_loaded = load(ontology_dir, data_dir, files=shared)
    shared_graphs = {str(g.identifier) for g in shared_loaded.dataset.graphs() if len(g)}
    staging = store_path.with_name(store_path.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(store_path, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    store = OxigraphStore.open(staging)
    for graph in shared_loaded.dataset.graphs():
        if graph.identifier != shared_loaded.dataset.default_graph.identifier and len(graph):
            for target in (None, GRAPH_ASSERTED, graph.identifier):
                store.load_graph(graph, target)
    stage_sum: dict[str, float] = defaultdict(float)
    store_seconds = 0.0
    asserted = sum(len(g) for g in shared_loaded.dataset.graphs())
    inferred = 0
    conforms = True
    worker_peak = 0.0
    tasks = [(ontology_dir, data_dir, group, shared_graphs, check, engine) for group in groups]
    with get_context("spawn").Pool(jobs, maxtasksperchild=1) as pool:
        for done, chunk in enumerate(pool.imap(chunk_task, tasks), start=1):
            for key, value in chunk["timings"].items():
                stage_sum[key] += value
            conforms = conforms and chunk["conforms"]
            worker_peak = max(worker_peak, chunk["rss_mb"])
            asserted += chunk["asserted_count"]
            inferred += chunk["inferred_count"]
            loading = time.perf_counter()
            raw = store.raw
            for name, data in chunk["graphs"].items():
                for target in (ox.DefaultGraph(), ox.NamedNode(str(GRAPH_ASSERTED)), ox.NamedNode(name)):
                    raw.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=target)
            for target in (ox.DefaultGraph(), ox.NamedNode(str(GRAPH_INFERRED))):
                raw.bulk_load(chunk["inferred"], format=ox.RdfFormat.N_TRIPLES, to_graph=target)
            store_seconds += time.perf_counter() - loading
            emit({"progress": f"chunk {done}/{len(tasks)}", "at": round(time.perf_counter() - started_all, 1)})
    # a triple asserted in one source can be inferred in another chunk (a programme's type, from the
    # range of mc:partOfProgramme): as in the monolithic build, the inferred graph keeps only new triples
    loading = time.perf_counter()
    store.raw.update(
        f"DELETE {{ GRAPH <{GRAPH_INFERRED}> {{ ?s ?p ?o }} }} "
        f"WHERE {{ GRAPH <{GRAPH_INFERRED}> {{ ?s ?p ?o }} GRAPH <{GRAPH_ASSERTED}> {{ ?s ?p ?o }} }}"
    )
    store_seconds += time.perf_counter() - loading
    store.raw.flush()
    del store
    (staging / COMPLETE_MARKER).write_text("ok\n")
    staging.rename(store_path)
    wall = round(time.perf_counter() - started_all, 3)
    stages = {key: round(value, 3) for key, value in stage_sum.items()}
    stages["store"] = round(store_seconds, 3)
    return {
        "engine": "chunked",
        "chunk_engine": engine,
        "jobs": jobs,
        "chunks": len(groups),
        "stages_cpu_seconds_summed_over_chunks": stages,
        "stages": {"wall": wall},
        "total": wall,
        "asserted_triples_approx": asserted,
        "inferred_triples_summed": inferred,
        "conforms": conforms if check else None,
        "worker_peak_rss_mb": worker_peak,
    }


def command_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.engine == "chunked":
        result = build_chunked(args.ontology, args.data, args.store, args.jobs, args.validate, args.chunk_engine)
    else:
        result = build_reference(args.ontology, args.data, args.store, args.engine, args.dumps)
    result["wall_seconds"] = round(time.perf_counter() - started, 3)
    result["peak_rss_mb"] = peak_rss_mb()
    if args.engine == "fast":  # its reasoner may run in a process beside the build's: the sum bounds the two
        result["peak_rss_mb"] = round(sum(result["peak_memory_mb"].values()), 1)
    emit({"result": result})
    return 0


def build_fast(ontology_dir: Path, data_dir: Path, store_path: Path, dumps: Path | None, progress, cpu: dict) -> dict:
    """The product's fast build (`app.build.build`, in the store), dumps included but timed apart."""
    import shutil

    from app.build import build

    dumps_path = dumps or store_path.with_name(store_path.name + "-dumps")
    result = build(ontology_dir, data_dir, store_path, dumps_path, progress, engine="fast")
    if dumps is None:
        shutil.rmtree(dumps_path, ignore_errors=True)
    stages = {k: v for k, v in result.timings.items() if k != "total"}
    return {
        "engine": "fast",
        "stages": stages,
        "cpu_seconds": cpu,
        # wall time up to the store: reasoning runs beside load and validation, so stages overlap
        "total": round(result.timings["total"] - result.timings.get("dumps", 0), 3),
        "asserted_triples": result.asserted_triples,
        "inferred_triples": result.inferred_triples,
        "conforms": True,
        "peak_memory_mb": result.peak_memory_mb,
    }


# --- naive queries (rdflib in-memory, rdflib SPARQL) ------------------------------


class QueryTimeout(Exception):
    pass


def on_alarm(_signum, _frame):
    raise QueryTimeout()


def command_naive(args: argparse.Namespace) -> int:
    import rdflib.plugins.sparql as rdflib_sparql
    from rdflib import Dataset

    rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM graphs over the network
    queries = json.loads(Path(args.queries).read_text())
    started = time.perf_counter()
    dataset = Dataset()
    dataset.parse(args.dump, format="nquads")
    emit({"load_seconds": round(time.perf_counter() - started, 3), "quads": len(dataset), "rss_mb": peak_rss_mb()})
    signal.signal(signal.SIGALRM, on_alarm)
    deadline = time.monotonic() + args.max_seconds
    for name, text in queries.items():
        times: list[float] = []
        rows = None
        status = "ok"
        while len(times) < args.repeats:
            if time.monotonic() > deadline:
                status = "budget exhausted"
                break
            signal.alarm(args.per_query_timeout)
            try:
                t0 = time.perf_counter()
                result = dataset.query(text)
                body = result.serialize(format="json")
                times.append(time.perf_counter() - t0)
                rows = len(result) if result.type == "SELECT" else None
                del body
            except QueryTimeout:
                status = f"timeout > {args.per_query_timeout} s"
                break
            except Exception as error:  # an rdflib failure on a query is a result, not a crash
                status = f"error: {type(error).__name__}: {error}"[:200]
                break
            finally:
                signal.alarm(0)
            if sum(times) > args.per_query_budget:
                break
        emit({"query": name, "times": [round(t, 6) for t in times], "rows": rows, "status": status})
    emit({"done": True, "rss_mb": peak_rss_mb()})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workers")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build")
    build.add_argument("--engine", choices=["reference", "fast", "chunked"], default="reference")
    build.add_argument("--ontology", type=Path, default=ONTOLOGY_DIR)
    build.add_argument("--data", type=Path, required=True)
    build.add_argument("--store", type=Path, required=True)
    build.add_argument("--dumps", type=Path, default=None)
    build.add_argument("--jobs", type=int, default=2)
    build.add_argument("--validate", action="store_true", help="chunked: validate every chunk too")
    build.add_argument("--chunk-engine", default="reference", help="chunked: the engine run on each chunk")
    build.set_defaults(func=command_build)
    naive = commands.add_parser("naive")
    naive.add_argument("--dump", type=Path, required=True)
    naive.add_argument("--queries", type=Path, required=True)
    naive.add_argument("--repeats", type=int, default=5)
    naive.add_argument("--per-query-timeout", type=int, default=120)
    naive.add_argument("--per-query-budget", type=float, default=10.0)
    naive.add_argument("--max-seconds", type=float, default=900.0)
    naive.set_defaults(func=command_naive)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""The pipeline: load -> validate -> reason -> store (+ dumps).

Each stage is its own module with a small interface; this module only runs them
in order, reports progress and stops with a readable report on any violation.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from app.dumps import Dump, write_dumps, write_store_dumps
from app.load import (
    DataFile,
    LoadedData,
    asserted_triples,
    discover_files,
    files_defining_nodes,
    load,
    load_into_store,
)
from app.namespaces import GRAPH_INFERRED
from app.store import GRAPH_ASSERTED, BuildGraphs, GraphStore, OxigraphStore, replace_store, write_store
from app.validate import ValidationReport, load_shapes
from app.validate_fast import validate_store

Progress = Callable[[str], None]
ENGINES = ("reference", "fast")


def engine_stages(engine: str | None, progress: Progress = lambda _msg: None) -> tuple[str, Callable, Callable]:
    """(engine, validate, reason) for an engine name; None means the `build_engine` setting.

    The fast engine compiles the shapes and the ontology first; a construct it does not
    compile (UnsupportedShape, UnsupportedAxiom) sends that stage to the reference engine,
    and the progress messages say so: nothing is skipped, it is only slower.
    """
    from app.reason import reason as reference_reason
    from app.validate import validate as reference_validate

    if engine is None:
        from app.core.config import get_settings

        engine = get_settings().build_engine
    if engine == "reference":
        return engine, reference_validate, reference_reason
    if engine != "fast":
        raise ValueError(f"unknown build engine {engine!r}: use one of {', '.join(ENGINES)}")
    from app.reason_fast import UnsupportedAxiom
    from app.reason_fast import reason as fast_reason
    from app.validate_fast import UnsupportedShape
    from app.validate_fast import validate as fast_validate

    def validate(data: Graph, shapes: Graph) -> ValidationReport:
        try:
            return fast_validate(data, shapes)
        except UnsupportedShape as error:
            progress(f"  the fast validator cannot compile the shapes ({error}): validating with pyshacl")
            return reference_validate(data, shapes)

    def reason(asserted: Graph) -> Graph:
        try:
            return fast_reason(asserted)
        except UnsupportedAxiom as error:
            progress(f"  the fast reasoner cannot compile the ontology ({error}): reasoning with owlrl")
            return reference_reason(asserted)

    return engine, validate, reason


class BuildFailed(Exception):
    """The data does not conform to the shapes; the message is the readable report."""

    def __init__(self, message: str, report: ValidationReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class BuildResult:
    asserted_triples: int
    inferred_triples: int
    graph_triples: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    dumps: list[Dump] = field(default_factory=list)
    engine: str = "reference"
    peak_memory_mb: dict[str, float] = field(default_factory=dict)  # by process: the build's, its reasoner's


def format_violations(report: ValidationReport, files_defining: Callable[[Node], list[Path]], limit: int = 50) -> str:
    lines = [f"The data does not conform to the shapes: {len(report.violations)} violation(s)."]
    for violation in report.violations[:limit]:
        lines.append("- " + violation.describe(files_defining(violation.focus)))
    if len(report.violations) > limit:
        lines.append(f"... and {len(report.violations) - limit} more")
    return "\n".join(lines)


def build_graphs(
    ontology_dir: Path, data_dir: Path, progress: Progress = lambda _msg: None, engine: str | None = None
) -> tuple[BuildGraphs, BuildResult, ValidationReport]:
    engine, validate, reason = engine_stages(engine, progress)
    timings: dict[str, float] = {}

    def timed(stage: str, func, *args):
        progress(f"{stage}...")
        started = time.perf_counter()
        value = func(*args)
        timings[stage] = round(time.perf_counter() - started, 3)
        progress(f"{stage}: done in {timings[stage]:.2f} s")
        return value

    loaded: LoadedData = timed("load", load, ontology_dir, data_dir)
    asserted = loaded.asserted()
    progress(f"  {len(loaded.files)} files, {len(asserted)} asserted triples ({engine} engine)")
    report: ValidationReport = timed("validate", validate, asserted, load_shapes(ontology_dir / "shapes.ttl"))
    if not report.conforms:
        raise BuildFailed(format_violations(report, loaded.files_defining), report)
    inferred: Graph = timed("reason", reason, asserted)
    progress(f"  {len(inferred)} inferred triples")
    named: dict[URIRef, Graph] = {
        graph.identifier: graph
        for graph in loaded.dataset.graphs()
        if graph.identifier != loaded.dataset.default_graph.identifier and len(graph)
    }
    graphs = BuildGraphs(asserted=named, inferred=inferred)
    result = BuildResult(
        asserted_triples=len(asserted),
        inferred_triples=len(inferred),
        graph_triples={str(name): len(graph) for name, graph in sorted(named.items())},
        timings=timings,
        engine=engine,
    )
    return graphs, result, report


def build(
    ontology_dir: Path,
    data_dir: Path,
    store_path: Path,
    dumps_path: Path,
    progress: Progress = lambda _msg: None,
    engine: str | None = None,
    target: GraphStore | None = None,
) -> BuildResult:
    """`target`: a store to write instead of the embedded store at `store_path` (the remote backend,
    app.store_remote.build_target); the dumps and build.json stay local either way.

    The fast engine on the embedded store builds in the store itself (`build_in_store`); the
    reference engine and the remote backend go through rdflib graphs (`build_graphs`)."""
    started = time.perf_counter()
    engine, _validate, _reason = engine_stages(engine, progress)
    result = None
    if engine == "fast" and target is None:
        from app.reason_fast import UnsupportedAxiom
        from app.validate_fast import UnsupportedShape

        try:
            result = build_in_store(ontology_dir, data_dir, store_path, dumps_path, progress)
        except (UnsupportedShape, UnsupportedAxiom) as error:
            progress(f"  the fast engine cannot compile the shapes or the ontology ({error}): building through rdflib")
    if result is None:
        result = build_through_rdflib(ontology_dir, data_dir, store_path, dumps_path, progress, engine, target)
    result.timings["total"] = round(time.perf_counter() - started, 3)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    (store_path.parent / "build.json").write_text(json.dumps(result_summary(result), indent=2) + "\n")
    progress(f"built in {result.timings['total']:.1f} s")
    return result


def build_through_rdflib(
    ontology_dir: Path,
    data_dir: Path,
    store_path: Path,
    dumps_path: Path,
    progress: Progress,
    engine: str,
    target: GraphStore | None,
) -> BuildResult:
    graphs, result, report = build_graphs(ontology_dir, data_dir, progress, engine)
    progress("store...")
    store_started = time.perf_counter()
    if target is None:
        write_store(store_path, graphs)
    else:
        target.write_build(graphs)
    result.timings["store"] = round(time.perf_counter() - store_started, 3)
    progress("dumps...")
    dumps_started = time.perf_counter()
    result.dumps = write_dumps(graphs, dumps_path)
    write_validation_report(report, dumps_path / "validation-report.ttl")
    result.timings["dumps"] = round(time.perf_counter() - dumps_started, 3)
    return result


# --- the fast engine, in the store -------------------------------------------------------------


def build_in_store(
    ontology_dir: Path, data_dir: Path, store_path: Path, dumps_path: Path, progress: Progress = lambda _msg: None
) -> BuildResult:
    """The pipeline without rdflib graphs of the data, for graphs of millions of triples.

    The files are parsed straight into the new store, each into its own graph, the asserted
    graph and the default graph, and the compiled SHACL checks run on the default graph (the
    asserted triples at that point). Meanwhile the fast reasoner reads the same files (in a
    process of its own, see `Reasoning`); its triples are bulk-loaded into the inferred and
    default graphs once the data is valid, and the dumps are written from the store. The same
    graphs and dumps as `build_graphs` with the fast engine (tests/test_build.py compares them).
    """
    from app.validate_fast import compile_shapes

    files = discover_files(ontology_dir, data_dir)
    shapes = load_shapes(ontology_dir / "shapes.ttl")
    checks = compile_shapes(shapes)
    result = BuildResult(asserted_triples=0, inferred_triples=0, graph_triples={}, engine="fast")
    timer = StageTimer(result.timings, progress)

    def fill(store: ox.Store) -> None:
        with tempfile.TemporaryDirectory(dir=store_path.parent) as scratch:
            fill_in(store, Path(scratch))

    def fill_in(store: ox.Store, scratch: Path) -> None:
        inferred = scratch / "inferred.nt"
        with Reasoning(files, inferred) as reasoning:  # from the files, beside loading and validating
            with timer("load"):
                load_into_store(store, files, graphs_in_store)
            result.asserted_triples = OxigraphStore(store, None).count(str(GRAPH_ASSERTED))
            progress(f"  {len(files)} files, {result.asserted_triples} asserted triples (fast engine, in the store)")
            with timer("validate"):
                report = validate_store(store, shapes, checks)  # the default graph: the asserted triples so far
            if not report.conforms:
                nodes = {violation.focus for violation in report.violations}
                raise BuildFailed(format_violations(report, files_defining_nodes(files, nodes).get), report)
            with timer("reason"):  # what is left of it: the reasoner started with the load
                result.inferred_triples, result.timings["reasoner"], reasoner_peak = reasoning.result()
                if reasoning.pool is not None:
                    result.peak_memory_mb["reasoner"] = reasoner_peak
        beside = ", beside load and validation" if reasoning.pool is not None else ""
        progress(
            f"  {result.inferred_triples} inferred triples (the reasoner took {result.timings['reasoner']:.2f} s{beside})"
        )
        with timer("store"):
            for graph in (OX_INFERRED, OX_DEFAULT):
                store.bulk_load(path=str(inferred), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            store.optimize()  # compacts what the bulk loads wrote: queries on a fresh bulk load are slower
        result.graph_triples = source_graph_counts(OxigraphStore(store, None))
        with timer("dumps"):
            result.dumps = write_store_dumps(store, dumps_path)
            write_validation_report(report, dumps_path / "validation-report.ttl")

    store_path.parent.mkdir(parents=True, exist_ok=True)
    replace_store(store_path, fill)
    result.peak_memory_mb["build"] = peak_rss_mb()
    return result


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux gives kilobytes


OX_DEFAULT = ox.DefaultGraph()
OX_ASSERTED = ox.NamedNode(GRAPH_ASSERTED)
OX_INFERRED = ox.NamedNode(GRAPH_INFERRED)


def graphs_in_store(data_file: DataFile) -> list[ox.NamedNode | ox.DefaultGraph]:
    """Where the triples of a file go: its own graph, the asserted graph, the default graph."""
    return [ox.NamedNode(data_file.graph), OX_ASSERTED, OX_DEFAULT]


class StageTimer:
    """`with timer("stage"):` reports the stage and records its wall time in `timings`."""

    def __init__(self, timings: dict[str, float], progress: Progress) -> None:
        self.timings, self.progress = timings, progress

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        self.progress(f"{stage}...")
        started = time.perf_counter()
        yield
        self.timings[stage] = round(self.timings.get(stage, 0) + time.perf_counter() - started, 3)
        self.progress(f"{stage}: done in {self.timings[stage]:.2f} s")


def source_graph_counts(store: OxigraphStore) -> dict[str, int]:
    """Triples per named graph of asserted data, as `build_graphs` reports them."""
    whole = {str(GRAPH_ASSERTED), str(GRAPH_INFERRED)}
    return {name: store.count(name) for name in store.graph_names() if name not in whole}


PARALLEL_REASONING_BYTES = 8 * 1024 * 1024  # data below this reasons in-process: a process costs ~1 s to start


class Reasoning:
    """The fast reasoner over the data files, writing its inferred triples to `path`; for
    data of some size, in a process of its own, so that it runs while the main process
    loads and validates (the stages read the same files and do not depend on each other).
    Leaving the block stops the process, finished or not."""

    def __init__(self, files: list[DataFile], path: Path) -> None:
        self.files, self.path = files, path
        self.pool = None
        if sum(data_file.path.stat().st_size for data_file in files) > PARALLEL_REASONING_BYTES:
            self.pool = multiprocessing.get_context("spawn").Pool(1)
            self.pending = self.pool.apply_async(write_inferred, (files, path))

    def __enter__(self) -> Reasoning:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def result(self) -> tuple[int, float, float]:
        """(inferred triples, seconds the reasoning took, peak memory of its process in MB)."""
        return self.pending.get() if self.pool is not None else write_inferred(self.files, self.path)


def write_inferred(files: list[DataFile], path: Path) -> tuple[int, float, float]:
    """Reason over the asserted triples of `files` with the fast engine; write what it infers
    to `path` as N-Triples; return how many triples that is, the seconds it took and the
    process's peak memory."""
    from app.reason_fast import FastReasoner

    started = time.perf_counter()
    reasoner = FastReasoner.from_oxigraph(asserted_triples(files))
    count = 0

    def counted(triples: Iterator[ox.Triple]) -> Iterator[ox.Triple]:
        nonlocal count
        for triple in triples:
            count += 1
            yield triple

    ox.serialize(counted(reasoner.inferred_oxigraph_triples()), str(path), ox.RdfFormat.N_TRIPLES)
    return count, round(time.perf_counter() - started, 3), peak_rss_mb()


def write_validation_report(report: ValidationReport, path: Path) -> None:
    path.write_bytes(report.report_graph.serialize(format="turtle", encoding="utf-8"))


def result_summary(result: BuildResult) -> dict:
    return {
        "engine": result.engine,
        "asserted_triples": result.asserted_triples,
        "inferred_triples": result.inferred_triples,
        "graphs": result.graph_triples,
        "timings_seconds": result.timings,
        "peak_memory_mb": result.peak_memory_mb,
        "dumps": {dump.path.name: dump.triples for dump in result.dumps},
    }

"""A larger graph of the real shape: the real data replicated with renamed IRIs.

For measurements only (`bench/generate.py`, another engineer's, makes synthetic data
from scratch). The shared world (ontology, reference graph: countries, regions,
organisations, code lists) is kept once; the facts of the sources and the curation
graph are copied `copies` times, every resource they describe renamed by suffixing the
first segment after its kind, so the copies stay valid under the shapes' IRI patterns:

    id:action/mieux/zambia/participation/x -> id:action/mieux-r7/zambia/participation/x
    id:output/zmb-plan                     -> id:output/zmb-plan-r7

Time instants (id:time/2011-02) are shared, since their IRIs carry their value.
Copy 0 is the original data, so `replicate(loaded, 1)` is the real asserted graph.

    .venv/bin/python -m bench.replicate --copies 20 --out var/bench/replica-20.nt
    .venv/bin/python -m bench.replicate --triples 100000 --measure --runs 3 [--reference-runs 3] [--out FILE]

`--measure` times validation and reasoning of the replica with the reference engines
(app.validate, app.reason) and the fast ones (app.validate_fast, app.reason_fast), and an
incremental update of the fast reasoner against its full recompute; it prints one JSON
object with the median, min and max of each (the machine is shared: look at the spread).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import BNode, Graph, URIRef

from app.core.config import PROJECT_ROOT
from app.load import LoadedData, load
from app.namespaces import GRAPH_CURATION, GRAPH_ONTOLOGY, GRAPH_REFERENCE, ID, SOURCE_GRAPH_PREFIX

ID_PREFIX = str(ID)
SHARED_KINDS = {"time"}


def is_replicated_graph(name: URIRef) -> bool:
    return str(name).startswith(SOURCE_GRAPH_PREFIX) or name == GRAPH_CURATION


def renamed_iri(iri: URIRef, copy: int) -> URIRef:
    kind, _, rest = str(iri)[len(ID_PREFIX) :].partition("/")
    first, slash, tail = rest.partition("/")
    return URIRef(f"{ID_PREFIX}{kind}/{first}-r{copy}{slash}{tail}")


def replicated_parts(loaded: LoadedData) -> tuple[Graph, Graph, set[URIRef]]:
    """(shared triples, replicated triples, the IRIs to rename in each copy)."""
    shared, replicated = Graph(), Graph()
    shared_subjects: set = set()
    for graph in loaded.dataset.graphs():
        if graph.identifier in (GRAPH_ONTOLOGY, GRAPH_REFERENCE):
            shared += graph
            shared_subjects.update(graph.subjects())
        elif is_replicated_graph(graph.identifier):
            replicated += graph
    renamed = {
        subject
        for subject in replicated.subjects()
        if isinstance(subject, URIRef)
        and str(subject).startswith(ID_PREFIX)
        and subject not in shared_subjects
        and str(subject)[len(ID_PREFIX) :].split("/", 1)[0] not in SHARED_KINDS
    }
    return shared, replicated, renamed


def replicate(loaded: LoadedData, copies: int) -> Graph:
    """The asserted graph with the source and curation facts present `copies` times."""
    shared, replicated, renamed = replicated_parts(loaded)
    result = Graph()
    result += shared
    result += replicated
    for copy in range(1, copies):
        names: dict = {iri: renamed_iri(iri, copy) for iri in renamed}
        blanks: dict = {}

        def rename(term, names=names, blanks=blanks):
            if isinstance(term, BNode):
                return blanks.setdefault(term, BNode())
            return names.get(term, term)

        for s, p, o in replicated:
            result.add((rename(s), p, rename(o)))
    return result


def copies_for(loaded: LoadedData, target_triples: int) -> int:
    shared, replicated, _ = replicated_parts(loaded)
    return max(1, round((target_triples - len(shared)) / len(replicated)))


def timed_runs(function: Callable[[], object], runs: int) -> dict:
    """Wall-clock and CPU seconds of `runs` calls (CPU time is steadier on a shared machine)."""
    seconds, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        function()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {
        "median_s": round(statistics.median(seconds), 4),
        "min_s": round(min(seconds), 4),
        "max_s": round(max(seconds), 4),
        "median_cpu_s": round(statistics.median(cpu), 4),
        "runs": runs,
    }


def measure(graph: Graph, runs: int, reference_runs: int) -> dict:
    from app.namespaces import ID, MC
    from app.reason import reason as reference_reason
    from app.reason_fast import FastReasoner
    from app.validate import load_shapes
    from app.validate import validate as reference_validate
    from app.validate_fast import validate as fast_validate

    shapes = load_shapes(PROJECT_ROOT / "ontology" / "shapes.ttl")
    results: dict = {"asserted_triples": len(graph), "load_average": [round(x, 2) for x in os.getloadavg()]}
    results["validate_fast"] = timed_runs(lambda: fast_validate(graph, shapes), runs)
    results["reason_fast"] = timed_runs(lambda: FastReasoner(graph).inferred(), runs)
    reasoner = FastReasoner(graph)
    results["inferred_triples"] = len(reasoner.inferred())
    results["reason_fast_closure_only"] = timed_runs(lambda: FastReasoner(graph), runs)
    action = ID["action/mieux/senegal-ii"]
    insert = [(action, MC.partnerCountry, ID["country/SEN"]), (action, MC.follows, ID["action/mieux/senegal"])]
    delete = [(ID["action/mieux/cabo-verde-iii"], MC.follows, ID["action/mieux/cabo-verde-ii"])]

    def update_and_undo(added, removed):
        def run():
            reasoner._remove(set(removed)) if removed else None
            reasoner._add(set(added)) if added else None

        def undo():
            reasoner._remove(set(added)) if added else None
            reasoner._add(set(removed)) if removed else None

        def both():
            run()
            undo()

        return both

    # the closure update alone (without rebuilding the rdflib inferred graph), update + undo
    results["update_fast_insert_and_undo"] = timed_runs(update_and_undo(insert, []), runs)
    results["update_fast_delete_follows_and_undo"] = timed_runs(update_and_undo([], delete), runs)
    if reference_runs:
        results["validate_reference"] = timed_runs(lambda: reference_validate(graph, shapes), reference_runs)
        results["reason_reference"] = timed_runs(lambda: reference_reason(graph), reference_runs)
        for stage in ("validate", "reason"):
            for kind in ("median_s", "median_cpu_s"):
                ratio = results[f"{stage}_reference"][kind] / max(results[f"{stage}_fast"][kind], 1e-9)
                results[f"{stage}_speedup_{kind.removeprefix('median_')}"] = round(ratio, 1)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--copies", type=int)
    group.add_argument("--triples", type=int, help="about this many asserted triples")
    parser.add_argument("--out", type=Path, help="N-Triples file to write")
    parser.add_argument("--measure", action="store_true", help="time the reference and fast engines on it")
    parser.add_argument("--runs", type=int, default=3, help="runs of each fast measurement")
    parser.add_argument("--reference-runs", type=int, default=1, help="runs of each reference measurement (0: none)")
    args = parser.parse_args(argv)
    if not args.out and not args.measure:
        parser.error("give --out, --measure or both")
    started = time.perf_counter()
    loaded = load(PROJECT_ROOT / "ontology", PROJECT_ROOT / "data")
    copies = args.copies or copies_for(loaded, args.triples)
    graph = replicate(loaded, copies)
    print(f"{copies} copies, {len(graph)} triples ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        graph.serialize(args.out, format="nt", encoding="utf-8")
    if args.measure:
        print(json.dumps({"copies": copies, **measure(graph, args.runs, args.reference_runs)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The pipeline: load -> validate -> reason -> store (+ dumps).

Each stage is its own module with a small interface; this module only runs them
in order, reports progress and stops with a readable report on any violation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from app.dumps import Dump, write_dumps
from app.load import LoadedData, load
from app.store import BuildGraphs, GraphStore, write_store
from app.validate import ValidationReport, load_shapes

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


def format_violations(report: ValidationReport, loaded: LoadedData, limit: int = 50) -> str:
    lines = [f"The data does not conform to the shapes: {len(report.violations)} violation(s)."]
    for violation in report.violations[:limit]:
        lines.append("- " + violation.describe(loaded.files_defining(violation.focus)))
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
        raise BuildFailed(format_violations(report, loaded), report)
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
    app.store_remote.build_target); the dumps and build.json stay local either way."""
    started = time.perf_counter()
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
    result.timings["total"] = round(time.perf_counter() - started, 3)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    (store_path.parent / "build.json").write_text(json.dumps(result_summary(result), indent=2) + "\n")
    progress(f"built in {result.timings['total']:.1f} s")
    return result


def write_validation_report(report: ValidationReport, path: Path) -> None:
    path.write_bytes(report.report_graph.serialize(format="turtle", encoding="utf-8"))


def result_summary(result: BuildResult) -> dict:
    return {
        "engine": result.engine,
        "asserted_triples": result.asserted_triples,
        "inferred_triples": result.inferred_triples,
        "graphs": result.graph_triples,
        "timings_seconds": result.timings,
        "dumps": {dump.path.name: dump.triples for dump in result.dumps},
    }

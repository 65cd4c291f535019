"""The whole pipeline: readable failure reports, identical rebuilds, the CLI."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

import app.build
from app.build import BuildFailed, build, build_graphs, build_through_rdflib
from app.load import LoadError
from app.namespaces import ID, MC
from app.store import OxigraphStore
from tests.conftest import PROJECT_ROOT, Built
from tests.test_load import copy_project


def test_build_reports_triple_counts_and_timings(built: Built) -> None:
    result = built.result
    assert result.asserted_triples > 5000
    assert result.inferred_triples > 1000
    for stage in ("load", "validate", "reason", "store", "dumps", "total"):
        assert stage in result.timings
    assert "https://w3id.org/migcoop/id/graph/source/004" in result.graph_triples


def test_building_twice_gives_identical_dumps(built: Built, tmp_path: Path) -> None:
    again = tmp_path / "again"
    build(PROJECT_ROOT / "ontology", PROJECT_ROOT / "data", again / "store", again / "dumps")
    names = sorted(path.name for path in built.dumps_path.iterdir())
    assert "migcoop-asserted.ttl" in names and "migcoop-all.jsonld" in names
    for name in names:
        assert (built.dumps_path / name).read_bytes() == (again / "dumps" / name).read_bytes(), name


def test_violation_stops_the_build_naming_file_node_and_rule(tmp_path: Path) -> None:
    ontology, data = copy_project(tmp_path)
    curation = data / "curation" / "004-part-d.ttl"
    graph = Graph().parse(curation)
    # Remove every thematic area of the Zambia action: the ActionShape requires one.
    graph.remove((ID["action/mieux/zambia"], MC.thematicArea, None))
    graph.serialize(curation, format="turtle")
    with pytest.raises(BuildFailed) as failure:
        build_graphs(ontology, data)
    message = str(failure.value)
    assert "action/mieux/zambia" in message
    assert "004-part-d.ttl" in message
    assert "MinCountConstraintComponent" in message
    assert "thematicArea" in message


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_stats_prints_counts_per_graph_and_class(built: Built) -> None:
    result = run_cli("stats", MIGCOOP_STORE_PATH=str(built.store_path))
    assert result.returncode == 0, result.stderr
    assert "https://w3id.org/migcoop/id/graph/inferred" in result.stdout
    assert "https://w3id.org/migcoop/ontology#TechnicalAssistanceAction" in result.stdout


def test_cli_validate_fails_on_broken_data(tmp_path: Path) -> None:
    _ontology, data = copy_project(tmp_path)
    part = data / "sources" / "004-part-a.ttl"
    part.write_text(
        part.read_text() + "\n<action/mieux/angola> <https://w3id.org/migcoop/ontology#partnerCountry> <org/icmpd> .\n"
    )
    result = run_cli("validate", MIGCOOP_PROJECT_ROOT=str(tmp_path))
    assert result.returncode == 1
    assert "action/mieux/angola" in result.stdout
    assert "partnerCountry" in result.stdout


# --- the fast engine builds in the store ------------------------------------------------------


def graphs_of(store_path: Path) -> dict[str, Graph]:
    store = OxigraphStore.open(store_path, read_only=True)
    return {name: store.read_graph(name or None) for name in ["", *store.graph_names()]}


def test_the_in_store_build_gives_the_graphs_of_the_rdflib_build(built: Built, tmp_path: Path) -> None:
    assert built.result.engine == "fast"  # the session's build went through build_in_store
    build_through_rdflib(
        PROJECT_ROOT / "ontology", PROJECT_ROOT / "data", tmp_path / "store", tmp_path / "dumps", print, "fast", None
    )
    ours, theirs = graphs_of(built.store_path), graphs_of(tmp_path / "store")
    assert sorted(ours) == sorted(theirs) and len(ours) >= 10
    for name, graph in theirs.items():
        assert len(ours[name]) == len(graph), name
        assert isomorphic(ours[name], graph), name


def test_a_violation_stops_the_in_store_build_and_keeps_the_previous_store(tmp_path: Path) -> None:
    ontology, data = copy_project(tmp_path)
    store_path = tmp_path / "store"
    first = build(ontology, data, store_path, tmp_path / "dumps", engine="fast")
    part = data / "sources" / "004-part-a.ttl"
    part.write_text(
        part.read_text() + "\n<action/mieux/angola> <https://w3id.org/migcoop/ontology#partnerCountry> 7 .\n"
    )
    with pytest.raises(BuildFailed) as failure:
        build(ontology, data, store_path, tmp_path / "dumps", engine="fast")
    message = str(failure.value)
    assert "action/mieux/angola" in message and "004-part-a.ttl" in message and "partnerCountry" in message
    assert OxigraphStore.open(store_path, read_only=True).count() == first.asserted_triples + first.inferred_triples
    assert sorted(path.name for path in tmp_path.iterdir()) == ["build.json", "data", "dumps", "ontology", "store"]


def test_a_file_that_does_not_parse_stops_the_in_store_build_naming_it(tmp_path: Path) -> None:
    ontology, data = copy_project(tmp_path)
    broken = data / "sources" / "002.ttl"
    broken.write_text(broken.read_text() + "\n<oops> <is> \n")
    with pytest.raises(LoadError) as error:
        build(ontology, data, tmp_path / "store", tmp_path / "dumps", engine="fast")
    assert "002.ttl" in str(error.value) and "line" in str(error.value)
    assert not (tmp_path / "store").exists() and not (tmp_path / "store.new").exists()


def test_the_reasoner_in_its_own_process_gives_the_same_dumps(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.build, "PARALLEL_REASONING_BYTES", 0)  # the real data is below the threshold
    result = build(PROJECT_ROOT / "ontology", PROJECT_ROOT / "data", tmp_path / "store", tmp_path / "dumps")
    assert "reasoner" in result.peak_memory_mb  # it did run in a process of its own
    for dump in sorted(built.dumps_path.iterdir()):
        assert dump.read_bytes() == (tmp_path / "dumps" / dump.name).read_bytes(), dump.name


def test_a_failed_build_stops_the_reasoner_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.build, "PARALLEL_REASONING_BYTES", 0)
    ontology, data = copy_project(tmp_path)
    part = data / "sources" / "004-part-a.ttl"
    part.write_text(
        part.read_text() + "\n<action/mieux/angola> <https://w3id.org/migcoop/ontology#partnerCountry> 7 .\n"
    )
    with pytest.raises(BuildFailed):
        build(ontology, data, tmp_path / "store", tmp_path / "dumps", engine="fast")
    assert multiprocessing.active_children() == []

"""The load stage: which file goes into which graph, time expansion, parse errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import XSD, Graph, Literal, URIRef

from app.load import LoadError, discover_files, expand_time, instant_value, load
from app.namespaces import GRAPH_CURATION, GRAPH_ONTOLOGY, GRAPH_REFERENCE, ID, MC, TIME, source_graph
from tests.conftest import DATA_DIR, ONTOLOGY_DIR


def test_files_map_to_graphs() -> None:
    graphs = {f"{f.path.parent.name}/{f.path.name}": f.graph for f in discover_files(ONTOLOGY_DIR, DATA_DIR)}
    assert graphs["ontology/migcoop.ttl"] == GRAPH_ONTOLOGY
    assert graphs["reference/geography.ttl"] == GRAPH_REFERENCE
    assert graphs["sources/004-part-a.ttl"] == source_graph("004")
    assert graphs["sources/004-programme.ttl"] == source_graph("004")
    assert graphs["curation/004-part-a.ttl"] == GRAPH_CURATION
    assert graphs["curation/sources.ttl"] == GRAPH_CURATION


@pytest.mark.parametrize(
    ("text", "literal", "first", "last"),
    [
        ("2011", Literal("2011", datatype=XSD.gYear), "2011-01-01", "2011-12-31"),
        ("2012-02", Literal("2012-02", datatype=XSD.gYearMonth), "2012-02-01", "2012-02-29"),
        ("2010-03-11", Literal("2010-03-11", datatype=XSD.date), "2010-03-11", "2010-03-11"),
    ],
)
def test_instant_values_at_their_precision(text: str, literal: Literal, first: str, last: str) -> None:
    value = instant_value(ID[f"time/{text}"])
    assert value is not None
    assert value[0] == literal
    assert (value[1].isoformat(), value[2].isoformat()) == (first, last)


def test_bad_instant_iri_is_a_load_error() -> None:
    with pytest.raises(LoadError, match="time/2011-13-99x"):
        instant_value(ID["time/2011-13-99x"])


def test_expand_time_adds_bounds_and_instants() -> None:
    graph = Graph()
    interval = ID["action/x/period"]
    graph.add((interval, TIME.hasBeginning, ID["time/2009-09"]))
    graph.add((interval, TIME.hasEnd, ID["time/2011-07"]))
    graph.add((ID["m"], MC.date, Literal("2015-11", datatype=XSD.gYearMonth)))
    expand_time(graph)
    assert graph.value(interval, MC.startDate) == Literal("2009-09-01", datatype=XSD.date)
    assert graph.value(interval, MC.endDate) == Literal("2011-07-31", datatype=XSD.date)
    assert graph.value(ID["time/2009-09"], TIME.inXSDgYearMonth) == Literal("2009-09", datatype=XSD.gYearMonth)
    assert graph.value(ID["m"], MC.year) == Literal("2015", datatype=XSD.gYear)


def copy_project(tmp_path: Path) -> tuple[Path, Path]:
    import shutil

    shutil.copytree(ONTOLOGY_DIR, tmp_path / "ontology")
    shutil.copytree(DATA_DIR, tmp_path / "data")
    return tmp_path / "ontology", tmp_path / "data"


def test_parse_error_names_the_file_and_line(tmp_path: Path) -> None:
    ontology, data = copy_project(tmp_path)
    broken = data / "sources" / "002.ttl"
    broken.write_text(broken.read_text() + "\n<oops> <is> \n")
    with pytest.raises(LoadError) as error:
        load(ontology, data)
    assert "002.ttl" in str(error.value)
    assert "line" in str(error.value)


def test_source_file_must_be_named_after_its_source(tmp_path: Path) -> None:
    ontology, data = copy_project(tmp_path)
    (data / "sources" / "misc.ttl").write_text("")
    with pytest.raises(LoadError, match=r"misc\.ttl"):
        load(ontology, data)


def test_origins_record_defining_files() -> None:
    loaded = load(ONTOLOGY_DIR, DATA_DIR)
    files = loaded.files_defining(URIRef(ID["action/mieux/zambia"]))
    assert any(path.name == "004-part-d.ttl" for path in files)

"""The bulk validator (app.validate_fast) finds the violations pyshacl (app.validate) finds.

Compared as sets of (focus node, path, constraint component), a blank-node focus counted
as "a blank node" and an inverse path as ("^", property): on every failing fixture of
tests/test_shapes.py (whose pyshacl reports are cached and shared with that module), on
the real data as it is and with faults injected, and on edge cases of literals.
"""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

import tests.test_shapes as fixtures
from app.core.config import PROJECT_ROOT
from app.load import load
from app.namespaces import ID, PREFIXES, SH
from app.validate import ValidationReport
from app.validate import validate as reference_validate
from app.validate_fast import UnsupportedShape, compile_shapes
from app.validate_fast import validate as fast_validate

Key = tuple[Node | str, Node | tuple[str, Node] | None, URIRef]


def keys(report: ValidationReport) -> set[Key]:
    found = set()
    for violation in report.violations:
        focus = "a blank node" if isinstance(violation.focus, BNode) else violation.focus
        path = violation.path
        if isinstance(path, BNode):
            path = ("^", report.report_graph.value(path, SH.inversePath))
        found.add((focus, path, violation.constraint))
    return found


def test_every_constraint_of_the_shapes_is_compiled() -> None:
    graph = fixtures.shapes()
    compiled = {(check.shape, str(check.component).removeprefix(str(SH))) for check in compile_shapes(graph)}
    assert compiled == fixtures.constraints_in(graph)


def test_fixture_conforms() -> None:
    report = fast_validate(fixtures.loaded(fixtures.fixture_data()), fixtures.shapes())
    assert report.conforms and report.violations == []


@pytest.mark.parametrize("case", fixtures.CASES, ids=[case.id for case in fixtures.CASES])
def test_same_violations_as_pyshacl(case: fixtures.Case) -> None:
    expected = fixtures.report_for(case.id)  # pyshacl, cached for tests/test_shapes.py too
    report = fast_validate(fixtures.loaded(fixtures.broken(case)), fixtures.shapes())
    assert keys(report) == keys(expected)
    assert not report.conforms
    assert fixtures.matching(case, report), fixtures.describe(report)


def test_violations_carry_shape_message_and_value() -> None:
    (case,) = (case for case in fixtures.CASES if case.id == "share-percent")
    report = fast_validate(fixtures.loaded(fixtures.broken(case)), fixtures.shapes())
    (violation,) = fixtures.matching(case, report)
    assert violation.message == "A share of budget is one decimal between 0 and 1."
    assert str(violation.value) == "94.42"
    assert violation.severity == SH.Violation
    assert (violation.shape, SH.path, fixtures.term("mc:shareOfBudget")) in fixtures.shapes()


# --- the real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_asserted() -> Graph:
    return load(PROJECT_ROOT / "ontology", PROJECT_ROOT / "data").asserted()


FAULTS = """
BASE <https://w3id.org/migcoop/id/>
DELETE WHERE { <action/mieux/zambia> mc:thematicArea ?theme } ;
DELETE WHERE { <action/mieux/senegal> mc:activityStatus ?status } ;
INSERT DATA {
    <action/mieux/angola> mc:partnerCountry <org/icmpd> ; mc:phaseNumber 0, "II" ; mc:follows <programme/mieux> .
    <action/MIEUX/Bad> a mc:Action .
    <country/ZMB> mc:iso2 "zm" .
    <org/icmpd> mc:organisationType <role/funder> .
    [] a mc:Workshop ; rdfs:label "A blank workshop"@en .
    <action/mieux/zambia> mc:hasParticipation <action/mieux/zambia/participation/ghost> .
}
"""


def test_real_data_conforms_for_both(real_asserted: Graph) -> None:
    shapes = fixtures.shapes()
    assert reference_validate(real_asserted, shapes).conforms
    assert fast_validate(real_asserted, shapes).violations == []


def test_same_violations_on_real_data_with_faults(real_asserted: Graph) -> None:
    data = Graph()
    data += real_asserted
    data.update(FAULTS, initNs=PREFIXES)
    shapes = fixtures.shapes()
    expected = keys(reference_validate(data, shapes))
    assert len(expected) > 20
    assert keys(fast_validate(data, shapes)) == expected
    assert (
        ID["action/mieux/zambia/participation/ghost"],
        URIRef(str(fixtures.term("rdf:type"))),
        SH.MinCountConstraintComponent,
    ) in expected


# --- edge cases of values -------------------------------------------------------------------------

EDGES = {
    "ill-typed integer": fixtures.swap(fixtures.ACTION, "mc:phaseNumber", "'abc'^^xsd:integer"),
    "impossible date": fixtures.swap(fixtures.MILESTONE, "mc:date", "'2011-02-30'^^xsd:date"),
    "blank node for a pattern": fixtures.swap(fixtures.ZMB, "mc:iso2", "[]"),
    "literal for a class": fixtures.add(fixtures.ACTION, "mc:hasParticipation", "'a participation'"),
    "regional English label": fixtures.swap(fixtures.PROGRAMME, "rdfs:label", "'MIEUX'@en-GB"),
    "IRI for a datatype in sh:or": fixtures.add(fixtures.ACTION, "mc:ongoingAsOf", fixtures.SOURCE),
    "string compared with a number": fixtures.swap(fixtures.FUNDING, "mc:shareOfBudget", "'0.5'"),
    "end date not a date": fixtures.add(fixtures.PERIOD, "mc:endDate", "'someday'"),
    "three statuses": fixtures.add(fixtures.ACTIVITY, "mc:eventStatus", "<event-status/planned>, <event-status/x>"),
}


@pytest.mark.parametrize("update", EDGES.values(), ids=EDGES.keys())
def test_same_violations_on_edge_cases(update: str) -> None:
    data = fixtures.copy(fixtures.fixture_data())
    data.update(fixtures.UPDATE_PROLOGUE + update, initNs=PREFIXES)
    graph = fixtures.loaded(data)
    expected = keys(reference_validate(graph, fixtures.shapes()))
    assert keys(fast_validate(graph, fixtures.shapes())) == expected


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib, inside pyshacl
def test_ill_typed_value_compared_is_a_violation() -> None:
    """The one difference found: an ill-typed literal in sh:lessThanOrEquals.

    SHACL makes a comparison that fails (here with the impossible date 2010-02-30) a
    violation; pyshacl reports the sh:datatype violation but lets the comparison pass
    (rdflib's Literal.__le__ takes the NotImplemented of the impossible comparison for
    true). The fast validator reports both.
    """
    data = fixtures.copy(fixtures.fixture_data())
    data.update(
        fixtures.UPDATE_PROLOGUE + fixtures.add(fixtures.PERIOD, "mc:startDate", "'2010-02-30'^^xsd:date"),
        initNs=PREFIXES,
    )
    graph = fixtures.loaded(data)
    expected = keys(reference_validate(graph, fixtures.shapes()))
    found = keys(fast_validate(graph, fixtures.shapes()))
    period, start = fixtures.term(fixtures.PERIOD), fixtures.term("mc:startDate")
    assert (period, start, SH.DatatypeConstraintComponent) in expected
    assert found - expected == {(period, start, SH.LessThanOrEqualsConstraintComponent)}
    assert expected <= found


# --- what the compiler refuses ------------------------------------------------------------------

SHAPES_PROLOGUE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
"""
UNSUPPORTED = {
    "sh:node": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:node ex:T .",
    "sh:hasValue": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:hasValue 1 ] .",
    "sh:sparql": 'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select "SELECT $this WHERE {}" ] .',
    "sh:closed": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true .",
    "sh:qualifiedValueShape": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; "
        "sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1 ] ."
    ),
    "sh:equals": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:equals ex:q ] .",
    "minCount 2 inside sh:or": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:or ( [ sh:path ex:p ; sh:minCount 2 ] [ sh:path ex:q ; sh:minCount 1 ] ) ."
    ),
    "a target that is not SPARQL": "ex:S a sh:NodeShape ; sh:target [ a ex:OtherTarget ] ; sh:nodeKind sh:IRI .",
    "nested sh:property": (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ."
    ),
    "a path that is not a path": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path [ ex:weird ex:p ] ; sh:minCount 1 ] .",
}


@pytest.mark.parametrize("text", UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
def test_unsupported_shapes_fail_at_compile_time(text: str) -> None:
    shapes = Graph().parse(data=SHAPES_PROLOGUE + text, format="turtle")
    with pytest.raises(UnsupportedShape):
        compile_shapes(shapes)
    with pytest.raises(UnsupportedShape):
        fast_validate(Graph(), shapes)


def test_supported_paths_and_count_constraints() -> None:
    shapes = Graph().parse(
        data=SHAPES_PROLOGUE
        + """
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 2 ] ,
                        [ sh:path [ sh:alternativePath ( ex:p ex:r ) ] ; sh:maxCount 1 ] ,
                        [ sh:path [ sh:oneOrMorePath ex:p ] ; sh:nodeKind sh:IRI ] .
        ex:T a sh:NodeShape ; sh:targetNode ex:c ; sh:targetObjectsOf ex:q ; sh:in ( ex:c ) .
        """,
        format="turtle",
    )
    data = Graph().parse(
        data="@prefix ex: <https://example.org/> . ex:a ex:p ex:b , _:x ; ex:r ex:c . ex:b ex:q ex:c . ex:b ex:p ex:d .",
        format="turtle",
    )
    assert keys(fast_validate(data, shapes)) == keys(reference_validate(data, shapes))
    assert keys(fast_validate(data, shapes))

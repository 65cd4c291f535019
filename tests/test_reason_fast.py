"""The fast reasoner (app.reason_fast) gives the inferred graph of owlrl (app.reason).

- on the real data: the same inferred graph; and the triples of owlrl's full closure it
  does not hold are exactly those app.reason's filter drops (the documented pruning);
- on a small synthetic ontology using every rule kind it compiles;
- OWL constructs it does not compile are refused;
- incremental updates (insert, DRed removal, schema change) equal a full recompute, and
  undoing them gives back the graph before;
- a build with the fast engine writes byte-identical dumps.
"""

from __future__ import annotations

import filecmp
from pathlib import Path
from unittest import mock

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

import app.reason
from app.build import build, engine_stages, write_validation_report
from app.cli import parser
from app.core.config import PROJECT_ROOT, Settings
from app.dumps import write_dumps
from app.load import load
from app.namespaces import ID, MC, ORG, PROV
from app.reason import is_worth_keeping
from app.reason import reason as reference_reason
from app.reason_fast import FastReasoner, UnsupportedAxiom, reason_incremental
from app.reason_fast import reason as fast_reason
from app.store import BuildGraphs
from app.terms import to_rdflib
from app.validate import load_shapes
from app.validate import validate as reference_validate
from tests.conftest import Built


@pytest.fixture(scope="module")
def asserted() -> Graph:
    return load(PROJECT_ROOT / "ontology", PROJECT_ROOT / "data").asserted()


@pytest.fixture(scope="module")
def owlrl_run(asserted: Graph) -> tuple[Graph, Graph]:
    """app.reason.reason on the real data, and the unfiltered owlrl closure it computed."""
    closures: list[Graph] = []
    expand = app.reason.owl_rl_closure

    def keep(graph: Graph) -> None:
        expand(graph)
        closures.append(graph)

    with mock.patch.object(app.reason, "owl_rl_closure", keep):
        inferred = reference_reason(asserted)
    return inferred, closures[0]


@pytest.fixture(scope="module")
def reasoner(asserted: Graph) -> FastReasoner:
    return FastReasoner(asserted)


def test_same_inferred_graph_as_owlrl_on_real_data(owlrl_run: tuple[Graph, Graph], asserted: Graph) -> None:
    expected, _closure = owlrl_run
    inferred = fast_reason(asserted)
    assert len(expected) > 5000
    assert set(inferred) == set(expected)


def test_what_is_not_materialised_is_what_the_filter_drops(owlrl_run, reasoner: FastReasoner) -> None:
    """The fast closure is owlrl's minus triples `is_worth_keeping` drops: owl:Thing types,
    literal range typing, owlrl's reflexive owl:sameAs (eq-ref), and nothing else."""
    _inferred, closure = owlrl_run
    nodes = reasoner.terms.nodes
    fast = {(nodes[s], nodes[p], nodes[o]) for s, ps in reasoner.spo.items() for p, os in ps.items() for o in os}
    owlrl_only = set(closure) - fast
    assert owlrl_only and not any(is_worth_keeping(t) for t in owlrl_only)
    kinds = {
        "owl:Thing type" if t[1] == RDF.type and t[2] == URIRef("http://www.w3.org/2002/07/owl#Thing") else
        "reflexive sameAs" if t[0] == t[2] and str(t[1]).endswith("#sameAs") else
        "literal subject" if isinstance(t[0], Literal) else "other"
        for t in owlrl_only
    }  # fmt: skip
    assert kinds <= {"owl:Thing type", "reflexive sameAs", "literal subject"}, kinds
    # ... and the fast closure holds nothing owlrl does not, but the external axioms and
    # role shortcuts owlrl was given as input too (they are in its closure).
    assert fast - set(closure) == set()


# --- a synthetic ontology: every rule kind ------------------------------------------------

SYNTHETIC = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix mc: <https://w3id.org/migcoop/ontology#> .
@prefix t: <https://w3id.org/migcoop/test#> .
@prefix x: <https://w3id.org/migcoop/id/x/> .

t:A rdfs:subClassOf t:B . t:B rdfs:subClassOf t:C .
t:D owl:equivalentClass [ owl:intersectionOf ( t:A [ a owl:Restriction ; owl:onProperty t:status ; owl:hasValue x:on ] ) ] .
t:p1 rdfs:subPropertyOf t:p2 . t:p2 rdfs:subPropertyOf t:p3 ; rdfs:domain t:B ; rdfs:range t:C .
t:q owl:inverseOf t:p1 .
t:s a owl:SymmetricProperty .
t:tr a owl:TransitiveProperty ; rdfs:subPropertyOf t:related .
t:chain owl:propertyChainAxiom ( t:p1 t:tr t:s ) .
t:e1 owl:equivalentProperty t:e2 .
t:code rdfs:subPropertyOf t:notation ; rdfs:range xsd:decimal .
t:part rdfs:subPropertyOf mc:hasParticipation .

x:a a t:A ; t:p1 x:b ; t:status x:on ; t:e2 x:z ;
    t:code "1.50"^^xsd:decimal , "A1"^^xsd:string , "A1" , "un"@fr .
x:b t:tr x:c . x:c t:tr x:d . x:d t:s x:e .
x:f a t:D .
x:g t:p1 x:h ; a t:A .
x:act mc:hasParticipation x:part . x:part mc:role x:role ; mc:agent x:org . x:role mc:shortcutProperty t:fundedBy .
x:act2 t:part x:part2 . x:part2 mc:role x:role ; mc:agent x:org .
"""


def test_same_closure_as_owlrl_on_every_rule_kind() -> None:
    data = Graph().parse(data=SYNTHETIC, format="turtle")
    expected = set(reference_reason(data))
    assert set(fast_reason(data)) == expected
    x, t = "https://w3id.org/migcoop/id/x/", "https://w3id.org/migcoop/test#"
    for triple in [
        (URIRef(x + "a"), URIRef(t + "chain"), URIRef(x + "e")),  # chain of three through transitive and symmetric
        (URIRef(x + "a"), RDF.type, URIRef(t + "D")),  # intersection with a hasValue restriction
        (URIRef(x + "f"), URIRef(t + "status"), URIRef(x + "on")),  # ... and back
        (
            URIRef(x + "a"),
            URIRef(t + "notation"),
            Literal("A1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#string")),
        ),
        (URIRef(x + "act"), URIRef(t + "fundedBy"), URIRef(x + "org")),  # role shortcut
    ]:
        assert triple in expected
    # the shortcut rule reads asserted mc:hasParticipation only, not one inferred from t:part
    assert (URIRef(x + "act2"), URIRef(t + "fundedBy"), URIRef(x + "org")) not in expected


UNSUPPORTED = {
    "sameAs": "x:a owl:sameAs x:b .",
    "functional property": "t:p a owl:FunctionalProperty .",
    "someValuesFrom": "t:C owl:equivalentClass [ a owl:Restriction ; owl:onProperty t:p ; owl:someValuesFrom t:D ] .",
    "unionOf": "t:C owl:unionOf ( t:D t:E ) .",
    "disjointness": "t:C owl:disjointWith t:D .",
    "owl:Thing read by a rule": "owl:Thing rdfs:subClassOf t:C .",
    "rdf:type in a property axiom": "rdf:type rdfs:subPropertyOf t:p .",
    "a rule deriving schema": "t:p rdfs:subPropertyOf rdfs:subClassOf .",
    "a rule typing with an OWL class": "t:p rdfs:range owl:Class .",
    "a rule reading owl:sameAs": "owl:sameAs rdfs:subPropertyOf t:p .",
}


@pytest.mark.parametrize("text", UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
def test_unsupported_axioms_are_refused(text: str) -> None:
    prologue = (
        "@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "@prefix t: <https://w3id.org/migcoop/test#> . @prefix x: <https://w3id.org/migcoop/id/x/> .\n"
    )
    with pytest.raises(UnsupportedAxiom):
        FastReasoner(Graph().parse(data=prologue + text, format="turtle"))


# --- incremental updates ------------------------------------------------------------------

SENEGAL_II = ID["action/mieux/senegal-ii"]
PARTICIPATION = ID["action/mieux/senegal-ii/participation/funder/eu"]
NEW_ACTION = [
    (SENEGAL_II, RDF.type, MC.TechnicalAssistanceAction),
    (SENEGAL_II, RDFS.label, Literal("Senegal II", lang="en")),
    (SENEGAL_II, MC.partnerCountry, ID["country/SEN"]),
    (SENEGAL_II, MC.follows, ID["action/mieux/senegal"]),
    (SENEGAL_II, MC.activityStatus, ID["code/iati/ActivityStatus/2"]),
    (SENEGAL_II, MC.hasParticipation, PARTICIPATION),
    (PARTICIPATION, RDF.type, MC.Participation),
    (PARTICIPATION, MC.role, ID["role/funder"]),
    (PARTICIPATION, MC.agent, ID["org/eu"]),
]
COOP4INT_LEAD = ID["action/mpf/coop4int/participation/lead-implementer/acm"]
DERIVABLE = [  # asserted, and implied by the range of mc:hasExpertDeployment and of mc:agent
    (ID["action/mieux/ghana-i/experts/nld"], RDF.type, MC.ExpertDeployment),
    (ID["org/home-office-united-kingdom"], RDF.type, ORG.Organization),
]


def participation_triples(graph: Graph) -> list[tuple]:
    return [*graph.triples((COOP4INT_LEAD, None, None)), *graph.triples((None, None, COOP4INT_LEAD))]


SCENARIOS = {
    "insert an action with partner Senegal": (lambda g: NEW_ACTION, lambda g: []),
    "delete a participation": (lambda g: [], participation_triples),
    "delete a follows link": (
        lambda g: [],
        lambda g: [(ID["action/mieux/cabo-verde-iii"], MC.follows, ID["action/mieux/cabo-verde-ii"])],
    ),
    "delete an asserted triple that is also inferred": (
        lambda g: [],
        lambda g: DERIVABLE,
    ),
    "assert triples that were inferred": (
        lambda g: [
            (ID["action/mieux/senegal"], MC.involvesArea, ID["m49/011"]),
            (ID["org/eu"], MC.funds, ID["action/mpf/coop4int"]),
        ],
        lambda g: [],
    ),
    "insert and delete at once": (
        lambda g: NEW_ACTION,
        lambda g: [*participation_triples(g), *g.triples((None, MC.follows, None))],
    ),
    "change the schema (full recompute)": (
        lambda g: [(MC.partnerCountry, RDFS.subPropertyOf, MC.expertsFrom)],
        lambda g: [(MC.follows, RDFS.subPropertyOf, MC.laterPhaseOf)],
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=list(SCENARIOS))
def test_incremental_update_equals_full_recompute(scenario: str, asserted: Graph, reasoner: FastReasoner) -> None:
    make_added, make_removed = SCENARIOS[scenario]
    added, removed = list(make_added(asserted)), list(make_removed(asserted))
    assert all(t in asserted for t in removed) and all(t not in asserted for t in added)
    before = set(reasoner.inferred())
    changed = Graph()
    changed += asserted
    for triple in removed:
        changed.remove(triple)
    for triple in added:
        changed.add(triple)

    after = set(reason_incremental(reasoner, added, removed))
    assert after == set(FastReasoner(changed).inferred())
    assert after != before
    if removed == DERIVABLE:  # no longer asserted, still true: now inferred
        assert set(DERIVABLE) <= after
    # undo: back to the graph before
    assert set(reasoner.update(added=removed, removed=added)) == before


def test_incremental_insert_infers_what_the_new_action_implies(asserted: Graph) -> None:
    inferred = FastReasoner(asserted).update(added=NEW_ACTION)
    for triple in [
        (SENEGAL_II, MC.involvesArea, ID["m49/011"]),  # partner Senegal: Western Africa (property chain)
        (SENEGAL_II, MC.involvesArea, ID["m49/002"]),  # ... Africa
        (SENEGAL_II, RDF.type, MC.OngoingAction),  # status 2 (intersection with hasValue)
        (SENEGAL_II, MC.laterPhaseOf, ID["action/mieux/senegal"]),
        (ID["org/eu"], MC.funds, SENEGAL_II),  # role shortcut, then the inverse
        (ID["country/SEN"], MC.partnerCountryOf, SENEGAL_II),
        (PARTICIPATION, RDF.type, PROV.Association),
    ]:
        assert triple in inferred, triple


# --- the build switch ---------------------------------------------------------------------


def test_both_engines_write_the_same_dumps(built: Built, owlrl_run: tuple[Graph, Graph], tmp_path: Path) -> None:
    """The session's build against the other engine's results, written by the same dump writer.

    With the fast engine as the default, the reference side is the owlrl run above and
    pyshacl's report on the real data (rather than a second full build: 20 s saved)."""
    if built.result.engine == "fast":
        loaded = load(PROJECT_ROOT / "ontology", PROJECT_ROOT / "data")
        default = loaded.dataset.default_graph.identifier
        named = {g.identifier: g for g in loaded.dataset.graphs() if g.identifier != default and len(g)}
        graphs = BuildGraphs(asserted=named, inferred=owlrl_run[0])
        write_dumps(graphs, tmp_path / "dumps")
        shapes = load_shapes(PROJECT_ROOT / "ontology" / "shapes.ttl")
        write_validation_report(
            reference_validate(loaded.asserted(), shapes), tmp_path / "dumps" / "validation-report.ttl"
        )
    else:
        build(PROJECT_ROOT / "ontology", PROJECT_ROOT / "data", tmp_path / "store", tmp_path / "dumps", engine="fast")
    names = sorted(path.name for path in built.dumps_path.iterdir())
    assert "migcoop-inferred.nt" in names and "validation-report.ttl" in names
    for name in names:
        assert filecmp.cmp(built.dumps_path / name, tmp_path / "dumps" / name, shallow=False), name


def test_engine_is_chosen_by_setting_and_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIGCOOP_BUILD_ENGINE", raising=False)
    assert Settings().build_engine == "fast"
    monkeypatch.setenv("MIGCOOP_BUILD_ENGINE", "reference")
    assert Settings().build_engine == "reference"
    assert parser().parse_args(["build", "--engine", "reference"]).engine == "reference"
    assert parser().parse_args(["build"]).engine is None
    assert engine_stages("fast")[0] == "fast"
    with pytest.raises(ValueError, match="unknown build engine"):
        engine_stages("quick")


def test_fast_engine_falls_back_to_the_reference_on_what_it_cannot_compile() -> None:
    messages: list[str] = []
    _engine, validate, reason = engine_stages("fast", messages.append)
    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> . "
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:hasValue ex:v ] .",
        format="turtle",
    )
    data = Graph().parse(
        data="@prefix ex: <https://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> . "
        "ex:x a ex:C ; ex:p ex:w . ex:p a owl:FunctionalProperty .",
        format="turtle",
    )
    assert not validate(data, shapes).conforms  # pyshacl: sh:hasValue is not compiled
    assert reason(data) is not None  # owlrl: functional properties are not compiled
    assert len(messages) == 2 and "pyshacl" in messages[0] and "owlrl" in messages[1]


def test_reading_oxigraph_terms_gives_the_same_inferred_triples(asserted: Graph, reasoner: FastReasoner) -> None:
    store = ox.Store()
    store.bulk_extend(ox.parse(asserted.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    from_store = FastReasoner.from_oxigraph(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    expected = set(reasoner.inferred_triples())
    assert len(expected) > 5000
    assert set(from_store.inferred_triples()) == expected
    assert {
        tuple(map(to_rdflib, (t.subject, t.predicate, t.object))) for t in from_store.inferred_oxigraph_triples()
    } == expected

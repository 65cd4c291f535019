"""Specific inferences of the OWL 2 RL closure, each checked in the inferred
graph and checked absent from the asserted graph (so it is really inferred)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Literal

from app.namespaces import ID, MC, ORG, PREFIXES, PROV
from app.reason import reason, role_shortcuts
from tests.helpers import select

INFERENCES = [
    # an action with partner Senegal involves Western Africa, Sub-Saharan Africa and Africa
    (ID["action/mieux/senegal"], MC.involvesArea, ID["m49/011"]),
    (ID["action/mieux/senegal"], MC.involvesArea, ID["m49/202"]),
    (ID["action/mieux/senegal"], MC.involvesArea, ID["m49/002"]),
    # a study visit is an activity (class hierarchy)
    (ID["action/mieux/zambia/activity/2011-02-study-visit"], RDF.type, MC.Activity),
    (ID["action/mieux/zambia/activity/2011-02-study-visit"], RDF.type, PROV.Activity),
    # role shortcuts, then the property hierarchy and inverses applied to them
    (ID["action/mpf/coop4int"], MC.ledBy, ID["org/acm"]),
    (ID["action/mpf/coop4int"], MC.implementedBy, ID["org/acm"]),
    (ID["action/mpf/coop4int"], MC.involves, ID["org/acm"]),
    (ID["org/eu"], MC.funds, ID["action/mpf/coop4int"]),
    (ID["org/icmpd"], MC.contracts, ID["action/mpf/coop4int"]),
    # transitive phases: Cabo Verde III and the MAPII action are later phases of Cabo Verde I
    (ID["action/mieux/cabo-verde-iii"], MC.laterPhaseOf, ID["action/mieux/cabo-verde-i"]),
    (ID["action/mieux/cabo-verde-iv"], MC.laterPhaseOf, ID["action/mieux/cabo-verde-i"]),
    (ID["action/mieux/cabo-verde-i"], MC.earlierPhaseOf, ID["action/mieux/cabo-verde-iv"]),
    # property chain: experts' origin countries
    (ID["action/mieux/zambia"], MC.expertsFrom, ID["country/NLD"]),
    (ID["action/mieux/zambia"], MC.expertsFrom, ID["country/PRT"]),
    # transitive organisation structure (ORG)
    (ID["org/ecowas-free-movement-department"], ORG.transitiveSubOrganizationOf, ID["org/ecowas"]),
    # value-defined class: status 2 (implementation) makes an ongoing action
    (ID["action/mieux/benin"], RDF.type, MC.OngoingAction),
    (ID["action/mieux/angola"], RDF.type, MC.ClosedAction),
    # inverses
    (ID["programme/mieux"], MC.hasAction, ID["action/mieux/zambia"]),
    (ID["country/CPV"], MC.partnerCountryOf, ID["action/mpf/coop4int"]),
    # activities held in a city are held in its country and regions
    (ID["action/mieux/zambia/activity/2011-02-study-visit"], MC.heldIn, ID["m49/155"]),
]


@pytest.mark.parametrize("triple", INFERENCES, ids=lambda t: f"{t[0].split('/id/')[-1]} {t[1].n3()}")
def test_inferred_not_asserted(inferred: Graph, asserted: Graph, triple: tuple) -> None:
    assert triple in inferred
    assert triple not in asserted


def test_inferred_graph_holds_no_asserted_triple(inferred: Graph, asserted: Graph) -> None:
    assert len(inferred & asserted) == 0


def test_no_reflexive_noise(inferred: Graph) -> None:
    noise = [t for t in inferred if t[0] == t[2]]
    assert noise == []


SMALL = """
@prefix mc: <https://w3id.org/migcoop/ontology#> .
@base <https://w3id.org/migcoop/id/> .
<action/x> mc:hasParticipation <action/x/participation/funder/eu> .
<action/x/participation/funder/eu> mc:role <role/funder> ; mc:agent <org/eu> .
<role/funder> mc:shortcutProperty mc:fundedBy .
<role/host> mc:shortcutProperty mc:hostedBy .
"""


def test_role_shortcut_rule_uses_the_role_value() -> None:
    shortcuts = role_shortcuts(Graph().parse(data=SMALL, format="turtle"))
    assert set(shortcuts) == {(ID["action/x"], MC.fundedBy, ID["org/eu"])}


def test_reason_returns_only_new_triples() -> None:
    ontology = Graph().parse("ontology/migcoop.ttl")
    data = Graph().parse(data=SMALL, format="turtle")
    data += ontology
    inferred = reason(data)
    assert (ID["action/x"], MC.fundedBy, ID["org/eu"]) in inferred
    assert (ID["org/eu"], MC.funds, ID["action/x"]) in inferred
    assert (ID["action/x"], MC.involves, ID["org/eu"]) in inferred
    assert not any(triple in data for triple in inferred)
    assert all(not isinstance(s, Literal) for s, _, _ in inferred)


def test_inferred_triples_are_in_their_own_named_graph(store) -> None:
    rows = select(store, "SELECT ?g WHERE { GRAPH ?g { <action/mieux/senegal> mc:involvesArea <m49/011> } }")
    assert {row["g"] for row in rows} == {str(ID["graph/inferred"])}


def test_default_graph_has_inferences_and_asserted_graph_does_not(store) -> None:
    ask = "ASK { <action/mieux/senegal> mc:involvesArea <m49/011> }"
    assert bool(store.raw.query(ask, base_iri=str(ID), prefixes=PREFIXES))
    asserted_only = [ox.NamedNode(str(ID["graph/asserted"]))]
    assert not bool(store.raw.query(ask, base_iri=str(ID), prefixes=PREFIXES, default_graph=asserted_only))

"""Stage 3, reasoning: the OWL 2 RL closure of ontology plus asserted data.

Two steps, in this order:
1. Role shortcuts. A participation node says "organisation X had role R in
   initiative I"; each role concept names a direct property (its
   `mc:shortcutProperty`), and one CONSTRUCT derives `I <property> X`. OWL 2 RL
   cannot do this itself because it would have to test the *value* of mc:role.
2. The OWL 2 RL closure (owlrl), which then applies the property hierarchy and
   inverses to those shortcuts too.

Only what is new comes back: the inferred graph, kept apart from the asserted
graphs so that a query can ask for asserted facts alone.
"""

from __future__ import annotations

import owlrl
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal

OUR_NAMESPACE = "https://w3id.org/migcoop/"

SHORTCUT_RULE = """
PREFIX mc: <https://w3id.org/migcoop/ontology#>
CONSTRUCT { ?initiative ?shortcut ?agent }
WHERE {
    ?initiative mc:hasParticipation ?participation .
    ?participation mc:role ?role ; mc:agent ?agent .
    ?role mc:shortcutProperty ?shortcut .
}
"""

# The few axioms of external vocabularies that our inferences need. Importing
# SKOS, ORG or PROV-O whole would multiply the closure for no useful triple.
EXTERNAL_AXIOMS = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

skos:broader rdfs:subPropertyOf skos:broaderTransitive ; owl:inverseOf skos:narrower .
skos:narrower rdfs:subPropertyOf skos:narrowerTransitive .
skos:broaderTransitive a owl:TransitiveProperty ; owl:inverseOf skos:narrowerTransitive .
skos:narrowerTransitive a owl:TransitiveProperty .
org:subOrganizationOf rdfs:subPropertyOf org:transitiveSubOrganizationOf ; owl:inverseOf org:hasSubOrganization .
org:transitiveSubOrganizationOf a owl:TransitiveProperty .
org:FormalOrganization rdfs:subClassOf org:Organization .
prov:wasGeneratedBy owl:inverseOf prov:generated .
"""

# Triples the RL rules produce about everything and that tell a user nothing.
TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual}
REFLEXIVE_NOISE = {OWL.sameAs, OWL.equivalentClass, OWL.equivalentProperty, RDFS.subClassOf, RDFS.subPropertyOf}


def external_axioms() -> Graph:
    return Graph().parse(data=EXTERNAL_AXIOMS, format="turtle")


def role_shortcuts(asserted: Graph) -> Graph:
    shortcuts = Graph()
    for triple in asserted.query(SHORTCUT_RULE):
        shortcuts.add(triple)
    return shortcuts


def owl_rl_closure(graph: Graph) -> None:
    """Expand `graph` in place to its OWL 2 RL closure."""
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(graph)


def is_worth_keeping(triple: tuple) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, (Literal, BNode)) or isinstance(obj, BNode):
        return False
    if not str(subject).startswith(OUR_NAMESPACE):
        return False
    if subject == obj and predicate in REFLEXIVE_NOISE:
        return False
    return not (predicate == RDF.type and obj in TRIVIAL_TYPES)


def reason(asserted: Graph) -> Graph:
    """Return the triples the reasoner adds to `asserted` (ontology included)."""
    closure = Graph()
    closure += asserted
    closure += external_axioms()
    closure += role_shortcuts(asserted)
    owl_rl_closure(closure)
    inferred = Graph()
    for triple in closure:
        if triple not in asserted and is_worth_keeping(triple):
            inferred.add(triple)
    return inferred

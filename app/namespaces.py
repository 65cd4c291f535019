"""The project's namespaces and the IRIs of its named graphs."""

from __future__ import annotations

from rdflib import Namespace, URIRef

MC = Namespace("https://w3id.org/migcoop/ontology#")
ID = Namespace("https://w3id.org/migcoop/id/")
ONTOLOGY_IRI = URIRef("https://w3id.org/migcoop/ontology")

PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
SCHEMA = Namespace("http://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")

GRAPH_ONTOLOGY = ID["graph/ontology"]
GRAPH_REFERENCE = ID["graph/reference"]
GRAPH_CURATION = ID["graph/curation"]
GRAPH_INFERRED = ID["graph/inferred"]
SOURCE_GRAPH_PREFIX = str(ID["graph/source/"])


def source_graph(code: str) -> URIRef:
    """Named graph holding the facts read from source document `code` (e.g. "004")."""
    return ID[f"graph/source/{code}"]


def is_asserted_graph(graph: URIRef) -> bool:
    return graph != GRAPH_INFERRED


PREFIXES: dict[str, str] = {
    "mc": str(MC),
    "id": str(ID),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": str(PROV),
    "org": str(ORG),
    "time": str(TIME),
    "schema": str(SCHEMA),
}

# Prefixes for Turtle output. `id:` is left out: our instance IRIs contain "/",
# which a prefixed name can only carry escaped ("id:action\/mieux\/zambia").
SERIALIZATION_PREFIXES: dict[str, str] = {key: value for key, value in PREFIXES.items() if key != "id"}

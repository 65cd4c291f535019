"""Machine-readable descriptions of the service and the dataset:
a SPARQL 1.1 Service Description (at GET /sparql) and a VoID/DCAT description
(at /.well-known/void), both computed from the store's actual content."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from app.namespaces import GRAPH_INFERRED, ID
from app.sparql_protocol import GRAPH_FORMATS, SOLUTION_FORMATS
from app.store import GRAPH_ASSERTED, GraphStore

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DATASET = ID["dataset"]
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")

FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/rdf+xml": FORMATS.RDF_XML,
    "application/ld+json": FORMATS["JSON-LD"],
    "application/trig": FORMATS.TriG,
    "application/n-quads": FORMATS["N-Quads"],
}

DUMP_FILES = [
    "migcoop-all.ttl", "migcoop-all.nt", "migcoop-all.jsonld",
    "migcoop-asserted.ttl", "migcoop-asserted.nt", "migcoop-asserted.jsonld",
    "migcoop-inferred.ttl", "migcoop-inferred.nt", "migcoop-inferred.jsonld",
    "migcoop-graphs.nq",
]  # fmt: skip


MEDIA_TYPE_IRI = "https://www.iana.org/assignments/media-types/"
DUMP_MEDIA_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
                    "nq": "application/n-quads"}  # fmt: skip
PROV_DERIVED_FROM = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def dump_title(name: str) -> str:
    """`migcoop-asserted.ttl` -> "Asserted triples, Turtle"."""
    stem, extension = name.rsplit(".", 1)
    what = {"all": "Asserted and inferred triples", "asserted": "Asserted triples", "inferred": "Inferred triples",
            "graphs": "Every named graph"}.get(stem.removeprefix("migcoop-"), stem)  # fmt: skip
    kind = {"ttl": "Turtle", "nt": "N-Triples", "jsonld": "JSON-LD", "nq": "N-Quads"}[extension]
    return f"{what}, {kind}"


@dataclass(frozen=True)
class DatasetStatistics:
    triples: int
    graphs: dict[str, int]
    classes: list[tuple[str, int]]
    properties: list[tuple[str, int]]
    entities: int


def collect_statistics(store: GraphStore) -> DatasetStatistics:
    raw = store.raw
    classes = [
        (row["c"].value, int(row["n"].value))
        for row in raw.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c")
    ]
    properties = [
        (row["p"].value, int(row["n"].value))
        for row in raw.query("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
    ]
    entities = int(
        next(iter(raw.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")))["n"].value
    )
    graphs = {name: store.count(name) for name in store.graph_names()}
    return DatasetStatistics(store.count(), graphs, classes, properties, entities)


def service_description(endpoint: str, stats: DatasetStatistics, updates_enabled: bool) -> Graph:
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if updates_enabled:
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for media_type in [f.media_type for f in SOLUTION_FORMATS + GRAPH_FORMATS]:
        graph.add((service, SD.resultFormat, FORMAT_IRIS[media_type]))
    dataset = BNode("dataset")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default = BNode("default")
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    graph.add((default, DCTERMS.description, Literal("Asserted and inferred triples, each once.", lang="en")))
    for index, (name, count) in enumerate(sorted(stats.graphs.items())):
        named = BNode(f"graph{index}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        description = BNode(f"graph{index}description")
        graph.add((named, SD.graph, description))
        graph.add((description, RDF.type, SD.Graph))
        graph.add((description, VOID.triples, Literal(count, datatype=XSD.integer)))
    return graph


def void_description(base_url: str, endpoint: str, stats: DatasetStatistics) -> Graph:
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.add((DATASET, RDF.type, VOID.Dataset))
    graph.add((DATASET, RDF.type, DCAT.Dataset))
    graph.add((DATASET, DCTERMS.title, Literal("Migration Cooperation Knowledge Graph", lang="en")))
    graph.add((DATASET, DCTERMS.description, Literal(
        "EU-funded migration-cooperation actions (MIEUX, MPF, EUROMED Migration II, THAMM, EUDiF and practices), "
        "their partner countries, organisations and roles, activities, experts, outputs and budgets, "
        "taken from five public documents, with OWL 2 RL inferences.", lang="en")))  # fmt: skip
    graph.add((DATASET, DCTERMS.license, LICENSE))
    graph.add((DATASET, VOID.sparqlEndpoint, URIRef(endpoint)))
    graph.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    graph.add((DATASET, VOID.vocabulary, URIRef("https://w3id.org/migcoop/ontology#")))
    graph.add((DATASET, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    graph.add((DATASET, VOID.entities, Literal(stats.entities, datatype=XSD.integer)))
    graph.add((DATASET, VOID.classes, Literal(len(stats.classes), datatype=XSD.integer)))
    graph.add((DATASET, VOID.properties, Literal(len(stats.properties), datatype=XSD.integer)))
    for example in ("action/mieux/zambia", "action/mpf/coop4int", "country/CPV", "org/icmpd"):
        graph.add((DATASET, VOID.exampleResource, ID[example]))
    for name in DUMP_FILES:
        dump = URIRef(f"{base_url}/dumps/{name}")
        graph.add((DATASET, VOID.dataDump, dump))
        distribution = URIRef(f"{base_url}/dumps/{name}#distribution")
        graph.add((DATASET, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCAT.downloadURL, dump))
        graph.add((distribution, DCTERMS.license, LICENSE))
        graph.add((distribution, DCAT.mediaType, URIRef(MEDIA_TYPE_IRI + DUMP_MEDIA_TYPES[name.rsplit(".", 1)[1]])))
        graph.add((distribution, DCTERMS.title, Literal(dump_title(name), lang="en")))
    for index, (cls, count) in enumerate(stats.classes):
        partition = BNode(f"class{index}")
        graph.add((DATASET, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    for index, (prop, count) in enumerate(stats.properties):
        partition = BNode(f"property{index}")
        graph.add((DATASET, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, URIRef(prop)))
        graph.add((partition, VOID.triples, Literal(count, datatype=XSD.integer)))
    for name in (GRAPH_ASSERTED, GRAPH_INFERRED):
        graph.add((DATASET, VOID.subset, name))
        graph.add((name, RDF.type, VOID.Dataset))
        graph.add((name, VOID.triples, Literal(stats.graphs.get(str(name), 0), datatype=XSD.integer)))
    for code in ("000", "001", "002", "003", "004"):
        graph.add((DATASET, DCTERMS.source, ID[f"source/{code}"]))
        graph.add((DATASET, PROV_DERIVED_FROM, ID[f"source/{code}"]))
    graph.add((DATASET, FOAF.homepage, URIRef(base_url + "/")))
    return graph

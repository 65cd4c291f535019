"""Linked Data over HTTP: every IRI of ours dereferences (303 to a document chosen by
Accept), documents carry the concise bounded description with inferred triples marked,
JSON-LD is compacted with the published context, and the dataset, its graphs, its
dumps and the ontology are all reachable. Every test talks to the session's real
uvicorn server; facts come from source 004 (the Zambia action)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from app import linked_data as ld
from app.dataset_description import DUMP_FILES
from app.store import OxigraphStore
from tests.conftest import RunningServer

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ID = Namespace("https://w3id.org/migcoop/id/")
MC = Namespace("https://w3id.org/migcoop/ontology#")
VOID = Namespace("http://rdfs.org/ns/void#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
ZAMBIA = ID["action/mieux/zambia"]
ZAMBIA_PATH = "/id/action/mieux/zambia"
ZAMBIA_LABEL = "Zambia: Trafficking in Human Beings"
STUDY_VISIT = ID["action/mieux/zambia/activity/2011-02-study-visit"]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def without_document_metadata(graph: Graph, base_url: str) -> Graph:
    """The description alone: each format's document says things about its own URL."""
    kept = Graph()
    for triple in graph:
        if not str(triple[0]).startswith(f"{base_url}/doc/"):
            kept.add(triple)
    return kept


def vary(response: httpx.Response) -> set[str]:
    return {part.strip().lower() for part in response.headers.get("vary", "").split(",")}


# --- 303 See Other, by Accept ------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "extension"),
    [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "rdf"),
        ("application/trig", "trig"),
        ("application/n-quads", "nq"),
        ("text/html", "html"),
        (BROWSER_ACCEPT, "html"),
        ("application/xhtml+xml", "html"),
        ("application/json", "jsonld"),
        ("*/*", "ttl"),
        ("text/html;q=0.5, text/turtle", "ttl"),
        ("application/rdf+xml;q=0.9, application/ld+json", "jsonld"),
        ("image/png, text/*;q=0.2", "ttl"),
    ],
)
def test_an_iri_answers_303_to_the_document_for_the_accepted_type(client: httpx.Client, accept: str, extension: str) -> None:  # fmt: skip
    response = client.get(ZAMBIA_PATH, headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == f"/doc/action/mieux/zambia.{extension}"
    assert "accept" in vary(response)
    assert response.content == b""


def test_no_accept_header_gets_turtle(client: httpx.Client) -> None:
    response = client.get(ZAMBIA_PATH, headers={"Accept": ""})
    assert response.status_code == 303
    assert response.headers["location"].endswith(".ttl")


def test_head_answers_like_get(client: httpx.Client) -> None:
    response = client.head(ZAMBIA_PATH, headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["location"] == "/doc/action/mieux/zambia.ttl"
    document = client.head("/doc/action/mieux/zambia.ttl")
    assert document.status_code == 200
    assert media_type(document) == "text/turtle"


def test_an_unacceptable_type_is_406_listing_the_offer(client: httpx.Client) -> None:
    response = client.get(ZAMBIA_PATH, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "accept" in vary(response)
    assert "text/turtle" in response.text and "text/html" in response.text


@pytest.mark.parametrize(
    ("extension", "expected", "rdflib_format"),
    [
        ("ttl", "text/turtle", "turtle"),
        ("nt", "application/n-triples", "nt"),
        ("rdf", "application/rdf+xml", "xml"),
        ("jsonld", "application/ld+json", "json-ld"),
    ],
)
def test_each_document_format_has_its_type_and_the_same_triples(
    client: httpx.Client, extension: str, expected: str, rdflib_format: str
) -> None:
    response = client.get(f"/doc/action/mieux/zambia.{extension}")
    assert response.status_code == 200
    assert media_type(response) == expected
    assert response.headers["content-type"].endswith("charset=utf-8")
    graph = Graph().parse(data=response.text, format=rdflib_format, publicID=str(client.base_url))
    assert (ZAMBIA, RDFS.label, Literal(ZAMBIA_LABEL, lang="en")) in graph
    reference = Graph().parse(data=client.get("/doc/action/mieux/zambia.nt").text, format="nt")
    base = str(client.base_url)
    assert isomorphic(without_document_metadata(graph, base), without_document_metadata(reference, base))


def test_following_the_redirect_from_a_client(client: httpx.Client) -> None:
    response = client.get(ZAMBIA_PATH, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert response.status_code == 200
    assert str(response.url).endswith("/doc/action/mieux/zambia.ttl")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (ZAMBIA, MC.partnerCountry, ID["country/ZMB"]) in graph


def test_the_generic_document_negotiates_with_content_location(client: httpx.Client) -> None:
    response = client.get("/doc/action/mieux/zambia", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert media_type(response) == "application/n-triples"
    assert response.headers["content-location"] == "/doc/action/mieux/zambia.nt"
    assert "accept" in vary(response)
    html = client.get("/doc/action/mieux/zambia", headers={"Accept": BROWSER_ACCEPT})
    assert media_type(html) == "text/html"
    assert html.headers["content-location"] == "/doc/action/mieux/zambia.html"


def test_documents_link_to_their_topic_and_other_formats(client: httpx.Client) -> None:
    response = client.get("/doc/action/mieux/zambia.ttl")
    link = response.headers["link"]
    assert f'<{ZAMBIA}>; rel="http://xmlns.com/foaf/0.1/primaryTopic"' in link
    assert '/doc/action/mieux/zambia.jsonld>; rel="alternate"; type="application/ld+json"' in link
    graph = Graph().parse(data=response.text, format="turtle")
    document = URIRef(f"{client.base_url}/doc/action/mieux/zambia.ttl")
    assert (document, FOAF.primaryTopic, ZAMBIA) in graph
    assert (document, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    assert (document, DCTERMS.hasFormat, URIRef(f"{client.base_url}/doc/action/mieux/zambia.rdf")) in graph


# --- 404 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/id/action/mieux/atlantis", "/id/country/XXX", "/id/", "/id/action/mieux/zambia/", "/id/graph/nowhere"]
)
def test_an_unknown_iri_is_404_as_a_page_for_browsers(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert media_type(response) == "text/html"
    assert "accept" in vary(response)
    assert "Not found" in response.text
    assert "https://w3id.org/migcoop/id/" + path.removeprefix("/id/") in response.text


def test_an_unknown_iri_is_404_as_text_for_rdf_clients(client: httpx.Client) -> None:
    response = client.get("/id/action/mieux/atlantis", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert media_type(response) == "text/plain"
    assert "https://w3id.org/migcoop/id/action/mieux/atlantis" in response.text


@pytest.mark.parametrize("path", ["/doc/action/mieux/atlantis.ttl", "/doc/action/mieux/atlantis", "/ontology.xyz", "/ontology/9.9.9"])  # fmt: skip
def test_documents_of_unknown_things_are_404(client: httpx.Client, path: str) -> None:
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404


# --- the concise bounded description ------------------------------------------------


@pytest.fixture(scope="module")
def zambia_turtle(client: httpx.Client) -> Graph:
    return Graph().parse(data=client.get("/doc/action/mieux/zambia.ttl").text, format="turtle")


def inferred_statements(graph: Graph) -> set[tuple[URIRef, URIRef, object]]:
    marked = set()
    for statement in graph.subjects(RDF.type, RDF.Statement):
        if (statement, DCTERMS.isPartOf, ID["graph/inferred"]) in graph:
            marked.add(
                (graph.value(statement, RDF.subject), graph.value(statement, RDF.predicate), graph.value(statement, RDF.object))
            )  # fmt: skip
    return marked


def test_description_has_outgoing_and_incoming_triples(zambia_turtle: Graph) -> None:
    assert (ZAMBIA, MC.partnerCountry, ID["country/ZMB"]) in zambia_turtle
    assert (ZAMBIA, PROV.wasDerivedFrom, ID["source/004"]) in zambia_turtle
    assert (STUDY_VISIT, MC.partOfAction, ZAMBIA) in zambia_turtle  # incoming
    assert (ID["country/ZMB"], MC.partnerCountryOf, ZAMBIA) in zambia_turtle  # incoming, inferred


def test_description_labels_what_it_links_to(zambia_turtle: Graph) -> None:
    assert (ID["country/ZMB"], RDFS.label, Literal("Zambia", lang="en")) in zambia_turtle
    assert (
        STUDY_VISIT,
        RDFS.label,
        Literal("Study visit to the Netherlands, February 2011", lang="en"),
    ) in zambia_turtle
    assert (ID["org/europol"], RDFS.label, Literal("Europol", lang="en")) in zambia_turtle
    # bounded: the linked resources' own facts are not included, only their labels
    assert (ID["country/ZMB"], MC.iso3, None) not in zambia_turtle
    assert (STUDY_VISIT, MC.heldIn, None) not in zambia_turtle


def test_description_marks_inferred_triples_and_only_those(zambia_turtle: Graph) -> None:
    marked = inferred_statements(zambia_turtle)
    assert (ZAMBIA, MC.expertsFrom, ID["country/NLD"]) in marked
    assert (ZAMBIA, MC.involvesArea, ID["m49/014"]) in marked
    assert (ZAMBIA, RDF.type, MC.Action) in marked
    assert (ZAMBIA, MC.partnerCountry, ID["country/ZMB"]) not in marked
    assert (ZAMBIA, RDF.type, MC.TechnicalAssistanceAction) not in marked
    for triple in marked:
        assert triple in zambia_turtle  # the marked triple itself is stated too


def test_trig_puts_each_triple_in_the_graphs_it_comes_from(client: httpx.Client) -> None:
    response = client.get("/doc/action/mieux/zambia.trig")
    assert media_type(response) == "application/trig"
    quads = {
        (q.subject.value, q.predicate.value, q.object.value, q.graph_name.value)
        for q in ox.parse(response.content, format=ox.RdfFormat.TRIG)
        if isinstance(q.graph_name, ox.NamedNode)
    }

    def stated_in(triple: tuple[URIRef, URIRef, URIRef], name: str) -> bool:
        return (*map(str, triple), str(ID[name])) in quads

    assert stated_in((ZAMBIA, MC.partnerCountry, ID["country/ZMB"]), "graph/source/004")
    assert stated_in((ZAMBIA, MC.thematicArea, ID["theme/trafficking-in-human-beings"]), "graph/curation")
    assert stated_in((ZAMBIA, MC.expertsFrom, ID["country/NLD"]), "graph/inferred")
    assert not stated_in((ZAMBIA, MC.expertsFrom, ID["country/NLD"]), "graph/source/004")
    nquads = client.get("/doc/action/mieux/zambia.nq")
    assert media_type(nquads) == "application/n-quads"
    assert f"<{ZAMBIA}> <{MC.expertsFrom}> <{ID['country/NLD']}> <{ID['graph/inferred']}> ." in nquads.text


def test_describe_reports_inferred_facts_and_their_graphs(store: OxigraphStore) -> None:
    description = ld.describe(store.raw, str(ZAMBIA))
    assert description is not None
    by_triple = {(f.subject.value, f.predicate.value, f.object.value): f for f in description.facts}
    partner = by_triple[(str(ZAMBIA), str(MC.partnerCountry), str(ID["country/ZMB"]))]
    assert not partner.inferred and partner.graphs == (str(ID["graph/source/004"]),)
    theme = by_triple[(str(ZAMBIA), str(MC.thematicArea), str(ID["theme/trafficking-in-human-beings"]))]
    assert theme.graphs == (str(ID["graph/curation"]),)
    experts = by_triple[(str(ZAMBIA), str(MC.expertsFrom), str(ID["country/PRT"]))]
    assert experts.inferred and experts.graphs == ()
    assert description.label == "Zambia: Trafficking in Human Beings"
    assert str(MC.Action) in description.types and str(MC.Action) not in description.asserted_types
    assert description.graphs == [str(ID["graph/curation"]), str(ID["graph/source/004"])]
    assert ld.describe(store.raw, str(ID["action/mieux/atlantis"])) is None


# --- JSON-LD and its context ----------------------------------------------------------


def test_the_context_is_published(client: httpx.Client) -> None:
    response = client.get("/context.jsonld", headers={"Origin": "http://example.org"})
    assert response.status_code == 200
    assert media_type(response) == "application/ld+json"
    assert response.headers["access-control-allow-origin"] in ("*", "http://example.org")
    context = response.json()["@context"]
    assert context["mc"] == str(MC)
    assert context["@language"] == "en"
    assert context["partnerCountry"] == {"@id": "mc:partnerCountry", "@type": "@id"}
    assert context["startDate"] == {"@id": "mc:startDate", "@type": "xsd:date"}
    assert context["TechnicalAssistanceAction"] == "mc:TechnicalAssistanceAction"
    assert context["label"] == {"@id": "rdfs:label"}


def test_jsonld_documents_are_compact_and_point_at_the_context(client: httpx.Client) -> None:
    document = client.get("/doc/action/mieux/zambia.jsonld").json()
    assert document["@context"] == f"{client.base_url}/context.jsonld"
    zambia = next(node for node in document["@graph"] if node.get("@id") == str(ZAMBIA))
    assert zambia["label"] == ZAMBIA_LABEL
    assert zambia["partnerCountry"] == str(ID["country/ZMB"])
    assert "TechnicalAssistanceAction" in zambia["@type"]
    # a JSON-LD processor reading it (the context fetched from our server) gets the same triples
    graph = Graph().parse(data=json.dumps(document), format="json-ld")
    turtle = Graph().parse(data=client.get("/doc/action/mieux/zambia.ttl").text, format="turtle")
    base = str(client.base_url)
    assert isomorphic(without_document_metadata(graph, base), without_document_metadata(turtle, base))


# --- the ontology -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "location"),
    [
        ("/ontology", BROWSER_ACCEPT, "/ontology.html"),
        ("/ontology", "text/turtle", "/ontology.ttl"),
        ("/ontology", "application/ld+json", "/ontology.jsonld"),
        ("/ontology", "application/rdf+xml", "/ontology.rdf"),
        ("/ontology", "application/n-triples", "/ontology.nt"),
        ("/ontology/1.0.0", "text/turtle", "/ontology.ttl"),
        ("/ontology/1.0.0", "text/html", "/ontology.html"),
    ],
)
def test_the_ontology_iri_answers_303(client: httpx.Client, path: str, accept: str, location: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 303
    assert response.headers["location"] == location
    assert "accept" in vary(response)


def test_the_ontology_as_rdf(client: httpx.Client) -> None:
    response = client.get("/ontology.ttl")
    assert media_type(response) == "text/turtle"
    graph = Graph().parse(data=response.text, format="turtle")
    assert (MC.Action, RDF.type, OWL.Class) in graph
    assert (URIRef("https://w3id.org/migcoop/ontology"), RDF.type, OWL.Ontology) in graph
    assert (MC.partnerCountry, RDFS.label, Literal("partner country", lang="en")) in graph
    rdfxml = client.get("/ontology.rdf")
    assert media_type(rdfxml) == "application/rdf+xml"
    assert isomorphic(Graph().parse(data=rdfxml.text, format="xml"), graph)


def test_the_ontology_documentation_anchors_every_term(client: httpx.Client) -> None:
    response = client.get("/ontology.html")
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    html = response.text
    assert "Migration Cooperation ontology" in html
    for term in ("Action", "Initiative", "TechnicalAssistanceAction", "partnerCountry", "Country", "country"):
        assert f'id="{term}"' in html, term
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp and "'sha256-" in csp and "default-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


# --- the dataset, its graphs, its dumps -----------------------------------------------


def test_the_dataset_iri_dereferences_to_void_and_dcat(client: httpx.Client) -> None:
    assert client.get("/id/dataset", headers={"Accept": "text/turtle"}).headers["location"] == "/doc/dataset.ttl"
    graph = Graph().parse(data=client.get("/doc/dataset.ttl").text, format="turtle")
    dataset = ID["dataset"]
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    assert (dataset, DCTERMS.source, ID["source/004"]) in graph
    assert (dataset, PROV.wasDerivedFrom, ID["source/000"]) in graph
    page = client.get("/id/dataset", headers={"Accept": BROWSER_ACCEPT}, follow_redirects=True)
    assert page.status_code == 200 and "Migration Cooperation Knowledge Graph" in page.text


def test_void_links_every_dump_and_each_downloads(client: httpx.Client) -> None:
    graph = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).text, format="turtle")
    dumps = {str(o) for o in graph.objects(ID["dataset"], VOID.dataDump)}
    base = str(client.base_url)
    assert dumps == {f"{base}/dumps/{name}" for name in DUMP_FILES}
    for name in DUMP_FILES:
        distribution = URIRef(f"{base}/dumps/{name}#distribution")
        assert (ID["dataset"], DCAT.distribution, distribution) in graph
        assert (distribution, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
        assert (distribution, DCAT.downloadURL, URIRef(f"{base}/dumps/{name}")) in graph
        assert str(graph.value(distribution, DCAT.mediaType)).startswith(
            "https://www.iana.org/assignments/media-types/"
        )
        assert graph.value(distribution, DCTERMS.title) is not None
        with client.stream("GET", f"/dumps/{name}") as response:
            assert response.status_code == 200, name
            first = next(response.iter_bytes())
            assert first.strip(), name


@pytest.mark.parametrize("name", ["migcoop-asserted.ttl", "migcoop-all.ttl"])
def test_turtle_dumps_hold_the_asserted_and_the_inferred_facts(client: httpx.Client, name: str) -> None:
    graph = Graph().parse(data=client.get(f"/dumps/{name}").text, format="turtle")
    assert (ZAMBIA, MC.partnerCountry, ID["country/ZMB"]) in graph
    inferred = (ZAMBIA, MC.involvesArea, ID["m49/014"])
    assert (inferred in graph) == (name == "migcoop-all.ttl")


def test_a_named_graph_iri_dereferences(client: httpx.Client) -> None:
    response = client.get("/id/graph/source/004", headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    node = ID["graph/source/004"]
    assert (node, RDF.type, VOID.Dataset) in graph
    assert (node, PROV.wasDerivedFrom, ID["source/004"]) in graph
    assert int(graph.value(node, VOID.triples)) > 1000


# --- every IRI of the graph -------------------------------------------------------------


def our_iris(store: OxigraphStore) -> list[str]:
    query = """SELECT DISTINCT ?x WHERE { { ?x ?p ?o } UNION { ?s ?p ?x }
               FILTER(isIRI(?x) && STRSTARTS(STR(?x), "https://w3id.org/migcoop/")) }"""
    return sorted(row["x"].value for row in store.raw.query(query))


def server_path(iri: str) -> str:
    path = ld.path_for(iri, "https://w3id.org/migcoop/")
    assert path is not None
    return path


def test_every_iri_in_the_graph_dereferences(client: httpx.Client, store: OxigraphStore) -> None:
    iris = our_iris(store)
    iris += [str(ID["dataset"])] + [name.value for name in store.raw.named_graphs()]
    assert len(iris) > 1300
    failures = []
    for path in sorted({server_path(iri) for iri in iris}):
        response = client.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True)
        if response.status_code != 200 or media_type(response) != "text/turtle":
            failures.append((path, response.status_code))
    assert failures == []


def test_a_sample_of_iris_dereferences_to_pages(client: httpx.Client, store: OxigraphStore) -> None:
    iris = [iri for iri in our_iris(store) if "#" not in iri]
    sample = iris[:: max(1, len(iris) // 80)]
    for iri in sample:
        response = client.get(server_path(iri), headers={"Accept": BROWSER_ACCEPT}, follow_redirects=True)
        assert response.status_code == 200, iri
        assert media_type(response) == "text/html", iri
        if "/id/" in iri:
            label = ld.label_in_store(store.raw, ox.NamedNode(iri))
            assert label is not None
            assert label.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;") in response.text, iri

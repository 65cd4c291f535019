"""The endpoint through the clients people actually use: SPARQLWrapper and rdflib's
SPARQLStore / SPARQLUpdateStore, against the real server (the read-only cases on each store
backend: `any_server`).
"""

from __future__ import annotations

import xml.dom.minidom
from collections.abc import Iterator
from urllib.error import HTTPError

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from tests.conftest import Built, RunningServer
from tests.endpoint import (
    EASTERN_AFRICA,
    GRAPH_ASSERTED,
    GRAPH_UPDATES,
    TOKEN,
    ZAMBIA,
    ZAMBIA_LABEL,
    ZMB,
    writable_server,
)

# rdflib's own JSON-LD parser (used by SPARQLWrapper for JSON-LD) uses its deprecated ConjunctiveGraph.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

MC = Namespace("https://w3id.org/migcoop/ontology#")
PREFIXES = """PREFIX mc: <https://w3id.org/migcoop/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
LABEL_AND_COUNTRY = (
    f"{PREFIXES}SELECT ?label ?country WHERE {{ <{ZAMBIA}> rdfs:label ?label ; mc:partnerCountry ?country }}"
)
ZAMBIA_CONSTRUCT = f"""{PREFIXES}
CONSTRUCT {{ <{ZAMBIA}> rdfs:label ?label ; mc:involvesArea ?area }}
WHERE {{ <{ZAMBIA}> rdfs:label ?label ; mc:involvesArea ?area }}"""
COMMENT = "Inserted through rdflib's SPARQLUpdateStore."


def wrapper(url: str, query: str, return_format: str, method: str = GET) -> SPARQLWrapper:
    sparql = SPARQLWrapper(url)
    sparql.setQuery(query)
    sparql.setReturnFormat(return_format)
    sparql.setMethod(method)
    return sparql


def assert_zambia_json(results: dict) -> None:
    assert results["head"]["vars"] == ["label", "country"]
    assert results["results"]["bindings"] == [
        {
            "label": {"type": "literal", "value": ZAMBIA_LABEL, "xml:lang": "en"},
            "country": {"type": "uri", "value": ZMB},
        }
    ]


# --- SPARQLWrapper ---------------------------------------------------------------------


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_json(any_server: RunningServer, method: str) -> None:
    result = wrapper(any_server.sparql_url, LABEL_AND_COUNTRY, JSON, method).query()
    assert result.info()["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert_zambia_json(result.convert())


def test_sparqlwrapper_select_json_posted_directly(any_server: RunningServer) -> None:
    sparql = wrapper(any_server.sparql_url, LABEL_AND_COUNTRY, JSON, POST)
    sparql.setRequestMethod(POSTDIRECTLY)
    assert_zambia_json(sparql.query().convert())


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_xml(any_server: RunningServer, method: str) -> None:
    result = wrapper(any_server.sparql_url, LABEL_AND_COUNTRY, XML, method).query()
    assert result.info()["content-type"] == "application/sparql-results+xml; charset=utf-8"
    document = result.convert()
    assert isinstance(document, xml.dom.minidom.Document)
    literal = document.getElementsByTagName("literal")[0]
    assert literal.getAttribute("xml:lang") == "en"
    assert literal.firstChild.data == ZAMBIA_LABEL
    assert document.getElementsByTagName("uri")[0].firstChild.data == ZMB


@pytest.mark.parametrize(
    ("return_format", "content_type", "body"),
    [
        (CSV, "text/csv; charset=utf-8", f"label,country\r\n{ZAMBIA_LABEL},{ZMB}\r\n"),
        (TSV, "text/tab-separated-values; charset=utf-8", f'?label\t?country\n"{ZAMBIA_LABEL}"@en\t<{ZMB}>\n'),
    ],
)
def test_sparqlwrapper_select_csv_and_tsv(
    any_server: RunningServer, return_format: str, content_type: str, body: str
) -> None:
    result = wrapper(any_server.sparql_url, LABEL_AND_COUNTRY, return_format).query()
    assert result.info()["content-type"] == content_type
    assert result.convert().decode("utf-8") == body


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(any_server: RunningServer, return_format: str) -> None:
    query = f"{PREFIXES}ASK {{ <{ZAMBIA}> mc:involvesArea <{EASTERN_AFRICA}> }}"
    result = wrapper(any_server.sparql_url, query, return_format).query().convert()
    if return_format == JSON:
        assert result == {"head": {}, "boolean": True}
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize(
    ("return_format", "content_type"),
    [
        (RDFXML, "application/rdf+xml; charset=utf-8"),
        (XML, "application/rdf+xml; charset=utf-8"),
        (JSONLD, "application/ld+json; charset=utf-8"),
    ],
)
@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_construct_into_rdflib_graph(
    any_server: RunningServer, return_format: str, content_type: str, method: str
) -> None:
    result = wrapper(any_server.sparql_url, ZAMBIA_CONSTRUCT, return_format, method).query()
    assert result.info()["content-type"] == content_type
    graph = result.convert()
    assert isinstance(graph, Graph)
    zambia = URIRef(ZAMBIA)
    assert (zambia, RDFS.label, Literal(ZAMBIA_LABEL, lang="en")) in graph
    assert (zambia, MC.involvesArea, URIRef(EASTERN_AFRICA)) in graph


def test_sparqlwrapper_construct_turtle(any_server: RunningServer) -> None:
    result = wrapper(any_server.sparql_url, ZAMBIA_CONSTRUCT, TURTLE).query()
    assert result.info()["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=result.convert(), format="turtle")
    assert (URIRef(ZAMBIA), MC.involvesArea, URIRef(EASTERN_AFRICA)) in graph


def test_sparqlwrapper_reports_a_bad_query(any_server: RunningServer) -> None:
    with pytest.raises(QueryBadFormed) as raised:
        wrapper(any_server.sparql_url, "SELECT * WHERE {", JSON).query()
    assert "Malformed query" in str(raised.value)


# --- rdflib SPARQLStore -------------------------------------------------------------------


@pytest.fixture(scope="module")
def remote(any_server: RunningServer) -> Graph:
    return Graph(store=SPARQLStore(any_server.sparql_url))


def test_sparqlstore_select(remote: Graph) -> None:
    rows = list(remote.query(LABEL_AND_COUNTRY))
    assert [(row.label, row.country) for row in rows] == [(Literal(ZAMBIA_LABEL, lang="en"), URIRef(ZMB))]


def test_sparqlstore_ask_and_construct(remote: Graph) -> None:
    assert remote.query(f"{PREFIXES}ASK {{ <{ZAMBIA}> mc:involvesArea <{EASTERN_AFRICA}> }}").askAnswer is True
    constructed = remote.query(ZAMBIA_CONSTRUCT).graph
    assert (URIRef(ZAMBIA), MC.involvesArea, URIRef(ZMB)) in constructed


def test_sparqlstore_triple_patterns(remote: Graph) -> None:
    assert remote.value(URIRef(ZAMBIA), RDFS.label) == Literal(ZAMBIA_LABEL, lang="en")
    areas = set(remote.objects(URIRef(ZAMBIA), MC.involvesArea))
    assert {URIRef(ZMB), URIRef(EASTERN_AFRICA)} <= areas


@pytest.mark.parametrize("method", ["POST", "POST_FORM"])
def test_sparqlstore_posts(any_server: RunningServer, method: str) -> None:
    graph = Graph(store=SPARQLStore(any_server.sparql_url, method=method))
    rows = list(graph.query(LABEL_AND_COUNTRY))
    assert [(row.label, row.country) for row in rows] == [(Literal(ZAMBIA_LABEL, lang="en"), URIRef(ZMB))]


# --- rdflib SPARQLUpdateStore ---------------------------------------------------------------


@pytest.fixture(scope="module")
def writable(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with writable_server(built, tmp_path_factory.mktemp("clients-writable")) as running:
        yield running


def comment_query() -> str:
    return f"{PREFIXES}SELECT ?g WHERE {{ GRAPH ?g {{ <{ZAMBIA}> rdfs:comment {Literal(COMMENT, lang='en').n3()} }} }}"


def test_sparqlupdatestore_without_token_is_refused(writable: RunningServer) -> None:
    store = SPARQLUpdateStore(query_endpoint=writable.sparql_url, update_endpoint=writable.sparql_url)
    with pytest.raises(HTTPError) as raised:
        store.update(f'INSERT DATA {{ <{ZAMBIA}> <http://www.w3.org/2000/01/rdf-schema#comment> "no token"@en }}')
    assert raised.value.code == 401
    assert raised.value.headers["WWW-Authenticate"] == 'Bearer realm="migcoop"'


def test_sparqlupdatestore_insert_data_then_query(writable: RunningServer, server: RunningServer) -> None:
    # rdflib sends the token as the Basic-auth password.
    store = SPARQLUpdateStore(
        query_endpoint=writable.sparql_url, update_endpoint=writable.sparql_url, auth=("rdflib", TOKEN)
    )
    store.update(f"INSERT DATA {{ <{ZAMBIA}> <{RDFS.comment}> {Literal(COMMENT, lang='en').n3()} }}")

    rows = list(Graph(store=SPARQLStore(writable.sparql_url)).query(comment_query()))
    assert {row.g for row in rows} == {URIRef(GRAPH_UPDATES), URIRef(GRAPH_ASSERTED)}
    graph = Graph(store=store, identifier=DATASET_DEFAULT_GRAPH_ID)
    assert (URIRef(ZAMBIA), RDFS.comment, Literal(COMMENT, lang="en")) in graph
    # The session's server runs on the original store, which the update did not touch.
    assert list(Graph(store=SPARQLStore(server.sparql_url)).query(comment_query())) == []

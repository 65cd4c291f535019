"""The SPARQL 1.1 Protocol as the real server speaks it, over HTTP with httpx.

Every test talks to the session's uvicorn server (read-only, no write token), once on
each store backend (`any_server`: the embedded store, then a real Oxigraph server), and
checks the exact status, the exact Content-Type and the body against facts in the
data: the action <action/mieux/zambia> is labelled "Zambia: Trafficking in Human
Beings"@en, has partner country <country/ZMB>, and involves the area <m49/014>
(Eastern Africa) only by inference.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS

from tests.conftest import RunningServer
from tests.endpoint import (
    CSV,
    EASTERN_AFRICA,
    GRAPH_ASSERTED,
    GRAPH_CURATION,
    GRAPH_INFERRED,
    GRAPH_REFERENCE,
    GRAPH_SOURCE_004,
    JSON,
    JSON_LD,
    NQUADS,
    NTRIPLES,
    RDF_XML,
    SPARQL_QUERY,
    SPARQL_UPDATE,
    TRIG,
    TSV,
    TURTLE,
    XML,
    ZAMBIA,
    ZAMBIA_LABEL,
    ZMB,
    ask,
    assert_plain_error,
    bindings,
)

# rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

MC = Namespace("https://w3id.org/migcoop/ontology#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
SRX = "{http://www.w3.org/2005/sparql-results#}"

LABEL_AND_COUNTRY = (
    "SELECT ?label ?country WHERE { <action/mieux/zambia> rdfs:label ?label ; mc:partnerCountry ?country }"
)
ZAMBIA_CONSTRUCT = """
CONSTRUCT { <action/mieux/zambia> rdfs:label ?label ; mc:involvesArea ?area }
WHERE { <action/mieux/zambia> rdfs:label ?label ; mc:involvesArea ?area }
"""
INVOLVES_EASTERN_AFRICA = "ASK { <action/mieux/zambia> mc:involvesArea <m49/014> }"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def url(any_server: RunningServer) -> str:
    return any_server.sparql_url


def zambia_row() -> dict[str, str]:
    return {"label": ZAMBIA_LABEL, "country": ZMB}


# --- the three ways to send a query ------------------------------------------


def test_query_via_get_answers_sparql_json_by_default(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": LABEL_AND_COUNTRY})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.headers["vary"].startswith("Accept")
    assert response.json() == {
        "head": {"vars": ["label", "country"]},
        "results": {
            "bindings": [
                {
                    "label": {"type": "literal", "value": ZAMBIA_LABEL, "xml:lang": "en"},
                    "country": {"type": "uri", "value": ZMB},
                }
            ]
        },
    }


def test_query_via_url_encoded_post(client: httpx.Client, url: str) -> None:
    response = client.post(url, data={"query": LABEL_AND_COUNTRY})
    assert bindings(response) == [zambia_row()]


def test_query_via_direct_post(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=LABEL_AND_COUNTRY.encode(), headers=SPARQL_QUERY)
    assert bindings(response) == [zambia_row()]


def test_direct_post_accepts_explicit_utf8_charset(client: httpx.Client, url: str) -> None:
    query = 'SELECT ?c WHERE { ?c rdfs:label "Côte d\'Ivoire"@en ; a mc:Country }'
    response = client.post(
        url, content=query.encode("utf-8"), headers={"Content-Type": "application/sparql-query; charset=UTF-8"}
    )
    assert bindings(response) == [{"c": "https://w3id.org/migcoop/id/country/CIV"}]


def test_form_post_with_charset_parameter(client: httpx.Client, url: str) -> None:
    response = client.post(
        url,
        content=str(httpx.QueryParams({"query": LABEL_AND_COUNTRY})).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert bindings(response) == [zambia_row()]


def test_non_ascii_query_via_get(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": 'SELECT ?c WHERE { ?c rdfs:label "Côte d\'Ivoire"@en ; a mc:Country }'})
    assert bindings(response) == [{"c": "https://w3id.org/migcoop/id/country/CIV"}]


def test_form_post_combines_body_and_url_parameters(client: httpx.Client, url: str) -> None:
    response = client.post(
        url,
        params={"default-graph-uri": GRAPH_ASSERTED},
        data={"query": INVOLVES_EASTERN_AFRICA},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"head": {}, "boolean": False}


def test_default_prefixes_and_base_iri(client: httpx.Client, url: str) -> None:
    query = r"""
    SELECT ?same WHERE {
        BIND(id:action\/mieux\/zambia AS ?prefixed)
        BIND(<action/mieux/zambia> AS ?relative)
        BIND(?prefixed = ?relative && ?relative = <https://w3id.org/migcoop/id/action/mieux/zambia> AS ?same)
    }"""
    response = client.get(url, params={"query": query})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json()["results"]["bindings"] == [
        {"same": {"type": "literal", "value": "true", "datatype": "http://www.w3.org/2001/XMLSchema#boolean"}}
    ]


def test_query_prologue_overrides_default_prefix(client: httpx.Client, url: str) -> None:
    query = "PREFIX mc: <http://example.org/not-ours#> ASK { <action/mieux/zambia> mc:partnerCountry ?c }"
    assert ask(client, url, query) is False


# --- result formats for SELECT and ASK ---------------------------------------


def test_select_as_sparql_xml(client: httpx.Client, url: str) -> None:
    response = client.get(
        url, params={"query": LABEL_AND_COUNTRY}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == XML
    root = ET.fromstring(response.content)
    assert [v.get("name") for v in root.iter(SRX + "variable")] == ["label", "country"]
    results = list(root.iter(SRX + "result"))
    assert len(results) == 1
    cells = {b.get("name"): b[0] for b in results[0].iter(SRX + "binding")}
    assert cells["label"].tag == SRX + "literal"
    assert cells["label"].text == ZAMBIA_LABEL
    assert cells["label"].get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert cells["country"].tag == SRX + "uri"
    assert cells["country"].text == ZMB


def test_select_as_csv(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": LABEL_AND_COUNTRY}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"] == CSV
    assert response.text == f"label,country\r\n{ZAMBIA_LABEL},{ZMB}\r\n"


def test_select_as_tsv(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": LABEL_AND_COUNTRY}, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200
    assert response.headers["content-type"] == TSV
    assert response.text == f'?label\t?country\n"{ZAMBIA_LABEL}"@en\t<{ZMB}>\n'


def test_csv_quotes_commas_and_tsv_keeps_numbers_short(client: httpx.Client, url: str) -> None:
    query = 'SELECT ?text ?n WHERE { VALUES (?text ?n) { ("a, \\"b\\"" 42) } }'
    csv = client.get(url, params={"query": query}, headers={"Accept": "text/csv"})
    assert csv.status_code == 200
    assert csv.headers["content-type"] == CSV
    assert csv.text == 'text,n\r\n"a, ""b""",42\r\n'
    tsv = client.get(url, params={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert tsv.status_code == 200
    assert tsv.headers["content-type"] == TSV
    assert tsv.text == '?text\t?n\n"a, \\"b\\""\t42\n'


def test_unbound_variables_are_left_out(client: httpx.Client, url: str) -> None:
    query = "SELECT ?a ?b WHERE { BIND(1 AS ?a) OPTIONAL { <nothing> <nothing> ?b } }"
    response = client.get(url, params={"query": query})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json()["results"]["bindings"] == [
        {"a": {"type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
    ]
    csv = client.get(url, params={"query": query, "format": "csv"})
    assert csv.status_code == 200
    assert csv.headers["content-type"] == CSV
    assert csv.text == "a,b\r\n1,\r\n"


@pytest.mark.parametrize(
    ("accept", "content_type", "body"),
    [
        ("application/sparql-results+json", JSON, '{"head":{},"boolean":true}\n'),
        (
            "application/sparql-results+xml",
            XML,
            '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
            "<head/>\n<boolean>true</boolean>\n</sparql>\n",
        ),
        ("text/csv", CSV, "_askResult\r\ntrue\r\n"),
        ("text/tab-separated-values", TSV, "?_askResult\ntrue\n"),
    ],
)
def test_ask_in_every_solution_format(
    client: httpx.Client, url: str, accept: str, content_type: str, body: str
) -> None:
    response = client.get(url, params={"query": INVOLVES_EASTERN_AFRICA}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.text == body


def test_ask_false(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": "ASK { <action/mieux/zambia> mc:partnerCountry <country/NLD> }"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"head": {}, "boolean": False}


# --- result formats for CONSTRUCT and DESCRIBE --------------------------------


def parse_graph(response: httpx.Response, rdflib_format: str) -> Graph:
    if rdflib_format in ("trig", "nquads"):
        # Quad formats: read with Oxigraph (rdflib's quad parsers warn about deprecated APIs), all in the default graph.
        quads = list(ox.parse(response.content, format=ox.RdfFormat.from_media_type(response.headers["content-type"])))
        assert {quad.graph_name for quad in quads} == {ox.DefaultGraph()}
        triples = ox.serialize(
            [ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES
        )
        return Graph().parse(data=triples, format="nt")
    return Graph().parse(data=response.content, format=rdflib_format)


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        ("text/turtle", TURTLE, "turtle"),
        ("application/n-triples", NTRIPLES, "nt"),
        ("application/rdf+xml", RDF_XML, "xml"),
        ("application/ld+json", JSON_LD, "json-ld"),
        ("application/trig", TRIG, "trig"),
        ("application/n-quads", NQUADS, "nquads"),
    ],
)
def test_construct_in_every_graph_format(
    client: httpx.Client, url: str, accept: str, content_type: str, rdflib_format: str
) -> None:
    response = client.post(url, content=ZAMBIA_CONSTRUCT, headers={**SPARQL_QUERY, "Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    graph = parse_graph(response, rdflib_format)
    zambia = URIRef(ZAMBIA)
    assert (zambia, RDFS.label, Literal(ZAMBIA_LABEL, lang="en")) in graph
    assert (zambia, MC.involvesArea, URIRef(ZMB)) in graph
    assert (zambia, MC.involvesArea, URIRef(EASTERN_AFRICA)) in graph
    assert set(graph.subjects()) == {zambia}


def test_construct_defaults_to_turtle_with_our_prefixes(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": ZAMBIA_CONSTRUCT})
    assert response.status_code == 200
    assert response.headers["content-type"] == TURTLE
    assert "@prefix mc: <https://w3id.org/migcoop/ontology#> ." in response.text
    assert f'rdfs:label "{ZAMBIA_LABEL}"@en' in response.text
    assert f"mc:involvesArea <{EASTERN_AFRICA}>" in response.text or f", <{EASTERN_AFRICA}>" in response.text
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(ZAMBIA), MC.involvesArea, URIRef(EASTERN_AFRICA)) in graph


def test_describe(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": "DESCRIBE <action/mieux/zambia>"})
    assert response.status_code == 200
    assert response.headers["content-type"] == TURTLE
    graph = Graph().parse(data=response.content, format="turtle")
    zambia = URIRef(ZAMBIA)
    assert (zambia, RDFS.label, Literal(ZAMBIA_LABEL, lang="en")) in graph
    assert (zambia, MC.partnerCountry, URIRef(ZMB)) in graph


def test_empty_construct_is_an_empty_graph(client: httpx.Client, url: str) -> None:
    response = client.get(
        url,
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(false) }"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == NTRIPLES
    assert response.text.strip() == ""


# --- content negotiation -------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml", XML),
        ("application/sparql-results+json; charset=utf-8", JSON),
        ("application/sparql-results+json;q=0, text/csv", CSV),
        ("application/json", JSON),
        ("application/xml", XML),
        ("text/*", CSV),
        ("*/*", JSON),
        ("image/png, */*;q=0.1", JSON),
        ("", JSON),
    ],
)
def test_accept_header_negotiation_for_solutions(
    client: httpx.Client, url: str, accept: str, content_type: str
) -> None:
    response = client.get(url, params={"query": LABEL_AND_COUNTRY}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("*/*", TURTLE),
        ("application/sparql-results+json, application/n-triples;q=0.9", NTRIPLES),
        ("text/plain", NTRIPLES),
        ("application/*", NTRIPLES),
    ],
)
def test_accept_header_negotiation_for_graphs(client: httpx.Client, url: str, accept: str, content_type: str) -> None:
    response = client.get(url, params={"query": ZAMBIA_CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("parameter", "value", "content_type"),
    [("format", "csv", CSV), ("format", "tsv", TSV), ("format", "xml", XML), ("output", "json", JSON)],
)
def test_format_parameter_overrides_accept(
    client: httpx.Client, url: str, parameter: str, value: str, content_type: str
) -> None:
    response = client.get(url, params={"query": LABEL_AND_COUNTRY, parameter: value}, headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


def test_repeated_format_parameter_first_wins(client: httpx.Client, url: str) -> None:
    # SPARQLWrapper sends both the short name and the media type, in `format` and in `output`.
    params = {"query": LABEL_AND_COUNTRY, "format": ["tsv", "text/tab-separated-values"], "output": ["tsv", "csv"]}
    response = client.get(url, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == TSV


def test_format_parameter_for_graphs(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": ZAMBIA_CONSTRUCT, "format": "jsonld"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_LD
    graph = Graph().parse(data=response.content, format="json-ld")
    assert (URIRef(ZAMBIA), MC.involvesArea, URIRef(EASTERN_AFRICA)) in graph


def test_not_acceptable_for_select(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": LABEL_AND_COUNTRY}, headers={"Accept": "image/png"})
    assert_plain_error(response, 406, "Not Acceptable", "application/sparql-results+json", "text/csv")


def test_not_acceptable_graph_type_for_ask(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": INVOLVES_EASTERN_AFRICA}, headers={"Accept": "text/turtle"})
    assert_plain_error(response, 406, "Not Acceptable")


def test_not_acceptable_solution_type_for_construct(client: httpx.Client, url: str) -> None:
    response = client.get(
        url, params={"query": ZAMBIA_CONSTRUCT}, headers={"Accept": "application/sparql-results+json"}
    )
    assert_plain_error(response, 406, "Not Acceptable", "text/turtle")


# --- the dataset: inference, named graphs, protocol dataset -------------------


def test_default_graph_includes_inferred_triples(client: httpx.Client, url: str) -> None:
    assert ask(client, url, INVOLVES_EASTERN_AFRICA) is True
    assert ask(client, url, "ASK { <action/mieux/zambia> mc:partnerCountry <country/ZMB> }") is True


def test_infer_false_makes_the_default_graph_the_asserted_graph(client: httpx.Client, url: str) -> None:
    assert ask(client, url, INVOLVES_EASTERN_AFRICA, infer="false") is False
    assert ask(client, url, "ASK { <action/mieux/zambia> mc:partnerCountry <country/ZMB> }", infer="false") is True
    assert ask(client, url, INVOLVES_EASTERN_AFRICA, infer="true") is True


def test_infer_false_counts_exactly_the_asserted_graph(client: httpx.Client, url: str) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    asserted = bindings(client.get(url, params={"query": count, "infer": "false"}))
    in_graph = bindings(
        client.get(
            url, params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{ ?s ?p ?o }} }}"}
        )
    )
    everything = bindings(client.get(url, params={"query": count}))
    assert asserted == in_graph
    assert int(asserted[0]["n"]) < int(everything[0]["n"])


def test_inferred_triple_lives_in_the_inferred_graph_only(client: httpx.Client, url: str) -> None:
    triple = "<action/mieux/zambia> mc:involvesArea <m49/014>"
    assert ask(client, url, f"ASK {{ GRAPH <graph/asserted> {{ {triple} }} }}") is False
    assert ask(client, url, f"ASK {{ GRAPH <graph/inferred> {{ {triple} }} }}") is True
    assert ask(client, url, f"ASK FROM <graph/asserted> {{ {triple} }}") is False
    assert ask(client, url, f"ASK FROM <graph/inferred> {{ {triple} }}") is True
    rows = bindings(client.get(url, params={"query": f"SELECT ?g WHERE {{ GRAPH ?g {{ {triple} }} }}"}))
    assert rows == [{"g": GRAPH_INFERRED}]


def test_infer_false_does_not_override_the_querys_own_from(client: httpx.Client, url: str) -> None:
    assert ask(client, url, f"ASK FROM <graph/inferred> {{ {INVOLVES_EASTERN_AFRICA[6:-2]} }}", infer="false") is True
    count = "SELECT (COUNT(*) AS ?n) FROM NAMED <graph/reference> WHERE { ?s ?p ?o }"
    assert bindings(client.get(url, params={"query": count, "infer": "false"})) == [{"n": "0"}]


def test_named_graphs_are_listed(client: httpx.Client, url: str) -> None:
    rows = bindings(client.get(url, params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"}))
    graphs = [row["g"] for row in rows]
    expected = {GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_CURATION, GRAPH_REFERENCE, GRAPH_SOURCE_004}
    expected |= {f"https://w3id.org/migcoop/id/graph/source/00{n}" for n in range(5)}
    expected.add("https://w3id.org/migcoop/id/graph/ontology")
    assert set(graphs) == expected


def test_default_graph_uri_parameters_merge_graphs(client: httpx.Client, url: str) -> None:
    # The action's partner country is stated in source 004, the country's label in the reference graph.
    query = 'ASK { <action/mieux/zambia> mc:partnerCountry ?c . ?c rdfs:label "Zambia"@en }'
    assert ask(client, url, query, **{"default-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}) is True
    assert ask(client, url, query, **{"default-graph-uri": [GRAPH_SOURCE_004]}) is False
    assert ask(client, url, query, **{"default-graph-uri": [GRAPH_REFERENCE]}) is False


def test_named_graph_uri_parameters_limit_graph_patterns(client: httpx.Client, url: str) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    rows = bindings(client.get(url, params={"query": query, "named-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}))
    assert rows == [{"g": GRAPH_REFERENCE}, {"g": GRAPH_SOURCE_004}]


def test_protocol_dataset_replaces_the_querys_dataset(client: httpx.Client, url: str) -> None:
    # Only named graphs in the protocol: the query's FROM is ignored and the default graph is empty.
    count = "SELECT (COUNT(*) AS ?n) FROM <graph/reference> WHERE { ?s ?p ?o }"
    assert bindings(client.get(url, params={"query": count, "named-graph-uri": GRAPH_SOURCE_004})) == [{"n": "0"}]
    query = "SELECT DISTINCT ?g FROM NAMED <graph/reference> WHERE { GRAPH ?g { ?s ?p ?o } }"
    rows = bindings(client.get(url, params={"query": query, "named-graph-uri": GRAPH_SOURCE_004}))
    assert rows == [{"g": GRAPH_SOURCE_004}]
    # Only a default graph in the protocol: no named graphs are left.
    rows = bindings(client.get(url, params={"query": query, "default-graph-uri": GRAPH_CURATION}))
    assert rows == []


def test_unknown_graph_is_empty(client: httpx.Client, url: str) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    rows = bindings(client.get(url, params={"query": query, "default-graph-uri": "http://example.org/no-such-graph"}))
    assert rows == [{"n": "0"}]


# --- errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "ASK {",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o = ",
        "SELECT * { ?s ?p ?o . FILTER(",
        "SELEC * WHERE { ?s ?p ?o }",
        "ASK FROM id:graph/asserted { ?s ?p ?o }",
    ],
)
def test_syntax_error_is_a_short_400(client: httpx.Client, url: str, query: str) -> None:
    body = assert_plain_error(client.get(url, params={"query": query}), 400, "Malformed query", "error at 1:")
    assert "\\u{" not in body


def test_empty_query_is_a_400(client: httpx.Client, url: str) -> None:
    assert_plain_error(client.get(url, params={"query": ""}), 400, "Malformed query")


def test_undefined_prefix_is_a_400(client: httpx.Client, url: str) -> None:
    assert_plain_error(client.get(url, params={"query": "SELECT * WHERE { ?s nope:p ?o }"}), 400, "Malformed query")


def test_query_given_twice_is_a_400(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": ["ASK {}", "ASK {}"]})
    assert_plain_error(response, 400, "'query' parameter was given 2 times")


def test_query_in_body_and_url_is_a_400(client: httpx.Client, url: str) -> None:
    response = client.post(url, params={"query": "ASK {}"}, content=b"ASK {}", headers=SPARQL_QUERY)
    assert_plain_error(response, 400, "both in the body and as a 'query' parameter")


def test_query_and_update_together_is_a_400(client: httpx.Client, url: str) -> None:
    response = client.post(url, data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert_plain_error(response, 400, "either a 'query' or an 'update'")


def test_post_without_query_is_a_400(client: httpx.Client, url: str) -> None:
    assert_plain_error(client.post(url, data={"infer": "true"}), 400, "Missing 'query' or 'update'")


def test_bad_infer_value_is_a_400(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": "ASK {}", "infer": "maybe"})
    assert_plain_error(response, 400, "'infer' parameter must be true or false")


def test_post_without_content_type_is_a_415(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=b"query=ASK%20%7B%7D")
    assert_plain_error(response, 415, "Unsupported Media Type 'none'", "application/sparql-query")


def test_post_with_wrong_content_type_is_a_415(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert_plain_error(response, 415, "Unsupported Media Type 'text/plain'")


def test_post_in_another_charset_is_a_415(client: httpx.Client, url: str) -> None:
    response = client.post(
        url, content="ASK {}".encode("utf-16"), headers={"Content-Type": "application/sparql-query; charset=UTF-16"}
    )
    assert_plain_error(response, 415, "Unsupported charset 'utf-16'")


def test_body_that_is_not_utf8_is_a_400(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=b'ASK { ?s ?p "\xe9" }', headers=SPARQL_QUERY)
    assert_plain_error(response, 400, "not valid UTF-8")


def test_percent_encoded_bytes_that_are_not_utf8_are_a_400(client: httpx.Client, url: str) -> None:
    response = client.get(url + "?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%E9%22%20%7D")
    assert_plain_error(response, 400, "not valid UTF-8")


def test_update_via_get_is_a_405(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"update": "CLEAR ALL"})
    assert_plain_error(response, 405, "must be sent with POST")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_a_405_that_allows_get_and_post(client: httpx.Client, url: str, method: str) -> None:
    response = client.request(method, url, params={"query": "ASK {}"})
    assert_plain_error(response, 405, "Method Not Allowed")
    assert response.headers["allow"] == "GET, POST"


def test_head_is_a_405_that_allows_get_and_post(client: httpx.Client, url: str) -> None:
    response = client.head(url, params={"query": "ASK {}"})
    assert response.status_code == 405
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["allow"] == "GET, POST"
    assert response.content == b""


def test_update_without_write_token_configured_is_a_403(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=b"INSERT DATA { <a> <b> <c> }", headers=SPARQL_UPDATE)
    assert_plain_error(response, 403, "SPARQL Update is disabled")


def test_update_route_rejects_queries(client: httpx.Client, any_server: RunningServer) -> None:
    response = client.post(f"{any_server.base_url}/update", data={"query": "ASK {}"})
    assert_plain_error(response, 400, "Missing 'update'")
    response = client.get(f"{any_server.base_url}/update", params={"update": "CLEAR ALL"})
    assert_plain_error(response, 405, "Method Not Allowed")
    assert response.headers["allow"] == "POST"


def test_service_is_refused(client: httpx.Client, url: str) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_plain_error(
        client.get(url, params={"query": query}), 403, "SERVICE <http://127.0.0.1:9/sparql> is not allowed"
    )
    query = "SELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }"
    assert_plain_error(client.get(url, params={"query": query}), 403, "SERVICE <?endpoint> is not allowed")


def test_service_keyword_in_a_string_or_comment_is_not_screened(client: httpx.Client, url: str) -> None:
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:9/>" AS ?x) } # SERVICE <http://127.0.0.1:9/>'
    assert bindings(client.get(url, params={"query": query})) == [{"x": "SERVICE <http://127.0.0.1:9/>"}]


def test_unknown_path_is_a_plain_404(client: httpx.Client, any_server: RunningServer) -> None:
    assert_plain_error(client.get(f"{any_server.base_url}/nothing-here"), 404, "Not Found")


# --- service description, VoID and dumps --------------------------------------


def test_service_description_without_query(client: httpx.Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == TURTLE
    graph = Graph().parse(data=response.content, format="turtle")
    service = URIRef(url)
    assert (service, SD.endpoint, service) in graph
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    formats = {str(o).rsplit("/", 1)[-1] for o in graph.objects(service, SD.resultFormat)}
    assert {
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
    } <= formats
    names = {str(name) for name in graph.objects(None, SD.name)}
    assert {GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_SOURCE_004} <= names


def test_service_description_default_graph_size_matches_a_count(client: httpx.Client, url: str) -> None:
    response = client.get(url, headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_LD
    graph = Graph().parse(data=response.content, format="json-ld")
    default = graph.value(graph.value(URIRef(url), SD.defaultDataset), SD.defaultGraph)
    count = bindings(client.get(url, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}))
    assert graph.value(default, VOID.triples).toPython() == int(count[0]["n"])


def test_service_description_not_acceptable(client: httpx.Client, url: str) -> None:
    assert_plain_error(client.get(url, headers={"Accept": "application/sparql-results+json"}), 406, "Not Acceptable")


def test_void_description(client: httpx.Client, any_server: RunningServer) -> None:
    response = client.get(f"{any_server.base_url}/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"] == TURTLE
    graph = Graph().parse(data=response.content, format="turtle")
    datasets = set(graph.subjects(VOID.sparqlEndpoint, URIRef(any_server.sparql_url)))
    assert len(datasets) == 1
    dataset = datasets.pop()
    assert URIRef(ZAMBIA) in set(graph.objects(dataset, VOID.exampleResource))
    dumps = {str(d) for d in graph.objects(dataset, VOID.dataDump)}
    assert f"{any_server.base_url}/dumps/migcoop-all.nt" in dumps
    n_triples = client.get(any_server.sparql_url, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert graph.value(dataset, VOID.triples).toPython() == int(bindings(n_triples)[0]["n"])


def test_void_in_n_triples_and_not_acceptable(client: httpx.Client, any_server: RunningServer) -> None:
    response = client.get(f"{any_server.base_url}/.well-known/void", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["content-type"] == NTRIPLES
    assert f"<{any_server.sparql_url}>" in response.text
    response = client.get(f"{any_server.base_url}/.well-known/void", headers={"Accept": "text/csv"})
    assert_plain_error(response, 406, "Not Acceptable")


def test_unknown_dump_is_a_404(client: httpx.Client, any_server: RunningServer) -> None:
    response = client.get(f"{any_server.base_url}/dumps/secrets.txt")
    assert_plain_error(response, 404, "No dump named 'secrets.txt'", "migcoop-all.nt")
    response = client.get(f"{any_server.base_url}/dumps/..%2Fstore")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_json_results_are_valid_json_for_a_large_result(client: httpx.Client, url: str) -> None:
    response = client.get(url, params={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 2000"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    data = json.loads(response.content)
    assert len(data["results"]["bindings"]) == 2000

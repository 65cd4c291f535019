"""Our own equivalents of the W3C SPARQL 1.1 Protocol test suite, one test per case.

The suite (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl) runs each case as
HTTP requests against toy graphs (data1.rdf, data2.rdf, data3.rdf) and checks the
status class, the result format and, for ASK, the boolean. Each test below is
named after the case it mirrors and asks the same question of our data instead:
the toy graphs become our named graphs (graph/source/004 states that the Zambia
action's partner country is <country/ZMB>, graph/reference labels that country
"Zambia"@en, graph/curation gives the action its thematic area), and the update
cases write to a copy of the store through the write token instead of dropping
everything. We check the exact status and Content-Type, not just the class.

Query cases run on the session's read-only server, on each store backend (`any_server`:
embedded, then an Oxigraph server); update cases on a writable server on this module's
own copy of the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS

from tests.conftest import Built, RunningServer, stop_server
from tests.endpoint import (
    AUTH,
    GRAPH_CURATION,
    GRAPH_REFERENCE,
    GRAPH_SOURCE_004,
    GRAPH_UPDATES,
    JSON,
    PLAIN,
    SPARQL_QUERY,
    SPARQL_UPDATE,
    TURTLE,
    ZAMBIA,
    ZAMBIA_LABEL,
    assert_plain_error,
    bindings,
    graph_counts,
    start_writable_server,
    writable_server,
)

MC = Namespace("https://w3id.org/migcoop/ontology#")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MANIFEST = Path(os.environ.get("W3C_PROTOCOL_MANIFEST", "/work/shared/w3c-sparql11-protocol/manifest.ttl"))

# Every case of the manifest (in its order), and how our test departs from it where it does.
W3C_CASES: dict[str, str] = {
    "query_post_form": "",
    "query_dataset_default_graphs_get": "",
    "query_dataset_default_graphs_post": "",
    "query_dataset_named_graphs_post": "",
    "query_dataset_named_graphs_get": "",
    "query_dataset_full": "",
    "query_multiple_dataset": "",
    "query_get": "",
    "query_content_type_select": "",
    "query_content_type_ask": "",
    "query_content_type_describe": "",
    "query_content_type_construct": "",
    # The four update_dataset_* cases expect 2xx: this endpoint does not implement the
    # using-graph-uri / using-named-graph-uri parameters and answers 400 with an explanation
    # (use USING / USING NAMED in the update text instead). The tests pin that behaviour.
    "update_dataset_default_graph": "not supported: 400 instead of 2xx",
    "update_dataset_default_graphs": "not supported: 400 instead of 2xx",
    "update_dataset_named_graphs": "not supported: 400 instead of 2xx",
    "update_dataset_full": "not supported: 400 instead of 2xx",
    # The W3C cases send CLEAR ALL; ours insert a triple that the shapes accept (CLEAR ALL on
    # a copy would pass too, but then nothing could be checked afterwards).
    "update_post_form": "inserts a conforming triple instead of CLEAR ALL",
    "update_post_direct": "inserts a conforming triple instead of CLEAR ALL",
    "update_base_uri": "our base IRI is https://w3id.org/migcoop/id/, not the endpoint",
    "query_post_direct": "",
    "bad_query_method": "",
    "bad_multiple_queries": "",
    "bad_query_wrong_media_type": "",
    "bad_query_missing_form_type": "",
    "bad_query_missing_direct_type": "",
    "bad_query_non_utf8": "",
    "bad_query_syntax": "",
    "bad_update_get": "",
    "bad_multiple_updates": "",
    "bad_update_wrong_media_type": "",
    "bad_update_missing_form_type": "",
    "bad_update_non_utf8": "",
    "bad_update_syntax": "",
    "bad_update_dataset_conflict": "",
}

# Two graphs: the first says the action's partner country is ?c, the second labels ?c.
SPANS_TWO_GRAPHS = 'ASK { <action/mieux/zambia> mc:partnerCountry ?c . ?c rdfs:label "Zambia"@en }'
IN_TWO_NAMED_GRAPHS = """ASK {
    GRAPH ?g1 { <action/mieux/zambia> mc:partnerCountry ?c }
    GRAPH ?g2 { ?c rdfs:label "Zambia"@en }
}"""


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as http:
        yield http


@pytest.fixture(scope="module")
def url(any_server: RunningServer) -> str:
    return any_server.sparql_url


@pytest.fixture(scope="module")
def writable(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with writable_server(built, tmp_path_factory.mktemp("w3c-writable")) as running:
        yield running


def boolean(response: httpx.Response) -> bool:
    """The expected format "boolean": a SPARQL JSON boolean result."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == JSON
    body = response.json()
    assert set(body) == {"head", "boolean"}
    return body["boolean"]


# --- queries -----------------------------------------------------------------------


def test_query_post_form(client: httpx.Client, url: str) -> None:
    response = client.post(
        url, params={"default-graph-uri": GRAPH_SOURCE_004}, content=b"query=ASK%20%7B%7D", headers=FORM
    )
    assert boolean(response) is True


def test_query_dataset_default_graphs_get(client: httpx.Client, url: str) -> None:
    params = {"query": SPANS_TWO_GRAPHS, "default-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    assert boolean(client.get(url, params=params)) is True
    # Each graph alone does not hold both triples: the default graph really is their merge.
    assert boolean(client.get(url, params={**params, "default-graph-uri": GRAPH_SOURCE_004})) is False


def test_query_dataset_default_graphs_post(client: httpx.Client, url: str) -> None:
    params = {"default-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    response = client.post(url, params=params, content=SPANS_TWO_GRAPHS.encode(), headers=SPARQL_QUERY)
    assert boolean(response) is True


def test_query_dataset_named_graphs_post(client: httpx.Client, url: str) -> None:
    params = {"named-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    response = client.post(url, params=params, content=IN_TWO_NAMED_GRAPHS.encode(), headers=SPARQL_QUERY)
    assert boolean(response) is True
    response = client.post(
        url, params={"named-graph-uri": GRAPH_SOURCE_004}, content=IN_TWO_NAMED_GRAPHS.encode(), headers=SPARQL_QUERY
    )
    assert boolean(response) is False


def test_query_dataset_named_graphs_get(client: httpx.Client, url: str) -> None:
    params = {"query": IN_TWO_NAMED_GRAPHS, "named-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    assert boolean(client.get(url, params=params)) is True


def test_query_dataset_full(client: httpx.Client, url: str) -> None:
    query = """ASK {
        <action/mieux/zambia> mc:thematicArea ?theme
        GRAPH ?g1 { <action/mieux/zambia> mc:partnerCountry ?c }
        GRAPH ?g2 { ?c rdfs:label "Zambia"@en }
    }"""
    params = {"default-graph-uri": GRAPH_CURATION, "named-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    response = client.post(url, params=params, content=query.encode(), headers=SPARQL_QUERY)
    assert boolean(response) is True
    # The thematic area is in the curation graph only: with another default graph the answer is false.
    params["default-graph-uri"] = GRAPH_REFERENCE
    assert boolean(client.post(url, params=params, content=query.encode(), headers=SPARQL_QUERY)) is False


def test_query_multiple_dataset(client: httpx.Client, url: str) -> None:
    # The query's own dataset (FROM only: no named graphs at all) would make this false;
    # the protocol's named graphs take precedence.
    query = "ASK FROM <graph/curation> " + IN_TWO_NAMED_GRAPHS[4:]
    params = {"named-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    assert boolean(client.post(url, params=params, content=query.encode(), headers=SPARQL_QUERY)) is True
    assert boolean(client.post(url, content=query.encode(), headers=SPARQL_QUERY)) is False
    # ... and the protocol dataset replaces the query's FROM too: its default graph is empty.
    count = "SELECT (COUNT(*) AS ?n) FROM <graph/curation> WHERE { ?s ?p ?o }"
    assert bindings(client.get(url, params={"query": count, **params})) == [{"n": "0"}]


def test_query_get(client: httpx.Client, url: str) -> None:
    assert boolean(client.get(url, params={"query": "ASK {}", "default-graph-uri": GRAPH_SOURCE_004})) is True


def test_query_content_type_select(client: httpx.Client, url: str) -> None:
    response = client.post(
        url, params={"default-graph-uri": GRAPH_SOURCE_004}, content=b"SELECT (1 AS ?value) {}", headers=SPARQL_QUERY
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {
        "head": {"vars": ["value"]},
        "results": {
            "bindings": [
                {"value": {"type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
            ]
        },
    }


def test_query_content_type_ask(client: httpx.Client, url: str) -> None:
    response = client.post(url, params={"default-graph-uri": GRAPH_SOURCE_004}, content=b"ASK {}", headers=SPARQL_QUERY)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"head": {}, "boolean": True}


def test_query_content_type_describe(client: httpx.Client, url: str) -> None:
    response = client.post(
        url,
        params={"default-graph-uri": GRAPH_SOURCE_004},
        content=b"DESCRIBE <action/mieux/zambia>",
        headers=SPARQL_QUERY,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == TURTLE
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(ZAMBIA), RDFS.label, Literal(ZAMBIA_LABEL, lang="en")) in graph
    # Only the protocol's default graph is described: the curated thematic area is not in source 004.
    assert graph.value(URIRef(ZAMBIA), MC.thematicArea) is None


def test_query_content_type_construct(client: httpx.Client, url: str) -> None:
    response = client.post(
        url,
        params={"default-graph-uri": GRAPH_SOURCE_004},
        content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers=SPARQL_QUERY,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == TURTLE
    graph = Graph().parse(data=response.content, format="turtle")
    assert set(graph) == {
        (URIRef("https://w3id.org/migcoop/id/s"), URIRef("https://w3id.org/migcoop/id/p"), Literal(1))
    }


def test_query_post_direct(client: httpx.Client, url: str) -> None:
    assert boolean(client.post(url, content=b"ASK {}", headers=SPARQL_QUERY)) is True


# --- updates -----------------------------------------------------------------------

UPDATE_THROUGH_DATASET = """
INSERT { GRAPH <graph/updates> { ?action rdfs:comment "copied through the protocol dataset"@en } }
WHERE { ?action mc:partnerCountry <country/ZMB> }
"""


def update_dataset_case(client: httpx.Client, writable: RunningServer, params: dict) -> None:
    """Shared body of the four update_dataset_* cases (see W3C_CASES: not supported, 400)."""
    before = graph_counts(client, writable.sparql_url)
    response = client.post(
        writable.sparql_url, params=params, content=UPDATE_THROUGH_DATASET.encode(), headers={**SPARQL_UPDATE, **AUTH}
    )
    assert_plain_error(response, 400, "using-graph-uri and using-named-graph-uri are not supported", "USING")
    assert graph_counts(client, writable.sparql_url) == before


def test_update_dataset_default_graph(client: httpx.Client, writable: RunningServer) -> None:
    update_dataset_case(client, writable, {"using-graph-uri": GRAPH_SOURCE_004})


def test_update_dataset_default_graphs(client: httpx.Client, writable: RunningServer) -> None:
    params = {"using-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    update_dataset_case(client, writable, params)


def test_update_dataset_named_graphs(client: httpx.Client, writable: RunningServer) -> None:
    params = {"using-named-graph-uri": [GRAPH_SOURCE_004, GRAPH_REFERENCE]}
    update_dataset_case(client, writable, params)


def test_update_dataset_full(client: httpx.Client, writable: RunningServer) -> None:
    params = {"using-graph-uri": GRAPH_SOURCE_004, "using-named-graph-uri": GRAPH_REFERENCE}
    update_dataset_case(client, writable, params)


# The three cases that write each cost a full SHACL validation and OWL 2 RL reasoning pass over
# the whole graph (about ten seconds). They are independent, so they are sent side by side, each to
# a server on its own copy of the store; each test checks its own response, then queries its server.
FORM_COMMENT = "Inserted by a form-encoded update."
DIRECT_COMMENT = "Inserted by a direct update."
WRITES: dict[str, dict] = {
    "update_post_form": {
        "data": {"update": f'INSERT DATA {{ <action/mieux/zambia> rdfs:comment "{FORM_COMMENT}"@en }}'}
    },
    "update_post_direct": {
        "content": f'INSERT DATA {{ <action/mieux/zambia> rdfs:comment "{DIRECT_COMMENT}"@en }}'.encode(),
        "headers": SPARQL_UPDATE,
    },
    "update_base_uri": {
        # Relative IRIs, resolved against the service's base IRI.
        "content": b"INSERT DATA { GRAPH <graph/curation> { <action/mieux/zambia> mc:thematicArea <theme/human-rights> } }",
        "headers": SPARQL_UPDATE,
    },
}


@dataclass(frozen=True)
class Written:
    server: RunningServer
    response: httpx.Response


def send_write(server: RunningServer, request: dict) -> httpx.Response:
    with httpx.Client(timeout=180) as own:
        return own.post(server.sparql_url, **{**request, "headers": {**request.get("headers", {}), **AUTH}})


@pytest.fixture(scope="module")
def written(
    built: Built, tmp_path_factory: pytest.TempPathFactory, writable: RunningServer
) -> Iterator[dict[str, Written]]:
    """Each writing case sent to its own server (the module's writable one, and two more), all at once."""
    _first, *others = WRITES  # the first case goes to the module's writable server
    with ThreadPoolExecutor(len(others)) as pool:
        starting = [pool.submit(start_writable_server, built, tmp_path_factory.mktemp(case)) for case in others]
    try:
        servers = dict(zip(WRITES, [writable, *(future.result() for future in starting)], strict=True))
        with ThreadPoolExecutor(len(WRITES)) as pool:
            sent = {case: pool.submit(send_write, servers[case], request) for case, request in WRITES.items()}
        yield {case: Written(servers[case], future.result()) for case, future in sent.items()}
    finally:
        for future in starting:
            if future.exception() is None:
                stop_server(future.result())


def assert_update_applied(response: httpx.Response, inserted: int) -> None:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == PLAIN
    assert response.text.startswith(f"Update applied: {inserted} triple(s) inserted, 0 deleted;")


def test_update_post_form(client: httpx.Client, written: dict[str, Written]) -> None:
    server, response = written["update_post_form"].server, written["update_post_form"].response
    assert response.request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert_update_applied(response, 1)
    query = f'ASK {{ GRAPH <{GRAPH_UPDATES}> {{ <{ZAMBIA}> rdfs:comment "{FORM_COMMENT}"@en }} }}'
    assert boolean(client.get(server.sparql_url, params={"query": query})) is True


def test_update_post_direct(client: httpx.Client, written: dict[str, Written]) -> None:
    server, response = written["update_post_direct"].server, written["update_post_direct"].response
    assert response.request.headers["content-type"] == "application/sparql-update"
    assert_update_applied(response, 1)
    query = f'ASK {{ GRAPH <{GRAPH_UPDATES}> {{ <{ZAMBIA}> rdfs:comment "{DIRECT_COMMENT}"@en }} }}'
    assert boolean(client.get(server.sparql_url, params={"query": query})) is True


def test_update_base_uri(client: httpx.Client, written: dict[str, Written]) -> None:
    server, response = written["update_base_uri"].server, written["update_base_uri"].response
    assert_update_applied(response, 1)
    query = f"""ASK {{
        GRAPH <{GRAPH_CURATION}> {{
            <{ZAMBIA}> <{MC.thematicArea}> ?o
            FILTER (isIRI(?o) && STR(?o) = "https://w3id.org/migcoop/id/theme/human-rights")
        }}
    }}"""
    assert boolean(client.get(server.sparql_url, params={"query": query})) is True


# --- bad requests --------------------------------------------------------------------


def test_bad_query_method(client: httpx.Client, url: str) -> None:
    response = client.put(url, params={"query": "ASK {}", "default-graph-uri": GRAPH_SOURCE_004}, headers=FORM)
    assert_plain_error(response, 405, "Method Not Allowed")
    assert response.headers["allow"] == "GET, POST"


def test_bad_multiple_queries(client: httpx.Client, url: str) -> None:
    response = client.get(url + "?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert_plain_error(response, 400, "'query' parameter was given 2 times")


def test_bad_query_wrong_media_type(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert_plain_error(response, 415, "Unsupported Media Type 'text/plain'")


def test_bad_query_missing_form_type(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=b"query=ASK%20%7B%7D")
    assert "content-type" not in response.request.headers
    assert_plain_error(response, 415, "Unsupported Media Type 'none'")


def test_bad_query_missing_direct_type(client: httpx.Client, url: str) -> None:
    response = client.post(url, content=b"ASK {}")
    assert "content-type" not in response.request.headers
    assert_plain_error(response, 415, "Unsupported Media Type 'none'")


def test_bad_query_non_utf8(client: httpx.Client, url: str) -> None:
    response = client.post(
        url, content="ASK {}".encode("utf-16"), headers={"Content-Type": "application/sparql-query; charset=UTF-16"}
    )
    assert_plain_error(response, 415, "Unsupported charset 'utf-16'")


def test_bad_query_syntax(client: httpx.Client, url: str) -> None:
    assert_plain_error(client.get(url + "?query=ASK%20%7B"), 400, "Malformed query")


def test_bad_update_get(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    response = client.get(writable.sparql_url + "?update=CLEAR%20ALL", headers=AUTH)
    assert_plain_error(response, 405, "SPARQL Update must be sent with POST")
    assert response.headers["allow"] == "POST"
    assert graph_counts(client, writable.sparql_url) == before


def test_bad_multiple_updates(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    response = client.post(
        writable.sparql_url, content=b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", headers={**FORM, **AUTH}
    )
    assert_plain_error(response, 400, "'update' parameter was given 2 times")
    assert graph_counts(client, writable.sparql_url) == before


def test_bad_update_wrong_media_type(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    response = client.post(writable.sparql_url, content=b"CLEAR NAMED", headers={"Content-Type": "text/plain", **AUTH})
    assert_plain_error(response, 415, "Unsupported Media Type 'text/plain'")
    assert graph_counts(client, writable.sparql_url) == before


def test_bad_update_missing_form_type(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    response = client.post(writable.sparql_url, content=b"update=CLEAR%20NAMED", headers=AUTH)
    assert_plain_error(response, 415, "Unsupported Media Type 'none'")
    assert graph_counts(client, writable.sparql_url) == before


def test_bad_update_non_utf8(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    response = client.post(
        writable.sparql_url,
        content="CLEAR NAMED".encode("utf-16"),
        headers={"Content-Type": "application/sparql-update; charset=UTF-16", **AUTH},
    )
    assert_plain_error(response, 415, "Unsupported charset 'utf-16'")
    assert graph_counts(client, writable.sparql_url) == before


def test_bad_update_syntax(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    response = client.post(writable.sparql_url, content=b"update=CLEAR%20XYZ", headers={**FORM, **AUTH})
    assert_plain_error(response, 400, "Malformed update", "error at 1:")
    assert graph_counts(client, writable.sparql_url) == before


def test_bad_update_dataset_conflict(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    update = """PREFIX foaf: <http://xmlns.com/foaf/0.1/>
WITH <graph/updates>
DELETE { ?person foaf:givenName 'Bill' }
INSERT { ?person foaf:givenName 'William' }
WHERE { ?person foaf:givenName 'Bill' }"""
    response = client.post(
        writable.sparql_url,
        params={"using-named-graph-uri": "http://example/people"},
        content=update.encode(),
        headers={**SPARQL_UPDATE, **AUTH},
    )
    assert_plain_error(response, 400, "using-named-graph-uri are not supported")
    assert graph_counts(client, writable.sparql_url) == before


# --- the suite itself ---------------------------------------------------------------


def test_every_manifest_case_has_a_test() -> None:
    assert len(W3C_CASES) == 34
    missing = [case for case in W3C_CASES if not callable(globals().get(f"test_{case}"))]
    assert missing == []
    if not MANIFEST.exists():
        pytest.skip(f"W3C manifest not available at {MANIFEST}; the case list above was checked against it")
    manifest = Graph().parse(MANIFEST, format="turtle")
    mf = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    entries = manifest.value(URIRef(MANIFEST.resolve().as_uri()), mf.entries) or next(
        manifest.objects(None, mf.entries)
    )
    names = [str(item).rsplit("#", 1)[-1] for item in manifest.items(entries)]
    assert names == list(W3C_CASES)

"""The endpoint's limits and its HTTP surroundings, against real servers: query timeout,
result cap, body size, remote access, CORS, compression, probes and the OpenAPI document.

One extra server with tight limits (2 s timeout, 10 rows, 4 KB requests, one allowed
CORS origin, one allowed remote prefix) serves the limit tests; the rest use the
session's server with the default settings.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph

from tests.conftest import Built, RunningServer, start_server, stop_server
from tests.endpoint import CSV, JSON, NTRIPLES, TSV, TURTLE, XML, ZAMBIA_LABEL, assert_plain_error, bindings

TIMEOUT = 2
ROWS = 10
MAX_BYTES = 4096
ORIGIN = "https://notebook.example"
ALLOWED_REMOTE = "http://127.0.0.1:9/allowed/"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
LABEL = "SELECT ?label WHERE { <action/mieux/zambia> rdfs:label ?label }"


@pytest.fixture(scope="module")
def limited(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        built.store_path,
        tmp_path_factory.mktemp("limits") / "server.log",
        query_timeout_seconds=str(TIMEOUT),
        max_result_rows=str(ROWS),
        max_query_bytes=str(MAX_BYTES),
        query_workers="2",
        cors_origins=f'["{ORIGIN}"]',
        allowed_remote_urls=f'["{ALLOWED_REMOTE}"]',
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as http:
        yield http


# --- timeout -----------------------------------------------------------------------------


def test_runaway_query_times_out_while_others_are_answered(limited: RunningServer) -> None:
    slow: dict[str, object] = {}

    def run_slow() -> None:
        with httpx.Client(timeout=60) as own:
            started = time.monotonic()
            slow["response"] = own.get(limited.sparql_url, params={"query": CARTESIAN})
            slow["finished"] = time.monotonic()
            slow["elapsed"] = slow["finished"] - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)  # let the slow query reach a worker
    with httpx.Client(timeout=60) as other:
        quick = other.get(limited.sparql_url, params={"query": LABEL})
        quick_finished = time.monotonic()
    thread.join(timeout=30)
    assert not thread.is_alive()

    # The trivial query from another client was answered, and before the slow one ended.
    assert bindings(quick) == [{"label": ZAMBIA_LABEL}]
    assert "response" in slow, "the slow query never finished"
    assert quick_finished < slow["finished"]

    response = slow["response"]
    assert isinstance(response, httpx.Response)
    assert_plain_error(response, 503, f"Query timed out after {TIMEOUT} s and was stopped", "LIMIT")
    assert TIMEOUT - 0.1 <= slow["elapsed"] < TIMEOUT + 8

    # The killed worker is replaced: the server keeps answering.
    for _ in range(3):
        assert bindings(httpx.get(limited.sparql_url, params={"query": LABEL}, timeout=30)) == [{"label": ZAMBIA_LABEL}]


# --- result cap --------------------------------------------------------------------------


def assert_truncated(response: httpx.Response, content_type: str) -> None:
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["x-result-truncated"] == "true"
    assert response.headers["x-result-row-limit"] == str(ROWS)


def test_row_cap_json(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(limited.sparql_url, params={"query": EVERYTHING})
    assert_truncated(response, JSON)
    assert len(response.json()["results"]["bindings"]) == ROWS


def test_row_cap_xml(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(
        limited.sparql_url, params={"query": EVERYTHING}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert_truncated(response, XML)
    results = ET.fromstring(response.content).iter("{http://www.w3.org/2005/sparql-results#}result")
    assert len(list(results)) == ROWS


def test_row_cap_csv(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(limited.sparql_url, params={"query": EVERYTHING}, headers={"Accept": "text/csv"})
    assert_truncated(response, CSV)
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["s", "p", "o"]
    assert len(rows) == ROWS + 1


def test_row_cap_tsv(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(
        limited.sparql_url, params={"query": EVERYTHING}, headers={"Accept": "text/tab-separated-values"}
    )
    assert_truncated(response, TSV)
    lines = response.text.splitlines()
    assert lines[0] == "?s\t?p\t?o"
    assert len(lines) == ROWS + 1


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [("text/turtle", TURTLE, "turtle"), ("application/n-triples", NTRIPLES, "nt")],
)
def test_row_cap_construct(
    client: httpx.Client, limited: RunningServer, accept: str, content_type: str, rdflib_format: str
) -> None:
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    response = client.get(limited.sparql_url, params={"query": query}, headers={"Accept": accept})
    assert_truncated(response, content_type)
    assert len(Graph().parse(data=response.content, format=rdflib_format)) == ROWS


def test_results_within_the_cap_are_not_marked(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(limited.sparql_url, params={"query": EVERYTHING + f" LIMIT {ROWS}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert "x-result-truncated" not in response.headers
    assert len(response.json()["results"]["bindings"]) == ROWS


def test_aggregates_see_every_row_despite_the_cap(
    client: httpx.Client, limited: RunningServer, server: RunningServer
) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    capped = bindings(client.get(limited.sparql_url, params={"query": query}))
    uncapped = bindings(client.get(server.sparql_url, params={"query": query}))
    assert capped == uncapped
    assert int(capped[0]["n"]) > ROWS


# --- request size ------------------------------------------------------------------------


def padded_query(size: int) -> str:
    query = "ASK {} # "
    return query + "x" * (size - len(query))


def test_oversized_direct_body_is_413(client: httpx.Client, limited: RunningServer) -> None:
    response = client.post(
        limited.sparql_url,
        content=padded_query(MAX_BYTES + 1).encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert_plain_error(response, 413, f"larger than the limit of {MAX_BYTES} bytes")


def test_oversized_form_body_is_413(client: httpx.Client, limited: RunningServer) -> None:
    response = client.post(limited.sparql_url, data={"query": padded_query(MAX_BYTES + 100)})
    assert_plain_error(response, 413, f"larger than the limit of {MAX_BYTES} bytes")


def test_body_at_the_limit_is_accepted(client: httpx.Client, limited: RunningServer) -> None:
    response = client.post(
        limited.sparql_url,
        content=padded_query(MAX_BYTES).encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.json() == {"head": {}, "boolean": True}


def test_oversized_url_is_414(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(limited.sparql_url, params={"query": padded_query(MAX_BYTES + 1)})
    assert_plain_error(response, 414, f"longer than the limit of {MAX_BYTES} bytes")


# --- remote access -----------------------------------------------------------------------


def test_service_is_403(client: httpx.Client, limited: RunningServer) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    assert_plain_error(
        client.get(limited.sparql_url, params={"query": query}), 403, "SERVICE <http://127.0.0.1:9/> is not allowed"
    )
    query = "SELECT * WHERE { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }"
    assert_plain_error(
        client.post(limited.sparql_url, data={"query": query}), 403, "SERVICE <http://127.0.0.1:9/> is not allowed"
    )


def test_service_under_an_allowed_prefix_passes_the_screen(client: httpx.Client, limited: RunningServer) -> None:
    # SILENT: the unreachable service yields one empty solution instead of an error.
    query = f"SELECT ?x WHERE {{ BIND(1 AS ?x) SERVICE SILENT <{ALLOWED_REMOTE}sparql> {{ ?s ?p ?o }} }}"
    assert bindings(client.get(limited.sparql_url, params={"query": query})) == [{"x": "1"}]


# --- CORS --------------------------------------------------------------------------------


def test_cors_on_get_with_any_origin(client: httpx.Client, server: RunningServer) -> None:
    response = client.get(server.sparql_url, params={"query": LABEL}, headers={"Origin": "https://anywhere.example"})
    assert bindings(response) == [{"label": ZAMBIA_LABEL}]
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"x-result-truncated", "x-result-row-limit"} <= exposed


def test_cors_with_configured_origins(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(limited.sparql_url, params={"query": EVERYTHING}, headers={"Origin": ORIGIN})
    assert_truncated(response, JSON)
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "x-result-truncated" in response.headers["access-control-expose-headers"].lower()
    other = client.get(limited.sparql_url, params={"query": LABEL}, headers={"Origin": "https://elsewhere.example"})
    assert bindings(other) == [{"label": ZAMBIA_LABEL}]
    assert "access-control-allow-origin" not in other.headers


def test_cors_preflight_for_a_post_with_a_token(client: httpx.Client, server: RunningServer) -> None:
    response = client.options(
        server.sparql_url,
        headers={
            "Origin": "https://anywhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "OK"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


# --- compression -------------------------------------------------------------------------


def test_gzip_on_a_large_result(client: httpx.Client, server: RunningServer) -> None:
    total = int(
        bindings(client.get(server.sparql_url, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}))[0]["n"]
    )
    response = client.get(server.sparql_url, params={"query": EVERYTHING}, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert response.headers["content-encoding"] == "gzip"
    assert "x-result-truncated" not in response.headers
    assert response.num_bytes_downloaded < len(response.content) / 3
    assert len(json.loads(response.content)["results"]["bindings"]) == total


def test_no_gzip_unless_asked(client: httpx.Client, server: RunningServer) -> None:
    response = client.get(
        server.sparql_url, params={"query": EVERYTHING + " LIMIT 500"}, headers={"Accept-Encoding": "identity"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    assert "content-encoding" not in response.headers
    assert len(response.json()["results"]["bindings"]) == 500


# --- probes and the OpenAPI document -----------------------------------------------------


def test_health_and_ready(client: httpx.Client, server: RunningServer) -> None:
    health = client.get(f"{server.base_url}/health")
    assert health.status_code == 200
    assert health.headers["content-type"] == "application/json"
    assert health.json() == {"status": "ok"}
    ready = client.get(f"{server.base_url}/ready")
    assert ready.status_code == 200
    assert ready.headers["content-type"] == "application/json"
    assert ready.json() == {"status": "ready"}


def test_openapi_lists_the_sparql_routes_and_parameters(client: httpx.Client, server: RunningServer) -> None:
    response = client.get(f"{server.base_url}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    sparql = document["paths"]["/sparql"]
    assert set(sparql) == {"get", "post"}
    get_parameters = {p["name"] for p in sparql["get"]["parameters"]}
    assert get_parameters == {"query", "default-graph-uri", "named-graph-uri", "infer", "format"}
    post_parameters = {p["name"] for p in sparql["post"]["parameters"]}
    assert post_parameters == {"default-graph-uri", "named-graph-uri", "infer", "format"}
    bodies = sparql["post"]["requestBody"]["content"]
    assert set(bodies) == {"application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded"}
    form = bodies["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert {
        "query",
        "update",
        "default-graph-uri",
        "named-graph-uri",
        "using-graph-uri",
        "using-named-graph-uri",
    } <= set(form)
    for method in ("get", "post"):
        responses = sparql[method]["responses"]
        assert {"200", "400", "406", "503"} <= set(responses)
        assert "application/sparql-results+json" in responses["200"]["content"]
        assert "text/turtle" in responses["200"]["content"]
    assert set(document["paths"]["/update"]) == {"post"}
    assert {"/health", "/ready", "/.well-known/void", "/dumps/{name}"} <= set(document["paths"])


def test_docs_page(client: httpx.Client, server: RunningServer) -> None:
    response = client.get(f"{server.base_url}/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "swagger-ui" in response.text
    assert "/openapi.json" in response.text

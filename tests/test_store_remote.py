"""The remote store backend against a real Oxigraph server on 127.0.0.1.

- `migcoop build` with the remote backend puts every graph in the server, the same
  triples as the embedded store holds;
- our endpoint answers every competency question the same on both backends, to the byte;
- an update goes through the same SHACL gate: a conforming one lands in the server with
  its inferences, a non-conforming one is a 422 and leaves the server as it was;
- the row cap and the timeout are ours with either backend, and a store server that does
  not answer is a short 503.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from app.store import OxigraphStore, sorted_ntriples
from tests.conftest import (
    RunningServer,
    StoreServer,
    free_port,
    start_remote_server,
    stop_server,
)
from tests.endpoint import (
    AUTH,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_UPDATES,
    JSON,
    NEW_ACTION,
    SPARQL_UPDATE,
    TOKEN,
    assert_plain_error,
    bindings,
    insert_action,
    remote_backend,
    store_state,
)

QUERIES_DIR = PROJECT_ROOT / "queries"
COMPETENCY = sorted(QUERIES_DIR.glob("cq*.rq"))
SOLUTION_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
WESTERN_AFRICA = "https://w3id.org/migcoop/id/m49/011"
INSERT_ACTION = insert_action("Senegal: test action inserted through the remote backend")
# The shapes allow an initiative one period only.
SECOND_PERIOD = """
INSERT DATA {
  <action/mieux/zambia> mc:period <action/mieux/zambia/second-period> .
  <action/mieux/zambia/second-period> a time:ProperInterval ;
      rdfs:label "A second period"@en ;
      time:hasBeginning <time/2012-01> .
}
"""
# A cross product of the whole graph with itself, three times: far longer than any timeout.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=120) as http:
        yield http


def query_body(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))


# --- the build writes every graph to the server ----------------------------------------


def test_build_writes_every_graph_to_the_server(store: OxigraphStore, oxigraph_store: StoreServer) -> None:
    remote = oxigraph_store.remote_store()
    try:
        assert remote.graph_names() == store.graph_names()
        for name in [None, *store.graph_names()]:
            assert remote.count(name) == store.count(name), name
            assert sorted_ntriples(remote.read_graph(name)) == sorted_ntriples(store.read_graph(name)), name
    finally:
        remote.close()


def test_the_server_itself_holds_the_graphs(
    client: httpx.Client, store: OxigraphStore, oxigraph_store: StoreServer
) -> None:
    """Asked directly (not through our service): its own SPARQL endpoint counts what the embedded store holds."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    response = client.post(
        oxigraph_store.query_url, data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    counts = {row["g"]["value"]: int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}
    assert counts == {name: store.count(name) for name in store.graph_names()}


# --- the same answers on both backends ---------------------------------------------------


def without_blank_labels(text: str) -> str:
    return re.sub(r"_:[A-Za-z0-9]+|\"type\": \"bnode\", \"value\": \"[^\"]*\"", "_:b", text)


def joined_values_sorted(response: httpx.Response, separators: list[str]) -> list[dict[str, str]]:
    """SPARQL JSON rows with each GROUP_CONCAT value's pieces sorted (the engine picks their order)."""
    rows = []
    for row in bindings(response):
        for name, value in row.items():
            for separator in separators:
                value = separator.join(sorted(value.split(separator)))
            row[name] = value
        rows.append(row)
    return rows


@pytest.mark.parametrize("path", COMPETENCY, ids=[path.stem for path in COMPETENCY])
def test_competency_question_answers_the_same_on_both_backends(
    client: httpx.Client, server: RunningServer, remote_server: RunningServer, path: Path
) -> None:
    """The same bytes in every format; for GROUP_CONCAT, whose order varies from one run to the next
    on either backend, the same rows once the joined pieces are sorted."""
    query = query_body(path)
    separators = re.findall(r'separator\s*=\s*"([^"]*)"', query, re.IGNORECASE)
    for media_type in SOLUTION_TYPES:
        embedded = client.get(server.sparql_url, params={"query": query}, headers={"Accept": media_type})
        remote = client.get(remote_server.sparql_url, params={"query": query}, headers={"Accept": media_type})
        assert embedded.status_code == remote.status_code == 200, (remote.status_code, remote.text[:300])
        assert embedded.headers["content-type"] == remote.headers["content-type"]
        assert embedded.headers.get("x-result-truncated") == remote.headers.get("x-result-truncated")
        if separators:
            assert len(remote.text.splitlines()) == len(embedded.text.splitlines()), media_type
        else:
            assert without_blank_labels(remote.text) == without_blank_labels(embedded.text), media_type
    embedded_rows = client.get(server.sparql_url, params={"query": query})
    remote_rows = client.get(remote_server.sparql_url, params={"query": query})
    assert joined_values_sorted(remote_rows, separators) == joined_values_sorted(embedded_rows, separators)
    assert bindings(remote_rows), "every question has an answer"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("CONSTRUCT WHERE { <action/mieux/zambia> ?p ?o }", "text/turtle"),
        ("DESCRIBE <action/mieux/zambia>", "application/n-triples"),
        ("ASK { <action/mieux/zambia> mc:involvesArea <m49/014> }", "text/csv"),
    ],
    ids=["construct", "describe", "ask"],
)
def test_graph_and_boolean_answers_are_the_same_on_both_backends(
    client: httpx.Client, server: RunningServer, remote_server: RunningServer, query: str, accept: str
) -> None:
    embedded = client.get(server.sparql_url, params={"query": query}, headers={"Accept": accept})
    remote = client.get(remote_server.sparql_url, params={"query": query}, headers={"Accept": accept})
    assert embedded.status_code == remote.status_code == 200
    assert embedded.headers["content-type"] == remote.headers["content-type"]
    assert remote.content == embedded.content


def test_resource_page_is_the_same_on_both_backends(
    client: httpx.Client, server: RunningServer, remote_server: RunningServer
) -> None:
    path = "/id/action/mieux/zambia"
    headers = {"Accept": "application/n-triples"}
    embedded = client.get(server.base_url + path, headers=headers, follow_redirects=True)
    remote = client.get(remote_server.base_url + path, headers=headers, follow_redirects=True)
    assert embedded.status_code == remote.status_code == 200
    remote_text = without_blank_labels(remote.text.replace(remote_server.base_url, "BASE"))
    embedded_text = without_blank_labels(embedded.text.replace(server.base_url, "BASE"))
    assert sorted(remote_text.splitlines()) == sorted(embedded_text.splitlines())


# --- limits: ours, whichever store answers ----------------------------------------------


@pytest.fixture(scope="module")
def limited(oxigraph_store: StoreServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A remote-backend server with a small row cap and a short timeout, on the session's Oxigraph server."""
    root = tmp_path_factory.mktemp("remote-limited")
    (root / "dumps").mkdir()
    running = start_remote_server(oxigraph_store, root, max_result_rows="5", query_timeout_seconds="2")
    yield running
    stop_server(running)


@pytest.mark.parametrize("media_type", SOLUTION_TYPES)
def test_row_cap_applies_to_the_remote_answer(client: httpx.Client, limited: RunningServer, media_type: str) -> None:
    response = client.get(
        limited.sparql_url, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": media_type}
    )
    assert response.status_code == 200
    assert response.headers["x-result-truncated"] == "true"
    assert response.headers["x-result-row-limit"] == "5"
    if media_type == "application/sparql-results+json":
        assert len(response.json()["results"]["bindings"]) == 5
    elif media_type in ("text/csv", "text/tab-separated-values"):
        assert len(response.text.strip().splitlines()) == 1 + 5


def test_row_cap_applies_to_a_remote_graph_answer(client: httpx.Client, limited: RunningServer) -> None:
    response = client.get(
        limited.sparql_url,
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200
    assert response.headers["x-result-truncated"] == "true"
    assert len(response.text.strip().splitlines()) == 5


def test_timeout_is_a_503_and_the_service_goes_on(client: httpx.Client, limited: RunningServer) -> None:
    started = time.monotonic()
    response = client.get(limited.sparql_url, params={"query": RUNAWAY})
    assert_plain_error(response, 503, "Query timed out after 2 s")
    assert time.monotonic() - started < 10
    assert bindings(client.get(limited.sparql_url, params={"query": "SELECT (1 AS ?one) WHERE {}"})) == [{"one": "1"}]


def test_syntax_error_reads_the_same_on_both_backends(
    client: httpx.Client, server: RunningServer, remote_server: RunningServer
) -> None:
    query = "SELECT * WHERE {\n  ?s ?p \n"
    embedded = client.get(server.sparql_url, params={"query": query})
    remote = client.get(remote_server.sparql_url, params={"query": query})
    assert_plain_error(remote, 400, "Malformed query")
    assert remote.text == embedded.text
    ask = client.get(remote_server.sparql_url, params={"query": "ASK { ?s ?p }"})
    assert ask.text == client.get(server.sparql_url, params={"query": "ASK { ?s ?p }"}).text


def test_store_server_that_does_not_answer_is_a_503(client: httpx.Client, tmp_path: Path) -> None:
    """Our service starts without its store server (say, before it in a compose file): not ready, and a 503."""
    port = free_port()  # nothing listens there
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        "MIGCOOP_STORE_BACKEND": "remote",
        "MIGCOOP_REMOTE_QUERY_URL": f"{dead}/query",
        "MIGCOOP_REMOTE_UPDATE_URL": f"{dead}/update",
        "MIGCOOP_REMOTE_STORE_URL": f"{dead}/store",
        "MIGCOOP_STORE_PATH": str(tmp_path / "none"),
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if client.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert client.get(f"{base}/ready").status_code == 503
        response = client.get(f"{base}/sparql", params={"query": "ASK {}"})
        assert_plain_error(response, 503, "store server", "cannot be reached")
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- updates through the same gate --------------------------------------------------------


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, StoreServer]]:
    """A writable remote-backend server and the Oxigraph server it writes to."""
    with remote_backend(tmp_path_factory.mktemp("remote-writable"), write_token=TOKEN) as pair:
        yield pair


def server_counts(client: httpx.Client, store_server: StoreServer) -> dict[str, int]:
    """Triples per graph as the store server itself counts them ("" for the default graph)."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g"
    response = client.post(
        store_server.query_url, data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200
    return {row.get("g", {}).get("value", ""): int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}


def server_graph(client: httpx.Client, store_server: StoreServer, graph: str) -> list[str]:
    """A graph read from the store server by the Graph Store Protocol, as sorted N-Triples lines."""
    response = client.get(store_server.store_url, params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    return sorted(response.text.splitlines())


def test_conforming_update_lands_in_the_server_with_its_inferences(
    client: httpx.Client, writable: tuple[RunningServer, StoreServer]
) -> None:
    running, store_server = writable
    before = server_counts(client, store_server)
    response = client.post(running.sparql_url, content=INSERT_ACTION.encode(), headers={**SPARQL_UPDATE, **AUTH})
    assert response.status_code == 200, response.text
    assert response.text.startswith("Update applied: 7 triple(s) inserted, 0 deleted;")

    after = server_counts(client, store_server)
    assert after[GRAPH_UPDATES] == 7
    assert after[GRAPH_ASSERTED] == before[GRAPH_ASSERTED] + 7
    assert after[GRAPH_INFERRED] > before[GRAPH_INFERRED]
    assert after[""] == after[GRAPH_ASSERTED] + after[GRAPH_INFERRED]  # the default graph: their union
    for graph, count in before.items():
        if graph not in ("", GRAPH_ASSERTED, GRAPH_INFERRED):
            assert after[graph] == count, graph

    # What the reasoner derived is in the server's inferred graph, and our endpoint answers with it.
    inferred = f"<{NEW_ACTION}> <https://w3id.org/migcoop/ontology#involvesArea> <{WESTERN_AFRICA}> ."
    assert inferred in server_graph(client, store_server, GRAPH_INFERRED)
    involves = "ASK { <action/mieux/senegal-test> mc:involvesArea <m49/011> }"
    for infer, expected in (("true", True), ("false", False)):
        answer = client.get(running.sparql_url, params={"query": involves, "infer": infer})
        assert answer.headers["content-type"] == JSON
        assert answer.json()["boolean"] is expected


@pytest.mark.parametrize("update", [SECOND_PERIOD, "INSERT DATA { <a> <b> "], ids=["nonconforming", "malformed"])
def test_rejected_update_leaves_the_server_unchanged(
    client: httpx.Client, writable: tuple[RunningServer, StoreServer], update: str
) -> None:
    running, store_server = writable
    counts = server_counts(client, store_server)
    asserted = server_graph(client, store_server, GRAPH_ASSERTED)
    state = store_state(client, running.sparql_url)
    response = client.post(running.sparql_url, content=update.encode(), headers={**SPARQL_UPDATE, **AUTH})
    if update is SECOND_PERIOD:
        assert_plain_error(response, 422, "Update rejected", "An initiative has at most one period")
    else:
        assert_plain_error(response, 400, "Malformed update")
    assert server_counts(client, store_server) == counts
    assert server_graph(client, store_server, GRAPH_ASSERTED) == asserted
    assert store_state(client, running.sparql_url) == state

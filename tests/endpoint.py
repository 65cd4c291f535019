"""Shared helpers for the tests that talk to a real running endpoint over HTTP.

Facts about the data used across those tests, the exact Content-Types the
endpoint answers with, and two tools for the update tests: a writable server on
its own copy of the session's store, and a full snapshot of what the endpoint
serves (to prove that a rejected update changed nothing).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import (
    Built,
    RunningServer,
    StoreServer,
    build_into,
    start_oxigraph,
    start_remote_server,
    start_server,
    stop_process,
    stop_server,
)

ID = "https://w3id.org/migcoop/id/"
MC = "https://w3id.org/migcoop/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ZAMBIA = ID + "action/mieux/zambia"
ZAMBIA_LABEL = "Zambia: Trafficking in Human Beings"
ZMB = ID + "country/ZMB"
EASTERN_AFRICA = ID + "m49/014"  # inferred for the Zambia action, never asserted
WESTERN_AFRICA = ID + "m49/011"
GRAPH = ID + "graph/"
GRAPH_ASSERTED = GRAPH + "asserted"
GRAPH_INFERRED = GRAPH + "inferred"
GRAPH_REFERENCE = GRAPH + "reference"
GRAPH_CURATION = GRAPH + "curation"
GRAPH_SOURCE_004 = GRAPH + "source/004"
GRAPH_UPDATES = GRAPH + "updates"

JSON = "application/sparql-results+json; charset=utf-8"
XML = "application/sparql-results+xml; charset=utf-8"
CSV = "text/csv; charset=utf-8"
TSV = "text/tab-separated-values; charset=utf-8"
TURTLE = "text/turtle; charset=utf-8"
NTRIPLES = "application/n-triples; charset=utf-8"
RDF_XML = "application/rdf+xml; charset=utf-8"
JSON_LD = "application/ld+json; charset=utf-8"
TRIG = "application/trig; charset=utf-8"
NQUADS = "application/n-quads; charset=utf-8"
PLAIN = "text/plain; charset=utf-8"

TOKEN = "secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SPARQL_QUERY = {"Content-Type": "application/sparql-query"}
SPARQL_UPDATE = {"Content-Type": "application/sparql-update"}


def assert_plain_error(response: httpx.Response, status: int, *fragments: str) -> str:
    """An error answer: the exact status, a short plain-text body, and the words that explain it."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == PLAIN
    body = response.text
    assert 0 < len(body) < 500, body
    assert "Traceback" not in body
    for fragment in fragments:
        assert fragment in body, (fragment, body)
    return body


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    """SPARQL JSON results as rows of variable -> value."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == JSON
    rows = response.json()["results"]["bindings"]
    return [{name: term["value"] for name, term in row.items()} for row in rows]


def ask(client: httpx.Client, url: str, query: str, **params: str | list[str]) -> bool:
    response = client.get(url, params={"query": query, **params}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == JSON
    return response.json()["boolean"]


# The asserted and inferred graphs hold every triple of the dataset: the default graph is their
# union and the other named graphs split the asserted one by origin (their sizes are counted apart).
DERIVED_QUADS = """
SELECT ?g ?s ?p ?o WHERE {
    VALUES ?g { <https://w3id.org/migcoop/id/graph/asserted> <https://w3id.org/migcoop/id/graph/inferred> }
    GRAPH ?g { ?s ?p ?o }
}
"""
COUNT_PER_GRAPH = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""


def graph_counts(client: httpx.Client, url: str) -> dict[str, int]:
    """Triples per named graph, and in the default graph (under the key "")."""
    counts = {row["g"]: int(row["n"]) for row in bindings(client.get(url, params={"query": COUNT_PER_GRAPH}))}
    default = bindings(client.get(url, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}))
    counts[""] = int(default[0]["n"])
    return counts


def store_state(client: httpx.Client, url: str) -> tuple[dict[str, int], list[str]]:
    """What the endpoint serves: triples per graph, and every quad of the asserted and inferred graphs, sorted."""
    counts = graph_counts(client, url)
    response = client.get(url, params={"query": DERIVED_QUADS}, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200
    assert response.headers["content-type"] == TSV
    assert "X-Result-Truncated" not in response.headers
    lines = response.text.splitlines()
    assert lines[0] == "?g\t?s\t?p\t?o"
    return counts, sorted(lines[1:])


def start_writable_server(built: Built, root: Path, **settings: str) -> RunningServer:
    """Start a server with a write token on its own copy of the built store (and its own dumps directory).

    The copy matters: an update rewrites the store, and the dumps directory defaults to the project's var/.
    """
    store = root / "store"
    shutil.copytree(built.store_path, store)
    return start_server(store, root / "server.log", write_token=TOKEN, dumps_path=str(root / "dumps"), **settings)


@contextmanager
def writable_server(built: Built, root: Path, **settings: str) -> Iterator[RunningServer]:
    """A writable server (see start_writable_server) for the duration of a `with` block."""
    running = start_writable_server(built, root, **settings)
    try:
        yield running
    finally:
        stop_server(running)


@contextmanager
def remote_backend(root: Path, **settings: str) -> Iterator[tuple[RunningServer, StoreServer]]:
    """Our server with the remote backend on its own Oxigraph server, built into, for a `with` block."""
    store_server = start_oxigraph(root / "oxigraph", root / "oxigraph.log")
    try:
        build_into(store_server, root)
        running = start_remote_server(store_server, root, **settings)
        try:
            yield running, store_server
        finally:
            stop_server(running)
    finally:
        stop_process(store_server.process)


@contextmanager
def writable_remote_server(root: Path, **settings: str) -> Iterator[RunningServer]:
    """A writable server with the remote backend (see remote_backend) for the duration of a `with` block."""
    with remote_backend(root, write_token=TOKEN, **settings) as (running, _store_server):
        yield running


NEW_ACTION = "https://w3id.org/migcoop/id/action/mieux/senegal-test"


def insert_action(label: str) -> str:
    """An update inserting NEW_ACTION with the fields the shapes require (default prefixes and base IRI)."""
    return f"""
INSERT DATA {{
  <action/mieux/senegal-test> a mc:TechnicalAssistanceAction ;
      rdfs:label "{label}"@en ;
      mc:partOfProgramme <programme/mieux> ;
      mc:partnerCountry <country/SEN> ;
      mc:thematicArea <theme/labour-migration> ;
      mc:activityStatus <code/iati/ActivityStatus/2> ;
      prov:wasDerivedFrom <source/004> .
}}
"""

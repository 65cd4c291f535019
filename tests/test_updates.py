"""SPARQL Update through the real server: the write token, the SHACL gate, reasoning, and
the guarantee that a rejected update changes nothing.

Writes go to a server on this module's own copy of the session's store (an update
rewrites the store), and again to a server with the remote backend on its own Oxigraph
server; the no-token case uses the session's read-only server.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from app.namespaces import PREFIXES
from app.reason_fast import FastReasoner
from app.reason_fast import reason as fast_reason
from app.store import BuildGraphs, OxigraphStore
from app.update import (
    Graphs,
    IncrementalReasoner,
    UpdateRejected,
    asserted_delta,
    read_asserted_graphs,
    run_update,
)
from app.validate import load_shapes
from tests.conftest import ONTOLOGY_DIR, Built, RunningServer
from tests.endpoint import (
    AUTH,
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_REFERENCE,
    GRAPH_UPDATES,
    ID,
    NEW_ACTION,
    PLAIN,
    RDFS_LABEL,
    SPARQL_UPDATE,
    TOKEN,
    WESTERN_AFRICA,
    ZAMBIA,
    ask,
    assert_plain_error,
    bindings,
    graph_counts,
    insert_action,
    store_state,
    writable_remote_server,
    writable_server,
)

ALLOWED_REMOTE = "http://127.0.0.1:9/allowed/"
SENEGAL = "https://w3id.org/migcoop/id/country/SEN"

# A new action with the fields the shapes require; written with the default prefixes and base IRI.
INSERT_ACTION = insert_action("Senegal: test action inserted by the update tests")
INSERTED_TRIPLES = 7
# What the token tests try to write; it must never appear.
PROBE = 'INSERT DATA { <action/mieux/zambia> rdfs:comment "written without a valid token"@en }'
PROBE_WRITTEN = 'ASK { ?s rdfs:comment "written without a valid token"@en }'

SECOND_PERIOD = """
INSERT DATA {
  <action/mieux/zambia> mc:period <action/mieux/zambia/second-period> .
  <action/mieux/zambia/second-period> a time:ProperInterval ;
      rdfs:label "A second period"@en ;
      time:hasBeginning <time/2012-01> .
}
"""
PARTICIPATION_WITHOUT_AGENT = """
INSERT DATA {
  <action/mieux/zambia> mc:hasParticipation <action/mieux/zambia/participation/no-agent> .
  <action/mieux/zambia/participation/no-agent> a mc:Participation ;
      rdfs:label "A participation that names no organisation"@en ;
      mc:role <role/beneficiary-institution> ;
      prov:wasDerivedFrom <source/004> .
}
"""


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=120) as http:
        yield http


@pytest.fixture(scope="module", params=["embedded", "remote"])
def writable(
    request: pytest.FixtureRequest, built: Built, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A writable server on each store backend in turn: a copy of the embedded store, then its own Oxigraph server."""
    root = tmp_path_factory.mktemp(f"updates-{request.param}")
    allowed = f'["{ALLOWED_REMOTE}"]'
    if request.param == "embedded":
        context = writable_server(built, root, allowed_remote_urls=allowed)
    else:
        context = writable_remote_server(root, allowed_remote_urls=allowed)
    with context as running:
        yield running


def post_update(
    client: httpx.Client, server: RunningServer, update: str, headers: dict | None = None
) -> httpx.Response:
    return client.post(server.sparql_url, content=update.encode(), headers={**SPARQL_UPDATE, **(headers or AUTH)})


# --- the write token ------------------------------------------------------------------


def test_no_token_configured_is_403(client: httpx.Client, server: RunningServer) -> None:
    response = post_update(client, server, PROBE)
    assert_plain_error(response, 403, "SPARQL Update is disabled", "no write token is configured")
    assert ask(client, server.sparql_url, PROBE_WRITTEN) is False


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Token {TOKEN}"}], ids=["no-header", "unknown-scheme"])
def test_missing_token_is_401_with_www_authenticate(
    client: httpx.Client, writable: RunningServer, headers: dict
) -> None:
    response = client.post(writable.sparql_url, content=PROBE.encode(), headers={**SPARQL_UPDATE, **headers})
    assert_plain_error(response, 401, "needs the write token", "Authorization: Bearer")
    assert response.headers["www-authenticate"] == 'Bearer realm="migcoop"'
    assert ask(client, writable.sparql_url, PROBE_WRITTEN) is False


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-the-token",
        "Bearer",
        "Basic " + base64.b64encode(b"user:not-the-token").decode(),
        f"Bearer {TOKEN}x",
    ],
)
def test_wrong_token_is_403(client: httpx.Client, writable: RunningServer, authorization: str) -> None:
    response = post_update(client, writable, PROBE, {"Authorization": authorization})
    assert_plain_error(response, 403, "The write token is not valid.")
    assert ask(client, writable.sparql_url, PROBE_WRITTEN) is False


def test_token_is_checked_on_the_update_route_too(client: httpx.Client, writable: RunningServer) -> None:
    response = client.post(f"{writable.base_url}/update", data={"update": PROBE})
    assert_plain_error(response, 401, "needs the write token")
    response = client.post(
        f"{writable.base_url}/update", data={"update": PROBE}, headers={"Authorization": "Bearer no"}
    )
    assert_plain_error(response, 403, "The write token is not valid.")
    assert ask(client, writable.sparql_url, PROBE_WRITTEN) is False


def test_basic_auth_password_is_accepted_as_the_token(client: httpx.Client, writable: RunningServer) -> None:
    # A malformed update: getting to the parser (400) shows the token was accepted, without writing.
    basic = {"Authorization": "Basic " + base64.b64encode(f"anyone:{TOKEN}".encode()).decode()}
    assert_plain_error(post_update(client, writable, "INSERT DATA {", basic), 400, "Malformed update")


# --- a conforming update ------------------------------------------------------------------


def ground_lines(lines: list[str]) -> list[str]:
    """Quads without blank nodes (a rewritten store relabels its blank nodes)."""
    return [line for line in lines if "\t_:" not in line]


def test_conforming_update_is_applied_with_its_inferences(client: httpx.Client, writable: RunningServer) -> None:
    url = writable.sparql_url
    counts_before, quads_before = store_state(client, url)

    response = post_update(client, writable, INSERT_ACTION)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PLAIN
    asserted_now = counts_before[GRAPH_ASSERTED] + INSERTED_TRIPLES
    assert response.text.startswith(
        f"Update applied: {INSERTED_TRIPLES} triple(s) inserted, 0 deleted; {asserted_now} asserted and "
    )

    # The next query sees the new facts, in the graph for updates ...
    rows = bindings(
        client.get(
            url, params={"query": f"SELECT ?p ?o WHERE {{ GRAPH <{GRAPH_UPDATES}> {{ <{NEW_ACTION}> ?p ?o }} }}"}
        )
    )
    assert len(rows) == INSERTED_TRIPLES
    assert {"p": "https://w3id.org/migcoop/ontology#partnerCountry", "o": SENEGAL} in rows
    # ... and what the reasoner derives from them: Senegal lies in Western Africa.
    involves = "ASK { <action/mieux/senegal-test> mc:involvesArea <m49/011> }"
    assert ask(client, url, involves) is True
    assert ask(client, url, involves, infer="false") is False
    in_inferred = f"ASK {{ GRAPH <{GRAPH_INFERRED}> {{ <{NEW_ACTION}> mc:involvesArea <{WESTERN_AFRICA}> }} }}"
    assert ask(client, url, in_inferred) is True
    assert ask(client, url, "ASK { <country/SEN> mc:partnerCountryOf <action/mieux/senegal-test> }") is True
    assert ask(client, url, "ASK { <action/mieux/senegal-test> a mc:Action }") is True

    # Nothing else changed: the asserted graph gained exactly the inserted triples.
    counts_after, quads_after = store_state(client, url)
    assert counts_after[GRAPH_ASSERTED] == asserted_now
    assert counts_after[GRAPH_UPDATES] == INSERTED_TRIPLES
    for graph, count in counts_before.items():
        if graph not in ("", GRAPH_ASSERTED, GRAPH_INFERRED):
            assert counts_after[graph] == count, graph
    asserted_before = [q for q in ground_lines(quads_before) if q.startswith(f"<{GRAPH_ASSERTED}>\t")]
    asserted_after = [q for q in ground_lines(quads_after) if q.startswith(f"<{GRAPH_ASSERTED}>\t")]
    added = sorted(set(asserted_after) - set(asserted_before))
    assert set(asserted_before) <= set(asserted_after)
    assert len(added) == INSERTED_TRIPLES
    assert all(line.startswith(f"<{GRAPH_ASSERTED}>\t<{NEW_ACTION}>\t") for line in added)

    # The dump is rewritten with the new facts.
    dump = client.get(f"{writable.base_url}/dumps/migcoop-asserted.nt")
    assert dump.status_code == 200
    assert dump.headers["content-type"] == "application/n-triples; charset=utf-8"
    graph = Graph().parse(data=dump.content, format="nt")
    assert (URIRef(NEW_ACTION), URIRef("https://w3id.org/migcoop/ontology#partnerCountry"), URIRef(SENEGAL)) in graph
    assert len(graph) == asserted_now


def test_service_description_announces_updates(client: httpx.Client, writable: RunningServer) -> None:
    response = client.get(writable.sparql_url, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/n-triples; charset=utf-8"
    assert "<http://www.w3.org/ns/sparql-service-description#SPARQL11Update>" in response.text


# --- rejected updates change nothing --------------------------------------------------


@pytest.mark.parametrize(
    ("update", "focus", "path", "message"),
    [
        (SECOND_PERIOD, ZAMBIA, "https://w3id.org/migcoop/ontology#period", "An initiative has at most one period"),
        (
            PARTICIPATION_WITHOUT_AGENT,
            ZAMBIA + "/participation/no-agent",
            "https://w3id.org/migcoop/ontology#agent",
            "A participation names exactly one organisation",
        ),
    ],
    ids=["two-periods", "participation-without-agent"],
)
def test_nonconforming_update_is_422_and_changes_nothing(
    client: httpx.Client, writable: RunningServer, update: str, focus: str, path: str, message: str
) -> None:
    before = store_state(client, writable.sparql_url)
    response = post_update(client, writable, update)
    body = assert_plain_error(response, 422, "Update rejected", "would not conform to the shapes")
    lines = body.splitlines()
    assert len(lines) == 2, body  # the summary and one violation
    assert lines[1].startswith(f"- <{focus}>: path <{path}>")
    assert message in lines[1]
    assert store_state(client, writable.sparql_url) == before


def test_malformed_update_is_400_and_changes_nothing(client: httpx.Client, writable: RunningServer) -> None:
    before = store_state(client, writable.sparql_url)
    response = client.post(f"{writable.base_url}/update", data={"update": "INSERT DATA { <a> <b> "}, headers=AUTH)
    body = assert_plain_error(response, 400, "Malformed update", "error at 1:")
    assert "\n" not in body.rstrip("\n")
    assert store_state(client, writable.sparql_url) == before


def test_load_is_refused_unless_allowed(client: httpx.Client, writable: RunningServer) -> None:
    before = graph_counts(client, writable.sparql_url)
    response = post_update(client, writable, "LOAD <http://127.0.0.1:9/x>")
    assert_plain_error(response, 403, "LOAD <http://127.0.0.1:9/x> is not allowed", "MIGCOOP_ALLOWED_REMOTE_URLS")
    response = post_update(client, writable, "LOAD SILENT <http://127.0.0.1:9/x> INTO GRAPH <graph/updates>")
    assert_plain_error(response, 403, "LOAD <http://127.0.0.1:9/x> is not allowed")
    # An allowed prefix passes the screen; the fetch itself then fails and the update is refused.
    response = post_update(client, writable, f"LOAD <{ALLOWED_REMOTE}data.ttl>")
    assert_plain_error(response, 400, "The update could not be applied")
    assert graph_counts(client, writable.sparql_url) == before


@pytest.mark.parametrize("graph", [GRAPH_INFERRED, GRAPH_ASSERTED])
def test_writing_a_derived_graph_is_400(client: httpx.Client, writable: RunningServer, graph: str) -> None:
    before = graph_counts(client, writable.sparql_url)
    update = f'INSERT DATA {{ GRAPH <{graph}> {{ <action/mieux/zambia> rdfs:comment "no"@en }} }}'
    assert_plain_error(post_update(client, writable, update), 400, f"Graph <{graph}> is derived by the build")
    assert graph_counts(client, writable.sparql_url) == before


def test_using_graph_uri_is_400(client: httpx.Client, writable: RunningServer) -> None:
    response = client.post(
        writable.sparql_url,
        params={"using-graph-uri": GRAPH_ASSERTED},
        content=INSERT_ACTION.encode(),
        headers={**SPARQL_UPDATE, **AUTH},
    )
    assert_plain_error(response, 400, "using-graph-uri and using-named-graph-uri are not supported")


# --- incremental reasoning: the inferred graph stays what a full reasoning gives ---------------

DELETE_ACTION = "DELETE WHERE { <action/mieux/senegal-test> ?p ?o }"
# A schema change (T-box): the fast reasoner recomputes; Zambia's action becomes a TestHighlightedAction.
ADD_SUBCLASS = """
INSERT DATA {
  GRAPH <graph/ontology> {
    mc:TestFlagshipAction a owl:Class ; rdfs:label "Test flagship action"@en ;
        rdfs:subClassOf mc:TestHighlightedAction .
    mc:TestHighlightedAction a owl:Class ; rdfs:label "Test highlighted action"@en .
  }
  <action/mieux/zambia> a mc:TestFlagshipAction .
}
"""
DROP_SUBCLASS = (
    "DELETE DATA { GRAPH <graph/ontology> { mc:TestFlagshipAction rdfs:subClassOf mc:TestHighlightedAction } }"
)
# Removes asserted triples of a source graph that the role-shortcut and inverse rules read.
DROP_PARTICIPATION = """
DELETE { ?x ?p ?o . ?s ?q ?x }
WHERE { VALUES ?x { <action/mieux/zambia/participation/expertise-provider/europol> } { ?x ?p ?o } UNION { ?s ?q ?x } }
"""
# Non-conformant (two periods), and would infer that the Zambia action involves Western Africa.
REJECTED_WITH_INFERENCES = SECOND_PERIOD.replace(
    "<action/mieux/zambia> mc:period", "<action/mieux/zambia> mc:partnerCountry <country/SEN> ; mc:period"
)
HIGHLIGHTED = f"<{ZAMBIA}> a <https://w3id.org/migcoop/ontology#TestHighlightedAction>"
SENEGAL_IN_WESTERN_AFRICA = f"<{NEW_ACTION}> <https://w3id.org/migcoop/ontology#involvesArea> <{WESTERN_AFRICA}>"
ZAMBIA_IN_WESTERN_AFRICA = f"<{ZAMBIA}> <https://w3id.org/migcoop/ontology#involvesArea> <{WESTERN_AFRICA}>"
EUROPOL_PROVIDES = f"<{ZAMBIA}> ?shortcut <https://w3id.org/migcoop/id/org/europol>"


def read_graph(client: httpx.Client, url: str, graph: str) -> Graph:
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = client.get(url, params={"query": query}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, response.text[:500]
    assert "X-Result-Truncated" not in response.headers
    return Graph().parse(data=response.content, format="nt")


def assert_inferred_is_full_reasoning(client: httpx.Client, url: str) -> None:
    """The store's inferred graph is what reasoning from scratch on its asserted graph gives."""
    expected = set(fast_reason(read_graph(client, url, GRAPH_ASSERTED)))
    stored = set(read_graph(client, url, GRAPH_INFERRED))
    assert stored == expected, (len(stored - expected), len(expected - stored))


def in_inferred(client: httpx.Client, url: str, pattern: str) -> bool:
    return ask(client, url, f"ASK {{ GRAPH <{GRAPH_INFERRED}> {{ {pattern} }} }}")


def test_updates_keep_the_inferred_graph_equal_to_full_reasoning(
    client: httpx.Client, built: Built, tmp_path: Path
) -> None:
    with writable_server(built, tmp_path, build_engine="fast") as running:
        url = running.sparql_url
        steps = [
            (INSERT_ACTION, SENEGAL_IN_WESTERN_AFRICA, True),
            (ADD_SUBCLASS, HIGHLIGHTED, True),
            (DROP_PARTICIPATION, EUROPOL_PROVIDES, False),
            (DROP_SUBCLASS, HIGHLIGHTED, False),
            (DELETE_ACTION, SENEGAL_IN_WESTERN_AFRICA, False),
        ]
        assert in_inferred(client, url, EUROPOL_PROVIDES)
        for update, pattern, inferred in steps:
            response = post_update(client, running, update)
            assert response.status_code == 200, response.text
            assert in_inferred(client, url, pattern) is inferred, update
            assert_inferred_is_full_reasoning(client, url)


def test_rejected_update_leaves_incremental_reasoning_correct(
    client: httpx.Client, built: Built, tmp_path: Path
) -> None:
    with writable_server(built, tmp_path, build_engine="fast") as running:
        url = running.sparql_url
        assert post_update(client, running, INSERT_ACTION).status_code == 200  # the reasoner exists now
        assert post_update(client, running, REJECTED_WITH_INFERENCES).status_code == 422
        response = post_update(client, running, DELETE_ACTION)
        assert response.status_code == 200, response.text
        assert not in_inferred(client, url, ZAMBIA_IN_WESTERN_AFRICA)
        assert not in_inferred(client, url, SENEGAL_IN_WESTERN_AFRICA)
        assert_inferred_is_full_reasoning(client, url)


# --- the same at the level of run_update -------------------------------------------------------


class CountingReasoner(FastReasoner):
    built = 0

    def __init__(self, asserted: Graph) -> None:
        CountingReasoner.built += 1
        super().__init__(asserted)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingReasoner]:
    CountingReasoner.built = 0
    monkeypatch.setattr("app.update.FastReasoner", CountingReasoner)
    return CountingReasoner


def updated(graphs: Graphs, update: str, shapes: Graph, incremental: IncrementalReasoner) -> BuildGraphs:
    new, _outcome = run_update(graphs, update, shapes, ID, PREFIXES, incremental.infer)
    assert set(new.inferred) == set(fast_reason(new.asserted_union())), update
    return new


def test_incremental_reasoner_is_advanced_only_from_the_graphs_it_holds(
    store: OxigraphStore, counting: type[CountingReasoner]
) -> None:
    shapes = load_shapes(ONTOLOGY_DIR / "shapes.ttl")
    incremental = IncrementalReasoner()
    start = read_asserted_graphs(store)
    with_action = updated(start, INSERT_ACTION, shapes, incremental).asserted
    with pytest.raises(UpdateRejected):
        run_update(with_action, REJECTED_WITH_INFERENCES, shapes, ID, PREFIXES, incremental.infer)
    with_subclass = updated(with_action, ADD_SUBCLASS, shapes, incremental).asserted
    assert counting.built == 1  # built at the first update, then advanced: the rejection did not touch it
    updated(with_subclass, DELETE_ACTION, shapes, incremental)  # as if this update's store write failed
    assert counting.built == 1
    updated(with_subclass, DROP_PARTICIPATION, shapes, incremental)  # not from the graphs it holds: rebuilt
    assert counting.built == 2


def test_asserted_delta_counts_a_triple_once_across_graphs() -> None:
    triple = (URIRef(ZAMBIA), URIRef(RDFS_LABEL), Literal("x"))
    other = (URIRef(ZAMBIA), URIRef(RDFS_LABEL), Literal("y"))
    kept, old_updates, new_updates = Graph(), Graph(), Graph()
    kept.add(triple)
    old_updates.add(triple)
    new_updates.add(other)
    old = {URIRef(GRAPH_REFERENCE): kept, URIRef(GRAPH_UPDATES): old_updates}
    new = {URIRef(GRAPH_REFERENCE): kept, URIRef(GRAPH_UPDATES): new_updates}
    assert asserted_delta(old, new) == ({other}, set())  # the triple is still stated in the reference graph
    assert asserted_delta(new, {URIRef(GRAPH_REFERENCE): kept}) == (set(), {other})

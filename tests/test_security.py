"""No write without the token, no request to a server configuration does not allow, per-client
limits, security headers, no secret in the logs, and the metrics that count refusals.

Servers: `secure`, writable (a token) on a copy of the small store, allowed to reach one path
of a recording HTTP server on 127.0.0.1 (the stand-in for any address an attacker would aim
the server at); `limited`, with a rate limit of 5 requests a minute and 1 request at a time
per client (clients are told apart by their address: the tests connect from 127.0.0.2,
127.0.0.3, ...); and the session's default server (no token, limits off).
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from app.namespaces import PREFIXES
from app.sparql_protocol import ProtocolError, check_remote_references, remote_target_allowed
from tests.conftest import RunningServer, free_port, start_server, stop_server
from tests.endpoint import AUTH, SPARQL_QUERY, SPARQL_UPDATE, TOKEN, assert_plain_error
from tests.reliability_support import Recorder, copy_store, fingerprint, small_store, store_digest

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PROBE = 'INSERT DATA { <action/mieux/zambia> rdfs:comment "written without a valid token"@en }'
CLOSED_PORT = free_port()  # nothing listens there: an allowed SERVICE to it fails


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    with Recorder() as running:
        yield running


@pytest.fixture(scope="module")
def secure(recorder: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("secure")
    store = copy_store(small_store(), root)
    allowed = f'["{recorder.base}/allowed/", "http://127.0.0.1:{CLOSED_PORT}/allowed/"]'
    running = start_server(
        store,
        root / "server.log",
        write_token=TOKEN,
        dumps_path=str(root / "dumps"),
        allowed_remote_urls=allowed,
        max_query_bytes="65536",
    )
    running.store_path = store  # type: ignore[attr-defined]
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        small_store(),
        tmp_path_factory.mktemp("limited") / "server.log",
        rate_limit_per_minute="5",
        max_concurrent_per_client="1",
        query_timeout_seconds="2",
    )
    yield running
    stop_server(running)


def client_from(address: str, timeout: float = 60) -> httpx.Client:
    """A client whose connections come from another loopback address: another client to the server."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


# --- no write without the token ----------------------------------------------------------


def basic(password: str, user: str = "anyone") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


CREDENTIALS = [
    ("none", {}),
    ("wrong-bearer", {"Authorization": "Bearer not-the-token"}),
    ("empty-bearer", {"Authorization": "Bearer"}),
    ("token-prefix", {"Authorization": f"Bearer {TOKEN[:-1]}"}),
    ("token-and-more", {"Authorization": f"Bearer {TOKEN}x"}),
    ("token-other-case", {"Authorization": f"Bearer {TOKEN.upper()}"}),
    ("basic-wrong-password", {"Authorization": basic("not-the-token")}),
    ("basic-token-as-user", {"Authorization": basic("", user=TOKEN)}),
    ("basic-not-base64", {"Authorization": "Basic !!!"}),
    ("token-in-another-header", {"X-Write-Token": TOKEN, "Token": TOKEN}),
    ("unknown-scheme", {"Authorization": f"Token {TOKEN}"}),
]

# (id, method, path, params, content, headers, allowed statuses)
WRITES = [
    ("sparql-direct", "POST", "/sparql", None, PROBE.encode(), SPARQL_UPDATE, {401, 403}),
    ("sparql-form", "POST", "/sparql", None, f"update={PROBE}".encode(), FORM, {401, 403}),
    ("update-direct", "POST", "/update", None, PROBE.encode(), SPARQL_UPDATE, {401, 403}),
    ("update-form", "POST", "/update", None, f"update={PROBE}".encode(), FORM, {401, 403}),
    ("update-in-url", "POST", "/sparql", {"update": PROBE}, b"", FORM, {401, 403}),
    ("clear-all", "POST", "/update", None, b"CLEAR ALL", SPARQL_UPDATE, {401, 403}),
    ("drop-graph", "POST", "/update", None, b"DROP GRAPH <graph/source/004>", SPARQL_UPDATE, {401, 403}),
    ("load", "POST", "/update", None, b"LOAD <http://127.0.0.1:9/data.ttl>", SPARQL_UPDATE, {401, 403}),
    ("update-by-get", "GET", "/sparql", {"update": PROBE}, None, None, {405}),
    ("update-as-query", "GET", "/sparql", {"query": PROBE}, None, None, {400}),
    ("update-as-query-body", "POST", "/sparql", None, PROBE.encode(), SPARQL_QUERY, {400}),
    # The Graph Store Protocol is not implemented: none of its requests may write.
    ("gsp-put", "PUT", "/sparql", {"graph": "https://w3id.org/migcoop/id/graph/updates"}, b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, {405}),
    ("gsp-post", "POST", "/sparql", {"graph": "https://w3id.org/migcoop/id/graph/updates"}, b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, {415}),
    ("gsp-delete", "DELETE", "/sparql", {"graph": "https://w3id.org/migcoop/id/graph/source/004"}, None, None, {405}),
    ("gsp-put-default", "PUT", "/sparql", {"default": ""}, b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, {405}),
    ("gsp-patch", "PATCH", "/sparql", None, PROBE.encode(), SPARQL_UPDATE, {405}),
    ("store-put", "PUT", "/rdf-graph-store", {"graph": "https://w3id.org/migcoop/id/graph/updates"}, b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, {404, 405}),
    ("store-post", "POST", "/rdf-graph-store", {"default": ""}, b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, {404, 405}),
    ("store-delete", "DELETE", "/store", {"graph": "https://w3id.org/migcoop/id/graph/source/004"}, None, None, {404, 405}),
    ("data-put", "PUT", "/data/graph/updates", None, b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, {404, 405}),
    ("resource-put", "PUT", "/id/action/mieux/zambia", None, b"<a> <b> <c> .", {"Content-Type": "text/turtle"}, {404, 405}),
    ("resource-delete", "DELETE", "/doc/action/mieux/zambia.ttl", None, None, None, {404, 405}),
    ("dump-put", "PUT", "/dumps/migcoop-all.nt", None, b"<a> <b> <c> .", {"Content-Type": "application/n-triples"}, {404, 405}),
    # Saved-query parameters are bound as terms: text that tries to break out is refused.
    ("saved-query-injection", "POST", "/api/queries/actions-by-country", None,
     b'{"country": "https://w3id.org/migcoop/id/country/CPV> } ; INSERT DATA { <a> <b> <c> } #"}',
     {"Content-Type": "application/json"}, {422}),
    ("saved-query-text-injection", "GET", "/api/queries/actions-by-title",
     {"text": '" } INSERT DATA { <a> <b> <c> } SELECT * { "'}, None, None, {200, 422}),
]  # fmt: skip


def write_request(server: RunningServer, case: tuple, credentials: dict[str, str]) -> httpx.Response:
    _id, method, path, params, content, headers, _statuses = case
    return httpx.request(
        method,
        server.base_url + path,
        params=params,
        content=content,
        headers={**(headers or {}), **credentials},
        timeout=60,
    )


@pytest.mark.parametrize("case", WRITES, ids=[case[0] for case in WRITES])
def test_no_write_without_the_token_and_the_store_is_byte_identical(secure: RunningServer, case: tuple) -> None:
    store: Path = secure.store_path  # type: ignore[attr-defined]
    with httpx.Client(timeout=60) as client:
        before = fingerprint(client, secure.sparql_url), store_digest(store)
    for name, credentials in CREDENTIALS:
        response = write_request(secure, case, credentials)
        assert response.status_code in case[6], (name, response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("text/plain"), name
        if response.status_code == 401:
            assert response.headers["www-authenticate"] == 'Bearer realm="migcoop"'
    with httpx.Client(timeout=60) as client:
        after = fingerprint(client, secure.sparql_url), store_digest(store)
    assert after == before


def test_no_write_when_no_token_is_configured(server: RunningServer) -> None:
    with httpx.Client(timeout=60) as client:
        before = fingerprint(client, server.sparql_url)
        for case in WRITES[:8]:
            for credentials in ({}, AUTH):
                response = write_request(server, case, credentials)
                assert_plain_error(response, 403, "SPARQL Update is disabled")
        assert fingerprint(client, server.sparql_url) == before


def test_the_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from app.api import sparql

    calls: list[tuple[bytes, bytes]] = []
    real = sparql.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(sparql.hmac, "compare_digest", spy)
    service = SimpleNamespace(settings=SimpleNamespace(write_token=TOKEN))
    for header, accepted in ((f"Bearer {TOKEN}", True), ("Bearer nope", False), (basic(TOKEN), True)):
        request = SimpleNamespace(headers={"authorization": header})
        if accepted:
            sparql.check_write_access(request, service)  # type: ignore[arg-type]
        else:
            with pytest.raises(ProtocolError):
                sparql.check_write_access(request, service)  # type: ignore[arg-type]
    assert [expected for _given, expected in calls] == [TOKEN.encode()] * 3
    assert "compare_digest" in __import__("inspect").getsource(sparql.check_write_access)


# --- no server-side request forgery ----------------------------------------------------------


def refused_targets(recorder: Recorder) -> list[tuple[str, str]]:
    base, host = recorder.base, f"127.0.0.1:{recorder.port}"
    return [
        ("outside-the-allowed-path", f"SELECT * WHERE {{ SERVICE <{base}/secret> {{ ?s ?p ?o }} }}"),
        ("silent", f"SELECT * WHERE {{ SERVICE SILENT <{base}/secret> {{ ?s ?p ?o }} }}"),
        ("lower-case", f"select * where {{ service <{base}/secret> {{ ?s ?p ?o }} }}"),
        ("variable", f"SELECT * WHERE {{ BIND(<{base}/allowed/x> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"),
        ("prefixed-name", f"PREFIX e: <{base}/allowed/> SELECT * WHERE {{ SERVICE e:x {{ ?s ?p ?o }} }}"),
        ("relative-iri", f"BASE <{base}/allowed/> SELECT * WHERE {{ SERVICE <../secret> {{ ?s ?p ?o }} }}"),
        ("dot-segments", f"SELECT * WHERE {{ SERVICE <{base}/allowed/../secret> {{ ?s ?p ?o }} }}"),
        ("encoded-dots", f"SELECT * WHERE {{ SERVICE <{base}/allowed/%2e%2e/secret> {{ ?s ?p ?o }} }}"),
        ("escaped-dots", "SELECT * WHERE { SERVICE <" + base + "/allowed/\\u002e\\u002e/secret> { ?s ?p ?o } }"),
        ("user-info", f"SELECT * WHERE {{ SERVICE <http://{host}@{host}/allowed/x> {{ ?s ?p ?o }} }}"),
        ("other-port", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{recorder.port + 1}/allowed/x> {{ ?s ?p ?o }} }}"),
        ("localhost-alias", f"SELECT * WHERE {{ SERVICE <http://localhost:{recorder.port}/allowed/x> {{ ?s ?p ?o }} }}"),
        # Texts where a careless reader misses the SERVICE that the parser sees.
        ("nbsp-in-an-iri", f"SELECT * WHERE {{ BIND(<http://a/\u00a0#x> AS ?z) SERVICE <{base}/secret> {{ }} }}"),
        ("escape-in-an-iri", "SELECT * WHERE { BIND(<http://a/\\u0041#x> AS ?z) SERVICE <" + base + "/secret> { } }"),
        ("escaped-hash-in-a-name", f"SELECT * WHERE {{ BIND(mc:a\\#b AS ?z) SERVICE <{base}/secret> {{ }} }}"),
        ("comment-ended-by-cr", f"SELECT * WHERE {{ # a comment\rSERVICE <{base}/secret> {{ }} }}"),
        ("line-separator-in-an-iri", f"SELECT * WHERE {{ BIND(<http://a/\u2028#x> AS ?z) SERVICE <{base}/secret> {{ }} }}"),
        ("in-a-subquery", f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{base}/secret> {{ }} }} }} }}"),
        ("in-exists", f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{base}/secret> {{ }} }} }}"),
    ]  # fmt: skip


def test_every_refused_service_is_403_and_reaches_nothing(secure: RunningServer, recorder: Recorder) -> None:
    before = len(recorder.paths)
    with httpx.Client(timeout=60) as client:
        for name, query in refused_targets(recorder):
            for response in (
                client.get(secure.sparql_url, params={"query": query}),
                client.post(secure.sparql_url, data={"query": query}),
                client.post(secure.sparql_url, content=query.encode(), headers=SPARQL_QUERY),
            ):
                assert response.status_code == 403, (name, response.status_code, response.text[:200])
                assert "is not allowed on this endpoint" in response.text, name
    time.sleep(0.2)
    assert recorder.paths[before:] == []


def test_refused_load_and_service_in_updates_reach_nothing_and_change_nothing(
    secure: RunningServer, recorder: Recorder
) -> None:
    base = recorder.base
    updates = [
        f"LOAD <{base}/secret.ttl>",
        f"LOAD SILENT <{base}/secret.ttl> INTO GRAPH <graph/updates>",
        f"LOAD <{base}/allowed/../secret.ttl>",
        f"load <{base}/allowed/%2E%2E/secret.ttl>",
        f"INSERT {{ <a> <b> ?o }} WHERE {{ SERVICE <{base}/secret> {{ ?s ?p ?o }} }}",
        f"INSERT {{ <a> <b> ?o }} WHERE {{ BIND(<http://a/\u00a0#x> AS ?z) SERVICE <{base}/secret> {{ ?s ?p ?o }} }}",
    ]
    store: Path = secure.store_path  # type: ignore[attr-defined]
    before_paths = len(recorder.paths)
    with httpx.Client(timeout=60) as client:
        before = fingerprint(client, secure.sparql_url), store_digest(store)
        for update in updates:
            response = client.post(
                f"{secure.base_url}/update", content=update.encode(), headers={**SPARQL_UPDATE, **AUTH}
            )
            assert_plain_error(response, 403, "is not allowed on this endpoint")
        after = fingerprint(client, secure.sparql_url), store_digest(store)
    assert after == before
    assert recorder.paths[before_paths:] == []


def test_an_allowed_service_is_reached(secure: RunningServer, recorder: Recorder) -> None:
    before = len(recorder.paths)
    query = f"SELECT * WHERE {{ BIND(1 AS ?x) SERVICE <{recorder.base}/allowed/sparql> {{ ?s ?p ?o }} }}"
    response = httpx.get(secure.sparql_url, params={"query": query}, timeout=60)
    assert response.status_code == 200, response.text
    assert [path.split("?")[0] for path in recorder.paths[before:]] == ["/allowed/sparql"]


def test_an_allowed_service_that_fails_is_502_unless_silent(secure: RunningServer) -> None:
    target = f"http://127.0.0.1:{CLOSED_PORT}/allowed/sparql"
    query = f"SELECT * WHERE {{ BIND(1 AS ?x) SERVICE <{target}> {{ ?s ?p ?o }} }}"
    response = httpx.get(secure.sparql_url, params={"query": query}, timeout=60)
    assert_plain_error(response, 502, "A remote SERVICE failed", "SERVICE SILENT")
    silent = query.replace("SERVICE", "SERVICE SILENT")
    response = httpx.get(secure.sparql_url, params={"query": silent}, timeout=60)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]  # fmt: skip


def test_an_allowed_load_is_reached_and_applied(secure: RunningServer, recorder: Recorder) -> None:
    before = len(recorder.paths)
    response = httpx.post(
        f"{secure.base_url}/update",
        content=f"LOAD <{recorder.base}/allowed/empty.ttl> INTO GRAPH <graph/updates>".encode(),
        headers={**SPARQL_UPDATE, **AUTH},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert "Update applied: 0 triple(s) inserted" in response.text
    assert recorder.paths[before:] == ["/allowed/empty.ttl"]


def test_prefix_matching_is_by_origin_and_path() -> None:
    allowed = ["http://example.org/sparql/", "https://data.example.net"]
    assert remote_target_allowed("http://example.org/sparql/endpoint", allowed)
    assert remote_target_allowed("https://data.example.net/query?x=1", allowed)
    for target in [
        "http://example.org/sparql",  # shorter than the prefix
        "http://example.org/sparql/../admin",
        "http://example.org/sparql/%2e%2e/admin",
        "http://example.org/sparql/..%2fadmin",
        "https://data.example.net.evil.example/",
        "https://data.example.net@evil.example/",
        "https://data.example.net:8443/",
        "http://data.example.net/",
        "ftp://example.org/sparql/x",
        "http://example.org/sparql/\\u002e\\u002e/admin",
        "",
    ]:
        assert not remote_target_allowed(target, allowed), target


# A differential test of the SERVICE screen against the parser itself: Oxigraph runs each
# generated query on an empty store, with the recording server as the SERVICE target. Whenever
# the parser accepted a query and so reached the recorder, the screen must have refused it.
DECOYS = [
    "BIND(<http://a/\u00a0#x> AS ?d1)", "BIND(<http://a/\\u0041#x> AS ?d2)", "BIND(mc:a\\#b AS ?d3)",
    "BIND(mc:a\\'b AS ?d4)", "# a comment\r", "# a comment\n", 'BIND("str#" AS ?d5)', "BIND('''a ' '' #''' AS ?d6)",
    'BIND("a\\"b#" AS ?d7)', "FILTER(1<2)", "BIND(<http://a/\u2028#x> AS ?d8)", "BIND(<http://a/\u0085#x> AS ?d9)",
    "BIND('#' AS ?d10)", "OPTIONAL { ?s <http://a/#p> ?o }", "BIND(mc:a\\.b AS ?d11)", "FILTER(?u<?v || ?w>?t)",
]  # fmt: skip
SEPARATORS = [" ", "\t", "\n", "\r", "\r\n", "\u00a0", "\x0c"]
KEYWORDS = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "SERVICE\tSILENT"]


def test_no_generated_query_reaches_a_server_past_the_screen(recorder: Recorder) -> None:
    store = ox.Store()
    outcomes = {"reached": 0, "refused": 0}

    @settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        before=st.lists(st.sampled_from(DECOYS), max_size=3),
        after=st.lists(st.sampled_from(DECOYS), max_size=2),
        separator=st.sampled_from(SEPARATORS),
        keyword=st.sampled_from(KEYWORDS),
        escaped=st.booleans(),
    )
    def check(before: list[str], after: list[str], separator: str, keyword: str, escaped: bool) -> None:
        marker = f"/probe/{len(recorder.paths)}-{time.monotonic_ns()}"
        target = recorder.base + marker
        if escaped:
            target = target.replace("probe", "\\u0070robe")
        query = "SELECT * WHERE {" + separator.join(["", *before, f"{keyword} <{target}> {{ }}", *after, ""]) + "}"
        try:
            check_remote_references(query, [])
            screened = False
        except ProtocolError:
            screened = True
        outcomes["refused"] += screened
        try:
            result = store.query(query, base_iri="https://w3id.org/migcoop/id/", prefixes=PREFIXES)
            if isinstance(result, ox.QuerySolutions):
                list(result)
        except (SyntaxError, OSError, ValueError):
            pass
        reached = any(path.startswith(marker) for path in recorder.paths)
        if reached:
            outcomes["reached"] += 1
        assert screened or not reached, query

    check()
    assert outcomes["reached"] >= 50, outcomes  # the parser accepted many (and the screen refused them)


# --- per-client limits ----------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(limited: RunningServer) -> None:
    with client_from("127.0.0.2") as client:
        statuses = [client.get(limited.sparql_url, params={"query": "ASK {}"}).status_code for _ in range(5)]
        assert statuses == [200] * 5
        response = client.get(limited.sparql_url, params={"query": "ASK {}"})
        body = assert_plain_error(response, 429, "at most 5 a minute")
        assert 1 <= int(response.headers["retry-after"]) <= 60, body
        # Probes and the metrics are never limited.
        for path in ("/health", "/ready", "/metrics"):
            assert client.get(limited.base_url + path).status_code == 200
    with client_from("127.0.0.3") as other:  # another client has its own allowance
        assert other.get(limited.sparql_url, params={"query": "ASK {}"}).status_code == 200


def test_concurrency_limit_answers_429_while_one_request_runs(limited: RunningServer) -> None:
    slow: dict[str, httpx.Response] = {}

    def run_slow() -> None:
        with client_from("127.0.0.4") as own:
            query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
            slow["response"] = own.get(limited.sparql_url, params={"query": query})

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    with client_from("127.0.0.4") as same:
        response = same.get(limited.sparql_url, params={"query": "ASK {}"})
    assert_plain_error(response, 429, "at most 1 from one client")
    assert response.headers["retry-after"] == "1"
    with client_from("127.0.0.5") as other:
        assert other.get(limited.sparql_url, params={"query": "ASK {}"}).status_code == 200
    thread.join(timeout=60)
    assert_plain_error(slow["response"], 503, "timed out")
    with client_from("127.0.0.4") as same:  # the slot is free again
        assert same.get(limited.sparql_url, params={"query": "ASK {}"}).status_code == 200


def test_limits_are_off_by_default(server: RunningServer) -> None:
    with httpx.Client(timeout=60) as client:
        statuses = {client.get(server.sparql_url, params={"query": "ASK {}"}).status_code for _ in range(40)}
    assert statuses == {200}


# --- metrics ----------------------------------------------------------------------------------


def metric_values(server: RunningServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(f"{server.base_url}/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    values = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_metrics_count_requests_latency_and_rejections(secure: RunningServer) -> None:
    before = metric_values(secure)
    with httpx.Client(timeout=120) as client:
        assert client.get(secure.sparql_url, params={"query": "ASK {}"}).status_code == 200
        assert (
            client.post(f"{secure.base_url}/update", content=PROBE.encode(), headers=SPARQL_UPDATE).status_code == 401
        )
        oversized = client.post(secure.sparql_url, content=b"#" * 70_000, headers=SPARQL_QUERY)
        assert oversized.status_code == 413
        refused = client.get(secure.sparql_url, params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> {} }"})
        assert refused.status_code == 403
        nonconforming = "INSERT DATA { <action/mieux/zambia> mc:period <time/nowhere> }"
        rejected = client.post(
            f"{secure.base_url}/update", content=nonconforming.encode(), headers={**SPARQL_UPDATE, **AUTH}
        )
        assert rejected.status_code == 422, rejected.text
    after = metric_values(secure)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("migcoop_http_requests_total", method="GET", route="/sparql", status="200") >= 1
    assert delta("migcoop_http_request_duration_seconds_count", route="/sparql") >= 3
    assert delta("migcoop_http_request_duration_seconds_bucket", route="/sparql", le="+Inf") >= 3
    for reason in ("auth", "too-large", "remote", "shapes"):
        assert delta("migcoop_rejections_total", reason=reason) >= 1, reason
    assert delta("migcoop_query_duration_seconds_count") >= 1
    assert ("migcoop_query_timeouts_total", ()) in after


def test_metrics_count_timeouts_and_limit_rejections(limited: RunningServer) -> None:
    before = metric_values(limited)
    with client_from("127.0.0.6") as client:
        cartesian = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        assert client.get(limited.sparql_url, params={"query": cartesian}).status_code == 503
        statuses = [client.get(limited.sparql_url, params={"query": "ASK {}"}).status_code for _ in range(6)]
        assert 429 in statuses
    after = metric_values(limited)
    assert after[("migcoop_query_timeouts_total", ())] - before[("migcoop_query_timeouts_total", ())] >= 1
    key = ("migcoop_rejections_total", (("reason", "rate-limit"),))
    assert after[key] - before[key] >= 1


# --- headers and logs ---------------------------------------------------------------------------

HTML_PAGES = ["/", "/query", "/quality", "/doc/action/mieux/zambia.html", "/ontology.html", "/doc/no/such/thing.html", "/docs"]  # fmt: skip


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_carry_security_headers(server: RunningServer, path: str) -> None:
    response = httpx.get(server.base_url + path, headers={"Accept": "text/html"}, timeout=60)
    assert response.status_code in (200, 404)
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_every_answer_says_nosniff(server: RunningServer) -> None:
    for path in ("/sparql?query=ASK%7B%7D", "/health", "/.well-known/void", "/nowhere", "/metrics"):
        response = httpx.get(server.base_url + path, timeout=60)
        assert response.headers["x-content-type-options"] == "nosniff", path


def test_no_secret_in_the_logs(secure: RunningServer) -> None:
    with httpx.Client(timeout=60) as client:
        # The token where it belongs (valid, and a malformed update so that nothing is written) ...
        client.post(f"{secure.base_url}/update", content=b"INSERT DATA {", headers={**SPARQL_UPDATE, **AUTH})
        client.post(f"{secure.base_url}/update", content=b"INSERT DATA {", headers={**SPARQL_UPDATE, "Authorization": basic(TOKEN)})  # fmt: skip
        # ... and where it does not: pasted into a URL, a query, another header.
        client.get(secure.sparql_url, params={"query": f'ASK {{ FILTER("{TOKEN}" != "") }}', "token": TOKEN})
        client.get(f"{secure.base_url}/doc/{TOKEN}.html")
        client.get(secure.sparql_url, params={"query": "ASK {}"}, headers={"X-Api-Key": TOKEN})
    time.sleep(0.3)
    text = secure.log_path.read_text(errors="replace")
    assert TOKEN not in text
    assert "[redacted]" in text  # uvicorn's own line for the URL that held the token
    entries = [line for line in text.splitlines() if line.startswith("{") and '"/update"' in line]
    assert len(entries) >= 2 and all('"status": 400' in line for line in entries[-2:]), entries[-2:]
    assert not re.search(r"(?i)authorization|bearer|basic ", "\n".join(entries))


def test_the_token_bucket_refills_and_forgets_idle_clients() -> None:
    from app.limits import ClientLimiter

    now = [0.0]
    limiter = ClientLimiter(per_minute=6, max_concurrent=2, max_clients=3, clock=lambda: now[0])
    for _ in range(6):
        assert limiter.acquire("a") is None
        limiter.release("a")
    refusal = limiter.acquire("a")
    assert refusal is not None and refusal.reason == "rate-limit" and refusal.retry_after == 10
    now[0] += 10.0  # one token back (6 a minute)
    assert limiter.acquire("a") is None
    assert limiter.acquire("b") is None and limiter.acquire("b") is None
    concurrency = limiter.acquire("b")
    assert concurrency is not None and concurrency.reason == "concurrency"
    limiter.release("b")
    assert limiter.acquire("b") is None
    for name in ("c", "d", "e", "f"):  # the table stays bounded; clients in progress are kept
        assert limiter.acquire(name) is None
        limiter.release(name)
    assert len(limiter.clients) <= 3 + 2 and {"a", "b"} <= set(limiter.clients)
    assert ClientLimiter().acquire("anyone") is None  # off by default

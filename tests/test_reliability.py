"""Bad input of every kind gets a clear 4xx and the server keeps serving; expensive
queries are stopped with a clear error; result caps hold in every format; reads stay
safe while an update swaps the store.

Servers: one on the session's build with tight limits (2 s timeout, 10 rows, 4 KB
requests, 512 MB per query), the session's default server for the largest inputs, and
a writable one on the small store (tests/reliability_support.py) for the update cases.
What tests/test_limits.py already covers (the cartesian timeout, caps in JSON, XML, CSV,
TSV, Turtle and N-Triples, 413/414) is not repeated here.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from rdflib import Dataset, Graph

from tests.conftest import Built, RunningServer, start_server, stop_server
from tests.endpoint import AUTH, SPARQL_QUERY, SPARQL_UPDATE, TOKEN, ZAMBIA_LABEL, assert_plain_error, bindings
from tests.reliability_support import copy_store, small_store

TIMEOUT = 2
ROWS = 10
MAX_BYTES = 4096
MEMORY_MB = 512
BAD_QUERIES = sorted((Path(__file__).parent / "fixtures" / "bad-queries").glob("*.rq"))
LABEL = "SELECT ?label WHERE { <action/mieux/zambia> rdfs:label ?label }"
LINE_COLUMN = re.compile(r"\b(\d+):(\d+)\b")


@pytest.fixture(scope="module")
def hostile(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        built.store_path,
        tmp_path_factory.mktemp("hostile") / "server.log",
        query_timeout_seconds=str(TIMEOUT),
        max_result_rows=str(ROWS),
        max_query_bytes=str(MAX_BYTES),
        query_workers="2",
        query_memory_mb=str(MEMORY_MB),
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as http:
        yield http


def assert_serving(server: RunningServer) -> None:
    """The server still answers a plain query correctly."""
    response = httpx.get(server.sparql_url, params={"query": LABEL}, timeout=30)
    assert bindings(response) == [{"label": ZAMBIA_LABEL}]


# --- a corpus of malformed queries --------------------------------------------------------


def test_the_corpus_is_large_and_every_file_is_its_own() -> None:
    assert len(BAD_QUERIES) >= 40
    texts = [path.read_text() for path in BAD_QUERIES]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("path", BAD_QUERIES, ids=[path.stem for path in BAD_QUERIES])
def test_malformed_query_is_400_naming_line_and_column(
    client: httpx.Client, hostile: RunningServer, path: Path
) -> None:
    text = path.read_text()
    for response in (
        client.get(hostile.sparql_url, params={"query": text}),
        client.post(hostile.sparql_url, content=text.encode(), headers=SPARQL_QUERY),
    ):
        body = assert_plain_error(response, 400, "Malformed query")
        match = LINE_COLUMN.search(body)
        assert match, body
        line, column = int(match.group(1)), int(match.group(2))
        assert 1 <= line <= text.count("\n") + 1 and column >= 1, body


def test_server_serves_after_the_corpus(hostile: RunningServer) -> None:
    assert_serving(hostile)


# --- malformed requests: parameters, media types, encodings, headers --------------------------

MALFORMED = [
    # (id, method, params, content, headers, status, fragment)
    ("invalid-utf8-body", "POST", None, b"ASK { \xff\xfe }", SPARQL_QUERY, 400, "not valid UTF-8"),
    (
        "invalid-utf8-form",
        "POST",
        None,
        b"query=ASK%20%7B%FF%7D",
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
        "not valid UTF-8",
    ),
    ("invalid-utf8-url", "GET", "query=ASK%20%7B%FF%7D", None, None, 400, "not valid UTF-8"),
    ("nul-in-query", "GET", {"query": "ASK { \x00 }"}, None, None, 400, "Malformed query"),
    ("empty-query", "GET", {"query": ""}, None, None, 400, "Malformed query"),
    ("repeated-query", "GET", [("query", "ASK {}"), ("query", "ASK {}")], None, None, 400, "given 2 times"),
    (
        "query-and-update",
        "POST",
        None,
        b"query=ASK%7B%7D&update=CLEAR%20ALL",
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
        "either a 'query' or an 'update'",
    ),
    (
        "post-without-anything",
        "POST",
        None,
        b"",
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
        "Missing 'query' or 'update'",
    ),
    ("bad-infer", "GET", {"query": "ASK {}", "infer": "perhaps"}, None, None, 400, "'infer' parameter"),
    (
        "graph-not-an-iri",
        "GET",
        {"query": "ASK {}", "default-graph-uri": "not an iri"},
        None,
        None,
        400,
        "absolute IRI",
    ),
    ("empty-named-graph", "GET", {"query": "ASK {}", "named-graph-uri": ""}, None, None, 400, "absolute IRI"),
    ("text-plain-body", "POST", None, b"ASK {}", {"Content-Type": "text/plain"}, 415, "Unsupported Media Type"),
    (
        "json-body",
        "POST",
        None,
        b'{"query": "ASK {}"}',
        {"Content-Type": "application/json"},
        415,
        "Unsupported Media Type",
    ),
    (
        "multipart-body",
        "POST",
        None,
        b"--x\r\n\r\nASK {}\r\n--x--",
        {"Content-Type": "multipart/form-data; boundary=x"},
        415,
        "Unsupported Media Type",
    ),
    ("no-content-type", "POST", None, b"ASK {}", {"Content-Type": ""}, 415, "Unsupported Media Type"),
    (
        "latin1-charset",
        "POST",
        None,
        b"ASK {}",
        {"Content-Type": "application/sparql-query; charset=latin-1"},
        415,
        "Unsupported charset",
    ),
    (
        "garbage-content-type",
        "POST",
        None,
        b"ASK {}",
        {"Content-Type": ";;;==;charset"},
        415,
        "Unsupported Media Type",
    ),
    (
        "nothing-acceptable",
        "GET",
        {"query": "ASK {}"},
        None,
        {"Accept": "image/png, video/*;q=0.5"},
        406,
        "Not Acceptable",
    ),
    (
        "absurd-accept",
        "GET",
        {"query": "ASK {}"},
        None,
        {"Accept": ",".join(f"x/y{i};q=0.{i % 10}" for i in range(700))},
        406,
        "Not Acceptable",
    ),
    (
        "q-not-a-number",
        "GET",
        {"query": "ASK {}"},
        None,
        {"Accept": "application/sparql-results+json;q=lots"},
        406,
        "Not Acceptable",
    ),
    ("update-by-get", "GET", {"update": "CLEAR ALL"}, None, None, 405, "must be sent with POST"),
    ("oversized-body", "POST", None, b"#" * (MAX_BYTES + 1), SPARQL_QUERY, 413, "larger than the limit"),
    (
        "deep-nesting",
        "GET",
        {"query": "SELECT * WHERE " + "{" * 300 + "}" * 300},
        None,
        None,
        400,
        "nests brackets more than 256 deep",
    ),
]


@pytest.mark.parametrize(
    ("method", "params", "content", "headers", "status", "fragment"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_request_is_a_clear_4xx(
    client: httpx.Client,
    hostile: RunningServer,
    method: str,
    params: object,
    content: bytes | None,
    headers: dict | None,
    status: int,
    fragment: str,
) -> None:
    url = hostile.sparql_url
    if isinstance(params, str):  # a raw query string, sent as it is
        url, params = f"{url}?{params}", None
    response = client.request(method, url, params=params, content=content, headers=headers)
    assert_plain_error(response, status, fragment)


def raw_exchange(server: RunningServer, payload: bytes) -> tuple[int, bytes]:
    """Send raw bytes as a request and read the status line of the answer (0: the server closed)."""
    parts = urlsplit(server.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except TimeoutError:
            pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return (int(match.group(1)) if match else 0), data


RAW = [
    (
        "lying-content-length",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 40960\r\n\r\nASK {}",
    ),
    ("raw-bytes-in-target", b"GET /sparql?query=ASK%20{}\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n"),
    ("header-of-100kb", b"GET /sparql HTTP/1.1\r\nHost: x\r\nAccept: " + b"a" * 100_000 + b"\r\n\r\n"),
    ("ten-thousand-headers", b"GET /sparql HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 10_000 + b"\r\n"),
    ("non-numeric-content-length", b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\nASK {}"),
    (
        "two-content-lengths",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nContent-Length: 7\r\n\r\nASK {}",
    ),
    (
        "bad-chunked-body",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n",
    ),
    ("control-chars-in-header", b"GET /sparql HTTP/1.1\r\nHost: x\r\nAccept: a\x01b\x7f\r\n\r\n"),
    ("garbage-request-line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http at all\r\n\r\n"),
    ("http-0.9-request", b"GET /sparql\r\n\r\n"),
    ("unknown-method", b"BREW /sparql HTTP/1.1\r\nHost: x\r\n\r\n"),
]


@pytest.mark.parametrize("payload", [case[1] for case in RAW], ids=[case[0] for case in RAW])
def test_malformed_http_is_never_a_5xx(hostile: RunningServer, payload: bytes) -> None:
    """A 4xx, a closed connection, or (when the HTTP layer tolerates it) an ordinary answer; never a 5xx."""
    status, _ = raw_exchange(hostile, payload)
    assert status < 500, status
    assert_serving(hostile)


def test_unknown_saved_query_is_404(client: httpx.Client, hostile: RunningServer) -> None:
    response = client.get(f"{hostile.base_url}/api/queries/no-such-query")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("Unknown saved query 'no-such-query'.")


# --- expensive queries ----------------------------------------------------------------------

EXPENSIVE = [
    (
        "unbounded-property-path",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<http://example.org/none>)* ?b . ?b ?p ?c . ?c ?q ?d }",
    ),
    ("huge-order-by", "SELECT ?c WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c LIMIT 1"),
    ("huge-group-by", "SELECT ?c ?f (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f } GROUP BY ?c ?f LIMIT 1"),
    ("count-distinct-pairs", "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"),
]


@pytest.mark.parametrize("query", [case[1] for case in EXPENSIVE], ids=[case[0] for case in EXPENSIVE])
def test_expensive_query_is_stopped_with_a_clear_503_while_others_are_answered(
    hostile: RunningServer, query: str
) -> None:
    outcome: dict[str, object] = {}

    def run() -> None:
        with httpx.Client(timeout=60) as own:
            started = time.monotonic()
            outcome["response"] = own.get(hostile.sparql_url, params={"query": query})
            outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.3)
    quick_times = []
    with httpx.Client(timeout=60) as other:
        while thread.is_alive() and len(quick_times) < 50:
            started = time.monotonic()
            assert bindings(other.get(hostile.sparql_url, params={"query": LABEL})) == [{"label": ZAMBIA_LABEL}]
            quick_times.append(time.monotonic() - started)
            time.sleep(0.05)
    thread.join(timeout=60)
    response = outcome["response"]
    assert isinstance(response, httpx.Response)
    body = assert_plain_error(response, 503)
    assert "timed out after 2 s" in body or f"more than the {MEMORY_MB} MB of memory" in body, body
    assert outcome["elapsed"] < TIMEOUT + 5  # type: ignore[operator]
    # Other clients were answered all along, each within the timeout.
    assert quick_times and max(quick_times) < TIMEOUT, quick_times
    assert_serving(hostile)


def test_a_query_that_would_overflow_the_stack_is_400_not_a_crash(client: httpx.Client, server: RunningServer) -> None:
    # Within the default 1 MB, but deeper than any stack: refused before it runs.
    chain = "SELECT * WHERE { FILTER(" + "!" * 600_000 + "true) }"
    body = assert_plain_error(client.post(server.sparql_url, content=chain.encode(), headers=SPARQL_QUERY), 400)
    assert "more than 10000 operators" in body
    assert_serving(server)


# --- result caps in the formats test_limits.py leaves out ---------------------------------------

CONSTRUCT_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("accept", "parse"),
    [
        ("application/rdf+xml", lambda body: len(Graph().parse(data=body, format="xml"))),
        ("application/ld+json", lambda body: len(Graph().parse(data=body, format="json-ld"))),
        ("application/trig", lambda body: len(Dataset().parse(data=body, format="trig"))),
        ("application/n-quads", lambda body: len([line for line in body.splitlines() if line.strip()])),
    ],
    ids=["rdfxml", "jsonld", "trig", "nquads"],
)
def test_row_cap_holds_for_every_graph_format(client: httpx.Client, hostile: RunningServer, accept: str, parse) -> None:
    response = client.get(hostile.sparql_url, params={"query": CONSTRUCT_ALL}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert response.headers["x-result-truncated"] == "true"
    assert parse(response.text) == ROWS


def test_row_cap_holds_for_describe(client: httpx.Client, hostile: RunningServer) -> None:
    query = "DESCRIBE ?action WHERE { ?action a mc:Action }"
    response = client.get(hostile.sparql_url, params={"query": query}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["x-result-truncated"] == "true"
    assert len([line for line in response.text.splitlines() if line.strip()]) == ROWS


@pytest.mark.parametrize("fmt", ["json", "csv", "srj"])
def test_row_cap_holds_for_saved_queries(client: httpx.Client, hostile: RunningServer, fmt: str) -> None:
    # 29 rows without a cap (one per partner country).
    response = client.get(f"{hostile.base_url}/api/queries/cq20-actions-per-partner-country", params={"format": fmt})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["x-result-truncated"] == "true"
    assert response.headers["x-result-row-limit"] == str(ROWS)
    if fmt == "json":
        assert len(response.json()) == ROWS
    elif fmt == "csv":
        assert len(response.text.strip().splitlines()) == ROWS + 1
    else:
        assert len(response.json()["results"]["bindings"]) == ROWS


# --- updates: reads during the store swap, long rejections, hostile updates ----------------------


@pytest.fixture(scope="module")
def writable_small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("reliability-writable")
    store = copy_store(small_store(), root)
    running = start_server(store, root / "server.log", write_token=TOKEN, dumps_path=str(root / "dumps"))
    yield running
    stop_server(running)


def post_update(server: RunningServer, text: str, timeout: float = 120) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/update", content=text.encode(), headers={**SPARQL_UPDATE, **AUTH}, timeout=timeout
    )


READS = [
    ("/ready", {}),
    ("/.well-known/void", {"Accept": "text/turtle"}),
    ("/sparql", {"Accept": "text/turtle"}),  # the service description
    ("/", {}),
    ("/doc/action/mieux/zambia.html", {}),
    ("/id/action/mieux/zambia", {"Accept": "text/turtle"}),
    ("/context.jsonld", {}),
    ("/sparql?query=ASK%20%7B%20%3Faction%20a%20mc%3AAction%20%7D", {}),
]


def test_reads_during_updates_never_fail(writable_small: RunningServer) -> None:
    """While updates swap the store, every page, description and query is answered (no 5xx, /ready 200)."""
    stop = threading.Event()
    failures: Counter[tuple[str, int, str]] = Counter()
    counts: Counter[str] = Counter()

    def reader() -> None:
        with httpx.Client(timeout=60, follow_redirects=False) as http:
            while not stop.is_set():
                for path, headers in READS:
                    response = http.get(writable_small.base_url + path, headers=headers)
                    counts[path] += 1
                    if response.status_code >= 500 or (path == "/ready" and response.status_code != 200):
                        failures[(path, response.status_code, response.text[:80])] += 1

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        for number in range(2):
            text = f'INSERT DATA {{ <action/mieux/zambia> rdfs:comment "read during swap {number}"@en }}'
            response = post_update(writable_small, text)
            assert response.status_code == 200, response.text
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
    assert failures == Counter(), dict(failures)
    assert min(counts.values()) >= 5, dict(counts)


def test_a_rejection_with_many_violations_stays_short(writable_small: RunningServer) -> None:
    # Forty participations without an organisation: forty violations, listed as far as they fit.
    participations = " ".join(
        f"<action/mieux/zambia> mc:hasParticipation <action/mieux/zambia/participation/p{n}> . "
        f'<action/mieux/zambia/participation/p{n}> a mc:Participation ; rdfs:label "participation {n}"@en ; '
        f"mc:role <role/beneficiary-institution> ; prov:wasDerivedFrom <source/004> ."
        for n in range(40)
    )
    response = post_update(writable_small, f"INSERT DATA {{ {participations} }}")
    body = assert_plain_error(response, 422, "Update rejected", "(40 violation(s))")
    assert re.search(r"… and \d+ more\.$", body.strip()), body
    shown = [line for line in body.splitlines() if line.startswith("- ")]
    more = int(re.search(r"and (\d+) more", body).group(1))  # type: ignore[union-attr]
    assert len(shown) >= 1 and len(shown) + more == 40, body


@pytest.mark.parametrize(
    ("update", "fragment"),
    [
        ("INSERT { <a> <b> <c> } WHERE { FILTER(" + "!" * 900_000 + "true) }", "more than 10000 operators"),
        ("INSERT { <a> <b> <c> } WHERE { FILTER(" + "+".join(["1"] * 400_000) + " > 0) }", "more than 10000 operators"),
        ("INSERT { <a> <b> <c> } WHERE " + "{" * 5000 + "}" * 5000, "nests brackets more than 256 deep"),
    ],
    ids=["not-chain", "plus-chain", "nested-groups"],
)
def test_an_update_deeper_than_the_stack_is_400_and_the_server_lives(
    writable_small: RunningServer, update: str, fragment: str
) -> None:
    """Updates are parsed in the server process: one that would overflow the stack must not kill it."""
    assert_plain_error(post_update(writable_small, update), 400, fragment)
    assert httpx.get(f"{writable_small.base_url}/ready", timeout=10).status_code == 200


def test_access_log_lines_are_json_with_timings(hostile: RunningServer) -> None:
    httpx.get(hostile.sparql_url, params={"query": LABEL}, timeout=30)
    httpx.post(hostile.sparql_url, content=b"#" * (MAX_BYTES + 1), headers=SPARQL_QUERY, timeout=30)
    time.sleep(0.2)
    lines = [line for line in hostile.log_path.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    queries = [e for e in entries if e["path"] == "/sparql" and e["status"] == 200 and "query_ms" in e]
    assert queries, lines[-5:]
    entry = queries[-1]
    assert set(entry) >= {"time", "method", "path", "route", "status", "duration_ms", "query_ms", "bytes", "client"}
    assert entry["method"] == "GET" and entry["client"] == "127.0.0.1" and entry["bytes"] > 0
    assert 0 <= entry["query_ms"] <= entry["duration_ms"]
    assert "?" not in entry["path"]  # the query string (the query itself) is not logged
    assert any(e.get("rejected") == "too-large" and e["status"] == 413 for e in entries)


@pytest.mark.parametrize(
    ("exitcode", "memory_mb", "status", "fragment"),
    [
        (-11, 2048, 400, "too deeply nested or too long"),  # SIGSEGV: the evaluator ran out of stack
        (-6, 2048, 503, "more than the 2048 MB of memory"),  # SIGABRT under the cap: an allocation failed
        (-6, 0, 500, "stopped unexpectedly"),
        (-9, 2048, 500, "stopped unexpectedly"),  # killed from outside (the kernel's OOM killer, an operator)
    ],
)
def test_a_worker_that_dies_mid_query_is_reported_by_cause(
    exitcode: int, memory_mb: int, status: int, fragment: str
) -> None:
    import asyncio
    from types import SimpleNamespace

    from app.query_engine import QueryEngine, Worker

    engine = QueryEngine(Path("."), 1, 1.0, memory_mb=memory_mb)
    worker = Worker(SimpleNamespace(join=lambda timeout=None: None, exitcode=exitcode), None, Path("."))  # type: ignore[arg-type]
    error = asyncio.run(engine.died_error(worker))
    assert error.status == status and fragment in error.message

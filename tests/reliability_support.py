"""Shared tools of the reliability and security tests (test_reliability, test_security,
test_crash, test_fuzz, test_load_mix).

- `small_store`: a complete store built from the ontology and tests/fixtures/valid-minimal.ttl
  (the smallest conforming dataset). An update on it goes through the very same gate
  (SHACL, OWL 2 RL reasoning, store swap) in about 3 s instead of about 20 s on the full
  graph, so tests that must apply many updates use it.
- `Recorder`: an HTTP server on 127.0.0.1 that answers every request with an empty SPARQL
  result and records the paths asked for: the target of the server-side request forgery tests.
- `fingerprint`: a digest of every quad the endpoint serves, to prove a refused write changed nothing.
- `store_digest`: a digest of the store directory's data files, byte for byte.
"""

from __future__ import annotations

import atexit
import hashlib
import http.server
import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from rdflib import Graph

from app.core.config import PROJECT_ROOT
from app.load import expand_time
from app.namespaces import GRAPH_ONTOLOGY, source_graph
from app.reason import reason
from app.store import BuildGraphs, write_store

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "valid-minimal.ttl"
ONTOLOGY = PROJECT_ROOT / "ontology" / "migcoop.ttl"

_small: Path | None = None


def small_store() -> Path:
    """The small store, built once per test process (copy it before writing to it)."""
    global _small
    if _small is None:
        root = Path(tempfile.mkdtemp(prefix="migcoop-small-"))
        atexit.register(shutil.rmtree, root, True)
        data = Graph().parse(FIXTURE)
        expand_time(data)
        ontology = Graph().parse(ONTOLOGY)
        asserted = {GRAPH_ONTOLOGY: ontology, source_graph("004"): data}
        union = Graph()
        union += ontology
        union += data
        write_store(root / "store", BuildGraphs(asserted, reason(union)))
        _small = root / "store"
    return _small


def copy_store(source: Path, root: Path) -> Path:
    target = root / "store"
    shutil.copytree(source, target)
    return target


# --- a recording HTTP server ------------------------------------------------------------

EMPTY_RESULT = json.dumps({"head": {"vars": []}, "results": {"bindings": [{}]}}).encode()


class Recorder:
    """Records every request it receives; answers with one empty SPARQL JSON solution."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorder.paths.append(self.path)
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                if self.path.endswith(".ttl"):
                    body, media_type = b"", "text/turtle"
                else:
                    body, media_type = EMPTY_RESULT, "application/sparql-results+json"
                self.send_response(200)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def recorder() -> Iterator[Recorder]:
    with Recorder() as running:
        yield running


# --- what the endpoint serves, and what the store holds ------------------------------------

ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }"


def fingerprint(client: httpx.Client, sparql_url: str) -> str:
    """A digest of every quad the endpoint serves (named graphs and the default graph), in a fixed order."""
    response = client.get(sparql_url, params={"query": ALL_QUADS}, headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200, response.text[:300]
    assert "x-result-truncated" not in response.headers
    lines = sorted(response.text.splitlines()[1:])
    assert lines, "the endpoint serves no quad"
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# RocksDB's own diagnostics, rewritten when a store is opened; not data.
VOLATILE = ("LOG", "LOCK")


def store_digest(path: Path) -> dict[str, str]:
    """Every data file of a store directory with the digest of its bytes."""
    digests = {}
    for file in sorted(path.rglob("*")):
        if file.is_file() and not file.name.startswith(VOLATILE):
            digests[str(file.relative_to(path))] = hashlib.sha256(file.read_bytes()).hexdigest()
    return digests


def access_log_lines(log_path: Path) -> list[dict]:
    """The JSON access-log lines of a server's log file (uvicorn's own lines are skipped)."""
    entries = []
    for line in log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return entries

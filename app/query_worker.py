"""A query worker process: opens the store read-only and answers one query at a time.

Queries run in separate processes so that a deadline can really stop them:
the engine kills a worker whose query runs past the timeout and starts a
fresh one. Messages of an answer (`answer` sends them; app/store_remote.py collects
them too):
    ("head", {"kind": "solutions" | "boolean" | "graph", "truncated": bool, "count": int})
    ("chunk", bytes) ... ("end", None)
    ("error", {"status": int, "message": str})
On the pipe, worker to engine: ("ready", None) once, then for each job lists of these
messages (`Batches`): a small answer crosses the pipe in one piece.
"""

from __future__ import annotations

from itertools import islice
from multiprocessing.connection import Connection

import pyoxigraph as ox

from app.results import serialize_boolean, serialize_solutions, serialize_triples

CHUNK_BYTES = 256 * 1024


def graph_nodes(iris: list[str] | None) -> list[ox.NamedNode] | None:
    """None leaves the query's own dataset; a list (even empty) replaces it."""
    return [ox.NamedNode(iri) for iri in iris] if iris is not None else None


def evaluate(store: ox.Store, job: dict):
    return store.query(
        job["query"],
        base_iri=job.get("base_iri"),
        prefixes=job.get("prefixes"),
        default_graph=graph_nodes(job.get("default_graphs")),
        named_graphs=graph_nodes(job.get("named_graphs")),
    )


def send_chunked(conn: Connection, data: bytes) -> None:
    for start in range(0, len(data), CHUNK_BYTES):
        conn.send(("chunk", data[start : start + CHUNK_BYTES]))


def send_parts(conn: Connection, parts: list[bytes]) -> None:
    """The serializer's small writes, joined into messages of about CHUNK_BYTES."""
    batch: list[bytes] = []
    size = 0
    for part in parts:
        batch.append(part)
        size += len(part)
        if size >= CHUNK_BYTES:
            conn.send(("chunk", b"".join(batch)))
            batch, size = [], 0
    if batch:
        conn.send(("chunk", b"".join(batch)))


def answer(conn: Connection, store: ox.Store, job: dict) -> None:
    media_type, max_rows = job["media_type"], job["max_rows"]
    result = evaluate(store, job)
    if isinstance(result, ox.QueryBoolean):
        conn.send(("head", {"kind": "boolean", "truncated": False, "count": 1}))
        conn.send(("chunk", serialize_boolean(media_type, bool(result))))
    elif isinstance(result, ox.QuerySolutions):
        output = serialize_solutions(result, media_type, max_rows)
        conn.send(("head", {"kind": "solutions", "truncated": output.truncated, "count": output.count}))
        send_parts(conn, output.body())
    else:
        triples = list(islice(result, max_rows + 1))
        truncated = len(triples) > max_rows
        triples = triples[:max_rows]
        conn.send(("head", {"kind": "graph", "truncated": truncated, "count": len(triples)}))
        send_chunked(conn, serialize_triples(media_type, triples, job.get("output_prefixes")))
    conn.send(("end", None))


class Batches:
    """Sends an answer's messages down the pipe in lists of about CHUNK_BYTES, the last one with
    the final message: one pipe message (one pickle, one wake-up of the engine) for a small answer."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: list[tuple] = []
        self.size = 0

    def send(self, message: tuple) -> None:
        self.pending.append(message)
        kind, payload = message
        if kind == "chunk":
            self.size += len(payload)
        if kind in ("end", "error") or self.size >= CHUNK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.conn.send(self.pending)
            self.pending, self.size = [], 0

    def discard(self) -> None:
        """Drop what was not sent yet: after a failure the error takes the place of an unsent head."""
        self.pending, self.size = [], 0


REMOTE_ERROR_LIMIT = 200


def error_message(error: Exception, remote: bool = False) -> tuple[int, str]:
    if isinstance(error, SyntaxError):
        from app.sparql_protocol import short_syntax_error  # only on the error path: keeps worker start-up light

        return 400, f"Malformed query: {short_syntax_error(error)}"
    if remote and isinstance(error, OSError):
        # An allowed SERVICE that failed (unreachable, an HTTP error, a bad answer) without SILENT.
        reason = " ".join(str(error).split())
        if len(reason) > REMOTE_ERROR_LIMIT:
            reason = reason[: REMOTE_ERROR_LIMIT - 1] + "…"
        return 502, f"A remote SERVICE failed: {reason}. Use SERVICE SILENT to go on without it."
    return 500, f"The query could not be evaluated: {error}"


def limit_memory(megabytes: int) -> None:
    """Cap the worker's heap: a query that needs more makes its allocation fail and the worker stop.

    Without a cap, a huge ORDER BY or GROUP BY can take gigabytes a second, and the
    machine runs out of memory before the query's timeout comes.
    """
    if megabytes <= 0:
        return
    import contextlib
    import resource

    limit = megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):  # not allowed here (or not Linux): run without the cap
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


# Oxigraph parses and evaluates recursively: a long chain of path steps, OPTIONALs or nested
# brackets can need far more than the main thread's 8 MB of stack. Queries run in a thread with
# this much (reserved, used only as needed); deeper ones crash the worker, which the engine
# reports as a query too complex to evaluate.
QUERY_STACK_MB = 256


def serve(conn: Connection, store: ox.Store) -> None:
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if job is None:
            return
        batches = Batches(conn)
        try:
            answer(batches, store, job)  # type: ignore[arg-type]
        except Exception as error:  # every failure becomes a message, never a dead worker
            status, message = error_message(error, bool(job.get("remote")))
            batches.discard()
            batches.send(("error", {"status": status, "message": message}))


def worker_main(conn: Connection, store_path: str, memory_mb: int = 0) -> None:
    import threading

    store = ox.Store.read_only(store_path)
    threading.stack_size(QUERY_STACK_MB * 1024 * 1024)
    thread = threading.Thread(target=serve, args=(conn, store), name="query")
    thread.start()
    # The cap is for the heap: the query thread's stack reservation (counted as data) comes on top.
    limit_memory(memory_mb + QUERY_STACK_MB if memory_mb > 0 else 0)
    conn.send(("ready", None))
    thread.join()

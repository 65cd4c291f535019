"""A query worker process: opens the store read-only and answers one query at a time.

Queries run in separate processes so that a deadline can really stop them:
the engine kills a worker whose query runs past the timeout and starts a
fresh one. Messages on the pipe, worker to engine:
    ("ready", None)
    ("head", {"kind": "solutions" | "boolean" | "graph", "truncated": bool, "count": int})
    ("chunk", bytes) ... ("end", None)
    ("error", {"status": int, "message": str})
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


def answer(conn: Connection, store: ox.Store, job: dict) -> None:
    media_type, max_rows = job["media_type"], job["max_rows"]
    result = evaluate(store, job)
    if isinstance(result, ox.QueryBoolean):
        conn.send(("head", {"kind": "boolean", "truncated": False, "count": 1}))
        conn.send(("chunk", serialize_boolean(media_type, bool(result))))
    elif isinstance(result, ox.QuerySolutions):
        variables = [variable.value for variable in result.variables]
        rows = [[solution[v] for v in variables] for solution in islice(result, max_rows + 1)]
        truncated = len(rows) > max_rows
        rows = rows[:max_rows]
        conn.send(("head", {"kind": "solutions", "truncated": truncated, "count": len(rows)}))
        for chunk in serialize_solutions(media_type, variables, rows):
            conn.send(("chunk", chunk))
    else:
        triples = list(islice(result, max_rows + 1))
        truncated = len(triples) > max_rows
        triples = triples[:max_rows]
        conn.send(("head", {"kind": "graph", "truncated": truncated, "count": len(triples)}))
        send_chunked(conn, serialize_triples(media_type, triples, job.get("output_prefixes")))
    conn.send(("end", None))


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
        try:
            answer(conn, store, job)
        except Exception as error:  # every failure becomes a message, never a dead worker
            status, message = error_message(error, bool(job.get("remote")))
            conn.send(("error", {"status": status, "message": message}))


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

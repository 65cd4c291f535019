"""Runs SPARQL queries in a pool of worker processes, with a deadline that really stops them.

The event loop never evaluates a query: it hands the job to an idle worker and
waits on the worker's pipe without blocking. A worker that misses the deadline
is killed and replaced, so a runaway query costs one process, not the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from app.core.logging import note_query_time
from app.query_worker import worker_main
from app.sparql_protocol import ProtocolError

SPAWN = multiprocessing.get_context("spawn")
WORKER_START_SECONDS = 60.0


@dataclass(eq=False)
class Worker:
    process: SPAWN.Process  # type: ignore[name-defined]
    conn: Connection
    store_path: Path
    pending: deque = field(default_factory=deque)  # messages received in a batch and not handled yet

    async def next_message(self, timeout: float) -> tuple:
        """The next message of the current answer; the worker sends them in lists (query_worker.Batches)."""
        if not self.pending:
            received = await receive(self.conn, timeout)
            if isinstance(received, list):
                self.pending.extend(received)
            else:
                self.pending.append(received)
        return self.pending.popleft()

    def whole_answer(self) -> list[bytes] | None:
        """The chunks of an answer that has arrived to its end with its head, or None."""
        if not self.pending or self.pending[-1][0] != "end":
            return None
        chunks = [payload for kind, payload in self.pending if kind == "chunk"]
        self.pending.clear()
        return chunks

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


@dataclass
class QueryJob:
    query: str
    media_type: str
    max_rows: int
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    base_iri: str | None = None
    prefixes: dict[str, str] | None = None
    output_prefixes: dict[str, str] | None = None
    remote: bool = False  # the query has an allowed SERVICE: its failures are the remote's (502)

    def message(self) -> dict:
        return self.__dict__.copy()


@dataclass
class QueryAnswer:
    kind: str
    truncated: bool
    count: int
    chunks: AsyncIterator[bytes]


async def receive(conn: Connection, timeout: float):
    """Wait for the next message on a worker pipe without blocking the event loop."""
    if not conn.poll():
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        fd = conn.fileno()
        loop.add_reader(fd, lambda: readable.done() or readable.set_result(None))
        try:
            await asyncio.wait_for(readable, timeout=max(timeout, 0.001))
        finally:
            loop.remove_reader(fd)
            if not os.get_blocking(fd):  # uvloop's add_reader makes the pipe non-blocking: recv() needs it blocking
                os.set_blocking(fd, True)
    return conn.recv()


async def replay(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


class QueryEngine:
    def __init__(self, store_path: Path, workers: int, timeout: float, memory_mb: int = 0) -> None:
        self.store_path = store_path
        self.size = max(1, workers)
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._all: set[Worker] = set()
        self._starting = 0  # workers being started in the background
        self._refills: set[asyncio.Task] = set()  # keeps the background starts referenced
        self.timeouts = 0
        self.memory_stops = 0
        self.crashes = 0  # workers that died in the middle of a query for another reason

    async def start(self) -> None:
        workers = await asyncio.gather(*(self._spawn(self.store_path) for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    async def stop(self) -> None:
        for worker in list(self._all):
            with contextlib.suppress(Exception):
                worker.conn.send(None)
            worker.kill()
        self._all.clear()

    @property
    def ready(self) -> bool:
        """Workers run, or a replacement for a stopped one is starting (queries wait for it)."""
        return bool(self._all) or self._starting > 0

    async def switch_store(self, store_path: Path) -> None:
        """Point every worker at a new store snapshot (after an update).

        Workers on the new snapshot are started first, while the old ones go on
        answering from the old snapshot, so the pool is never empty; then the idle
        old ones are retired, and busy ones are replaced when they come back.
        """
        self.store_path = store_path
        fresh = await asyncio.gather(*(self._start() for _ in range(max(1, self._idle.qsize()))))
        kept = []
        while not self._idle.empty():
            worker = self._idle.get_nowait()
            if worker.store_path == store_path:
                kept.append(worker)
            else:
                self._retire(worker)
        for worker in [*kept, *fresh]:
            self._idle.put_nowait(worker)

    def uses(self, store_path: Path) -> bool:
        return any(worker.store_path == store_path for worker in self._all)

    async def _spawn(self, store_path: Path) -> Worker:
        parent, child = SPAWN.Pipe()
        process = SPAWN.Process(target=worker_main, args=(child, str(store_path), self.memory_mb), daemon=True)
        process.start()
        child.close()
        worker = Worker(process, parent, store_path)
        try:
            kind, _ = await receive(parent, WORKER_START_SECONDS)
        except (TimeoutError, EOFError) as error:
            worker.kill()
            raise RuntimeError(f"query worker did not start on {store_path}") from error
        if kind != "ready":
            worker.kill()
            raise RuntimeError(f"query worker sent {kind!r} instead of ready")
        self._all.add(worker)
        return worker

    def _retire(self, worker: Worker) -> None:
        self._all.discard(worker)
        with contextlib.suppress(Exception):
            worker.conn.send(None)
        worker.kill()

    async def _start(self) -> Worker:
        self._starting += 1
        try:
            return await self._spawn(self.store_path)
        finally:
            self._starting -= 1

    def _replace(self, worker: Worker) -> None:
        """Kill a worker and start a successor in the background, unless the pool is full without it."""
        self._retire(worker)
        if len(self._all) + self._starting >= self.size:
            return

        async def refill() -> None:
            self._idle.put_nowait(await self._start())

        task = asyncio.get_running_loop().create_task(refill())
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    def _release(self, worker: Worker) -> None:
        """Back to the pool; a worker on an old snapshot is replaced, once one on the new snapshot runs
        (until then it goes on serving the old snapshot, so the pool is never empty)."""
        if worker.store_path != self.store_path and any(w.store_path == self.store_path for w in self._all):
            self._replace(worker)
        else:
            self._idle.put_nowait(worker)

    def timeout_error(self) -> ProtocolError:
        self.timeouts += 1
        return ProtocolError(
            503,
            f"Query timed out after {self.timeout:g} s and was stopped. "
            "Narrow the pattern, add a LIMIT, or ask the operator for a longer timeout.",
        )

    async def died_error(self, worker: Worker) -> ProtocolError:
        """Why a worker stopped in the middle of a query: out of its memory, or something unexpected."""
        with contextlib.suppress(Exception):
            await asyncio.to_thread(worker.process.join, 2)
        exitcode = worker.process.exitcode
        if self.memory_mb and exitcode == -signal.SIGABRT:  # an allocation failed under the memory cap
            self.memory_stops += 1
            return ProtocolError(
                503,
                f"The query was stopped: it needed more than the {self.memory_mb} MB of memory a query may use. "
                "Narrow the pattern, add a LIMIT, or avoid sorting or grouping huge intermediate results.",
            )
        if exitcode == -signal.SIGSEGV:  # the evaluator ran out of stack: the query's own structure
            self.crashes += 1
            return ProtocolError(
                400,
                "The query is too deeply nested or too long to evaluate on this endpoint "
                "(too many nested groups, OPTIONALs, path steps or operators). Simplify it or split it.",
            )
        self.crashes += 1
        return ProtocolError(500, "The query worker stopped unexpectedly; the query was not answered.")

    async def run(self, job: QueryJob) -> QueryAnswer:
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=self.timeout)
        except TimeoutError:
            raise ProtocolError(503, "The server is busy: no query worker became free in time. Retry later.") from None
        try:
            worker.conn.send(job.message())
            kind, payload = await worker.next_message(deadline - time.monotonic())
        except TimeoutError:
            self._replace(worker)
            note_query_time(time.monotonic() - started)
            raise self.timeout_error() from None
        except (EOFError, OSError, BrokenPipeError):
            error = await self.died_error(worker)
            self._replace(worker)
            raise error from None
        if kind == "error":
            self._release(worker)
            note_query_time(time.monotonic() - started)
            raise ProtocolError(payload["status"], payload["message"])
        chunks = worker.whole_answer()
        if chunks is not None:  # the whole answer came in one batch: the worker is free already
            self._release(worker)
            note_query_time(time.monotonic() - started)
            return QueryAnswer(payload["kind"], payload["truncated"], payload["count"], replay(chunks))
        return QueryAnswer(
            payload["kind"], payload["truncated"], payload["count"], self._stream(worker, deadline, started)
        )

    async def _stream(self, worker: Worker, deadline: float, started: float) -> AsyncIterator[bytes]:
        finished = False
        try:
            while True:
                kind, payload = await worker.next_message(deadline - time.monotonic())
                if kind == "chunk":
                    yield payload
                elif kind == "end":
                    finished = True
                    return
                else:  # an error after the head: the status is already sent, so cut the stream
                    raise RuntimeError(payload["message"] if isinstance(payload, dict) else str(payload))
        except TimeoutError:
            self.timeouts += 1
            raise
        finally:
            note_query_time(time.monotonic() - started)
            if finished:
                self._release(worker)
            else:
                self._replace(worker)

"""Runs SPARQL queries in a pool of worker processes, with a deadline that really stops them.

The event loop never evaluates a query: it hands the job to an idle worker and
waits on the worker's pipe without blocking. A worker that misses the deadline
is killed and replaced, so a runaway query costs one process, not the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from app.query_worker import worker_main
from app.sparql_protocol import ProtocolError

SPAWN = multiprocessing.get_context("spawn")
WORKER_START_SECONDS = 60.0


@dataclass(eq=False)
class Worker:
    process: SPAWN.Process  # type: ignore[name-defined]
    conn: Connection
    store_path: Path

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
    return conn.recv()


class QueryEngine:
    def __init__(self, store_path: Path, workers: int, timeout: float) -> None:
        self.store_path = store_path
        self.size = max(1, workers)
        self.timeout = timeout
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._all: set[Worker] = set()
        self.timeouts = 0

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
        return bool(self._all)

    async def switch_store(self, store_path: Path) -> None:
        """Point every worker at a new store snapshot (after an update).

        Idle workers are replaced at once; busy ones finish their query on the
        old snapshot and are replaced when they come back.
        """
        self.store_path = store_path
        replacements = []
        while not self._idle.empty():
            old = self._idle.get_nowait()
            self._retire(old)
            replacements.append(self._spawn(store_path))
        for worker in await asyncio.gather(*replacements):
            self._idle.put_nowait(worker)

    def uses(self, store_path: Path) -> bool:
        return any(worker.store_path == store_path for worker in self._all)

    async def _spawn(self, store_path: Path) -> Worker:
        parent, child = SPAWN.Pipe()
        process = SPAWN.Process(target=worker_main, args=(child, str(store_path)), daemon=True)
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

    def _replace(self, worker: Worker) -> None:
        """Kill a worker and start its successor in the background."""
        self._retire(worker)

        async def refill() -> None:
            self._idle.put_nowait(await self._spawn(self.store_path))

        asyncio.get_running_loop().create_task(refill())

    def _release(self, worker: Worker) -> None:
        if worker.store_path != self.store_path:
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

    async def run(self, job: QueryJob) -> QueryAnswer:
        deadline = time.monotonic() + self.timeout
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=self.timeout)
        except TimeoutError:
            raise ProtocolError(503, "The server is busy: no query worker became free in time. Retry later.") from None
        try:
            worker.conn.send(job.message())
            kind, payload = await receive(worker.conn, deadline - time.monotonic())
        except TimeoutError:
            self._replace(worker)
            raise self.timeout_error() from None
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            raise ProtocolError(500, "The query worker stopped unexpectedly; the query was not answered.") from None
        if kind == "error":
            self._release(worker)
            raise ProtocolError(payload["status"], payload["message"])
        return QueryAnswer(payload["kind"], payload["truncated"], payload["count"], self._stream(worker, deadline))

    async def _stream(self, worker: Worker, deadline: float) -> AsyncIterator[bytes]:
        finished = False
        try:
            while True:
                kind, payload = await receive(worker.conn, deadline - time.monotonic())
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
            if finished:
                self._release(worker)
            else:
                self._replace(worker)

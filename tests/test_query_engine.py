"""The query engine and its worker processes, on a small store of its own (no HTTP server).

A worker sends each answer as lists of messages (app/query_worker.py, `Batches`): a
small answer arrives whole, and its worker is free for the next query before the
answer is read; a large one streams in several lists; a failure before anything was
sent is an error, not a cut stream.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.query_engine import QueryEngine, QueryJob
from app.query_worker import CHUNK_BYTES
from app.sparql_protocol import ProtocolError

JSON = "application/sparql-results+json"
EX = "http://example.org/"
ROWS = 3000  # about 100 bytes a row in SPARQL JSON: more than one CHUNK_BYTES


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "store"
    store = ox.Store(str(path))
    store.extend(
        ox.Quad(ox.NamedNode(f"{EX}s/{index:05d}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"value {index}"))
        for index in range(ROWS)
    )
    store.flush()
    del store
    gc.collect()
    return path


def job(query: str, media_type: str = JSON, max_rows: int = 100_000) -> QueryJob:
    return QueryJob(query=query, media_type=media_type, max_rows=max_rows)


async def body_of(answer) -> bytes:
    return b"".join([chunk async for chunk in answer.chunks])


def run(store_path: Path, scenario, workers: int = 1):
    async def main():
        engine = QueryEngine(store_path, workers=workers, timeout=30)
        await engine.start()
        try:
            return await scenario(engine)
        finally:
            await engine.stop()

    return asyncio.run(main())


def test_a_small_answer_frees_its_worker_before_it_is_read(store_path: Path) -> None:
    async def scenario(engine: QueryEngine):
        answer = await engine.run(job(f"SELECT ?o WHERE {{ <{EX}s/00001> ?p ?o }}"))
        free_before_reading = engine._idle.qsize()
        # The only worker answers a second query while the first answer is still unread.
        second = await engine.run(job(f"SELECT ?o WHERE {{ <{EX}s/00002> ?p ?o }}"))
        return free_before_reading, await body_of(answer), await body_of(second)

    free, first, second = run(store_path, scenario)
    assert free == 1
    assert json.loads(first)["results"]["bindings"] == [{"o": {"type": "literal", "value": "value 1"}}]
    assert json.loads(second)["results"]["bindings"] == [{"o": {"type": "literal", "value": "value 2"}}]


def test_a_large_answer_streams_in_several_pieces(store_path: Path) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s"

    async def scenario(engine: QueryEngine):
        answer = await engine.run(job(query))
        assert engine._idle.qsize() == 0  # the worker is still sending
        chunks = [chunk async for chunk in answer.chunks]
        return answer, chunks, engine._idle.qsize()

    answer, chunks, free_after = run(store_path, scenario)
    body = b"".join(chunks)
    assert len(body) > CHUNK_BYTES and len(chunks) > 1
    assert not answer.truncated
    assert len(json.loads(body)["results"]["bindings"]) == ROWS
    assert free_after == 1


def test_the_row_cap_through_the_engine(store_path: Path) -> None:
    async def scenario(engine: QueryEngine):
        answer = await engine.run(job(f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }}", "text/tab-separated-values", 25))
        return answer, await body_of(answer)

    answer, body = run(store_path, scenario)
    assert answer.truncated
    assert body.decode().splitlines()[0] == "?s"
    assert len(body.decode().splitlines()) == 26


def test_a_failure_before_the_answer_is_sent_is_an_error_not_a_cut_stream(store_path: Path) -> None:
    # JSON-LD cannot hold a triple term: the serializer fails after the query was evaluated.
    query = f"CONSTRUCT {{ <{EX}a> <{EX}b> <<( <{EX}c> <{EX}d> <{EX}e> )>> }} WHERE {{}}"

    async def scenario(engine: QueryEngine):
        with pytest.raises(ProtocolError) as raised:
            await engine.run(job(query, "application/ld+json"))
        # The worker stays in service.
        answer = await engine.run(job(f"ASK {{ <{EX}s/00001> ?p ?o }}"))
        return raised.value, await body_of(answer)

    error, after = run(store_path, scenario)
    assert error.status == 500
    assert "JSON-LD" in error.message
    assert json.loads(after) == {"head": {}, "boolean": True}


def test_answers_arrive_whole_when_the_event_loop_makes_the_pipe_non_blocking(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # uvloop's add_reader leaves the file descriptor non-blocking; a message larger than the
    # pipe's buffer must still be read whole, not fail half-way as if the worker had died.
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s"
    plain_add_reader = asyncio.selector_events.BaseSelectorEventLoop.add_reader

    def add_reader(loop, fd, callback, *args):
        os.set_blocking(fd, False)
        return plain_add_reader(loop, fd, callback, *args)

    monkeypatch.setattr(asyncio.selector_events.BaseSelectorEventLoop, "add_reader", add_reader)

    async def scenario(engine: QueryEngine):
        bodies = []
        for _ in range(3):
            answer = await engine.run(job(query))
            bodies.append(await body_of(answer))
        return bodies

    for body in run(store_path, scenario):
        assert len(json.loads(body)["results"]["bindings"]) == ROWS

"""The running service's state: the store, the query engine and the update gate.

One instance lives on `app.state.service` for the lifetime of the application;
routes reach it through the `get_service` dependency (app/api/deps.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rdflib import Graph, URIRef

from app.build import engine_stages
from app.core.config import Settings
from app.dataset_description import DatasetStatistics, collect_statistics
from app.dumps import write_dumps
from app.namespaces import PREFIXES, SERIALIZATION_PREFIXES
from app.query_engine import QueryAnswer, QueryEngine, QueryJob
from app.sparql_protocol import declares_dataset
from app.store import GRAPH_ASSERTED, BuildGraphs, OxigraphStore, recover_store, write_store
from app.store_remote import RemoteQueryEngine, RemoteStore
from app.update import UpdateOutcome, inference, read_asserted_graphs, run_update, same_graphs, snapshot
from app.validate import load_shapes

T = TypeVar("T")
# With the remote backend other replicas may write the store: what is cached by generation
# (statistics, saved-query results) is read again after at most this many seconds.
REMOTE_CACHE_SECONDS = 60


@dataclass(frozen=True)
class QueryRequest:
    text: str
    media_type: str
    default_graphs: list[str]
    named_graphs: list[str]
    infer: bool
    remote: bool = False  # the query has an allowed SERVICE


def query_dataset(request: QueryRequest) -> tuple[list[str] | None, list[str] | None]:
    """The default and named graphs to query; None keeps what the query itself says.

    A dataset given in the protocol replaces the query's whole dataset, FROM and
    FROM NAMED alike (SPARQL 1.1 Protocol, 2.1.4): a graph list it leaves out is
    empty. `infer=false` only changes the default graph of a query that names
    no dataset of its own.
    """
    if request.default_graphs or request.named_graphs:
        return list(request.default_graphs), list(request.named_graphs)
    if not request.infer and not declares_dataset(request.text):
        return [str(GRAPH_ASSERTED)], None
    return None, None


UPDATE_STACK_MB = 512
_stack_size_lock = threading.Lock()


def with_large_stack(function: Callable[[str], T], text: str) -> T:
    """Run `function(text)` in a thread with a large stack, and wait for it.

    An update is parsed and evaluated by Oxigraph in this process, recursively: a long
    or deeply nested one could overflow an ordinary thread's 8 MB stack and take the
    whole server down. The stack is reserved, not used, unless the update needs it.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(function(text))
        except BaseException as error:
            failure.append(error)

    with _stack_size_lock:
        previous = threading.stack_size(UPDATE_STACK_MB * 1024 * 1024)
        try:
            thread = threading.Thread(target=run, name="update", daemon=True)  # does not hold up a shutdown
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


class GraphService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: OxigraphStore | RemoteStore | None = None
        self.engine: QueryEngine | RemoteQueryEngine | None = None
        self._statistics_generation: int | None = None
        self._update_lock = asyncio.Lock()
        self._generation = 0
        self._statistics: DatasetStatistics | None = None
        self._statistics_store: OxigraphStore | None = None  # the store the cached statistics were read from
        self._swap_snapshot: Path | None = None  # the snapshot read during the last swap, kept until the next
        self.updates_applied = 0
        self._asserted: dict[URIRef, Graph] | None = None
        self._shapes: Graph | None = None
        # The inferred graph after an update: kept up to date incrementally with the fast engine on the
        # embedded store, whose asserted graphs only updates change; the reasoner is built at the first update.
        self._infer = inference(settings.build_engine, incremental=settings.store_backend == "embedded")
        self._check = engine_stages(settings.build_engine)[1]  # SHACL validation with the build engine's validator

    @property
    def updates_enabled(self) -> bool:
        return bool(self.settings.write_token)

    @property
    def remote(self) -> bool:
        """Whether the store is a SPARQL server over HTTP (README, "Remote store backend")."""
        return self.settings.store_backend == "remote"

    @property
    def snapshot_dir(self) -> Path:
        path = self.settings.store_path
        return path.with_name(path.name + ".snapshots")

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.remote:  # no local state: the store server holds the graphs
            self.store = RemoteStore.from_settings(self.settings)
            self.engine = RemoteQueryEngine(
                self.store, self.settings.query_workers, self.settings.query_timeout_seconds
            )
            await self.engine.start()
            return
        path = self.settings.store_path
        recover_store(path)
        if not path.exists():
            raise RuntimeError(f"No store at {path}: run `migcoop build` first.")
        if self.updates_enabled:
            # The writer owns the store; query workers read immutable snapshots of it.
            self.store = OxigraphStore.open(path)
            shutil.rmtree(self.snapshot_dir, ignore_errors=True)
            self.snapshot_dir.mkdir(parents=True)
            worker_store = snapshot(self.store, self.snapshot_dir, self._generation)
        else:
            self.store = OxigraphStore.open(path, read_only=True)
            worker_store = path
        self.engine = QueryEngine(
            worker_store,
            self.settings.query_workers,
            self.settings.query_timeout_seconds,
            memory_mb=self.settings.query_memory_mb,
        )
        await self.engine.start()

    async def stop(self) -> None:
        if self.engine:
            await self.engine.stop()
        self.store = None
        if self.updates_enabled and not self.remote:
            shutil.rmtree(self.snapshot_dir, ignore_errors=True)

    @property
    def generation(self) -> int | None:
        """The version of the graph queries see: bumped by each update; None while one is being applied.

        With the remote backend it also moves on every REMOTE_CACHE_SECONDS (other replicas may write).
        """
        if self._update_lock.locked():
            return None
        if self.remote:
            return self._generation + (int(time.monotonic() // REMOTE_CACHE_SECONDS) << 32)
        return self._generation

    @property
    def ready(self) -> bool:
        return self.store is not None and self.engine is not None and self.engine.ready

    def statistics(self) -> DatasetStatistics:
        store = self.store  # one read: an update may swap the store meanwhile
        assert store is not None
        stale = self.remote and self._statistics_generation != self.generation
        if self._statistics is None or self._statistics_store is not store or stale:
            statistics = collect_statistics(store)
            self._statistics, self._statistics_store = statistics, store
            self._statistics_generation = self.generation
            return statistics
        return self._statistics

    async def query(self, request: QueryRequest) -> QueryAnswer:
        assert self.engine is not None
        default_graphs, named_graphs = query_dataset(request)
        job = QueryJob(
            query=request.text,
            media_type=request.media_type,
            max_rows=self.settings.max_result_rows,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            base_iri=self.settings.base_iri + "id/",
            prefixes=PREFIXES,
            output_prefixes=SERIALIZATION_PREFIXES,
            remote=request.remote,
        )
        return await self.engine.run(job)

    async def update(self, text: str) -> UpdateOutcome:
        """Apply an update through validation and reasoning, then swap the store; one at a time."""
        async with self._update_lock:
            return await asyncio.to_thread(with_large_stack, self._update_blocking, text)

    def _update_blocking(self, text: str) -> UpdateOutcome:
        if isinstance(self.store, RemoteStore):
            return self._update_remote(self.store, text)
        assert self.store is not None
        if self._asserted is None:
            self._asserted = read_asserted_graphs(self.store)
        graphs, outcome = self._gate(self._asserted, text)
        if same_graphs(self._asserted, graphs.asserted):
            return outcome  # no asserted graph changed: the store, its snapshot and the dumps stay as they are
        path = self.settings.store_path
        # While the directories are swapped, pages, VoID and the service description read the
        # snapshot the query workers use (the graph as it was): `self.store` is never None.
        assert self.engine is not None
        self._swap_snapshot = self.engine.store_path
        self.store = OxigraphStore.open(self._swap_snapshot, read_only=True)
        try:
            write_store(path, graphs)
        except BaseException:
            recover_store(path)  # the old store, or the new one if it was complete
            self.store = OxigraphStore.open(path)
            raise
        self.store = OxigraphStore.open(path)
        self._asserted = graphs.asserted
        self._generation += 1
        self.updates_applied += 1
        new_snapshot = snapshot(self.store, self.snapshot_dir, self._generation)
        asyncio.run_coroutine_threadsafe(self._switch(new_snapshot), self._loop).result()
        with contextlib.suppress(OSError):
            write_dumps(graphs, self.settings.dumps_path)
        return outcome

    def _gate(self, current: dict[URIRef, Graph], text: str) -> tuple[BuildGraphs, UpdateOutcome]:
        """Apply, validate and reason (app.update.run_update) with this service's shapes and engines."""
        if self._shapes is None:
            self._shapes = load_shapes(self.settings.ontology_dir / "shapes.ttl")
        return run_update(
            current,
            text,
            self._shapes,
            base_iri=self.settings.base_iri + "id/",
            prefixes=PREFIXES,
            infer=self._infer,
            check=self._check,
        )

    async def _switch(self, new_snapshot: Path) -> None:
        assert self.engine is not None
        await self.engine.switch_store(new_snapshot)
        for old in sorted(self.snapshot_dir.glob("snapshot-*")):
            # The snapshot read during the swap may still be open in a page being rendered: it goes next time.
            if old not in (new_snapshot, self._swap_snapshot) and not self.engine.uses(old):
                shutil.rmtree(old, ignore_errors=True)

    def _update_remote(self, store: RemoteStore, text: str) -> UpdateOutcome:
        """The same gate on the remote store: read the asserted graphs (fresh: another replica or
        tool may have written), apply, validate and reason here, then write the changed graphs
        back in one SPARQL Update request, which the server applies as one transaction."""
        current = read_asserted_graphs(store)
        graphs, outcome = self._gate(current, text)
        if store.write_update(current, graphs):
            self._generation += 1
            self.updates_applied += 1
        with contextlib.suppress(OSError):
            write_dumps(graphs, self.settings.dumps_path)
        return outcome

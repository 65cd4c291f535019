"""The running service's state: the store, the query engine and the update gate.

One instance lives on `app.state.service` for the lifetime of the application;
routes reach it through the `get_service` dependency (app/api/deps.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef

from app.core.config import Settings
from app.dataset_description import DatasetStatistics, collect_statistics
from app.dumps import write_dumps
from app.namespaces import PREFIXES, SERIALIZATION_PREFIXES
from app.query_engine import QueryAnswer, QueryEngine, QueryJob
from app.sparql_protocol import declares_dataset
from app.store import GRAPH_ASSERTED, OxigraphStore, recover_store, write_store
from app.update import UpdateOutcome, read_asserted_graphs, run_update, snapshot
from app.validate import load_shapes


@dataclass(frozen=True)
class QueryRequest:
    text: str
    media_type: str
    default_graphs: list[str]
    named_graphs: list[str]
    infer: bool


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


class GraphService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: OxigraphStore | None = None
        self.engine: QueryEngine | None = None
        self._update_lock = asyncio.Lock()
        self._generation = 0
        self._statistics: DatasetStatistics | None = None
        self._asserted: dict[URIRef, Graph] | None = None
        self._shapes: Graph | None = None

    @property
    def updates_enabled(self) -> bool:
        return bool(self.settings.write_token)

    @property
    def snapshot_dir(self) -> Path:
        path = self.settings.store_path
        return path.with_name(path.name + ".snapshots")

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
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
        self.engine = QueryEngine(worker_store, self.settings.query_workers, self.settings.query_timeout_seconds)
        await self.engine.start()

    async def stop(self) -> None:
        if self.engine:
            await self.engine.stop()
        self.store = None
        if self.updates_enabled:
            shutil.rmtree(self.snapshot_dir, ignore_errors=True)

    @property
    def generation(self) -> int | None:
        """The version of the graph queries see: bumped by each update; None while one is being applied."""
        return None if self._update_lock.locked() else self._generation

    @property
    def ready(self) -> bool:
        return self.store is not None and self.engine is not None and self.engine.ready

    def statistics(self) -> DatasetStatistics:
        if self._statistics is None:
            assert self.store is not None
            self._statistics = collect_statistics(self.store)
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
        )
        return await self.engine.run(job)

    async def update(self, text: str) -> UpdateOutcome:
        """Apply an update through validation and reasoning, then swap the store; one at a time."""
        async with self._update_lock:
            return await asyncio.to_thread(self._update_blocking, text)

    def _update_blocking(self, text: str) -> UpdateOutcome:
        assert self.store is not None
        if self._asserted is None:
            self._asserted = read_asserted_graphs(self.store)
        if self._shapes is None:
            self._shapes = load_shapes(self.settings.ontology_dir / "shapes.ttl")
        graphs, outcome = run_update(
            self._asserted, text, self._shapes, base_iri=self.settings.base_iri + "id/", prefixes=PREFIXES
        )
        path = self.settings.store_path
        self.store = None  # close our handle before the directories are swapped
        write_store(path, graphs)
        self.store = OxigraphStore.open(path)
        self._asserted = graphs.asserted
        self._statistics = None
        self._generation += 1
        new_snapshot = snapshot(self.store, self.snapshot_dir, self._generation)
        asyncio.run_coroutine_threadsafe(self._switch(new_snapshot), self._loop).result()
        with contextlib.suppress(OSError):
            write_dumps(graphs, self.settings.dumps_path)
        return outcome

    async def _switch(self, new_snapshot: Path) -> None:
        assert self.engine is not None
        await self.engine.switch_store(new_snapshot)
        for old in sorted(self.snapshot_dir.glob("snapshot-*")):
            if old != new_snapshot and not self.engine.uses(old):
                shutil.rmtree(old, ignore_errors=True)

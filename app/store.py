"""Stage 4, the store: the graphs of a build, persisted in an embedded Oxigraph store.

Layout of the dataset (documented in the README):
- the default graph: every asserted and inferred triple, each once;
- id:graph/asserted: every asserted triple (ontology, reference, sources, curation);
- id:graph/inferred: what the OWL 2 RL reasoner added;
- id:graph/ontology, id:graph/reference, id:graph/curation, id:graph/source/NNN:
  the asserted triples by where they come from.
The default graph is materialised rather than computed as a union at query time,
so that a triple stated in two graphs is counted once, as in Fuseki's or
GraphDB's merged default graph.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph

from app.namespaces import GRAPH_INFERRED, ID

GRAPH_ASSERTED = ID["graph/asserted"]


@dataclass(frozen=True)
class BuildGraphs:
    """What the pipeline hands to the store: named asserted graphs and the inferred graph."""

    asserted: dict[URIRef, Graph]
    inferred: Graph

    def asserted_union(self) -> Graph:
        union = Graph()
        for graph in self.asserted.values():
            union += graph
        return union


def with_canonical_blank_nodes(graph: Graph) -> Graph:
    """The same graph with blank nodes relabelled from their content.

    Only the few triples that touch blank nodes (OWL restrictions and lists in
    the ontology) are canonicalised, so this stays cheap on large graphs.
    """
    touching = [t for t in graph if isinstance(t[0], BNode) or isinstance(t[2], BNode)]
    if not touching:
        return graph
    plain = Graph()
    for triple in graph:
        if not (isinstance(triple[0], BNode) or isinstance(triple[2], BNode)):
            plain.add(triple)
    subgraph = Graph()
    for triple in touching:
        subgraph.add(triple)
    plain += to_canonical_graph(subgraph)
    return plain


def sorted_ntriples(graph: Graph) -> bytes:
    """Canonical, sorted N-Triples: the same graph always gives the same bytes."""
    text = with_canonical_blank_nodes(graph).serialize(format="nt", encoding="utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return b"\n".join(lines) + (b"\n" if lines else b"")


class OxigraphStore:
    """The embedded store. One writer at a time; readers may open it read-only."""

    def __init__(self, store: ox.Store, path: Path | None) -> None:
        self._store = store
        self.path = path

    @classmethod
    def open(cls, path: Path, read_only: bool = False) -> OxigraphStore:
        store = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        return cls(store, path)

    @classmethod
    def in_memory(cls) -> OxigraphStore:
        return cls(ox.Store(), None)

    @property
    def raw(self) -> ox.Store:
        return self._store

    def load_graph(self, graph: Graph, name: URIRef | None) -> None:
        target = ox.NamedNode(str(name)) if name is not None else ox.DefaultGraph()
        self._store.bulk_load(sorted_ntriples(graph), format=ox.RdfFormat.N_TRIPLES, to_graph=target)

    def write_build(self, graphs: BuildGraphs) -> None:
        self._store.clear()
        asserted = graphs.asserted_union()
        everything = Graph()
        everything += asserted
        everything += graphs.inferred
        self.load_graph(everything, None)
        self.load_graph(asserted, GRAPH_ASSERTED)
        self.load_graph(graphs.inferred, GRAPH_INFERRED)
        for name, graph in sorted(graphs.asserted.items()):
            self.load_graph(graph, name)
        self._store.flush()

    def graph_names(self) -> list[str]:
        return sorted(node.value for node in self._store.named_graphs())

    def count(self, graph: str | None = None) -> int:
        target = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        result = self._store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {target} }}")
        return int(next(iter(result))["n"].value)

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return self._store.quads_for_pattern(None, None, None, target)

    def read_graph(self, name: str | None) -> Graph:
        """One graph of the store (None: the default graph) as an rdflib graph."""
        data = ox.serialize(
            (ox.Triple(q.subject, q.predicate, q.object) for q in self.quads(name)), format=ox.RdfFormat.N_TRIPLES
        )
        return Graph().parse(data=data or b"", format="nt")


class GraphStore(Protocol):
    """What the build and the service need of a store; two implementations, chosen by
    the `store_backend` setting: `OxigraphStore` (embedded, the default) and
    `app.store_remote.RemoteStore` (a SPARQL 1.1 server over HTTP).

    `raw` is what answers small bounded reads (pages, statistics): a pyoxigraph store,
    or an object with the same `query`, `quads_for_pattern` and `named_graphs`.
    """

    @property
    def raw(self): ...

    def write_build(self, graphs: BuildGraphs) -> None: ...

    def graph_names(self) -> list[str]: ...

    def count(self, graph: str | None = None) -> int: ...

    def read_graph(self, name: str | None) -> Graph: ...


COMPLETE_MARKER = "BUILD-COMPLETE"


def write_store(path: Path, graphs: BuildGraphs) -> None:
    """Write a fresh store beside `path`, then swap it in with renames.

    A crash at any point leaves either the old or the new complete store
    (see `recover_store`), never a half-written one.
    """
    replace_store(path, lambda store: OxigraphStore(store, None).write_build(graphs))


def replace_store(path: Path, fill: Callable[[ox.Store], None]) -> None:
    """Let `fill` write a new, empty store beside `path`, then swap it in; if `fill` raises,
    `path` stays as it was. `fill` must not keep the store: it is closed before it moves."""
    staging = path.with_name(path.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = ox.Store(str(staging))
        fill(store)
        store.flush()
        del store
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (staging / COMPLETE_MARKER).write_text("ok\n")
    previous = path.with_name(path.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if path.exists():
        path.rename(previous)
    staging.rename(path)
    shutil.rmtree(previous, ignore_errors=True)


def recover_store(path: Path) -> None:
    """Finish or undo a store swap that a crash interrupted."""
    staging = path.with_name(path.name + ".new")
    previous = path.with_name(path.name + ".old")
    if not path.exists():
        if (staging / COMPLETE_MARKER).exists():
            staging.rename(path)
        elif previous.exists():
            previous.rename(path)
    shutil.rmtree(staging, ignore_errors=True)
    if path.exists():
        shutil.rmtree(previous, ignore_errors=True)

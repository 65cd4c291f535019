"""SPARQL Update as a transaction through the same gate as the build: apply the
update to a scratch copy of the asserted graphs, validate the result with the
SHACL shapes, compute the new inferred graph, and only then replace the store.

What an update sees and where its changes go:
- its default graph is the union of the asserted graphs, so WHERE clauses see all
  asserted facts; triples inserted without GRAPH go to id:graph/updates; triples
  deleted without GRAPH are deleted from every asserted graph;
- it may name asserted graphs (sources, curation, reference, updates) with GRAPH;
- the derived graphs (id:graph/asserted, id:graph/inferred) cannot be written.
A rejected update changes nothing.

With the fast engine the embedded store's inferred graph is kept up to date by an
`IncrementalReasoner` (app.reason_fast.FastReasoner) from the triples the update added
and removed; otherwise, and on the remote backend, it is recomputed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from app.build import engine_stages
from app.namespaces import GRAPH_INFERRED, ID
from app.reason import reason
from app.reason_fast import FastReasoner, UnsupportedAxiom
from app.sparql_protocol import ProtocolError, short_syntax_error
from app.store import GRAPH_ASSERTED, BuildGraphs, GraphStore, OxigraphStore, sorted_ntriples
from app.validate import ValidationReport, validate

GRAPH_UPDATES = ID["graph/updates"]
DERIVED_GRAPHS = {str(GRAPH_ASSERTED), str(GRAPH_INFERRED)}

Graphs = dict[URIRef, Graph]
Triple = tuple[Node, Node, Node]
# (the asserted graphs before the update, after it, their union after it) -> the inferred graph
Infer = Callable[[Graphs, Graphs, Graph], Graph]


REJECTION_MESSAGE_LIMIT = 480  # characters: errors stay short enough to read in a notebook cell
VIOLATION_LINE_LIMIT = 200


class UpdateRejected(ProtocolError):
    """The update would leave the data non-conformant (422) and was rolled back.

    The message lists as many violations as fit in REJECTION_MESSAGE_LIMIT characters
    and says how many more there are.
    """

    def __init__(self, report: ValidationReport) -> None:
        total = len(report.violations)
        lines = [f"Update rejected: the data would not conform to the shapes ({total} violation(s))."]
        size = len(lines[0])
        for shown, violation in enumerate(report.violations):
            line = "- " + violation.describe()
            if len(line) > VIOLATION_LINE_LIMIT:
                line = line[: VIOLATION_LINE_LIMIT - 1] + "…"
            more = f"… and {total - shown} more."
            remaining = total - shown - 1
            room = REJECTION_MESSAGE_LIMIT - size - len(line) - 1
            if room < (len(f"… and {remaining} more.") + 1 if remaining else 0):
                lines.append(more)
                break
            lines.append(line)
            size += len(line) + 1
        super().__init__(422, "\n".join(lines))
        self.report = report


@dataclass(frozen=True)
class UpdateOutcome:
    asserted_triples: int
    inferred_triples: int
    inserted: int
    deleted: int


def read_asserted_graphs(store: GraphStore) -> dict[URIRef, Graph]:
    """The asserted named graphs of a built store (embedded or remote), as rdflib graphs."""
    return {URIRef(name): store.read_graph(name) for name in store.graph_names() if name not in DERIVED_GRAPHS}


def triples_of(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)}


def to_rdflib(triples: set[ox.Triple]) -> Graph:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data or b"", format="nt")


def scratch_store(graphs: dict[URIRef, Graph]) -> tuple[ox.Store, Graph]:
    scratch = ox.Store()
    union = Graph()
    for name, graph in graphs.items():
        scratch.bulk_load(sorted_ntriples(graph), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
        union += graph
    scratch.bulk_load(sorted_ntriples(union), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.DefaultGraph())
    return scratch, union


def apply_update(
    graphs: dict[URIRef, Graph], update: str, base_iri: str | None = None, prefixes: dict[str, str] | None = None
) -> tuple[dict[URIRef, Graph], int, int]:
    """Run `update` on a scratch copy; return the new asserted graphs (inputs untouched) and
    how many triples it inserted and deleted.

    Changes are computed on Oxigraph terms inside the one scratch store: blank nodes keep
    their labels there, whereas each parse into rdflib gives them new ones, so comparing
    rdflib graphs from different parses would count (and copy) every blank-node triple.
    """
    scratch, _union = scratch_store(graphs)
    before = {node: triples_of(scratch, node) for node in scratch.named_graphs()}
    default_before = triples_of(scratch, ox.DefaultGraph())
    try:
        scratch.update(update, base_iri=base_iri, prefixes=prefixes)
    except SyntaxError as error:
        raise ProtocolError(400, f"Malformed update: {short_syntax_error(error)}") from error
    except OSError as error:
        raise ProtocolError(400, f"The update could not be applied: {error}") from error

    touched_derived = [g.value for g in scratch.named_graphs() if g.value in DERIVED_GRAPHS]
    if touched_derived:
        raise ProtocolError(
            400, f"Graph <{touched_derived[0]}> is derived by the build and cannot be written; write asserted graphs."
        )
    default_after = triples_of(scratch, ox.DefaultGraph())
    deleted_from_default = default_before - default_after
    inserted_into_default = default_after - default_before

    after = {node: triples_of(scratch, node) - deleted_from_default for node in scratch.named_graphs()}
    updates = ox.NamedNode(str(GRAPH_UPDATES))
    after[updates] = after.get(updates, set()) | inserted_into_default

    result: dict[URIRef, Graph] = {}
    for node, triples in after.items():
        if not triples:
            continue
        name = URIRef(node.value)
        unchanged = name in graphs and before.get(node) == triples
        result[name] = graphs[name] if unchanged else to_rdflib(triples)
    union_before: set[ox.Triple] = set().union(*before.values())
    union_after: set[ox.Triple] = set().union(*after.values())
    return result, len(union_after - union_before), len(union_before - union_after)


def same_graphs(old: Graphs, new: Graphs) -> bool:
    """Whether `new` holds exactly the graph objects of `old` (apply_update keeps those it did not change)."""
    return old.keys() == new.keys() and all(new[name] is graph for name, graph in old.items())


def asserted_delta(old: Graphs, new: Graphs) -> tuple[set[Triple], set[Triple]]:
    """The triples added to and removed from the union of the asserted graphs, read from the graphs
    that changed. A changed graph is a new parse with new blank nodes: its blank-node triples
    count as removed and added again, which changes nothing but the labels."""
    kept = {name for name, graph in old.items() if new.get(name) is graph}
    before = {triple for name, graph in old.items() if name not in kept for triple in graph}
    after = {triple for name, graph in new.items() if name not in kept for triple in graph}
    unchanged = [old[name] for name in kept]
    added = {triple for triple in after - before if not any(triple in graph for graph in unchanged)}
    removed = {triple for triple in before - after if not any(triple in graph for graph in unchanged)}
    return added, removed


class IncrementalReasoner:
    """A FastReasoner holding the closure of the asserted graphs it was last given, advanced by
    each accepted update from the triples it added and removed.

    It is only advanced from the graphs it holds the closure of: from any others (the first
    update, the graphs before an update whose store write failed) it is built again. It is
    never left half-changed: it is dropped while it changes and kept only if that succeeds.
    """

    def __init__(self) -> None:
        self._reasoner: FastReasoner | None = None
        self._graphs: Graphs = {}

    def infer(self, old: Graphs, new: Graphs, asserted: Graph) -> Graph:
        reasoner = self._reasoner if same_graphs(self._graphs, old) else None
        self._reasoner, self._graphs = None, {}
        try:
            if reasoner is None:
                reasoner = FastReasoner(asserted)
                inferred = reasoner.inferred()
            else:
                inferred = reasoner.update(*asserted_delta(old, new))
        except UnsupportedAxiom:
            return reason(asserted)
        self._reasoner, self._graphs = reasoner, new
        return inferred


def full_reasoning(reason_graph: Callable[[Graph], Graph]) -> Infer:
    return lambda _old, _new, asserted: reason_graph(asserted)


def inference(engine: str, incremental: bool) -> Infer:
    """How updates get their inferred graph with the build engine `engine` (the `build_engine` setting)."""
    if engine == "fast" and incremental:
        return IncrementalReasoner().infer
    return full_reasoning(engine_stages(engine)[2])


def run_update(
    current: Graphs,
    update: str,
    shapes: Graph,
    base_iri: str | None = None,
    prefixes: dict[str, str] | None = None,
    infer: Infer | None = None,
    check: Callable[[Graph, Graph], ValidationReport] = validate,
) -> tuple[BuildGraphs, UpdateOutcome]:
    """Apply, validate and reason. Raises ProtocolError (400/422) and changes nothing on failure;
    `check` validates (default: pyshacl); `infer` (default: the reference reasoner) is only called
    once the update is valid."""
    new_graphs, inserted, deleted = apply_update(current, update, base_iri, prefixes)
    candidate = BuildGraphs(asserted=new_graphs, inferred=Graph())
    asserted = candidate.asserted_union()
    report = check(asserted, shapes)
    if not report.conforms:
        raise UpdateRejected(report)
    inferred = infer(current, new_graphs, asserted) if infer else reason(asserted)
    outcome = UpdateOutcome(len(asserted), len(inferred), inserted, deleted)
    return BuildGraphs(asserted=new_graphs, inferred=inferred), outcome


def snapshot(store: OxigraphStore, directory: Path, generation: int) -> Path:
    """A read-only checkpoint of the store for the query workers (hard links, cheap)."""
    target = directory / f"snapshot-{generation}"
    store.raw.backup(str(target))
    return target

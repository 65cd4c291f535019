"""SPARQL Update as a transaction through the same gate as the build: apply the
update to a scratch copy of the asserted graphs, validate the result with the
SHACL shapes, recompute the inferred graph, and only then replace the store.

What an update sees and where its changes go:
- its default graph is the union of the asserted graphs, so WHERE clauses see all
  asserted facts; triples inserted without GRAPH go to id:graph/updates; triples
  deleted without GRAPH are deleted from every asserted graph;
- it may name asserted graphs (sources, curation, reference, updates) with GRAPH;
- the derived graphs (id:graph/asserted, id:graph/inferred) cannot be written.
A rejected update changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from app.namespaces import GRAPH_INFERRED, ID
from app.reason import reason
from app.sparql_protocol import ProtocolError, short_syntax_error
from app.store import GRAPH_ASSERTED, BuildGraphs, GraphStore, OxigraphStore, sorted_ntriples
from app.validate import ValidationReport, validate

GRAPH_UPDATES = ID["graph/updates"]
DERIVED_GRAPHS = {str(GRAPH_ASSERTED), str(GRAPH_INFERRED)}


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


def run_update(
    current: dict[URIRef, Graph],
    update: str,
    shapes: Graph,
    base_iri: str | None = None,
    prefixes: dict[str, str] | None = None,
) -> tuple[BuildGraphs, UpdateOutcome]:
    """Apply, validate and reason. Raises ProtocolError (400/422) and changes nothing on failure."""
    new_graphs, inserted, deleted = apply_update(current, update, base_iri, prefixes)
    candidate = BuildGraphs(asserted=new_graphs, inferred=Graph())
    asserted = candidate.asserted_union()
    report = validate(asserted, shapes)
    if not report.conforms:
        raise UpdateRejected(report)
    inferred = reason(asserted)
    outcome = UpdateOutcome(len(asserted), len(inferred), inserted, deleted)
    return BuildGraphs(asserted=new_graphs, inferred=inferred), outcome


def snapshot(store: OxigraphStore, directory: Path, generation: int) -> Path:
    """A read-only checkpoint of the store for the query workers (hard links, cheap)."""
    target = directory / f"snapshot-{generation}"
    store.raw.backup(str(target))
    return target

"""Dumps of a build: the asserted, the inferred and all triples in Turtle, N-Triples and JSON-LD,
plus every graph with its name in N-Quads. Triples are sorted first, so building
twice gives byte-identical files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from app.namespaces import GRAPH_INFERRED, SERIALIZATION_PREFIXES
from app.store import GRAPH_ASSERTED, BuildGraphs, sorted_ntriples

FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
DUMP_NAME = "migcoop"


@dataclass(frozen=True)
class Dump:
    path: Path
    triples: int


def write_graph_dumps(graph: Graph, stem: Path) -> list[Dump]:
    triples = list(ox.parse(sorted_ntriples(graph), format=ox.RdfFormat.N_TRIPLES))
    written = []
    for extension, rdf_format in FORMATS.items():
        path = stem.with_suffix(f".{extension}")
        prefixes = SERIALIZATION_PREFIXES if rdf_format is ox.RdfFormat.TURTLE else None
        ox.serialize(triples, str(path), format=rdf_format, prefixes=prefixes)
        written.append(Dump(path, len(triples)))
    return written


def write_nquads(graphs: BuildGraphs, path: Path) -> Dump:
    named = {**graphs.asserted, GRAPH_ASSERTED: graphs.asserted_union(), GRAPH_INFERRED: graphs.inferred}
    lines: list[bytes] = []
    for name, graph in sorted(named.items()):
        for line in sorted_ntriples(graph).splitlines():
            lines.append(line[: line.rstrip().rfind(b".")].rstrip() + f" <{name}> .".encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return Dump(path, len(lines))


def write_dumps(graphs: BuildGraphs, directory: Path) -> list[Dump]:
    directory.mkdir(parents=True, exist_ok=True)
    asserted = graphs.asserted_union()
    everything = Graph()
    everything += asserted
    everything += graphs.inferred
    dumps = write_graph_dumps(asserted, directory / f"{DUMP_NAME}-asserted")
    dumps += write_graph_dumps(graphs.inferred, directory / f"{DUMP_NAME}-inferred")
    dumps += write_graph_dumps(everything, directory / f"{DUMP_NAME}-all")
    dumps.append(write_nquads(graphs, directory / f"{DUMP_NAME}-graphs.nq"))
    return dumps

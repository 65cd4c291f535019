"""Dumps of a build: the asserted, the inferred and all triples in Turtle, N-Triples and JSON-LD,
plus every graph with its name in N-Quads. Triples are sorted first, so building
twice gives byte-identical files."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from app.namespaces import GRAPH_INFERRED, SERIALIZATION_PREFIXES
from app.store import GRAPH_ASSERTED, BuildGraphs, sorted_ntriples

FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
DUMP_NAME = "migcoop"


@dataclass(frozen=True)
class Dump:
    path: Path
    triples: int


def write_graph_dumps(graph: Graph, stem: Path) -> list[Dump]:
    with tempfile.TemporaryDirectory(dir=stem.parent) as scratch:
        sorted_nt = Path(scratch) / "sorted.nt"
        sorted_nt.write_bytes(sorted_ntriples(graph))
        return write_graph_dumps_from_file(sorted_nt, stem)


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


# --- from a store -------------------------------------------------------------------------------
# The same files as `write_dumps`, read from the graphs of a store written by the build. The
# triples go through files and the system's `sort` (bytewise, as Python sorts bytes), so a graph
# of millions of triples is never held in memory.


def write_store_dumps(store: ox.Store, directory: Path) -> list[Dump]:
    """The dumps of a store whose default graph is the union of its asserted and inferred graphs."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        work = Path(scratch)
        parts = {
            "asserted": sorted_graph_file(store, GRAPH_ASSERTED, work / "asserted.nt"),
            "inferred": sorted_graph_file(store, GRAPH_INFERRED, work / "inferred.nt"),
        }
        parts["all"] = sort_lines([parts["asserted"], parts["inferred"]], work / "all.nt", merge=True)
        dumps = []
        for part, sorted_nt in parts.items():
            dumps += write_graph_dumps_from_file(sorted_nt, directory / f"{DUMP_NAME}-{part}")
        known = {str(GRAPH_ASSERTED): parts["asserted"], str(GRAPH_INFERRED): parts["inferred"]}
        dumps.append(write_store_nquads(store, directory / f"{DUMP_NAME}-graphs.nq", work, known))
    return dumps


def sort_lines(inputs: list[Path], output: Path, merge: bool = False) -> Path:
    """`sort -u` bytewise (LC_ALL=C, the order of Python's bytes), on disk for big files."""
    options = ["-m"] if merge else []
    command = ["sort", "-u", *options, "-S", "1G", "-T", str(output.parent), "-o", str(output), *map(str, inputs)]
    subprocess.run(command, check=True, env={**os.environ, "LC_ALL": "C"})
    return output


def sorted_graph_file(store: ox.Store, graph: URIRef | None, path: Path) -> Path:
    """One graph of `store` as canonical sorted N-Triples (see `sorted_ntriples`) in `path`."""
    source = ox.NamedNode(str(graph)) if graph is not None else ox.DefaultGraph()
    unsorted = path.with_suffix(".unsorted")
    store.dump(str(unsorted), format=ox.RdfFormat.N_TRIPLES, from_graph=source)
    maybe_blank: list[bytes] = []  # relabelled from their content, as `sorted_ntriples` does
    with unsorted.open("rb") as lines, path.open("wb") as out:
        for line in lines:
            if b"_:" in line:
                maybe_blank.append(line)
            elif line.strip():
                out.write(line)
        if maybe_blank:
            out.write(sorted_ntriples(Graph().parse(data=b"".join(maybe_blank), format="nt")))
    unsorted.unlink()
    return sort_lines([path], path)


def write_graph_dumps_from_file(sorted_nt: Path, stem: Path) -> list[Dump]:
    count = rewrite_ntriples(sorted_nt, stem.with_suffix(".nt"))
    for extension, rdf_format in FORMATS.items():
        if rdf_format is not ox.RdfFormat.N_TRIPLES:
            prefixes = SERIALIZATION_PREFIXES if rdf_format is ox.RdfFormat.TURTLE else None
            triples = ox.parse(path=str(sorted_nt), format=ox.RdfFormat.N_TRIPLES)
            ox.serialize(triples, str(stem.with_suffix(f".{extension}")), rdf_format, prefixes=prefixes)
    return [Dump(stem.with_suffix(f".{extension}"), count) for extension in FORMATS]


def rewrite_ntriples(sorted_nt: Path, path: Path) -> int:
    """Oxigraph's N-Triples of the triples in `sorted_nt`, in their order; returns how many."""
    count = 0

    def counted(triples):
        nonlocal count
        for triple in triples:
            count += 1
            yield triple

    ox.serialize(
        counted(ox.parse(path=str(sorted_nt), format=ox.RdfFormat.N_TRIPLES)), str(path), ox.RdfFormat.N_TRIPLES
    )
    return count


def write_store_nquads(store: ox.Store, path: Path, work: Path, known: dict[str, Path]) -> Dump:
    """Every named graph, sorted by name, then by line; `known`: sorted files already written."""
    count = 0
    with path.open("wb") as out:
        for name in sorted(node.value for node in store.named_graphs()):
            graph_file = known.get(name) or sorted_graph_file(store, URIRef(name), work / "graph.nt")
            suffix = f" <{name}> .\n".encode()
            with graph_file.open("rb") as lines:
                for line in lines:
                    out.write(line[: line.rstrip().rfind(b".")].rstrip() + suffix)
                    count += 1
    return Dump(path, count)

"""Stage 1, load: read the ontology and the data files into one dataset of named graphs.

Which file goes into which graph:
- ontology/migcoop.ttl          -> id:graph/ontology
- data/reference/*.ttl          -> id:graph/reference
- data/sources/NNN*.ttl         -> id:graph/source/NNN (a source may span several files)
- data/curation/*.ttl           -> id:graph/curation

Loading also expands the compact time notation of the data files (instants named
`id:time/2011-02`) into OWL-Time instants and day bounds; see `expand_time`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from app.namespaces import GRAPH_CURATION, GRAPH_ONTOLOGY, GRAPH_REFERENCE, ID, MC, TIME, source_graph
from app.terms import to_oxigraph, to_rdflib

SOURCE_FILE = re.compile(r"^(\d{3})[-_.]")
TIME_PREFIX = str(ID["time/"])
INSTANT = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class LoadError(Exception):
    """A data file could not be read; the message names the file and the line."""


@dataclass(frozen=True)
class DataFile:
    path: Path
    graph: URIRef


@dataclass
class LoadedData:
    dataset: Dataset
    files: list[DataFile]
    origins: dict[Node, set[Path]] = field(default_factory=dict)

    def asserted(self) -> Graph:
        """All asserted triples (ontology included) as one graph."""
        union = Graph()
        for graph in self.dataset.graphs():
            if graph.identifier != self.dataset.default_graph.identifier:
                union += graph
        return union

    def files_defining(self, node: Node) -> list[Path]:
        return sorted(self.origins.get(node, ()))


def discover_files(ontology_dir: Path, data_dir: Path) -> list[DataFile]:
    files = [DataFile(ontology_dir / "migcoop.ttl", GRAPH_ONTOLOGY)]
    files += [DataFile(path, GRAPH_REFERENCE) for path in sorted((data_dir / "reference").glob("*.ttl"))]
    for path in sorted((data_dir / "sources").glob("*.ttl")):
        match = SOURCE_FILE.match(path.name)
        if not match:
            raise LoadError(f"{path}: source data files must be named after their source number, like 004-part.ttl")
        files.append(DataFile(path, source_graph(match.group(1))))
    files += [DataFile(path, GRAPH_CURATION) for path in sorted((data_dir / "curation").glob("*.ttl"))]
    return files


def parse_file(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises several unrelated types; all mean "bad file"
        raise LoadError(f"{path}: cannot parse Turtle: {error}") from error
    return graph


def load(ontology_dir: Path, data_dir: Path, files: Iterable[DataFile] | None = None) -> LoadedData:
    data_files = list(files) if files is not None else discover_files(ontology_dir, data_dir)
    dataset = Dataset()
    loaded = LoadedData(dataset=dataset, files=data_files)
    for data_file in data_files:
        parsed = parse_file(data_file.path)
        target = dataset.graph(data_file.graph)
        for triple in parsed:
            target.add(triple)
        for subject in set(parsed.subjects()):
            loaded.origins.setdefault(subject, set()).add(data_file.path)
    for graph in list(dataset.graphs()):
        expand_time(graph)
    return loaded


# --- time ------------------------------------------------------------------


def instant_value(instant: Node) -> tuple[Literal, date, date] | None:
    """For an instant IRI like id:time/2011-02, its typed literal and its first and last day."""
    if not isinstance(instant, URIRef) or not str(instant).startswith(TIME_PREFIX):
        return None
    text = str(instant)[len(TIME_PREFIX) :]
    match = INSTANT.match(text)
    if not match:
        raise LoadError(f"{instant}: instant IRIs must look like time/2011, time/2011-02 or time/2011-02-14")
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is None:
        return Literal(text, datatype=XSD.gYear), date(year, 1, 1), date(year, 12, 31)
    if day is None:
        last = calendar.monthrange(year, month)[1]
        return Literal(text, datatype=XSD.gYearMonth), date(year, month, 1), date(year, month, last)
    exact = date(year, month, day)
    return Literal(text, datatype=XSD.date), exact, exact


XSD_TIME_PROPERTY = {XSD.gYear: TIME.inXSDgYear, XSD.gYearMonth: TIME.inXSDgYearMonth, XSD.date: TIME.inXSDDate}


def instant_description(instant: URIRef, literal: Literal) -> list[tuple[Node, Node, Node]]:
    return [
        (instant, RDF.type, TIME.Instant),
        (instant, RDFS.label, Literal(str(literal))),
        (instant, XSD_TIME_PROPERTY[literal.datatype], literal),
    ]


def time_triples(beginnings: Iterable[tuple], ends: Iterable[tuple], dates: Iterable[tuple]) -> set[tuple]:
    """What `expand_time` adds, from the (interval, instant) pairs of time:hasBeginning and
    time:hasEnd and the (node, date) pairs of mc:date."""
    added: set[tuple] = set()
    for interval, instant in beginnings:
        value = instant_value(instant)
        if value:
            added.update(instant_description(instant, value[0]))
            added.add((interval, MC.startDate, Literal(value[1])))
    for interval, instant in ends:
        value = instant_value(instant)
        if value:
            added.update(instant_description(instant, value[0]))
            added.add((interval, MC.endDate, Literal(value[2])))
    for node, when in dates:
        if isinstance(when, Literal) and len(str(when)) >= 4 and str(when)[:4].isdigit():
            added.add((node, MC.year, Literal(str(when)[:4], datatype=XSD.gYear)))
    return added


def expand_time(graph: Graph) -> None:
    """Add OWL-Time instant descriptions and xsd:date bounds for every interval in `graph`.

    `mc:startDate` is the first day the beginning can denote and `mc:endDate`
    the last day the end can denote, so "during 2012" is a plain date comparison.
    Milestone dates also get an `mc:year` for grouping.
    """
    for triple in time_triples(
        graph.subject_objects(TIME.hasBeginning), graph.subject_objects(TIME.hasEnd), graph.subject_objects(MC.date)
    ):
        graph.add(triple)


# --- straight into Oxigraph ---------------------------------------------------

OxGraph = ox.NamedNode | ox.DefaultGraph


class TimeNotation:
    """Picks up the pairs the time notation is read from as pyoxigraph triples go by, and
    expands them as `expand_time` does."""

    def __init__(self) -> None:
        self.pairs: dict[str, list[tuple[Node, Node]]] = {str(p): [] for p in TIME_PREDICATES}

    def see(self, triple: ox.Triple) -> None:
        found = self.pairs.get(triple.predicate.value)
        if found is not None:
            found.append((to_rdflib(triple.subject), to_rdflib(triple.object)))

    def triples(self) -> list[ox.Triple]:
        expanded = time_triples(*(self.pairs[str(p)] for p in TIME_PREDICATES))
        return [ox.Triple(*(to_oxigraph(term) for term in triple)) for triple in expanded]


def load_into_store(store: ox.Store, files: list[DataFile], graphs_of: Callable[[DataFile], list[OxGraph]]) -> None:
    """Parse every file straight into `store`, into each graph `graphs_of` gives for it, and
    expand the time notation there, as `load` does for the rdflib dataset.

    One bulk load for everything: Oxigraph's bulk loader slows down a lot when called once
    per file on a growing store. Each blank node has the same label in every graph of its file.
    """
    notations: dict[tuple[str, ...], tuple[list[OxGraph], TimeNotation]] = {}

    def quads() -> Iterator[ox.Quad]:
        for data_file in files:
            targets = graphs_of(data_file)
            _targets, notation = notations.setdefault(tuple(map(str, targets)), (targets, TimeNotation()))
            for triple in parse_data_file(data_file.path):
                notation.see(triple)
                subject, predicate, obj = triple.subject, triple.predicate, triple.object
                for target in targets:
                    yield ox.Quad(subject, predicate, obj, target)
        for targets, notation in notations.values():
            for triple in notation.triples():
                for target in targets:
                    yield ox.Quad(triple.subject, triple.predicate, triple.object, target)

    store.bulk_extend(quads())


def asserted_triples(files: list[DataFile]) -> Iterator[ox.Triple]:
    """What `load_into_store` puts in a graph that every file goes to (the asserted graph), read
    from the files; a triple stated in several files comes more than once."""
    notation = TimeNotation()
    for data_file in files:
        for triple in parse_data_file(data_file.path):
            notation.see(triple)
            yield triple
    yield from notation.triples()


def parse_data_file(path: Path) -> Iterator[ox.Triple]:
    try:
        yield from ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    except SyntaxError as error:
        raise LoadError(f"{path}: cannot parse Turtle: {error}") from error


TIME_PREDICATES = (TIME.hasBeginning, TIME.hasEnd, MC.date)


def files_defining_nodes(files: Iterable[DataFile], nodes: set[Node]) -> dict[Node, list[Path]]:
    """For each of `nodes`, the files that describe it (it is the subject of a triple there);
    reads the files again, so it is meant for the few nodes of a validation report."""
    found: dict[Node, list[Path]] = {}
    for data_file in files:
        subjects = {
            to_rdflib(triple.subject) for triple in ox.parse(path=str(data_file.path), format=ox.RdfFormat.TURTLE)
        }
        for node in nodes & subjects:
            found.setdefault(node, []).append(data_file.path)
    return found

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from app.namespaces import GRAPH_CURATION, GRAPH_ONTOLOGY, GRAPH_REFERENCE, ID, MC, TIME, source_graph

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


def describe_instant(graph: Graph, instant: URIRef, literal: Literal) -> None:
    graph.add((instant, RDF.type, TIME.Instant))
    graph.add((instant, RDFS.label, Literal(str(literal))))
    graph.add((instant, XSD_TIME_PROPERTY[literal.datatype], literal))


def expand_time(graph: Graph) -> None:
    """Add OWL-Time instant descriptions and xsd:date bounds for every interval in `graph`.

    `mc:startDate` is the first day the beginning can denote and `mc:endDate`
    the last day the end can denote, so "during 2012" is a plain date comparison.
    Milestone dates also get an `mc:year` for grouping.
    """
    for interval, instant in list(graph.subject_objects(TIME.hasBeginning)):
        value = instant_value(instant)
        if value:
            describe_instant(graph, instant, value[0])
            graph.add((interval, MC.startDate, Literal(value[1])))
    for interval, instant in list(graph.subject_objects(TIME.hasEnd)):
        value = instant_value(instant)
        if value:
            describe_instant(graph, instant, value[0])
            graph.add((interval, MC.endDate, Literal(value[2])))
    for node, when in list(graph.subject_objects(MC.date)):
        if isinstance(when, Literal) and len(str(when)) >= 4 and str(when)[:4].isdigit():
            graph.add((node, MC.year, Literal(str(when)[:4], datatype=XSD.gYear)))

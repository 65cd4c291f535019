"""Serializers for query results: SPARQL JSON, XML, CSV and TSV for solutions and
booleans; graph results go through pyoxigraph's own RDF serializers.

Written here rather than delegated to pyoxigraph so that the row cap can be
applied before anything is written, and output produced in chunks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SHORT_NUMERIC = {XSD + "integer", XSD + "decimal", XSD + "double", XSD + "boolean"}
CHUNK_ROWS = 500

Row = list  # one value (a pyoxigraph term or None) per variable


def json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value: dict = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            value["datatype"] = term.datatype.value
        return value
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {"subject": json_term(term.subject), "predicate": json_term(term.predicate),
                      "object": json_term(term.object)},
        }  # fmt: skip
    raise TypeError(f"unexpected term {term!r}")


def json_solutions(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    yield (f'{{"head":{{"vars":{json.dumps(variables)}}},"results":{{"bindings":[').encode()
    first = True
    batch: list[str] = []
    for row in rows:
        binding = {name: json_term(value) for name, value in zip(variables, row, strict=True) if value is not None}
        batch.append(("" if first else ",") + json.dumps(binding, ensure_ascii=False))
        first = False
        if len(batch) >= CHUNK_ROWS:
            yield "\n".join(batch).encode()
            batch = []
    if batch:
        yield "\n".join(batch).encode()
    yield b"]}}\n"


def xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def xml_solutions(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    head = "".join(f"<variable name={quoteattr(name)}/>" for name in variables)
    yield f"{XML_HEAD}<head>{head}</head>\n<results>\n".encode()
    batch: list[str] = []
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(name)}>{xml_term(value)}</binding>"
            for name, value in zip(variables, row, strict=True)
            if value is not None
        )
        batch.append(f"<result>{cells}</result>")
        if len(batch) >= CHUNK_ROWS:
            yield ("\n".join(batch) + "\n").encode()
            batch = []
    if batch:
        yield ("\n".join(batch) + "\n").encode()
    yield b"</results>\n</sparql>\n"


def csv_cell(term) -> str:
    if term is None:
        return ""
    text = term.value if isinstance(term, (ox.NamedNode, ox.Literal)) else str(term)
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    if any(char in text for char in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def tsv_cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and term.datatype.value in SHORT_NUMERIC and not term.language:
        return term.value
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def csv_solutions(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    yield (",".join(variables) + "\r\n").encode()
    yield from _batched_lines((",".join(csv_cell(v) for v in row) + "\r\n") for row in rows)


def tsv_solutions(variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    yield ("\t".join(f"?{name}" for name in variables) + "\n").encode()
    yield from _batched_lines(("\t".join(tsv_cell(v) for v in row) + "\n") for row in rows)


def _batched_lines(lines: Iterable[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= CHUNK_ROWS:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


SOLUTION_SERIALIZERS = {
    "application/sparql-results+json": json_solutions,
    "application/sparql-results+xml": xml_solutions,
    "text/csv": csv_solutions,
    "text/tab-separated-values": tsv_solutions,
}


def serialize_solutions(media_type: str, variables: list[str], rows: Iterable[Row]) -> Iterator[bytes]:
    return SOLUTION_SERIALIZERS[media_type](variables, rows)


def serialize_boolean(media_type: str, value: bool) -> bytes:
    text = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        return f'{{"head":{{}},"boolean":{text}}}\n'.encode()
    if media_type == "application/sparql-results+xml":
        return f"{XML_HEAD}<head/>\n<boolean>{text}</boolean>\n</sparql>\n".encode()
    if media_type == "text/csv":
        return f"_askResult\r\n{text}\r\n".encode()
    return f"?_askResult\n{text}\n".encode()


GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
QUAD_FORMATS = {"application/trig", "application/n-quads"}


def serialize_triples(media_type: str, triples: list, prefixes: dict[str, str] | None = None) -> bytes:
    rdf_format = GRAPH_FORMATS[media_type]
    items = triples
    if media_type in QUAD_FORMATS:
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    use_prefixes = prefixes if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    output = ox.serialize(items, format=rdf_format, prefixes=use_prefixes)
    return output if output is not None else b""

"""Serializers for query results.

Solutions (SELECT) are written by pyoxigraph's own serializers (SPARQL JSON, XML,
CSV and TSV, in Rust) into `CappedOutput`, which watches the rows go by so that the
row cap can be applied without building a Python object per value: it counts the
rows in the bytes as they are written (exactly for XML, CSV and TSV; for JSON an
upper bound, checked exactly only when it passes the cap) and stops the serializer
once a row beyond the cap has begun. The answer is then cut after the last allowed
row and closed, so it stays a valid document of exactly `max_rows` rows.
Booleans (ASK) are written here; graphs (CONSTRUCT, DESCRIBE) go through pyoxigraph's
RDF serializers with our prefixes.
"""

from __future__ import annotations

import codecs
import contextlib
import json

import pyoxigraph as ox

SOLUTION_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


class RowCapReached(Exception):
    """Raised from CappedOutput.write to stop the serializer: a row beyond the cap has begun."""


class CappedOutput:
    """A binary sink for `QuerySolutions.serialize` that applies the row cap.

    Each format has a mark that every row contributes exactly once and that the
    serializer never writes elsewhere, so counting marks counts rows:
    - XML: `<result>` (a `<` in a value is written `&lt;`);
    - TSV: the line feed (values escape `\\n`); the head line has one too;
    - CSV: the line feed outside quotes (a quoted value may hold line breaks; quotes
      inside values are doubled, so the parity of the quotes seen so far says whether
      the writer is inside a value); the head line has one too;
    - JSON: `[{` or `,{` (the first and following row objects). A string value may
      hold these characters, so for JSON the count is an upper bound; when it passes
      the cap, `JsonRows` decodes the rows exactly.
    """

    def __init__(self, media_type: str, max_rows: int) -> None:
        self.media_type = media_type
        self.max_rows = max_rows
        self.parts: list[bytes] = []
        self.size = 0
        self.rows = 0  # marks seen: rows begun, plus the head line (JSON: an upper bound until `_exact`)
        self.truncated = False
        self._tail = b""  # the last bytes written: a mark may straddle two writes
        self._in_quotes = False  # CSV: inside a quoted value
        self._head_lines = 1 if media_type in ("text/csv", "text/tab-separated-values") else 0
        self._exact: JsonRows | None = None

    def write(self, data) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.size += len(chunk)
        if self._exact is not None:
            self._exact.feed(chunk)
            self._check_exact()
            return len(chunk)
        self.rows += self._marks(chunk)
        self._tail = (self._tail + chunk)[-8:]
        if self.rows - self._head_lines > self.max_rows:
            if self.media_type == "application/sparql-results+json":
                self._exact = JsonRows(self.max_rows)
                self._exact.feed(b"".join(self.parts))
                self._check_exact()
            else:
                self.truncated = True
                raise RowCapReached
        return len(chunk)

    def flush(self) -> None:
        pass

    def _marks(self, chunk: bytes) -> int:
        media_type = self.media_type
        if media_type == "application/sparql-results+json":
            joined = self._tail[-1:] + chunk
            return joined.count(b"[{") + joined.count(b",{")
        if media_type == "application/sparql-results+xml":
            joined = self._tail[-7:] + chunk
            return joined.count(b"<result>")
        if media_type == "text/tab-separated-values":
            return chunk.count(b"\n")
        # CSV
        if b'"' not in chunk:
            return 0 if self._in_quotes else chunk.count(b"\n")
        pieces = chunk.split(b'"')
        first_outside = 1 if self._in_quotes else 0
        count = sum(piece.count(b"\n") for piece in pieces[first_outside::2])
        if (len(pieces) - 1) % 2:
            self._in_quotes = not self._in_quotes
        return count

    def _check_exact(self) -> None:
        assert self._exact is not None
        if self._exact.more is True:
            self.truncated = True
            raise RowCapReached

    def body(self) -> list[bytes]:
        """The answer: everything written, or, once the cap was reached, its first `max_rows` rows."""
        if not self.truncated:
            return self.parts
        data = b"".join(self.parts)
        if self._exact is not None:
            return [data[: self._exact.cut] + b"]}}"]
        return [cut_rows(self.media_type, data, self.max_rows)]

    @property
    def count(self) -> int:
        """The rows in the answer; for JSON below the cap, an upper bound (string values holding
        `,{` or `[{` count as rows too). Only the truncation flag matters to the protocol."""
        if self.truncated:
            return self.max_rows
        if self._exact is not None:
            return self._exact.rows
        return self.rows - self._head_lines


class JsonRows:
    """Counts the row objects of SPARQL JSON results exactly, as the bytes come, until it
    knows whether a row follows the `limit`-th: `more` is then True (and `cut` is the
    byte offset where that row's separating comma is) or False (the results end there)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.rows = 0
        self.more: bool | None = None
        self.cut = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._json = json.JSONDecoder()
        self._text = ""  # decoded and not yet consumed
        self._consumed = 0  # bytes before _text
        self._in_bindings = False

    def feed(self, chunk: bytes) -> None:
        if self.more is not None:
            return
        self._text += self._decoder.decode(chunk)
        text = self._text
        pos = 0
        if not self._in_bindings:
            start = text.find('"bindings":[')
            if start < 0:
                return
            pos = start + len('"bindings":[')
            self._in_bindings = True
        while True:
            if pos >= len(text):
                break
            if self.rows == self.limit or text[pos] == "]":
                if text[pos] == "]":
                    self.more = False
                else:  # a comma: another row follows
                    self.more = True
                    self.cut = self._consumed + len(text[:pos].encode())
                return
            if text[pos] == ",":
                pos += 1
                continue
            try:
                _, end = self._json.raw_decode(text, pos)
            except json.JSONDecodeError:
                break  # the row is not complete yet
            self.rows += 1
            pos = end
        self._consumed += len(text[:pos].encode())
        self._text = text[pos:]


def cut_rows(media_type: str, data: bytes, max_rows: int) -> bytes:
    """The first `max_rows` rows of serialized XML, TSV or CSV results that hold more, closed as a document."""
    if media_type == "application/sparql-results+xml":
        position = -1
        for _ in range(max_rows + 1):
            position = data.index(b"<result>", position + 1)
        return data[:position] + b"</results></sparql>"
    position = -1
    lines = 0
    in_quotes = False
    while lines < max_rows + 1:  # the head line and max_rows rows
        start = position + 1
        position = data.index(b"\n", start)
        if media_type == "text/csv" and data.count(b'"', start, position) % 2:
            in_quotes = not in_quotes
        if not in_quotes:
            lines += 1
    return data[: position + 1]


def serialize_solutions(solutions: ox.QuerySolutions, media_type: str, max_rows: int) -> CappedOutput:
    """Writes the solutions natively, stopping after the first row beyond `max_rows` (see CappedOutput)."""
    output = CappedOutput(media_type, max_rows)
    with contextlib.suppress(RowCapReached):
        solutions.serialize(output, format=SOLUTION_FORMATS[media_type])
    return output


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

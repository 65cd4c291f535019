"""The row cap on natively serialized solutions (app/results.py), without a server.

Every format is checked against pyoxigraph's own reading of the answer: the first
`max_rows` solutions, in order, and the truncation flag exactly when there are more.
The values are chosen to look like the marks the rows are counted by (`,{` and `[{`
in JSON strings, line breaks in quoted CSV values, `<result>` in XML text), and the
bytes are also fed in every small piece size, so that a mark split between two writes
is still seen once.
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from app.results import SOLUTION_FORMATS, CappedOutput, RowCapReached, serialize_solutions

XSD = "http://www.w3.org/2001/XMLSchema#"
TRICKY = [
    "plain",
    "a,{b",
    "[{",
    ",{",
    '{"x":{"type":"uri"}},{',
    "line one\nline two\r\nline three",
    '\n\n\nthree breaks, then a quote " and three more\n\n\n',
    'quote " and "" and ,',
    "<result>not a row</result>",
    "tab\there",
    "back\\slash\\",
    'ends with backslash quote \\"',
    "é ü 漢字 🙂",
    "",
]


def dataset() -> ox.Store:
    store = ox.Store()
    g = ox.DefaultGraph()
    for index, text in enumerate(TRICKY * 3):
        subject = ox.NamedNode(f"http://example.org/r/{index:03d}")
        store.add(ox.Quad(subject, ox.NamedNode("http://example.org/text"), ox.Literal(text), g))
        store.add(ox.Quad(subject, ox.NamedNode("http://example.org/n"), ox.Literal(str(index), datatype=ox.NamedNode(XSD + "integer")), g))  # fmt: skip
        if index % 4 == 0:
            store.add(ox.Quad(subject, ox.NamedNode("http://example.org/lang"), ox.Literal(text, language="en"), g))
        if index % 5 == 0:
            store.add(ox.Quad(subject, ox.NamedNode("http://example.org/node"), ox.BlankNode(f"b{index}"), g))
    return store


QUERY = """SELECT ?s ?text ?n ?lang ?node WHERE {
  ?s <http://example.org/text> ?text ; <http://example.org/n> ?n .
  OPTIONAL { ?s <http://example.org/lang> ?lang }
  OPTIONAL { ?s <http://example.org/node> ?node }
} ORDER BY ?s"""
# Rows with nothing bound: JSON writes them as `{}`.
EMPTY_ROWS = "SELECT ?x WHERE { VALUES ?y { 1 2 3 4 5 } OPTIONAL { ?y <http://example.org/none> ?x } }"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return dataset()


def rows_of(body: bytes, media_type: str) -> list[tuple]:
    if media_type == "text/csv":  # lossy, so pyoxigraph does not read it: the values' text, by csv
        head, *rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
        assert head == ["s", "text", "n", "lang", "node"] or head == ["x"]
        return [tuple(row) for row in rows]
    solutions = ox.parse_query_results(body, SOLUTION_FORMATS[media_type])
    variables = solutions.variables
    return [tuple(solution[v] for v in variables) for solution in solutions]


def expected(store: ox.Store, query: str, media_type: str) -> list[tuple]:
    """The whole answer as pyoxigraph writes it, read back."""
    return rows_of(store.query(query).serialize(format=SOLUTION_FORMATS[media_type]), media_type)


@pytest.mark.parametrize("media_type", list(SOLUTION_FORMATS))
@pytest.mark.parametrize("query", [QUERY, EMPTY_ROWS])
def test_cap_keeps_the_first_rows_and_flags_more(store: ox.Store, media_type: str, query: str) -> None:
    everything = expected(store, query, media_type)
    total = len(everything)
    assert total in (len(TRICKY) * 3, 5)
    for max_rows in sorted({0, 1, 2, 3, total - 1, total, total + 1, 100}):
        output = serialize_solutions(store.query(query), media_type, max_rows)
        body = b"".join(output.body())
        assert rows_of(body, media_type) == everything[:max_rows], (media_type, max_rows)
        assert output.truncated is (total > max_rows)
        if media_type == "application/sparql-results+json" and not output.truncated:
            assert output.count >= total  # an upper bound: values holding `,{` or `[{` count too
        else:
            assert output.count == min(total, max_rows)


@pytest.mark.parametrize("media_type", list(SOLUTION_FORMATS))
@pytest.mark.parametrize("piece", [1, 2, 3, 5, 7, 8, 9, 13, 64])
def test_marks_split_between_writes_are_counted_once(store: ox.Store, media_type: str, piece: int) -> None:
    whole = store.query(QUERY).serialize(format=SOLUTION_FORMATS[media_type])
    everything = rows_of(whole, media_type)
    for max_rows in (4, len(everything), len(everything) + 1):
        output = CappedOutput(media_type, max_rows)
        try:
            for start in range(0, len(whole), piece):
                output.write(whole[start : start + piece])
        except RowCapReached:
            pass
        assert output.truncated is (len(everything) > max_rows)
        assert rows_of(b"".join(output.body()), media_type) == everything[:max_rows]


def test_json_strings_that_look_like_rows_do_not_cut_the_answer_short(store: ox.Store) -> None:
    # The cheap count sees a row in every `,{` and `[{`: more than 14 marks for 13 rows here,
    # so the exact count takes over and must find that nothing is beyond the cap.
    query = "SELECT ?text WHERE { ?s <http://example.org/text> ?text FILTER(CONTAINS(?text, '{')) }"
    total = len(expected(store, query, "application/sparql-results+json"))
    output = serialize_solutions(store.query(query), "application/sparql-results+json", total)
    assert not output.truncated
    assert output.count == total
    assert rows_of(b"".join(output.body()), "application/sparql-results+json") == expected(
        store, query, "application/sparql-results+json"
    )


def test_the_serializer_stops_soon_after_the_cap(store: ox.Store) -> None:
    big = ox.Store()
    for index in range(20_000):
        big.add(ox.Quad(ox.NamedNode(f"http://example.org/{index}"), ox.NamedNode("http://example.org/p"), ox.Literal("x" * 40)))  # fmt: skip
    full = big.query("SELECT * WHERE { ?s ?p ?o }").serialize(format=ox.QueryResultsFormat.TSV)
    output = serialize_solutions(big.query("SELECT * WHERE { ?s ?p ?o }"), "text/tab-separated-values", 10)
    assert output.truncated
    assert output.size < len(full) // 10  # not the whole answer written and then cut
    assert len(b"".join(output.body()).splitlines()) == 11

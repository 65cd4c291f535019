"""Competency questions: every query in queries/ tagged `competency` is run against a real
build and its result compared with the answer established from the sources by hand
(tests/competency_answers.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from app.core.config import PROJECT_ROOT
from app.store import OxigraphStore
from tests.competency_answers import ANSWERS, CQ30_NOTE_PHRASES, Answer

QUERIES_DIR = PROJECT_ROOT / "queries"
ID = "https://w3id.org/migcoop/id/"
MC = "https://w3id.org/migcoop/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
MIN_COMPETENCY_QUERIES = 30


def header(path: Path) -> dict[str, Any]:
    """The grlc decorators (`#+ key: value` lines at the top of the file), read as a tiny YAML
    subset: scalars, `- item` lists and `>` folded text."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[2:].rstrip())
    decorators: dict[str, Any] = {}
    key = None
    for line in lines:
        item = re.match(r"^\s+-\s+(.*)$", line)
        entry = re.match(r"^\s?([A-Za-z_]+):\s*(.*)$", line)
        if item and key is not None:
            if not isinstance(decorators[key], list):
                decorators[key] = []
            decorators[key].append(item.group(1).strip())
        elif entry:
            key, value = entry.group(1), entry.group(2).strip()
            decorators[key] = "" if value == ">" else value
        elif key is not None and isinstance(decorators[key], str):
            decorators[key] = (decorators[key] + " " + line.strip()).strip()
    return decorators


def competency_queries() -> list[Path]:
    return sorted(path for path in QUERIES_DIR.glob("*.rq") if "competency" in (header(path).get("tags") or []))


def query_body(path: Path) -> str:
    return "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))


def value(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        iri = term.value
        if iri.startswith(ID):
            return iri.removeprefix(ID)
        if iri.startswith(MC):
            return "mc:" + iri.removeprefix(MC)
        return iri
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype in {XSD + "integer", XSD + "int", XSD + "long"}:
            return int(term.value)
        if datatype == XSD + "decimal":
            return Decimal(term.value)
        if datatype == XSD + "boolean":
            return term.value in {"true", "1"}
        return term.value
    raise AssertionError(f"unexpected term in a result: {term!r}")


@pytest.fixture(scope="session")
def competency_store(built) -> Iterator[ox.Store]:
    store = OxigraphStore.open(built.store_path, read_only=True)
    yield store.raw
    del store


def run(store: ox.Store, path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    result = store.query(path.read_text(encoding="utf-8"))
    names = [variable.value for variable in result.variables]
    return names, [{name: value(row[name]) for name in names} for row in result]


def check(answer: Answer, names: list[str], rows: list[dict[str, Any]]) -> None:
    missing = [column for column in answer.columns if column not in names]
    assert not missing, f"the query does not select {missing}"
    got = [tuple(row[column] for column in answer.columns) for row in rows]
    if isinstance(answer.rows, list):
        assert got == answer.rows
        return
    assert len(got) == len(set(got)), "duplicate rows"
    assert set(got) - answer.rows == set(), "rows not expected"
    assert answer.rows - set(got) == set(), "rows expected but missing"
    assert got == sorted(answer.rows, key=answer.order), "rows not in the order the question asks for"


def params() -> list:
    result = []
    for path in competency_queries():
        answer = ANSWERS.get(path.stem)
        marks = [pytest.mark.xfail(reason=answer.xfail, strict=True)] if answer and answer.xfail else []
        result.append(pytest.param(path, id=path.stem, marks=marks))
    return result


@pytest.mark.parametrize("path", params())
def test_competency_question(competency_store: ox.Store, path: Path) -> None:
    answer = ANSWERS.get(path.stem)
    assert answer is not None, f"no expected answer for {path.name}"
    names, rows = run(competency_store, path)
    check(answer, names, rows)


def test_reading_notes_quote_the_damaged_text(competency_store: ox.Store) -> None:
    _names, rows = run(competency_store, QUERIES_DIR / "cq30-doubtful-readings-about-actions.rq")
    for (action, about), phrase in CQ30_NOTE_PHRASES.items():
        notes = [row["note"] for row in rows if row["action"] == action and row["about"] == about]
        assert any(phrase in note for note in notes), f"{action} ({about}): no note quoting {phrase!r}"


def test_every_competency_query_has_an_answer() -> None:
    stems = {path.stem for path in competency_queries()}
    assert len(stems) >= MIN_COMPETENCY_QUERIES
    assert stems - ANSWERS.keys() == set(), "competency queries without an expected answer"
    assert ANSWERS.keys() - stems == set(), "expected answers without a competency query"


@pytest.mark.parametrize("path", competency_queries(), ids=lambda path: path.stem)
def test_query_file_follows_the_conventions(path: Path) -> None:
    assert re.fullmatch(r"cq\d{2}-[a-z0-9]+(-[a-z0-9]+)*\.rq", path.name)
    decorators = header(path)
    assert decorators.get("summary", "").endswith("?"), "the summary states the question"
    assert decorators.get("method") == "GET"
    assert "competency" in decorators["tags"]
    body = query_body(path)
    assert re.search(r"\bORDER BY\b", body), "results must come in a stable order"
    declared = set(re.findall(r"^\s*PREFIX\s+([A-Za-z][\w-]*)?:", body, flags=re.MULTILINE))
    stripped = re.sub(r"<[^<>\s]*>", " ", body)  # IRIs in full
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', " ", stripped)  # string literals
    used = set(re.findall(r"(?<![\w?$])([A-Za-z][\w-]*):(?=[A-Za-z_])", stripped))
    assert used <= declared, f"prefixes used but not declared: {sorted(used - declared)}"

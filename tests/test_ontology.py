"""OBO-style quality checks: every query in ontology/checks/ must return nothing
on the ontology, and each must catch its own mistake in a broken fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from app.core.config import PROJECT_ROOT
from app.namespaces import MC, ONTOLOGY_IRI

CHECKS = sorted((PROJECT_ROOT / "ontology" / "checks").glob("*.rq"))
BROKEN = Path(__file__).parent / "fixtures" / "ontology-broken.ttl"

# What each check must report on the broken fixture.
EXPECTED_IN_BROKEN = {
    "term-without-label.rq": MC.Unlabelled,
    "term-without-definition.rq": MC.Undefined,
    "term-with-several-labels.rq": MC.TwiceLabelled,
    "used-but-undeclared.rq": MC.Typo,
    "outside-owl2-rl.rq": URIRef("http://www.w3.org/2002/07/owl#someValuesFrom"),
    "missing-version.rq": ONTOLOGY_IRI,
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(PROJECT_ROOT / "ontology" / "migcoop.ttl")


def test_every_check_has_a_broken_case() -> None:
    assert {check.name for check in CHECKS} == set(EXPECTED_IN_BROKEN)


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_ontology_passes_check(ontology: Graph, check: Path) -> None:
    rows = list(ontology.query(check.read_text()))
    assert rows == [], f"{check.name} found: {rows}"


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_check_catches_its_mistake(check: Path) -> None:
    broken = Graph().parse(BROKEN)
    found = {term for row in broken.query(check.read_text()) for term in row}
    assert EXPECTED_IN_BROKEN[check.name] in found


def test_version_iri_carries_the_version(ontology: Graph) -> None:
    version_iri = ontology.value(ONTOLOGY_IRI, URIRef("http://www.w3.org/2002/07/owl#versionIRI"))
    version = ontology.value(ONTOLOGY_IRI, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))
    assert str(version_iri).endswith(f"/{version}")

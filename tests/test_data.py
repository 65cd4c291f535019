"""The data against facts read from the sources by hand: every action of every
document is there, with its provenance, and in our own words."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.helpers import select

MIEUX_SSA_ACTIONS = {
    "angola", "benin", "burundi-i", "burundi-ii", "cabo-verde-i", "cabo-verde-ii", "cabo-verde-iii",
    "cote-divoire-i", "cote-divoire-ii", "ethiopia", "the-gambia", "ghana-i", "ghana-ii", "kenya",
    "malawi-i", "malawi-ii", "malawi-iii", "mali", "mauritius", "mozambique", "nigeria-iii", "nigeria-iv",
    "rwanda", "senegal", "sierra-leone-i", "sierra-leone-ii", "togo-i", "togo-ii", "uganda", "zambia",
    "comesa-i", "comesa-ii", "ecowas", "west-africa", "west-and-central-africa-i", "west-and-central-africa-ii",
}  # fmt: skip
ID = "https://w3id.org/migcoop/id/"


def actions_of_source(store, code: str) -> set[str]:
    rows = select(store, f"""
        SELECT DISTINCT ?action WHERE {{
          GRAPH <graph/source/{code}> {{ ?action a ?type ; prov:wasDerivedFrom <source/{code}> }}
          ?type rdfs:subClassOf* mc:Action .
        }}""")  # fmt: skip
    return {row["action"].removeprefix(ID) for row in rows}


def test_source_004_has_its_36_mieux_actions(store) -> None:
    found = actions_of_source(store, "004")
    assert found == {f"action/mieux/{slug}" for slug in MIEUX_SSA_ACTIONS}
    assert len(found) == 36


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("000", {"action/mpf/coop4int"}),
        ("001", {"action/mieux/cabo-verde-iv"}),
        ("002", {"action/euromed-migration-ii"}),
        ("003", {"action/thamm", "action/eudif", "action/cnc-morocco", "action/amicall", "action/pare-1-plus-1"}),
    ],
)
def test_small_sources_have_their_actions(store, code: str, expected: set[str]) -> None:
    assert actions_of_source(store, code) == expected


def test_source_003_lists_seven_practices(store) -> None:
    rows = select(store, "SELECT ?p WHERE { GRAPH <graph/source/003> { ?p a mc:Practice } }")
    assert len(rows) == 7


def test_every_record_in_a_source_graph_cites_that_source(store) -> None:
    rows = select(store, """
        SELECT ?g ?record WHERE {
          GRAPH ?g { ?record a ?type }
          FILTER STRSTARTS(STR(?g), "https://w3id.org/migcoop/id/graph/source/")
          VALUES ?type { mc:Action mc:TechnicalAssistanceAction mc:GrantProject mc:RegionalProject
                         mc:Participation mc:ExpertDeployment mc:OutputMilestone mc:Budget mc:FundingContribution }
          FILTER NOT EXISTS {
            GRAPH ?g { ?record prov:wasDerivedFrom ?source }
            FILTER (STRAFTER(STR(?g), "graph/source/") = STRAFTER(STR(?source), "id/source/"))
          }
        }""")  # fmt: skip
    assert rows == []


def test_every_source_document_is_described(store) -> None:
    rows = select(
        store,
        """
        SELECT ?source ?title ?asOf ?file WHERE {
          ?source a mc:SourceDocument ; dct:title ?title ; mc:fileName ?file .
          OPTIONAL { ?source mc:asOf ?asOf }
        } ORDER BY ?source""",
    )
    described = {row["source"].removeprefix(ID): row for row in rows}
    for code in ("000", "001", "002", "003", "004"):
        assert "asOf" in described[f"source/{code}"], code
    assert described["source/004"]["file"] == "004_d0b15aa91c0e4644.txt"


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        ("mieux/angola", "2009-09-01", "2011-07-31"),  # "September 2009July 2011"
        ("mieux/ethiopia", "2010-03-11", "2010-03-12"),  # "1112 March 2010"
        ("mieux/ghana-i", "2011-09-01", "2013-04-30"),  # "September 20112–April 2013", read as 2011
        ("mieux/mozambique", "2010-01-01", "2010-06-30"),
        ("mieux/cabo-verde-ii", "2012-07-01", "2013-07-31"),
        ("mieux/zambia", "2010-06-01", "2011-03-31"),
        ("mpf/coop4int", "2021-12-01", "2024-12-31"),
        ("euromed-migration-ii", "2008-01-01", "2011-12-31"),
    ],
)
def test_action_periods_read_from_the_durations(store, action: str, start: str, end: str) -> None:
    rows = select(
        store, f"SELECT ?s ?e WHERE {{ <action/{action}> mc:period ?p . ?p mc:startDate ?s ; mc:endDate ?e }}"
    )
    assert rows == [{"s": start, "e": end}]


@pytest.mark.parametrize("action", ["benin", "burundi-i", "malawi-ii", "nigeria-iv", "west-africa", "comesa-ii"])
def test_present_means_ongoing_as_of_the_source_date(store, action: str) -> None:
    rows = select(store, f"""
        SELECT ?asOf ?end WHERE {{
          <action/mieux/{action}> mc:ongoingAsOf ?asOf ; mc:period ?p .
          OPTIONAL {{ ?p mc:endDate ?end }}
        }}""")  # fmt: skip
    assert rows == [{"asOf": "2016-02"}]


def test_mozambique_study_visit_day_range(store) -> None:
    rows = select(
        store,
        """
        SELECT ?s ?e ?where FROM <graph/asserted> WHERE {
          ?visit a mc:StudyVisit ; mc:partOfAction <action/mieux/mozambique> ; mc:heldIn ?where ;
                 mc:period [ mc:startDate ?s ; mc:endDate ?e ] .
        }""",
    )
    assert rows == [{"s": "2010-03-22", "e": "2010-03-26", "where": ID + "country/PRT"}]


def test_coop4int_budget_and_amif_share(store) -> None:
    rows = select(
        store,
        """
        SELECT ?value ?currency ?share WHERE {
          <action/mpf/coop4int> mc:budget [ schema:value ?value ; schema:currency ?currency ] ;
              mc:hasFundingContribution [ mc:instrument <instrument/amif> ; mc:shareOfBudget ?share ] .
        }""",
    )
    assert len(rows) == 1
    assert float(rows[0]["value"]) == 1532558.68
    assert rows[0]["currency"] == "EUR"
    assert float(rows[0]["share"]) == 0.9442


def test_cabo_verde_line_of_work(store) -> None:
    rows = select(store, "SELECT ?a ?b WHERE { ?a mc:follows ?b FILTER CONTAINS(STR(?a), 'cabo-verde') }")
    pairs = {(row["a"].removeprefix(ID), row["b"].removeprefix(ID)) for row in rows}
    assert pairs == {
        ("action/mieux/cabo-verde-ii", "action/mieux/cabo-verde-i"),
        ("action/mieux/cabo-verde-iii", "action/mieux/cabo-verde-ii"),
        ("action/mieux/cabo-verde-iv", "action/mieux/cabo-verde-iii"),
    }


def test_zambia_experts(store) -> None:
    rows = select(
        store,
        """
        SELECT ?country ?provider WHERE {
          <action/mieux/zambia> mc:hasExpertDeployment ?d .
          OPTIONAL { ?d mc:originCountry ?country } OPTIONAL { ?d mc:providedBy ?provider }
        }""",
    )
    found = {row.get("country", row.get("provider", "")).removeprefix(ID) for row in rows}
    assert found == {"country/NLD", "country/PRT", "org/europol"}


def test_the_nis_keeps_both_sources_readings(store) -> None:
    rows = select(
        store,
        """
        SELECT ?g ?status ?date WHERE {
          GRAPH ?g { <output/cpv-national-immigration-strategy> mc:hasMilestone ?m .
                     ?m mc:status ?status ; mc:date ?date }
          FILTER (?status IN (<output-status/endorsed>, <output-status/adopted>))
        } ORDER BY ?date""",
    )
    found = {(row["g"].removeprefix(ID), row["status"].removeprefix(ID), row["date"]) for row in rows}
    assert ("graph/source/004", "output-status/endorsed", "2011-10") in found
    assert ("graph/source/001", "output-status/adopted", "2012") in found


# --- our own words ----------------------------------------------------------

FINGERPRINTS = Path(__file__).parent / "fixtures" / "source-fingerprints.txt"
WINDOW = 7


def windows(text: str) -> list[str]:
    tokens = re.findall(r"[a-z0-9]+", text.lower())
    return [" ".join(tokens[i : i + WINDOW]) for i in range(len(tokens) - WINDOW + 1)]


def fingerprint(window: str) -> str:
    return hashlib.sha256(window.encode()).hexdigest()[:16]


FUNCTION_WORDS = {"the", "a", "an", "of", "and", "on", "in", "for", "to", "with", "by"}


def inside_a_name(window: str, names: set[str]) -> bool:
    """A run of words is quoted from a name if, once the function words at its
    edges are trimmed, it occurs in one of the names the graph records."""
    tokens = window.split()
    while tokens and tokens[0] in FUNCTION_WORDS:
        tokens = tokens[1:]
    while tokens and tokens[-1] in FUNCTION_WORDS:
        tokens = tokens[:-1]
    core = " ".join(tokens)
    return bool(core) and any(f" {core} " in f" {name} " for name in names)


def test_descriptions_are_not_copied_from_the_sources(store) -> None:
    """No description or reading note repeats seven words of a source in a row,
    unless those words are part of a name or title that the graph itself records."""
    source_prints = set(FINGERPRINTS.read_text().split())
    names = select(
        store, "SELECT ?n WHERE { { ?s rdfs:label ?n } UNION { ?s dct:title ?n } UNION { ?s skos:prefLabel ?n } }"
    )
    name_texts = {" ".join(re.findall(r"[a-z0-9]+", row["n"].lower())) for row in names}
    texts = select(
        store,
        """
        SELECT ?s ?text WHERE {
          GRAPH ?g { { ?s dct:description ?text } UNION { ?s mc:readingNote ?text } }
          FILTER (STRSTARTS(STR(?g), "https://w3id.org/migcoop/id/graph/source/") || ?g = <graph/curation>)
        }""",
    )
    copied = [
        (row["s"], window)
        for row in texts
        for window in windows(row["text"])
        if fingerprint(window) in source_prints and not inside_a_name(window, name_texts)
    ]
    assert copied == [], f"{len(copied)} copied runs, e.g. {copied[:5]}"

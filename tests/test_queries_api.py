"""The saved-query API against a real server: every saved query with its defaults and with other
parameter values, each checked against answers read from the five source documents in
/work/shared/sources (the comments say where); formats, pagination, errors, OpenAPI, and the cache.

Values are compared the way tests/test_competency.py writes them: IRIs of our namespace without the
https://w3id.org/migcoop/id/ base ("action/mieux/zambia"), unbound as None.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI

from app.api import queries
from app.core.config import PROJECT_ROOT
from app.sparql_protocol import ProtocolError
from tests.competency_answers import ANSWERS, CQ05
from tests.conftest import start_server, stop_server
from tests.test_competency import check

ID = "https://w3id.org/migcoop/id/"
MC = "https://w3id.org/migcoop/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SRJ = "application/sparql-results+json"
NAMES = sorted(path.stem for path in (PROJECT_ROOT / "queries").glob("*.rq"))
COMPETENCY = [name for name in NAMES if name.startswith("cq")]


def short(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(ID):
        return value.removeprefix(ID)
    if isinstance(value, str) and value.startswith(MC):
        return "mc:" + value.removeprefix(MC)
    return value


def mieux(slug: str) -> str:
    return f"action/mieux/{slug}"


def url(server, name: str = "") -> str:
    return f"{server.base_url}/api/queries" + (f"/{name}" if name else "")


def records(server, name: str, **params: str) -> list[dict[str, Any]]:
    response = httpx.get(url(server, name), params=params, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return [{key: short(value) for key, value in row.items()} for row in response.json()]


def table(server, name: str, columns: tuple[str, ...], **params: str) -> list[tuple]:
    return [tuple(row[column] for column in columns) for row in records(server, name, **params)]


def codes(text: str | None) -> frozenset[str]:
    return frozenset((text or "").split())


# --- the list ----------------------------------------------------------------------------


def test_the_list_names_every_saved_query_with_its_typed_parameters(server) -> None:
    response = httpx.get(url(server), timeout=30)
    assert response.status_code == 200
    entries = {entry["name"]: entry for entry in response.json()}
    assert sorted(entries) == NAMES
    assert len(entries) == 48

    cq01 = entries["cq01-cabo-verde-actions"]
    assert cq01["summary"] == "Which actions concern Cabo Verde, across all documents, in order?"
    assert cq01["tags"] == ["competency", "countries", "phases"]
    assert cq01["parameters"] == []
    assert cq01["url"] == "/api/queries/cq01-cabo-verde-actions"

    (country,) = entries["actions-by-country"]["parameters"]
    assert (country["name"], country["variable"], country["type"], country["required"]) == (
        "country", "?_country_iri", "iri", True
    )  # fmt: skip
    assert country["default"] == ID + "country/CPV"
    assert country["enumeration"] == "graph"
    # The allowed values are the 29 partner countries of the sources (as in competency question 20).
    assert {short(value) for value in country["allowed"]} == {
        f"country/{iso}" for iso in ("CPV", "BEN", "MLI", "MWI", "SEN", "TGO", "BDI", "CIV", "GHA", "NGA", "SLE",
                                     "MAR", "AGO", "BFA", "CMR", "EGY", "ETH", "GAB", "GMB", "GNB", "KEN", "MDA",
                                     "MOZ", "MRT", "MUS", "RWA", "TUN", "UGA", "ZMB")
    }  # fmt: skip
    assert country["labels"][ID + "country/CPV"] == "Cabo Verde"

    period = {p["name"]: p for p in entries["activities-in-period"]["parameters"]}
    assert (period["since"]["type"], period["since"]["datatype"], period["since"]["default"]) == (
        "date", XSD + "date", "2009-01-01"
    )  # fmt: skip
    assert period["type"]["enumeration"] == "declared"
    assert len(period["type"]["allowed"]) == 20
    assert MC + "TrainingOfTrainers" in period["type"]["allowed"]

    minimum = entries["funding-by-instrument"]["parameters"][1]
    assert (minimum["name"], minimum["type"], minimum["required"], minimum["default"]) == (
        "minimum", "decimal", False, None
    )  # fmt: skip
    assert entries["actions-by-programme"]["pagination"] == 10
    year = entries["actions-running-in-year"]["parameters"][0]
    assert (year["type"], year["datatype"], year["default"]) == ("integer", XSD + "integer", "2012")


# --- every competency question through the API ------------------------------------------------


def json_value(term: dict[str, str] | None) -> Any:
    if term is None:
        return None
    if term["type"] == "uri":
        return short(term["value"])
    datatype = term.get("datatype")
    if datatype in {XSD + "integer", XSD + "int", XSD + "long"}:
        return int(term["value"])
    if datatype == XSD + "decimal":
        return Decimal(term["value"])
    if datatype == XSD + "boolean":
        return term["value"] in {"true", "1"}
    return term["value"]


@pytest.mark.parametrize("name", COMPETENCY)
def test_each_competency_question_answers_through_the_api(server, name: str) -> None:
    response = httpx.get(url(server, name), headers={"Accept": SRJ}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(SRJ)
    document = response.json()
    names = document["head"]["vars"]
    rows = [{var: json_value(row.get(var)) for var in names} for row in document["results"]["bindings"]]
    answer = ANSWERS[name]
    if answer.xfail:
        pytest.xfail(answer.xfail)
    check(answer, names, rows)


def test_a_competency_question_takes_no_parameters(server) -> None:
    response = httpx.get(url(server, "cq07-coop4int-amif-amount"), params={"action": "x"}, timeout=30)
    assert response.status_code == 422
    assert response.text == (
        "Unknown parameter 'action' for saved query 'cq07-coop4int-amif-amount'; it takes: format.\n"
    )


# --- the analyst queries, with their defaults and other values ----------------------------------


def test_actions_by_country(server) -> None:
    columns = ("action", "programme", "start", "end", "ongoingAsOf")
    # 004: Cabo Verde I (February 2010 - February 2013), II (July 2012 - July 2013), III (July 2014 -
    # present, i.e. February 2016); 001: the fourth action, 2017-2019; 000: Coop4Int, December 2021 -
    # December 2024, an MPF project.
    assert table(server, "actions-by-country", columns) == [
        (mieux("cabo-verde-i"), "programme/mieux", "2010-02-01", "2013-02-28", None),
        (mieux("cabo-verde-ii"), "programme/mieux", "2012-07-01", "2013-07-31", None),
        (mieux("cabo-verde-iii"), "programme/mieux", "2014-07-01", None, "2016-02"),
        (mieux("cabo-verde-iv"), "programme/mieux", "2017-01-01", "2019-12-31", None),
        ("action/mpf/coop4int", "programme/mpf", "2021-12-01", "2024-12-31", None),
    ]
    # 004: Ghana I (September 2011 - April 2013), Ghana II (June 2014 - present).
    assert table(server, "actions-by-country", columns, country=ID + "country/GHA") == [
        (mieux("ghana-i"), "programme/mieux", "2011-09-01", "2013-04-30", None),
        (mieux("ghana-ii"), "programme/mieux", "2014-06-01", None, "2016-02"),
    ]
    # 003 (as of 2019): THAMM (Morocco, Tunisia, Egypt) and the CNC project in Morocco, undated.
    assert table(server, "actions-by-country", columns, country=ID + "country/MAR") == [
        ("action/cnc-morocco", None, None, None, "2019"),
        ("action/thamm", None, None, None, "2019"),
    ]


WESTERN_AFRICA = {
    # One partner country each in Western Africa (004; 001 and 000 for Cabo Verde IV and Coop4Int).
    **{mieux(slug): {iso} for slug, iso in [
        ("benin", "BEN"), ("cabo-verde-i", "CPV"), ("cabo-verde-ii", "CPV"), ("cabo-verde-iii", "CPV"),
        ("cabo-verde-iv", "CPV"), ("cote-divoire-i", "CIV"), ("cote-divoire-ii", "CIV"), ("ghana-i", "GHA"),
        ("ghana-ii", "GHA"), ("mali", "MLI"), ("nigeria-iii", "NGA"), ("nigeria-iv", "NGA"), ("senegal", "SEN"),
        ("sierra-leone-i", "SLE"), ("sierra-leone-ii", "SLE"), ("the-gambia", "GMB"), ("togo-i", "TGO"),
        ("togo-ii", "TGO")]},
    "action/mpf/coop4int": {"CPV"},
    mieux("west-africa"): {"BEN", "GNB", "TGO"},  # requests from Benin, Guinea-Bissau and Togo
    mieux("west-and-central-africa-i"): {"BFA", "MLI", "MRT", "SEN"},  # and Gabon, in Middle Africa
    mieux("west-and-central-africa-ii"): {"BEN", "MLI", "SEN"},  # and Cameroon, in Middle Africa
}  # fmt: skip


def test_actions_by_region(server) -> None:
    rows = records(server, "actions-by-region")
    assert [row["action"] for row in rows] == sorted(WESTERN_AFRICA)
    assert {row["action"]: set(codes(row["codes"])) for row in rows} == WESTERN_AFRICA
    assert all(row["countries"] == len(WESTERN_AFRICA[row["action"]]) for row in rows)
    # Middle Africa: Angola, Gabon (West and Central Africa I) and Cameroon (II).
    rows = records(server, "actions-by-region", region=ID + "m49/017")
    assert [(row["action"], row["countries"], codes(row["codes"])) for row in rows] == [
        (mieux("angola"), 1, {"AGO"}),
        (mieux("west-and-central-africa-i"), 1, {"GAB"}),
        (mieux("west-and-central-africa-ii"), 1, {"CMR"}),
    ]
    # Northern Africa: THAMM (Morocco, Tunisia, Egypt) and CNC (Morocco), 003.
    rows = records(server, "actions-by-region", region=ID + "m49/015")
    assert [(row["action"], codes(row["codes"])) for row in rows] == [
        ("action/cnc-morocco", {"MAR"}),
        ("action/thamm", {"EGY", "MAR", "TUN"}),
    ]


def test_actions_by_theme(server) -> None:
    # Trafficking in human beings: the Ethiopian conference on smuggling and trafficking, Zambia,
    # Uganda, Côte d'Ivoire I and COMESA II (004), in order of start.
    assert table(server, "actions-by-theme", ("action", "start")) == [
        (mieux("ethiopia"), "2010-03-11"),
        (mieux("zambia"), "2010-06-01"),
        (mieux("uganda"), "2011-11-01"),
        (mieux("cote-divoire-i"), "2012-03-01"),
        (mieux("comesa-ii"), "2012-05-01"),
    ]
    # International protection and asylum, a top concept reached through the themes below it: Angola
    # (the National Asylum Law) and Cabo Verde III (foreigners and asylum laws).
    rows = records(server, "actions-by-theme", theme=ID + "theme/international-protection-and-asylum")
    assert [(row["action"], row["start"]) for row in rows] == [
        (mieux("angola"), "2009-09-01"),
        (mieux("cabo-verde-iii"), "2014-07-01"),
    ]


MIEUX_IN_ORDER = [
    # The 36 actions of 004 and Cabo Verde IV (001), by start, then by IRI when they start together.
    "angola", "malawi-i", "mozambique", "cabo-verde-i", "ethiopia", "sierra-leone-i", "west-and-central-africa-i",
    "zambia", "comesa-i", "senegal", "the-gambia", "ecowas", "ghana-i", "uganda", "kenya", "cote-divoire-i",
    "sierra-leone-ii", "west-and-central-africa-ii", "mauritius", "comesa-ii", "cabo-verde-ii", "benin", "rwanda",
    "togo-i", "togo-ii", "malawi-ii", "burundi-i", "cote-divoire-ii", "burundi-ii", "ghana-ii", "malawi-iii",
    "cabo-verde-iii", "mali", "west-africa", "nigeria-iii", "nigeria-iv", "cabo-verde-iv",
]  # fmt: skip


def test_actions_by_programme_page_by_page(server) -> None:
    pages = []
    for page in range(1, 5):
        response = httpx.get(url(server, "actions-by-programme"), params={"page": str(page)}, timeout=30)
        assert response.status_code == 200
        assert response.headers["x-total-count"] == "37"
        pages.append([short(row["action"]) for row in response.json()])
    assert [len(page) for page in pages] == [10, 10, 10, 7]
    assert [action for page in pages for action in page] == [mieux(slug) for slug in MIEUX_IN_ORDER]
    # The Migration Partnership Facility has one project in the sources: Coop4Int (000), in Cabo Verde.
    rows = records(server, "actions-by-programme", programme=ID + "programme/mpf")
    assert [(r["action"], r["start"], r["end"], r["partnerCountries"]) for r in rows] == [
        ("action/mpf/coop4int", "2021-12-01", "2024-12-31", "CPV")
    ]


def test_actions_running_in_year(server) -> None:
    columns = ("action", "start", "end", "ongoingAsOf")
    # 2012, the default: competency question 5's answer, established from the sources.
    assert table(server, "actions-running-in-year", columns) == sorted(CQ05.rows, key=CQ05.order)
    # 2009: EUROMED Migration II (2008-2011, 002), Angola (September 2009 - July 2011) and Malawi I
    # (September - November 2009).
    assert table(server, "actions-running-in-year", columns, year="2009") == [
        ("action/euromed-migration-ii", "2008-01-01", "2011-12-31", None),
        (mieux("angola"), "2009-09-01", "2011-07-31", None),
        (mieux("malawi-i"), "2009-09-01", "2009-11-30", None),
    ]
    # 2016: the sixteen "present" actions of 004 and PARE 1+1; nothing with a known end ran into 2016.
    present = {"benin", "burundi-i", "burundi-ii", "cabo-verde-iii", "comesa-ii", "cote-divoire-ii", "ghana-ii",
               "malawi-ii", "malawi-iii", "mali", "mauritius", "nigeria-iii", "nigeria-iv", "sierra-leone-ii",
               "togo-ii", "west-africa"}  # fmt: skip
    rows = records(server, "actions-running-in-year", year="2016")
    assert {row["action"] for row in rows} == {mieux(slug) for slug in present} | {"action/pare-1-plus-1"}


def test_activities_in_period(server) -> None:
    columns = ("activity", "action", "status", "start", "end")
    held = "event-status/held"
    # Study visits, dated: Portugal 22-26 March 2010 (Mozambique), the Netherlands February 2011
    # (Zambia), France 24-27 April and Belgium 7-10 May 2012 (West and Central Africa I), Morocco May
    # 2015 (Côte d'Ivoire II), Ethiopia October 2015 (Malawi III), all in 004.
    assert table(server, "activities-in-period", columns) == [
        (f"{mieux('mozambique')}/activity/2010-03-study-visit", mieux("mozambique"), held, "2010-03-22", "2010-03-26"),
        (f"{mieux('zambia')}/activity/2011-02-study-visit", mieux("zambia"), held, "2011-02-01", "2011-02-28"),
        (f"{mieux('west-and-central-africa-i')}/activity/2012-04-study-visit", mieux("west-and-central-africa-i"),
         held, "2012-04-24", "2012-04-27"),
        (f"{mieux('west-and-central-africa-i')}/activity/2012-05-study-visit", mieux("west-and-central-africa-i"),
         held, "2012-05-07", "2012-05-10"),
        (f"{mieux('cote-divoire-ii')}/activity/2015-05-study-visit", mieux("cote-divoire-ii"), held, "2015-05-01",
         "2015-05-31"),
        (f"{mieux('malawi-iii')}/activity/2015-10-study-visit", mieux("malawi-iii"), held, "2015-10-01", "2015-10-31"),
    ]  # fmt: skip
    # Trainings of trainers with a date: Nairobi September 2012 (Kenya), February 2013 (ECOWAS), June
    # 2014 (Rwanda).
    rows = table(server, "activities-in-period", ("action", "start"), type=MC + "TrainingOfTrainers")
    assert rows == [(mieux("kenya"), "2012-09-01"), (mieux("ecowas"), "2013-02-01"), (mieux("rwanda"), "2014-06-01")]
    # Study visits of 2012 only.
    rows = table(server, "activities-in-period", ("activity",), since="2012-01-01", until="2012-12-31")
    assert rows == [
        (f"{mieux('west-and-central-africa-i')}/activity/2012-04-study-visit",),
        (f"{mieux('west-and-central-africa-i')}/activity/2012-05-study-visit",),
    ]


def test_actions_by_title(server) -> None:
    # Titles of 004 containing "Migration and Development".
    assert table(server, "actions-by-title", ("action", "start")) == [
        (mieux("benin"), "2013-01-01"),
        (mieux("togo-ii"), "2013-01-01"),
        (mieux("cote-divoire-ii"), "2014-03-01"),
        (mieux("burundi-ii"), "2014-04-01"),
        (mieux("ghana-ii"), "2014-06-01"),
        (mieux("malawi-iii"), "2014-06-01"),
    ]
    assert table(server, "actions-by-title", ("action",), text="trafficking") == [
        (mieux("zambia"),),
        (mieux("uganda"),),
        (mieux("cote-divoire-i"),),
        (mieux("comesa-ii"),),
    ]


def test_organisation_portfolio(server) -> None:
    columns = ("initiative", "action", "role")
    # ICMPD (competency question 34): implements EUDiF (003), one of the leaders of EUROMED II (002),
    # provided expertise to COMESA II, The Gambia and Togo II (004), contracts Coop4Int and implements
    # the MPF (000).
    assert table(server, "organisation-portfolio", columns) == [
        ("action/eudif", "action/eudif", "role/implementer"),
        ("action/euromed-migration-ii", "action/euromed-migration-ii", "role/lead-implementer"),
        (mieux("comesa-ii"), mieux("comesa-ii"), "role/expertise-provider"),
        (mieux("the-gambia"), mieux("the-gambia"), "role/expertise-provider"),
        (mieux("togo-ii"), mieux("togo-ii"), "role/expertise-provider"),
        ("action/mpf/coop4int", "action/mpf/coop4int", "role/contracting-authority"),
        ("programme/mpf", "programme/mpf", "role/implementer"),
    ]
    # UNODC co-organised the first technical meeting (October 2013) and the joint meetings of March
    # and June 2014 and February 2015 of Côte d'Ivoire I (004).
    civ = mieux("cote-divoire-i")
    assert table(server, "organisation-portfolio", columns, organisation=ID + "org/unodc") == [
        (f"{civ}/activity/{month}-technical-meeting", civ, "role/co-organiser")
        for month in ("2013-10", "2014-03", "2014-06", "2015-02")
    ]
    # The optional role keeps ICMPD's expertise only.
    rows = table(server, "organisation-portfolio", ("initiative",), role=ID + "role/expertise-provider")
    assert rows == [(mieux("comesa-ii"),), (mieux("the-gambia"),), (mieux("togo-ii"),)]


def test_organisation_partners(server) -> None:
    coop4int = "Coop4Int: Strengthening Migrant Integration through cooperation between Portugal and Cabo Verde"
    # The High Commission for Migration (ACM) leads Coop4Int with AAI, ISCTE and IPB, contracted by
    # ICMPD and funded by the EU; its Support Centres lend their experience to the activities (000).
    rows = records(server, "organisation-partners")
    assert [(row["partner"], row["sharedActions"], row["actions"]) for row in rows] == [
        (f"org/{slug}", 1, coop4int)
        for slug in ("aai", "eu", "icmpd", "ipb", "iscte", "support-centres-for-migrants-integration")
    ]
    # Europol in Zambia (004): the Anti-Human Trafficking Secretariat, Eurojust (hosts of the study
    # visit) and the Ministry of Home Affairs (the closing training).
    rows = table(server, "organisation-partners", ("partner", "sharedActions"), organisation=ID + "org/europol")
    assert rows == [
        ("org/eurojust", 1),
        ("org/ministry-of-home-affairs-zambia", 1),
        ("org/zambian-anti-human-trafficking-secretariat", 1),
    ]
    # UNODC in Côte d'Ivoire I (004): the Ministry of Development and Planning and the working group.
    rows = table(server, "organisation-partners", ("partner",), organisation=ID + "org/unodc")
    assert rows == [
        ("org/inter-departmental-working-group-on-thb-cote-divoire",),
        ("org/ministry-of-development-and-planning-cote-d-ivoire",),
    ]


def test_experts_from_country(server) -> None:
    national = "expert-sector/national-administration"
    # French experts (004): Burundi I and II, Cabo Verde I, COMESA II, Côte d'Ivoire II ("an expert
    # from the French national administration"), Mauritius, Nigeria III, Senegal, The Gambia, Togo I
    # and II, West and Central Africa I and II.
    rows = table(server, "experts-from-country", ("action", "sector", "providedBy", "experts"))
    french = ["burundi-i", "burundi-ii", "cabo-verde-i", "comesa-ii", "cote-divoire-ii", "mauritius", "nigeria-iii",
              "senegal", "the-gambia", "togo-i", "togo-ii", "west-and-central-africa-i", "west-and-central-africa-ii"]  # fmt: skip
    assert rows == [(mieux(slug), national, None, 1 if slug == "cote-divoire-ii" else None) for slug in french]
    # Slovenia (004): three experts of the Slovenian Border Police (Malawi I), "a Slovenian expert"
    # (Mozambique), the Slovenian national administration (Rwanda).
    rows = table(server, "experts-from-country", ("action", "sector", "providedBy", "experts", "partnerCountries"),
                 country=ID + "country/SVN")  # fmt: skip
    assert rows == [
        (mieux("malawi-i"), national, "org/slovenian-border-police", 3, "MWI"),
        (mieux("mozambique"), "expert-sector/unspecified", None, 1, "MOZ"),
        (mieux("rwanda"), national, None, None, "RWA"),
    ]


def test_outputs_by_status(server) -> None:
    columns = ("output", "date", "source", "generatedBy")
    # Adopted (competency question 9): the Angola seminar's recommendations (July 2010, 004), the
    # National Immigration Strategy ("adopted in 2012", 001), the COMESA task forces' recommendations
    # (March 2012, 004), the 11th ASEAN Forum's recommendations (2018, 003).
    assert table(server, "outputs-by-status", columns) == [
        ("output/ago-seminar-final-recommendations-2010", "2010-07", "source/004", mieux("angola")),
        ("output/cpv-national-immigration-strategy", "2012", "source/001", mieux("cabo-verde-i")),
        ("output/comesa-task-forces-recommendations-2012", "2012-03", "source/004", mieux("comesa-i")),
        ("output/asean-forum-11-recommendations", "2018", "source/003", "activity/asean-forum-11"),
    ]
    # Presented (004): Uganda's field guide (June 2012) and action-plan framework (September 2012),
    # Senegal's border strategy (14 December 2012), Cabo Verde's action plan (February 2013), the
    # ECOWAS curriculum (February 2013), the Cabo Verdean foreigners law proposal (July 2013), the
    # West African background paper (October 2015), Côte d'Ivoire's anti-THB strategy (November 2015).
    assert table(server, "outputs-by-status", ("output", "date", "generatedBy"),
                 status=ID + "output-status/presented") == [
        ("output/uga-operational-field-guide-thb", "2012-06", mieux("uganda")),
        ("output/uga-framework-national-action-plan-thb", "2012-09", mieux("uganda")),
        ("output/sen-national-integrated-border-management-strategy", "2012-12-14", mieux("senegal")),
        ("output/cpv-national-action-plan-immigration", "2013-02", mieux("cabo-verde-i")),
        ("output/ecowas-regional-training-curriculum-border-officials", "2013-02", mieux("ecowas")),
        ("output/cpv-foreigners-law-proposal-2013", "2013-07", mieux("cabo-verde-ii")),
        ("output/west-africa-background-paper-migration-climate-change-environment", "2015-10",
         mieux("west-africa")),
        ("output/civ-national-strategy-counter-thb-2016-2020", "2015-11", mieux("cote-divoire-i")),
    ]  # fmt: skip
    # Endorsed: the National Immigration Strategy, October 2011 (004).
    assert table(server, "outputs-by-status", columns, status=ID + "output-status/endorsed") == [
        ("output/cpv-national-immigration-strategy", "2011-10", "source/004", mieux("cabo-verde-i"))
    ]


def test_funding_by_instrument(server) -> None:
    columns = ("action", "funder", "budget", "currency", "share", "amount")
    # 000: EUR 1,532,558.68, 94.42% from AMIF; 1,532,558.68 x 0.9442 = 1,447,041.91.
    assert table(server, "funding-by-instrument", columns) == [
        ("action/mpf/coop4int", "org/eu", 1532558.68, "EUR", 0.9442, 1447041.91)
    ]
    # 003: EUDiF is funded by DG INTPA under the Development Cooperation Instrument; no budget given.
    assert table(server, "funding-by-instrument", columns, instrument=ID + "instrument/dci") == [
        ("action/eudif", "org/dg-intpa", None, None, None, None)
    ]
    assert table(server, "funding-by-instrument", ("action",), minimum="1500000") == [("action/mpf/coop4int",)]
    assert table(server, "funding-by-instrument", ("action",), minimum="2000000.00") == []


# --- formats ------------------------------------------------------------------------------


def test_csv_by_accept_and_by_format(server) -> None:
    params = {"country": ID + "country/GHA"}
    by_accept = httpx.get(url(server, "actions-by-country"), params=params, headers={"Accept": "text/csv"})
    by_format = httpx.get(url(server, "actions-by-country"), params={**params, "format": "csv"})
    for response in (by_accept, by_format):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows == [
            ["action", "actionLabel", "programme", "start", "end", "ongoingAsOf"],
            [ID + "action/mieux/ghana-i", "Ghana I: Capacity Building and Migration Management",
             ID + "programme/mieux", "2011-09-01", "2013-04-30", ""],
            [ID + "action/mieux/ghana-ii", "Ghana II: Migration and Development", ID + "programme/mieux",
             "2014-06-01", "", "2016-02"],
        ]  # fmt: skip
    assert by_accept.text.endswith("\r\n")


def test_sparql_json_keeps_datatypes_and_json_records_type_numbers(server) -> None:
    response = httpx.get(url(server, "funding-by-instrument"), headers={"Accept": SRJ})
    assert response.headers["content-type"] == f"{SRJ}; charset=utf-8"
    document = response.json()
    assert document["head"]["vars"] == ["action", "actionLabel", "funder", "budget", "currency", "share", "amount"]
    (row,) = document["results"]["bindings"]
    assert row["amount"] == {"type": "literal", "value": "1447041.91", "datatype": XSD + "decimal"}
    assert row["action"] == {"type": "uri", "value": ID + "action/mpf/coop4int"}
    assert row["actionLabel"]["xml:lang"] == "en"

    (record,) = httpx.get(url(server, "cq04-actions-per-m49-region")).json()[:1]
    assert record == {"area": ID + "m49/202", "areaLabel": "Sub-Saharan Africa",
                      "level": ID + "m49-level/sub-region", "actions": 35}  # fmt: skip
    booleans = httpx.get(url(server, "cq28-eu-funded-actions")).json()
    assert {(row["direct"], row["viaProgramme"]) for row in booleans} == {(False, True), (True, True), (True, False)}


def test_negotiation_defaults_and_refusals(server) -> None:
    target = url(server, "actions-by-title")
    assert httpx.get(target, headers={"Accept": "*/*"}).headers["content-type"].startswith("application/json")
    assert httpx.get(target, headers={"Accept": "text/*"}).headers["content-type"].startswith("text/csv")
    weighted = httpx.get(target, headers={"Accept": f"application/json;q=0.5, {SRJ}"})
    assert weighted.headers["content-type"].startswith(SRJ)
    refused = httpx.get(target, headers={"Accept": "application/xml"})
    assert refused.status_code == 406
    assert refused.text == (
        "Not Acceptable: none of the requested media types is offered. "
        "Offered: application/json, text/csv, application/sparql-results+json\n"
    )
    wrong = httpx.get(target, params={"format": "xml"})
    assert wrong.status_code == 422
    assert wrong.text == "Parameter 'format': 'xml' is not offered; use json, csv or srj.\n"


# --- pagination ------------------------------------------------------------------------------


def links(response: httpx.Response) -> dict[str, str]:
    found = {}
    for part in response.headers["link"].split(","):
        target, rel = part.split(";")
        found[rel.strip().removeprefix('rel="').removesuffix('"')] = target.strip().strip("<>")
    return found


def test_pagination_links_like_grlc(server) -> None:
    target = url(server, "actions-by-programme")
    first = httpx.get(target)
    assert len(first.json()) == 10
    assert links(first) == {"first": f"{target}?page=1", "next": f"{target}?page=2", "last": f"{target}?page=4"}
    second = httpx.get(links(first)["next"])
    assert links(second) == {"first": f"{target}?page=1", "prev": f"{target}?page=1", "next": f"{target}?page=3",
                             "last": f"{target}?page=4"}  # fmt: skip
    last = httpx.get(target, params={"page": "4", "programme": ID + "programme/mieux"}, headers={"Accept": SRJ})
    assert len(last.json()["results"]["bindings"]) == 7
    last_links = links(last)
    assert "next" not in last_links
    assert last_links["prev"].endswith("page=3") and "programme=https%3A%2F%2Fw3id.org" in last_links["prev"]
    as_csv = httpx.get(target, params={"page": "2", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert links(as_csv)["next"] == f"{target}?format=csv&page=3"  # the format override travels with the pages
    beyond = httpx.get(target, params={"page": "5"})
    assert beyond.status_code == 200 and beyond.json() == []
    mpf = httpx.get(target, params={"programme": ID + "programme/mpf"})
    assert len(mpf.json()) == 1 and "next" not in links(mpf)
    for bad in ("0", "-1", "two", "1.5"):
        response = httpx.get(target, params={"page": bad})
        assert response.status_code == 422
        assert response.text == f"Parameter 'page': {bad!r} is not a page number (1, 2, ...).\n"
    unpaged = httpx.get(url(server, "actions-by-country"), params={"page": "2"})
    assert unpaged.status_code == 422
    assert unpaged.text == "Saved query 'actions-by-country' is not paginated: it takes no 'page' parameter.\n"


# --- POST ----------------------------------------------------------------------------------


def test_post_with_a_form_or_json_body_answers_as_get(server) -> None:
    target = url(server, "experts-from-country")
    slovenia = {"country": ID + "country/SVN"}
    by_get = httpx.get(target, params=slovenia).json()
    by_form = httpx.post(target, data=slovenia)
    by_json = httpx.post(target, json=slovenia)
    assert by_form.status_code == by_json.status_code == 200
    assert by_form.json() == by_json.json() == by_get
    assert len(by_get) == 3
    year = httpx.post(url(server, "actions-running-in-year"), json={"year": 2009})
    assert len(year.json()) == 3
    unsupported = httpx.post(target, content=b"<x/>", headers={"Content-Type": "application/xml"})
    assert unsupported.status_code == 415
    nested = httpx.post(target, json={"country": [ID + "country/SVN"]})
    assert nested.status_code == 422
    assert nested.text == "Parameter 'country': give a string or a number, not list.\n"


# --- errors ----------------------------------------------------------------------------------


def test_an_unknown_query_is_404_with_the_names(server) -> None:
    for response in (httpx.get(url(server, "no-such-query")), httpx.post(url(server, "no-such-query"), data={})):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text.startswith(
            "Unknown saved query 'no-such-query'. The saved queries are: actions-by-country,"
        )
        assert all(name in response.text for name in NAMES)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("actions-by-country", {"country": "<x> } ; DROP ALL ; {"},
         "Parameter 'country': '<x> } ; DROP ALL ; {' is not allowed: it must be an absolute IRI"),
        ("actions-by-country", {"country": ID + "country/CPV> } ; DROP ALL ; { <x"}, "Parameter 'country'"),
        ("actions-by-country", {"country": "country/CPV"},
         "Parameter 'country': 'country/CPV' is not allowed: it must be an absolute IRI"),
        ("actions-by-country", {"country": ID + "country/PRT"},
         f"Parameter 'country': '{ID}country/PRT' is not one of the allowed values (29: "),
        ("actions-by-region", {"region": ID + "m49/019"}, "Parameter 'region'"),
        ("activities-in-period", {"type": "http://www.w3.org/2002/07/owl#Thing"},
         "Parameter 'type': 'http://www.w3.org/2002/07/owl#Thing' is not one of the allowed values (20: "),
        ("actions-running-in-year", {"year": "2012 } UNION { ?s ?p ?o"}, "Parameter 'year': '2012 } UNION"),
        ("actions-running-in-year", {"year": "twenty"}, "Parameter 'year': 'twenty' is not an integer"),
        ("activities-in-period", {"since": "2012-02-30"}, "Parameter 'since': '2012-02-30' is not a date"),
        ("funding-by-instrument", {"minimum": "1e6"}, "Parameter 'minimum': '1e6' is not a decimal number"),
        ("actions-by-title", {"txt": "x"}, "Unknown parameter 'txt' for saved query 'actions-by-title'; it takes: text, format."),
    ],
)  # fmt: skip
def test_bad_parameters_are_422_naming_the_parameter(server, name: str, params: dict, message: str) -> None:
    response = httpx.get(url(server, name), params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith(message)


def test_a_repeated_parameter_is_refused(server) -> None:
    response = httpx.get(url(server, "actions-running-in-year") + "?year=2009&year=2010")
    assert response.status_code == 422
    assert response.text == "Parameter 'year' was given 2 times; give it once.\n"


@pytest.mark.parametrize("text", ['"a" . ?s ?p ?o', '") } ; DROP ALL ; { FILTER("', "x' } INSERT DATA { <a> <b> <c> }"])
def test_sparql_in_a_string_parameter_is_only_text(server, text: str) -> None:
    response = httpx.get(url(server, "actions-by-title"), params={"text": text})
    assert response.status_code == 200
    assert response.json() == []
    # The graph is still whole: the default question still has its six answers.
    assert len(httpx.get(url(server, "actions-by-title")).json()) == 6


# --- OpenAPI -----------------------------------------------------------------------------------


def test_openapi_has_one_operation_per_saved_query_with_typed_parameters(server) -> None:
    document = httpx.get(f"{server.base_url}/openapi.json").json()
    paths = {path: item for path, item in document["paths"].items() if path.startswith("/api/queries/")}
    assert sorted(paths) == [f"/api/queries/{name}" for name in NAMES]
    operation_ids = [item["get"]["operationId"] for item in paths.values()]
    assert sorted(operation_ids) == sorted(f"get_{name.replace('-', '_')}" for name in NAMES)
    assert all(set(item) == {"get", "post"} for item in paths.values())

    get = paths["/api/queries/actions-by-country"]["get"]
    assert get["summary"] == "Which actions have a given partner country?"
    assert get["tags"] == ["library", "countries"]
    parameters = {p["name"]: p for p in get["parameters"]}
    assert sorted(parameters) == ["country", "format"]
    country = parameters["country"]
    assert (country["in"], country["required"], country["schema"]["type"], country["schema"]["format"]) == (
        "query", False, "string", "uri"
    )  # fmt: skip
    assert country["schema"]["default"] == ID + "country/CPV"
    assert len(country["schema"]["enum"]) == 29 and ID + "country/GHA" in country["schema"]["enum"]
    assert set(get["responses"]["200"]["content"]) == {"application/json", "text/csv", SRJ}
    assert set(get["responses"]["200"]["content"]["application/json"]["schema"]["items"]["properties"]) == {
        "action", "actionLabel", "programme", "start", "end", "ongoingAsOf"
    }  # fmt: skip

    year = paths["/api/queries/actions-running-in-year"]["get"]["parameters"][0]
    assert year["schema"] == {"type": "integer", "default": 2012}
    since = {p["name"]: p for p in paths["/api/queries/activities-in-period"]["get"]["parameters"]}["since"]
    assert since["schema"] == {"type": "string", "format": "date", "default": "2009-01-01"}
    minimum = {p["name"]: p for p in paths["/api/queries/funding-by-instrument"]["get"]["parameters"]}["minimum"]
    assert minimum["schema"] == {"type": "number"} and minimum["required"] is False
    paged = {p["name"]: p for p in paths["/api/queries/actions-by-programme"]["get"]["parameters"]}
    assert paged["page"]["schema"] == {"type": "integer", "minimum": 1, "default": 1}
    post = paths["/api/queries/actions-by-country"]["post"]
    assert post["operationId"] == "post_actions_by_country"
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["country"]["format"] == "uri"
    assert paths["/api/queries/cq04-actions-per-m49-region"]["get"]["summary"].startswith("How many actions")
    assert "/api/queries" in document["paths"]


# --- the cache ---------------------------------------------------------------------------------


def test_results_are_cached_per_parameters_and_format(server) -> None:
    target = url(server, "actions-by-title")
    probe = {"text": "Border Management"}  # asked by no other test
    first = httpx.get(target, params=probe)
    second = httpx.get(target, params=probe)
    as_csv = httpx.get(target, params=probe, headers={"Accept": "text/csv"})
    assert (first.headers["x-cache"], second.headers["x-cache"], as_csv.headers["x-cache"]) == ("miss", "hit", "miss")
    assert first.content == second.content
    # Titles of 004 naming border management, by start: Malawi I, Sierra Leone I, Senegal, Rwanda,
    # Burundi I and Nigeria III ("Blue Border Management").
    assert [short(row["action"]) for row in first.json()] == [
        mieux(slug) for slug in ("malawi-i", "sierra-leone-i", "senegal", "rwanda", "burundi-i", "nigeria-iii")
    ]


def test_an_update_invalidates_cached_results_and_enumerations(built, tmp_path: Path) -> None:
    copy = tmp_path / "store"
    shutil.copytree(built.store_path, copy)
    running = start_server(copy, tmp_path / "server.log", write_token="t")
    try:
        target = url(running, "actions-by-country")
        ghana = {"country": ID + "country/GHA"}
        portugal = {"country": ID + "country/PRT"}
        before = [httpx.get(target, params=ghana) for _ in range(2)]
        assert [response.headers["x-cache"] for response in before] == ["miss", "hit"]
        assert [short(row["action"]) for row in before[1].json()] == [mieux("ghana-i"), mieux("ghana-ii")]
        assert httpx.get(target, params=portugal).status_code == 422  # Portugal is no partner country yet

        update = httpx.post(
            f"{running.base_url}/update",
            content="INSERT DATA { <action/mieux/togo-i> mc:partnerCountry <country/GHA> , <country/PRT> }",
            headers={"Authorization": "Bearer t", "Content-Type": "application/sparql-update"},
            timeout=120,
        )
        assert update.status_code == 200, update.text

        after = [httpx.get(target, params=ghana) for _ in range(2)]
        assert [response.headers["x-cache"] for response in after] == ["miss", "hit"]
        assert [short(row["action"]) for row in after[0].json()] == [
            mieux("ghana-i"), mieux("togo-i"), mieux("ghana-ii")
        ]  # fmt: skip
        now_allowed = httpx.get(target, params=portugal)
        assert now_allowed.status_code == 200
        assert [short(row["action"]) for row in now_allowed.json()] == [mieux("togo-i")]
        listed = {entry["name"]: entry for entry in httpx.get(url(running)).json()}
        assert ID + "country/PRT" in listed["actions-by-country"]["parameters"][0]["allowed"]
        document = httpx.get(f"{running.base_url}/openapi.json").json()
        schema = document["paths"]["/api/queries/actions-by-country"]["get"]["parameters"][0]["schema"]
        assert len(schema["enum"]) == 30 and ID + "country/PRT" in schema["enum"]
    finally:
        stop_server(running)


# --- start-up does not wait for the enumerations ------------------------------------------------

ENDLESS = """#+ summary: Anything, with allowed values that take for ever to read (four joins of every triple)
#+ enumerate:
#+   - anything

SELECT ?p WHERE { ?_anything_iri ?p ?o . ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }
"""


def project_with_an_endless_enumeration(root: Path) -> Path:
    """The project as it is, with one more saved query, first in name order, whose enumeration never ends."""
    root.mkdir()
    for entry in PROJECT_ROOT.iterdir():
        if entry.name != "queries":
            (root / entry.name).symlink_to(entry)
    (root / "queries").mkdir()
    for query in (PROJECT_ROOT / "queries").glob("*.rq"):
        (root / "queries" / query.name).symlink_to(query)
    (root / "queries" / "aaa-endless-enumeration.rq").write_text(ENDLESS)
    return root


def test_the_server_is_ready_before_the_enumerations_are_read(built, tmp_path: Path) -> None:
    # Were the enumerations read before start-up completes, this server would never be ready: the first
    # one runs until the query timeout of 10 minutes (start_server gives up after 30 s).
    project = project_with_an_endless_enumeration(tmp_path / "project")
    running = start_server(
        built.store_path, tmp_path / "server.log", project_root=str(project), query_timeout_seconds="600"
    )
    try:
        assert httpx.get(f"{running.base_url}/ready").status_code == 200
        # The background reading is stuck on the endless one; a request reads what it needs itself.
        target = url(running, "actions-by-country")
        refused = httpx.get(target, params={"country": ID + "country/PRT"}, timeout=30)
        assert refused.status_code == 422
        assert refused.text.startswith(f"Parameter 'country': '{ID}country/PRT' is not one of the allowed values (29: ")
        ghana = httpx.get(target, params={"country": ID + "country/GHA"}, timeout=30)
        assert ghana.status_code == 200
        assert [short(row["action"]) for row in ghana.json()] == [mieux("ghana-i"), mieux("ghana-ii")]
    finally:
        stop_server(running)


class FakeGraph:
    """Answers the enumeration queries in place of the query workers, when released, counting them."""

    def __init__(self) -> None:
        self.generation: int | None = 0
        self.settings = SimpleNamespace(query_timeout_seconds=30)
        self.asked: list[str] = []
        self.released = asyncio.Event()
        self.failures = 0

    async def run_select(self, _service: Any, text: str) -> queries.Result:
        self.asked.append(text)
        await self.released.wait()
        if self.failures:
            self.failures -= 1
            raise ProtocolError(503, "Query timed out after 10 s and was stopped.")
        row = {"value": {"type": "uri", "value": ID + "country/GHA"}, "label": {"type": "literal", "value": "Ghana"}}
        return queries.Result(["value", "label"], [row], False)


def test_an_enumeration_is_read_once_for_all_who_wait_and_again_after_an_update(monkeypatch) -> None:
    graph = FakeGraph()
    monkeypatch.setattr(queries, "run_select", graph.run_select)
    state = queries.LibraryState(queries.LIBRARY, FastAPI())
    template = queries.LIBRARY["actions-by-country"]
    country = template.enumeration_query(template.parameters[0])

    async def scenario() -> None:
        background = asyncio.create_task(state.read_all(graph))
        requests = [asyncio.create_task(state.ready_for(graph, template)) for _ in range(3)]
        while not graph.asked:
            await asyncio.sleep(0)
        assert graph.asked == [country]
        assert not any(request.done() for request in requests)
        graph.released.set()
        await asyncio.gather(background, *requests)
        assert graph.asked.count(country) == 1
        assert len(graph.asked) == len(set(graph.asked)) == len(state.graph_keys())
        assert state.allowed(template) == {"country": {f"<{ID}country/GHA>": ox.NamedNode(ID + "country/GHA")}}

        graph.generation = None  # an update being applied: the values read are kept
        await state.ready_for(graph, template)
        graph.generation = 1  # applied: read again
        await state.ready_for(graph, template)
        assert graph.asked.count(country) == 2

    asyncio.run(scenario())


def test_an_enumeration_that_fails_is_an_error_and_is_read_again_on_next_use(monkeypatch) -> None:
    graph = FakeGraph()
    graph.released.set()
    graph.failures = 1
    monkeypatch.setattr(queries, "run_select", graph.run_select)
    state = queries.LibraryState(queries.LIBRARY, FastAPI())
    template = queries.LIBRARY["actions-by-country"]

    async def scenario() -> None:
        with pytest.raises(ProtocolError, match="Query timed out"):
            await state.ready_for(graph, template)
        await state.ready_for(graph, template)
        assert set(state.allowed(template)["country"]) == {f"<{ID}country/GHA>"}
        assert len(graph.asked) == 2

    asyncio.run(scenario())

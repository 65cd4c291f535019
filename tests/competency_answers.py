"""Expected answers of the competency questions in queries/, established by reading the five
source documents in /work/shared/sources (not by running the queries).

Values are written the way tests/test_competency.py normalises query results: IRIs in our
namespace without the `https://w3id.org/migcoop/id/` base ("action/mieux/zambia"), ontology
terms as "mc:Workshop", integers as int, decimals as Decimal, booleans as bool, dates and
partial dates (xsd:date, xsd:gYear, xsd:gYearMonth) as their lexical form, unbound as None.

Each answer names the result columns it checks, the rows (a list when the order is given by
the source reading itself, otherwise a set or dict) and, for sets and dicts, the sort key that
mirrors the query's ORDER BY, so that the test checks the order as well as the content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Answer:
    columns: tuple[str, ...]
    rows: list[Row] | set[Row]
    # Sort key over a row of `columns` reproducing the query's ORDER BY; None when `rows` is
    # a list already in the expected order.
    order: Callable[[Row], Any] | None = None
    # Set when the data disagree with the sources: the reason names the data problem.
    xfail: str | None = None
    notes: str = field(default="", compare=False)


def c(iso3: str) -> str:
    return f"country/{iso3}"


def mieux(slug: str) -> str:
    return f"action/mieux/{slug}"


def none_first(value: Any) -> tuple[int, Any]:
    """SPARQL sorts unbound values before bound ones."""
    return (0, "") if value is None else (1, value)


COOP4INT = "action/mpf/coop4int"
HELD = "event-status/held"
PLANNED = "event-status/planned"

###########################################################################
# cq01 Cabo Verde across all documents: 004 reports Cabo Verde I (Feb 2010 - Feb 2013),
# II (July 2012 - July 2013, "second phase") and III (July 2014 - present, "following two
# previous MIEUX actions"); 001 the fourth action (2017-2019, the MAPII); 000 Coop4Int
# (December 2021 - December 2024, MPF).
###########################################################################

CQ01 = Answer(
    columns=("action", "programme", "start", "end", "phase", "follows", "source"),
    rows=[
        (mieux("cabo-verde-i"), "programme/mieux", "2010-02-01", "2013-02-28", 1, None, "source/004"),
        (mieux("cabo-verde-ii"), "programme/mieux", "2012-07-01", "2013-07-31", 2, mieux("cabo-verde-i"), "source/004"),
        (mieux("cabo-verde-iii"), "programme/mieux", "2014-07-01", None, 3, mieux("cabo-verde-ii"), "source/004"),
        (
            mieux("cabo-verde-iv"),
            "programme/mieux",
            "2017-01-01",
            "2019-12-31",
            4,
            mieux("cabo-verde-iii"),
            "source/001",
        ),
        (COOP4INT, "programme/mpf", "2021-12-01", "2024-12-31", None, None, "source/000"),
    ],
)

###########################################################################
# cq02 Experts of national or local administrations, by origin and partner country, counted
# in actions; same-country deployments (Cabo Verdean administration to Cabo Verde I) left out;
# COMESA I/II and ECOWAS have no partner country. Sierra Leone I, Mozambique, Cabo Verde III
# and the Senegalese/Nigerian experts name no sector; Cabo Verde II sent academics.
###########################################################################

_FLOWS: dict[tuple[str, str], int] = {
    ("DEU", "BEN"): 1,  # Benin
    ("FRA", "BDI"): 2,  # Burundi I, Burundi II
    ("MLI", "BDI"): 1,  # Burundi II
    ("NLD", "CPV"): 1,  # Cabo Verde I
    ("FIN", "CPV"): 1,
    ("FRA", "CPV"): 1,
    ("PRT", "CPV"): 1,  # Cabo Verde IV: SEF and the Oeiras municipality
    ("ITA", "CIV"): 1,  # Cote d'Ivoire I
    ("PRT", "CIV"): 1,
    ("FRA", "CIV"): 1,  # Cote d'Ivoire II
    ("GBR", "ETH"): 1,  # Home Office and Border Agency
    ("FRA", "GMB"): 1,
    ("ITA", "GMB"): 1,
    ("GBR", "GHA"): 1,  # Ghana I: British, Bulgarian, Dutch and Polish public administrations
    ("BGR", "GHA"): 1,
    ("NLD", "GHA"): 1,
    ("POL", "GHA"): 1,
    ("AUT", "KEN"): 1,
    ("NLD", "KEN"): 1,
    ("SVN", "MWI"): 1,  # Malawi I: Slovenian Border Police
    ("NLD", "MWI"): 1,  # Malawi II
    ("FRA", "MUS"): 1,
    ("ITA", "MUS"): 1,
    ("FRA", "NGA"): 1,  # Nigeria III
    ("PRT", "NGA"): 1,
    ("ITA", "RWA"): 1,
    ("SVN", "RWA"): 1,
    ("NLD", "SEN"): 1,  # Senegal
    ("FRA", "SEN"): 3,  # Senegal, West and Central Africa I and II
    ("BEL", "SEN"): 1,  # West and Central Africa I
    ("BEL", "SLE"): 1,  # Sierra Leone II
    ("GBR", "SLE"): 1,
    ("CZE", "SLE"): 1,
    ("NLD", "SLE"): 1,
    ("MDA", "SLE"): 1,
    ("POL", "SLE"): 1,
    ("BEL", "TGO"): 1,  # Togo I
    ("BEN", "TGO"): 1,
    ("FRA", "TGO"): 2,  # Togo I, Togo II
    ("GHA", "TGO"): 1,  # Togo II
    ("GBR", "UGA"): 1,
    ("LTU", "UGA"): 1,
    ("PRT", "UGA"): 1,
    ("NLD", "ZMB"): 1,
    ("PRT", "ZMB"): 1,
    ("BEL", "BFA"): 1,  # West and Central Africa I: BFA, GAB, MLI, MRT, SEN
    ("FRA", "BFA"): 1,
    ("BEL", "GAB"): 1,
    ("FRA", "GAB"): 1,
    ("BEL", "MLI"): 1,
    ("FRA", "MLI"): 2,  # West and Central Africa I and II
    ("BEL", "MRT"): 1,
    ("FRA", "MRT"): 1,
    ("FRA", "BEN"): 1,  # West and Central Africa II: BEN, MLI, CMR, SEN
    ("FRA", "CMR"): 1,
}

CQ02 = Answer(
    columns=("origin", "partner", "actions"),
    rows={(c(o), c(p), n) for (o, p), n in _FLOWS.items()},
    order=lambda r: (-r[2], r[0], r[1]),
)

###########################################################################
# cq03 Actions per top theme (theme judgements in data/curation, mapped to the five top
# concepts of the scheme by skos:broader).
###########################################################################

CQ03 = Answer(
    columns=("topTheme", "actions"),
    rows={
        ("theme/migration-governance", 24),
        ("theme/irregular-migration-and-trafficking", 17),
        ("theme/legal-migration-and-mobility", 13),
        ("theme/migration-and-development", 9),
        ("theme/international-protection-and-asylum", 2),  # Angola, Cabo Verde III
    },
    order=lambda r: (-r[1], r[0]),
)

###########################################################################
# cq04 Regions of the partner countries. Western Africa: Benin, Cabo Verde I-IV, Coop4Int,
# Cote d'Ivoire I-II, The Gambia, Ghana I-II, Mali, Nigeria III-IV, Senegal, Sierra Leone I-II,
# Togo I-II, West Africa, West and Central Africa I-II (22). Eastern Africa: Burundi I-II,
# Ethiopia, Kenya, Malawi I-III, Mauritius, Mozambique, Rwanda, Uganda, Zambia (12). Middle
# Africa: Angola and the Gabon/Cameroon partners of WCA I and II (3). Northern Africa: THAMM,
# CNC (2). Eastern Europe: PARE 1+1 (Moldova). Sub-Saharan Africa: every action with an
# African partner south of the Sahara (35).
###########################################################################

CQ04 = Answer(
    columns=("area", "level", "actions"),
    rows={
        ("m49/202", "m49-level/sub-region", 35),
        ("m49/011", "m49-level/intermediate-region", 22),
        ("m49/014", "m49-level/intermediate-region", 12),
        ("m49/017", "m49-level/intermediate-region", 3),
        ("m49/015", "m49-level/sub-region", 2),
        ("m49/151", "m49-level/sub-region", 1),
    },
    order=lambda r: (-r[2], r[0]),
)

###########################################################################
# cq05 Running during 2012. Angola (to July 2011), Sierra Leone I (to Oct 2011), Zambia,
# Mozambique, Malawi I, Ethiopia and EUROMED II (to 2011) ended before; Rwanda and the others
# started after; THAMM and CNC have no start.
###########################################################################

CQ05 = Answer(
    columns=("action", "start", "end", "ongoingAsOf"),
    rows={
        ("action/pare-1-plus-1", "2010-01-01", None, "2019"),
        (mieux("cabo-verde-i"), "2010-02-01", "2013-02-28", None),
        (mieux("west-and-central-africa-i"), "2010-05-01", "2012-05-31", None),
        (mieux("comesa-i"), "2010-07-01", "2012-03-31", None),
        (mieux("senegal"), "2010-08-01", "2013-05-31", None),
        (mieux("the-gambia"), "2010-10-01", "2012-12-31", None),
        ("action/amicall", "2011-01-01", "2012-12-31", None),
        (mieux("ecowas"), "2011-04-01", "2013-02-28", None),
        (mieux("ghana-i"), "2011-09-01", "2013-04-30", None),
        (mieux("uganda"), "2011-11-01", "2012-12-31", None),
        (mieux("kenya"), "2012-01-01", "2012-09-30", None),
        (mieux("cote-divoire-i"), "2012-03-01", "2015-11-30", None),
        (mieux("sierra-leone-ii"), "2012-03-01", None, "2016-02"),
        (mieux("west-and-central-africa-ii"), "2012-03-01", "2012-07-31", None),
        (mieux("mauritius"), "2012-04-01", None, "2016-02"),
        (mieux("comesa-ii"), "2012-05-01", None, "2016-02"),
        (mieux("cabo-verde-ii"), "2012-07-01", "2013-07-31", None),
    },
    order=lambda r: (r[1], r[0]),
)

###########################################################################
# cq06 The EU funds MIEUX (004 footer) and the MPF (000); ICMPD implements the MPF and
# contracts Coop4Int (000) and provided expertise to The Gambia, Togo II and COMESA II (004).
###########################################################################

CQ06 = Answer(
    columns=("organisation", "programmes"),
    rows=[("org/eu", 2), ("org/icmpd", 2)],
)

###########################################################################
# cq07 EUR 1,532,558.68 (94.42% from AMIF): 1,532,558.68 x 0.9442 = 1,447,041.906... -> 1,447,041.91
###########################################################################

CQ07 = Answer(
    columns=("action", "budget", "currency", "instrument", "funder", "share", "amount"),
    rows=[
        (
            COOP4INT,
            Decimal("1532558.68"),
            "EUR",
            "instrument/amif",
            "org/eu",
            Decimal("0.9442"),
            Decimal("1447041.91"),
        )
    ],
)

###########################################################################
# cq08 Activities held outside the partner countries of their action.
###########################################################################

CQ08 = Answer(
    columns=("activity", "action", "country", "status"),
    rows={
        (f"{mieux('cabo-verde-iv')}/activity/3-study-visit", mieux("cabo-verde-iv"), c("PRT"), HELD),  # Lisbon, Oeiras
        (f"{mieux('cote-divoire-ii')}/activity/2015-05-study-visit", mieux("cote-divoire-ii"), c("MAR"), HELD),
        (f"{mieux('ghana-ii')}/activity/2014-10-consultative-meeting", mieux("ghana-ii"), c("BEL"), HELD),
        (f"{mieux('malawi-iii')}/activity/2015-05-consultative-meeting", mieux("malawi-iii"), c("IRL"), HELD),
        (f"{mieux('malawi-iii')}/activity/2015-10-study-visit", mieux("malawi-iii"), c("ETH"), HELD),
        (f"{mieux('mozambique')}/activity/2010-03-study-visit", mieux("mozambique"), c("PRT"), HELD),
        # desk-based data validation "in the experts' home countries" (French and Italian experts)
        (f"{mieux('the-gambia')}/activity/3-desk-work", mieux("the-gambia"), c("FRA"), HELD),
        (f"{mieux('the-gambia')}/activity/3-desk-work", mieux("the-gambia"), c("ITA"), HELD),
        (
            f"{mieux('west-and-central-africa-i')}/activity/2012-04-study-visit",
            mieux("west-and-central-africa-i"),
            c("FRA"),
            HELD,
        ),
        (
            f"{mieux('west-and-central-africa-i')}/activity/2012-05-study-visit",
            mieux("west-and-central-africa-i"),
            c("BEL"),
            HELD,
        ),
        (f"{mieux('zambia')}/activity/2011-02-study-visit", mieux("zambia"), c("NLD"), HELD),
        # "study visits between Portugal and Cabo Verde" (planned)
        (f"{COOP4INT}/activity/1-study-visit", COOP4INT, c("PRT"), PLANNED),
    },
    order=lambda r: (r[1], r[0], r[2]),
)

###########################################################################
# cq09 Adopted: the Angola seminar's final recommendations (July 2010, 004); the National
# Immigration Strategy ("adopted in 2012", 001); the recommendations the March 2012 COMESA task
# forces meeting resulted in (004); the recommendations of the 11th ASEAN Forum (2018, 003).
###########################################################################

CQ09 = Answer(
    columns=("output", "date", "generatedBy", "source"),
    rows=[
        ("output/ago-seminar-final-recommendations-2010", "2010-07", mieux("angola"), "source/004"),
        ("output/cpv-national-immigration-strategy", "2012", mieux("cabo-verde-i"), "source/001"),
        ("output/comesa-task-forces-recommendations-2012", "2012-03", mieux("comesa-i"), "source/004"),
        ("output/asean-forum-11-recommendations", "2018", "activity/asean-forum-11", "source/003"),
    ],
)

###########################################################################
# cq10 MIEUX: 36 actions in 004 plus Cabo Verde IV (001); MPF: Coop4Int; no programme:
# EUROMED II, THAMM, EUDiF, CNC, AMICALL, PARE 1+1.
###########################################################################

CQ10 = Answer(
    columns=("programme", "actions"),
    rows=[("programme/mieux", 37), ("none", 6), ("programme/mpf", 1)],
)

###########################################################################
# cq11 Start years (THAMM and CNC have none).
###########################################################################

CQ11 = Answer(
    columns=("year", "actions"),
    rows=[
        (2008, 1),  # EUROMED II
        (2009, 2),  # Angola, Malawi I
        (
            2010,
            10,
        ),  # Cabo Verde I, COMESA I, Ethiopia, Mozambique, Senegal, Sierra Leone I, The Gambia, WCA I, Zambia, PARE
        (2011, 4),  # AMICALL, ECOWAS, Ghana I, Uganda
        (2012, 7),  # Cabo Verde II, COMESA II, Cote d'Ivoire I, Kenya, Mauritius, Sierra Leone II, WCA II
        (2013, 6),  # Benin, Burundi I, Malawi II, Rwanda, Togo I, Togo II
        (2014, 6),  # Burundi II, Cabo Verde III, Cote d'Ivoire II, Ghana II, Malawi III, Mali
        (2015, 3),  # Nigeria III, Nigeria IV, West Africa
        (2017, 1),  # Cabo Verde IV
        (2019, 1),  # EUDiF
        (2021, 1),  # Coop4Int
    ],
)

###########################################################################
# cq12 Ongoing at the source's date: the 16 "present" actions of 004 (February 2016), THAMM,
# CNC, PARE 1+1 and EUDiF (2019, 003), Coop4Int (2022, 000).
###########################################################################

_ONGOING_004 = [
    "benin", "burundi-i", "burundi-ii", "cabo-verde-iii", "comesa-ii", "cote-divoire-ii", "ghana-ii",
    "malawi-ii", "malawi-iii", "mali", "mauritius", "nigeria-iii", "nigeria-iv", "sierra-leone-ii",
    "togo-ii", "west-africa",
]  # fmt: skip

CQ12 = Answer(
    columns=("action", "source", "sourceAsOf", "ongoingAsOf"),
    rows={(mieux(slug), "source/004", "2016-02", "2016-02") for slug in _ONGOING_004}
    | {
        ("action/thamm", "source/003", "2019", "2019"),
        ("action/cnc-morocco", "source/003", "2019", "2019"),
        ("action/pare-1-plus-1", "source/003", "2019", "2019"),
        ("action/eudif", "source/003", "2019", None),  # June 2019 to the end of 2023
        (COOP4INT, "source/000", "2022", None),  # December 2021 to December 2024
    },
    order=lambda r: (r[1], r[0]),
)

###########################################################################
# cq13 Study visits and their places.
###########################################################################

CQ13 = Answer(
    columns=("visit", "place", "country", "status", "start"),
    rows={
        ("action/euromed-migration-ii/activity/5-study-visit", "area/eu-member-states", None, HELD, None),
        (f"{mieux('cabo-verde-iv')}/activity/3-study-visit", "place/lisbon", c("PRT"), HELD, None),
        (f"{mieux('cabo-verde-iv')}/activity/3-study-visit", "place/oeiras", c("PRT"), HELD, None),
        (f"{mieux('cote-divoire-ii')}/activity/2015-05-study-visit", c("MAR"), c("MAR"), HELD, "2015-05-01"),
        (f"{mieux('malawi-iii')}/activity/2015-10-study-visit", c("ETH"), c("ETH"), HELD, "2015-10-01"),
        (f"{mieux('mozambique')}/activity/2010-03-study-visit", c("PRT"), c("PRT"), HELD, "2010-03-22"),
        (f"{mieux('nigeria-iii')}/activity/3-study-visit", None, None, PLANNED, None),  # "one EU MS", unnamed
        (f"{mieux('west-and-central-africa-i')}/activity/2012-04-study-visit", c("FRA"), c("FRA"), HELD, "2012-04-24"),
        (f"{mieux('west-and-central-africa-i')}/activity/2012-05-study-visit", c("BEL"), c("BEL"), HELD, "2012-05-07"),
        (f"{mieux('zambia')}/activity/2011-02-study-visit", c("NLD"), c("NLD"), HELD, "2011-02-01"),
        (f"{COOP4INT}/activity/1-study-visit", c("CPV"), c("CPV"), PLANNED, None),
        (f"{COOP4INT}/activity/1-study-visit", c("PRT"), c("PRT"), PLANNED, None),
    },
    order=lambda r: (r[0], none_first(r[1])),
)

###########################################################################
# cq14 Academia: Cabo Verdean and Portuguese law academics (Cabo Verde II), "an academic"
# (COMESA II), "German academia" (ECOWAS), "European academics" (West Africa). Private sector:
# the consultant working for the African Development Bank (Benin), "two private consultants"
# (Ghana I), "a private consultant" (Rwanda), "a private expert from the UK" (Sierra Leone II).
###########################################################################

ACADEMIA = "expert-sector/academia"
PRIVATE = "expert-sector/private-sector"

CQ14 = Answer(
    columns=("deployment", "action", "sector", "origin", "providedBy", "experts"),
    rows={
        (f"{mieux('cabo-verde-ii')}/experts/cpv", mieux("cabo-verde-ii"), ACADEMIA, c("CPV"), None, None),
        (f"{mieux('cabo-verde-ii')}/experts/prt", mieux("cabo-verde-ii"), ACADEMIA, c("PRT"), None, None),
        (f"{mieux('comesa-ii')}/experts/academia", mieux("comesa-ii"), ACADEMIA, None, None, 1),
        (f"{mieux('ecowas')}/experts/deu", mieux("ecowas"), ACADEMIA, c("DEU"), None, None),
        (f"{mieux('west-africa')}/experts/european-academia", mieux("west-africa"), ACADEMIA, "m49/150", None, None),
        (f"{mieux('benin')}/experts/private-1", mieux("benin"), PRIVATE, None, "org/african-development-bank", 1),
        (f"{mieux('ghana-i')}/experts/private", mieux("ghana-i"), PRIVATE, None, None, 2),
        (f"{mieux('rwanda')}/experts/private-1", mieux("rwanda"), PRIVATE, None, None, 1),
        (f"{mieux('sierra-leone-ii')}/experts/private-1", mieux("sierra-leone-ii"), PRIVATE, c("GBR"), None, 1),
    },
    order=lambda r: (r[2], r[1], r[0]),
)

###########################################################################
# cq15 Requesting authorities: the Cabinet of the Prime Minister (Cabo Verde I, 001); the DGI
# and, in the case study's introduction, the Government of Cabo Verde (Cabo Verde IV, 001);
# the COMESA Secretariat (COMESA II's "second request", hence COMESA I too); the Diaspora
# Affairs Unit ("requesting authority", Malawi III); the Federal Ministry of Labour and
# Productivity (Nigeria IV).
###########################################################################

CQ15 = Answer(
    columns=("action", "authority", "country"),
    rows={
        (mieux("cabo-verde-i"), "org/cabinet-of-the-prime-minister-cabo-verde", c("CPV")),
        (mieux("cabo-verde-iv"), "org/dgi", c("CPV")),
        (mieux("cabo-verde-iv"), "org/government-of-cabo-verde", c("CPV")),
        (mieux("comesa-i"), "org/comesa-secretariat", None),
        (mieux("comesa-ii"), "org/comesa-secretariat", None),
        (mieux("malawi-iii"), "org/dau", c("MWI")),
        (mieux("nigeria-iv"), "org/federal-ministry-of-labour-and-productivity-nigeria", c("NGA")),
    },
    order=lambda r: (r[0], r[1]),
)

###########################################################################
# cq16 UNODC co-organised the first technical meeting (October 2013) and the MIEUX-UNODC joint
# meetings of March and June 2014 and February 2015 (Cote d'Ivoire I).
###########################################################################

_CIV1 = mieux("cote-divoire-i")
CQ16 = Answer(
    columns=("where", "action", "role", "start", "end"),
    rows=[
        (f"{_CIV1}/activity/2013-10-technical-meeting", _CIV1, "role/co-organiser", "2013-10-01", "2013-10-31"),
        (f"{_CIV1}/activity/2014-03-technical-meeting", _CIV1, "role/co-organiser", "2014-03-01", "2014-03-31"),
        (f"{_CIV1}/activity/2014-06-technical-meeting", _CIV1, "role/co-organiser", "2014-06-01", "2014-06-30"),
        (f"{_CIV1}/activity/2015-02-technical-meeting", _CIV1, "role/co-organiser", "2015-02-01", "2015-02-28"),
    ],
)

###########################################################################
# cq17 Coop4Int (000): implemented by the High Commission for Migration (ACM) with AAI, ISCTE
# and IPB; contracted by ICMPD; funded by the EU; the study visits and online trainings draw
# on the Support Centres for Migrants Integration run by the ACM.
###########################################################################

CQ17 = Answer(
    columns=("where", "organisation", "role", "country"),
    rows={
        (COOP4INT, "org/acm", "role/lead-implementer", c("PRT")),
        (COOP4INT, "org/aai", "role/implementing-partner", c("CPV")),
        (COOP4INT, "org/iscte", "role/implementing-partner", c("PRT")),
        (COOP4INT, "org/ipb", "role/implementing-partner", c("PRT")),
        (COOP4INT, "org/icmpd", "role/contracting-authority", c("AUT")),
        (COOP4INT, "org/eu", "role/funder", None),
        (
            f"{COOP4INT}/activity/1-study-visit",
            "org/support-centres-for-migrants-integration",
            "role/expertise-provider",
            c("PRT"),
        ),
        (
            f"{COOP4INT}/activity/2-training",
            "org/support-centres-for-migrants-integration",
            "role/expertise-provider",
            c("PRT"),
        ),
    },
    order=lambda r: (r[0], r[2], r[1]),
)

###########################################################################
# cq18 COMESA I: the Secretariat (request), COMESA (beneficiary) and its two task forces
# (meetings); COMESA II: the Secretariat and the two task forces; ECOWAS: the ECOWAS
# Commission's Department for Free Movement and Tourism; Mauritius: the APEI countries.
###########################################################################

CQ18 = Answer(
    columns=("action", "regionalOrganisation", "bodies"),
    rows={
        (mieux("mauritius"), "org/apei", 1),
        (mieux("comesa-i"), "org/comesa", 4),
        (mieux("comesa-ii"), "org/comesa", 3),
        (mieux("ecowas"), "org/ecowas", 1),
    },
    order=lambda r: (r[1], r[0]),
)

###########################################################################
# cq19 Trainings of trainers: Kenya (Nairobi, September 2012), Malawi I (undated, 2009),
# Rwanda (June 2014), ECOWAS (February 2013); planned in Nigeria III and Nigeria IV.
###########################################################################

CQ19 = Answer(
    columns=("activity", "action", "status", "start", "place"),
    rows={
        (f"{mieux('ecowas')}/activity/2013-02-training-of-trainers", mieux("ecowas"), HELD, "2013-02-01", None),
        (
            f"{mieux('kenya')}/activity/2012-09-training-of-trainers",
            mieux("kenya"),
            HELD,
            "2012-09-01",
            "place/nairobi",
        ),
        (f"{mieux('malawi-i')}/activity/1-training-of-trainers", mieux("malawi-i"), HELD, None, None),
        (f"{mieux('nigeria-iii')}/activity/4-training-of-trainers", mieux("nigeria-iii"), PLANNED, None, None),
        (f"{mieux('nigeria-iv')}/activity/5-training-of-trainers", mieux("nigeria-iv"), PLANNED, None, None),
        (f"{mieux('rwanda')}/activity/2014-06-training-of-trainers", mieux("rwanda"), HELD, "2014-06-01", None),
    },
    order=lambda r: (r[1], r[0]),
)

###########################################################################
# cq20 Actions per partner country (49 country-action pairs over 29 countries).
###########################################################################

_PER_COUNTRY = {
    "CPV": 5,  # Cabo Verde I-IV, Coop4Int
    "BEN": 3,  # Benin, West Africa, WCA II
    "MLI": 3,  # Mali, WCA I, WCA II
    "MWI": 3,  # Malawi I-III
    "SEN": 3,  # Senegal, WCA I, WCA II
    "TGO": 3,  # Togo I, Togo II, West Africa
    "BDI": 2, "CIV": 2, "GHA": 2, "NGA": 2, "SLE": 2,
    "MAR": 2,  # THAMM, CNC
    "AGO": 1, "BFA": 1, "CMR": 1, "EGY": 1, "ETH": 1, "GAB": 1, "GMB": 1, "GNB": 1, "KEN": 1,
    "MDA": 1, "MOZ": 1, "MRT": 1, "MUS": 1, "RWA": 1, "TUN": 1, "UGA": 1, "ZMB": 1,
}  # fmt: skip

CQ20 = Answer(
    columns=("country", "actions"),
    rows={(c(iso), n) for iso, n in _PER_COUNTRY.items()},
    order=lambda r: (-r[1], r[0]),
)

###########################################################################
# cq21 Multi-country actions: WCA I (Burkina Faso, Gabon, Mali, Mauritania, Senegal), WCA II
# (Benin, Mali, Cameroon, Senegal), West Africa (Benin, Guinea-Bissau, Togo), THAMM (Morocco,
# Tunisia, Egypt).
###########################################################################

CQ21 = Answer(
    columns=("action", "partnerCountries"),
    rows={
        (mieux("west-and-central-africa-i"), 5),
        (mieux("west-and-central-africa-ii"), 4),
        (mieux("west-africa"), 3),
        ("action/thamm", 3),
    },
    order=lambda r: (-r[1], r[0]),
)

###########################################################################
# cq22 Duration in calendar months, both ends included, of the actions with a known end.
###########################################################################

_MONTHS = {
    "action/eudif": 55,  # June 2019 - end of 2023
    "action/euromed-migration-ii": 48,  # 2008 - 2011
    mieux("cote-divoire-i"): 45,  # March 2012 - November 2015
    mieux("cabo-verde-i"): 37,  # February 2010 - February 2013
    COOP4INT: 37,  # December 2021 - December 2024
    mieux("cabo-verde-iv"): 36,  # 2017 - 2019
    mieux("senegal"): 34,  # August 2010 - May 2013
    mieux("the-gambia"): 27,  # October 2010 - December 2012
    mieux("west-and-central-africa-i"): 25,  # May 2010 - May 2012
    "action/amicall": 24,  # 2011 - 2012
    mieux("togo-i"): 24,  # January 2013 - December 2014
    mieux("angola"): 23,  # September 2009 - July 2011
    mieux("ecowas"): 23,  # April 2011 - February 2013
    mieux("comesa-i"): 21,  # July 2010 - March 2012
    mieux("ghana-i"): 20,  # September 2011 - April 2013
    mieux("rwanda"): 19,  # January 2013 - July 2014
    mieux("sierra-leone-i"): 19,  # April 2010 - October 2011
    mieux("uganda"): 14,  # November 2011 - December 2012
    mieux("cabo-verde-ii"): 13,  # July 2012 - July 2013
    mieux("zambia"): 10,  # June 2010 - March 2011
    mieux("kenya"): 9,  # January - September 2012
    mieux("mozambique"): 6,  # January - June 2010
    mieux("west-and-central-africa-ii"): 5,  # March - July 2012
    mieux("malawi-i"): 3,  # September - November 2009
    mieux("ethiopia"): 1,  # 11-12 March 2010
}

CQ22 = Answer(
    columns=("action", "months"),
    rows=set(_MONTHS.items()),
    order=lambda r: (-r[1], r[0]),
)

###########################################################################
# cq23 Activities by most specific type: 179 activities (158 from 004, 6 from 000, 6 from 001
# including the opening of the GAI on Sal, 5 from 002, 4 from 003 including the ASEAN forum).
###########################################################################

CQ23 = Answer(
    columns=("type", "activities"),
    rows={
        ("mc:Workshop", 27),
        ("mc:Training", 20),
        ("mc:FactFindingMission", 14),
        ("mc:DeskWork", 12),
        ("mc:Seminar", 11),
        ("mc:AssessmentMission", 10),
        ("mc:InformationSession", 10),
        ("mc:StudyVisit", 10),
        ("mc:TechnicalMeeting", 10),
        ("mc:Activity", 9),
        ("mc:DraftingSession", 9),
        ("mc:LaunchEvent", 8),
        ("mc:KnowledgeExchangeSession", 7),
        ("mc:TrainingOfTrainers", 6),
        ("mc:Conference", 4),
        ("mc:ConsultativeMeeting", 4),
        ("mc:Meeting", 3),
        ("mc:MappingMission", 2),
        ("mc:Mission", 2),
        ("mc:PolicyConsultation", 1),
    },
    order=lambda r: (-r[1], r[0]),
)

###########################################################################
# cq24 Planned activities: 31 announced in 004 (as of February 2016), the 6 of Coop4Int (000)
# and THAMM's mobility schemes (003).
###########################################################################

_PLANNED_004 = {
    "benin": ["3-seminar", "4-seminar"],
    "burundi-i": ["4-training"],
    "burundi-ii": ["5-information-session"],
    "cabo-verde-iii": ["3-information-session"],
    "comesa-ii": ["2016-05-workshop"],
    "cote-divoire-ii": ["4-workshop", "5-launch-event"],
    "malawi-ii": ["7-conference"],
    "malawi-iii": ["2016-workshop"],
    "mali": ["2-drafting-session", "3-desk-work", "4-training", "5-training"],
    "mauritius": ["2-workshop", "3-information-session"],
    "nigeria-iii": [
        "1-fact-finding-mission", "2-information-session", "3-study-visit", "4-training-of-trainers", "5-training",
    ],
    "nigeria-iv": [
        "2016-04-knowledge-exchange-session", "2016-04-meeting", "3-desk-work", "4-workshop",
        "5-training-of-trainers", "6-desk-work",
    ],
    "sierra-leone-ii": ["2016-05-conference"],
    "west-africa": ["3-information-session", "3-information-session-2", "3-information-session-3"],
}  # fmt: skip

CQ24 = Answer(
    columns=("activity", "action", "source"),
    rows={
        (f"{mieux(slug)}/activity/{a}", mieux(slug), "source/004") for slug, acts in _PLANNED_004.items() for a in acts
    }
    | {
        (f"{COOP4INT}/activity/{a}", COOP4INT, "source/000")
        for a in ["1-study-visit", "2-training", "3-training", "4-desk-work", "5-awareness-campaign", "6-establishment"]
    }
    | {("action/thamm/activity/1-mobility-schemes", "action/thamm", "source/003")},
    order=lambda r: (r[1], r[0]),
)

###########################################################################
# cq25 Outputs by most specific type (60 outputs).
###########################################################################

CQ25 = Answer(
    columns=("type", "outputs"),
    rows={
        ("mc:Strategy", 10),
        ("mc:ActionPlan", 8),
        ("mc:Law", 5),
        ("mc:Policy", 5),
        ("mc:Report", 5),
        ("mc:Handbook", 4),
        ("mc:Recommendations", 4),
        ("mc:Study", 4),
        ("mc:TrainingCurriculum", 4),
        ("mc:Framework", 3),
        ("mc:Guidelines", 3),
        ("mc:Toolbox", 3),
        ("mc:Output", 1),  # the COMESA questionnaire
        ("mc:Survey", 1),  # The Gambia survey final report
    },
    order=lambda r: (-r[1], r[0]),
)

###########################################################################
# cq26 Sources: actions, activities and outputs each reports. The National Immigration
# Strategy is described by 004 and recalled by 001, so it counts for both.
###########################################################################

CQ26 = Answer(
    columns=("source", "fileName", "asOf", "actions", "activities", "outputs"),
    rows=[
        ("source/000", "000_b1c3a0caf1901b41.txt", "2022", 1, 6, 2),
        ("source/001", "001_dbd46c806e016759.txt", "2020-08", 1, 6, 7),
        ("source/002", "002_4f16dc709d4e18f5.txt", "2012", 1, 5, 1),
        ("source/003", "003_707369a26ec310bb.txt", "2019", 5, 4, 4),
        ("source/004", "004_d0b15aa91c0e4644.txt", "2016-02", 36, 158, 47),
    ],
)

###########################################################################
# cq27 Western Africa by inference: the 22 actions of cq04 with their West African countries.
###########################################################################

_WEST_AFRICA = {
    mieux("benin"): 1,
    mieux("cabo-verde-i"): 1,
    mieux("cabo-verde-ii"): 1,
    mieux("cabo-verde-iii"): 1,
    mieux("cabo-verde-iv"): 1,
    mieux("cote-divoire-i"): 1,
    mieux("cote-divoire-ii"): 1,
    mieux("ghana-i"): 1,
    mieux("ghana-ii"): 1,
    mieux("mali"): 1,
    mieux("nigeria-iii"): 1,
    mieux("nigeria-iv"): 1,
    mieux("senegal"): 1,
    mieux("sierra-leone-i"): 1,
    mieux("sierra-leone-ii"): 1,
    mieux("the-gambia"): 1,
    mieux("togo-i"): 1,
    mieux("togo-ii"): 1,
    mieux("west-africa"): 3,  # Benin, Guinea-Bissau, Togo
    mieux("west-and-central-africa-i"): 4,  # Burkina Faso, Mali, Mauritania, Senegal (Gabon is Middle Africa)
    mieux("west-and-central-africa-ii"): 3,  # Benin, Mali, Senegal (Cameroon is Middle Africa)
    COOP4INT: 1,  # Cabo Verde
}

CQ27 = Answer(
    columns=("action", "westAfricanCountries"),
    rows=set(_WEST_AFRICA.items()),
    order=lambda r: r[0],
)

###########################################################################
# cq28 EU funding: MIEUX is EU-funded (004 footer), so are all its 37 actions; the MPF and
# Coop4Int ("Funded by the European Union", 000); EUROMED II (European Commission, 002); EUDiF
# (the EU's DG INTPA, 003). THAMM, CNC, AMICALL and PARE 1+1 name no funder.
###########################################################################

_MIEUX_ACTIONS = [
    "angola", "benin", "burundi-i", "burundi-ii", "cabo-verde-i", "cabo-verde-ii", "cabo-verde-iii", "cabo-verde-iv",
    "comesa-i", "comesa-ii", "cote-divoire-i", "cote-divoire-ii", "ecowas", "ethiopia", "ghana-i", "ghana-ii", "kenya",
    "malawi-i", "malawi-ii", "malawi-iii", "mali", "mauritius", "mozambique", "nigeria-iii", "nigeria-iv", "rwanda",
    "senegal", "sierra-leone-i", "sierra-leone-ii", "the-gambia", "togo-i", "togo-ii", "uganda", "west-africa",
    "west-and-central-africa-i", "west-and-central-africa-ii", "zambia",
]  # fmt: skip

CQ28 = Answer(
    columns=("action", "directFunder", "programme", "direct", "viaProgramme"),
    rows={(mieux(slug), None, "programme/mieux", False, True) for slug in _MIEUX_ACTIONS}
    | {
        (COOP4INT, "org/eu", "programme/mpf", True, True),
        ("action/euromed-migration-ii", "org/european-commission", None, True, False),
        ("action/eudif", "org/dg-intpa", None, True, False),
    },
    order=lambda r: r[0],
)

###########################################################################
# cq29 None of the 22 links to Western Africa is asserted; only the West Africa action names
# Western Africa, as its target area.
###########################################################################

CQ29 = Answer(
    columns=("action", "assertedInvolvesArea", "assertedTargetArea"),
    rows={(action, False, action == mieux("west-africa")) for action in _WEST_AFRICA},
    order=lambda r: r[0],
)

###########################################################################
# cq30 Doubtful readings about actions, each checked against the source: lost dashes in the
# durations of The Gambia, Kenya, Malawi I and the "…present" durations of Ghana II, Malawi II,
# Malawi III and Mali; "1112 March 2010" (Ethiopia); "September 20112" (Ghana I); "until the
# end of 2023" and "EUDif/EUDiF" (EUDiF); leader and partner EPLO, "EU and MEDA countries"
# (EUROMED II); undated practice entries (THAMM, CNC, PARE 1+1); six unnamed institutions
# (AMICALL); which action Cabo Verde IV follows.
###########################################################################

CQ30 = Answer(
    columns=("action", "about"),
    rows={
        ("action/amicall", "action"),
        ("action/cnc-morocco", "action"),
        ("action/eudif", "action"),
        ("action/eudif", "period"),
        ("action/euromed-migration-ii", "action"),
        (mieux("cabo-verde-iv"), "action"),
        (mieux("ethiopia"), "period"),
        (mieux("ghana-i"), "period"),
        (mieux("ghana-ii"), "period"),
        (mieux("kenya"), "period"),
        (mieux("malawi-i"), "period"),
        (mieux("malawi-ii"), "period"),
        (mieux("malawi-iii"), "period"),
        (mieux("mali"), "period"),
        (mieux("the-gambia"), "period"),
        ("action/pare-1-plus-1", "action"),
        ("action/thamm", "action"),
    },
    order=lambda r: (r[0], r[1]),
)

# Phrases each of these notes must quote or name, as the source prints them.
CQ30_NOTE_PHRASES = {
    (mieux("ghana-i"), "period"): "20112",
    (mieux("ethiopia"), "period"): "1112 March 2010",
    (mieux("the-gambia"), "period"): "October 2010December 2012",
    ("action/eudif", "action"): "EUDif",
    ("action/euromed-migration-ii", "action"): "EU and MEDA countries",
}

###########################################################################
# cq31 Countries whose experts (any sector) went to the most actions.
###########################################################################

_EXPERT_COUNTRIES = {
    "FRA": 13,  # Burundi I-II, Cabo Verde I, Cote d'Ivoire II, The Gambia, Mauritius, Nigeria III, Senegal, Togo I-II, COMESA II, WCA I-II
    "PRT": 9,  # Cabo Verde II-IV, Cote d'Ivoire I, Mozambique, Nigeria III, Uganda, Zambia, COMESA II
    "NLD": 8,  # Cabo Verde I, Ghana I, Kenya, Malawi II, Senegal, Sierra Leone I-II, Zambia
    "GBR": 5,  # Ethiopia, Ghana I, Sierra Leone II, Uganda, COMESA I
    "ITA": 5,  # Cote d'Ivoire I, The Gambia, Mauritius, Rwanda, COMESA II
    "BEL": 4,  # Sierra Leone I-II, Togo I, WCA I
    "AUT": 3,  # Kenya, Sierra Leone I, ECOWAS
    "CPV": 3,  # Cabo Verde I-III
    "LTU": 3,  # Sierra Leone I, Uganda, COMESA II
    "SVN": 3,  # Malawi I, Mozambique, Rwanda
    "DEU": 2,  # Benin, ECOWAS
    "POL": 2,  # Ghana I, Sierra Leone II
    "BEN": 1, "BGR": 1, "CZE": 1, "FIN": 1, "GHA": 1, "MDA": 1, "MLI": 1, "MLT": 1, "NGA": 1, "ROU": 1, "SEN": 1,
}  # fmt: skip

CQ31 = Answer(
    columns=("country", "actions"),
    rows={(c(iso), n) for iso, n in _EXPERT_COUNTRIES.items()},
    order=lambda r: (-r[1], r[0]),
)

###########################################################################
# cq32 Phase lines: Cabo Verde I -> II -> III -> IV; COMESA I -> II.
###########################################################################

CQ32 = Answer(
    columns=("later", "earlier", "direct", "steps"),
    rows={
        (mieux("cabo-verde-ii"), mieux("cabo-verde-i"), True, 1),
        (mieux("cabo-verde-iii"), mieux("cabo-verde-i"), False, 2),
        (mieux("cabo-verde-iii"), mieux("cabo-verde-ii"), True, 1),
        (mieux("cabo-verde-iv"), mieux("cabo-verde-i"), False, 3),
        (mieux("cabo-verde-iv"), mieux("cabo-verde-ii"), False, 2),
        (mieux("cabo-verde-iv"), mieux("cabo-verde-iii"), True, 1),
        (mieux("comesa-ii"), mieux("comesa-i"), True, 1),
    },
    order=lambda r: (r[0], r[1]),
)

###########################################################################
# cq33 National Immigration Strategy: a draft worked on in the September and November 2010
# missions, endorsed in October 2011 (004), adopted in 2012 (001).
###########################################################################

_NIS = "output/cpv-national-immigration-strategy"
CQ33 = Answer(
    columns=("milestone", "status", "date", "source", "generatedBy"),
    rows=[
        (f"{_NIS}/milestone/2010-drafted", "output-status/drafted", "2010", "source/004", mieux("cabo-verde-i")),
        (
            f"{_NIS}/milestone/2011-10-endorsed",
            "output-status/endorsed",
            "2011-10",
            "source/004",
            mieux("cabo-verde-i"),
        ),
        (f"{_NIS}/milestone/2012-adopted", "output-status/adopted", "2012", "source/001", mieux("cabo-verde-i")),
    ],
)

###########################################################################
# cq34 ICMPD: implements the MPF and contracts Coop4Int (000), one of the six leaders of
# EUROMED II (002), implements EUDiF (003), provided expertise to The Gambia, Togo II and
# COMESA II (004).
###########################################################################

CQ34 = Answer(
    columns=("initiative", "role"),
    rows={
        ("action/eudif", "role/implementer"),
        ("action/euromed-migration-ii", "role/lead-implementer"),
        (mieux("comesa-ii"), "role/expertise-provider"),
        (mieux("the-gambia"), "role/expertise-provider"),
        (mieux("togo-ii"), "role/expertise-provider"),
        (COOP4INT, "role/contracting-authority"),
        ("programme/mpf", "role/implementer"),
    },
    order=lambda r: (r[0], r[1]),
)

###########################################################################
# cq35 Trafficking in human beings: Ethiopia (smuggling and trafficking conference), Zambia,
# Uganda, Cote d'Ivoire I, COMESA II (no partner country).
###########################################################################

CQ35 = Answer(
    columns=("action", "country", "start", "end"),
    rows=[
        (mieux("ethiopia"), c("ETH"), "2010-03-11", "2010-03-12"),
        (mieux("zambia"), c("ZMB"), "2010-06-01", "2011-03-31"),
        (mieux("uganda"), c("UGA"), "2011-11-01", "2012-12-31"),
        (mieux("cote-divoire-i"), c("CIV"), "2012-03-01", "2015-11-30"),
        (mieux("comesa-ii"), None, "2012-05-01", None),
    ],
)

###########################################################################
# cq36 Activities in Cabo Verde: Cabo Verde I's Praia seminar, assessment mission, the two 2010
# missions and the final event in Praia; Cabo Verde II's public presentation in Praia; Cabo
# Verde III's fact-finding mission; Cabo Verde IV's fact-finding mission and the 2019 launch in
# Praia; Coop4Int's study visits, vocational training, campaigns and observatory; the opening
# of the first GAI on Sal (2013), which belongs to no action.
###########################################################################

CQ36 = Answer(
    columns=("activity", "action", "status"),
    rows={
        (f"{mieux('cabo-verde-i')}/activity/2-assessment-mission", mieux("cabo-verde-i"), HELD),
        (f"{mieux('cabo-verde-i')}/activity/2010-02-seminar", mieux("cabo-verde-i"), HELD),
        (f"{mieux('cabo-verde-i')}/activity/2010-09-mission", mieux("cabo-verde-i"), HELD),
        (f"{mieux('cabo-verde-i')}/activity/2010-11-mission", mieux("cabo-verde-i"), HELD),
        (f"{mieux('cabo-verde-i')}/activity/2013-02-launch-event", mieux("cabo-verde-i"), HELD),
        (f"{mieux('cabo-verde-ii')}/activity/2013-07-launch-event", mieux("cabo-verde-ii"), HELD),
        (f"{mieux('cabo-verde-iii')}/activity/1-fact-finding-mission", mieux("cabo-verde-iii"), HELD),
        (f"{mieux('cabo-verde-iv')}/activity/2-fact-finding-mission", mieux("cabo-verde-iv"), HELD),
        (f"{mieux('cabo-verde-iv')}/activity/2019-launch-event", mieux("cabo-verde-iv"), HELD),
        (f"{COOP4INT}/activity/1-study-visit", COOP4INT, PLANNED),
        (f"{COOP4INT}/activity/3-training", COOP4INT, PLANNED),
        (f"{COOP4INT}/activity/5-awareness-campaign", COOP4INT, PLANNED),
        (f"{COOP4INT}/activity/6-establishment", COOP4INT, PLANNED),
        ("activity/2013-gai-sal-opening", None, HELD),
    },
    order=lambda r: r[0],
)

ANSWERS: dict[str, Answer] = {
    "cq01-cabo-verde-actions": CQ01,
    "cq02-expert-flows-between-administrations": CQ02,
    "cq03-actions-per-top-theme": CQ03,
    "cq04-actions-per-m49-region": CQ04,
    "cq05-actions-running-in-2012": CQ05,
    "cq06-organisations-in-several-programmes": CQ06,
    "cq07-coop4int-amif-amount": CQ07,
    "cq08-activities-outside-partner-country": CQ08,
    "cq09-adopted-outputs": CQ09,
    "cq10-actions-per-programme": CQ10,
    "cq11-actions-per-start-year": CQ11,
    "cq12-ongoing-actions-at-source-date": CQ12,
    "cq13-study-visits-and-places": CQ13,
    "cq14-experts-from-academia-or-private-sector": CQ14,
    "cq15-requesting-authorities": CQ15,
    "cq16-unodc-role": CQ16,
    "cq17-who-did-what-in-coop4int": CQ17,
    "cq18-regional-organisation-actions": CQ18,
    "cq19-training-of-trainers": CQ19,
    "cq20-actions-per-partner-country": CQ20,
    "cq21-multi-country-actions": CQ21,
    "cq22-longest-actions": CQ22,
    "cq23-activities-per-type": CQ23,
    "cq24-planned-activities": CQ24,
    "cq25-outputs-per-type": CQ25,
    "cq26-sources-and-records": CQ26,
    "cq27-west-africa-actions-by-inference": CQ27,
    "cq28-eu-funded-actions": CQ28,
    "cq29-west-africa-link-only-inferred": CQ29,
    "cq30-doubtful-readings-about-actions": CQ30,
    "cq31-countries-sending-experts-to-most-actions": CQ31,
    "cq32-phase-lines": CQ32,
    "cq33-national-immigration-strategy-history": CQ33,
    "cq34-icmpd-roles": CQ34,
    "cq35-trafficking-actions": CQ35,
    "cq36-activities-in-cabo-verde": CQ36,
}

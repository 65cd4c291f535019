"""The HTML pages over HTTP: the home page, resource pages (an action, a country, an
organisation), the query editor, the data-quality page, and the headers every page
carries. Facts checked against the sources: the Zambia action (004) and Coop4Int (000)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from app.api.pages import read_saved_query
from app.dataset_description import DUMP_FILES
from app.store import OxigraphStore
from tests.conftest import RunningServer

SH = Namespace("http://www.w3.org/ns/shacl#")
MC = "https://w3id.org/migcoop/ontology#"
ZAMBIA_PAGE = "/doc/action/mieux/zambia.html"


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        yield http


def page(client: httpx.Client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


def text_of(html: str) -> str:
    """The visible text, tags removed and whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?(a|span|time|code|strong|em|sup)\b[^>]*>", "", html)  # inline: no word break
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    end = html.find("</section>", start)
    return html[start:end]


# --- headers ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/query", "/quality", ZAMBIA_PAGE, "/doc/country/CPV.html", "/ontology.html"])
def test_pages_carry_security_headers(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "http" not in csp  # no third-party host is allowed anything
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/", "/query", "/quality", ZAMBIA_PAGE])
def test_pages_load_nothing_from_other_hosts(client: httpx.Client, path: str) -> None:
    html = page(client, path).replace(f'"{client.base_url}/', '"/')
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', html), path
    for asset in re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset


# --- home ---------------------------------------------------------------------------


def count(store: OxigraphStore, cls: str) -> int:
    rows = store.raw.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{cls}> }}")
    return int(next(iter(rows))["n"].value)


def test_home_says_what_the_dataset_is_and_how_big(client: httpx.Client, store: OxigraphStore) -> None:
    html = page(client, "/")
    text = text_of(html)
    assert "Migration Cooperation Knowledge Graph" in text
    assert "MIEUX" in text and "Migration Partnership Facility" in text
    actions = count(store, MC + "Action")
    assert actions >= 44
    assert f"{actions} actions" in text
    assert f"{count(store, MC + 'Country')} countries" in text
    assert f"{count(store, MC + 'Activity')} activities" in text
    assert re.search(r"[\d,]+ triples: [\d,]+ asserted and [\d,]+ inferred", text)


def test_home_lists_the_sources(client: httpx.Client) -> None:
    sources = text_of(section(page(client, "/"), "sources"))
    for label in (
        "Coop4Int project page (Migration Partnership Facility)",
        "MIEUX case study: Municipal Action Plan for Immigration and Integration, Cabo Verde 2017-2019",
        "EUROMED Migration II project page (EPLO)",
        "List of practices on regional consultative processes and regional fora",
        "MIEUX actions in Sub-Saharan Africa",
    ):
        assert label in sources
    assert "February 2016" in sources


def test_home_links_to_every_action_and_everything_else(client: httpx.Client, store: OxigraphStore) -> None:
    html = page(client, "/")
    actions = section(html, "actions")
    assert len(re.findall(r'href="/doc/action/', actions)) == count(store, MC + "Action")
    assert f'href="{ZAMBIA_PAGE}"' in actions and "Zambia: Trafficking in Human Beings" in actions
    for target in ("/query", "/ontology", "/quality", "/.well-known/void", "/context.jsonld", "/id/dataset", "/sparql"):
        assert f'href="{target}"' in html, target
    for name in DUMP_FILES:
        assert f'href="/dumps/{name}"' in html, name
    assert "CC BY 4.0" in text_of(section(html, "dumps"))


def test_home_offers_saved_queries(client: httpx.Client) -> None:
    html = page(client, "/")
    links = re.findall(r'href="/query\?example=([a-z0-9-]+)"', html)
    assert links
    queries = Path(__file__).resolve().parents[1] / "queries"
    for name in links:
        assert (queries / f"{name}.rq").exists()


# --- resource pages -------------------------------------------------------------------


def test_action_page_shows_the_action(client: httpx.Client) -> None:
    html = page(client, ZAMBIA_PAGE)
    text = text_of(html)
    assert "<h1>Zambia: Trafficking in Human Beings</h1>" in html
    assert "MIEUX helped Zambia's anti-trafficking secretariat" in text
    assert "https://w3id.org/migcoop/id/action/mieux/zambia" in text
    assert "June 2010 to March 2011" in text
    partners = text_of(section(html, "partner-countries"))
    assert "Zambia" in partners
    assert 'href="/doc/country/ZMB.html"' in section(html, "partner-countries")
    assert "Source MIEUX actions in Sub-Saharan Africa" in text


def test_action_page_shows_organisations_by_role(client: httpx.Client) -> None:
    roles = text_of(section(page(client, ZAMBIA_PAGE), "organisations"))
    assert "beneficiary institution Zambian Anti-Human Trafficking Secretariat" in roles
    assert "expertise provider Europol" in roles


def test_action_page_shows_the_timeline_of_activities(client: httpx.Client) -> None:
    html = section(page(client, ZAMBIA_PAGE), "activities")
    text = text_of(html)
    assert "Study visit to the Netherlands, February 2011" in text
    assert '<time datetime="2011-02-01">February 2011</time>' in html
    assert "host: Eurojust, Europol; participant: Zambian Anti-Human Trafficking Secretariat" in text
    order = [text.index(s) for s in ("Preparatory meetings, Lusaka, June 2010", "Study visit to the Netherlands",
                                      "Training on monitoring and evaluation, March 2011")]  # fmt: skip
    assert order == sorted(order)
    assert html.count('class="timeline-item') == 5


def test_action_page_shows_experts(client: httpx.Client) -> None:
    experts = text_of(section(page(client, ZAMBIA_PAGE), "experts"))
    assert (
        "Experts from the Dutch national administration to the Zambia action Netherlands national administration"
        in experts
    )
    assert "Portugal" in experts
    assert "Europol expert to the Zambia action EU agency Europol 1" in experts


def test_action_page_marks_inferred_facts(client: httpx.Client) -> None:
    facts = section(page(client, ZAMBIA_PAGE), "facts")
    assert 'id="hide-inferred"' in facts
    experts_from = facts[facts.index(">experts from<") :]
    row = experts_from[: experts_from.index("</tr>")]
    assert "Netherlands" in row and 'class="badge inferred"' in row
    partner = facts[facts.index(">partner country<") :]
    partner_row = partner[: partner.index("</tr>")]
    assert "Zambia" in partner_row and "inferred" not in partner_row and "source 004" in partner_row


def test_action_page_offers_its_formats(client: httpx.Client) -> None:
    html = page(client, ZAMBIA_PAGE)
    for extension in ("ttl", "jsonld", "nt", "rdf", "trig", "nq"):
        assert f'/doc/action/mieux/zambia.{extension}"' in html
    assert '<link rel="alternate" type="text/turtle"' in html


def test_action_page_shows_budget_and_outputs(client: httpx.Client) -> None:
    html = page(client, "/doc/action/mpf/coop4int.html")
    budget = text_of(section(html, "budget") if 'id="budget"' in html else "")
    assert "1,532,558.68 EUR" in budget
    assert "94.42% from" in budget and "Asylum, Migration and Integration Fund" in budget
    cabo_verde_iv = page(client, "/doc/action/mieux/cabo-verde-iv.html")
    outputs = text_of(section(cabo_verde_iv, "outputs"))
    assert "Municipal" in outputs


def test_country_page_links_back_to_its_actions(client: httpx.Client) -> None:
    html = page(client, "/doc/country/CPV.html")
    text = text_of(html)
    assert "<h1>Cabo Verde</h1>" in html
    assert "partner country of" in text
    assert "Cabo Verde I: Development of the National Immigration Strategy and Action Plan" in text
    assert "latitude 16.002082" in text


def test_pages_of_other_kinds_of_resource(client: httpx.Client) -> None:
    for path, title in [
        ("/doc/org/icmpd.html", "International Centre for Migration Policy Development"),
        ("/doc/source/004.html", "MIEUX actions in Sub-Saharan Africa"),
        ("/doc/theme/trafficking-in-human-beings.html", "trafficking in human beings"),
        ("/doc/graph/inferred.html", "inferred triples"),
        ("/doc/action/mieux/zambia/activity/2011-02-study-visit.html", "Study visit to the Netherlands, February 2011"),
    ]:
        assert f"<h1>{title}</h1>" in page(client, path), path


# --- query editor ---------------------------------------------------------------------


def test_query_editor_page(client: httpx.Client) -> None:
    import json

    html = page(client, "/query")
    assert '<div id="yasgui"' in html
    assert '<script src="/static/vendor/yasgui/yasgui.min.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/vendor/yasgui/yasgui.min.css">' in html
    config = json.loads(unescape(re.search(r'<script type="application/json" id="query-config">(.*?)</script>', html, re.S)[1]))  # fmt: skip
    assert config["endpoint"] == f"{client.base_url}/sparql"
    assert config["prefixes"]["mc"] == "https://w3id.org/migcoop/ontology#"
    assert "PREFIX mc: <https://w3id.org/migcoop/ontology#>" in config["defaultQuery"]
    examples = {example["name"]: example for example in config["examples"]}
    assert examples["cq20-actions-per-partner-country"]["summary"] == "How many actions does each partner country have?"
    assert len(examples) == len(list((Path(__file__).resolve().parents[1] / "queries").glob("*.rq")))
    assert 'data-name="cq20-actions-per-partner-country"' in html


def test_vendor_assets_are_served_locally(client: httpx.Client) -> None:
    for path, kind in [
        ("/static/vendor/yasgui/yasgui.min.js", "javascript"),
        ("/static/vendor/yasgui/yasgui.min.css", "text/css"),
        ("/static/vendor/topojson-client/topojson-client.min.js", "javascript"),
        ("/static/vendor/world-atlas/countries-110m.json", "application/json"),
        ("/static/viz.js", "javascript"),
        ("/static/query.js", "javascript"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], path


def test_country_centre_points_for_maps(client: httpx.Client) -> None:
    countries = {c["iso3"]: c for c in client.get("/geo/countries.json").json()}
    assert len(countries) == 50
    assert countries["ZMB"]["label"] == "Zambia"
    assert countries["ZMB"]["lat"] == pytest.approx(-13.133897)
    assert countries["ZMB"]["long"] == pytest.approx(27.849332)
    assert countries["ZMB"]["numeric"] == "894"


def test_saved_query_defaults_are_filled_in(tmp_path: Path) -> None:
    path = tmp_path / "by-country.rq"
    path.write_text(
        "#+ summary: Actions of a country\n#+ description: >\n#+   Long text\n#+   continued.\n"
        "#+ defaults:\n#+   - country: https://w3id.org/migcoop/id/country/CPV\n#+   - since: 2009-01-01\n\n"
        "SELECT ?a WHERE { ?a mc:partnerCountry ?_country_iri ; mc:start ?s FILTER(?s >= ?_since_date) }\n"
    )
    query = read_saved_query(path)
    assert query.summary == "Actions of a country"
    assert query.description == "Long text continued."
    assert "mc:partnerCountry <https://w3id.org/migcoop/id/country/CPV>" in query.text
    assert '?s >= "2009-01-01"^^xsd:date' in query.text


# --- data quality -------------------------------------------------------------------


def test_quality_page_shows_the_validation_report(client: httpx.Client) -> None:
    html = page(client, "/quality")
    text = text_of(html)
    assert "The data conforms to the shapes." in text
    assert re.search(r'id="violations">0<', html)
    assert "CountryShape" in text and "Country IRIs are id:country/ followed by the ISO alpha-3 code." in text
    assert "Doubtful readings" in text and "reading note" in text
    report = client.get("/quality/validation-report.ttl")
    assert report.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=report.text, format="turtle")
    assert (None, RDF.type, SH.ValidationReport) in graph


def test_quality_page_lists_reading_notes(client: httpx.Client) -> None:
    html = page(client, "/quality")
    notes = html[html.index('id="reading-notes"') :]
    rows = re.findall(r'<tr><td><a href="(/doc/[^"]+)"', notes)
    assert len(rows) > 10
    for path in rows[:5]:
        assert client.get(path).status_code == 200

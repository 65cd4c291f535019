"""Real-browser tests: Debian's headless Chromium, driven by Selenium through Debian's
chromedriver (`make browser` installs both), against the session's real server.

A newcomer's path: the home page, an action found from it and its links, the query
editor running a saved query, its table, bar chart, map and timeline, and a shared
link that opens the same query. Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from app.core.config import PROJECT_ROOT
from app.namespaces import PREFIXES
from app.store import OxigraphStore
from tests.conftest import ARTIFACTS, RunningServer

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
QUERIES = PROJECT_ROOT / "queries"
WAIT = 30


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        message = "Debian's chromium and chromium-driver are needed: run `make browser`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        "--window-size=1366,1000", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(browser: WebDriver, name: str) -> Path:
    """A full-page screenshot in test-artifacts/ (the window grows to the page, up to 8000 px)."""
    height = browser.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    browser.set_window_size(1366, max(800, min(int(height) + 40, 8000)))
    time.sleep(0.3)
    path = ARTIFACTS / f"browser-{name}.png"
    browser.save_screenshot(str(path))
    browser.set_window_size(1366, 1000)
    assert path.stat().st_size > 10_000
    return path


def until(browser: WebDriver, condition, message: str):
    try:
        return WebDriverWait(browser, WAIT).until(lambda driver: condition(driver))
    except TimeoutException:
        screenshot(browser, "timeout")
        raise AssertionError(f"timed out waiting for {message}") from None


def console_problems(browser: WebDriver) -> list[str]:
    """Errors in the page's console: CSP violations, failed loads, script errors."""
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    result = store.raw.query(query, prefixes=PREFIXES)
    names = [variable.value for variable in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in result]


def open_editor(browser: WebDriver, url: str) -> None:
    browser.get(url)
    until(browser, lambda d: d.find_element(By.ID, "yasgui").get_attribute("data-state") == "ready", "YASGUI")


def run_query(browser: WebDriver) -> list[list[str]]:
    """Press YASGUI's run button; the rows of the results table (without the row-number column)."""
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_queryButton").click()
    until(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody tr td"),
        "results",
    )
    rows = browser.execute_script(
        """return Array.from(document.querySelectorAll('.tabPanel.active .yasr table.dataTable tbody tr'))
             .map(tr => Array.from(tr.querySelectorAll('td')).slice(1).map(td => td.innerText.trim()));"""
    )
    return rows


def show_view(browser: WebDriver, view: str, element: str) -> None:
    button = browser.find_element(By.CSS_SELECTOR, f".tabPanel.active .yasr_btnGroup .select_{view}")
    assert "disabled" not in (button.get_attribute("class") or ""), f"the {view} view is not offered"
    button.click()
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f".tabPanel.active .mc-viz-{view}[data-drawn] {element}"), view)  # fmt: skip


# --- a newcomer's path ------------------------------------------------------------------


def test_home_page_to_an_action_and_along_its_links(browser: WebDriver, server: RunningServer) -> None:
    browser.get(server.base_url + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Migration Cooperation Knowledge Graph"
    figures = browser.find_element(By.CSS_SELECTOR, ".figures").text
    assert "\nactions" in figures and "\nexpert deployments" in figures
    sources = browser.find_element(By.ID, "sources").text
    assert "MIEUX actions in Sub-Saharan Africa" in sources
    screenshot(browser, "home")

    browser.find_element(By.LINK_TEXT, "Zambia: Trafficking in Human Beings").click()
    until(browser, lambda d: d.current_url.endswith("/doc/action/mieux/zambia.html"), "the action page")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Zambia: Trafficking in Human Beings"
    assert browser.find_element(By.ID, "partner-countries").text == "PARTNER COUNTRIES\nZambia"
    activities = browser.find_element(By.ID, "activities").text
    assert "Study visit to the Netherlands, February 2011" in activities
    assert "February 2011" in activities and "host: Eurojust, Europol" in activities
    experts = browser.find_element(By.ID, "experts").text
    assert "Netherlands" in experts and "Portugal" in experts and "Europol" in experts
    roles = browser.find_element(By.ID, "organisations").text
    assert "beneficiary institution\nZambian Anti-Human Trafficking Secretariat" in roles
    screenshot(browser, "action-zambia")

    # inferred facts are shown, marked, and can be hidden
    inferred = browser.find_elements(By.CSS_SELECTOR, "#facts li.inferred")
    assert inferred and inferred[0].is_displayed()
    browser.find_element(By.ID, "hide-inferred").click()
    assert not any(item.is_displayed() for item in inferred)
    browser.find_element(By.ID, "hide-inferred").click()

    # follow a link to a related resource, through its IRI's 303
    browser.find_element(By.CSS_SELECTOR, "#activities a[title$='2011-02-study-visit']").click()
    until(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Study visit to the Netherlands, February 2011", "the activity")  # fmt: skip
    browser.find_element(By.CSS_SELECTOR, "#facts a[href='/doc/country/NLD.html']").click()
    until(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Netherlands", "the country")
    assert "Zambia: Trafficking in Human Beings" in browser.find_element(By.ID, "incoming").text
    screenshot(browser, "country-netherlands")

    browser.get(server.base_url + "/id/action/mieux/zambia")  # the IRI itself, as a browser asks for it
    until(browser, lambda d: d.current_url.endswith("/doc/action/mieux/zambia.html"), "the 303 to the page")
    assert console_problems(browser) == []


def test_query_editor_runs_a_saved_query_as_table_chart_and_map(
    browser: WebDriver, server: RunningServer, store: OxigraphStore
) -> None:
    expected = select(store, (QUERIES / "cq20-actions-per-partner-country.rq").read_text())
    assert len(expected) > 20
    by_label = {row["countryLabel"]: int(row["actions"]) for row in expected}

    open_editor(browser, server.base_url + "/query")
    browser.find_element(By.CSS_SELECTOR, "button.example[data-name='cq20-actions-per-partner-country']").click()
    until(browser, lambda d: d.execute_script("return window.migcoopYasgui.getTab().name()") == "cq20-actions-per-partner-country", "the example's tab")  # fmt: skip
    assert "How many actions does each partner country have?" in browser.execute_script(
        "return window.migcoopYasgui.getTab().getYasqe().getValue()"
    )
    rows = run_query(browser)
    assert len(rows) == len(expected)
    table = {row[1].strip('"').split('"')[0]: row[2] for row in rows}
    assert set(table) == set(by_label)
    assert table["Cabo Verde"].startswith('"5"') and table["Zambia"].startswith('"1"')
    # IRIs of ours in the table link to our pages
    links = browser.find_elements(
        By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody a[href='/doc/country/CPV.html']"
    )
    assert links and links[0].text == "id:country/CPV"
    screenshot(browser, "query-table")

    show_view(browser, "chart", "svg.mc-chart g.mc-bar")
    bars = browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active svg.mc-chart g.mc-bar")
    drawn = {bar.get_attribute("data-label"): float(bar.get_attribute("data-value")) for bar in bars}
    assert drawn == {label: float(count) for label, count in by_label.items()}
    widths = {bar.get_attribute("data-label"): float(bar.find_element(By.TAG_NAME, "rect").get_attribute("width")) for bar in bars}  # fmt: skip
    assert widths["Cabo Verde"] > widths["Zambia"] > 0
    screenshot(browser, "query-chart")

    show_view(browser, "map", "svg.mc-map g.mc-map-point")
    points = browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active svg.mc-map g.mc-map-point")
    iso3 = {point.get_attribute("data-iso3") for point in points}
    assert iso3 == {row["country"].rsplit("/", 1)[1] for row in expected}
    assert {"CPV", "ZMB", "MAR", "MDA"} <= iso3
    radius = {p.get_attribute("data-iso3"): float(p.find_element(By.TAG_NAME, "circle").get_attribute("r")) for p in points}  # fmt: skip
    assert radius["CPV"] > radius["ZMB"]
    land = browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active svg.mc-map path.mc-land")
    assert len(land) > 100  # the world's countries, from world-atlas served by us
    assert len(browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active svg.mc-map path.mc-hit")) >= 20
    screenshot(browser, "query-map")
    assert console_problems(browser) == []


def test_query_editor_draws_a_timeline(browser: WebDriver, server: RunningServer, store: OxigraphStore) -> None:
    expected = select(store, (QUERIES / "cq05-actions-running-in-2012.rq").read_text())
    open_editor(browser, server.base_url + "/query?example=cq05-actions-running-in-2012")
    rows = run_query(browser)
    assert len(rows) == len(expected)
    show_view(browser, "timeline", "svg.mc-timeline g.mc-span")
    spans = browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active svg.mc-timeline g.mc-span")
    assert {span.get_attribute("data-label") for span in spans} == {row["actionLabel"] for row in expected}
    senegal = next(s for s in spans if s.get_attribute("data-label") == "Senegal: Border Management")
    assert senegal.get_attribute("data-start") == next(r["start"] for r in expected if r["actionLabel"] == "Senegal: Border Management")  # fmt: skip
    assert "2012" in browser.find_element(By.CSS_SELECTOR, ".tabPanel.active svg.mc-timeline .mc-grid").text
    screenshot(browser, "query-timeline")
    assert console_problems(browser) == []


def test_a_shared_link_opens_the_same_query(browser: WebDriver, server: RunningServer) -> None:
    query = "SELECT ?country ?label WHERE { ?country a mc:Country ; rdfs:label ?label } ORDER BY ?label LIMIT 5"
    open_editor(browser, f"{server.base_url}/query?query={quote(query)}")
    editor = browser.execute_script("return window.migcoopYasgui.getTab().getYasqe().getValue()")
    assert editor == query
    rows = run_query(browser)
    assert rows[0][1].startswith('"Angola"')

    # YASGUI's own share button gives a link; opening it brings the query back
    browser.find_element(By.CSS_SELECTOR, ".tabPanel.active .yasqe_share").click()
    link = until(
        browser,
        lambda d: d.execute_script(
            "var i = document.querySelector('.tabPanel.active .yasqe_sharePopup input'); return i && i.value"
        ),
        "the share link",
    )
    assert link.startswith(server.base_url + "/query") and "query=" in link
    browser.delete_all_cookies()
    browser.execute_script("window.localStorage.clear()")
    open_editor(browser, link)
    assert browser.execute_script("return window.migcoopYasgui.getTab().getYasqe().getValue()") == query
    assert len(run_query(browser)) == 5
    screenshot(browser, "query-shared-link")
    assert console_problems(browser) == []


def test_ontology_documentation_and_data_quality_pages(browser: WebDriver, server: RunningServer) -> None:
    browser.get(server.base_url + "/ontology#Action")
    until(browser, lambda d: d.current_url.endswith("/ontology.html#Action"), "the ontology documentation")
    assert "Migration Cooperation ontology" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.ID, "Action").is_displayed()
    screenshot(browser, "ontology")
    browser.get(server.base_url + "/quality")
    assert browser.find_element(By.ID, "verdict").text.endswith("The data conforms to the shapes.")
    screenshot(browser, "quality")
    assert console_problems(browser) == []

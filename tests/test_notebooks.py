"""The analysts' notebooks (notebooks/*.ipynb), executed with nbclient against a real server, their
outputs checked against answers established from the sources; a notebook in the SPARQL kernel
(sparqlkernel); and the Python examples of the README's "Saved queries and the Python client"."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from app.core.config import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
TIMEOUT = 180


def execute(notebook: nbformat.NotebookNode, server, kernel: str = "python3") -> nbformat.NotebookNode:
    client = NotebookClient(
        notebook, timeout=TIMEOUT, kernel_name=kernel, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute(env={**os.environ, "MIGCOOP_ENDPOINT": server.base_url})
    return notebook


def output(notebook: nbformat.NotebookNode, marker: str) -> str:
    """The text a code cell printed or displayed; the cell is the one whose source contains `marker`."""
    cells = [cell for cell in notebook.cells if cell.cell_type == "code" and marker in cell.source]
    assert len(cells) == 1, f"{len(cells)} cells contain {marker!r}"
    texts = []
    for item in cells[0].outputs:
        assert item.output_type != "error", "".join(item.get("traceback", []))
        if item.output_type == "stream":
            texts.append(item.text)
        elif "data" in item:
            texts.append(item.data.get("text/plain", "") + item.data.get("text/html", ""))
    return "".join(texts)


def lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_the_notebooks_are_kept_without_outputs() -> None:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert [path.name for path in paths] == ["cabo-verde-question.ipynb", "portfolio-overview.ipynb"]
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        assert notebook.metadata.kernelspec.name == "python3"
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code), path.name


@pytest.fixture(scope="module")
def overview(server) -> nbformat.NotebookNode:
    return execute(nbformat.read(NOTEBOOKS / "portfolio-overview.ipynb", as_version=4), server)


@pytest.fixture(scope="module")
def cabo_verde(server) -> nbformat.NotebookNode:
    return execute(nbformat.read(NOTEBOOKS / "cabo-verde-question.ipynb", as_version=4), server)


def test_overview_lists_the_saved_queries(overview) -> None:
    text = output(overview, "client.list_queries()")
    assert "48 saved queries, 12 of them with parameters" in text
    assert "activities-in-period" in text and "type:iri*, since:date*, until:date*" in text


def test_overview_counts_actions_per_region(overview) -> None:
    # Competency question 4, from the partner countries of sources 000-004: Western Africa 22 (Benin,
    # Cabo Verde I-IV, Coop4Int, Côte d'Ivoire I-II, The Gambia, Ghana I-II, Mali, Nigeria III-IV,
    # Senegal, Sierra Leone I-II, Togo I-II, West Africa, West and Central Africa I-II), Eastern Africa
    # 12, Middle Africa 3, Northern Africa 2 (THAMM, CNC), Eastern Europe 1 (PARE 1+1).
    assert lines(output(overview, "cq04-actions-per-m49-region")) == [
        "areaLabel level actions",
        "Sub-Saharan Africa sub-region 35",
        "Western Africa intermediate-region 22",
        "Eastern Africa intermediate-region 12",
        "Middle Africa intermediate-region 3",
        "Northern Africa sub-region 2",
        "Eastern Europe sub-region 1",
    ]
    dtypes = output(overview, "regions.dtypes")
    assert "'actions': 'Int64'" in dtypes and "'areaLabel': 'string'" in dtypes
    # Middle Africa: Angola, Gabon (West and Central Africa I), Cameroon (West and Central Africa II).
    middle = lines(output(overview, "m49/017"))
    assert [line.split()[-1] for line in middle] == ["codes", "AGO", "GAB", "CMR"]


def test_overview_counts_actions_per_theme(overview) -> None:
    assert lines(output(overview, "cq03-actions-per-top-theme")) == [
        "topThemeLabel actions",
        "migration governance 24",
        "irregular migration and trafficking 17",
        "legal migration and mobility 13",
        "migration and development 9",
        "international protection and asylum 2",
    ]


def test_overview_draws_the_timeline(overview) -> None:
    # Start years (competency question 11): EUROMED II 2008; Angola and Malawi I 2009; ten in 2010 ...
    # Cabo Verde IV 2017, EUDiF 2019, Coop4Int 2021.
    bars = [line.split() for line in lines(output(overview, "cq11-actions-per-start-year"))]
    assert [(int(year), len(bar), int(count)) for year, bar, count in bars] == [
        (year, count, count)
        for year, count in [(2008, 1), (2009, 2), (2010, 10), (2011, 4), (2012, 7), (2013, 6), (2014, 6),
                            (2015, 3), (2017, 1), (2019, 1), (2021, 1)]
    ]  # fmt: skip
    text = output(overview, "actions-by-programme")
    # 37 MIEUX actions (36 in 004, Cabo Verde IV in 001): Angola and Malawi I from September 2009,
    # Cabo Verde IV ended in 2019; in 2009 Angola and Malawi I ran; in 2012 the seventeen actions of
    # competency question 5 less PARE 1+1 and AMICALL.
    assert "37 MIEUX actions, the first started 2009-09-01, the last ended 2019-12-31" in text
    assert "MIEUX actions running in 2009: 2" in text
    assert "MIEUX actions running in 2012: 15" in text


def test_overview_maps_the_partner_network(overview) -> None:
    # Competency question 2: 55 origin-partner pairs of national or local administrations' experts;
    # France reached 14 partner countries, Belgium and the Netherlands 7 each.
    text = lines(output(overview, "cq02-expert-flows-between-administrations"))
    assert text[0] == "18 sending countries, 22 partner countries, 55 links"
    assert text[2:] == ["France 14", "Belgium 7", "Netherlands 7"]
    # EUROMED Migration II (002): ICMPD led it with CIVI.POL, FIIAPP, CeSPI, the Sussex Centre and
    # EPLO, funded by the European Commission.
    euromed = lines(output(overview, "org/icmpd"))[1:]
    assert euromed == [
        "Centro Studi di Politica Internazionale",
        "European Commission",
        "European Public Law Organization",
        "Fundación Internacional y para Iberoamérica de Administración y Políticas Públicas",
        "Société de Conseil et de Service du Ministère de l'Intérieur Français",
        "Sussex Center for Migration Research",
    ]


def test_the_cabo_verde_question_is_answered_end_to_end(cabo_verde) -> None:
    actions = lines(output(cabo_verde, "actions-by-country"))
    assert len(actions) == 6 and actions[1].startswith("Cabo Verde I: Development of the National Immigration")
    assert actions[3].endswith("mieux 2014-07-01 NaT")  # Cabo Verde III: "July 2014 - present"
    # Experts (004, 001): Cabo Verdean, Dutch, Finnish and French administrations (I), Cabo Verdean and
    # Portuguese academics (II), an expert from Portugal and one from Cabo Verde (III), SEF and the
    # Oeiras municipality (IV).
    crosstab = lines(output(cabo_verde, "mc:hasExpertDeployment"))
    assert crosstab[0] == "sector academia local-administration national-administration unspecified"
    assert crosstab[2:] == ["CPV 1 0 1 1", "FIN 0 0 1 0", "FRA 0 0 1 0", "NLD 0 0 1 0", "PRT 1 1 1 1"]
    assert lines(output(cabo_verde, "cq33-national-immigration-strategy-history")) == [
        "statusLabel date source",
        "drafted 2010 004",
        "endorsed 2011-10 004",
        "adopted 2012 001",
    ]
    # The final answer: 000 (Coop4Int, December 2021 - December 2024, EUR 1,532,558.68, 94.42% AMIF),
    # 001 (the fourth MIEUX action and "adopted in 2012"), 004 (Cabo Verde I-III since February 2010,
    # "endorsement ... in October 2011"), and competency question 36 for the activities.
    assert lines(output(cabo_verde, "The National Immigration Strategy was drafted")) == [
        "Between 2010 and 2024 the EU supported Cabo Verde through 5 actions (4 MIEUX, 1 MPF).",
        "Experts came from 4 other countries: FIN, FRA, NLD, PRT.",
        "The National Immigration Strategy was drafted in 2010, endorsed in 2011-10 and adopted in 2012.",
        "AMIF paid EUR 1,447,041.91 of Coop4Int's EUR 1,532,558.68 budget.",
        "14 activities took place in Cabo Verde: 10 held, 4 planned.",
    ]


# --- the SPARQL kernel ---------------------------------------------------------------------


def test_the_endpoint_works_from_the_sparql_kernel(server, tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("sparqlkernel")
    spec = tmp_path / "kernels" / "sparql"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "sparqlkernel", "-f", "{connection_file}"],
                "display_name": "SPARQL",
                "language": "sparql",
                "name": "sparql",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "sparql", "display_name": "SPARQL"}})
    notebook.cells = [
        nbformat.v4.new_code_cell(f"%endpoint {server.sparql_url}"),
        nbformat.v4.new_code_cell("%format JSON"),
        nbformat.v4.new_code_cell("SELECT ?label WHERE { <action/mieux/zambia> rdfs:label ?label }"),
        nbformat.v4.new_code_cell(
            "SELECT ?programme (COUNT(?action) AS ?actions)\n"
            "WHERE { ?action mc:partOfProgramme ?programme } GROUP BY ?programme ORDER BY ?programme"
        ),
        nbformat.v4.new_code_cell("ASK { <action/mieux/senegal> mc:involvesArea <m49/011> }"),
        nbformat.v4.new_code_cell("%method POST"),
        nbformat.v4.new_code_cell("SELECT (COUNT(*) AS ?studyVisits) WHERE { ?visit a mc:StudyVisit }"),
    ]
    execute(notebook, server, kernel="sparql")

    def shown(marker: str) -> str:  # the cell's table as plain words
        return " ".join(re.sub(r"<[^>]+>", " ", output(notebook, marker)).split())

    assert "Endpoint set to: " + server.sparql_url in shown("%endpoint")
    assert shown("zambia").startswith("label Zambia: Trafficking in Human Beings Total: 1, Shown: 1")
    # 37 MIEUX actions (36 in 004 and Cabo Verde IV), one MPF project (Coop4Int).
    assert shown("mc:partOfProgramme") == (
        "programme actions https://w3id.org/migcoop/id/programme/mieux 37 "
        "https://w3id.org/migcoop/id/programme/mpf 1 Total: 2, Shown: 2"
    )
    assert "Result: True" in shown("ASK")
    # Ten study visits (competency question 23), asked by POST.
    assert shown("mc:StudyVisit").startswith("studyVisits 10 ")


# --- the README's examples -------------------------------------------------------------------


def readme_python_blocks() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Saved queries and the Python client", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def run_example(code: str, server) -> str:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code.replace("http://127.0.0.1:8000", server.base_url), "README.md", "exec"), {})
    return printed.getvalue()


def test_the_readme_sparqlwrapper_example_runs(server) -> None:
    (block,) = [block for block in readme_python_blocks() if "SPARQLWrapper" in block]
    # 004: Ghana I from September 2011, Ghana II from June 2014.
    assert run_example(block, server).splitlines() == [
        "2011-09-01 Ghana I: Capacity Building and Migration Management",
        "2014-06-01 Ghana II: Migration and Development",
    ]


def test_the_readme_client_example_runs(server) -> None:
    (block,) = [block for block in readme_python_blocks() if "from app.client import Client" in block]
    printed = run_example(block, server)
    assert "actions-by-country" in printed and "country:iri*" in printed
    assert "Ghana II: Migration and Development" in printed
    assert "datetime64" in printed
    # Actions per area of their partner countries: the world and Africa first, then Sub-Saharan
    # Africa (35, competency question 4) and Western Africa (22).
    table = [" ".join(line.split()[1:]) for line in printed.splitlines()[-4:]]
    assert table[2:] == ["Sub-Saharan Africa 35", "Western Africa 22"]
    assert table[0].startswith("World") and table[1].startswith("Africa")

"""The pages people use: the home page, the query editor, the data-quality page,
and the static files they need (our CSS and JS, and the npm packages installed by
`make assets`, served from /static/vendor: no CDN)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from app import linked_data as ld
from app.api.deps import get_service
from app.api.html import NODE_MODULES, STATIC_DIR, link, raw_store, render
from app.dataset_description import DUMP_FILES
from app.namespaces import MC, PREFIXES
from app.service import GraphService
from app.sparql_protocol import ProtocolError, error_response

router = APIRouter(tags=["pages"])

VENDOR = {
    "yasgui": NODE_MODULES / "@zazuko" / "yasgui" / "build",
    "topojson-client": NODE_MODULES / "topojson-client" / "dist",
    "world-atlas": NODE_MODULES / "world-atlas",
}


def mount_static(app: FastAPI) -> None:
    """Serve static/ and the vendor packages; the more specific mounts go first."""
    for name, directory in VENDOR.items():
        app.mount(f"/static/vendor/{name}", StaticFiles(directory=directory, check_dir=False), name=f"vendor-{name}")
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")


def rows(service: GraphService, query: str) -> list[dict[str, str]]:
    return ld.sparql_rows(raw_store(service), query, "")


# --- home ---------------------------------------------------------------------------


DUMP_LABELS = {
    "all": "asserted and inferred triples",
    "asserted": "asserted triples only",
    "inferred": "inferred triples only",
    "graphs": "every named graph (asserted, inferred, per source)",
}
FORMAT_LABELS = {".ttl": "Turtle", ".nt": "N-Triples", ".jsonld": "JSON-LD", ".nq": "N-Quads"}


@dataclass
class DumpView:
    name: str
    what: str
    format: str
    size: str


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def dumps(service: GraphService) -> list[DumpView]:
    views = []
    for name in DUMP_FILES:
        path = service.settings.dumps_path / name
        stem, suffix = Path(name).stem, Path(name).suffix
        kind = stem.removeprefix("migcoop-")
        size = human_size(path.stat().st_size) if path.exists() else "not built"
        views.append(DumpView(name, DUMP_LABELS.get(kind, kind), FORMAT_LABELS.get(suffix, suffix), size))
    return views


def home_page(request: Request, service: GraphService) -> Response:
    stats = service.statistics()
    classes = dict(stats.classes)
    counts = [
        ("actions", classes.get(str(MC.Action), 0)),
        ("activities", classes.get(str(MC.Activity), 0)),
        ("organisations", classes.get("http://www.w3.org/ns/org#Organization", 0)),
        ("countries", classes.get(str(MC.Country), 0)),
        ("outputs", classes.get(str(MC.Output), 0)),
        ("expert deployments", classes.get(str(MC.ExpertDeployment), 0)),
    ]
    sources = rows(
        service,
        """SELECT ?source ?label ?title ?asOf ?publisher ?publisherLabel (COUNT(DISTINCT ?record) AS ?records) WHERE {
             ?source a mc:SourceDocument ; rdfs:label ?label .
             FILTER(?source != <https://w3id.org/migcoop/id/source/reference>)
             OPTIONAL { ?source dct:title ?title } OPTIONAL { ?source mc:asOf ?asOf }
             OPTIONAL { ?source dct:publisher ?publisher . ?publisher rdfs:label ?publisherLabel }
             OPTIONAL { ?record prov:wasDerivedFrom ?source }
           } GROUP BY ?source ?label ?title ?asOf ?publisher ?publisherLabel ORDER BY ?source""",
    )
    actions = rows(
        service,
        """SELECT ?action ?label ?programme ?programmeLabel ?start ?end
                  (GROUP_CONCAT(DISTINCT ?countryLabel; separator=", ") AS ?countries) WHERE {
             ?action a mc:Action ; rdfs:label ?label .
             OPTIONAL { ?action mc:partOfProgramme ?programme . ?programme rdfs:label ?programmeLabel }
             OPTIONAL { ?action mc:period ?p . OPTIONAL { ?p mc:startDate ?start } OPTIONAL { ?p mc:endDate ?end } }
             OPTIONAL { ?action mc:partnerCountry ?country . ?country rdfs:label ?countryLabel }
           } GROUP BY ?action ?label ?programme ?programmeLabel ?start ?end ORDER BY ?programmeLabel ?label""",
    )
    programmes: dict[str, list[dict[str, str]]] = {}
    for row in actions:
        programmes.setdefault(row.get("programmeLabel", "Other actions and practices"), []).append(row)
    ordered = sorted(programmes.items(), key=lambda item: (item[0] == "Other actions and practices", -len(item[1])))
    countries = rows(
        service,
        """SELECT ?country ?label (COUNT(DISTINCT ?action) AS ?actions) WHERE {
             ?action a mc:Action ; mc:partnerCountry ?country . ?country rdfs:label ?label
           } GROUP BY ?country ?label ORDER BY ?label""",
    )
    base_iri = service.settings.base_iri
    context = {
        "title": "Migration Cooperation Knowledge Graph",
        "stats": stats,
        "counts": counts,
        "inferred": stats.graphs.get(ld.INFERRED, 0),
        "asserted": stats.graphs.get(ld.ASSERTED, 0),
        "sources": sources,
        "programmes": ordered,
        "countries": countries,
        "dumps": dumps(service),
        "link": lambda iri, label: link(iri, label, base_iri),
        "endpoint": str(request.base_url).rstrip("/") + "/sparql",
        "examples": saved_queries(service)[:6],
    }
    return render(request, "home.html", context)


@router.get("/", summary="Home page", response_class=Response, include_in_schema=False)
def home(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    try:
        return home_page(request, service)
    except ProtocolError as error:
        return error_response(error)


# --- the query editor ----------------------------------------------------------------


@dataclass(frozen=True)
class SavedQuery:
    name: str
    summary: str
    description: str
    text: str


HEADER_FIELD = re.compile(r"^#\+\s*(\w+):\s*(.*)$")
PARAMETER = re.compile(r"\?_(?P<name>[A-Za-z0-9]+)(?:_(?P<type>iri|integer|decimal|date|string|[a-z]+))?\b")


def read_saved_query(path: Path) -> SavedQuery:
    """A query file with grlc-style headers (`#+ summary: ...`, `#+ description: >` then `#+   ...`).

    grlc parameters (`?_country_iri`) that have a default (`#+ defaults:` / `#+   - country: <iri>`)
    are replaced by that default, so that the example runs as it is.
    """
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    items: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip():
                break
            continue
        match = HEADER_FIELD.match(line)
        if match:
            current, value = match.groups()
            fields[current] = "" if value.strip() in (">", "|") else value.strip()
        elif current is not None:
            continuation = line[2:].strip()
            if continuation.startswith("- "):
                items.setdefault(current, []).append(continuation[2:].strip())
            else:
                fields[current] = (fields[current] + " " + continuation).strip()
    defaults = {}
    for item in items.get("defaults", []):
        name, _, value = item.partition(":")
        defaults[name.strip()] = value.strip().strip("\"'")

    def default_for(match: re.Match[str]) -> str:
        value = defaults.get(match["name"])
        if value is None:
            return match.group(0)
        kind = match["type"] or "string"
        if kind == "iri":
            return f"<{value}>"
        if kind in ("integer", "decimal"):
            return value
        if kind == "string":
            return json.dumps(value)
        return f'"{value}"^^xsd:{kind}'

    return SavedQuery(path.stem, fields.get("summary", path.stem), fields.get("description", ""),
                      PARAMETER.sub(default_for, text) if defaults else text)  # fmt: skip


def saved_queries(service: GraphService) -> list[SavedQuery]:
    directory = service.settings.project_root / "queries"
    return [read_saved_query(path) for path in sorted(directory.glob("*.rq"))]


# The one <style> block YASGUI's table adds (column-resizer, in @zazuko/yasgui 4.6.2), allowed by its hash;
# static/query.css repeats its rules so the table lays out right even if the hash goes stale.
COLUMN_RESIZER_STYLE = "sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk="

DEFAULT_QUERY = """SELECT ?action ?label ?start WHERE {
  ?action a mc:Action ;
          rdfs:label ?label ;
          mc:period/mc:startDate ?start .
}
ORDER BY ?start
LIMIT 100"""


@router.get("/query", summary="The query editor (YASGUI)", response_class=Response, include_in_schema=False)
def query_editor(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    prefix_lines = "".join(
        f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items() if prefix != "id"
    )
    config = {
        "endpoint": str(request.base_url).rstrip("/") + "/sparql",
        "prefixes": {prefix: namespace for prefix, namespace in PREFIXES.items()},
        "defaultQuery": prefix_lines + "\n" + DEFAULT_QUERY + "\n",
        "examples": [
            {"name": q.name, "summary": q.summary, "description": q.description, "query": q.text}
            for q in saved_queries(service)
        ],
        "countries": "/geo/countries.json",
        "worldAtlas": "/static/vendor/world-atlas/countries-110m.json",
        "baseIri": service.settings.base_iri,
    }
    assets = (VENDOR["yasgui"] / "yasgui.min.js").exists()
    context = {
        "title": "Query the graph",
        "config_json": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
        "assets": assets,
        "examples": config["examples"],
    }
    # YASGUI sets style attributes from its own scripts (CodeMirror, DataTables): allow inline styles here only.
    return render(request, "query.html", context, extra_styles=f" '{COLUMN_RESIZER_STYLE}'")


@router.get("/geo/countries.json", summary="Countries with their centre points, for maps")
def countries(service: Annotated[GraphService, Depends(get_service)]) -> Response:
    try:
        found = rows(
            service,
            """SELECT ?country ?label ?iso3 ?numeric ?lat ?long WHERE {
                 ?country a mc:Country ; rdfs:label ?label ; mc:iso3 ?iso3 ; geo:lat ?lat ; geo:long ?long .
                 OPTIONAL { ?country mc:isoNumeric ?numeric }
               } ORDER BY ?iso3""",
        )
    except ProtocolError as error:
        return error_response(error)
    data = [
        {"iri": r["country"], "label": r["label"], "iso3": r["iso3"], "numeric": r.get("numeric"),
         "lat": float(r["lat"]), "long": float(r["long"])}
        for r in found
    ]  # fmt: skip
    return JSONResponse(data, headers={"Cache-Control": "public, max-age=300"})


# --- data quality -------------------------------------------------------------------


@dataclass
class ResultView:
    severity: str
    focus: object
    path: str
    value: str
    message: str
    shape: str


def report_results(report: Graph, labels: dict[str, str], base_iri: str) -> list[ResultView]:
    views = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        shape = report.value(result, SH.sourceShape)
        focus_html = link(str(focus), labels.get(str(focus), str(focus)), base_iri) if focus is not None else ""
        views.append(
            ResultView(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus=focus_html,
                path=ld.curie(str(path)) if isinstance(path, URIRef) else str(path or ""),
                value=str(value or ""),
                message=str(message or ""),
                shape=ld.curie(str(shape)) if isinstance(shape, URIRef) else "",
            )
        )
    return sorted(views, key=lambda view: (view.severity, view.message))


def shapes_summary(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    shapes = Graph().parse(path)
    summary = []
    for shape in sorted(set(shapes.subjects(RDF.type, SH.NodeShape)), key=str):
        if not isinstance(shape, URIRef):
            continue
        targets = [ld.curie(str(t)) for t in shapes.objects(shape, SH.targetClass)]
        targets += [f"subjects of {ld.curie(str(t))}" for t in shapes.objects(shape, SH.targetSubjectsOf)]
        targets += [f"objects of {ld.curie(str(t))}" for t in shapes.objects(shape, SH.targetObjectsOf)]
        messages = sorted(str(m) for p in shapes.objects(shape, SH.property) for m in shapes.objects(p, SH.message))
        own = shapes.value(shape, SH.message)
        summary.append(
            {"name": ld.curie(str(shape)).rsplit("#", 1)[-1].rsplit(":", 1)[-1], "targets": targets,
             "rules": ([str(own)] if own else []) + messages}
        )  # fmt: skip
    return summary


@router.get("/quality", summary="Data quality: the latest SHACL validation report", response_class=Response, include_in_schema=False)  # fmt: skip
def quality(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    path = service.settings.dumps_path / "validation-report.ttl"
    report = Graph()
    built_at = None
    if path.exists():
        report.parse(path, format="turtle")
        built_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).strftime("%d %B %Y, %H:%M UTC")
    conforms_node = next(iter(report.subjects(RDF.type, SH.ValidationReport)), None)
    conforms = report.value(conforms_node, SH.conforms) if conforms_node is not None else None
    try:
        notes = rows(
            service,
            """SELECT ?node ?label ?note WHERE {
                 GRAPH <https://w3id.org/migcoop/id/graph/asserted> { ?node mc:readingNote ?note }
                 OPTIONAL { ?node rdfs:label ?label } } ORDER BY ?node""",
        )
    except ProtocolError as error:
        return error_response(error)
    labels = {row["node"]: row.get("label", row["node"]) for row in notes}
    base_iri = service.settings.base_iri
    results = report_results(report, labels, base_iri)
    counts = {
        severity: sum(1 for r in results if r.severity == severity) for severity in ("Violation", "Warning", "Info")
    }
    context = {
        "title": "Data quality",
        "available": path.exists(),
        "conforms": None if conforms is None else bool(conforms.toPython()),
        "built_at": built_at,
        "results": results,
        "counts": counts,
        "shapes": shapes_summary(service.settings.ontology_dir / "shapes.ttl"),
        "notes": notes,
        "link": lambda iri, label: link(iri, label, base_iri),
        "report_label": RDFS.label,
    }
    return render(request, "quality.html", context)


@router.get("/quality/validation-report.ttl", summary="The latest SHACL validation report, as Turtle")
def validation_report(service: Annotated[GraphService, Depends(get_service)]) -> Response:
    path = service.settings.dumps_path / "validation-report.ttl"
    if not path.exists():
        return error_response(ProtocolError(404, "No validation report: run `migcoop build`."))
    return FileResponse(path, media_type="text/turtle; charset=utf-8")

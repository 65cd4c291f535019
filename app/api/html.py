"""Server-rendered HTML: the Jinja2 templates, their helpers, and the headers every page carries."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.core.config import PROJECT_ROOT
from app.linked_data import XSD, curie, page_for
from app.service import GraphService
from app.sparql_protocol import ProtocolError

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
NODE_MODULES = PROJECT_ROOT / "node_modules"

# Only our own origin: no inline script, no third-party hosts (YASGUI is served from /static/vendor).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'{style}; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(extra_styles: str = "") -> dict[str, str]:
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY.format(style=extra_styles),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
    }


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> Environment:
    env = Environment(loader=FileSystemLoader(templates_dir), autoescape=select_autoescape(["html"]))
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    env.filters["date"] = human_date
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    extra_styles: str = "",
) -> HTMLResponse:
    service: GraphService = request.app.state.service
    templates_dir = service.settings.project_root / "templates"
    html = (
        environment(templates_dir)
        .get_template(template)
        .render(request=request, base_iri=service.settings.base_iri, **context)
    )
    all_headers = security_headers(extra_styles)
    all_headers.update(headers or {})
    return HTMLResponse(html, status_code=status_code, headers=all_headers)


def raw_store(service: GraphService) -> ox.Store:
    """The store for small bounded reads; 503 while an update swaps it."""
    if service.store is None:
        raise ProtocolError(503, "The store is being replaced; try again in a moment.", {"Retry-After": "1"})
    return service.store.raw


# --- formatting values ---------------------------------------------------------------

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


def human_date(value: str | None) -> str:
    """`2011-02-01` -> `1 February 2011`, `2011-02` -> `February 2011`, `2011` -> `2011`."""
    if not value:
        return ""
    match = re.fullmatch(r"(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value)
    if not match:
        return value
    year, month, day = match.groups()
    if month is None:
        return year
    name = MONTHS[int(month) - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"


def format_number(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    if number.is_integer() and "." not in value:
        return f"{int(number):,}"
    return f"{number:,.2f}" if abs(number) >= 1000 else value


def link(iri: str, label: str, base_iri: str) -> Markup:
    """A link to a resource: to its page when it is ours, out to the IRI otherwise."""
    page = page_for(iri, base_iri)
    if page is not None:
        return Markup('<a href="{}" title="{}">{}</a>').format(page, iri, label)
    if iri.startswith(("http://", "https://")):
        return Markup('<a class="external" href="{}" rel="noopener" title="{}">{}</a>').format(iri, iri, label)
    return Markup("<span>{}</span>").format(label)


def literal_html(literal: ox.Literal) -> Markup:
    datatype = literal.datatype.value
    value = literal.value
    if datatype in (XSD + "date", XSD + "gYearMonth", XSD + "gYear"):
        text = human_date(value)
        return Markup('<time datetime="{}">{}</time>').format(value, text)
    if datatype in (XSD + "integer", XSD + "decimal", XSD + "double", XSD + "float"):
        return Markup('<span class="number">{}</span>').format(format_number(value))
    if literal.language and literal.language != "en":
        return Markup('<span lang="{}">{}</span> <span class="lang">{}</span>').format(
            literal.language, value, literal.language
        )
    if datatype not in (XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"):
        return Markup('{} <span class="datatype">{}</span>').format(value, curie(datatype))
    return Markup("{}").format(value)


def term_html(term: ox.NamedNode | ox.BlankNode | ox.Literal, labels: dict[str, str], base_iri: str) -> Markup:
    if isinstance(term, ox.Literal):
        return literal_html(term)
    if isinstance(term, ox.BlankNode):
        return Markup('<span class="blank">(an anonymous node)</span>')
    label = labels.get(term.value) or curie(term.value)
    return link(term.value, label, base_iri)

"""The ontology's documentation page, generated from the ontology graph with pyLODE.

Generated on first request and kept while the ontology graph stays the same.
pyLODE writes one <style> block inline; the page's Content-Security-Policy allows
that block by its hash and nothing else. Each term's section is given its local
name as id, so https://w3id.org/migcoop/ontology#Action lands on it. Should
pyLODE fail, a plain page listing every class and property is served instead.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import re
import threading
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from app.namespaces import ID, MC

log = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[str, tuple[str, list[str]]] = {}

ENTITY = re.compile(r'<div class="[^"]*\bentity\b[^"]*" id="(?P<id>[^"]+)">')
IRI_CODE = re.compile(r"<code>" + re.escape(str(MC)) + r"(?P<local>[A-Za-z0-9_-]+)</code>")
STYLE = re.compile(r"<style[^>]*>(?P<css>.*?)</style>", re.S)


def ontology_graph(store: ox.Store, source: Path | None = None) -> Graph:
    """The ontology graph the store serves. pyLODE lists terms in the order it reads them, so
    the Turtle source (in its authors' thematic order) is used when it says the same thing."""
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(str(ID["graph/ontology"])))
    triples = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in quads), key=str)
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    if source is not None and source.exists():
        written = Graph().parse(source, format="turtle")
        if isomorphic(written, graph):
            return written
    return graph


def ontology_html(store: ox.Store, links: dict[str, str], source: Path | None = None) -> tuple[str, list[str]]:
    """The documentation page and the sha256 hashes of its inline style blocks."""
    graph = ontology_graph(store, source)
    key = hashlib.sha256(graph.serialize(format="nt", encoding="utf-8")).hexdigest()
    with _lock:
        if key not in _cache:
            try:
                page = pylode_page(graph)
            except Exception:  # pyLODE is a third-party renderer: never let it take the page down
                log.exception("pyLODE failed; serving the plain term list")
                page = plain_page(graph)
            _cache.clear()
            _cache[key] = (page, style_hashes(page))
        page, hashes = _cache[key]
    return with_navigation(page, links), hashes


def pylode_page(graph: Graph) -> str:
    from pylode import OntPub

    page = OntPub(ontology=graph).make_html()
    return anchor_terms_by_local_name(page)


def anchor_terms_by_local_name(page: str) -> str:
    """pyLODE names some sections by label ("initiative"); make every term's id its local name."""
    taken = set(re.findall(r'\bid="([^"]+)"', page))
    renames: dict[str, str] = {}
    matches = list(ENTITY.finditer(page))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(page)
        code = IRI_CODE.search(page, match.end(), end)
        if code is None:
            continue
        old, new = match["id"], code["local"]
        if old != new and new not in taken:
            renames[old] = new
            taken.add(new)
    for old, new in renames.items():
        page = page.replace(f'id="{old}"', f'id="{new}"', 1)
        page = page.replace(f'href="#{old}"', f'href="#{new}"')
    return page


def style_hashes(page: str) -> list[str]:
    return [
        base64.b64encode(hashlib.sha256(match["css"].encode("utf-8")).digest()).decode("ascii")
        for match in STYLE.finditer(page)
    ]


def with_navigation(page: str, links: dict[str, str]) -> str:
    names = {"text/turtle": "Turtle", "application/ld+json": "JSON-LD", "application/n-triples": "N-Triples",
             "application/rdf+xml": "RDF/XML"}  # fmt: skip
    formats = " · ".join(
        f'<a href="{html.escape(url)}" type="{media_type}">{names[media_type]}</a>'
        for media_type, url in links.items()
        if media_type in names
    )
    nav = (
        '<link rel="stylesheet" href="/static/ontology-nav.css">'
        '<nav id="site-nav" aria-label="Site">'
        '<a class="home" href="/">Migration Cooperation Knowledge Graph</a>'
        '<a href="/query">Query</a><a href="/ontology.html">Ontology</a><a href="/quality">Data quality</a>'
        f'<span class="formats">The ontology as {formats}</span></nav>'
    )
    if '<div id="content">' in page:
        return page.replace('<div id="content">', f'<div id="content">{nav}', 1)
    return re.sub(r"<body([^>]*)>", lambda m: f"<body{m.group(1)}>{nav}", page, count=1)


def plain_page(graph: Graph) -> str:
    """A term list: every class and property with its label, definition, parents, domain and range."""
    query = """
    PREFIX owl: <http://www.w3.org/2002/07/owl#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?term ?kind ?label ?definition
           (GROUP_CONCAT(DISTINCT STR(?parent); separator=" ") AS ?parents)
           (GROUP_CONCAT(DISTINCT STR(?domain); separator=" ") AS ?domains)
           (GROUP_CONCAT(DISTINCT STR(?range); separator=" ") AS ?ranges)
    WHERE {
      ?term a ?kind . FILTER(?kind IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty, owl:AnnotationProperty))
      FILTER(STRSTARTS(STR(?term), STR(mc:)))
      OPTIONAL { ?term rdfs:label ?label } OPTIONAL { ?term skos:definition ?definition }
      OPTIONAL { ?term rdfs:subClassOf|rdfs:subPropertyOf ?parent FILTER(isIRI(?parent)) }
      OPTIONAL { ?term rdfs:domain ?domain } OPTIONAL { ?term rdfs:range ?range }
    } GROUP BY ?term ?kind ?label ?definition ORDER BY ?kind ?term"""
    rows = graph.query(query, initNs={"mc": MC})
    items = []
    for row in rows:
        local = str(row.term)[len(str(MC)) :]
        details = "".join(
            f"<dt>{name}</dt><dd>{html.escape(value)}</dd>"
            for name, value in (("parents", row.parents), ("domain", row.domains), ("range", row.ranges))
            if value
        )
        items.append(
            f'<section id="{html.escape(local)}"><h3>{html.escape(str(row.label or local))} '
            f"<code>mc:{html.escape(local)}</code></h3><p>{html.escape(str(row.definition or ''))}</p>"
            f"<dl>{details}</dl></section>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Migration Cooperation ontology</title>'
        '<link rel="stylesheet" href="/static/site.css"></head><body><main class="page">'
        f"<h1>Migration Cooperation ontology</h1>{''.join(items)}</main></body></html>"
    )

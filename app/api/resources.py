"""Dereferencing: every IRI of ours answers with a document about the thing it names.

The W3C "Cool URIs for the Semantic Web" recipe for slash IRIs (303 URIs forwarding
to different documents): an IRI names a thing (an action, a country, the ontology),
so asking for it gets `303 See Other` to a document about it, chosen by `Accept`:

    /id/{path}             -> 303 -> /doc/{path}.html | .ttl | .jsonld | .nt | .rdf | .trig | .nq
    /ontology, /ontology/{version}, and so every /ontology#Term
                           -> 303 -> /ontology.html (documentation) | .ttl | .jsonld | .nt | .rdf

Document URLs with an extension always give that format; `/doc/{path}` without one
negotiates (with `Content-Location`). Every negotiated answer carries `Vary: Accept`.
An IRI the graph does not mention is a 404 (an HTML page for browsers).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from markupsafe import Markup

from app import linked_data as ld
from app.api.deps import get_service
from app.api.html import link, raw_store, render, security_headers, term_html
from app.dataset_description import void_description
from app.namespaces import ID, ONTOLOGY_IRI
from app.service import GraphService
from app.sparql_protocol import (
    JSON_LD,
    NQUADS,
    NTRIPLES,
    RDF_XML,
    TRIG,
    TURTLE,
    ProtocolError,
    ResultFormat,
    error_response,
    negotiate,
)

router = APIRouter(tags=["Linked Data"])

HTML = ResultFormat("text/html", "html")
EXTENSIONS: dict[str, ResultFormat] = {
    "html": HTML, "ttl": TURTLE, "jsonld": JSON_LD, "nt": NTRIPLES, "rdf": RDF_XML, "trig": TRIG, "nq": NQUADS,
}  # fmt: skip
EXTENSION_OF = {fmt.media_type: ext for ext, fmt in EXTENSIONS.items()}
FORMAT_NAMES = {"html": "HTML page", "ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML",
                "trig": "TriG (by named graph)", "nq": "N-Quads (by named graph)"}  # fmt: skip
# Turtle first: a client that accepts anything (`*/*`, curl, scripts) gets data; browsers ask for text/html.
DOCUMENT_FORMATS = [TURTLE, HTML, JSON_LD, NTRIPLES, RDF_XML, TRIG, NQUADS]
ONTOLOGY_FORMATS = [TURTLE, HTML, JSON_LD, NTRIPLES, RDF_XML]
DOCUMENT_PATH = re.compile(r"(?P<path>.+)\.(?P<ext>html|ttl|jsonld|nt|rdf|trig|nq)")
ACCEPT_SYNONYMS = {"application/xhtml+xml": "text/html", "application/json": "application/ld+json"}

GRAPH_LABELS = {
    "graph/asserted": ("asserted triples", "Every triple read from the sources, the curation, the reference data and the ontology."),
    "graph/inferred": ("inferred triples", "The triples the OWL 2 RL reasoner and the role shortcuts added to the asserted ones."),
    "graph/curation": ("curated classifications", "Judgements not printed in any source: thematic areas, DAC sectors, GCM objectives, IATI statuses, source descriptions."),
    "graph/reference": ("reference data", "Countries, M49 regions, places, organisations, code lists and vocabularies."),
    "graph/ontology": ("the ontology", "The Migration Cooperation ontology."),
    "graph/updates": ("updates", "Triples inserted by SPARQL Update without a GRAPH."),
}  # fmt: skip


def accept_of(request: Request) -> str | None:
    header = request.headers.get("accept")
    if not header:
        return header
    parts = []
    for part in header.split(","):
        media_type, _, parameters = part.strip().partition(";")
        media_type = ACCEPT_SYNONYMS.get(media_type.strip().lower(), media_type.strip())
        parts.append(media_type + (f";{parameters}" if parameters else ""))
    return ",".join(parts)


def not_acceptable(error: ProtocolError) -> Response:
    response = error_response(error)
    response.headers["Vary"] = "Accept"
    return response


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# --- what an IRI of ours names ----------------------------------------------------


@dataclass(frozen=True)
class Known:
    """An IRI the server can describe: from the store, or one it states itself."""

    iri: str
    kind: str  # "store", "dataset", "graph"


def is_iri(text: str) -> bool:
    """Whether the text is an IRI the store can hold (a path from the URL may not make one)."""
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def lookup(service: GraphService, path: str) -> Known | None:
    iri = service.settings.base_iri + "id/" + path
    if path == "dataset":
        return Known(iri, "dataset")
    if not is_iri(iri):
        return None
    store = raw_store(service)
    if path.startswith("graph/") and iri in {name.value for name in store.named_graphs()}:
        return Known(iri, "graph")
    if path and ld.exists(store, iri):
        return Known(iri, "store")
    return None


def graph_description(service: GraphService, iri: str, request: Request) -> ld.Description:
    store = raw_store(service)
    node = ox.NamedNode(iri)
    key = iri[len(str(ID)) :]
    label, text = GRAPH_LABELS.get(key, (key, "A named graph of the dataset."))
    labels = {iri: label, ld.DATASET_IRI: "Migration Cooperation Knowledge Graph"}
    triples = [
        ox.Triple(node, ld.RDF_TYPE, ox.NamedNode(ld.VOID + "Dataset")),
        ox.Triple(node, ld.RDFS_LABEL, ox.Literal(label, language="en")),
        ox.Triple(node, ox.NamedNode(ld.DCT + "description"), ox.Literal(text, language="en")),
        ox.Triple(node, ox.NamedNode(ld.DCT + "isPartOf"), ox.NamedNode(ld.DATASET_IRI)),
        ox.Triple(node, ox.NamedNode(ld.VOID + "triples"), ox.Literal(str(service.store.count(iri)), datatype=ox.NamedNode(ld.XSD + "integer"))),  # type: ignore[union-attr]
        ox.Triple(node, ox.NamedNode(ld.VOID + "sparqlEndpoint"), ox.NamedNode(base_url(request) + "/sparql")),
    ]  # fmt: skip
    if key.startswith("graph/source/"):
        source = ox.NamedNode(str(ID[f"source/{key.rsplit('/', 1)[1]}"]))
        labels[source.value] = ld.label_in_store(store, source) or source.value
        triples.append(ox.Triple(node, ox.NamedNode(ld.PROV + "wasDerivedFrom"), source))
        labels[iri] = f"facts read from {labels[source.value]}"
        triples[1] = ox.Triple(node, ld.RDFS_LABEL, ox.Literal(labels[iri], language="en"))
    return ld.synthetic_description(iri, triples, labels)


def dataset_description(service: GraphService, request: Request) -> ld.Description:
    graph = void_description(base_url(request), base_url(request) + "/sparql", service.statistics())
    triples = list(ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    labels = {ld.DATASET_IRI: "Migration Cooperation Knowledge Graph"}
    store = raw_store(service)
    for triple in triples:
        if isinstance(triple.object, ox.NamedNode) and triple.object.value.startswith(str(ID)):
            label = ld.label_in_store(store, triple.object)
            if label:
                labels[triple.object.value] = label
    return ld.synthetic_description(ld.DATASET_IRI, triples, labels)


def describe_known(service: GraphService, known: Known, request: Request) -> ld.Description | None:
    if known.kind == "dataset":
        return dataset_description(service, request)
    if known.kind == "graph":
        return graph_description(service, known.iri, request)
    return ld.describe(raw_store(service), known.iri)


# --- the JSON-LD context ----------------------------------------------------------

_context_lock = threading.Lock()
_context_cache: dict[int, dict] = {}


def context_document(service: GraphService) -> dict:
    store = raw_store(service)
    key = id(store)
    with _context_lock:
        if key not in _context_cache:
            _context_cache.clear()
            _context_cache[key] = ld.jsonld_context(store)
        return _context_cache[key]


@router.get(
    "/context.jsonld",
    summary="The JSON-LD @context of the dataset's documents",
    responses={200: {"content": {"application/ld+json": {}}}},
)
def jsonld_context(service: Annotated[GraphService, Depends(get_service)]) -> Response:
    try:
        body = json.dumps(context_document(service), indent=2, ensure_ascii=False) + "\n"
    except ProtocolError as error:
        return error_response(error)
    return Response(body, media_type="application/ld+json", headers={"Cache-Control": "public, max-age=3600"})


# --- documents ------------------------------------------------------------------


def format_links(request: Request, path: str) -> dict[str, str]:
    """The URL of the document about /id/{path} in every format, by media type."""
    root = base_url(request)
    return {fmt.media_type: f"{root}/doc/{path}.{ext}" for ext, fmt in EXTENSIONS.items()}


def link_header(iri: str, links: dict[str, str], current: str) -> str:
    parts = [f'<{iri}>; rel="http://xmlns.com/foaf/0.1/primaryTopic"']
    parts += [f'<{url}>; rel="alternate"; type="{media_type}"' for media_type, url in links.items() if url != current]
    return ", ".join(parts)


def rdf_document(
    service: GraphService, description: ld.Description, fmt: ResultFormat, links: dict[str, str], context_url: str
) -> bytes:
    document_url = links[fmt.media_type]
    if fmt.media_type in ld.QUAD_MEDIA_TYPES:
        return ld.serialize(ld.description_quads(description, document_url, links), fmt.media_type)
    triples = ld.description_triples(description, document_url, links)
    context = context_document(service) if fmt is JSON_LD else None
    return ld.serialize(triples, fmt.media_type, context=context, context_url=context_url)


def document_response(
    request: Request, service: GraphService, path: str, fmt: ResultFormat, *, negotiated: bool
) -> Response:
    known = lookup(service, path)
    if known is None:
        return not_found(request, service.settings.base_iri + "id/" + path)
    links = format_links(request, path)
    headers = {"Link": link_header(known.iri, links, links[fmt.media_type]), "Cache-Control": "public, max-age=300"}
    if negotiated:
        headers["Vary"] = "Accept"
        headers["Content-Location"] = f"/doc/{path}.{EXTENSION_OF[fmt.media_type]}"
    if fmt is HTML and known.kind == "dataset":
        from app.api.pages import home_page  # the home page is the dataset's HTML document

        response = home_page(request, service)
        response.headers.update(headers)
        return response
    description = describe_known(service, known, request)
    if description is None:
        return not_found(request, known.iri)
    if fmt is HTML:
        return resource_page(request, service, description, path, links, headers)
    body = rdf_document(service, description, fmt, links, base_url(request) + "/context.jsonld")
    return Response(body, media_type=fmt.content_type, headers=headers)


@router.api_route(
    "/id/{path:path}", methods=["GET", "HEAD"], summary="Dereference an IRI of the dataset (303 to a document)"
)
def dereference(path: str, request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    try:
        known = lookup(service, path)
        if known is None:
            return not_found(request, service.settings.base_iri + "id/" + path)
        fmt = negotiate(accept_of(request), DOCUMENT_FORMATS)
    except ProtocolError as error:
        return not_acceptable(error)
    location = f"/doc/{path}.{EXTENSION_OF[fmt.media_type]}"
    return Response(status_code=303, headers={"Location": location, "Vary": "Accept", "Cache-Control": "public, max-age=3600"})  # fmt: skip


@router.api_route("/doc/{path:path}", methods=["GET", "HEAD"], summary="A document about an IRI of the dataset")
def document(path: str, request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    try:
        match = DOCUMENT_PATH.fullmatch(path)
        if match:
            return document_response(request, service, match["path"], EXTENSIONS[match["ext"]], negotiated=False)
        fmt = negotiate(accept_of(request), DOCUMENT_FORMATS)
        return document_response(request, service, path, fmt, negotiated=True)
    except ProtocolError as error:
        return not_acceptable(error)


# --- pages ------------------------------------------------------------------------

# Properties shown first, in this order; the rest follow by label.
LEADING_PROPERTIES = [ld.RDF + "type", ld.RDFS + "label", ld.DCT + "title", ld.DCT + "description"]


@dataclass
class ValueView:
    html: Markup
    inferred: bool
    graphs: list[Markup]
    sort_key: str


@dataclass
class PropertyView:
    iri: str
    label: str
    link: Markup
    values: list[ValueView]

    @property
    def all_inferred(self) -> bool:
        return all(value.inferred for value in self.values)


def graph_links(graphs: tuple[str, ...] | list[str], base_iri: str) -> list[Markup]:
    """Links to where facts are stated: a source graph links to its source document."""
    links = []
    for graph in graphs:
        key = graph[len(str(ID)) :] if graph.startswith(str(ID)) else graph
        if key.startswith("graph/source/"):
            source = str(ID[f"source/{key.rsplit('/', 1)[1]}"])
            links.append(link(source, "source " + key.rsplit("/", 1)[1], base_iri))
        else:
            links.append(link(graph, key.removeprefix("graph/"), base_iri))
    return links


def property_views(
    facts: list[ld.Fact], description: ld.Description, base_iri: str, *, incoming: bool
) -> list[PropertyView]:
    """Facts grouped by property, asserted values first; the leading properties first, then by label."""
    groups: dict[str, PropertyView] = {}
    label_of = {**ld.EXTERNAL_LABELS, **description.labels}
    for fact in facts:
        predicate = fact.predicate.value
        if predicate not in groups:
            label = description.label_of(predicate)
            groups[predicate] = PropertyView(predicate, label, link(predicate, label, base_iri), [])
        term = fact.subject if incoming else fact.object
        groups[predicate].values.append(
            ValueView(
                html=term_html(term, label_of, base_iri),
                inferred=fact.inferred,
                graphs=graph_links(fact.graphs, base_iri),
                sort_key=(label_of.get(term.value) or term.value).lower(),
            )
        )
    for view in groups.values():
        view.values.sort(key=lambda value: (value.inferred, value.sort_key))
    order = {iri: index for index, iri in enumerate(LEADING_PROPERTIES)}
    return sorted(
        groups.values(),
        key=lambda view: (order.get(view.iri, len(order)), view.all_inferred, view.label.lower()),
    )


def resource_page(
    request: Request,
    service: GraphService,
    description: ld.Description,
    path: str,
    links: dict[str, str],
    headers: dict[str, str],
) -> Response:
    store = raw_store(service)
    base_iri = service.settings.base_iri
    node = description.node
    own = [fact for fact in description.outgoing if fact.subject == node]
    summary = ld.action_summary(store, description.iri) if ld.is_action(description) else None
    types = [
        (link(t, description.label_of(t), base_iri), t not in description.asserted_types)
        for t in sorted(description.types, key=lambda t: t not in description.asserted_types)
    ]
    descriptions = [fact.object.value for fact in own if fact.predicate.value == ld.DCT + "description"]
    sources = [
        (fact.object.value, description.label_of(fact.object))
        for fact in own
        if fact.predicate.value == ld.PROV + "wasDerivedFrom" and isinstance(fact.object, ox.NamedNode)
    ]
    formats = [
        (FORMAT_NAMES[EXTENSION_OF[media_type]], url, media_type)
        for media_type, url in links.items()
        if media_type != HTML.media_type
    ]
    query = f"DESCRIBE <{description.iri}>"
    context = {
        "title": description.label,
        "description": description,
        "path": path,
        "types": types,
        "text": descriptions[0] if descriptions else None,
        "sources": [link(iri, label, base_iri) for iri, label in sources],
        "graphs": graph_links(description.graphs, base_iri),
        "outgoing": property_views(own, description, base_iri, incoming=False),
        "incoming": property_views(description.incoming, description, base_iri, incoming=True),
        "summary": summary,
        "formats": formats,
        "link": lambda iri, label: link(iri, label, base_iri),
        "query_link": "/query?" + urlencode({"query": query}),
        "inferred_count": description.inferred_count,
    }
    return render(request, "resource.html", context, headers=headers)


def not_found(request: Request, iri: str) -> Response:
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    try:
        fmt = negotiate(accept_of(request), [HTML, TURTLE])
    except ProtocolError:
        fmt = TURTLE
    if fmt is HTML:
        return render(request, "not_found.html", {"title": "Not found", "iri": iri}, status_code=404, headers=headers)
    return PlainTextResponse(f"Not found: the graph says nothing about <{iri}>.\n", status_code=404, headers={**headers, **security_headers()})  # fmt: skip


# --- the ontology -----------------------------------------------------------------


@router.api_route("/ontology", methods=["GET", "HEAD"], summary="The ontology IRI (303 to its documentation or RDF)")
def ontology(request: Request) -> Response:
    return ontology_redirect(request)


@router.api_route("/ontology/{version}", methods=["GET", "HEAD"], summary="A version IRI of the ontology")
def ontology_version(
    version: str, request: Request, service: Annotated[GraphService, Depends(get_service)]
) -> Response:
    try:
        store = raw_store(service)
    except ProtocolError as error:
        return error_response(error)
    iri = f"{ONTOLOGY_IRI}/{version}"
    if not is_iri(iri) or not ld.exists(store, iri):
        return not_found(request, iri)
    return ontology_redirect(request)


def ontology_redirect(request: Request) -> Response:
    try:
        fmt = negotiate(accept_of(request), ONTOLOGY_FORMATS)
    except ProtocolError as error:
        return not_acceptable(error)
    location = f"/ontology.{EXTENSION_OF[fmt.media_type]}"
    return Response(status_code=303, headers={"Location": location, "Vary": "Accept", "Cache-Control": "public, max-age=3600"})  # fmt: skip


@router.api_route("/ontology.{ext}", methods=["GET", "HEAD"], summary="The ontology as documentation or RDF")
def ontology_document(ext: str, request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    fmt = EXTENSIONS.get(ext)
    if fmt is None or fmt not in ONTOLOGY_FORMATS:
        return not_found(request, f"{ONTOLOGY_IRI}.{ext}")
    try:
        store = raw_store(service)
    except ProtocolError as error:
        return error_response(error)
    root = base_url(request)
    links = {f.media_type: f"{root}/ontology.{EXTENSION_OF[f.media_type]}" for f in ONTOLOGY_FORMATS}
    headers = {"Link": link_header(str(ONTOLOGY_IRI), links, links[fmt.media_type]), "Cache-Control": "public, max-age=300"}  # fmt: skip
    if fmt is HTML:
        from app.ontology_docs import ontology_html

        html, style_hashes = ontology_html(store, links, service.settings.ontology_dir / "migcoop.ttl")
        extra = "".join(f" 'sha256-{digest}'" for digest in style_hashes)
        all_headers = {**security_headers(extra), **headers}
        return Response(html, media_type="text/html; charset=utf-8", headers=all_headers)
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(str(ID["graph/ontology"])))
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    context = context_document(service) if fmt is JSON_LD else None
    body = ld.serialize(triples, fmt.media_type, context=context, context_url=root + "/context.jsonld")
    return Response(body, media_type=fmt.content_type, headers=headers)

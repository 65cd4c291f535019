"""The SPARQL 1.1 Protocol routes: /sparql (query, update, service description) and /update."""

from __future__ import annotations

import asyncio
import base64
import hmac
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from app.api.deps import get_service
from app.core.logging import note_rejection
from app.dataset_description import service_description
from app.service import GraphService, QueryRequest
from app.sparql_protocol import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    ProtocolError,
    SparqlRequest,
    check_remote_references,
    check_structure,
    error_response,
    negotiate,
    parse_request,
    query_form,
)
from app.update import UpdateRejected

router = APIRouter(tags=["SPARQL"])

GRAPH_PARAMETERS = [
    {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}},
     "style": "form", "explode": True, "description": "A graph IRI to use as the default graph (repeatable)."},
    {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}},
     "style": "form", "explode": True, "description": "A graph IRI to make available to GRAPH (repeatable)."},
    {"name": "infer", "in": "query", "required": False, "schema": {"type": "boolean", "default": True},
     "description": "false: the default graph is the asserted graph only, without inferred triples."},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Result format override: json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld, trig, nquads."},
]  # fmt: skip
QUERY_PARAMETER = {
    "name": "query", "in": "query", "required": False, "schema": {"type": "string"},
    "description": "The SPARQL query. Without it, GET answers with the service description.",
}  # fmt: skip
RESULT_CONTENT = {fmt.media_type: {"schema": {"type": "string"}} for fmt in SOLUTION_FORMATS + GRAPH_FORMATS}
ERRORS = {
    400: {"description": "Malformed query or parameters", "content": {"text/plain": {}}},
    401: {"description": "Write token missing", "content": {"text/plain": {}}},
    403: {"description": "Forbidden: wrong token, updates disabled, or SERVICE/LOAD not allowed", "content": {"text/plain": {}}},
    406: {"description": "None of the accepted media types is offered", "content": {"text/plain": {}}},
    413: {"description": "Request body too large", "content": {"text/plain": {}}},
    415: {"description": "Unsupported request media type", "content": {"text/plain": {}}},
    422: {"description": "Update rejected by the SHACL shapes; the store is unchanged", "content": {"text/plain": {}}},
    503: {"description": "Query timed out or the server is busy", "content": {"text/plain": {}}},
}  # fmt: skip
POST_BODY = {
    "required": True,
    "content": {
        "application/sparql-query": {"schema": {"type": "string"}},
        "application/sparql-update": {"schema": {"type": "string"}},
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {
                    "query": {"type": "string"}, "update": {"type": "string"},
                    "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "using-graph-uri": {"type": "array", "items": {"type": "string"}},
                    "using-named-graph-uri": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
    },
}  # fmt: skip


def result_headers(truncated: bool, limit: int) -> dict[str, str]:
    headers = {"Vary": "Accept"}
    if truncated:
        headers["X-Result-Truncated"] = "true"
        headers["X-Result-Row-Limit"] = str(limit)
    return headers


def check_graph_iris(sparql: SparqlRequest) -> None:
    """The dataset parameters must be absolute IRIs (the store would refuse them later, as a server error)."""
    for name, values in (("default-graph-uri", sparql.default_graphs), ("named-graph-uri", sparql.named_graphs)):
        for value in values:
            try:
                ox.NamedNode(value)
            except ValueError:
                shown = value if len(value) <= 80 else value[:79] + "…"
                raise ProtocolError(400, f"The '{name}' parameter must be an absolute IRI, not {shown!r}.") from None


def screen_remote(text: str, service: GraphService) -> bool:
    """SERVICE and LOAD only to allowed URLs (403 otherwise); whether the text reaches any."""
    try:
        return bool(check_remote_references(text, service.settings.allowed_remote_urls))
    except ProtocolError:
        note_rejection("remote")
        raise


# Texts longer than this are screened in a thread: tokenising a large text takes a while (about
# half a second for 1 MB), and the event loop serves everyone else meanwhile.
SCREEN_INLINE_BYTES = 64 * 1024


async def screen_text(text: str, service: GraphService) -> tuple[str | None, bool]:
    """Check a query or update before it runs: its structure, SERVICE and LOAD; its form and whether it reaches out."""

    def screen() -> tuple[str | None, bool]:
        check_structure(text)
        remote = screen_remote(text, service)
        return query_form(text), remote

    if len(text) <= SCREEN_INLINE_BYTES:
        return screen()
    return await asyncio.to_thread(screen)


async def answer_query(request: Request, sparql: SparqlRequest, service: GraphService) -> Response:
    text = sparql.query or ""
    form, remote = await screen_text(text, service)
    check_graph_iris(sparql)
    offered = GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else SOLUTION_FORMATS
    chosen = negotiate(request.headers.get("accept"), offered, sparql.format)
    answer = await service.query(
        QueryRequest(text, chosen.media_type, sparql.default_graphs, sparql.named_graphs, sparql.infer, remote)
    )
    return StreamingResponse(
        answer.chunks,
        media_type=chosen.content_type,
        headers=result_headers(answer.truncated, service.settings.max_result_rows),
    )


def describe_service(request: Request, service: GraphService, sparql: SparqlRequest) -> Response:
    chosen = negotiate(request.headers.get("accept"), GRAPH_FORMATS, sparql.format)
    endpoint = str(request.url_for("sparql_get"))
    graph = service_description(endpoint, service.statistics(), service.updates_enabled)
    rdflib_format = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                     "application/ld+json": "json-ld", "application/trig": "trig", "application/n-quads": "nquads"}  # fmt: skip
    body = graph.serialize(format=rdflib_format[chosen.media_type], encoding="utf-8")
    return Response(body, media_type=chosen.content_type, headers={"Vary": "Accept"})


def token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return None


def check_write_access(request: Request, service: GraphService) -> None:
    expected = service.settings.write_token
    if not expected:
        raise ProtocolError(403, "SPARQL Update is disabled on this endpoint (no write token is configured).")
    given = token_from(request)
    if given is None:
        raise ProtocolError(
            401,
            "SPARQL Update needs the write token: send 'Authorization: Bearer <token>'.",
            {"WWW-Authenticate": 'Bearer realm="migcoop"'},
        )
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ProtocolError(403, "The write token is not valid.")


async def apply_update(request: Request, sparql: SparqlRequest, service: GraphService) -> Response:
    try:
        check_write_access(request, service)
    except ProtocolError:
        note_rejection("auth")
        raise
    text = sparql.update or ""
    if sparql.using_graphs or sparql.using_named_graphs:
        raise ProtocolError(
            400, "using-graph-uri and using-named-graph-uri are not supported; use USING in the update."
        )
    await screen_text(text, service)
    try:
        outcome = await service.update(text)
    except UpdateRejected:
        note_rejection("shapes")
        raise
    message = (
        f"Update applied: {outcome.inserted} triple(s) inserted, {outcome.deleted} deleted; "
        f"{outcome.asserted_triples} asserted and {outcome.inferred_triples} inferred triples now.\n"
    )
    return Response(message, media_type="text/plain; charset=utf-8")


async def handle(request: Request, service: GraphService, *, update_route: bool = False) -> Response:
    try:
        sparql = await parse_request(request, service.settings.max_query_bytes)
        if sparql.update is not None:
            return await apply_update(request, sparql, service)
        if update_route:
            raise ProtocolError(400, "Missing 'update': POST an update as application/sparql-update or as form field.")
        if sparql.query is None:
            if request.method == "POST":
                raise ProtocolError(400, "Missing 'query' or 'update': the request carries neither.")
            return describe_service(request, service, sparql)
        return await answer_query(request, sparql, service)
    except ProtocolError as error:
        return error_response(error)


@router.get(
    "/sparql",
    name="sparql_get",
    summary="SPARQL query by GET, or the service description without a query",
    description="SPARQL 1.1 Protocol query via GET. SELECT/ASK results as SPARQL JSON (default), XML, CSV or TSV; "
    "CONSTRUCT/DESCRIBE as Turtle (default), N-Triples, RDF/XML, JSON-LD, TriG or N-Quads, by Accept or `format`. "
    "Without `query`, returns the SPARQL 1.1 Service Description.",
    responses={200: {"description": "Query results", "content": RESULT_CONTENT}, **ERRORS},
    openapi_extra={"parameters": [QUERY_PARAMETER, *GRAPH_PARAMETERS]},
)
async def sparql_get(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    return await handle(request, service)


@router.post(
    "/sparql",
    summary="SPARQL query or update by POST",
    description="Query as application/sparql-query or form field `query`; update as application/sparql-update or "
    "form field `update` (needs the write token).",
    responses={200: {"description": "Query results or update summary", "content": RESULT_CONTENT}, **ERRORS},
    openapi_extra={"parameters": GRAPH_PARAMETERS, "requestBody": POST_BODY},
)
async def sparql_post(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    return await handle(request, service)


@router.post(
    "/update",
    summary="SPARQL update by POST",
    description="SPARQL 1.1 Update as application/sparql-update or form field `update`; needs the write token.",
    responses={200: {"description": "Update summary", "content": {"text/plain": {}}}, **ERRORS},
    openapi_extra={"requestBody": POST_BODY},
)
async def update_post(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    return await handle(request, service, update_route=True)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], include_in_schema=False)
async def sparql_other_methods() -> Response:
    # Without this route the router answers 405 with the Allow header of the first /sparql route only (GET).
    return error_response(
        ProtocolError(405, "Method Not Allowed: /sparql answers GET and POST.", {"Allow": "GET, POST"})
    )

"""The saved-query API: the library in queries/ served as a typed Web API, as grlc would.

    GET  /api/queries          the list: summary, tags, parameters, their types and allowed values
    GET  /api/queries/{name}   run a saved query with parameters in the URL
    POST /api/queries/{name}   the same with parameters in a form or JSON body

Every saved query is registered as its own operation (one path per query) so that
the OpenAPI document, Swagger UI and generated clients see its parameters.
Results come as a JSON list of records (default), CSV or SPARQL JSON, by Accept
or `format`; a query with `#+ pagination: N` is served N rows a page (`page`,
Link headers as grlc and GitHub do). Queries run through the service's worker
pool; results are cached until the graph changes (an update bumps the graph's
generation, which is part of every cache key).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import logging
import math
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.api.deps import get_service, service_of
from app.core.config import get_settings
from app.saved_queries import (
    Parameter,
    ParameterError,
    QueryTemplate,
    declared_choices,
    load_library,
    term_text,
)
from app.service import GraphService, QueryRequest
from app.sparql_protocol import (
    CSV,
    FORM,
    SPARQL_JSON,
    ProtocolError,
    ResultFormat,
    decode_body,
    decode_form,
    error_response,
    media_type_of,
    parse_accept,
    read_body,
)

logger = logging.getLogger(__name__)

XSD = "http://www.w3.org/2001/XMLSchema#"
API_PREFIX = "/api/queries"
TAG = "saved queries"

RECORDS = ResultFormat("application/json", "json")
FORMATS = [RECORDS, CSV, SPARQL_JSON]  # the first is the default
FORMAT_NAMES = {"json": RECORDS, "records": RECORDS, "csv": CSV, "srj": SPARQL_JSON, "sparql-json": SPARQL_JSON,
                "sparql": SPARQL_JSON}  # fmt: skip
INTEGER_TYPES = {XSD + name for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                 "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
                 "unsignedShort", "unsignedByte")}  # fmt: skip
FLOAT_TYPES = {XSD + "decimal", XSD + "double", XSD + "float"}

RESULT_CACHE_SIZE = 128  # whole results (parsed SPARQL JSON), by query, parameters and graph generation
RESPONSE_CACHE_SIZE = 512  # response bodies, by query, parameters, format, page and graph generation
CACHE_MAX_ROWS = 20_000  # larger results are not kept
CACHE_MAX_BYTES = 4 * 1024 * 1024

LIBRARY: dict[str, QueryTemplate] = load_library(get_settings().project_root / "queries")


# --- caches and the state of the library on one app ---------------------------------


class LRU:
    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        if key not in self.items:
            return None
        self.items.move_to_end(key)
        return self.items[key]

    def put(self, key: Any, value: Any) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


@dataclass
class Result:
    variables: list[str]
    bindings: list[dict[str, dict[str, str]]]
    truncated: bool


@dataclass
class Choices:
    terms: dict[str, ox.NamedNode | ox.Literal]  # N-Triples -> term
    labels: dict[str, str | None]  # value -> label

    @property
    def values(self) -> list[str]:
        return [term.value for term in self.terms.values()]


Key = tuple[str, str]  # (saved query, parameter)


@dataclass
class LibraryState:
    """What the saved-query API keeps on one running app: enumerations and caches.

    The enumerations read from the graph are read after start-up, in the background, and on demand,
    each once per graph generation however many requests wait for it.
    """

    templates: dict[str, QueryTemplate]
    app: FastAPI
    enumerations: dict[Key, Choices] = field(default_factory=dict)
    read_at: dict[Key, int | None] = field(default_factory=dict)  # the generation read at; None: maybe stale
    reading: dict[tuple[Key, int | None], asyncio.Task[None]] = field(default_factory=dict)
    sweeps: dict[int | None, asyncio.Task[None]] = field(default_factory=dict)
    background: asyncio.Task[None] | None = None
    results: LRU = field(default_factory=lambda: LRU(RESULT_CACHE_SIZE))
    responses: LRU = field(default_factory=lambda: LRU(RESPONSE_CACHE_SIZE))

    def __post_init__(self) -> None:
        for template in self.templates.values():
            for parameter in template.parameters:
                if parameter.enumeration == "declared":
                    terms = declared_choices(parameter)
                    labels: dict[str, str | None] = {term.value: None for term in terms.values()}
                    self.enumerations[(template.name, parameter.name)] = Choices(terms, labels)

    def graph_keys(self, template: QueryTemplate | None = None) -> list[Key]:
        """The enumerations read from the graph: a template's, or all of them."""
        templates = [template] if template is not None else self.templates.values()
        return [(t.name, p.name) for t in templates for p in t.parameters if p.enumeration == "graph"]

    def allowed(self, template: QueryTemplate) -> dict[str, dict[str, ox.NamedNode | ox.Literal]]:
        return {
            parameter.name: self.enumerations[(template.name, parameter.name)].terms
            for parameter in template.parameters
            if (template.name, parameter.name) in self.enumerations
        }

    def fresh(self, key: Key, generation: int | None) -> bool:
        """Read for this generation; while an update is being applied (None), the last values read are kept."""
        return key in self.read_at and (generation is None or self.read_at[key] == generation)

    async def read(self, service: GraphService, key: Key) -> None:
        """One enumeration for the current graph: already read, or awaiting the one reading in flight."""
        generation = service.generation
        if self.fresh(key, generation):
            return
        task = self.reading.get((key, generation)) or track(
            self.reading, (key, generation), self.read_from_graph(service, key, generation)
        )
        await asyncio.shield(task)

    async def read_from_graph(self, service: GraphService, key: Key, generation: int | None) -> None:
        template = self.templates[key[0]]
        parameter = template.parameter(key[1])
        assert parameter is not None
        try:
            result = await run_select(service, template.enumeration_query(parameter))
        except Exception as error:
            logger.warning("saved queries: allowed values of '%s' in %s not read (read again on next use): %s",
                           key[1], key[0], error)  # fmt: skip
            raise
        self.enumerations[key] = choices_from(result)
        self.read_at[key] = generation if service.generation == generation else None
        update_openapi_enums(self)
        self.app.openapi_schema = None  # regenerated with the new allowed values on the next request

    async def read_all(self, service: GraphService) -> None:
        """Every enumeration, one after the other (one query worker at a time), shared by all who wait."""
        generation = service.generation
        task = self.sweeps.get(generation) or track(self.sweeps, generation, self.sweep(service))
        await asyncio.shield(task)

    async def sweep(self, service: GraphService) -> None:
        failures = []
        for key in self.graph_keys():
            try:
                await self.read(service, key)
            except Exception as error:  # logged by read_from_graph; the others are read all the same
                failures.append(error)
        if failures:
            raise failures[0]

    async def wait(self, service: GraphService, reading: Awaitable[Any]) -> None:
        """Wait for enumerations being read, within the query timeout."""
        timeout = service.settings.query_timeout_seconds
        try:
            await asyncio.wait_for(reading, timeout)
        except TimeoutError:
            raise ProtocolError(
                503,
                f"The allowed values of the parameters are still being read from the graph after {timeout:g} s. "
                "Retry later.",
                {"Retry-After": str(math.ceil(timeout))},
            ) from None

    async def ready_for(self, service: GraphService, template: QueryTemplate) -> None:
        keys = self.graph_keys(template)
        if keys:
            await self.wait(service, asyncio.gather(*(self.read(service, key) for key in keys)))

    async def stop(self) -> None:
        tasks = [*self.reading.values(), *self.sweeps.values()]
        if self.background is not None:
            tasks.append(self.background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def track(tasks: dict[Any, asyncio.Task[None]], slot: Any, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run work as a task kept in tasks[slot] until it is done."""
    task = asyncio.create_task(work)
    tasks[slot] = task
    task.add_done_callback(lambda _: tasks.pop(slot, None))
    return task


def state_of(app: FastAPI) -> LibraryState:
    state = getattr(app.state, "saved_queries", None)
    if state is None:
        state = LibraryState(LIBRARY, app)
        app.state.saved_queries = state
    return state


def term_from_json(value: dict[str, str]) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if value["type"] == "uri":
        return ox.NamedNode(value["value"])
    if value["type"] == "bnode":
        return ox.BlankNode(value["value"])
    if "xml:lang" in value:
        return ox.Literal(value["value"], language=value["xml:lang"])
    return ox.Literal(value["value"], datatype=ox.NamedNode(value.get("datatype", XSD + "string")))


def choices_from(result: Result) -> Choices:
    terms, labels = {}, {}
    for row in result.bindings:
        if "value" not in row:
            continue
        term = term_from_json(row["value"])
        if isinstance(term, ox.BlankNode):
            continue
        terms[term_text(term)] = term
        labels[term.value] = row["label"]["value"] if "label" in row else None
    return Choices(terms, labels)


async def run_select(service: GraphService, text: str) -> Result:
    """Run a SELECT in the worker pool and read its whole answer as SPARQL JSON."""
    answer = await service.query(
        QueryRequest(text=text, media_type=SPARQL_JSON.media_type, default_graphs=[], named_graphs=[], infer=True)
    )
    body = b"".join([chunk async for chunk in answer.chunks])
    document = json.loads(body)
    return Result(document["head"].get("vars", []), document["results"]["bindings"], answer.truncated)


# --- rendering ---------------------------------------------------------------------


def record_value(value: dict[str, str] | None) -> Any:
    if value is None:
        return None
    if value["type"] != "literal":
        return value["value"]
    datatype, text = value.get("datatype"), value["value"]
    try:
        if datatype in INTEGER_TYPES:
            return int(text)
        if datatype in FLOAT_TYPES:
            number = float(text)
            return number if math.isfinite(number) else text
    except ValueError:
        return text
    if datatype == XSD + "boolean":
        return text in ("true", "1")
    return text


def render(chosen: ResultFormat, variables: list[str], bindings: list[dict]) -> bytes:
    if chosen is RECORDS:
        records = [{name: record_value(row.get(name)) for name in variables} for row in bindings]
        return json.dumps(records, ensure_ascii=False).encode()
    if chosen is CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in bindings:
            writer.writerow([row[name]["value"] if name in row else "" for name in variables])
        return buffer.getvalue().encode()
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode()


def choose_format(accept: str | None, override: str | None) -> ResultFormat:
    if override is not None:
        chosen = FORMAT_NAMES.get(override.strip().lower())
        if chosen is None:
            chosen = next((fmt for fmt in FORMATS if fmt.media_type == override.strip().lower()), None)
        if chosen is None:
            raise ParameterError(f"Parameter 'format': {override!r} is not offered; use json, csv or srj.")
        return chosen
    for item in parse_accept(accept):
        if item.quality <= 0:
            continue
        if item.media_type in ("*/*", "application/*"):
            return RECORDS
        if item.media_type == "text/*":
            return CSV
        chosen = next((fmt for fmt in FORMATS if fmt.media_type == item.media_type), None)
        if chosen is not None:
            return chosen
    offered = ", ".join(fmt.media_type for fmt in FORMATS)
    raise ProtocolError(406, f"Not Acceptable: none of the requested media types is offered. Offered: {offered}")


# --- reading a request ---------------------------------------------------------------


async def read_parameters(request: Request, max_bytes: int) -> list[tuple[str, str]]:
    pairs = decode_form(request.url.query)
    if request.method != "POST":
        return pairs
    media_type, charset = media_type_of(request.headers.get("content-type"))
    body = await read_body(request, max_bytes)
    if media_type == FORM:
        pairs += decode_form(decode_body(body, charset))
    elif media_type == "application/json":
        try:
            document = json.loads(decode_body(body, charset) or "{}")
        except json.JSONDecodeError as error:
            raise ProtocolError(400, f"The JSON body is not valid JSON: {error}.") from None
        if not isinstance(document, dict):
            raise ParameterError("The JSON body must be an object mapping parameter names to values.")
        for key, value in document.items():
            if value is None:
                continue
            if isinstance(value, bool):
                pairs.append((key, "true" if value else "false"))
            elif isinstance(value, str | int | float):
                pairs.append((key, str(value)))
            else:
                raise ParameterError(f"Parameter '{key}': give a string or a number, not {type(value).__name__}.")
    elif body.strip():
        raise ProtocolError(
            415, f"Unsupported Media Type {media_type or 'none'!r}: POST parameters as {FORM} or application/json."
        )
    return pairs


def single_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values:
            count = sum(1 for name, _ in pairs if name == key)
            raise ParameterError(f"Parameter '{key}' was given {count} times; give it once.")
        values[key] = value
    return values


def read_page(template: QueryTemplate, raw: str | None) -> int | None:
    if not template.pagination:
        if raw is not None:
            raise ParameterError(f"Saved query '{template.name}' is not paginated: it takes no 'page' parameter.")
        return None
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 9:
        raise ParameterError(f"Parameter 'page': {raw!r} is not a page number (1, 2, ...).")
    return int(raw)


def link_header(request: Request, given: dict[str, str], page: int, last: int) -> str:
    def url(number: int) -> str:
        query = urlencode([*given.items(), ("page", str(number))])
        return str(request.url.replace(query=query))

    links = [(url(1), "first")]
    if page > 1:
        links.append((url(min(page - 1, last)), "prev"))
    if page < last:
        links.append((url(page + 1), "next"))
    links.append((url(last), "last"))
    return ", ".join(f'<{target}>; rel="{rel}"' for target, rel in links)


# --- running a saved query -------------------------------------------------------------


def unknown_query(name: str, templates: dict[str, QueryTemplate]) -> ProtocolError:
    return ProtocolError(
        404,
        f"Unknown saved query {name!r}. The saved queries are: {', '.join(templates)}. "
        "GET /api/queries lists them with their parameters.",
    )


async def run_saved_query(request: Request, name: str, service: GraphService) -> Response:
    state = state_of(request.app)
    try:
        template = state.templates.get(name)
        if template is None:
            raise unknown_query(name, state.templates)
        given = single_values(await read_parameters(request, service.settings.max_query_bytes))
        override = given.pop("format", None)
        page = read_page(template, given.pop("page", None))
        chosen = choose_format(request.headers.get("accept"), override)
        await state.ready_for(service, template)
        bound = template.bind(given, state.allowed(template))

        generation = service.generation
        response_key = (bound.key, chosen.name, chosen.media_type, page, generation)
        cached = state.responses.get(response_key) if generation is not None else None
        if cached is not None:
            body, headers = cached
            headers = {**headers, "X-Cache": "hit"}
            if "Link" in headers:  # links belong to this request's own parameters, not the cached one's
                last = max(1, math.ceil(int(headers["X-Total-Count"]) / template.pagination))
                kept = {**given, "format": override} if override is not None else given
                headers["Link"] = link_header(request, kept, page, last)
            return Response(body, media_type=chosen.content_type, headers=headers)

        result_key = (bound.key, generation)
        result = state.results.get(result_key) if generation is not None else None
        if result is None:
            result = await run_select(service, bound.text)
        rows = result.bindings
        headers = {"Vary": "Accept", "X-Total-Count": str(len(rows))}
        if result.truncated:
            headers["X-Result-Truncated"] = "true"
            headers["X-Result-Row-Limit"] = str(service.settings.max_result_rows)
        if page is not None and template.pagination:
            size = template.pagination
            last = max(1, math.ceil(len(rows) / size))
            rows = rows[(page - 1) * size : page * size]
            kept = {**given, "format": override} if override is not None else given
            headers["Link"] = link_header(request, kept, page, last)
        body = render(chosen, result.variables, rows)
        if generation is not None and service.generation == generation:  # no update ran meanwhile
            if len(result.bindings) <= CACHE_MAX_ROWS:
                state.results.put(result_key, result)
            if len(body) <= CACHE_MAX_BYTES:
                state.responses.put(response_key, (body, headers))
        return Response(body, media_type=chosen.content_type, headers={**headers, "X-Cache": "miss"})
    except ParameterError as error:
        return PlainTextResponse(f"{error.message}\n", status_code=422)
    except ProtocolError as error:
        return error_response(error)


async def list_saved_queries(request: Request, service: GraphService) -> Response:
    state = state_of(request.app)
    try:
        await state.wait(service, state.read_all(service))
    except ProtocolError as error:
        return error_response(error)
    return JSONResponse([describe(template, state) for template in state.templates.values()])


def describe(template: QueryTemplate, state: LibraryState) -> dict[str, Any]:
    description = template.describe()
    description["url"] = f"{API_PREFIX}/{template.name}"
    description["operationId"] = operation_id("get", template.name)
    parameters = []
    for parameter in template.parameters:
        choices = state.enumerations.get((template.name, parameter.name))
        parameters.append(
            {
                "name": parameter.name,
                "variable": "?" + parameter.variable,
                "type": parameter.type_label,
                "datatype": parameter.datatype,
                "language": parameter.language,
                "required": parameter.required,
                "default": parameter.default,
                "enumeration": parameter.enumeration,
                "allowed": choices.values if choices is not None else None,
                "labels": {value: label for value, label in choices.labels.items() if label} if choices else None,
            }
        )
    description["parameters"] = parameters
    description["formats"] = [fmt.media_type for fmt in FORMATS]
    return description


# --- OpenAPI ------------------------------------------------------------------------

# The schema dicts handed to FastAPI for each parameter, kept to fill in enumerations read from the graph.
OPENAPI_SCHEMAS: dict[tuple[str, str], list[dict[str, Any]]] = {}
ERRORS = {
    404: {"description": "No saved query of that name", "content": {"text/plain": {}}},
    406: {"description": "None of the accepted media types is offered", "content": {"text/plain": {}}},
    415: {"description": "Unsupported request body media type", "content": {"text/plain": {}}},
    422: {"description": "A parameter is missing, unknown, of the wrong type or not an allowed value",
          "content": {"text/plain": {}}},
    503: {"description": "Query timed out or the server is busy", "content": {"text/plain": {}}},
}  # fmt: skip


def operation_id(method: str, name: str) -> str:
    return f"{method}_{name.replace('-', '_')}"


def parameter_schema(parameter: Parameter) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if parameter.type == "iri":
        schema["format"] = "uri"
    elif parameter.type == "integer":
        schema = {"type": "integer"}
    elif parameter.type in ("decimal", "number"):
        schema = {"type": "number"}
    elif parameter.type == "date":
        schema["format"] = "date"
    if parameter.default is not None:
        schema["default"] = int(parameter.default) if parameter.type == "integer" else parameter.default
    if parameter.type in ("decimal", "number") and parameter.default is not None:
        schema["default"] = float(parameter.default)
    return schema


def parameter_description(parameter: Parameter) -> str:
    kind = {"iri": "an absolute IRI", "integer": "an integer", "decimal": "a decimal number",
            "number": "a decimal number", "date": "a date (YYYY-MM-DD)", "string": "a text"}.get(
        parameter.type, f"a text in language '{parameter.language}'")  # fmt: skip
    text = f"{kind.capitalize()}, bound as ?{parameter.variable}."
    if not parameter.required:
        text += " Optional: left free when not given."
    if parameter.enumeration == "graph":
        text += " Allowed values: those in the graph (listed by GET /api/queries)."
    elif parameter.enumeration == "declared":
        text += " Allowed values: those listed."
    return text


def openapi_parameters(template: QueryTemplate) -> list[dict[str, Any]]:
    entries = []
    for parameter in template.parameters:
        schema = parameter_schema(parameter)
        OPENAPI_SCHEMAS.setdefault((template.name, parameter.name), []).append(schema)
        entries.append(
            {
                "name": parameter.name,
                "in": "query",
                "required": parameter.required and parameter.default is None,
                "schema": schema,
                "description": parameter_description(parameter),
            }
        )
    if template.pagination:
        entries.append({"name": "page", "in": "query", "required": False,
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                        "description": f"The page of results, {template.pagination} rows a page."})  # fmt: skip
    entries.append({"name": "format", "in": "query", "required": False,
                    "schema": {"type": "string", "enum": ["json", "csv", "srj"]},
                    "description": "Result format override: json (records), csv, srj (SPARQL JSON)."})  # fmt: skip
    return entries


def request_body(template: QueryTemplate) -> dict[str, Any]:
    properties = {}
    for parameter in template.parameters:
        schema = parameter_schema(parameter)
        OPENAPI_SCHEMAS.setdefault((template.name, parameter.name), []).append(schema)
        schema["description"] = parameter_description(parameter)
        properties[parameter.name] = schema
    body_schema = {"type": "object", "properties": properties}
    return {"required": False, "content": {FORM: {"schema": body_schema}, "application/json": {"schema": body_schema}}}


def result_content(template: QueryTemplate) -> dict[str, Any]:
    record = {"type": "object", "properties": {name: {} for name in template.variables}}
    return {
        RECORDS.media_type: {"schema": {"type": "array", "items": record}},
        CSV.media_type: {"schema": {"type": "string"}},
        SPARQL_JSON.media_type: {"schema": {"type": "object"}},
    }


def update_openapi_enums(state: LibraryState) -> None:
    for (name, parameter_name), schemas in OPENAPI_SCHEMAS.items():
        choices = state.enumerations.get((name, parameter_name))
        for schema in schemas:
            if choices is not None:
                schema["enum"] = choices.values
            else:
                schema.pop("enum", None)


def endpoint_for(name: str) -> Callable[..., Any]:
    async def endpoint(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
        return await run_saved_query(request, name, service)

    endpoint.__name__ = f"saved_query_{name.replace('-', '_')}"
    return endpoint


async def read_in_background(state: LibraryState, service: GraphService) -> None:
    with contextlib.suppress(Exception):  # each failure is logged; that enumeration is read again on next use
        await state.read_all(service)


Endpoint = Callable[[Request], Awaitable[Response]]


def waiting_for_enumerations(serve: Endpoint) -> Endpoint:
    async def openapi(request: Request) -> Response:
        service, state = service_of(request), state_of(request.app)
        with contextlib.suppress(ProtocolError):  # then served with the values read so far
            await state.wait(service, state.read_all(service))
        return await serve(request)

    return openapi


def openapi_waits_for_enumerations(app: FastAPI) -> None:
    """/openapi.json lists the allowed values read from the graph: it waits for them, within the query timeout."""
    for index, route in enumerate(app.router.routes):
        if isinstance(route, Route) and route.path == app.openapi_url:
            endpoint = waiting_for_enumerations(route.endpoint)
            app.router.routes[index] = Route(route.path, endpoint, include_in_schema=False)
            return


@asynccontextmanager
async def read_enumerations_after_start_up(app: FastAPI) -> AsyncIterator[None]:
    """Start-up does not wait for the enumerations: they are read in the background, or on first use."""
    state = state_of(app)
    service = getattr(app.state, "service", None)
    if service is not None:
        openapi_waits_for_enumerations(app)
        state.background = asyncio.create_task(read_in_background(state, service))
    try:
        yield
    finally:
        await state.stop()


def build_router(templates: dict[str, QueryTemplate]) -> APIRouter:
    router = APIRouter(lifespan=read_enumerations_after_start_up)

    @router.get(
        API_PREFIX,
        tags=[TAG],
        summary="The saved queries: summary, tags, parameters with their types, defaults and allowed values",
        responses={200: {"description": "A JSON list, one entry per saved query"}},
    )
    async def saved_queries(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
        return await list_saved_queries(request, service)

    for template in templates.values():
        tags = list(template.tags) or [TAG]
        description = (
            f"{template.description}\n\nSaved query `queries/{template.name}.rq`. Results as a JSON list of "
            "records (default), CSV or SPARQL JSON, by Accept or `format`."
        ).strip()
        responses = {200: {"description": "The query's results", "content": result_content(template)}, **ERRORS}
        get_parameters = openapi_parameters(template)
        router.add_api_route(
            f"{API_PREFIX}/{template.name}",
            endpoint_for(template.name),
            methods=["GET"],
            name=operation_id("get", template.name),
            operation_id=operation_id("get", template.name),
            summary=template.summary,
            description=description,
            tags=tags,
            responses=responses,
            openapi_extra={"parameters": get_parameters},
        )
        post_parameters = [entry for entry in get_parameters if entry["name"] in ("page", "format")]
        router.add_api_route(
            f"{API_PREFIX}/{template.name}",
            endpoint_for(template.name),
            methods=["POST"],
            name=operation_id("post", template.name),
            operation_id=operation_id("post", template.name),
            summary=template.summary,
            description=description + " Parameters in a form or JSON body.",
            tags=tags,
            responses=responses,
            openapi_extra={"parameters": post_parameters, "requestBody": request_body(template)},
        )

    @router.api_route(f"{API_PREFIX}/{{name}}", methods=["GET", "POST"], include_in_schema=False)
    async def unknown(name: str) -> Response:
        return error_response(unknown_query(name, templates))

    return router


router = build_router(LIBRARY)

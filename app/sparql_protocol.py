"""The SPARQL 1.1 Protocol, in one place: reading a request, negotiating the
result format, screening features that reach outside, and turning errors into
short plain-text responses.

Nothing here touches the store; the routes in app/api/sparql.py glue this
module to the query engine and the update pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse

# --- errors ------------------------------------------------------------------


class ProtocolError(Exception):
    """An error the client can fix; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


SYNTAX_ERROR_LIMIT = 300
# The parser lists the Unicode ranges a name may use, several lines long; one word says the same.
UNICODE_CLASS = re.compile(r"\[[^\[\]]*\\u\{[^\[\]]*\]")


def short_syntax_error(error: Exception) -> str:
    """The parser's message on one short line: where it failed and what it expected."""
    text = UNICODE_CLASS.sub("[name character]", str(error))
    text = " ".join(text.split())
    return text if len(text) <= SYNTAX_ERROR_LIMIT else text[: SYNTAX_ERROR_LIMIT - 1].rstrip() + "…"


def error_response(error: ProtocolError) -> PlainTextResponse:
    """A short body a person can read in a notebook cell: the status line and the reason."""
    body = f"{error.message}\n"
    return PlainTextResponse(body, status_code=error.status, headers=error.headers)


# --- media types ---------------------------------------------------------------


@dataclass(frozen=True)
class ResultFormat:
    media_type: str
    name: str  # short name accepted by the `format` parameter
    charset: bool = True

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


SPARQL_JSON = ResultFormat("application/sparql-results+json", "json")
SPARQL_XML = ResultFormat("application/sparql-results+xml", "xml")
CSV = ResultFormat("text/csv", "csv")
TSV = ResultFormat("text/tab-separated-values", "tsv")
TURTLE = ResultFormat("text/turtle", "turtle")
NTRIPLES = ResultFormat("application/n-triples", "ntriples")
RDF_XML = ResultFormat("application/rdf+xml", "rdfxml")
JSON_LD = ResultFormat("application/ld+json", "jsonld")
TRIG = ResultFormat("application/trig", "trig")
NQUADS = ResultFormat("application/n-quads", "nquads")

SOLUTION_FORMATS = [SPARQL_JSON, SPARQL_XML, CSV, TSV]
GRAPH_FORMATS = [TURTLE, NTRIPLES, RDF_XML, JSON_LD, TRIG, NQUADS]

# Media types clients send that mean one of ours.
ALIASES = {
    "application/json": SPARQL_JSON,
    "text/json": SPARQL_JSON,
    "application/xml": SPARQL_XML,
    "text/xml": SPARQL_XML,
    "application/x-turtle": TURTLE,
    "text/n3": TURTLE,
    "text/plain": NTRIPLES,
    "application/x-trig": TRIG,
    "text/x-nquads": NQUADS,
    "application/json+ld": JSON_LD,
}

FORMAT_PARAMETER_NAMES = {
    "json": SPARQL_JSON, "srj": SPARQL_JSON, "xml": SPARQL_XML, "srx": SPARQL_XML, "csv": CSV, "tsv": TSV,
    "turtle": TURTLE, "ttl": TURTLE, "ntriples": NTRIPLES, "nt": NTRIPLES, "n-triples": NTRIPLES,
    "rdfxml": RDF_XML, "rdf": RDF_XML, "rdf+xml": RDF_XML, "jsonld": JSON_LD, "json-ld": JSON_LD,
    "trig": TRIG, "nquads": NQUADS, "nq": NQUADS, "n-quads": NQUADS,
}  # fmt: skip


@dataclass(frozen=True)
class AcceptItem:
    media_type: str
    quality: float
    order: int


def parse_accept(header: str | None) -> list[AcceptItem]:
    if not header or not header.strip():
        return [AcceptItem("*/*", 1.0, 0)]
    items = []
    for order, part in enumerate(header.split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        media_type = pieces[0].lower()
        if not media_type:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        items.append(AcceptItem(media_type, quality, order))
    return sorted(items, key=lambda item: (-item.quality, item.order))


def lookup_format(name_or_type: str, offered: list[ResultFormat]) -> ResultFormat | None:
    key = name_or_type.strip().lower()
    candidate = FORMAT_PARAMETER_NAMES.get(key) or ALIASES.get(key)
    if candidate is None:
        candidate = next((fmt for fmt in offered if fmt.media_type == key), None)
    return candidate if candidate in offered else None


def negotiate(accept: str | None, offered: list[ResultFormat], override: str | None = None) -> ResultFormat:
    """Pick the result format: a recognised `format` override wins, else the Accept header.

    The first offered format is the default for `*/*` and for a missing header.
    """
    if override:
        chosen = lookup_format(override, offered)
        if chosen is not None:
            return chosen
    for item in parse_accept(accept):
        if item.quality <= 0:
            continue
        if item.media_type in ("*/*", "application/*", "text/*"):
            prefix = item.media_type.split("/")[0]
            match = next((f for f in offered if prefix == "*" or f.media_type.startswith(prefix + "/")), None)
            if match:
                return match
            continue
        chosen = lookup_format(item.media_type, offered)
        if chosen is not None:
            return chosen
    supported = ", ".join(fmt.media_type for fmt in offered)
    raise ProtocolError(406, f"Not Acceptable: none of the requested media types is offered. Offered: {supported}")


# --- reading requests ---------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass
class SparqlRequest:
    """What a client asked for, independent of how it was sent."""

    query: str | None = None
    update: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)
    infer: bool = True
    format: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.query is None and self.update is None


def media_type_of(content_type: str | None) -> tuple[str, str | None]:
    """Split a Content-Type into its media type and charset (both lower-case)."""
    if not content_type:
        return "", None
    pieces = [piece.strip() for piece in content_type.split(";")]
    charset = None
    for parameter in pieces[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return pieces[0].lower(), charset


def decode_body(body: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise ProtocolError(415, f"Unsupported charset {charset!r}: send the request body as UTF-8.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"The request body is not valid UTF-8 (byte {error.start}).") from error


def decode_form(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, "A form or URL parameter is not valid UTF-8 once percent-decoded.") from error


def single(parameters: list[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in parameters if key == name]
    if len(values) > 1:
        raise ProtocolError(400, f"The '{name}' parameter was given {len(values)} times; send exactly one.")
    return values[0] if values else None


def many(parameters: list[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in parameters if key == name]


def parse_infer(value: str | None) -> bool:
    if value is None:
        return True
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on", ""):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ProtocolError(400, f"The 'infer' parameter must be true or false, not {value!r}.")


async def read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ProtocolError(413, f"The request body is larger than the limit of {max_bytes} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise ProtocolError(413, f"The request body is larger than the limit of {max_bytes} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def parse_request(request: Request, max_bytes: int) -> SparqlRequest:
    """Read a query or update request sent in any of the three ways the protocol allows."""
    raw_query = request.url.query
    if len(raw_query.encode()) > max_bytes:
        raise ProtocolError(414, f"The URL query string is longer than the limit of {max_bytes} bytes.")
    url_parameters = decode_form(raw_query)
    parameters = list(url_parameters)
    body_text: str | None = None
    body_kind: str | None = None

    if request.method == "POST":
        media_type, charset = media_type_of(request.headers.get("content-type"))
        body = await read_body(request, max_bytes)
        if media_type == FORM:
            parameters += decode_form(decode_body(body, charset))
        elif media_type in (SPARQL_QUERY, SPARQL_UPDATE):
            body_text = decode_body(body, charset)
            body_kind = "query" if media_type == SPARQL_QUERY else "update"
        else:
            shown = media_type or "none"
            raise ProtocolError(
                415,
                f"Unsupported Media Type {shown!r}: POST a query as application/sparql-query, "
                f"an update as application/sparql-update, or either as {FORM}.",
            )

    query = single(parameters, "query")
    update = single(parameters, "update")
    if body_kind == "query":
        if query is not None:
            raise ProtocolError(400, "A query was sent both in the body and as a 'query' parameter; send one.")
        query = body_text
    elif body_kind == "update":
        if update is not None:
            raise ProtocolError(400, "An update was sent both in the body and as an 'update' parameter; send one.")
        update = body_text
    if query is not None and update is not None:
        raise ProtocolError(400, "A request carries either a 'query' or an 'update', not both.")
    if update is not None and request.method != "POST":
        raise ProtocolError(405, "SPARQL Update must be sent with POST.", {"Allow": "POST"})

    return SparqlRequest(
        query=query,
        update=update,
        default_graphs=many(parameters, "default-graph-uri"),
        named_graphs=many(parameters, "named-graph-uri"),
        using_graphs=many(parameters, "using-graph-uri"),
        using_named_graphs=many(parameters, "using-named-graph-uri"),
        infer=parse_infer(single(parameters, "infer")),
        # Not part of the protocol, so repeats are tolerated: SPARQLWrapper sends format (and output)
        # twice for some formats, e.g. format=rdf+xml&format=application/rdf+xml. The first one wins.
        format=next(iter(many(parameters, "format") + many(parameters, "output")), None),
    )


# --- looking inside the query text -------------------------------------------

# Order matters: comments and strings first, so that keywords inside them are ignored.
# Each pattern follows the SPARQL 1.1 grammar's terminal as Oxigraph reads it, so that
# nothing the parser sees as code can hide from the screen inside what looks like a
# comment, a string or an IRI here: a comment ends at CR or LF; an IRI excludes exactly
# the characters 0x00-0x20 (not other Unicode spaces) and may hold \u/\U escapes; a
# prefixed name may hold escapes such as `\#` or `\'` (PN_LOCAL_ESC).
TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<escape>\\[_~.\-!$&'()*+,;=/?\#@%])
  | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
  | (?P<other>\S)
    """,
    re.VERBOSE,
)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


@lru_cache(maxsize=8)
def tokens(text: str) -> tuple[tuple[str, str], ...]:
    """Significant tokens of a SPARQL text: (kind, text), comments dropped.

    Kept for the last few texts: a request's text is read several times (form, dataset,
    remote references, nesting), and tokenising a large one takes a while.
    """
    found = []
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "comment":
            found.append((kind, match.group()))
    return tuple(found)


MAX_NESTING = 256
MAX_OPERATORS = 10_000
OPENING, CLOSING = frozenset("({["), frozenset(")}]")
# Tokens that make the parse and the evaluation recurse one level more: operators (a chain of
# `+`, `&&`, `/` or `!` builds a tree one level deeper per operator) and the keywords that
# stack graph patterns (a chain of OPTIONALs is a left-deep tree of joins).
OPERATORS = frozenset("!+-*/|^&=<>")
OPERATOR_WORDS = frozenset({"OPTIONAL", "MINUS", "UNION", "FILTER", "BIND", "EXISTS", "GRAPH", "SERVICE"})


def check_structure(text: str, max_nesting: int = MAX_NESTING, max_operators: int = MAX_OPERATORS) -> None:
    """Refuse texts whose parse tree would be deeper than a bounded stack allows (400).

    Oxigraph parses and evaluates recursively, one stack frame or more per level: brackets
    nested more than `max_nesting` deep, or more than `max_operators` operators and
    pattern keywords (each can add a level), could overflow the stack of the thread that
    runs them. Flat data (INSERT DATA, VALUES) has neither and can be large.
    """
    depth = operators = 0
    for kind, value in tokens(text):
        if kind == "other":
            if value in OPENING:
                depth += 1
                if depth > max_nesting:
                    raise ProtocolError(
                        400, f"The text nests brackets more than {max_nesting} deep; simplify it (fewer nested groups)."
                    )
            elif value in CLOSING:
                depth = max(0, depth - 1)
            elif value in OPERATORS:
                operators += 1
        elif kind == "word" and value.upper() in OPERATOR_WORDS:
            operators += 1
        if operators > max_operators:
            raise ProtocolError(
                400,
                f"The text has more than {max_operators} operators and pattern keywords (OPTIONAL, UNION, FILTER, "
                "path steps...); simplify it or split it.",
            )


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first query-form keyword after the prologue.

    None when there is none; the query parser then reports what is wrong and where.
    """
    for kind, value in tokens(text):
        if kind == "word" and value.upper() in QUERY_FORMS:
            return value.upper()
    return None


def declares_dataset(text: str) -> bool:
    """Whether a query names its own dataset (FROM or FROM NAMED)."""
    significant = tokens(text)
    for index, (kind, value) in enumerate(significant):
        if kind != "word" or value.upper() != "FROM":
            continue
        if index and significant[index - 1][1] in (":", "?", "$", "@"):
            continue  # a local name, variable or language tag, not the keyword
        if index + 1 < len(significant) and significant[index + 1][1] == ":":
            continue  # a prefix named "from"
        return True
    return False


@dataclass(frozen=True)
class RemoteReference:
    keyword: str  # SERVICE or LOAD
    target: str  # the IRI, or the text that stands where it should be


# Tokens that cannot begin the IRI or variable after SERVICE or LOAD (a syntax error follows).
NOT_A_TARGET = frozenset("{}().;,")


def remote_references(text: str) -> list[RemoteReference]:
    """Every SERVICE and LOAD in a query or update, with the IRI it would reach."""
    found = []
    significant = tokens(text)
    for index, (kind, value) in enumerate(significant):
        if kind != "word" or value.upper() not in ("SERVICE", "LOAD"):
            continue
        position = index + 1
        if position < len(significant) and significant[position][1].upper() == "SILENT":
            position += 1
        if position >= len(significant) or significant[position][1] in NOT_A_TARGET:
            continue  # no IRI or variable can start here: the parser rejects the text, nothing is reached
        target = significant[position][1]
        if target in ("?", "$") and position + 1 < len(significant):
            target += significant[position + 1][1]  # a variable: SERVICE ?endpoint
        found.append(RemoteReference(value.upper(), target.strip("<>") if target.startswith("<") else target))
    return found


UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Path text that a server may read as a step up or across: dot segments, encoded dots, slashes, backslashes.
UNSAFE_PATH = re.compile(r"(^|/)\.\.?(/|$)|%2e|%2f|%5c|\\", re.IGNORECASE)


def unescape_iri(text: str) -> str:
    """An IRI as the parser reads it: \\uXXXX and \\UXXXXXXXX escapes decoded."""

    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"

    return UCHAR.sub(char, text)


def remote_target_allowed(target: str, allowed: list[str]) -> bool:
    """Whether a SERVICE or LOAD IRI falls under one of the configured URL prefixes.

    The IRI must start with the prefix as text, and also name the same host and port
    (so `http://host` does not let `http://host.evil.example` or `http://host@evil` through),
    carry no user name, and hold no dot segment or encoded dot or slash in its path
    (so `http://host/allowed/../admin` cannot climb out of the allowed path).
    """
    iri = unescape_iri(target)
    try:
        parts = urlsplit(iri)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return False
    if UNSAFE_PATH.search(parts.path) or any(ord(c) <= 0x20 for c in iri):
        return False
    for prefix in allowed:
        if not prefix or not iri.startswith(prefix):
            continue
        try:
            wanted = urlsplit(prefix)
            wanted_port = wanted.port
        except ValueError:
            continue
        if (wanted.scheme.lower(), wanted.hostname, wanted_port) == (parts.scheme.lower(), parts.hostname, port):
            return True
    return False


def check_remote_references(text: str, allowed: list[str]) -> list[RemoteReference]:
    """Refuse SERVICE and LOAD unless their IRI falls under an allowed prefix; return those found.

    Without this, the store's HTTP client would fetch any URL a client names,
    letting anyone make the server reach any address.
    """
    references = remote_references(text)
    for reference in references:
        if not remote_target_allowed(reference.target, allowed):
            raise ProtocolError(
                403,
                f"{reference.keyword} <{reference.target}> is not allowed on this endpoint: "
                "reaching other servers is off unless configured (MIGCOOP_ALLOWED_REMOTE_URLS).",
            )
    return references

"""The saved-query library: .rq files with grlc decorators, read into typed templates.

Each file in queries/ holds one SPARQL SELECT query. Its header is written in
grlc's decorator convention (`#+ summary:`, `#+ tags:`, `#+ defaults:`,
`#+ enumerate:`, `#+ pagination:`, `#+ method:` ...), a small YAML document in
comment lines, so that grlc itself could serve the folder unchanged.

Parameters follow grlc's placeholder convention: a variable `?_name_type` is a
required parameter `name` of type `type`, `?__name_type` an optional one (left
as a free variable when not given, as grlc does). Types: `iri`, `string`,
`literal`, `integer`, `decimal`, `number`, `date`, or a two-letter language tag
(`?_title_en`, a literal in English); without a type the value is a plain string.

Binding never pastes user text into the query. Each value is parsed by its type
into one RDF term (an absolute IRI, an escaped literal with its datatype), the
term is written out by pyoxigraph's own serializer, and it replaces the
placeholder token; the bound query is then tokenized again and must have exactly
the template's structure, with one term where each placeholder was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

# API parameters every saved query takes besides its own.
RESERVED_PARAMETERS = ("page", "format")
MAX_VALUE_LENGTH = 2000

# --- errors ---------------------------------------------------------------------


class QueryLibraryError(Exception):
    """A query file that cannot be served: bad header, unknown parameter type, not a SELECT."""


class ParameterError(Exception):
    """A parameter value the API refuses (422): names the parameter and the reason."""

    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- tokens ---------------------------------------------------------------------

IRI_PATTERN = r"<[^<>\"{}|^`\\\x00-\x20]*>"
STRING_PATTERN = (
    r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
)
# Comments first, then strings (with their language tag or datatype: one term), then IRIs.
TOKEN = re.compile(
    rf"""
    (?P<comment>\#[^\n]*)
  | (?P<literal>(?:{STRING_PATTERN})(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:{IRI_PATTERN}|[A-Za-z][\w.-]*:[\w-]*))?)
  | (?P<iri>{IRI_PATTERN})
  | (?P<variable>[?$][A-Za-z0-9_\u00b7\u00c0-\U000effff]+)
  | (?P<word>[A-Za-z_][\w-]*(?::[\w-]*)?|:[\w-]*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<other>\S)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text (comments dropped), with their positions."""
    return [
        Token(match.lastgroup or "other", match.group(), match.start(), match.end())
        for match in TOKEN.finditer(text)
        if match.lastgroup != "comment"
    ]


# --- parameters -------------------------------------------------------------------

# grlc's placeholder: one or two underscores, a name without underscores, then the type.
PLACEHOLDER = re.compile(r"^(?P<underscores>__?)(?P<name>[A-Za-z0-9]+)(?:_(?P<type>[A-Za-z0-9]+))?$")
LITERAL_TYPES = {
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "number": XSD + "decimal",
    "date": XSD + "date",
}
PLAIN_TYPES = {"string", "literal"}
LANGUAGE_TAG = re.compile(r"[a-z]{2}")

ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*")
INTEGER = re.compile(r"[+-]?\d{1,18}")
DECIMAL = re.compile(r"[+-]?(?:\d{1,30}(?:\.\d{0,30})?|\.\d{1,30})")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def term_text(term: ox.NamedNode | ox.Literal) -> str:
    """The term in N-Triples/SPARQL syntax, written by pyoxigraph (which escapes literals)."""
    return str(term)


def term_value(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> str:
    return term.value


@dataclass(frozen=True)
class Parameter:
    """One API parameter of a saved query, read from its placeholder variable."""

    name: str  # the API name: "country"
    variable: str  # the placeholder without its sigil: "_country_iri"
    type: str  # iri | string | integer | decimal | date | lang
    required: bool
    language: str | None = None
    default: str | None = None
    enumeration: str | None = None  # "graph" (computed from the data), "declared", or None
    declared_values: tuple[str, ...] = ()

    @property
    def datatype(self) -> str | None:
        if self.type == "iri":
            return None
        if self.type == "lang":
            return "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
        return LITERAL_TYPES.get(self.type, XSD + "string")

    @property
    def type_label(self) -> str:
        return f"literal@{self.language}" if self.type == "lang" else self.type

    def parse(self, raw: str) -> ox.NamedNode | ox.Literal:
        """The RDF term a value stands for, or a ParameterError saying why it cannot be one."""
        if len(raw) > MAX_VALUE_LENGTH:
            raise ParameterError(f"Parameter '{self.name}': the value is longer than {MAX_VALUE_LENGTH} characters.")
        if self.type == "iri":
            return self._parse_iri(raw)
        if self.type == "integer":
            if not INTEGER.fullmatch(raw.strip()):
                raise ParameterError(f"Parameter '{self.name}': {raw!r} is not an integer (digits, optional sign).")
            return ox.Literal(str(int(raw.strip())), datatype=ox.NamedNode(XSD + "integer"))
        if self.type in ("decimal", "number"):
            text = raw.strip()
            if not DECIMAL.fullmatch(text):
                raise ParameterError(f"Parameter '{self.name}': {raw!r} is not a decimal number such as 1500.50.")
            try:
                number = Decimal(text)
            except InvalidOperation as error:  # pragma: no cover - the pattern already rules this out
                raise ParameterError(f"Parameter '{self.name}': {raw!r} is not a decimal number.") from error
            return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
        if self.type == "date":
            text = raw.strip()
            try:
                if not DATE.fullmatch(text):
                    raise ValueError
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise ParameterError(
                    f"Parameter '{self.name}': {raw!r} is not a date; write it as YYYY-MM-DD, e.g. 2012-01-31."
                ) from None
            return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
        if self.type == "lang":
            return ox.Literal(raw, language=self.language)
        return ox.Literal(raw)

    def _parse_iri(self, raw: str) -> ox.NamedNode:
        reason = (
            "it must be an absolute IRI (a scheme such as https: followed by characters other than "
            'spaces and <>"{}|^`\\)'
        )
        if not ABSOLUTE_IRI.fullmatch(raw):
            raise ParameterError(f"Parameter '{self.name}': {raw!r} is not allowed: {reason}.")
        try:
            return ox.NamedNode(raw)
        except ValueError as error:
            raise ParameterError(f"Parameter '{self.name}': {raw!r} is not a valid IRI ({error}).") from None


def parameter_from_variable(variable: str) -> tuple[str, str, bool, str | None] | None:
    """(name, type, required, language) of a grlc placeholder variable, or None for an ordinary one."""
    if not variable.startswith("_"):
        return None
    match = PLACEHOLDER.match(variable)
    if not match:
        raise QueryLibraryError(
            f"?{variable} starts with an underscore but is not a placeholder ?_name_type or ?__name_type "
            "(a name without underscores, then one type)"
        )
    declared = (match.group("type") or "string").lower()
    language = None
    if declared == "iri" or declared in LITERAL_TYPES or declared in PLAIN_TYPES:
        kind = "string" if declared in PLAIN_TYPES else declared
    elif LANGUAGE_TAG.fullmatch(declared):
        kind, language = "lang", declared
    else:
        raise QueryLibraryError(
            f"placeholder ?{variable}: unknown type {declared!r}; use iri, string, literal, integer, decimal, "
            "number, date or a two-letter language tag"
        )
    return match.group("name"), kind, match.group("underscores") == "_", language


# --- the header -------------------------------------------------------------------


def split_header(text: str) -> tuple[str, str]:
    """The `#+` decorator lines (prefix stripped, as grlc does) and the query that follows."""
    header, body = [], []
    in_header = True
    for line in text.splitlines():
        if in_header and line.startswith("#+"):
            header.append(line[2:])
            continue
        in_header = in_header and not line.strip()
        body.append(line)
    return "\n".join(header), "\n".join(body).strip() + "\n"


class HeaderLoader(yaml.SafeLoader):
    """YAML without timestamps: a default such as 2012-01-31 stays the text the client would send."""


HeaderLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_decorators(header: str, source: str) -> dict[str, Any]:
    if not header.strip():
        return {}
    try:
        decorators = yaml.load(header, Loader=HeaderLoader)  # a SafeLoader: no arbitrary objects
    except (yaml.YAMLError, ValueError) as error:
        raise QueryLibraryError(f"{source}: the #+ header is not valid YAML: {error}") from None
    if not isinstance(decorators, dict):
        raise QueryLibraryError(f"{source}: the #+ header must be a mapping of decorators")
    return decorators


def scalar_text(value: Any) -> str:
    """A YAML scalar as the text a client would send (YAML reads 2012 as a number, true as a boolean)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def name_list(value: Any, decorator: str, source: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise QueryLibraryError(f"{source}: #+ {decorator} must be a list")
    return value


def read_defaults(decorators: dict[str, Any], source: str) -> dict[str, str]:
    defaults: dict[str, str] = {}
    for entry in name_list(decorators.get("defaults"), "defaults", source):
        if not isinstance(entry, dict):
            raise QueryLibraryError(f"{source}: each #+ defaults entry is `- name: value`")
        defaults.update({str(key): scalar_text(value) for key, value in entry.items()})
    return defaults


def read_enumerations(decorators: dict[str, Any], source: str) -> dict[str, tuple[str, ...] | None]:
    """name -> declared values, or None when the values are to be read from the graph."""
    enumerations: dict[str, tuple[str, ...] | None] = {}
    for entry in name_list(decorators.get("enumerate"), "enumerate", source):
        if isinstance(entry, dict):
            for key, values in entry.items():
                listed = name_list(values, f"enumerate: {key}", source)
                enumerations[str(key)] = tuple(scalar_text(value) for value in listed) if listed else None
        else:
            enumerations[str(entry)] = None
    return enumerations


# --- templates ------------------------------------------------------------------


@dataclass(frozen=True)
class BoundQuery:
    """A saved query with its parameters bound: the text to run and the terms it carries."""

    name: str
    text: str
    bindings: tuple[tuple[str, str], ...]  # (parameter name, term in N-Triples syntax), sorted

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (self.name, self.bindings)


@dataclass(frozen=True)
class QueryTemplate:
    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    method: str
    pagination: int | None
    parameters: tuple[Parameter, ...]
    query: str  # the query without its header
    tokens: tuple[Token, ...] = field(repr=False)
    variables: tuple[str, ...]  # the projected variables, in order
    decorators: dict[str, Any] = field(repr=False, compare=False)

    def parameter(self, name: str) -> Parameter | None:
        return next((parameter for parameter in self.parameters if parameter.name == name), None)

    @property
    def accepted_names(self) -> list[str]:
        names = [parameter.name for parameter in self.parameters]
        return names + [name for name in RESERVED_PARAMETERS if name != "page" or self.pagination]

    def bind(
        self,
        values: Mapping[str, str],
        allowed: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> BoundQuery:
        """Check and bind the given values (API name -> text); defaults fill what is missing.

        `allowed` maps a parameter name to its allowed terms (N-Triples syntax); a value outside
        them is refused. Raises ParameterError with a message naming the parameter.
        """
        unknown = sorted(set(values) - {parameter.name for parameter in self.parameters})
        if unknown:
            takes = ", ".join(self.accepted_names) or "no parameters"
            raise ParameterError(
                f"Unknown parameter {', '.join(repr(name) for name in unknown)} for saved query '{self.name}'; "
                f"it takes: {takes}."
            )
        terms: dict[str, ox.NamedNode | ox.Literal] = {}
        for parameter in self.parameters:
            raw = values.get(parameter.name)
            if raw is None or raw == "":
                raw = parameter.default
            if raw is None:
                if parameter.required:
                    raise ParameterError(
                        f"Missing required parameter '{parameter.name}' ({parameter.type_label}) "
                        f"for saved query '{self.name}'."
                    )
                continue
            term = parameter.parse(raw)
            choices = (allowed or {}).get(parameter.name)
            if choices is not None and term_text(term) not in choices:
                shown = ", ".join(term_value(ox_term) for ox_term in list(choices.values())[:12])
                more = f" and {len(choices) - 12} more" if len(choices) > 12 else ""
                raise ParameterError(
                    f"Parameter '{parameter.name}': {term_value(term)!r} is not one of the allowed values "
                    f"({len(choices)}: {shown}{more}; all are listed by GET /api/queries)."
                )
            terms[parameter.name] = term
        return BoundQuery(self.name, self.substitute(terms), tuple(sorted((k, term_text(t)) for k, t in terms.items())))

    def substitute(self, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
        """The query with each bound placeholder replaced by its term, checked token by token."""
        by_variable = {
            parameter.variable: terms[parameter.name] for parameter in self.parameters if parameter.name in terms
        }
        pieces, position, expected = [], 0, []
        for token in self.tokens:
            term = by_variable.get(token.text[1:]) if token.kind == "variable" else None
            if term is None:
                expected.append((token.kind, token.text))
                continue
            written = term_text(term)
            pieces.append(self.query[position : token.start])
            pieces.append(written)
            position = token.end
            expected.append(("iri" if isinstance(term, ox.NamedNode) else "literal", written))
        pieces.append(self.query[position:])
        text = "".join(pieces)
        if [(token.kind, token.text) for token in tokenize(text)] != expected:
            raise ParameterError(f"A value given to saved query '{self.name}' would change the structure of the query.")
        return text

    def enumeration_query(self, parameter: Parameter) -> str:
        """A query listing the values the parameter can take in the graph, with a label when there is one.

        As grlc does, the WHERE clause is kept with the parameter (and every other one) left free.
        """
        variable = "?" + parameter.variable
        tokens = self.tokens
        select = next(i for i, token in enumerate(tokens) if token.kind == "word" and token.text.upper() == "SELECT")
        opening = next(i for i in range(select, len(tokens)) if tokens[i].text == "{")
        start = opening
        for i in range(select, opening):
            if tokens[i].kind == "word" and tokens[i].text.upper() in ("FROM", "WHERE"):
                start = i
                break
        depth, closing = 0, opening
        for i in range(opening, len(tokens)):
            depth += {"{": 1, "}": -1}.get(tokens[i].text, 0)
            if depth == 0:
                closing = i
                break
        prologue = self.query[: tokens[select].start]
        dataset_and_where = self.query[tokens[start].start : tokens[closing].end]
        inner = f"SELECT DISTINCT {variable} {dataset_and_where}"
        return (
            f"{prologue}SELECT ?value (SAMPLE(?anyLabel) AS ?label)\nWHERE {{\n"
            f"  {{ {inner} }}\n"
            f"  BIND ({variable} AS ?value)\n"
            f"  OPTIONAL {{ ?value <{RDFS_LABEL}> ?anyLabel }}\n"
            f"}}\nGROUP BY ?value\nORDER BY ?value\n"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "method": self.method,
            "pagination": self.pagination,
            "variables": list(self.variables),
        }


def projected_variables(tokens: list[Token]) -> tuple[str, ...]:
    """The variables a SELECT returns, in order (`SELECT *` gives the empty tuple)."""
    select = next(
        (i for i, token in enumerate(tokens) if token.kind == "word" and token.text.upper() == "SELECT"), None
    )
    if select is None:
        return ()
    found: list[str] = []
    depth = 0
    for i in range(select + 1, len(tokens)):
        token = tokens[i]
        if depth == 0 and (token.text == "{" or (token.kind == "word" and token.text.upper() in ("WHERE", "FROM"))):
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.kind == "variable" and (depth == 0 or (i > 0 and tokens[i - 1].text.upper() == "AS")):
            name = token.text[1:]
            if name not in found:
                found.append(name)
    return tuple(found)


def query_form(tokens: list[Token]) -> str | None:
    for token in tokens:
        if token.kind == "word" and token.text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return token.text.upper()
    return None


def load_template(path: Path) -> QueryTemplate:
    source = path.name
    header, query = split_header(path.read_text(encoding="utf-8"))
    decorators = read_decorators(header, source)
    tokens = tokenize(query)
    form = query_form(tokens)
    if form != "SELECT":
        raise QueryLibraryError(f"{source}: only SELECT queries can be saved queries (found {form or 'no query form'})")

    defaults = read_defaults(decorators, source)
    enumerations = read_enumerations(decorators, source)
    found: dict[str, Parameter] = {}
    for token in tokens:
        if token.kind != "variable":
            continue
        variable = token.text[1:]
        try:
            described = parameter_from_variable(variable)
        except QueryLibraryError as error:
            raise QueryLibraryError(f"{source}: {error}") from None
        if described is None:
            continue
        name, kind, required, language = described
        if name in RESERVED_PARAMETERS:
            raise QueryLibraryError(f"{source}: ?{variable}: '{name}' is reserved for the API, rename the parameter")
        previous = found.get(name)
        if previous is not None:
            if previous.variable != variable:
                raise QueryLibraryError(
                    f"{source}: parameter '{name}' is written both ?{previous.variable} and ?{variable}"
                )
            continue
        found[name] = Parameter(name=name, variable=variable, type=kind, required=required, language=language)

    unknown = (set(defaults) | set(enumerations)) - set(found)
    if unknown:
        raise QueryLibraryError(f"{source}: #+ defaults or enumerate name unknown parameters: {sorted(unknown)}")

    parameters = []
    for name, parameter in found.items():
        default = defaults.get(name)
        declared = enumerations.get(name)
        enumeration = None if name not in enumerations else ("declared" if declared else "graph")
        parameter = Parameter(
            name=parameter.name,
            variable=parameter.variable,
            type=parameter.type,
            required=parameter.required,
            language=parameter.language,
            default=default,
            enumeration=enumeration,
            declared_values=declared or (),
        )
        try:  # a default or declared value must itself be a valid value
            for value in ([default] if default is not None else []) + list(declared or ()):
                parameter.parse(value)
        except ParameterError as error:
            raise QueryLibraryError(f"{source}: {error.message}") from None
        parameters.append(parameter)

    pagination = decorators.get("pagination")
    if pagination is not None and (not isinstance(pagination, int) or isinstance(pagination, bool) or pagination < 1):
        raise QueryLibraryError(f"{source}: #+ pagination must be a positive whole number of results per page")
    method = str(decorators.get("method", "GET")).upper()
    if method not in ("GET", "POST"):
        raise QueryLibraryError(f"{source}: #+ method must be GET or POST")
    tags = decorators.get("tags") or []
    return QueryTemplate(
        name=path.stem,
        path=path,
        summary=" ".join(str(decorators.get("summary", "")).split()),
        description=" ".join(str(decorators.get("description", "")).split()),
        tags=tuple(str(tag) for tag in (tags if isinstance(tags, list) else [tags])),
        method=method,
        pagination=pagination,
        parameters=tuple(parameters),
        query=query,
        tokens=tuple(tokens),
        variables=projected_variables(tokens),
        decorators=decorators,
    )


NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def load_library(directory: Path) -> dict[str, QueryTemplate]:
    """Every .rq file of the folder, by name (the file name without .rq), in name order."""
    templates = {}
    for path in sorted(directory.glob("*.rq")):
        if not NAME.fullmatch(path.stem):
            raise QueryLibraryError(f"{path.name}: a saved query's file name is lower-case words joined by '-'")
        templates[path.stem] = load_template(path)
    return templates


def declared_choices(parameter: Parameter) -> dict[str, ox.NamedNode | ox.Literal]:
    """The declared enumeration as {N-Triples: term}."""
    terms = (parameter.parse(value) for value in parameter.declared_values)
    return {term_text(term): term for term in terms}


def choices_from_terms(terms: Iterable[ox.NamedNode | ox.Literal]) -> dict[str, ox.NamedNode | ox.Literal]:
    return {term_text(term): term for term in terms}

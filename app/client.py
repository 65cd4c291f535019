"""A small client for notebooks: SPARQL and saved queries as pandas DataFrames.

    from app.client import Client

    client = Client("http://127.0.0.1:8000")          # the server, or its /sparql URL
    client.list_queries()                              # the saved queries and their parameters
    client.saved("actions-by-country", country="https://w3id.org/migcoop/id/country/GHA")
    client.sparql("SELECT ?action ?start WHERE { ?action mc:period/mc:startDate ?start }")

Results are read as SPARQL JSON, so each column gets a dtype from the datatypes of
its values: xsd:integer (and the other integer types) and xsd:gYear -> Int64,
xsd:decimal/double/float -> float64, xsd:date/dateTime -> datetime64, xsd:boolean
-> boolean, and IRIs, labels and anything else -> string. A column whose values
mix kinds is a string column; unbound values are missing (<NA>, NaT, NaN).

Needs pandas and httpx: `pip install 'migcoop[client]'`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from typing import Any

import httpx
import pandas as pd

XSD = "http://www.w3.org/2001/XMLSchema#"
SPARQL_JSON = "application/sparql-results+json"
DEFAULT_URL = "http://127.0.0.1:8000"

INTEGER_TYPES = {XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}  # fmt: skip
FLOAT_TYPES = {XSD + "decimal", XSD + "double", XSD + "float"}
YEAR = re.compile(r"^(-?\d{4,})")
NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


class ClientError(Exception):
    """The server refused the request; `status` is the HTTP status, `message` its explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


# --- SPARQL JSON to a DataFrame -------------------------------------------------------


def kind_of(value: dict[str, str]) -> str:
    if value.get("type") != "literal" and value.get("type") != "typed-literal":
        return "string"  # IRIs and blank nodes
    datatype = value.get("datatype")
    if datatype in INTEGER_TYPES:
        return "integer"
    if datatype == XSD + "gYear":
        return "year"
    if datatype in FLOAT_TYPES:
        return "float"
    if datatype == XSD + "date":
        return "date"
    if datatype == XSD + "dateTime":
        return "datetime"
    if datatype == XSD + "boolean":
        return "boolean"
    return "string"


def whole_number(value: dict[str, str]) -> int:
    """An integer literal's value, or a gYear's year ("2019", "2019Z", "-0044")."""
    if kind_of(value) == "year":
        found = YEAR.match(value["value"].strip())
        if found is None:
            raise ValueError(f"not a year: {value['value']!r}")
        return int(found.group(1))
    return int(value["value"])


def column(values: list[dict[str, str] | None]) -> pd.Series | pd.api.extensions.ExtensionArray | Any:
    """One result column with the dtype its datatypes call for."""
    kinds = {kind_of(value) for value in values if value is not None}
    if kinds <= {"integer", "year"} and kinds:
        return pd.array([None if value is None else whole_number(value) for value in values], dtype="Int64")
    if kinds <= {"integer", "float"} and kinds:
        return pd.array([float("nan") if v is None else float(v["value"]) for v in values], dtype="float64")
    if kinds <= {"date", "datetime"} and kinds:
        texts = [None if value is None else value["value"] for value in values]
        if kinds == {"date"}:
            texts = [None if text is None else text[:10] for text in texts]  # drop a time zone suffix
            return pd.to_datetime(pd.Series(texts, dtype="object"), format="%Y-%m-%d").array
        return pd.to_datetime(pd.Series(texts, dtype="object"), format="ISO8601", utc=True).array
    if kinds == {"boolean"}:
        return pd.array([None if v is None else v["value"] in ("true", "1") for v in values], dtype="boolean")
    return pd.array([None if value is None else value["value"] for value in values], dtype="string")


def frame(document: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame from a SPARQL JSON SELECT result (attrs["datatypes"] keeps each column's datatypes)."""
    variables = document.get("head", {}).get("vars", [])
    bindings = document.get("results", {}).get("bindings", [])
    data = {name: column([row.get(name) for row in bindings]) for name in variables}
    result = pd.DataFrame(data, columns=variables)
    result.attrs["datatypes"] = {
        name: sorted({row[name].get("datatype", "") for row in bindings if name in row}) for name in variables
    }
    return result


def parameter_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    raise TypeError(f"cannot send a {type(value).__name__} as a saved-query parameter")


# --- the client ---------------------------------------------------------------------


class Client:
    """Talks to one migcoop server: `Client("http://127.0.0.1:8000")`.

    Without a URL, the MIGCOOP_ENDPOINT environment variable is used, then the local default.
    """

    def __init__(self, base_url: str | None = None, *, timeout: float = 60.0, http: httpx.Client | None = None) -> None:
        url = (base_url or os.environ.get("MIGCOOP_ENDPOINT") or DEFAULT_URL).rstrip("/")
        self.base_url = url.removesuffix("/sparql")
        self.http = http or httpx.Client(timeout=timeout)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def __repr__(self) -> str:
        return f"Client({self.base_url!r})"

    @property
    def sparql_url(self) -> str:
        return f"{self.base_url}/sparql"

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise ClientError(response.status_code, response.text.strip())
        return response

    def sparql(self, query: str, *, infer: bool = True) -> pd.DataFrame:
        """Run a SELECT on the SPARQL endpoint (our prefixes are predeclared there)."""
        response = self._check(
            self.http.post(
                self.sparql_url,
                params={} if infer else {"infer": "false"},
                content=query.encode("utf-8"),
                headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": SPARQL_JSON},
            )
        )
        document = response.json()
        if "boolean" in document:
            raise ClientError(200, "this is an ASK query: use Client.ask()")
        return frame(document)

    def ask(self, query: str, *, infer: bool = True) -> bool:
        response = self._check(
            self.http.post(
                self.sparql_url,
                params={} if infer else {"infer": "false"},
                content=query.encode("utf-8"),
                headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": SPARQL_JSON},
            )
        )
        return bool(response.json()["boolean"])

    def saved(self, name: str, /, *, page: int | None = None, **parameters: Any) -> pd.DataFrame:
        """Run a saved query by name; keyword arguments are its parameters (None leaves one out).

        A paginated query is read page after page (following the Link headers) unless `page` is given.
        """
        params = {key: parameter_text(value) for key, value in parameters.items() if value is not None}
        if page is not None:
            params["page"] = str(page)
        url: str | None = f"{self.base_url}/api/queries/{name}"
        query: dict[str, str] | None = params
        variables: list[str] = []
        bindings: list[dict[str, Any]] = []
        while url is not None:
            response = self._check(self.http.get(url, params=query, headers={"Accept": SPARQL_JSON}))
            document = response.json()
            variables = document["head"]["vars"]
            bindings += document["results"]["bindings"]
            found = NEXT_LINK.search(response.headers.get("link", "")) if page is None else None
            url, query = (found.group(1), None) if found else (None, None)  # the next URL carries its parameters
        return frame({"head": {"vars": variables}, "results": {"bindings": bindings}})

    def list_queries(self) -> pd.DataFrame:
        """The saved queries: name, summary, tags, parameters (name:type, * when required) and page size."""
        entries = self._check(self.http.get(f"{self.base_url}/api/queries")).json()
        rows = [
            {
                "name": entry["name"],
                "summary": entry["summary"],
                "tags": ", ".join(entry["tags"]),
                "parameters": ", ".join(
                    f"{p['name']}:{p['type']}{'*' if p['required'] else ''}" for p in entry["parameters"]
                ),
                "pagination": entry["pagination"],
            }
            for entry in entries
        ]
        result = pd.DataFrame(rows, columns=["name", "summary", "tags", "parameters", "pagination"])
        result = result.astype({"name": "string", "summary": "string", "tags": "string", "parameters": "string"})
        result["pagination"] = pd.array(list(result["pagination"]), dtype="Int64")
        return result

    def describe(self, name: str) -> dict[str, Any]:
        """A saved query's description: summary, parameters with types, defaults and allowed values."""
        entries = self._check(self.http.get(f"{self.base_url}/api/queries")).json()
        for entry in entries:
            if entry["name"] == name:
                return entry
        raise ClientError(404, f"Unknown saved query {name!r}")

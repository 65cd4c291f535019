"""Small helpers shared by test modules."""

from __future__ import annotations

from app.namespaces import ID, PREFIXES
from app.store import OxigraphStore


def select(store: OxigraphStore, query: str) -> list[dict[str, str]]:
    """Run a SELECT on the store; each row maps variable names to term values (strings).

    Our prefixes are predeclared and relative IRIs resolve against the id/ namespace.
    """
    result = store.raw.query(query, prefixes=PREFIXES, base_iri=str(ID))
    names = [variable.value for variable in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None} for row in result]

"""Counts of a built store, per graph and per class."""

from __future__ import annotations

from app.store import GraphStore

CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""


def graph_counts(store: GraphStore) -> list[tuple[str, int]]:
    counts = [("(default graph: asserted + inferred)", store.count())]
    counts += [(name, store.count(name)) for name in store.graph_names()]
    return counts


def class_counts(store: GraphStore) -> list[tuple[str, int]]:
    return [(row["class"].value, int(row["n"].value)) for row in store.raw.query(CLASS_COUNTS)]

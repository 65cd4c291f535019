"""Stage 2, fast engine: SHACL validation in bulk, one SPARQL query per constraint.

pyshacl (app.validate) walks focus nodes and value nodes in Python. Here the shapes graph
is compiled once into one SPARQL SELECT per constraint, and each runs over the whole data
in an in-memory Oxigraph store (the asserted data with the ontology, as in app.validate),
returning the focus node and value node of every violation. The result is the same
`ValidationReport` of `Violation`s (focus, path, value, constraint component, source shape,
message, severity), with a report graph shaped like pyshacl's. On this 2-core machine
(bench/replicate.py): 2.5 s at 94k triples and 7.8 s at 473k, where pyshacl takes 40 s and
96 s; about half of it is rdflib writing the graph out as N-Triples for Oxigraph.

The SHACL Core subset that ontology/shapes.ttl uses is compiled:
- targets: sh:targetClass (instances through rdf:type/rdfs:subClassOf*), sh:targetNode,
  sh:targetSubjectsOf, sh:targetObjectsOf, SHACL-AF SPARQL targets (sh:SPARQLTarget with
  sh:select and sh:prefixes);
- paths: a property, sh:inversePath, sequences, sh:alternativePath, sh:zeroOrMorePath,
  sh:oneOrMorePath, sh:zeroOrOnePath (all have a SPARQL property path equivalent);
- constraints: sh:minCount, sh:maxCount, sh:class (with rdfs:subClassOf*), sh:datatype
  (including ill-typed literals), sh:nodeKind, sh:in, sh:pattern (+ sh:flags), sh:languageIn,
  sh:minInclusive, sh:maxInclusive, sh:minExclusive, sh:maxExclusive, sh:lessThanOrEquals,
  sh:or (of node or property shapes; nested in a value check), on node shapes and
  property shapes; sh:message, sh:severity, sh:deactivated.
Anything else (sh:node, sh:and, sh:not, sh:xone, sh:closed, sh:hasValue, sh:equals,
SPARQL constraints, ...) raises `UnsupportedShape` when the shapes are compiled, so a new
kind of shape cannot be skipped silently: extend the compiler or use the reference engine.

Differences from pyshacl (tests/test_validate_fast.py), none of which the data runs into:
- an ill-typed literal in a comparison (sh:lessThanOrEquals, sh:minInclusive, ...) is a
  violation, as SHACL says of a comparison that fails; pyshacl lets sh:lessThanOrEquals
  pass on it (rdflib's Literal.__le__ takes the NotImplemented of the impossible
  comparison for true). Its sh:datatype violation is reported by both, so such data
  fails either way;
- Oxigraph stores valid typed literals by value, so "1"^^xsd:boolean and
  "true"^^xsd:boolean (or "01" and "1" as xsd:integer, if rdflib did not normalise
  them first) are one value for sh:maxCount, and a reported sh:value is canonical;
- well-formedness for sh:datatype is Oxigraph's cast (for the XSD types in
  `CHECKED_DATATYPES`), rdflib's conversion for pyshacl: " 7"^^xsd:integer is ill-typed
  here, fine for rdflib (which, though, normalises it to "7" when it parses a file);
- regular expressions are Rust's (sh:pattern), Python's in pyshacl;
- messages of constraints without sh:message are this module's own wording.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from app.namespaces import SH
from app.terms import to_rdflib
from app.validate import ValidationReport, Violation

# Parameters that are not constraints: read where they matter, otherwise ignored.
NOT_CONSTRAINTS = {
    SH[name]
    for name in [
        "path",
        "message",
        "severity",
        "deactivated",
        "name",
        "description",
        "order",
        "group",
        "defaultValue",
        "targetClass",
        "targetNode",
        "targetSubjectsOf",
        "targetObjectsOf",
        "target",
        "property",
        "flags",
        "declare",
        "prefixes",
    ]
} | {RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso}
# XSD datatypes whose lexical forms Oxigraph checks: a cast to the type fails on an ill-typed literal.
CHECKED_DATATYPES = {
    XSD[name]
    for name in [
        "string",
        "boolean",
        "integer",
        "decimal",
        "float",
        "double",
        "date",
        "dateTime",
        "time",
        "gYear",
        "gYearMonth",
        "gMonth",
        "gDay",
        "gMonthDay",
        "duration",
        "yearMonthDuration",
        "dayTimeDuration",
    ]
}
NODE_KINDS = {
    SH.IRI: "isIRI({0})",
    SH.BlankNode: "isBlank({0})",
    SH.Literal: "isLiteral({0})",
    SH.BlankNodeOrIRI: "(isBlank({0}) || isIRI({0}))",
    SH.BlankNodeOrLiteral: "(isBlank({0}) || isLiteral({0}))",
    SH.IRIOrLiteral: "(isIRI({0}) || isLiteral({0}))",
}
COMPARISONS = {
    SH.minInclusive: ">=",
    SH.maxInclusive: "<=",
    SH.minExclusive: ">",
    SH.maxExclusive: "<",
}
VALUE_PARAMETERS = {SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.pattern, SH.languageIn, SH["or"]} | set(
    COMPARISONS
)
PROPERTY_PARAMETERS = {SH.minCount, SH.maxCount, SH.lessThanOrEquals}
TYPE = f"<{RDF.type}>"
SUBCLASS = f"<{RDFS.subClassOf}>"


class UnsupportedShape(Exception):
    """The shapes graph uses SHACL this compiler does not implement."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a SELECT returning ?this (and ?value) for each violation."""

    shape: Node
    component: URIRef
    path: Node | None  # the shape's sh:path node (in the shapes graph)
    message: str
    severity: URIRef
    query: str
    value: str = "value"  # what sh:value reports: "value" (?value), "focus" (node-level constraints) or "none" (counts)


# --- SPARQL rendering ------------------------------------------------------------------------


def sparql_term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if node.language:
            return f'"{text}"@{node.language}'
        if node.datatype:
            return f'"{text}"^^<{node.datatype}>'
        return f'"{text}"'
    raise UnsupportedShape(f"a blank node cannot be a constant in a constraint: {node!r}")


def sparql_string(text: str) -> str:
    return sparql_term(Literal(text))


class Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.variables = itertools.count()

    def fresh(self, name: str) -> str:
        return f"?{name}_{next(self.variables)}"

    def items(self, head: Node) -> list[Node]:
        return list(self.shapes.items(head))

    def where(self, shape: Node, name: str) -> str:
        return (
            self.shapes.namespace_manager.normalizeUri(shape) if isinstance(shape, URIRef) else f"{name} {shape.n3()}"
        )

    # -- paths
    def path(self, node: Node) -> str:
        g = self.shapes
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in g:
            return "(" + "/".join(self.path(step) for step in self.items(node)) + ")"
        for predicate, template in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = g.value(node, predicate)
            if inner is not None:
                return "(" + template.format(self.path(inner)) + ")"
        alternatives = g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(step) for step in self.items(alternatives)) + ")"
        raise UnsupportedShape(f"unsupported sh:path {node!r}")

    # -- targets
    def targets(self, shape: Node) -> str | None:
        """A group graph pattern binding ?this to each focus node of `shape`, or None."""
        g = self.shapes
        parts = [f"?this {TYPE}/{SUBCLASS}* {sparql_term(c)} ." for c in g.objects(shape, SH.targetClass)]
        parts += [f"VALUES ?this {{ {sparql_term(n)} }}" for n in g.objects(shape, SH.targetNode)]
        parts += [f"?this {sparql_term(p)} ?target_object ." for p in g.objects(shape, SH.targetSubjectsOf)]
        parts += [f"?target_subject {sparql_term(p)} ?this ." for p in g.objects(shape, SH.targetObjectsOf)]
        for target in g.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) not in g or g.value(target, SH.select) is None:
                raise UnsupportedShape(f"{self.where(shape, 'shape')}: only SPARQL targets (sh:select) are supported")
            select = str(g.value(target, SH.select)).strip()
            if not select.upper().startswith("SELECT"):
                raise UnsupportedShape(f"{self.where(shape, 'shape')}: a SPARQL target must be a plain SELECT")
            parts.append("{ " + select + " }")
        if (shape, RDF.type, RDFS.Class) in g:
            raise UnsupportedShape(f"{self.where(shape, 'shape')}: implicit class targets are not supported")
        if not parts:
            return None
        union = " UNION ".join("{ " + part + " }" for part in parts)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    def prefixes(self, shape: Node) -> str:
        """PREFIX declarations for the SPARQL targets of `shape` (sh:prefixes / sh:declare)."""
        g = self.shapes
        lines = []
        for target in g.objects(shape, SH.target):
            for source in g.objects(target, SH.prefixes):
                for declaration in g.objects(source, SH.declare):
                    lines.append(f"PREFIX {g.value(declaration, SH.prefix)}: <{g.value(declaration, SH.namespace)}>")
        return "\n".join(sorted(set(lines)))

    # -- constraints as boolean SPARQL expressions on a value
    def bad_value(self, shape: Node, parameter: URIRef, value: Node, var: str) -> str:
        """A SPARQL expression true when `var` violates the constraint `parameter value`."""
        g = self.shapes
        if parameter == SH["class"]:
            return f"NOT EXISTS {{ {var} {TYPE}/{SUBCLASS}* {sparql_term(value)} }}"
        if parameter == SH.datatype:
            if value == RDF.langString:
                return f'!(isLiteral({var}) && LANG({var}) != "")'
            well_typed = f" && COALESCE(<{value}>({var}) = {var}, false)" if value in CHECKED_DATATYPES else ""
            return f"!(isLiteral({var}) && DATATYPE({var}) = {sparql_term(value)}{well_typed})"
        if parameter == SH.nodeKind:
            if value not in NODE_KINDS:
                raise UnsupportedShape(f"{self.where(shape, 'shape')}: unknown sh:nodeKind {value}")
            return "!" + NODE_KINDS[value].format(var)
        if parameter == SH["in"]:
            allowed = [f"sameTerm({var}, {sparql_term(member)})" for member in self.items(value)]
            return "!(" + (" || ".join(allowed) or "false") + ")"
        if parameter == SH.pattern:
            flags = g.value(shape, SH.flags)
            flag_arg = f", {sparql_string(str(flags))}" if flags is not None else ""
            return f"(isBlank({var}) || !REGEX(STR({var}), {sparql_string(str(value))}{flag_arg}))"
        if parameter == SH.languageIn:
            ranges = [f"langMatches(LANG({var}), {sparql_string(str(tag))})" for tag in self.items(value)]
            return f"!(isLiteral({var}) && (" + (" || ".join(ranges) or "false") + "))"
        if parameter in COMPARISONS:
            return f"!COALESCE({var} {COMPARISONS[parameter]} {sparql_term(value)}, false)"
        if parameter == SH["or"]:
            members = [self.conforms(member, var) for member in self.items(value)]
            return "!(" + (" || ".join(members) or "false") + ")"
        raise UnsupportedShape(f"{self.where(shape, 'shape')}: unsupported constraint {parameter}")

    def conforms(self, shape: Node, var: str) -> str:
        """A SPARQL expression true when the node `var` conforms to `shape` (for sh:or)."""
        g = self.shapes
        tests = []
        path = g.value(shape, SH.path)
        for parameter, value in sorted(self.constraints(shape)):
            if path is None:
                tests.append(f"!({self.bad_value(shape, parameter, value, var)})")
                continue
            p = self.path(path)
            w = self.fresh("v")
            if parameter in VALUE_PARAMETERS:
                tests.append(f"NOT EXISTS {{ {var} {p} {w} FILTER ({self.bad_value(shape, parameter, value, w)}) }}")
            elif parameter == SH.minCount and int(value) <= 1:
                tests.append(f"EXISTS {{ {var} {p} {w} }}" if int(value) == 1 else "true")
            elif parameter == SH.maxCount and int(value) <= 1:
                w2 = self.fresh("v")
                clash = f"FILTER (!sameTerm({w}, {w2}))" if int(value) == 1 else ""
                tests.append(f"NOT EXISTS {{ {var} {p} {w} . {var} {p} {w2} {clash} }}")
            else:
                raise UnsupportedShape(
                    f"{self.where(shape, 'shape')}: {parameter} {value} is not supported inside sh:or"
                )
        for member in g.objects(shape, SH.property):
            tests.append(self.conforms(member, var))
        return "(" + (" && ".join(tests) or "true") + ")"

    def constraints(self, shape: Node) -> list[tuple[URIRef, Node]]:
        """The (parameter, value) constraints of a shape; refuses unknown SHACL parameters."""
        g = self.shapes
        found = []
        for parameter, value in g.predicate_objects(shape):
            if parameter in NOT_CONSTRAINTS:
                continue
            if parameter in VALUE_PARAMETERS or parameter in PROPERTY_PARAMETERS:
                if parameter in PROPERTY_PARAMETERS and g.value(shape, SH.path) is None:
                    raise UnsupportedShape(f"{self.where(shape, 'shape')}: {parameter} needs sh:path")
                found.append((parameter, value))
            elif str(parameter).startswith(str(SH)):
                raise UnsupportedShape(f"{self.where(shape, 'shape')}: unsupported SHACL parameter {parameter}")
        return found

    # -- top-level checks
    def message(self, shape: Node, parameter: URIRef) -> str:
        messages = sorted(str(m) for m in self.shapes.objects(shape, SH.message))
        if messages:
            return "; ".join(messages)
        return f"{str(parameter).removeprefix(str(SH))} constraint violated"

    def checks(self) -> list[Check]:
        g = self.shapes
        node_shapes = set(g.subjects(RDF.type, SH.NodeShape))
        for target in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            node_shapes |= set(g.subjects(target, None))
        result = []
        for shape in sorted(node_shapes, key=str):
            if g.value(shape, SH.deactivated) == Literal(True) or g.value(shape, SH.path) is not None:
                if g.value(shape, SH.path) is not None:
                    raise UnsupportedShape(
                        f"{self.where(shape, 'shape')}: property shapes with targets are not supported"
                    )
                continue
            focus = self.targets(shape)
            prefixes = self.prefixes(shape)
            shape_checks = self.node_checks(shape, focus)
            for prop in sorted(g.objects(shape, SH.property), key=lambda n: str(g.value(n, SH.path))):
                if g.value(prop, SH.deactivated) == Literal(True):
                    continue
                shape_checks += self.property_checks(prop, focus)
            if focus is not None:  # without targets a shape only matters where another refers to it
                result += [
                    Check(c.shape, c.component, c.path, c.message, c.severity, f"{prefixes}\n{c.query}", c.value)
                    for c in shape_checks
                ]
        return result

    def severity(self, shape: Node) -> URIRef:
        return self.shapes.value(shape, SH.severity) or SH.Violation

    def component(self, parameter: URIRef) -> URIRef:
        name = str(parameter).removeprefix(str(SH))
        return SH[name[0].upper() + name[1:] + "ConstraintComponent"]

    def node_checks(self, shape: Node, focus: str | None) -> list[Check]:
        checks = []
        for parameter, value in self.constraints(shape):
            bad = self.bad_value(shape, parameter, value, "?this")
            query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER ({bad}) }}"
            checks.append(
                Check(
                    shape,
                    self.component(parameter),
                    None,
                    self.message(shape, parameter),
                    self.severity(shape),
                    query,
                    "focus",
                )
            )
        return checks

    def property_checks(self, shape: Node, focus: str | None) -> list[Check]:
        g = self.shapes
        path_node = g.value(shape, SH.path)
        if path_node is None:
            raise UnsupportedShape(f"{self.where(shape, 'property shape')}: no sh:path")
        path = self.path(path_node)
        if (shape, SH.property, None) in g:
            raise UnsupportedShape(f"{self.where(shape, 'property shape')}: nested sh:property is not supported")
        checks = []
        for parameter, value in self.constraints(shape):
            if parameter == SH.minCount:
                if int(value) == 1:
                    query = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
                else:
                    query = (
                        f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?value }} }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {int(value)})"
                    )
            elif parameter == SH.maxCount:
                query = (
                    f"SELECT ?this WHERE {{ {focus} ?this {path} ?value }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {int(value)})"
                )
            elif parameter == SH.lessThanOrEquals:
                query = (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . ?this {sparql_term(value)} ?other "
                    f"FILTER (!COALESCE(?value <= ?other, false)) }}"
                )
            else:
                bad = self.bad_value(shape, parameter, value, "?value")
                query = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value FILTER ({bad}) }}"
            returns = "none" if parameter in (SH.minCount, SH.maxCount) else "value"
            checks.append(
                Check(
                    shape,
                    self.component(parameter),
                    path_node,
                    self.message(shape, parameter),
                    self.severity(shape),
                    query,
                    returns,
                )
            )
        return checks


def compile_shapes(shapes: Graph) -> list[Check]:
    """One SPARQL check per constraint of `shapes`; raises UnsupportedShape on SHACL it cannot compile."""
    return Compiler(shapes).checks()


# --- running ----------------------------------------------------------------------------------


def load_store(data: Graph) -> ox.Store:
    """An in-memory store holding `data`, blank nodes keeping their rdflib labels."""
    store = ox.Store()
    if len(data):
        ntriples = data.serialize(format="nt", encoding="utf-8")
        store.bulk_extend(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES))
    return store


def run_checks(store: ox.Store, checks: Iterable[Check]) -> list[tuple[Check, Node, Node | None]]:
    """(check, focus node, value node) for every violation found in `store`."""
    found = []
    for check in checks:
        for row in store.query(check.query):
            focus = to_rdflib(row["this"])
            value = (
                {"focus": focus, "none": None}.get(check.value) if check.value != "value" else to_rdflib(row["value"])
            )
            found.append((check, focus, value))
    return found


def copy_node(source: Graph, node: Node, target: Graph) -> None:
    """Copy the description of a blank node (a path, a list) from `source` into `target`."""
    if not isinstance(node, BNode):
        return
    for predicate, obj in source.predicate_objects(node):
        target.add((node, predicate, obj))
        copy_node(source, obj, target)


def report(found: list[tuple[Check, Node, Node | None]], shapes: Graph) -> ValidationReport:
    graph = Graph()
    graph.bind("sh", SH)
    root = BNode()
    conforms = not any(check.severity == SH.Violation for check, _focus, _value in found)
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(conforms)))
    violations = []
    for check, focus, value in found:
        result = BNode()
        graph.add((root, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.focusNode, focus))
        graph.add((result, SH.sourceConstraintComponent, check.component))
        graph.add((result, SH.sourceShape, check.shape))
        graph.add((result, SH.resultSeverity, check.severity))
        graph.add((result, SH.resultMessage, Literal(check.message)))
        if check.path is not None:
            graph.add((result, SH.resultPath, check.path))
            copy_node(shapes, check.path, graph)
        if value is not None:
            graph.add((result, SH.value, value))
        violations.append(
            Violation(focus, check.path, value, check.component, check.shape, check.message, check.severity)
        )
    violations.sort(key=lambda v: (str(v.focus), str(v.path), v.message))
    return ValidationReport(conforms=conforms, violations=violations, report_graph=graph)


def validate_store(store: ox.Store, shapes: Graph, checks: list[Check] | None = None) -> ValidationReport:
    """Validate the default graph of `store` (data and ontology) against `shapes`."""
    return report(run_checks(store, checks if checks is not None else compile_shapes(shapes)), shapes)


def validate(data: Graph, shapes: Graph) -> ValidationReport:
    """Drop-in for app.validate.validate (asserted data with the ontology)."""
    checks = compile_shapes(shapes)  # before loading: an unsupported shape fails fast
    return validate_store(load_store(data), shapes, checks)

"""Stage 3, fast engine: the same inferred graph as `app.reason.reason`, without owlrl's cost.

`app.reason` runs owlrl, a generic OWL 2 RL engine in pure Python that re-reads the whole
graph on every cycle: 5-13 s for the real 9.6k triples, 96 s at 94k and 583 s at 473k on
this 2-core machine (bench/replicate.py). This engine takes 0.7 s, 3.8 s and 10.4 s, about
half of it turning rdflib terms into integers and the result back into an rdflib Graph:

1. **Closes the T-box with owlrl.** The schema triples (rdfs:subClassOf, subPropertyOf,
   domain, range, anything in the OWL namespace, rdf lists, `rdf:type owl:...`) of the
   asserted graph plus `EXTERNAL_AXIOMS` are a few hundred triples whatever the size of
   the data (0.3 s). owlrl stays the authority on what the schema entails (scm-* rules:
   transitivity of subClassOf/subPropertyOf, domain/range propagation, owl:Thing,
   equivalences, intersections), and its new triples are part of the result.
2. **Compiles the closed T-box into A-box rules.** The schema is already closed, so each
   rule needs one step: cax-sco (a type gives every superclass), prp-spo1, prp-inv,
   prp-symp, prp-dom, prp-rng, prp-trp, prp-spo2 (property chains of any length),
   cls-int1 (intersections), cls-hv1/cls-hv2 (hasValue restrictions), and the role
   shortcuts of `app.reason` (read from asserted triples only, as there). Any other OWL
   construct (sameAs, functional properties, someValuesFrom, keys, cardinalities, ...)
   raises `UnsupportedAxiom` when the rules are compiled: use the reference engine.
3. **Runs them delta-driven (semi-naive).** Terms are interned to integers; the closure is
   a nested dict subject -> predicate -> objects, with a reverse index for the predicates
   that rules join on. Each triple, asserted or derived, is joined once against what is
   known when it is taken from the work list; what it yields that is new goes on the list.

The result is filtered exactly as in `app.reason` (`is_worth_keeping`, nothing asserted).
Three kinds of triples owlrl derives are never materialised, because that filter drops
them and no compiled rule can get a kept triple out of them (checked when compiling:
owl:Thing, rdf:type and OWL properties are read by no rule): `x rdf:type owl:Thing`, the
typing of literals (`"3"^^xsd:integer rdf:type xsd:integer`, from ranges and from owlrl's
dt-type2 on every literal), and owlrl's `x owl:sameAs x` for every term (eq-ref).
tests/test_reason_fast.py checks on the real data that these are all owlrl has more.

An Oxigraph version (the same rules as SPARQL INSERT ... WHERE, semi-naive over named
graphs) gave the same closure but took 83 s at 473k triples: each derived triple cost about
four writes to the in-memory store at ~8 us each. The `reasonable` package (Rust) took 27 s
there and lacks property chains and the schema-level triples owlrl derives.

`FastReasoner` keeps the closure and updates it (`update`, `reason_incremental`):
additions by semi-naive forward chaining from the added triples, removals by DRed (delete
every consequence of the removed triples, re-derive in one step what still has a
derivation, propagate from there), and a full recompute when the T-box changes, since the
rules themselves change then. The inferred graph of a previous build is not enough to
resume from: it is filtered, and the filtered triples (`x rdf:type _:restriction` for
mc:OngoingAction, for one) are premises of kept ones; so the state is the reasoner.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import owlrl
import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from app.reason import OUR_NAMESPACE, external_axioms, is_worth_keeping
from app.terms import to_oxigraph, to_rdflib

Triple = tuple[int, int, int]

RDF_NS, RDFS_NS, OWL_NS = str(RDF), str(RDFS), str(OWL)
SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, RDF.first, RDF.rest}
MC = "https://w3id.org/migcoop/ontology#"
# app.reason.SHORTCUT_RULE: ?i mc:hasParticipation ?x . ?x mc:role ?r ; mc:agent ?a . ?r mc:shortcutProperty ?p
SHORTCUT_PREDICATES = (MC + "hasParticipation", MC + "role", MC + "agent", MC + "shortcutProperty")

# OWL terms the rules are compiled from, or that entail nothing about individuals
# (declarations, ontology annotations). Anything else of the OWL namespace is refused.
SUPPORTED_OWL = {
    URIRef(OWL_NS + name)
    for name in [
        "Class",
        "Restriction",
        "Thing",
        "Nothing",
        "ObjectProperty",
        "DatatypeProperty",
        "AnnotationProperty",
        "OntologyProperty",
        "TransitiveProperty",
        "SymmetricProperty",
        "Ontology",
        "NamedIndividual",
        "equivalentClass",
        "equivalentProperty",
        "inverseOf",
        "propertyChainAxiom",
        "intersectionOf",
        "hasValue",
        "onProperty",
        "versionIRI",
        "versionInfo",
        "imports",
        "priorVersion",
        "backwardCompatibleWith",
        "incompatibleWith",
        "deprecated",
        "DeprecatedClass",
        "DeprecatedProperty",
    ]
}
EMPTY: frozenset = frozenset()
NO_PREDICATES: dict = {}


class UnsupportedAxiom(Exception):
    """The schema uses an OWL construct the fast engine does not compile; use the reference engine."""


# --- terms and the T-box ----------------------------------------------------------------


class Terms:
    """rdflib terms interned as integers; the original term objects are kept for output."""

    def __init__(self) -> None:
        self.ids: dict = {}
        self.nodes: list[Node] = []
        self.literals: set[int] = set()
        self.oxigraph_ids: dict = {}
        self.oxigraph_nodes: dict[int, object] | None = None

    @staticmethod
    def key(node: Node) -> object:
        if isinstance(node, URIRef):
            return str(node)
        if isinstance(node, Literal):
            return ("L", str(node), str(node.datatype) if node.datatype else None, node.language)
        return ("B", str(node))  # the same rdflib BNode is the same term

    def id(self, node: Node) -> int:
        key = self.key(node)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.nodes)
            self.nodes.append(node)
            if isinstance(node, Literal):
                self.literals.add(found)
        return found

    def find(self, node: Node) -> int | None:
        """The id of a term already interned, or None (a term never seen is in no triple)."""
        return self.ids.get(self.key(node))

    def triple(self, triple: tuple) -> Triple:
        return self.id(triple[0]), self.id(triple[1]), self.id(triple[2])

    def triples(self, graph: Iterable[tuple], schema: Graph) -> set[Triple]:
        """Intern every triple of `graph`; add its schema triples to `schema`. (`id`, inlined:
        this loop reads every asserted triple.)"""
        ids, nodes, literals = self.ids, self.nodes, self.literals
        predicates: dict[URIRef, tuple[int, bool]] = {}
        result = set()
        for triple in graph:
            subject, predicate, obj = triple
            known = predicates.get(predicate)
            if known is None:
                known = predicates[predicate] = (
                    self.id(predicate),
                    predicate in SCHEMA_PREDICATES or predicate.startswith(OWL_NS),
                )
            p, schema_predicate = known
            ids_of = []
            for node in (subject, obj):
                if type(node) is URIRef:
                    key: object = str(node)
                elif type(node) is Literal:
                    key = ("L", str(node), str(node.datatype) if node.datatype else None, node.language)
                else:
                    key = self.key(node)
                found = ids.get(key)
                if found is None:
                    found = ids[key] = len(nodes)
                    nodes.append(node)
                    if isinstance(node, Literal):
                        literals.add(found)
                ids_of.append(found)
            result.add((ids_of[0], p, ids_of[1]))
            if schema_predicate or (predicate == RDF.type and is_schema_triple(triple)):
                schema.add(triple)
        return result

    def oxigraph_triples(self, quads: Iterable, schema: Graph) -> set[Triple]:
        """`triples` for pyoxigraph quads or triples: each distinct term is converted to rdflib
        once, and remembered for `oxigraph_term`."""
        by_term = self.oxigraph_ids = {}
        nodes = self.nodes
        reads_schema: dict[int, bool] = {}
        result = set()
        for quad in quads:
            ids_of = []
            for term in (quad.subject, quad.predicate, quad.object):
                found = by_term.get(term)
                if found is None:
                    found = by_term[term] = self.id(to_rdflib(term))
                ids_of.append(found)
            s, p, o = ids_of
            result.add((s, p, o))
            schema_predicate = reads_schema.get(p)
            if schema_predicate is None:
                predicate = nodes[p]
                schema_predicate = reads_schema[p] = (
                    predicate in SCHEMA_PREDICATES or predicate.startswith(OWL_NS) or predicate == RDF.type
                )
            if schema_predicate:
                triple = (nodes[s], nodes[p], nodes[o])
                if is_schema_triple(triple):
                    schema.add(triple)
        return result

    def oxigraph_term(self, term_id: int) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if self.oxigraph_nodes is None:
            self.oxigraph_nodes = {found: term for term, found in self.oxigraph_ids.items()}
            self.oxigraph_ids = {}
        term = self.oxigraph_nodes.get(term_id)
        if term is None:
            term = self.oxigraph_nodes[term_id] = to_oxigraph(self.nodes[term_id])
        return term


def is_schema_triple(triple: tuple) -> bool:
    _subject, predicate, obj = triple
    if predicate in SCHEMA_PREDICATES or str(predicate).startswith(OWL_NS):
        return True
    return predicate == RDF.type and isinstance(obj, URIRef) and str(obj).startswith((OWL_NS, RDFS_NS, RDF_NS))


def close_tbox(tbox: Graph) -> Graph:
    """The OWL 2 RL closure of the schema alone, with owlrl and the settings of app.reason."""
    closed = Graph()
    closed += tbox
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False, datatype_axioms=False
    ).expand(closed)
    return closed


# --- compiled rules ----------------------------------------------------------------------


def grouped(pairs: Iterable[tuple]) -> dict:
    result: dict = {}
    for key, value in sorted(set(pairs)):
        result.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in result.items()}


@dataclass
class Rules:
    """The A-box rules a closed T-box implies, as lookup tables on term ids."""

    type: int
    superclasses: dict[int, tuple]  # cax-sco      x a c            => x a d
    superproperties: dict[int, tuple]  # prp-spo1  x p y            => x q y
    swaps: dict[int, tuple]  # prp-inv/symp        x p y            => y q x
    domains: dict[int, tuple]  # prp-dom           x p y            => x a c
    ranges: dict[int, tuple]  # prp-rng            x p y            => y a c (y not a literal)
    transitive: frozenset  # prp-trp               x p y, y p z     => x p z
    chains: dict[int, tuple]  # prp-spo2 (head, [p1..pn]) by member x p1 y1 ... pn z => x head z
    chains_by_head: dict[int, tuple]
    intersections: dict[int, tuple]  # cls-int1 (class, members) by member
    intersections_by_class: dict[int, tuple]
    values_by_class: dict[int, tuple]  # cls-hv1   x a r            => x p v
    classes_by_value: dict[tuple, tuple]  # cls-hv2 x p v           => x a r
    value_predicates: frozenset
    shortcut: tuple  # the role-shortcut predicates (ids), read on asserted triples only
    indexed: frozenset  # predicates with a reverse (object -> subjects) index
    read_predicates: frozenset  # predicates some rule reads (besides the shortcut rule)
    # reverse tables, for re-derivation (DRed)
    subclasses: dict[int, tuple] = field(default_factory=dict)
    subproperties: dict[int, tuple] = field(default_factory=dict)
    swapped_from: dict[int, tuple] = field(default_factory=dict)
    domain_of: dict[int, tuple] = field(default_factory=dict)
    range_of: dict[int, tuple] = field(default_factory=dict)


def check_supported(tbox: Graph) -> None:
    unsupported = sorted(
        {
            str(term)
            for _s, p, o in tbox
            for term in ((o,) if p == RDF.type else (p,))
            if isinstance(term, URIRef) and str(term).startswith(OWL_NS) and term not in SUPPORTED_OWL
        }
    )
    if unsupported:
        raise UnsupportedAxiom(
            f"the fast reasoner does not implement {', '.join(unsupported)}; use the reference engine"
        )


def compile_rules(tbox: Graph, closed: Graph, terms: Terms) -> Rules:
    """Compile the closed T-box; refuse what this engine does not implement.

    `tbox` is the schema as stated (asserted schema triples and external axioms), `closed`
    its owlrl closure.
    """
    check_supported(tbox)
    tid = terms.id

    def pairs(predicate: URIRef) -> set[tuple[int, int]]:
        return {(tid(s), tid(o)) for s, o in closed.subject_objects(predicate) if s != o}

    thing, rdf_type = tid(OWL.Thing), tid(RDF.type)
    subclass = {(c, d) for c, d in pairs(RDFS.subClassOf) if d != thing}
    subproperty = pairs(RDFS.subPropertyOf)
    domains = {(p, c) for p, c in pairs(RDFS.domain) if c != thing}
    ranges = {(p, c) for p, c in pairs(RDFS.range) if c != thing}
    inverses = pairs(OWL.inverseOf)
    swaps = inverses | {(q, p) for p, q in inverses}
    swaps |= {(p, p) for p in map(tid, closed.subjects(RDF.type, OWL.SymmetricProperty))}
    transitive = frozenset(map(tid, closed.subjects(RDF.type, OWL.TransitiveProperty)))
    chains = [(tid(p), tuple(map(tid, closed.items(lst)))) for p, lst in closed.subject_objects(OWL.propertyChainAxiom)]
    chains = [(head, chain) for head, chain in chains if chain]
    intersections = [
        (tid(c), tuple(map(tid, closed.items(lst)))) for c, lst in closed.subject_objects(OWL.intersectionOf)
    ]
    intersections = [(c, members) for c, members in intersections if members]
    has_value = {
        (tid(r), tid(p), tid(v))
        for r, v in closed.subject_objects(OWL.hasValue)
        for p in closed.objects(r, OWL.onProperty)
    }
    shortcut = tuple(tid(URIRef(p)) for p in SHORTCUT_PREDICATES)

    # What is not materialised must be read by no rule.
    read_classes = {c for c, _ in subclass} | {m for _, ms in intersections for m in ms} | {r for r, _, _ in has_value}
    if thing in read_classes:
        raise UnsupportedAxiom("owl:Thing is read by a class axiom; use the reference engine")
    property_axioms = {p for pair in subproperty | swaps for p in pair} | transitive | {p for _, p, _ in has_value}
    property_axioms |= {p for head, chain in chains for p in (head, *chain)} | {p for p, _ in domains | ranges}
    if rdf_type in property_axioms:
        raise UnsupportedAxiom("rdf:type is used in a property axiom; use the reference engine")
    if any(str(terms.nodes[p]).startswith(OWL_NS) for p in property_axioms):
        raise UnsupportedAxiom(
            "an OWL property (owl:sameAs, ...) is used in a property axiom; use the reference engine"
        )
    derived = {q for _, q in subproperty | swaps} | {head for head, _ in chains} | {p for _, p, _ in has_value}
    schema = {terms.id(p) for p in SCHEMA_PREDICATES}
    if derived & schema or any(str(terms.nodes[p]).startswith(OWL_NS) for p in derived):
        raise UnsupportedAxiom("a property axiom derives schema triples; use the reference engine")
    typed = {d for _, d in subclass} | {c for _, c in domains | ranges} | {c for c, _ in intersections}
    typed |= {r for r, _, _ in has_value}
    if any(str(terms.nodes[c]).startswith(OWL_NS) for c in typed):
        raise UnsupportedAxiom("an axiom types individuals with OWL classes (schema); use the reference engine")

    chain_members = {p for _, chain in chains for p in chain}
    return Rules(
        type=rdf_type,
        superclasses=grouped(subclass),
        superproperties=grouped(subproperty),
        swaps=grouped(swaps),
        domains=grouped(domains),
        ranges=grouped(ranges),
        transitive=transitive,
        chains=grouped((p, (head, chain)) for head, chain in chains for p in set(chain)),
        chains_by_head=grouped(chains),
        intersections=grouped((m, (c, members)) for c, members in intersections for m in set(members)),
        intersections_by_class=grouped(intersections),
        values_by_class=grouped((r, (p, v)) for r, p, v in has_value),
        classes_by_value=grouped(((p, v), r) for r, p, v in has_value),
        value_predicates=frozenset(p for _, p, _ in has_value),
        shortcut=shortcut,
        indexed=frozenset(transitive | chain_members | {p for p, _ in ranges} | set(shortcut[:2])),
        read_predicates=frozenset(
            {p for p, _ in subproperty | swaps | domains | ranges}
            | transitive
            | chain_members
            | {rdf_type}
            | {p for _, p, _ in has_value}
        ),
        subclasses=grouped((d, c) for c, d in subclass),
        subproperties=grouped((q, p) for p, q in subproperty),
        swapped_from=grouped((q, p) for p, q in swaps),
        domain_of=grouped((c, p) for p, c in domains),
        range_of=grouped((c, p) for p, c in ranges),
    )


# --- the engine ------------------------------------------------------------------------


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: building millions of small sets and tuples (none
    of them in a cycle) otherwise triggers full collections over all of them, again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class FastReasoner:
    """The closure of one asserted graph, kept in memory and kept up to date."""

    def __init__(self, asserted: Graph) -> None:
        with no_gc():
            self._recompute(asserted)

    @classmethod
    def from_oxigraph(cls, quads: Iterable) -> FastReasoner:
        """The closure of the triples of pyoxigraph quads (or triples), read once."""
        reasoner = cls.__new__(cls)
        with no_gc():
            reasoner._recompute(quads, from_oxigraph=True)
        return reasoner

    # -- storage
    def _contains(self, s: int, p: int, o: int) -> bool:
        return o in self.spo.get(s, NO_PREDICATES).get(p, EMPTY)

    def _objects(self, s: int, p: int):
        return self.spo.get(s, NO_PREDICATES).get(p, EMPTY)

    def _subjects(self, p: int, o: int):
        return self.ops[p].get(o, EMPTY)

    def _insert(self, triple: Triple) -> bool:
        s, p, o = triple
        objects = self.spo.setdefault(s, {}).setdefault(p, set())
        if o in objects:
            return False
        objects.add(o)
        if p in self.rules.indexed and o not in self.terms.literals:
            self.ops[p].setdefault(o, set()).add(s)
        return True

    def _delete(self, triple: Triple) -> None:
        s, p, o = triple
        predicates = self.spo.get(s)
        if predicates is None or o not in predicates.get(p, EMPTY):
            return
        predicates[p].discard(o)
        if not predicates[p]:
            del predicates[p]
            if not predicates:
                del self.spo[s]
        if p in self.rules.indexed and o in self.ops[p]:
            self.ops[p][o].discard(s)

    def _asserted_objects(self, s: int, p: int) -> list[int]:
        asserted = self.asserted
        return [o for o in self._objects(s, p) if (s, p, o) in asserted]

    def _asserted_subjects(self, p: int, o: int) -> list[int]:
        asserted = self.asserted
        return [s for s in self._subjects(p, o) if (s, p, o) in asserted]

    # -- full computation
    def _recompute(self, asserted: Iterable, from_oxigraph: bool = False) -> None:
        self.terms = terms = Terms()
        tbox = Graph()
        asserted_ids = terms.oxigraph_triples(asserted, tbox) if from_oxigraph else terms.triples(asserted, tbox)
        tbox += external_axioms()
        closed = close_tbox(tbox)
        self.rules = compile_rules(tbox, closed, terms)
        self.asserted = asserted_ids
        self.axioms = {terms.triple(t) for t in closed} - asserted_ids
        self.spo: dict[int, dict[int, set[int]]] = {}
        self.ops: dict[int, dict[int, set[int]]] = {p: {} for p in self.rules.indexed}
        for triple in asserted_ids:
            self._insert(triple)
        for triple in self.axioms:
            self._insert(triple)
        self._saturate(list(asserted_ids), asserted=True)
        self._saturate(list(self.axioms))

    def _saturate(self, queue: list[Triple], asserted: bool = False) -> None:
        """Forward chaining from `queue` (triples already in the closure) to the fixpoint.

        `asserted` says the queued triples are asserted, for the rules that read asserted
        triples only; what they derive is not."""
        insert, consequences = self._insert, self.consequences
        read = self.rules.read_predicates
        if asserted:
            shortcut = set(self.rules.shortcut)
            queue = [
                head
                for triple in queue
                if triple[1] in read or triple[1] in shortcut
                for head in consequences(triple, True)
                if insert(head)
            ]
        while queue:
            triple = queue.pop()
            if triple[1] in read:
                for head in consequences(triple):
                    if insert(head):
                        queue.append(head)

    def consequences(self, triple: Triple, asserted: bool = False) -> Iterator[Triple]:
        """What the rules derive from `triple` with what is known now (duplicates included)."""
        s, p, o = triple
        rules = self.rules
        rdf_type = rules.type
        for q in rules.superproperties.get(p, ()):
            yield s, q, o
        for q in rules.swaps.get(p, ()):
            yield o, q, s
        for c in rules.domains.get(p, ()):
            yield s, rdf_type, c
        if o not in self.terms.literals:
            for c in rules.ranges.get(p, ()):
                yield o, rdf_type, c
        if p in rules.value_predicates:
            for r in rules.classes_by_value.get((p, o), ()):
                yield s, rdf_type, r
        if p in rules.transitive:
            for z in list(self._objects(o, p)):
                yield s, p, z
            for w in list(self._subjects(p, s)):
                yield w, p, o
        for head, chain in rules.chains.get(p, ()):
            yield from self._chain(head, chain, s, p, o)
        if p == rdf_type:
            for d in rules.superclasses.get(o, ()):
                yield s, rdf_type, d
            for q, v in rules.values_by_class.get(o, ()):
                yield s, q, v
            for c, members in rules.intersections.get(o, ()):
                if all(self._contains(s, rdf_type, m) for m in members):
                    yield s, rdf_type, c
        if asserted and p in rules.shortcut:
            yield from self._shortcuts(s, p, o)

    def _chain(self, head: int, chain: tuple, s: int, p: int, o: int) -> Iterator[Triple]:
        for position, member in enumerate(chain):
            if member != p:
                continue
            starts = {s}
            for step in reversed(chain[:position]):
                starts = {x for y in starts for x in self._subjects(step, y)}
            ends = {o}
            for step in chain[position + 1 :]:
                ends = {z for y in ends for z in self._objects(y, step)}
            for x in starts:
                for z in ends:
                    yield x, head, z

    def _shortcuts(self, s: int, p: int, o: int) -> Iterator[Triple]:
        """app.reason.SHORTCUT_RULE, joined on asserted triples, from one asserted triple."""
        has_participation, role, agent, shortcut = self.rules.shortcut
        objects, subjects = self._asserted_objects, self._asserted_subjects
        if p == has_participation:
            found = [(s, o, r, a) for r in objects(o, role) for a in objects(o, agent)]
        elif p == role:
            found = [(i, s, o, a) for i in subjects(has_participation, s) for a in objects(s, agent)]
        elif p == agent:
            found = [(i, s, r, o) for i in subjects(has_participation, s) for r in objects(s, role)]
        else:
            found = [
                (i, x, s, a)
                for x in subjects(role, s)
                for i in subjects(has_participation, x)
                for a in objects(x, agent)
            ]
        for initiative, _participation, role_concept, organisation in found:
            for prop in objects(role_concept, shortcut):
                yield initiative, prop, organisation

    def _supported(self, head: Triple) -> bool:
        """Does some rule derive `head` in one step from what is known now? (DRed re-derivation)"""
        x, q, y = head
        rules, contains = self.rules, self._contains
        rdf_type = rules.type
        if any(contains(x, p, y) for p in rules.subproperties.get(q, ())):
            return True
        if any(contains(y, p, x) for p in rules.swapped_from.get(q, ())):
            return True
        if q in rules.transitive and any(contains(m, q, y) for m in self._objects(x, q)):
            return True
        for chain in rules.chains_by_head.get(q, ()):
            ends = {x}
            for step in chain:
                ends = {z for m in ends for z in self._objects(m, step)}
            if y in ends:
                return True
        if q in rules.value_predicates and any(
            contains(x, rdf_type, r) for r in rules.classes_by_value.get((q, y), ())
        ):
            return True
        if q == rdf_type:
            if any(contains(x, rdf_type, c) for c in rules.subclasses.get(y, ())):
                return True
            if any(self._objects(x, p) for p in rules.domain_of.get(y, ())):
                return True
            if any(self._subjects(p, x) for p in rules.range_of.get(y, ())):
                return True
            if any(contains(x, p, v) for p, v in rules.values_by_class.get(y, ())):
                return True
            for members in rules.intersections_by_class.get(y, ()):
                if all(contains(x, rdf_type, m) for m in members):
                    return True
        return self._shortcut_supported(x, q, y)

    def _shortcut_supported(self, x: int, q: int, y: int) -> bool:
        has_participation, role, agent, shortcut = self.rules.shortcut
        objects, asserted = self._asserted_objects, self.asserted
        for participation in objects(x, has_participation):
            if (participation, agent, y) in asserted and any(
                (r, shortcut, q) in asserted for r in objects(participation, role)
            ):
                return True
        return False

    # -- results
    def inferred_triples(self) -> Iterator[tuple[Node, Node, Node]]:
        """What the reasoner adds to the asserted graph, filtered as app.reason does."""
        nodes = self.terms.nodes
        for s, p, o in self.inferred_ids():
            yield nodes[s], nodes[p], nodes[o]

    def inferred_oxigraph_triples(self) -> Iterator[ox.Triple]:
        """`inferred_triples` as pyoxigraph triples."""
        term = self.terms.oxigraph_term
        for s, p, o in self.inferred_ids():
            yield ox.Triple(term(s), term(p), term(o))

    def inferred_ids(self) -> Iterator[Triple]:
        nodes, asserted = self.terms.nodes, self.asserted
        for s, predicates in self.spo.items():
            subject = nodes[s]
            if not isinstance(subject, URIRef) or not str(subject).startswith(OUR_NAMESPACE):
                continue  # is_worth_keeping would drop every triple of this subject
            for p, objects in predicates.items():
                predicate = nodes[p]
                for o in objects:
                    if (s, p, o) not in asserted and is_worth_keeping((subject, predicate, nodes[o])):
                        yield s, p, o

    def inferred(self) -> Graph:
        graph = Graph()
        with no_gc():
            for triple in self.inferred_triples():
                graph.add(triple)
        return graph

    def closure_size(self) -> int:
        return sum(len(objects) for predicates in self.spo.values() for objects in predicates.values())

    def asserted_graph(self) -> Graph:
        graph = Graph()
        nodes = self.terms.nodes
        for s, p, o in self.asserted:
            graph.add((nodes[s], nodes[p], nodes[o]))
        return graph

    # -- incremental updates
    def update(self, added: Iterable[tuple] = (), removed: Iterable[tuple] = ()) -> Graph:
        """Change the asserted graph (rdflib triples); return the new inferred graph.

        Sound in every case: a change of the schema (a T-box triple added or removed)
        recompiles the rules and recomputes; otherwise removals go through DRed and
        additions through semi-naive forward chaining.
        """
        added, removed = set(added), set(removed)
        removed -= added
        with no_gc():
            if any(is_schema_triple(t) for t in added | removed):
                asserted = self.asserted_graph()
                for triple in removed:
                    asserted.remove(triple)
                for triple in added:
                    asserted.add(triple)
                self._recompute(asserted)
            else:
                if removed:
                    self._remove(removed)
                if added:
                    self._add(added)
        return self.inferred()

    def _add(self, added: set[tuple]) -> None:
        new = {self.terms.triple(t) for t in added} - self.asserted
        self.asserted |= new
        for triple in new:
            self._insert(triple)  # if it was inferred, it is asserted now; still queued for the shortcut rule
        self._saturate(list(new), asserted=True)

    def _remove(self, removed: set[tuple]) -> None:
        """DRed: over-delete, re-derive, propagate."""
        ids = [self._find(t) for t in removed]
        gone = {t for t in ids if t is not None and t in self.asserted}
        if not gone:
            return
        # 1. Everything derivable from the removed triples, against the old closure.
        overdeleted = set(gone)
        asserted, axioms = self.asserted, self.axioms
        queue = []
        for triple in gone:
            for head in self.consequences(triple, asserted=True):
                if head not in overdeleted and head not in asserted and head not in axioms and self._contains(*head):
                    overdeleted.add(head)
                    queue.append(head)
        while queue:
            for head in self.consequences(queue.pop()):
                if head not in overdeleted and head not in asserted and head not in axioms and self._contains(*head):
                    overdeleted.add(head)
                    queue.append(head)
        self.asserted -= gone
        for triple in overdeleted:
            self._delete(triple)
        # 2. What still has a derivation from what is left, 3. and its consequences.
        rederived = [triple for triple in overdeleted if self._supported(triple)]
        for triple in rederived:
            self._insert(triple)
        self._saturate(rederived)

    def _find(self, triple: tuple) -> Triple | None:
        found = tuple(self.terms.find(term) for term in triple)
        return None if None in found else found  # type: ignore[return-value]


def reason(asserted: Graph) -> Graph:
    """Drop-in for app.reason.reason: the triples the reasoner adds to `asserted`."""
    return FastReasoner(asserted).inferred()


def reason_incremental(reasoner: FastReasoner, added: Iterable[tuple] = (), removed: Iterable[tuple] = ()) -> Graph:
    """The inferred graph after adding and removing asserted triples, from the reasoner
    that holds the previous closure (built once with `FastReasoner(asserted)`)."""
    return reasoner.update(added, removed)

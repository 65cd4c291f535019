"""Every constraint in ontology/shapes.ttl can fail.

tests/fixtures/valid-minimal.ttl is a small valid dataset with a focus node for every
shape. Each case below applies one SPARQL Update to a copy of it, loads the result the
way the build does (`expand_time`, ontology added) and expects one violation, named by
focus node, path and constraint component. `test_every_constraint_has_a_failing_case`
reads shapes.ttl and fails when a shape, or one constraint parameter of a shape, has no
case that makes it fail.

Updates are written relative to the id namespace (BASE) with the project's prefixes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

import pytest
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from app.core.config import PROJECT_ROOT
from app.load import expand_time
from app.namespaces import ID, PREFIXES, SH
from app.validate import ValidationReport, Violation, load_shapes, validate

SHAPES_FILE = PROJECT_ROOT / "ontology" / "shapes.ttl"
ONTOLOGY_FILE = PROJECT_ROOT / "ontology" / "migcoop.ttl"
FIXTURE_FILE = Path(__file__).parent / "fixtures" / "valid-minimal.ttl"

UPDATE_PROLOGUE = f"BASE <{ID}>\n"

# Focus nodes of the fixture.
PROGRAMME = "<programme/mieux>"
ACTION = "<action/mieux/zambia>"
PERIOD = "<action/mieux/zambia/period>"
PART = "<action/mieux/zambia/participation/beneficiary-institution/zambian-anti-human-trafficking-secretariat>"
EXPERTS = "<action/mieux/zambia/experts/nld>"
BUDGET = "<action/mieux/zambia/budget>"
FUNDING = "<action/mieux/zambia/funding/dci>"
ACTIVITY = "<action/mieux/zambia/activity/2010-11-training>"
ACTIVITY_PERIOD = "<action/mieux/zambia/activity/2010-11-training/period>"
OUTPUT = "<output/zmb-national-action-plan-thb>"
MILESTONE = "<output/zmb-national-action-plan-thb/milestone/2011-03-presented>"
SOURCE = "<source/004>"
ORG = "<org/zambian-anti-human-trafficking-secretariat>"
ZMB = "<country/ZMB>"
AREA = "<m49/014>"
PLACE = "<place/lusaka>"
ROLE = "<role/beneficiary-institution>"
BLANK = "_:"  # expected focus: any blank node

# Constraint components (local names in the sh: namespace).
MIN_COUNT = "MinCountConstraintComponent"
MAX_COUNT = "MaxCountConstraintComponent"
CLASS = "ClassConstraintComponent"
DATATYPE = "DatatypeConstraintComponent"
IN = "InConstraintComponent"
PATTERN = "PatternConstraintComponent"
OR = "OrConstraintComponent"
NODE_KIND = "NodeKindConstraintComponent"
MIN_INCLUSIVE = "MinInclusiveConstraintComponent"
MAX_INCLUSIVE = "MaxInclusiveConstraintComponent"
MIN_EXCLUSIVE = "MinExclusiveConstraintComponent"
LESS_EQ = "LessThanOrEqualsConstraintComponent"
LANGUAGE_IN = "LanguageInConstraintComponent"


def drop(node: str, *props: str) -> str:
    """Delete every value of each property of `node`."""
    pattern = " ; ".join(f"{prop} ?v{i}" for i, prop in enumerate(props))
    return f"DELETE WHERE {{ {node} {pattern} }}"


def add(node: str, prop: str, value: str) -> str:
    return f"INSERT DATA {{ {node} {prop} {value} }}"


def swap(node: str, prop: str, value: str) -> str:
    """Replace the values of `prop` on `node` by `value` (no-op if it has none)."""
    return f"DELETE {{ {node} {prop} ?v }} INSERT {{ {node} {prop} {value} }} WHERE {{ {node} {prop} ?v }}"


class Case(NamedTuple):
    id: str
    update: str
    focus: str
    path: str | None  # prefixed name, "^" for an inverse path, None for node-level constraints
    component: str


# fmt: off
CASES = [
    # InitiativeShape
    Case("initiative-blank-node", "INSERT DATA { [] a mc:Programme ; rdfs:label 'X'@en }", BLANK, None, NODE_KIND),
    Case("initiative-label-missing", drop(PROGRAMME, "rdfs:label"), PROGRAMME, "rdfs:label", MIN_COUNT),
    Case("initiative-label-no-language", swap(PROGRAMME, "rdfs:label", "'MIEUX'"), PROGRAMME, "rdfs:label", DATATYPE),
    Case("initiative-label-not-english", swap(PROGRAMME, "rdfs:label", "'MIEUX'@fr"), PROGRAMME, "rdfs:label", LANGUAGE_IN),
    Case("funding-contribution-not-contribution", add(ACTION, "mc:hasFundingContribution", BUDGET), ACTION, "mc:hasFundingContribution", CLASS),
    Case("initiative-two-titles", add(ACTION, "dct:title", "'Zambia THB'@en"), ACTION, "dct:title", MAX_COUNT),
    Case("initiative-source-missing", drop(PROGRAMME, "prov:wasDerivedFrom"), PROGRAMME, "prov:wasDerivedFrom", MIN_COUNT),
    Case("initiative-source-not-document", swap(PROGRAMME, "prov:wasDerivedFrom", "<org/eu>"), PROGRAMME, "prov:wasDerivedFrom", CLASS),
    Case("initiative-two-periods", add(ACTION, "mc:period", ACTIVITY_PERIOD), ACTION, "mc:period", MAX_COUNT),
    Case("initiative-period-is-instant", swap(ACTION, "mc:period", "<time/2010-06>"), ACTION, "mc:period", CLASS),
    Case("partner-country-not-country", add(ACTION, "mc:partnerCountry", PLACE), ACTION, "mc:partnerCountry", CLASS),
    Case("involves-country-not-country", add(ACTION, "mc:involvesCountry", AREA), ACTION, "mc:involvesCountry", CLASS),
    Case("has-participation-not-participation", add(ACTION, "mc:hasParticipation", "<org/eu>"), ACTION, "mc:hasParticipation", CLASS),
    Case("thematic-area-not-theme", swap(ACTION, "mc:thematicArea", "<instrument/dci>"), ACTION, "mc:thematicArea", CLASS),
    Case("two-activity-statuses", add(ACTION, "mc:activityStatus", "<code/iati/ActivityStatus/2>"), ACTION, "mc:activityStatus", MAX_COUNT),
    Case("activity-status-not-iati", swap(ACTION, "mc:activityStatus", "<event-status/held>"), ACTION, "mc:activityStatus", IN),
    Case("two-ongoing-as-of", add(ACTION, "mc:ongoingAsOf", "'2016'^^xsd:gYear, '2016-02'^^xsd:gYearMonth"), ACTION, "mc:ongoingAsOf", MAX_COUNT),
    Case("ongoing-as-of-not-date", add(ACTION, "mc:ongoingAsOf", "'February 2016'"), ACTION, "mc:ongoingAsOf", OR),
    Case("two-budgets", add(ACTION, "mc:budget", "<action/mieux/zambia/budget-2>"), ACTION, "mc:budget", MAX_COUNT),
    Case("budget-not-budget", swap(ACTION, "mc:budget", FUNDING), ACTION, "mc:budget", CLASS),
    # ActionShape
    Case("action-iri-pattern", "INSERT DATA { <action/MIEUX/Zambia> a mc:Action }", "<action/MIEUX/Zambia>", None, PATTERN),
    Case("action-two-programmes", add(ACTION, "mc:partOfProgramme", "<programme/mpf>"), ACTION, "mc:partOfProgramme", MAX_COUNT),
    Case("action-programme-not-programme", swap(ACTION, "mc:partOfProgramme", ACTION), ACTION, "mc:partOfProgramme", CLASS),
    Case("follows-not-action", add(ACTION, "mc:follows", PROGRAMME), ACTION, "mc:follows", CLASS),
    Case("two-phase-numbers", add(ACTION, "mc:phaseNumber", "2"), ACTION, "mc:phaseNumber", MAX_COUNT),
    Case("phase-number-string", swap(ACTION, "mc:phaseNumber", "'I'"), ACTION, "mc:phaseNumber", DATATYPE),
    Case("phase-number-zero", swap(ACTION, "mc:phaseNumber", "0"), ACTION, "mc:phaseNumber", MIN_INCLUSIVE),
    Case("action-theme-missing", drop(ACTION, "mc:thematicArea"), ACTION, "mc:thematicArea", MIN_COUNT),
    Case("action-status-missing", drop(ACTION, "mc:activityStatus"), ACTION, "mc:activityStatus", MIN_COUNT),
    Case("expert-deployment-not-deployment", add(ACTION, "mc:hasExpertDeployment", PART), ACTION, "mc:hasExpertDeployment", CLASS),
    # ProgrammeShape
    Case("programme-iri-pattern", "INSERT DATA { <programme/MIEUX> a mc:Programme }", "<programme/MIEUX>", None, PATTERN),
    # ActivityShape
    Case("activity-blank-node", "INSERT DATA { [] a mc:Workshop ; rdfs:label 'X'@en }", BLANK, None, NODE_KIND),
    Case("activity-label-missing", drop(ACTIVITY, "rdfs:label"), ACTIVITY, "rdfs:label", MIN_COUNT),
    Case("activity-two-actions", add(ACTIVITY, "mc:partOfAction", PROGRAMME), ACTIVITY, "mc:partOfAction", MAX_COUNT),
    Case("activity-action-not-initiative", swap(ACTIVITY, "mc:partOfAction", OUTPUT), ACTIVITY, "mc:partOfAction", CLASS),
    Case("event-status-missing", drop(ACTIVITY, "mc:eventStatus"), ACTIVITY, "mc:eventStatus", MIN_COUNT),
    Case("two-event-statuses", add(ACTIVITY, "mc:eventStatus", "<event-status/planned>"), ACTIVITY, "mc:eventStatus", MAX_COUNT),
    Case("event-status-not-listed", swap(ACTIVITY, "mc:eventStatus", "<output-status/presented>"), ACTIVITY, "mc:eventStatus", IN),
    Case("held-in-not-area", swap(ACTIVITY, "mc:heldIn", "<org/eu>"), ACTIVITY, "mc:heldIn", CLASS),
    Case("activity-two-periods", add(ACTIVITY, "mc:period", PERIOD), ACTIVITY, "mc:period", MAX_COUNT),
    Case("activity-period-is-instant", swap(ACTIVITY, "mc:period", "<time/2010-11>"), ACTIVITY, "mc:period", CLASS),
    Case("activity-source-missing", drop(ACTIVITY, "prov:wasDerivedFrom"), ACTIVITY, "prov:wasDerivedFrom", MIN_COUNT),
    Case("activity-source-not-document", swap(ACTIVITY, "prov:wasDerivedFrom", ACTION), ACTIVITY, "prov:wasDerivedFrom", CLASS),
    # ParticipationShape
    Case("participation-blank-node", add(ACTION, "mc:hasParticipation", "[ a mc:Participation ]"), BLANK, None, NODE_KIND),
    Case("agent-missing", drop(PART, "mc:agent"), PART, "mc:agent", MIN_COUNT),
    Case("two-agents", add(PART, "mc:agent", "<org/eu>"), PART, "mc:agent", MAX_COUNT),
    Case("agent-not-organisation", swap(PART, "mc:agent", ZMB), PART, "mc:agent", CLASS),
    Case("role-missing", drop(PART, "mc:role"), PART, "mc:role", MIN_COUNT),
    Case("two-roles", add(PART, "mc:role", "<role/funder>"), PART, "mc:role", MAX_COUNT),
    Case("role-not-role", swap(PART, "mc:role", "<org-type/government-agency>"), PART, "mc:role", CLASS),
    Case("participation-orphan", drop(ACTION, "mc:hasParticipation"), PART, "^mc:hasParticipation", MIN_COUNT),
    Case("participation-source-missing", drop(PART, "prov:wasDerivedFrom"), PART, "prov:wasDerivedFrom", MIN_COUNT),
    Case("participation-source-not-document", swap(PART, "prov:wasDerivedFrom", ACTION), PART, "prov:wasDerivedFrom", CLASS),
    # ExpertDeploymentShape
    Case("experts-blank-node", add(ACTION, "mc:hasExpertDeployment", "[ a mc:ExpertDeployment ]"), BLANK, None, NODE_KIND),
    Case("experts-origin-missing", drop(EXPERTS, "mc:originCountry", "mc:originSector"), EXPERTS, None, OR),
    Case("two-origin-countries", add(EXPERTS, "mc:originCountry", ZMB), EXPERTS, "mc:originCountry", MAX_COUNT),
    Case("origin-country-not-country", swap(EXPERTS, "mc:originCountry", "<m49/155>"), EXPERTS, "mc:originCountry", CLASS),
    Case("two-origin-sectors", add(EXPERTS, "mc:originSector", "<expert-sector/academia>"), EXPERTS, "mc:originSector", MAX_COUNT),
    Case("origin-sector-not-sector", swap(EXPERTS, "mc:originSector", "<org-type/government-agency>"), EXPERTS, "mc:originSector", CLASS),
    Case("two-expert-numbers", add(EXPERTS, "mc:numberOfExperts", "3"), EXPERTS, "mc:numberOfExperts", MAX_COUNT),
    Case("expert-number-string", swap(EXPERTS, "mc:numberOfExperts", "'two'"), EXPERTS, "mc:numberOfExperts", DATATYPE),
    Case("expert-number-zero", swap(EXPERTS, "mc:numberOfExperts", "0"), EXPERTS, "mc:numberOfExperts", MIN_INCLUSIVE),
    Case("provided-by-not-organisation", add(EXPERTS, "mc:providedBy", ZMB), EXPERTS, "mc:providedBy", CLASS),
    Case("experts-origin-area-not-area", add(EXPERTS, "mc:originArea", "<org/eu>"), EXPERTS, "mc:originArea", CLASS),
    Case("experts-orphan", drop(ACTION, "mc:hasExpertDeployment"), EXPERTS, "^mc:hasExpertDeployment", MIN_COUNT),
    Case("experts-source-missing", drop(EXPERTS, "prov:wasDerivedFrom"), EXPERTS, "prov:wasDerivedFrom", MIN_COUNT),
    Case("experts-source-not-document", swap(EXPERTS, "prov:wasDerivedFrom", ORG), EXPERTS, "prov:wasDerivedFrom", CLASS),
    # OrganisationShape
    Case("organisation-iri-pattern", "INSERT DATA { <org/Europol> a org:Organization }", "<org/Europol>", None, PATTERN),
    Case("organisation-label-missing", drop(ORG, "rdfs:label"), ORG, "rdfs:label", MIN_COUNT),
    Case("organisation-type-missing", drop(ORG, "mc:organisationType"), ORG, "mc:organisationType", MIN_COUNT),
    Case("two-organisation-types", add(ORG, "mc:organisationType", "<org-type/eu-body>"), ORG, "mc:organisationType", MAX_COUNT),
    Case("organisation-type-not-type", swap(ORG, "mc:organisationType", ROLE), ORG, "mc:organisationType", CLASS),
    Case("organisation-two-countries", add(ORG, "mc:country", "<country/NLD>"), ORG, "mc:country", MAX_COUNT),
    Case("organisation-country-not-country", swap(ORG, "mc:country", PLACE), ORG, "mc:country", CLASS),
    Case("parent-not-organisation", add(ORG, "org:subOrganizationOf", ZMB), ORG, "org:subOrganizationOf", CLASS),
    # CountryShape
    Case("country-iri-pattern", "INSERT DATA { <country/ZM> a mc:Country }", "<country/ZM>", None, PATTERN),
    Case("iso2-missing", drop(ZMB, "mc:iso2"), ZMB, "mc:iso2", MIN_COUNT),
    Case("two-iso2", add(ZMB, "mc:iso2", "'ZA'"), ZMB, "mc:iso2", MAX_COUNT),
    Case("iso2-lower-case", swap(ZMB, "mc:iso2", "'zm'"), ZMB, "mc:iso2", PATTERN),
    Case("iso3-missing", drop(ZMB, "mc:iso3"), ZMB, "mc:iso3", MIN_COUNT),
    Case("two-iso3", add(ZMB, "mc:iso3", "'ZAM'"), ZMB, "mc:iso3", MAX_COUNT),
    Case("iso3-lower-case", swap(ZMB, "mc:iso3", "'zmb'"), ZMB, "mc:iso3", PATTERN),
    Case("country-m49-missing", drop(ZMB, "mc:m49"), ZMB, "mc:m49", MIN_COUNT),
    Case("country-two-m49", add(ZMB, "mc:m49", "'895'"), ZMB, "mc:m49", MAX_COUNT),
    Case("country-m49-not-padded", swap(ZMB, "mc:m49", "'14'"), ZMB, "mc:m49", PATTERN),
    Case("country-area-missing", drop(ZMB, "mc:withinArea"), ZMB, "mc:withinArea", MIN_COUNT),
    Case("country-area-not-m49", swap(ZMB, "mc:withinArea", PLACE), ZMB, "mc:withinArea", CLASS),
    Case("country-label-missing", drop(ZMB, "rdfs:label"), ZMB, "rdfs:label", MIN_COUNT),
    # M49AreaShape
    Case("area-m49-missing", drop(AREA, "mc:m49"), AREA, "mc:m49", MIN_COUNT),
    Case("area-two-m49", add(AREA, "mc:m49", "'015'"), AREA, "mc:m49", MAX_COUNT),
    Case("area-m49-not-padded", swap(AREA, "mc:m49", "'14'"), AREA, "mc:m49", PATTERN),
    Case("area-level-missing", drop(AREA, "mc:areaLevel"), AREA, "mc:areaLevel", MIN_COUNT),
    Case("area-level-not-concept", swap(AREA, "mc:areaLevel", "'intermediate region'"), AREA, "mc:areaLevel", CLASS),
    Case("two-area-levels", add(AREA, "mc:areaLevel", "<m49-level/sub-region>"), AREA, "mc:areaLevel", MAX_COUNT),
    # PlaceShape
    Case("place-area-missing", drop(PLACE, "mc:withinArea"), PLACE, "mc:withinArea", MIN_COUNT),
    Case("place-area-not-area", swap(PLACE, "mc:withinArea", "<org/eu>"), PLACE, "mc:withinArea", CLASS),
    Case("place-label-missing", drop(PLACE, "rdfs:label"), PLACE, "rdfs:label", MIN_COUNT),
    # OutputShape
    Case("output-iri-pattern", "INSERT DATA { <output/ZMB_plan> a mc:Report }", "<output/ZMB_plan>", None, PATTERN),
    Case("output-label-missing", drop(OUTPUT, "rdfs:label"), OUTPUT, "rdfs:label", MIN_COUNT),
    Case("generated-by-not-activity", swap(OUTPUT, "prov:wasGeneratedBy", "<org/eu>"), OUTPUT, "prov:wasGeneratedBy", CLASS),
    Case("milestone-not-milestone", add(OUTPUT, "mc:hasMilestone", BUDGET), OUTPUT, "mc:hasMilestone", CLASS),
    Case("output-source-missing", drop(OUTPUT, "prov:wasDerivedFrom"), OUTPUT, "prov:wasDerivedFrom", MIN_COUNT),
    Case("output-source-not-document", swap(OUTPUT, "prov:wasDerivedFrom", ACTION), OUTPUT, "prov:wasDerivedFrom", CLASS),
    # OutputMilestoneShape
    Case("milestone-status-missing", drop(MILESTONE, "mc:status"), MILESTONE, "mc:status", MIN_COUNT),
    Case("two-milestone-statuses", add(MILESTONE, "mc:status", "<output-status/adopted>"), MILESTONE, "mc:status", MAX_COUNT),
    Case("milestone-status-not-status", swap(MILESTONE, "mc:status", "<event-status/held>"), MILESTONE, "mc:status", CLASS),
    Case("two-milestone-dates", add(MILESTONE, "mc:date", "'2011'^^xsd:gYear"), MILESTONE, "mc:date", MAX_COUNT),
    Case("milestone-date-not-date", swap(MILESTONE, "mc:date", "'March 2011'"), MILESTONE, "mc:date", OR),
    Case("milestone-orphan", drop(OUTPUT, "mc:hasMilestone"), MILESTONE, "^mc:hasMilestone", MIN_COUNT),
    Case("milestone-source-missing", drop(MILESTONE, "prov:wasDerivedFrom"), MILESTONE, "prov:wasDerivedFrom", MIN_COUNT),
    Case("milestone-source-not-document", swap(MILESTONE, "prov:wasDerivedFrom", OUTPUT), MILESTONE, "prov:wasDerivedFrom", CLASS),
    # IntervalShape (mc:startDate / mc:endDate are added by expand_time)
    Case("beginning-missing", drop(PERIOD, "time:hasBeginning"), PERIOD, "time:hasBeginning", MIN_COUNT),
    Case("two-beginnings", add(PERIOD, "time:hasBeginning", "<time/2010-07>"), PERIOD, "time:hasBeginning", MAX_COUNT),
    Case("beginning-is-literal", swap(PERIOD, "time:hasBeginning", "'2010-06'"), PERIOD, "time:hasBeginning", PATTERN),
    Case("two-ends", add(PERIOD, "time:hasEnd", "<time/2011-04>"), PERIOD, "time:hasEnd", MAX_COUNT),
    Case("end-is-literal", swap(PERIOD, "time:hasEnd", "'2011-03'"), PERIOD, "time:hasEnd", PATTERN),
    Case("start-date-not-date", add(PERIOD, "mc:startDate", "'2010'^^xsd:gYear"), PERIOD, "mc:startDate", DATATYPE),
    Case("two-start-dates", add(PERIOD, "mc:startDate", "'2010-06-15'^^xsd:date"), PERIOD, "mc:startDate", MAX_COUNT),
    Case("end-before-start", swap(PERIOD, "time:hasEnd", "<time/2009>"), PERIOD, "mc:startDate", LESS_EQ),
    # BudgetShape
    Case("budget-value-missing", drop(BUDGET, "schema:value"), BUDGET, "schema:value", MIN_COUNT),
    Case("two-budget-values", add(BUDGET, "schema:value", "200000.00"), BUDGET, "schema:value", MAX_COUNT),
    Case("budget-value-string", swap(BUDGET, "schema:value", "'150,000'"), BUDGET, "schema:value", DATATYPE),
    Case("budget-value-zero", swap(BUDGET, "schema:value", "0.0"), BUDGET, "schema:value", MIN_EXCLUSIVE),
    Case("currency-missing", drop(BUDGET, "schema:currency"), BUDGET, "schema:currency", MIN_COUNT),
    Case("two-currencies", add(BUDGET, "schema:currency", "'USD'"), BUDGET, "schema:currency", MAX_COUNT),
    Case("budget-source-missing", drop(BUDGET, "prov:wasDerivedFrom"), BUDGET, "prov:wasDerivedFrom", MIN_COUNT),
    Case("budget-source-not-document", swap(BUDGET, "prov:wasDerivedFrom", "<org/eu>"), BUDGET, "prov:wasDerivedFrom", CLASS),
    Case("currency-not-iso", swap(BUDGET, "schema:currency", "'euro'"), BUDGET, "schema:currency", PATTERN),
    # FundingContributionShape
    Case("two-shares", add(FUNDING, "mc:shareOfBudget", "0.5"), FUNDING, "mc:shareOfBudget", MAX_COUNT),
    Case("share-string", swap(FUNDING, "mc:shareOfBudget", "'100%'"), FUNDING, "mc:shareOfBudget", DATATYPE),
    Case("share-negative", swap(FUNDING, "mc:shareOfBudget", "'-0.1'^^xsd:decimal"), FUNDING, "mc:shareOfBudget", MIN_INCLUSIVE),
    Case("share-percent", swap(FUNDING, "mc:shareOfBudget", "94.42"), FUNDING, "mc:shareOfBudget", MAX_INCLUSIVE),
    Case("funding-orphan", drop(ACTION, "mc:hasFundingContribution"), FUNDING, "^mc:hasFundingContribution", MIN_COUNT),
    Case("funding-source-missing", drop(FUNDING, "prov:wasDerivedFrom"), FUNDING, "prov:wasDerivedFrom", MIN_COUNT),
    Case("funding-source-not-document", swap(FUNDING, "prov:wasDerivedFrom", "<org/eu>"), FUNDING, "prov:wasDerivedFrom", CLASS),
    Case("funder-not-organisation", swap(FUNDING, "mc:funder", ZMB), FUNDING, "mc:funder", CLASS),
    Case("instrument-not-instrument", swap(FUNDING, "mc:instrument", ROLE), FUNDING, "mc:instrument", CLASS),
    # SourceDocumentShape
    Case("source-title-missing", drop(SOURCE, "dct:title"), SOURCE, "dct:title", MIN_COUNT),
    Case("source-file-missing", drop(SOURCE, "mc:fileName"), SOURCE, "mc:fileName", MIN_COUNT),
    # ConceptShape
    Case("concept-pref-label-missing", drop(ROLE, "skos:prefLabel"), ROLE, "skos:prefLabel", MIN_COUNT),
    Case("concept-scheme-missing", drop(ROLE, "skos:inScheme"), ROLE, "skos:inScheme", MIN_COUNT),
    Case("concept-scheme-not-scheme", swap(ROLE, "skos:inScheme", SOURCE), ROLE, "skos:inScheme", CLASS),
    # NoDanglingReferenceShape, LabelledResourceShape (SPARQL targets)
    Case("dangling-reference", swap(ACTION, "mc:partnerCountry", "<country/ZAM>"), "<country/ZAM>", "rdf:type", MIN_COUNT),
    Case("resource-label-missing", drop(BUDGET, "rdfs:label"), BUDGET, "rdfs:label", MIN_COUNT),
]
# fmt: on


# --- loading and validating --------------------------------------------------

NAMESPACES = NamespaceManager(Graph(), bind_namespaces="none")
for _prefix, _namespace in PREFIXES.items():
    NAMESPACES.bind(_prefix, _namespace, replace=True)


@cache
def shapes() -> Graph:
    return load_shapes(SHAPES_FILE)


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@cache
def fixture_data() -> Graph:
    return Graph().parse(FIXTURE_FILE, format="turtle")


def copy(graph: Graph) -> Graph:
    result = Graph()
    result += graph
    return result


def loaded(data: Graph) -> Graph:
    """What the build validates: the data with its instants expanded, plus the ontology."""
    graph = copy(data)
    expand_time(graph)
    graph += ontology()
    return graph


def broken(case: Case) -> Graph:
    data = copy(fixture_data())
    data.update(UPDATE_PROLOGUE + case.update, initNs=PREFIXES)
    assert set(data) != set(fixture_data()), f"{case.id}: the update changed nothing"
    return data


@cache
def report_for(case_id: str) -> ValidationReport:
    (case,) = (case for case in CASES if case.id == case_id)
    return validate(loaded(broken(case)), shapes())


def term(text: str) -> URIRef:
    if text.startswith("<"):
        return ID[text.strip("<>")]
    return NAMESPACES.expand_curie(text)


def focus_matches(actual: Node, expected: str) -> bool:
    return isinstance(actual, BNode) if expected == BLANK else actual == term(expected)


def path_matches(report: ValidationReport, actual: Node | None, expected: str | None) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if expected.startswith("^"):
        return report.report_graph.value(actual, SH.inversePath) == term(expected[1:])
    return actual == term(expected)


def matching(case: Case, report: ValidationReport) -> list[Violation]:
    return [
        violation
        for violation in report.violations
        if focus_matches(violation.focus, case.focus)
        and path_matches(report, violation.path, case.path)
        and violation.constraint == SH[case.component]
    ]


def describe(report: ValidationReport) -> str:
    return "\n".join(violation.describe() for violation in report.violations) or "(no violations)"


# --- tests -------------------------------------------------------------------


def test_fixture_conforms() -> None:
    report = validate(loaded(fixture_data()), shapes())
    assert report.violations == [], describe(report)
    assert report.conforms


def test_fixture_has_a_focus_node_for_every_target_class() -> None:
    graph = loaded(fixture_data())
    for target in sorted(set(shapes().objects(None, SH.targetClass))):
        instances = graph.query("SELECT ?x WHERE { ?x a/rdfs:subClassOf* ?class }", initBindings={"class": target})
        assert len(instances) > 0, f"tests/fixtures/valid-minimal.ttl has no instance of {target}"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_constraint_fails(case: Case) -> None:
    report = report_for(case.id)
    assert not report.conforms
    assert matching(case, report), f"expected {case.focus} {case.path} [{case.component}], got:\n{describe(report)}"


SHAPE_PARAMETERS_THAT_ARE_NOT_CONSTRAINTS = {
    "path", "message", "name", "description", "severity", "deactivated", "order", "group", "defaultValue",
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target", "property",
    "flags", "ignoredProperties", "declare", "prefixes", "qualifiedValueShape", "qualifiedValueShapesDisjoint",
}  # fmt: skip
COMPONENT_NAMES = {"sparql": "SPARQLConstraintComponent"}


def constraints_in(graph: Graph) -> set[tuple[Node, str]]:
    """(shape, constraint component) for every constraint of every node shape and property shape."""
    found = set()
    all_shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.objects(None, SH.property))
    for shape in all_shapes:
        for parameter in graph.predicates(shape):
            name = str(parameter).removeprefix(str(SH))
            if name == str(parameter) or name in SHAPE_PARAMETERS_THAT_ARE_NOT_CONSTRAINTS:
                continue
            found.add((shape, COMPONENT_NAMES.get(name, name[0].upper() + name[1:] + "ConstraintComponent")))
    return found


def shape_name(graph: Graph, shape: Node) -> str:
    if isinstance(shape, URIRef):
        return graph.namespace_manager.normalizeUri(shape)
    parent = graph.value(predicate=SH.property, object=shape)
    path = graph.value(shape, SH.path)
    inverse = graph.value(path, SH.inversePath)
    shown = f"^{inverse.n3(graph.namespace_manager)}" if inverse is not None else path.n3(graph.namespace_manager)
    return f"{shape_name(graph, parent)} {shown}"


def test_every_constraint_has_a_failing_case() -> None:
    graph = shapes()
    assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"
    required = constraints_in(graph)
    covered = set()
    for case in CASES:
        covered |= {(violation.shape, case.component) for violation in matching(case, report_for(case.id))}
    missing = sorted(f"{shape_name(graph, shape)} [{component}]" for shape, component in required - covered)
    assert not missing, "constraints without a failing case in tests/test_shapes.py:\n" + "\n".join(missing)
    for node_shape in graph.subjects(RDF.type, SH.NodeShape):
        own = {node_shape, *graph.objects(node_shape, SH.property)}
        assert any(shape in own for shape, _ in covered), f"{shape_name(graph, node_shape)} is never exercised"

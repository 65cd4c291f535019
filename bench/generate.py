"""Seeded generator of realistic synthetic data in the migcoop ontology, at any size.

    python -m bench.generate --actions 5000 --seed 1 --out var/bench/data-5000

The output is a data directory with the layout of `data/` (sources/NNN-*.ttl,
curation/*.ttl, reference/*.ttl copied from the real data), so the real
`app.build.build()` runs on it unchanged.

Nothing is hard-coded about how much of what there is: at generation time the
real data (data/sources + data/curation, read with the ontology and the
reference data) is measured into a `Profile` of empirical distributions —
action types, activities per action and their class mix, participations and
roles, organisations (reused or new), expert deployments and their origins,
outputs and milestones, periods and durations, planned/held, themes, codes,
phases — and every synthetic record is drawn from those distributions with
`random.Random(seed)`. Every node follows docs/data-conventions.md (relative
IRIs under `@base`, lower-case slugs, `prov:wasDerivedFrom` on every record,
English labels, no blank nodes) and the data conforms to ontology/shapes.ttl.

Records reference only IRIs the synthetic data set itself defines: reference
IRIs (countries, places, organisations, codes, themes) are copied with the
reference data; programmes used by the real actions are re-described in
source 000; organisations that the real data uses once (beneficiaries,
ministries) are drawn as new organisations, described in the source file, at
the rate the real data shows, so the number of distinct organisations grows
with the data as it would.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from app.core.config import PROJECT_ROOT
from app.namespaces import ID, MC, ORG, PROV, TIME

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data"
BASE = str(ID)
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
PREFIXES = """@base <https://w3id.org/migcoop/id/> .
@prefix mc: <https://w3id.org/migcoop/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix schema: <http://schema.org/> .
"""
EXPERT_PROPERTIES = ("originCountry", "originSector", "providedBy", "originArea")


# --- empirical distributions -------------------------------------------------


class Dist:
    """An empirical distribution: values with their observed counts, sampled in a fixed order."""

    def __init__(self, counts: Mapping[Hashable, int] | Iterable[Hashable]) -> None:
        counter = Counter(counts) if not isinstance(counts, Mapping) else Counter(dict(counts))
        items = sorted(((k, c) for k, c in counter.items() if c > 0), key=lambda kv: repr(kv[0]))
        self.values = [k for k, _ in items]
        self.counts = [c for _, c in items]
        self.cum = list(accumulate(self.counts))

    def __bool__(self) -> bool:
        return bool(self.values)

    @property
    def total(self) -> int:
        return self.cum[-1] if self.cum else 0

    def sample(self, rng: random.Random, default: Any = None) -> Any:
        if not self.values:
            return default
        return rng.choices(self.values, cum_weights=self.cum)[0]

    def mean(self) -> float:
        return sum(float(v) * c for v, c in zip(self.values, self.counts, strict=True)) / self.total

    def shares(self) -> dict[str, float]:
        return {str(v): c / self.total for v, c in zip(self.values, self.counts, strict=True)}

    def to_json(self) -> dict[str, int]:
        return {
            (v if isinstance(v, str) else json.dumps(v, default=str)): c
            for v, c in zip(self.values, self.counts, strict=True)
        }


@dataclass
class Rate:
    hits: int
    total: int

    @property
    def p(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def draw(self, rng: random.Random) -> bool:
        return rng.random() < self.p


def shrunk(hits: int, total: int, overall: Rate, weight: int = 2) -> Rate:
    """A per-class rate pulled towards the overall rate (small classes are noisy)."""
    return Rate(hits * 1000 + round(weight * overall.p * 1000), (total + weight) * 1000)


# --- the reference data the generator may point at -----------------------------


def local(node: Any) -> str:
    """The IRI relative to the id: base (the form used in the data files)."""
    text = str(node)
    return text[len(BASE) :] if text.startswith(BASE) else text


def subclasses(graph: Graph, root: URIRef) -> set[URIRef]:
    found = {root}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for child in graph.subjects(RDFS.subClassOf, parent):
            if isinstance(child, URIRef) and child not in found:
                found.add(child)
                frontier.append(child)
    return found


@dataclass
class Reference:
    """What the ontology and data/reference define: the IRIs a synthetic record may use."""

    typed: set[URIRef]
    labels: dict[URIRef, str]
    countries: list[URIRef]
    places_in_country: dict[URIRef, list[URIRef]]
    country_of: dict[URIRef, URIRef]
    regions_of: dict[URIRef, list[URIRef]]
    organisations: set[URIRef]
    action_classes: set[URIRef]
    activity_classes: set[URIRef]
    output_classes: set[URIRef]

    @classmethod
    def read(cls, ontology_dir: Path, data_dir: Path) -> Reference:
        graph = Graph()
        graph.parse(ontology_dir / "migcoop.ttl", format="turtle")
        for path in sorted((data_dir / "reference").glob("*.ttl")):
            graph.parse(path, format="turtle")
        labels: dict[URIRef, str] = {}
        for prop in (SKOS.prefLabel, RDFS.label):
            for subject, label in graph.subject_objects(prop):
                if isinstance(label, Literal) and label.language in (None, "en") and subject not in labels:
                    labels[subject] = str(label)
        countries = sorted(s for s in graph.subjects(RDF.type, MC.Country) if isinstance(s, URIRef))
        country_set = set(countries)
        places_in_country: dict[URIRef, list[URIRef]] = defaultdict(list)
        country_of: dict[URIRef, URIRef] = {}
        for place in sorted(graph.subjects(RDF.type, MC.Place)):
            country = graph.value(place, MC.country)
            if country is None:
                country = next((a for a in graph.objects(place, MC.withinArea) if a in country_set), None)
            if country is not None:
                places_in_country[country].append(place)
                country_of[place] = country
        regions_of = {
            c: sorted(a for a in graph.objects(c, MC.withinArea) if (a, RDF.type, MC.M49Area) in graph)
            for c in countries
        }
        organisation_classes = subclasses(graph, ORG.Organization)
        organisations = {
            s for cls_ in organisation_classes for s in graph.subjects(RDF.type, cls_) if isinstance(s, URIRef)
        }
        return cls(
            typed={s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)},
            labels=labels,
            countries=countries,
            places_in_country=dict(places_in_country),
            country_of=country_of,
            regions_of=regions_of,
            organisations=organisations,
            action_classes=subclasses(graph, MC.Action),
            activity_classes=subclasses(graph, MC.Activity),
            output_classes=subclasses(graph, MC.Output),
        )

    def label(self, node: URIRef) -> str:
        return self.labels.get(node) or local(node).rsplit("/", 1)[-1].replace("-", " ")


# --- the profile: distributions measured on the real data ----------------------


def instant_parts(node: Any) -> tuple[str, int, int, int] | None:
    """("month", 2011, 2, 1) for id:time/2011-02."""
    text = local(node)
    match = re.fullmatch(r"time/(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not match:
        return None
    year, month, day = match.groups()
    precision = "day" if day else "month" if month else "year"
    return precision, int(year), int(month or 1), int(day or 1)


def month_index(parts: tuple[str, int, int, int]) -> int:
    return parts[1] * 12 + parts[2] - 1


@dataclass
class Profile:
    """Empirical distributions of the real data (see `measure`)."""

    action_types: Dist
    programme: dict[tuple[str, ...], Dist]
    partner_count: Dist
    partner_country: Dist
    involves_count: Dist
    involves_country: Dist
    target_area_count: Dist
    target_area: Dist
    action_period: Rate
    action_precision: Dist
    action_has_end: Rate
    action_duration_months: Dist
    action_start_year: Dist
    ongoing_without_end: Rate
    status_with_end: Dist
    status_without_end: Dist
    theme_count: Dist
    theme: Dist
    sector_count: Dist
    sector: Dist
    gcm_count: Dist
    gcm: Dist
    phase: Rate
    phase_number: Dist
    follows: Rate
    related: Rate
    acronym: Rate
    alternative: Rate
    action_note: Rate
    budget: Rate
    funding_count: Dist
    funding_instrument: Dist
    funding_funder: Dist
    funding_share: Rate
    action_participations: Dist
    activity_participations: Dist
    action_role: Dist
    activity_role: Dist
    new_organisation: Rate
    reused_organisation: Dist
    new_organisation_type: Dist
    new_organisation_country: Rate
    activities: Dist
    activity_class: Dist
    activity_held_in: dict[str, Rate]
    held_in_count: Dist
    held_in_kind: Dist
    held_in_other_country: Dist
    held_in_other_place: Dist
    activity_period: dict[str, Rate]
    activity_precision: Dist
    activity_has_end: Rate
    activity_span: dict[str, Dist]
    planned: Rate
    activity_title: Rate
    activity_note: Rate
    experts: Dist
    expert_pattern: Dist
    expert_sector: dict[tuple[str, ...], Dist]
    expert_country: Dist
    expert_provider: Dist
    expert_area: Dist
    expert_number: Rate
    expert_number_value: Dist
    expert_note: Rate
    outputs: Dist
    output_types: Dist
    output_applies: Rate
    output_by_activity: Rate
    output_title: Rate
    output_note: Rate
    milestones: Dist
    milestone_status: Dist
    milestone_precision: Dist
    milestone_note: Rate
    participation_note: Rate
    source_as_of: Dist
    programmes: dict[str, list[tuple[Any, Any, Any]]] = field(default_factory=dict)
    real_counts: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        out: dict[str, Any] = {}
        for name, value in vars(self).items():
            if isinstance(value, Dist):
                out[name] = value.to_json()
            elif isinstance(value, Rate):
                out[name] = [value.hits, value.total]
            elif isinstance(value, dict) and name not in ("programmes",):
                out[name] = {
                    str(k): (v.to_json() if isinstance(v, Dist) else [v.hits, v.total] if isinstance(v, Rate) else v)
                    for k, v in value.items()
                }
        return out


def read_facts(data_dir: Path) -> Graph:
    facts = Graph()
    for folder in ("sources", "curation"):
        for path in sorted((data_dir / folder).glob("*.ttl")):
            facts.parse(path, format="turtle")
    return facts


def measure(ontology_dir: Path = ONTOLOGY_DIR, data_dir: Path = DATA_DIR) -> tuple[Profile, Reference]:
    """Measure the real data into a Profile; also return the reference data it may point at."""
    ref = Reference.read(ontology_dir, data_dir)
    facts = read_facts(data_dir)

    def objects(s: Any, p: URIRef) -> list:
        return sorted(facts.objects(s, p))

    def has(s: Any, p: URIRef) -> bool:
        return (s, p, None) in facts

    def known(values: Iterable[Any]) -> Counter:
        """Only values the synthetic data set defines too (the reference IRIs)."""
        return Counter(v for v in values if v in ref.typed)

    def rate(nodes: list, p: URIRef) -> Rate:
        return Rate(sum(1 for n in nodes if has(n, p)), len(nodes))

    actions = sorted({s for c in ref.action_classes for s in facts.subjects(RDF.type, c)})
    activities = sorted({s for c in ref.activity_classes for s in facts.subjects(RDF.type, c)})
    outputs = sorted({s for c in ref.output_classes for s in facts.subjects(RDF.type, c)})
    deployments = sorted(facts.subjects(RDF.type, MC.ExpertDeployment))
    participations = sorted(facts.subjects(RDF.type, MC.Participation))
    milestones = sorted(facts.subjects(RDF.type, MC.OutputMilestone))
    action_set, activity_set = set(actions), set(activities)

    # actions
    periods = [facts.value(a, MC.period) for a in actions if has(a, MC.period)]
    begins = [instant_parts(facts.value(p, TIME.hasBeginning)) for p in periods]
    durations: Counter = Counter()
    for period, begin in zip(periods, begins, strict=True):
        end = instant_parts(facts.value(period, TIME.hasEnd))
        if begin and end:
            durations[month_index(end) - month_index(begin)] += 1
    without_end = [a for a in actions if not (has(a, MC.period) and has(facts.value(a, MC.period), TIME.hasEnd))]
    status_with_end = Counter(
        facts.value(a, MC.activityStatus) for a in actions if a not in without_end and has(a, MC.activityStatus)
    )
    status_without_end = Counter(facts.value(a, MC.activityStatus) for a in without_end if has(a, MC.activityStatus))
    phased = [a for a in actions if has(a, MC.phaseNumber)]
    later_phases = [a for a in phased if int(facts.value(a, MC.phaseNumber)) > 1]
    fundings = sorted(facts.subjects(RDF.type, MC.FundingContribution))

    # participations and organisations
    owner_of = {p: s for s, p in facts.subject_objects(MC.hasParticipation)}
    action_parts = [p for p in participations if owner_of.get(p) in action_set]
    activity_parts = [p for p in participations if owner_of.get(p) in activity_set]
    agent_uses = Counter(facts.value(p, MC.agent) for p in participations)
    once = [p for p in participations if agent_uses[facts.value(p, MC.agent)] == 1]
    once_agents = [facts.value(p, MC.agent) for p in once]
    reused = Counter(facts.value(p, MC.agent) for p in participations if agent_uses[facts.value(p, MC.agent)] > 1)
    org_graph = Graph()
    for path in sorted((data_dir / "reference").glob("*.ttl")):
        org_graph.parse(path, format="turtle")
    once_types = Counter(
        org_graph.value(a, MC.organisationType) or facts.value(a, MC.organisationType) for a in once_agents
    )
    once_with_country = sum(1 for a in once_agents if (a, MC.country, None) in org_graph or has(a, MC.country))

    # activities
    activity_type = {
        a: next(c for c in sorted(facts.objects(a, RDF.type)) if c in ref.activity_classes) for a in activities
    }
    overall_held = rate(activities, MC.heldIn)
    held_by_class: dict[str, Rate] = {}
    period_by_status: dict[str, Rate] = {}
    for cls_ in sorted(set(activity_type.values())):
        members = [a for a in activities if activity_type[a] == cls_]
        hit = rate(members, MC.heldIn)
        held_by_class[local_name(cls_)] = shrunk(hit.hits, hit.total, overall_held)
    for status in ("held", "planned"):
        members = [a for a in activities if local(facts.value(a, MC.eventStatus)) == f"event-status/{status}"]
        period_by_status[status] = rate(members, MC.period)
    kinds: Counter = Counter()
    other_countries: Counter = Counter()
    other_places: Counter = Counter()
    for activity in activities:
        action = facts.value(activity, MC.partOfAction)
        partners = set(facts.objects(action, MC.partnerCountry)) if action is not None else set()
        for place in facts.objects(activity, MC.heldIn):
            if place in partners:
                kinds["partner-country"] += 1
            elif place in ref.country_of and ref.country_of[place] in partners:
                kinds["partner-place"] += 1
            elif place in ref.regions_of:
                kinds["other-country"] += 1
                other_countries[place] += 1
            elif place in ref.country_of:
                kinds["other-place"] += 1
                other_places[place] += 1
            else:
                kinds["region"] += 1
    act_periods = [facts.value(a, MC.period) for a in activities if has(a, MC.period)]
    act_begins = [instant_parts(facts.value(p, TIME.hasBeginning)) for p in act_periods]
    spans: dict[str, Counter] = defaultdict(Counter)
    act_ends = 0
    for period, begin in zip(act_periods, act_begins, strict=True):
        end = instant_parts(facts.value(period, TIME.hasEnd))
        if begin and end:
            act_ends += 1
            if end[0] == begin[0]:
                if begin[0] == "day":
                    span = (date(*end[1:]) - date(*begin[1:])).days
                elif begin[0] == "month":
                    span = month_index(end) - month_index(begin)
                else:
                    span = end[1] - begin[1]
                spans[begin[0]][span] += 1

    # experts
    patterns = Counter(tuple(p for p in EXPERT_PROPERTIES if has(d, MC[p])) for d in deployments)
    sector_by_pattern: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for d in deployments:
        pattern = tuple(p for p in EXPERT_PROPERTIES if has(d, MC[p]))
        if has(d, MC.originSector):
            sector_by_pattern[pattern][facts.value(d, MC.originSector)] += 1

    # outputs
    output_generator = {o: facts.value(o, PROV.wasGeneratedBy) for o in outputs}
    per_action_outputs = Counter(g for g in output_generator.values() if g in action_set)
    for activity in activities:
        if activity in output_generator.values():
            per_action_outputs[facts.value(activity, MC.partOfAction)] += 1
    milestone_precision = Counter(facts.value(m, MC.date).datatype for m in milestones if has(m, MC.date))

    by_types: dict[tuple[str, ...], list] = defaultdict(list)
    for action in actions:
        by_types[tuple(sorted(local_name(t) for t in facts.objects(action, RDF.type)))].append(action)

    # programmes, re-described in source 000 of the synthetic data
    programme_triples: dict[str, list] = {}
    for programme in sorted({facts.value(a, MC.partOfProgramme) for a in actions if has(a, MC.partOfProgramme)}):
        triples = [t for t in facts.triples((programme, None, None)) if t[1] != PROV.wasDerivedFrom]
        for participation in objects(programme, MC.hasParticipation):
            triples += [t for t in facts.triples((participation, None, None)) if t[1] != PROV.wasDerivedFrom]
        programme_triples[local(programme)] = sorted(triples)

    profile = Profile(
        action_types=Dist(tuple(sorted(local_name(t) for t in facts.objects(a, RDF.type))) for a in actions),
        programme={
            types: Dist(
                local(facts.value(a, MC.partOfProgramme)) if has(a, MC.partOfProgramme) else "" for a in members
            )
            for types, members in sorted(by_types.items())
        },
        partner_count=Dist(len(objects(a, MC.partnerCountry)) for a in actions),
        partner_country=Dist(known(o for a in actions for o in objects(a, MC.partnerCountry))),
        involves_count=Dist(len(objects(a, MC.involvesCountry)) for a in actions),
        involves_country=Dist(known(o for a in actions for o in objects(a, MC.involvesCountry))),
        target_area_count=Dist(len(objects(a, MC.targetArea)) for a in actions),
        target_area=Dist(known(o for a in actions for o in objects(a, MC.targetArea))),
        action_period=rate(actions, MC.period),
        action_precision=Dist(b[0] for b in begins if b),
        action_has_end=Rate(sum(1 for p in periods if has(p, TIME.hasEnd)), len(periods)),
        action_duration_months=Dist(durations),
        action_start_year=Dist(b[1] for b in begins if b),
        ongoing_without_end=rate(without_end, MC.ongoingAsOf),
        status_with_end=Dist({local(k): v for k, v in status_with_end.items()}),
        status_without_end=Dist({local(k): v for k, v in status_without_end.items()}),
        theme_count=Dist(len(objects(a, MC.thematicArea)) for a in actions),
        theme=Dist(known(o for a in actions for o in objects(a, MC.thematicArea))),
        sector_count=Dist(len(objects(a, MC.sector)) for a in actions),
        sector=Dist(known(o for a in actions for o in objects(a, MC.sector))),
        gcm_count=Dist(len(objects(a, MC.gcmObjective)) for a in actions),
        gcm=Dist(known(o for a in actions for o in objects(a, MC.gcmObjective))),
        phase=Rate(len(phased), len(actions)),
        phase_number=Dist(int(facts.value(a, MC.phaseNumber)) for a in phased),
        follows=rate(later_phases, MC.follows),
        related=rate(actions, MC.relatedInitiative),
        acronym=rate(actions, MC.acronym),
        alternative=rate(actions, DCTERMS.alternative),
        action_note=rate(actions + periods, MC.readingNote),
        budget=rate(actions, MC.budget),
        funding_count=Dist(len(objects(a, MC.hasFundingContribution)) for a in actions),
        funding_instrument=Dist(known(facts.value(f, MC.instrument) for f in fundings)),
        funding_funder=Dist(known(facts.value(f, MC.funder) for f in fundings)),
        funding_share=rate(fundings, MC.shareOfBudget),
        action_participations=Dist(len(objects(a, MC.hasParticipation)) for a in actions),
        activity_participations=Dist(len(objects(a, MC.hasParticipation)) for a in activities),
        action_role=Dist(known(facts.value(p, MC.role) for p in action_parts)),
        activity_role=Dist(known(facts.value(p, MC.role) for p in activity_parts)),
        new_organisation=Rate(len(once), len(participations)),
        reused_organisation=Dist(known(reused.elements())),
        new_organisation_type=Dist(known(once_types.elements())),
        new_organisation_country=Rate(once_with_country, len(once_agents)),
        activities=Dist(sum(1 for _ in facts.subjects(MC.partOfAction, a)) for a in actions),
        activity_class=Dist(local_name(activity_type[a]) for a in activities if has(a, MC.partOfAction)),
        activity_held_in=held_by_class,
        held_in_count=Dist(len(objects(a, MC.heldIn)) for a in activities if has(a, MC.heldIn)),
        held_in_kind=Dist(kinds),
        held_in_other_country=Dist(other_countries),
        held_in_other_place=Dist(other_places),
        activity_period=period_by_status,
        activity_precision=Dist(b[0] for b in act_begins if b),
        activity_has_end=Rate(act_ends, len(act_periods)),
        activity_span={k: Dist(v) for k, v in sorted(spans.items())},
        planned=Rate(
            sum(1 for a in activities if local(facts.value(a, MC.eventStatus)) == "event-status/planned"),
            len(activities),
        ),
        activity_title=rate(activities, DCTERMS.title),
        activity_note=rate(activities + act_periods, MC.readingNote),
        experts=Dist(len(objects(a, MC.hasExpertDeployment)) for a in actions),
        expert_pattern=Dist(patterns),
        expert_sector={k: Dist(known(v.elements())) for k, v in sorted(sector_by_pattern.items())},
        expert_country=Dist(known(facts.value(d, MC.originCountry) for d in deployments if has(d, MC.originCountry))),
        expert_provider=Dist(known(o for d in deployments for o in objects(d, MC.providedBy))),
        expert_area=Dist(known(o for d in deployments for o in objects(d, MC.originArea))),
        expert_number=rate(deployments, MC.numberOfExperts),
        expert_number_value=Dist(
            int(facts.value(d, MC.numberOfExperts)) for d in deployments if has(d, MC.numberOfExperts)
        ),
        expert_note=rate(deployments, MC.readingNote),
        outputs=Dist(per_action_outputs.get(a, 0) for a in actions),
        output_types=Dist(tuple(sorted(local_name(t) for t in facts.objects(o, RDF.type))) for o in outputs),
        output_applies=rate(outputs, MC.appliesTo),
        output_by_activity=Rate(sum(1 for g in output_generator.values() if g in activity_set), len(outputs)),
        output_title=rate(outputs, DCTERMS.title),
        output_note=rate(outputs, MC.readingNote),
        milestones=Dist(len(objects(o, MC.hasMilestone)) for o in outputs),
        milestone_status=Dist(known(facts.value(m, MC.status) for m in milestones)),
        milestone_precision=Dist(local_name(d) for d in milestone_precision.elements()),
        milestone_note=rate(milestones, MC.readingNote),
        participation_note=rate(participations, MC.readingNote),
        source_as_of=Dist(str(facts.value(s, MC.asOf)) for s in facts.subjects(RDF.type, MC.SourceDocument)),
        programmes=programme_triples,
    )
    profile.real_counts = {
        "actions": len(actions),
        "activities": len(activities),
        "outputs": len(outputs),
        "expert_deployments": len(deployments),
        "participations": len(participations),
        "milestones": len(milestones),
        "facts_triples": len(facts),
    }
    return profile, ref


def local_name(node: Any) -> str:
    text = str(node)
    return re.split(r"[#/]", text)[-1]


def slug(name: str) -> str:
    """StudyVisit -> study-visit."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def lit(text: str, lang: str | None = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def iri(relative: str) -> str:
    return f"<{relative}>"


# --- time ------------------------------------------------------------------


@dataclass(frozen=True)
class Instant:
    precision: str
    year: int
    month: int = 1
    day: int = 1

    @property
    def name(self) -> str:
        if self.precision == "year":
            return f"time/{self.year:04d}"
        if self.precision == "month":
            return f"time/{self.year:04d}-{self.month:02d}"
        return f"time/{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def text(self) -> str:
        if self.precision == "year":
            return str(self.year)
        if self.precision == "month":
            return f"{MONTHS[self.month - 1]} {self.year}"
        return f"{self.day} {MONTHS[self.month - 1]} {self.year}"

    @property
    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def plus_months(self, months: int) -> Instant:
        index = self.index + months
        return Instant(self.precision, index // 12, index % 12 + 1, self.day)


def instant_at(precision: str, index: int, rng: random.Random) -> Instant:
    year, month = divmod(index, 12)
    if precision == "year":
        return Instant("year", year)
    if precision == "month":
        return Instant("month", year, month + 1)
    return Instant("day", year, month + 1, rng.randint(1, 28))


def end_after(begin: Instant, span: int) -> Instant:
    """The end `span` units (years, months or days) after `begin`, at the same precision."""
    if begin.precision == "year":
        return Instant("year", begin.year + span)
    if begin.precision == "month":
        return begin.plus_months(span)
    day = begin.day + span
    if day <= 28:
        return Instant("day", begin.year, begin.month, day)
    later = begin.plus_months(1)
    return Instant("day", later.year, later.month, min(28, day - 28))


def period_label(begin: Instant, end: Instant | None, ongoing: str | None) -> str:
    if end is None:
        return f"{begin.text} to present ({ongoing})" if ongoing else f"from {begin.text}"
    if end == begin:
        return begin.text
    return f"{begin.text} to {end.text}"


# --- the generator ----------------------------------------------------------


THEME_VERBS = ["strengthen", "modernise", "review", "plan", "coordinate", "improve", "assess", "document"]
AUDIENCES = ["national officials", "regional authorities", "border staff", "ministry staff", "local administrations"]


@dataclass
class Counts:
    actions: int = 0
    activities: int = 0
    outputs: int = 0
    milestones: int = 0
    expert_deployments: int = 0
    participations: int = 0
    new_organisations: int = 0
    periods: int = 0
    lines: int = 0


class Chunk:
    """One synthetic source document: its facts file and its curation file."""

    def __init__(self, code: str, profile: Profile, ref: Reference, rng: random.Random, counts: Counts) -> None:
        self.code = code
        self.profile = profile
        self.ref = ref
        self.rng = rng
        self.counts = counts
        self.facts: list[str] = []
        self.curation: list[str] = []
        self.phase_tails: dict[int, list[str]] = defaultdict(list)
        self.actions: list[str] = []
        self.org_serial = 0
        self.org_labels: dict[str, str] = {}

    @property
    def source(self) -> str:
        return f"<source/{self.code}>"

    def node(self, subject: str, lines: list[tuple[str, str]]) -> None:
        body = " ;\n    ".join(f"{p} {o}" for p, o in lines)
        self.facts.append(f"{iri(subject)} {body} .\n")

    def record(self, subject: str, lines: list[tuple[str, str]]) -> None:
        self.node(subject, [*lines, ("prov:wasDerivedFrom", self.source)])

    def note(self, rate: Rate, what: str) -> list[tuple[str, str]]:
        if not rate.draw(self.rng):
            return []
        return [
            (
                "mc:readingNote",
                lit(
                    f"Synthetic reading note: the {what} was read from a damaged passage of the source and the most likely value recorded."
                ),
            )
        ]

    def period(self, owner: str, begin: Instant, end: Instant | None, ongoing: str | None, note: Rate) -> str:
        name = f"{owner}/period"
        lines = [
            ("a", "time:ProperInterval"),
            ("rdfs:label", lit(period_label(begin, end, ongoing))),
            ("time:hasBeginning", iri(begin.name)),
        ]
        if end is not None:
            lines.append(("time:hasEnd", iri(end.name)))
        lines += self.note(note, "period")
        self.node(name, lines)
        self.counts.periods += 1
        return name

    # organisations

    def organisation(self, country: str | None) -> str:
        p, rng = self.profile, self.rng
        if not p.new_organisation.draw(rng) and p.reused_organisation:
            return local(p.reused_organisation.sample(rng))
        self.org_serial += 1
        name = f"org/syn-{self.code}-{self.org_serial:05d}"
        org_type = p.new_organisation_type.sample(rng)
        type_label = self.ref.label(org_type) if org_type is not None else "institution"
        where = self.ref.label(URIRef(BASE + country)) if country else "the region"
        self.org_labels[name] = f"Synthetic {type_label} {self.code}-{self.org_serial} ({where})"
        lines = [
            ("a", "org:Organization"),
            ("rdfs:label", lit(self.org_labels[name])),
            ("mc:organisationType", iri(local(org_type)) if org_type is not None else "<org-type/government-agency>"),
        ]
        if country and p.new_organisation_country.draw(rng):
            lines.append(("mc:country", iri(country)))
        self.record(name, lines)
        self.counts.new_organisations += 1
        return name

    def agent_label(self, agent: str) -> str:
        return self.org_labels.get(agent) or self.ref.label(URIRef(BASE + agent))

    def participations(self, owner: str, owner_label: str, count: int, roles: Dist, country: str | None) -> list[str]:
        made: list[str] = []
        for _ in range(count):
            role = roles.sample(self.rng)
            if role is None:
                break
            agent = self.organisation(country)
            name = f"{owner}/participation/{local(role).split('/', 1)[1]}/{agent.split('/', 1)[1]}"
            if name in made:
                continue
            self.record(
                name,
                [
                    ("a", "mc:Participation"),
                    ("rdfs:label", lit(f"{self.agent_label(agent)} as {self.ref.label(role)} of {owner_label}")),
                    ("mc:agent", iri(agent)),
                    ("mc:role", iri(local(role))),
                    *self.note(self.profile.participation_note, "role"),
                ],
            )
            made.append(name)
            self.counts.participations += 1
        return made

    # actions

    def action(self, serial: int) -> None:
        p, rng, ref = self.profile, self.rng, self.ref
        types = p.action_types.sample(rng)
        partners = sorted({local(p.partner_country.sample(rng)) for _ in range(p.partner_count.sample(rng, 0))})
        country = partners[0] if partners else None
        themes = sorted({p.theme.sample(rng) for _ in range(max(1, p.theme_count.sample(rng, 1)))})
        where = "; ".join(ref.label(URIRef(BASE + c)) for c in partners) or "Regional"
        phase = p.phase_number.sample(rng) if p.phase.draw(rng) else None
        slug_country = country.split("/")[1].lower() if country else "regional"
        name = f"action/s{self.code}/{slug_country}-{serial:06d}"
        label = f"{where}: {ref.label(themes[0])}" + (f" {ROMAN[phase]}" if phase and phase < len(ROMAN) else "")
        lines: list[tuple[str, str]] = [
            ("a", ", ".join(f"mc:{t}" for t in types)),
            ("rdfs:label", lit(label)),
            ("dct:title", lit(label)),
        ]
        verb = rng.choice(THEME_VERBS)
        lines.append(
            (
                "dct:description",
                lit(
                    f"Synthetic action helping {where} {verb} its work on {ref.label(themes[0]).lower()} through peer-to-peer advice, training and drafting support."
                ),
            )
        )
        programme = p.programme[types].sample(rng, "")
        if programme:
            lines.append(("mc:partOfProgramme", iri(programme)))
        if p.acronym.draw(rng):
            lines.append(("mc:acronym", lit(f"S{self.code}A{serial}", None)))
        if p.alternative.draw(rng):
            lines.append(("dct:alternative", lit(f"{where} action {serial}")))
        for partner in partners:
            lines.append(("mc:partnerCountry", iri(partner)))
        for _ in range(p.involves_count.sample(rng, 0)):
            lines.append(("mc:involvesCountry", iri(local(p.involves_country.sample(rng)))))
        for _ in range(p.target_area_count.sample(rng, 0)):
            lines.append(("mc:targetArea", iri(local(p.target_area.sample(rng)))))
        # period and status
        begin = end = None
        ongoing = None
        if p.action_period.draw(rng):
            start_index = p.action_start_year.sample(rng) * 12 + rng.randrange(12)
            begin = instant_at(p.action_precision.sample(rng), start_index, rng)
            if p.action_has_end.draw(rng):
                months = max(0, p.action_duration_months.sample(rng, 12))
                if begin.precision == "day":
                    year, month = divmod(begin.index + months, 12)
                    end = Instant("day", year, month + 1, rng.randint(begin.day if months == 0 else 1, 28))
                else:
                    end = end_after(begin, months // 12 if begin.precision == "year" else months)
            elif p.ongoing_without_end.draw(rng):
                ongoing = p.source_as_of.sample(rng)
            period = self.period(name, begin, end, ongoing if ongoing else None, p.action_note)
            lines.append(("mc:period", iri(period)))
        if ongoing:
            datatype = "gYearMonth" if len(ongoing) == 7 else "gYear" if len(ongoing) == 4 else "date"
            lines.append(("mc:ongoingAsOf", f'"{ongoing}"^^xsd:{datatype}'))
        status = (p.status_with_end if end is not None else p.status_without_end).sample(
            rng
        ) or p.status_with_end.sample(rng, "code/iati/ActivityStatus/2")
        # phases and relations
        if phase:
            lines.append(("mc:phaseNumber", str(phase)))
            earlier = self.phase_tails.get(phase - 1)
            if phase > 1 and earlier and p.follows.draw(rng):
                lines.append(("mc:follows", iri(earlier.pop(rng.randrange(len(earlier))))))
            self.phase_tails[phase].append(name)
        if self.actions and p.related.draw(rng):
            lines.append(("mc:relatedInitiative", iri(rng.choice(self.actions))))
        # budget
        if p.budget.draw(rng):
            amount = round(math.exp(rng.uniform(math.log(2e5), math.log(5e6))), 2)
            lines.append(("mc:budget", iri(f"{name}/budget")))
            self.record(
                f"{name}/budget",
                [
                    ("a", "mc:Budget"),
                    ("rdfs:label", lit(f"{label} budget")),
                    ("schema:value", f"{amount:.2f}"),
                    ("schema:currency", lit("EUR", None)),
                ],
            )
        fundings = []
        for _ in range(p.funding_count.sample(rng, 0)):
            instrument = p.funding_instrument.sample(rng)
            funding = (
                f"{name}/funding/{local(instrument).rsplit('/', 1)[-1]}"
                if instrument is not None
                else f"{name}/funding/eu"
            )
            if funding in fundings:
                continue
            fundings.append(funding)
            flines = [("a", "mc:FundingContribution"), ("rdfs:label", lit(f"Funding share of {label}"))]
            if p.funding_funder:
                flines.append(("mc:funder", iri(local(p.funding_funder.sample(rng)))))
            if instrument is not None:
                flines.append(("mc:instrument", iri(local(instrument))))
            if p.funding_share.draw(rng):
                flines.append(("mc:shareOfBudget", f"{rng.uniform(0.5, 1):.4f}"))
            self.record(funding, flines)
        lines += [("mc:hasFundingContribution", iri(f)) for f in fundings]
        # participations, experts
        for participation in self.participations(
            name, label, p.action_participations.sample(rng, 0), p.action_role, country
        ):
            lines.append(("mc:hasParticipation", iri(participation)))
        for deployment in self.experts(name, label, p.experts.sample(rng, 0)):
            lines.append(("mc:hasExpertDeployment", iri(deployment)))
        lines += self.note(p.action_note, "action")
        self.record(name, lines)
        # curation
        curation = [("mc:thematicArea", ", ".join(iri(local(t)) for t in themes))]
        sectors = sorted({local(p.sector.sample(rng)) for _ in range(p.sector_count.sample(rng, 1))})
        if sectors:
            curation.append(("mc:sector", ", ".join(iri(s) for s in sectors)))
        gcms = sorted({local(p.gcm.sample(rng)) for _ in range(p.gcm_count.sample(rng, 1))})
        if gcms:
            curation.append(("mc:gcmObjective", ", ".join(iri(g) for g in gcms)))
        curation.append(("mc:activityStatus", iri(status)))
        self.curation.append(iri(name) + " " + " ;\n    ".join(f"{k} {v}" for k, v in curation) + " .\n")
        # activities and outputs
        activities = self.activities(name, label, partners, begin, end)
        self.outputs(name, label, country, activities, begin, end)
        self.actions.append(name)
        self.counts.actions += 1

    def experts(self, action: str, label: str, count: int) -> list[str]:
        p, rng, ref = self.profile, self.rng, self.ref
        made: list[str] = []
        for serial in range(1, count + 1):
            pattern = p.expert_pattern.sample(rng)
            lines: list[tuple[str, str]] = [("a", "mc:ExpertDeployment")]
            key = f"private-{serial}"
            origin = "unspecified origin"
            if "originCountry" in pattern and p.expert_country:
                country = local(p.expert_country.sample(rng))
                key = country.split("/")[1].lower()
                origin = ref.label(URIRef(BASE + country))
                lines.append(("mc:originCountry", iri(country)))
            if "originArea" in pattern and p.expert_area:
                area = local(p.expert_area.sample(rng))
                key = key if "originCountry" in pattern else area.replace("/", "-")
                lines.append(("mc:originArea", iri(area)))
            sector = p.expert_sector.get(pattern, Dist([])).sample(rng)
            if sector is None and not any(prop in pattern for prop in ("originCountry", "originArea", "providedBy")):
                sector = URIRef(BASE + "expert-sector/unspecified")
            if sector is not None:
                lines.append(("mc:originSector", iri(local(sector))))
            if "providedBy" in pattern and p.expert_provider:
                provider = local(p.expert_provider.sample(rng))
                key = key if "originCountry" in pattern else provider.split("/", 1)[1]
                lines.append(("mc:providedBy", iri(provider)))
            if len(lines) == 1:
                lines.append(("mc:originSector", "<expert-sector/unspecified>"))
            if p.expert_number.draw(rng):
                lines.append(("mc:numberOfExperts", str(p.expert_number_value.sample(rng, 1))))
            lines += self.note(p.expert_note, "origin of the experts")
            name = f"{action}/experts/{key}"
            suffix = 2
            while name in made:
                name = f"{action}/experts/{key}-{suffix}"
                suffix += 1
            lines.insert(1, ("rdfs:label", lit(f"Experts ({origin}) deployed to {label}")))
            self.record(name, lines)
            made.append(name)
            self.counts.expert_deployments += 1
        return made

    def held_in(self, partners: list[str]) -> str:
        p, rng, ref = self.profile, self.rng, self.ref
        kind = p.held_in_kind.sample(rng, "partner-country")
        if kind in ("partner-country", "partner-place") and not partners:
            kind = "other-country"
        if kind == "partner-country":
            return rng.choice(partners)
        if kind == "partner-place":
            partner = rng.choice(partners)
            places = ref.places_in_country.get(URIRef(BASE + partner))
            return local(rng.choice(places)) if places else partner
        if kind == "other-place" and p.held_in_other_place:
            return local(p.held_in_other_place.sample(rng))
        if kind == "region" and partners:
            regions = ref.regions_of.get(URIRef(BASE + partners[0]))
            if regions:
                return local(rng.choice(regions))
        if p.held_in_other_country:
            return local(p.held_in_other_country.sample(rng))
        return local(rng.choice(ref.countries))

    def activities(
        self, action: str, action_label: str, partners: list[str], begin: Instant | None, end: Instant | None
    ) -> list[str]:
        p, rng, ref = self.profile, self.rng, self.ref
        made: list[str] = []
        country = partners[0] if partners else None
        count = p.activities.sample(rng, 0)
        first = begin.index if begin else p.action_start_year.sample(rng) * 12 + rng.randrange(12)
        last = end.index if end else first + p.action_duration_months.sample(rng, 12)
        for order in range(1, count + 1):
            cls_ = p.activity_class.sample(rng)
            kind = slug(cls_)
            planned = p.planned.draw(rng)
            status = "planned" if planned else "held"
            lines: list[tuple[str, str]] = [("a", f"mc:{cls_}")]
            when: Instant | None = None
            if p.activity_period[status].draw(rng):
                when = instant_at(p.activity_precision.sample(rng), rng.randint(first, max(first, last)), rng)
                base = f"{action}/activity/{when.year:04d}-{when.month:02d}-{kind}"
            else:
                base = f"{action}/activity/{order}-{kind}"
            name, suffix = base, 2
            while name in made:
                name = f"{base}-{suffix}"
                suffix += 1
            places = []
            if p.activity_held_in.get(cls_, Rate(0, 1)).draw(rng):
                places = sorted({self.held_in(partners) for _ in range(p.held_in_count.sample(rng, 1))})
            place_label = f" in {ref.label(URIRef(BASE + places[0]))}" if places else ""
            label = (
                f"{ref.label(MC[cls_]).capitalize()}{place_label}, {when.text if when else 'undated'} ({action_label})"
            )
            lines.append(("rdfs:label", lit(label)))
            if p.activity_title.draw(rng):
                lines.append(("dct:title", lit(f"{ref.label(MC[cls_]).capitalize()} on {action_label}")))
            lines.append(
                (
                    "dct:description",
                    lit(
                        f"Synthetic {ref.label(MC[cls_])} in which experts worked with {rng.choice(AUDIENCES)} of the action."
                    ),
                )
            )
            lines.append(("mc:partOfAction", iri(action)))
            lines += [("mc:heldIn", iri(place)) for place in places]
            lines.append(("mc:eventStatus", f"<event-status/{status}>"))
            if when is not None:
                stop = None
                if p.activity_has_end.draw(rng):
                    span_dist = p.activity_span.get(when.precision)
                    stop = end_after(when, max(0, span_dist.sample(rng, 0))) if span_dist else when
                lines.append(("mc:period", iri(self.period(name, when, stop, None, p.activity_note))))
            for participation in self.participations(
                name, label, p.activity_participations.sample(rng, 0), p.activity_role, country
            ):
                lines.append(("mc:hasParticipation", iri(participation)))
            lines += self.note(p.activity_note, "activity")
            self.record(name, lines)
            made.append(name)
            self.counts.activities += 1
        return made

    def outputs(
        self,
        action: str,
        action_label: str,
        country: str | None,
        activities: list[str],
        begin: Instant | None,
        end: Instant | None,
    ) -> None:
        p, rng, ref = self.profile, self.rng, self.ref
        first = begin.index if begin else p.action_start_year.sample(rng) * 12
        last = (end.index if end else first + 24) + 12
        serial = action.rsplit("-", 1)[-1]
        for order in range(1, p.outputs.sample(rng, 0) + 1):
            types = p.output_types.sample(rng)
            main = next((t for t in types if t != "Practice"), types[0])
            name = f"output/s{self.code}-{serial}-{slug(main)}-{order}"
            title = f"{ref.label(MC[main]).capitalize()} {order} of {action_label}"
            lines: list[tuple[str, str]] = [("a", ", ".join(f"mc:{t}" for t in types)), ("rdfs:label", lit(title))]
            if p.output_title.draw(rng):
                lines.append(("dct:title", lit(title)))
            lines.append(
                ("dct:description", lit(f"Synthetic {ref.label(MC[main])} produced with the support of the action."))
            )
            generator = rng.choice(activities) if activities and p.output_by_activity.draw(rng) else action
            lines.append(("prov:wasGeneratedBy", iri(generator)))
            if country and p.output_applies.draw(rng):
                lines.append(("mc:appliesTo", iri(country)))
            milestones = []
            for _ in range(p.milestones.sample(rng, 0)):
                status = local(p.milestone_status.sample(rng))
                index = rng.randint(first, max(first, last))
                year, month = divmod(index, 12)
                precision = p.milestone_precision.sample(rng, "gYearMonth")
                value = {"gYear": f"{year:04d}", "gYearMonth": f"{year:04d}-{month + 1:02d}"}.get(
                    precision, f"{year:04d}-{month + 1:02d}-{rng.randint(1, 28):02d}"
                )
                milestone = f"{name}/milestone/{value}-{status.rsplit('/', 1)[-1]}"
                if milestone in milestones:
                    continue
                milestones.append(milestone)
                self.record(
                    milestone,
                    [
                        ("a", "mc:OutputMilestone"),
                        ("rdfs:label", lit(f"{ref.label(URIRef(BASE + status))}, {value}")),
                        ("mc:status", iri(status)),
                        ("mc:date", f'"{value}"^^xsd:{precision if precision in ("gYear", "gYearMonth") else "date"}'),
                        *self.note(p.milestone_note, "milestone date"),
                    ],
                )
                self.counts.milestones += 1
            lines += [("mc:hasMilestone", iri(m)) for m in milestones]
            lines += self.note(p.output_note, "output")
            self.record(name, lines)
            if "Practice" in types:
                theme = local(p.theme.sample(rng))
                self.curation.append(f"{iri(name)} mc:thematicArea {iri(theme)} .\n")
            self.counts.outputs += 1


@dataclass
class Generated:
    out_dir: Path
    actions: int
    seed: int
    sources: int
    counts: Counts
    seconds: float

    def to_json(self) -> dict:
        return {
            "actions": self.actions,
            "seed": self.seed,
            "sources": self.sources,
            "counts": vars(self.counts),
            "seconds": round(self.seconds, 2),
        }


def programme_block(profile: Profile, code: str) -> str:
    """The programmes the real actions belong to, re-described (same triples) in synthetic source `code`."""
    lines = [PREFIXES, "\n# The programmes of the real actions, as the real sources describe them.\n\n"]
    for triples in profile.programmes.values():
        for subject in sorted({t[0] for t in triples}):
            lines.append(f"{iri(local(subject))} prov:wasDerivedFrom <source/{code}> .\n")
        for s, p, o in triples:
            value = iri(local(o)) if isinstance(o, URIRef) else o.n3()
            lines.append(f"{iri(local(s))} <{p}> {value} .\n")
    return "".join(lines)


def sources_block(codes: list[str], profile: Profile, rng: random.Random, actions_per_source: list[int]) -> str:
    parts = [PREFIXES, "\n# Synthetic source documents (bench/generate.py).\n\n"]
    for code, count in zip(codes, actions_per_source, strict=True):
        as_of = profile.source_as_of.sample(rng, "2016-02")
        datatype = "gYearMonth" if len(as_of) == 7 else "gYear" if len(as_of) == 4 else "date"
        parts.append(
            f"<source/{code}> a mc:SourceDocument ;\n"
            f"    rdfs:label {lit(f'Synthetic source document {code}')} ;\n"
            f"    dct:title {lit(f'Synthetic compilation {code} of {count} migration-cooperation actions')} ;\n"
            f'    mc:fileName "synthetic-{code}.txt" ;\n'
            f"    dct:publisher <org/icmpd> ;\n"
            f'    mc:asOf "{as_of}"^^xsd:{datatype} .\n\n'
        )
    return "".join(parts)


def generate(
    out_dir: Path,
    actions: int,
    seed: int = 1,
    *,
    ontology_dir: Path = ONTOLOGY_DIR,
    data_dir: Path = DATA_DIR,
    actions_per_source: int = 500,
    measured: tuple[Profile, Reference] | None = None,
) -> Generated:
    """Write a data directory with `actions` synthetic actions, drawn with `random.Random(seed)`."""
    started = time.perf_counter()
    profile, ref = measured or measure(ontology_dir, data_dir)
    per_source = max(actions_per_source, math.ceil(actions / 1000))
    sizes = [min(per_source, actions - start) for start in range(0, actions, per_source)] or [0]
    codes = [f"{i:03d}" for i in range(len(sizes))]
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for folder in ("sources", "curation", "reference"):
        (out_dir / folder).mkdir(parents=True)
    for path in sorted((data_dir / "reference").glob("*.ttl")):
        shutil.copyfile(path, out_dir / "reference" / path.name)
    rng = random.Random(seed)
    counts = Counts()
    (out_dir / "sources" / "000-programmes.ttl").write_text(programme_block(profile, "000"), encoding="utf-8")
    serial = 0
    for code, size in zip(codes, sizes, strict=True):
        chunk = Chunk(code, profile, ref, random.Random(f"{seed}-{code}"), counts)
        for _ in range(size):
            serial += 1
            chunk.action(serial)
        facts = (
            PREFIXES
            + f"\n# Synthetic source {code}: {size} actions (bench/generate.py, seed {seed}).\n\n"
            + "\n".join(chunk.facts)
        )
        (out_dir / "sources" / f"{code}-synthetic.ttl").write_text(facts, encoding="utf-8")
        curation = PREFIXES + f"\n# Curation of synthetic source {code}.\n\n" + "\n".join(chunk.curation)
        (out_dir / "curation" / f"{code}-synthetic.ttl").write_text(curation, encoding="utf-8")
        counts.lines += facts.count("\n") + curation.count("\n")
    (out_dir / "curation" / "sources.ttl").write_text(sources_block(codes, profile, rng, sizes), encoding="utf-8")
    generated = Generated(out_dir, actions, seed, len(codes), counts, time.perf_counter() - started)
    (out_dir / "generated.json").write_text(
        json.dumps(
            {**generated.to_json(), "profile": profile.to_json(), "real": profile.real_counts}, indent=1, default=str
        )
        + "\n"
    )
    return generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, required=True, help="number of synthetic actions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="data directory to write (replaced)")
    parser.add_argument("--actions-per-source", type=int, default=500)
    args = parser.parse_args(argv)
    generated = generate(args.out, args.actions, args.seed, actions_per_source=args.actions_per_source)
    print(json.dumps(generated.to_json(), indent=1), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

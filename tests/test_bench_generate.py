"""The benchmark's synthetic-data generator: deterministic, conformant, and shaped like the real data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, Graph

from app.core.config import PROJECT_ROOT
from app.load import load
from app.namespaces import MC
from app.validate import load_shapes, validate
from bench.generate import Reference, generate, local_name, measure, read_facts

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data"


@pytest.fixture(scope="module")
def measured():
    return measure(ONTOLOGY_DIR, DATA_DIR)


def tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.ttl"))}


def class_mix(facts: Graph, classes: set) -> Counter:
    mix = Counter()
    for cls in classes:
        mix[local_name(cls)] += sum(1 for _ in facts.subjects(RDF.type, cls))
    return +mix


def shares(mix: Counter) -> dict[str, float]:
    total = sum(mix.values())
    return {name: count / total for name, count in mix.items()}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path, measured) -> None:
    first = generate(tmp_path / "a", 60, seed=7, measured=measured)
    second = generate(tmp_path / "b", 60, seed=7, measured=measured)
    third = generate(tmp_path / "c", 60, seed=8, measured=measured)
    assert vars(first.counts) == vars(second.counts)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")
    assert third.counts.actions == first.counts.actions == 60


def test_layout_is_that_of_data(tmp_path: Path, measured) -> None:
    out = tmp_path / "data"
    generate(out, 1200, seed=1, measured=measured, actions_per_source=500)
    sources = sorted(p.name for p in (out / "sources").glob("*.ttl"))
    assert sources == ["000-programmes.ttl", "000-synthetic.ttl", "001-synthetic.ttl", "002-synthetic.ttl"]
    assert sorted(p.name for p in (out / "reference").glob("*.ttl")) == sorted(
        p.name for p in (DATA_DIR / "reference").glob("*.ttl")
    )
    for path in [*sorted((out / "sources").glob("*.ttl")), *sorted((out / "curation").glob("*.ttl"))]:
        assert path.read_text(encoding="utf-8").startswith("@base <https://w3id.org/migcoop/id/> .")


def test_small_output_conforms_to_the_shapes(tmp_path: Path, measured) -> None:
    out = tmp_path / "data"
    generated = generate(out, 40, seed=3, measured=measured)
    assert generated.counts.actions == 40
    loaded = load(ONTOLOGY_DIR, out)
    report = validate(loaded.asserted(), load_shapes(ONTOLOGY_DIR / "shapes.ttl"))
    assert report.conforms, "\n".join(v.describe() for v in report.violations[:20])


def test_class_mix_and_counts_follow_the_real_data(tmp_path: Path, measured) -> None:
    profile, ref = measured
    out = tmp_path / "data"
    actions = 400
    generate(out, actions, seed=11, measured=measured)
    real = read_facts(DATA_DIR)
    synthetic = read_facts(out)
    assert isinstance(ref, Reference)

    real_activities = class_mix(real, ref.activity_classes)
    synthetic_activities = class_mix(synthetic, ref.activity_classes)
    real_share, synthetic_share = shares(real_activities), shares(synthetic_activities)
    for name, share in real_share.items():
        assert abs(synthetic_share.get(name, 0.0) - share) < 0.05, (name, share, synthetic_share.get(name))
    assert set(synthetic_activities) <= set(real_activities)

    real_outputs, synthetic_outputs = (
        shares(class_mix(real, ref.output_classes)),
        shares(class_mix(synthetic, ref.output_classes)),
    )
    for name, share in real_outputs.items():
        assert abs(synthetic_outputs.get(name, 0.0) - share) < 0.06, (name, share, synthetic_outputs.get(name))

    real_actions = profile.real_counts["actions"]

    def per_action(graph: Graph, cls, count: int) -> float:
        return sum(1 for _ in graph.subjects(RDF.type, cls)) / count

    def activities_per_action(graph: Graph, count: int) -> float:
        return sum(1 for _ in graph.subject_objects(MC.partOfAction)) / count

    assert activities_per_action(synthetic, actions) == pytest.approx(
        activities_per_action(real, real_actions), rel=0.15
    )
    for cls in (MC.ExpertDeployment, MC.Participation, MC.OutputMilestone, MC.TechnicalAssistanceAction):
        assert per_action(synthetic, cls, actions) == pytest.approx(per_action(real, cls, real_actions), rel=0.25), cls

    def planned_share(graph: Graph) -> float:
        statuses = Counter(str(o).rsplit("/", 1)[-1] for o in graph.objects(None, MC.eventStatus))
        return statuses["planned"] / sum(statuses.values())

    assert planned_share(synthetic) == pytest.approx(planned_share(real), abs=0.05)

    # the whole asserted graph grows like the real one: triples per action within 15 %
    assert len(synthetic) / actions == pytest.approx(len(real) / real_actions, rel=0.15)

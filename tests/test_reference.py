"""The reference graphs are generated, not hand-edited: regenerating changes nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from rdflib import Graph

from tests.conftest import PROJECT_ROOT


def test_generator_reproduces_the_committed_reference(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for folder in ("scripts", "data/reference-src", "data/curated-src"):
        shutil.copytree(PROJECT_ROOT / folder, project / folder)
    subprocess.run([sys.executable, str(project / "scripts" / "generate_reference.py")], check=True, timeout=120)
    generated = sorted((project / "data" / "reference").glob("*.ttl"))
    assert [p.name for p in generated] == sorted(p.name for p in (PROJECT_ROOT / "data" / "reference").glob("*.ttl"))
    for path in generated:
        assert path.read_bytes() == (PROJECT_ROOT / "data" / "reference" / path.name).read_bytes(), path.name


def test_fifty_countries_with_m49_chain() -> None:
    geography = Graph().parse(PROJECT_ROOT / "data" / "reference" / "geography.ttl")
    rows = list(
        geography.query("""
        PREFIX mc: <https://w3id.org/migcoop/ontology#>
        SELECT ?c ?area WHERE { ?c a mc:Country ; mc:withinArea ?area . ?area a mc:M49Area }""")
    )
    assert len({row[0] for row in rows}) == 50

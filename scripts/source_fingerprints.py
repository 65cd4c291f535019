"""Fingerprint the source documents so tests can catch copied sentences without
the project holding the sources' text.

Each run of WINDOW consecutive words of a source becomes a truncated SHA-256
hash; tests/test_data.py hashes the same windows of our descriptions and
reading notes and fails on a match. Run on a machine that has the sources:
    python scripts/source_fingerprints.py ../shared/sources
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

WINDOW = 7
OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "source-fingerprints.txt"


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def fingerprint(window: list[str]) -> str:
    return hashlib.sha256(" ".join(window).encode()).hexdigest()[:16]


def windows(text: str) -> list[list[str]]:
    tokens = words(text)
    return [tokens[i : i + WINDOW] for i in range(len(tokens) - WINDOW + 1)]


def main(source_dir: str) -> None:
    prints = set()
    for path in sorted(Path(source_dir).glob("*.txt")):
        prints.update(fingerprint(window) for window in windows(path.read_text(encoding="utf-8")))
    OUTPUT.write_text("\n".join(sorted(prints)) + "\n")
    print(f"wrote {len(prints)} fingerprints to {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/sources")

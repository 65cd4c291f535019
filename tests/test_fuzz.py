"""Schema-driven fuzzing of the HTTP API from its own OpenAPI document (schemathesis), against
real servers on 127.0.0.1: no generated request may get a 5xx.

Two runs, each bounded by a number of cases per operation and a fixed seed:
- every operation of /openapi.json (SPARQL protocol, saved queries, Linked Data, dataset,
  probes, metrics) on the session's read-only server: the coverage phase (boundary and
  invalid values for every parameter and body) and the fuzzing phase (random valid and
  invalid requests);
- the write routes (POST /sparql and POST /update) with the write token, on a writable
  server on the small store, so that the update parser and the update gate get random
  input too (the fuzzing phase only: the coverage phase sends many empty updates, each a
  valid no-op that still goes through validation and reasoning).
The number of cases run is printed and kept in test-artifacts/fuzz.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, RunningServer, start_server, stop_server
from tests.endpoint import TOKEN
from tests.reliability_support import copy_store, small_store

SEED = 20261123
SCHEMATHESIS = Path(sys.executable).parent / "st"


def run_schemathesis(server: RunningServer, report: Path, *options: str) -> dict:
    # One worker: schemathesis generating cases in several threads trips a CPython 3.11 bug in
    # ast.parse ("AST constructor recursion depth mismatch"), an error of the fuzzer, not of the server.
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{server.base_url}/openapi.json",
        "--checks",
        "not_a_server_error",
        "--seed",
        str(SEED),
        "--request-timeout",
        "60",
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *options,
    ]
    # In the report's folder: schemathesis keeps a cache (.schemathesis/) in its working directory.
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=report.parent)
    assert report.exists(), completed.stdout[-3000:] + completed.stderr[-3000:]
    summary = json.loads(report.read_text())
    failures = summary["failures"]
    assert failures == [] and summary["errors"] == [], completed.stdout[-6000:]
    assert completed.returncode == 0, completed.stdout[-6000:]
    return summary


def keep(name: str, summary: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "fuzz.json"
    kept = json.loads(path.read_text()) if path.exists() else {}
    kept[name] = {
        "operations": summary["operations"]["tested"],
        "cases": summary["test_cases"]["generated"],
        "seconds": round(summary["running_time"], 1),
        "failures": summary["failures"],
    }
    path.write_text(json.dumps(kept, indent=2) + "\n")
    print(f"fuzz {name}:", json.dumps(kept[name]))


def test_fuzzing_every_operation_gives_no_server_error(server: RunningServer, tmp_path: Path) -> None:
    summary = run_schemathesis(server, tmp_path / "report.json", "--phases", "coverage,fuzzing", "--max-examples", "8")
    keep("all-operations", summary)
    assert summary["operations"]["tested"] >= 100  # every saved query is its own operation
    assert summary["test_cases"]["generated"] >= 2000


@pytest.fixture(scope="module")
def writable_small(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("fuzz-writable")
    running = start_server(
        copy_store(small_store(), root), root / "server.log", write_token=TOKEN, dumps_path=str(root / "dumps")
    )
    yield running
    stop_server(running)


def test_fuzzing_the_write_routes_with_the_token_gives_no_server_error(
    writable_small: RunningServer, tmp_path: Path
) -> None:
    summary = run_schemathesis(
        writable_small,
        tmp_path / "report.json",
        "--phases",
        "fuzzing",
        "--max-examples",
        "20",
        "--include-path-regex",
        "^/(sparql|update)$",
        "--exclude-method",
        "GET",
        "--header",
        f"Authorization: Bearer {TOKEN}",
    )
    keep("write-routes-with-token", summary)
    assert summary["operations"]["tested"] == 2
    assert summary["test_cases"]["generated"] >= 35

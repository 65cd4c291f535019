"""Crash safety: SIGKILL the server in the middle of a stream of updates, restart it on the
same store, and check that nothing acknowledged was lost and nothing half-done remains.

The guarantee, precisely: after the server process is killed at any moment, a server
restarted on the same store directory opens it, the asserted graph conforms to the
shapes, and the graph is the one left by a prefix of the updates sent, applied whole:
- every update acknowledged (answered 200) is there;
- the one update in flight when the process died is there only if it had committed
  (its store swap completed) before its answer was lost; no other update is there;
- no update is there in part (each one below writes two triples: both or neither).
It covers a crash of the process (the operating system keeps what was written), not a
power cut: the store directory is swapped by rename without fsync.

The store is the small complete one of tests/reliability_support.py (ontology and the
minimal conforming dataset), so that an update through the whole gate (SHACL, OWL 2 RL
reasoning, store swap, new query snapshot) takes about 3 s rather than about 20 s on the
full graph; the code path is the same. Five trials, killed at seeded random moments that
fall before, during and after the first few updates' commits.
"""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
from rdflib import Graph

from app.validate import load_shapes, validate
from tests.conftest import ARTIFACTS, PROJECT_ROOT, RunningServer, start_server, stop_server
from tests.endpoint import AUTH, GRAPH_ASSERTED, GRAPH_UPDATES, SPARQL_UPDATE, TOKEN
from tests.reliability_support import copy_store, small_store

TRIALS = 5
SEED = 20261123
MARK = "crash trial"

COMMENTS = f"""
SELECT ?c WHERE {{
  GRAPH <{GRAPH_UPDATES}> {{ <https://w3id.org/migcoop/id/action/mieux/zambia> rdfs:comment ?c }}
  FILTER(STRSTARTS(STR(?c), "{MARK}"))
}}
"""
ASSERTED = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{ ?s ?p ?o }} }}"
# Every asserted triple is also in the default graph (asserted and inferred, materialised). Triples with
# blank nodes are left out: each graph of the store labels its blank nodes on its own.
ASSERTED_IN_DEFAULT = f"""
ASK {{ GRAPH <{GRAPH_ASSERTED}> {{ ?s ?p ?o }} FILTER(!isBlank(?s) && !isBlank(?o)) FILTER NOT EXISTS {{ ?s ?p ?o }} }}
"""


def halves(trial: int, number: int) -> tuple[str, str]:
    return f"{MARK} {trial} update {number} (first half)", f"{MARK} {trial} update {number} (second half)"


def update_text(trial: int, number: int) -> str:
    first, second = halves(trial, number)
    return (
        f'INSERT DATA {{ <action/mieux/zambia> rdfs:comment "{first}"@en . '
        f'<action/mieux/zambia> rdfs:comment "{second}"@en }}'
    )


class Writer(threading.Thread):
    """Sends updates one after the other until the server goes away; records what was acknowledged."""

    def __init__(self, server: RunningServer, trial: int) -> None:
        super().__init__(name=f"writer-{trial}", daemon=True)
        self.url = f"{server.base_url}/update"
        self.trial = trial
        self.acknowledged: list[int] = []
        self.in_flight: int | None = None
        self.refused: list[str] = []

    def run(self) -> None:
        with httpx.Client(timeout=120) as client:
            number = 0
            while True:
                self.in_flight = number
                try:
                    response = client.post(
                        self.url, content=update_text(self.trial, number).encode(), headers={**SPARQL_UPDATE, **AUTH}
                    )
                except httpx.HTTPError:
                    return  # the server died with this update in flight
                if response.status_code != 200:
                    self.refused.append(f"{response.status_code} {response.text[:200]}")
                    return
                self.acknowledged.append(number)
                self.in_flight = None
                number += 1


def comments(server: RunningServer) -> set[str]:
    response = httpx.get(server.sparql_url, params={"query": COMMENTS}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return {row["c"]["value"] for row in response.json()["results"]["bindings"]}


def assert_conforms(server: RunningServer) -> None:
    response = httpx.get(
        server.sparql_url, params={"query": ASSERTED}, headers={"Accept": "application/n-triples"}, timeout=60
    )
    assert response.status_code == 200 and "x-result-truncated" not in response.headers
    graph = Graph().parse(data=response.text, format="nt")
    assert len(graph) > 500
    report = validate(graph, load_shapes(PROJECT_ROOT / "ontology" / "shapes.ttl"))
    assert report.conforms, [violation.describe() for violation in report.violations[:5]]
    check = httpx.get(server.sparql_url, params={"query": ASSERTED_IN_DEFAULT}, timeout=60)
    assert check.json()["boolean"] is False


def start(store: Path, root: Path, name: str) -> RunningServer:
    return start_server(store, root / f"{name}.log", write_token=TOKEN, dumps_path=str(root / "dumps"))


def test_sigkill_during_updates_keeps_every_acknowledged_update(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    store = copy_store(small_store(), tmp_path)
    expected: set[str] = set()  # the halves of every update known to be in the store
    trials = []
    server = start(store, tmp_path, "server-0")
    try:
        assert comments(server) == set()
        # One update first, timed: the kills then fall at moments relative to how long an update
        # takes on this machine (from well before the first commit to past the second).
        started = time.monotonic()
        response = httpx.post(
            f"{server.base_url}/update",
            content=update_text(-1, 0).encode(),
            headers={**SPARQL_UPDATE, **AUTH},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        update_seconds = time.monotonic() - started
        expected |= set(halves(-1, 0))
        for trial in range(TRIALS):
            writer = Writer(server, trial)
            delay = rng.uniform(0.2, 2.5) * update_seconds
            writer.start()
            time.sleep(delay)
            os.kill(server.process.pid, signal.SIGKILL)  # the server process this test started
            server.process.wait(timeout=30)
            writer.join(timeout=120)
            assert not writer.is_alive()
            assert writer.refused == [], writer.refused
            in_flight = writer.in_flight  # the update whose answer never came

            server = start(store, tmp_path, f"server-{trial + 1}")  # opens (start_server waits for /ready)
            present = comments(server)
            acknowledged = {half for number in writer.acknowledged for half in halves(trial, number)}
            expected |= acknowledged
            assert expected <= present, f"trial {trial}: acknowledged updates lost: {sorted(expected - present)}"
            extra = present - expected
            committed_in_flight = False
            if extra:
                # Only the update in flight may be there, and then whole.
                assert in_flight is not None and extra == set(halves(trial, in_flight)), (trial, sorted(extra))
                expected |= extra
                committed_in_flight = True
            assert_conforms(server)
            trials.append(
                {
                    "trial": trial,
                    "killed_after_s": round(delay, 2),
                    "acknowledged": len(writer.acknowledged),
                    "in_flight": in_flight,
                    "in_flight_committed": committed_in_flight,
                }
            )
    finally:
        stop_server(server)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "crash-trials.json").write_text(json.dumps(trials, indent=2) + "\n")
    print(f"crash trials (one update took {update_seconds:.1f} s):", json.dumps(trials))
    assert len(trials) == TRIALS
    # The kills fell on both sides of commits: some trials had updates acknowledged, some died mid-update.
    assert sum(trial["acknowledged"] for trial in trials) >= 2

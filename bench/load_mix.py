"""A mixed load on the SPARQL endpoint: good queries while bad ones and runaway ones run.

    python -m bench.load_mix --url http://127.0.0.1:8000 --clients 16 --duration 60
    python -m bench.load_mix --store var/store --clients 16 --duration 60   # starts its own server

Clients are threads, each with its own HTTP connection, looping for `duration`
seconds (bounded: no request is sent after the deadline, each has a 60 s timeout):

- good clients send cheap, correct queries and expect 200;
- bad clients send malformed queries, wrong media types, bad parameters, missing
  queries and oversized bodies, and expect a 4xx;
- slow clients send queries that run past the timeout (cartesian products, an
  unbounded property path, a huge ORDER BY) and expect 503.

The report counts requests and errors by kind (an error is a good query not
answered 200, a bad one answered anything but a 4xx, a slow one answered 5xx other
than 503) and gives the good queries' latency percentiles. With its own server, the
server runs with a 2 s query timeout and 2 query workers (override with --timeout,
--workers); the test suite runs a short version (tests/test_load_mix.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]

GOOD = [
    "SELECT ?label WHERE { <action/mieux/zambia> rdfs:label ?label }",
    "ASK { <action/mieux/zambia> a mc:Action }",
    "SELECT ?action WHERE { ?action mc:partnerCountry <country/CPV> } LIMIT 20",
    "SELECT (COUNT(*) AS ?n) WHERE { ?action a mc:Action }",
    "SELECT ?country ?label WHERE { ?country a mc:Country ; rdfs:label ?label } ORDER BY ?label LIMIT 10",
    "CONSTRUCT { <action/mieux/zambia> ?p ?o } WHERE { <action/mieux/zambia> ?p ?o }",
]
SLOW = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<http://example.org/none>)* ?b . ?b ?p ?c . ?c ?q ?d }",
    "SELECT ?c WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c LIMIT 1",
]


def bad_requests(sparql_url: str, max_bytes: int) -> list[Callable[[httpx.Client], httpx.Response]]:
    return [
        lambda c: c.get(sparql_url, params={"query": "SELECT ?s WHERE { ?s ?p ?o"}),
        lambda c: c.get(sparql_url, params={"query": "SELEKT * WHERE { ?s ?p ?o }"}),
        lambda c: c.post(sparql_url, content=b"ASK {}", headers={"Content-Type": "text/plain"}),
        lambda c: c.post(sparql_url, content=b"\xff\xfe ASK {}", headers={"Content-Type": "application/sparql-query"}),
        lambda c: c.get(sparql_url, params={"query": "ASK {}", "infer": "perhaps"}),
        lambda c: c.get(sparql_url, params=[("query", "ASK {}"), ("query", "ASK {}")]),
        lambda c: c.post(sparql_url, data={"default-graph-uri": "x"}),
        lambda c: c.get(sparql_url, params={"query": "ASK {}"}, headers={"Accept": "image/png"}),
        lambda c: c.post(
            sparql_url, content=b"#" * (max_bytes + 1), headers={"Content-Type": "application/sparql-query"}
        ),
        lambda c: c.get(sparql_url, params={"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "not an iri"}),
    ]


@dataclass
class Sample:
    kind: str  # good, bad, slow
    status: int  # 0: no answer (connection error or client timeout)
    seconds: float


@dataclass
class MixReport:
    clients: dict[str, int]
    duration: float
    samples: list[Sample] = field(default_factory=list)

    def of(self, kind: str) -> list[Sample]:
        return [sample for sample in self.samples if sample.kind == kind]

    def errors(self, kind: str) -> list[Sample]:
        if kind == "good":
            return [s for s in self.of(kind) if s.status != 200]
        if kind == "bad":
            return [s for s in self.of(kind) if not 400 <= s.status < 500]
        return [s for s in self.of(kind) if s.status != 503 and not 200 <= s.status < 500]

    def percentile(self, kind: str, fraction: float) -> float:
        times = sorted(sample.seconds for sample in self.of(kind))
        if not times:
            return 0.0
        index = min(len(times) - 1, max(0, round(fraction * len(times) + 0.5) - 1))
        return times[index]

    def summary(self) -> dict:
        result: dict = {"clients": self.clients, "duration_s": round(self.duration, 2), "requests": len(self.samples)}
        for kind in ("good", "bad", "slow"):
            samples = self.of(kind)
            result[kind] = {
                "requests": len(samples),
                "errors": len(self.errors(kind)),
                "statuses": dict(sorted(_count(s.status for s in samples).items())),
            }
        result["good"].update(
            {
                "p50_ms": round(self.percentile("good", 0.50) * 1000, 1),
                "p95_ms": round(self.percentile("good", 0.95) * 1000, 1),
                "p99_ms": round(self.percentile("good", 0.99) * 1000, 1),
                "max_ms": round(max((s.seconds for s in self.of("good")), default=0.0) * 1000, 1),
            }
        )
        result["slow"]["timeouts_503"] = sum(1 for s in self.of("slow") if s.status == 503)
        return result


def _count(values) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def run_mix(
    base_url: str,
    *,
    good_clients: int = 5,
    bad_clients: int = 2,
    slow_clients: int = 1,
    duration: float = 5.0,
    max_bytes: int = 1_000_000,
    seed: int = 0,
) -> MixReport:
    """Run the mix against a server for `duration` seconds; every client stops by itself."""
    sparql_url = f"{base_url}/sparql"
    bad = bad_requests(sparql_url, max_bytes)
    report = MixReport({"good": good_clients, "bad": bad_clients, "slow": slow_clients}, duration)
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def client(kind: str, number: int) -> None:
        rng = random.Random(f"{seed}-{kind}-{number}")
        with httpx.Client(timeout=60) as http:
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    if kind == "good":
                        response = http.get(sparql_url, params={"query": rng.choice(GOOD)})
                    elif kind == "bad":
                        response = rng.choice(bad)(http)
                    else:
                        response = http.get(sparql_url, params={"query": rng.choice(SLOW)})
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    report.samples.append(Sample(kind, status, time.monotonic() - started))

    threads = [
        threading.Thread(target=client, args=(kind, number), name=f"{kind}-{number}")
        for kind, count in (("slow", slow_clients), ("bad", bad_clients), ("good", good_clients))
        for number in range(count)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    report.duration = time.monotonic() - started
    return report


# --- running it by hand --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_own_server(store: Path, timeout: float, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "MIGCOOP_STORE_PATH": str(store),
        "MIGCOOP_QUERY_TIMEOUT_SECONDS": str(timeout),
        "MIGCOOP_QUERY_WORKERS": str(workers),
        "MIGCOOP_ACCESS_LOG": "false",
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--no-access-log"], cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"server exited early, see {log}")
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not become ready, see {log}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (default: start one on --store)")
    parser.add_argument("--store", type=Path, default=PROJECT_ROOT / "var" / "store")
    parser.add_argument("--timeout", type=float, default=2.0, help="query timeout of the server this starts")
    parser.add_argument("--workers", type=int, default=2, help="query workers of the server this starts")
    parser.add_argument("--clients", type=int, default=8, help="good clients (bad and slow ones come on top)")
    parser.add_argument("--bad-clients", type=int, default=2)
    parser.add_argument("--slow-clients", type=int, default=1)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the summary as JSON here")
    args = parser.parse_args(argv)

    process = None
    base = args.url
    if base is None:
        log = PROJECT_ROOT / "var" / "load-mix-server.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        process, base = start_own_server(args.store, args.timeout, args.workers, log)
    try:
        report = run_mix(
            base.rstrip("/"),
            good_clients=args.clients,
            bad_clients=args.bad_clients,
            slow_clients=args.slow_clients,
            duration=args.duration,
            seed=args.seed,
        )
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    summary = report.summary()
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    errors = sum(summary[kind]["errors"] for kind in ("good", "bad", "slow"))
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())

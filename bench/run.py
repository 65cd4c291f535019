"""The benchmark runner.

    python -m bench.run --sizes real,5000,50000 --out bench/results
    python -m bench.run --quick                      # real size only, short loops

For each size ("real" is data/ itself; a number is that many synthetic actions
from bench/generate.py, seeded):

1. build, each engine in its own subprocess (peak memory = its ru_maxrss):
   the reference engine (rdflib load, pyshacl, owlrl — the naive stack — then
   the Oxigraph store), and the fast engine when app.validate_fast and
   app.reason_fast exist. A build whose estimate (fitted on the smaller sizes of
   the same run) exceeds the budget is skipped and reported as
   "skipped: estimated N min". Where no engine builds within budget, a bench-only
   chunked build (the reference engine per source, in parallel) makes the store
   that the query benchmarks need; it is labelled as such.
2. cold start of our server (uvicorn app.main:app on 127.0.0.1) on the persisted
   store: time from process start to the first 200 from /ready, median of a few.
3. Oxigraph's own server: the store dumped to N-Quads, `oxigraph load` into a
   fresh directory, `oxigraph serve-read-only` on 127.0.0.1.
4. every saved query in queries/ (those without required parameters): median
   and p95 of the engine in-process (pyoxigraph on the store, results serialised
   to SPARQL JSON), of our server over HTTP and of Oxigraph's server over HTTP.
5. HTTP throughput with several concurrent clients, ours and Oxigraph's, over
   the same query mix, for a fixed number of seconds.
6. the naive query baseline: rdflib Dataset in memory, rdflib SPARQL, same
   queries, in a subprocess with per-query timeouts.

Every process it starts it stops by PID. Results: OUT/results.json and OUT/results.md.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as dt
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox

from app.core.config import PROJECT_ROOT

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data"
QUERIES_DIR = PROJECT_ROOT / "queries"
PYTHON = sys.executable
JSON_RESULTS = "application/sparql-results+json"
REAL_ACTIONS = 44  # replaced by the count measured on data/ when the generator profile is read


# --- small utilities -------------------------------------------------------------


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    index = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[index]


def summary(times: list[float]) -> dict:
    if not times:
        return {"n": 0}
    return {
        "n": len(times),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(percentile(times, 0.95) * 1000, 2),
    }


STARTED: list[subprocess.Popen] = []  # every process this run starts, stopped by PID if the run is stopped


def tracked(process: subprocess.Popen) -> subprocess.Popen:
    STARTED.append(process)
    return process


def stop_started(*_args) -> None:
    for process in reversed(STARTED):
        with contextlib.suppress(Exception):
            stop_process(process, grace=5.0)
    if _args:  # called as a signal handler
        raise SystemExit(1)


def stop_process(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process we started, and the children it started, by PID."""
    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in children:
        with contextlib.suppress(psutil.Error):
            if child.is_running():
                child.kill()


class RssSampler:
    """Peak resident memory of a process tree (the process and its children), sampled."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                total = root.memory_info().rss + sum(c.memory_info().rss for c in root.children(recursive=True))
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


def machine() -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for package in ("rdflib", "pyshacl", "owlrl", "pyoxigraph", "oxigraph", "fastapi", "uvicorn", "httpx"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


# --- saved queries ------------------------------------------------------------------


PARAMETER_VARIABLE = re.compile(r"[?$]_[A-Za-z]")


def required_parameters(text: str) -> bool:
    """A saved query needs parameters when its header declares some or it uses grlc-style ?_name variables."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#+"):
            key = stripped[2:].strip().split(":", 1)[0].strip().lower()
            if key in ("params", "parameters", "param", "parameter") and ":" in stripped:
                value = stripped.split(":", 1)[1].strip()
                if value not in ("", "[]", "{}", "none"):
                    return True
                return "required" in text
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return bool(PARAMETER_VARIABLE.search(body))


def saved_queries(folder: Path = QUERIES_DIR) -> tuple[dict[str, str], list[str]]:
    """The saved queries that run without arguments: {name: text}, and the names left out.

    With the saved-query library (app.saved_queries) each query is bound with its
    declared defaults, as the API would run it; a query with a required parameter
    and no default is left out. Without it, queries with parameters are left out.
    """
    try:
        from app.saved_queries import ParameterError, load_template
    except ImportError:
        load_template = None
    queries, skipped = {}, []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        if load_template is not None:
            try:
                template = load_template(path)
                if template.parameters:
                    queries[path.stem] = template.bind({}).text
                    continue
            except ParameterError:
                skipped.append(path.stem)
                continue
            except Exception:  # not a library query (e.g. not SELECT): judged on its text below
                pass
        if required_parameters(text):
            skipped.append(path.stem)
        else:
            queries[path.stem] = text
    return queries, skipped


# --- servers ------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    base_url: str
    query_url: str
    ready_seconds: float
    cpu_seconds: float | None = None


def wait_ready(process: subprocess.Popen, probe: Callable[[], bool], timeout: float, log_path: Path) -> float:
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early, see {log_path}")
        try:
            if probe():
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    stop_process(process)
    raise RuntimeError(f"server not ready after {timeout} s, see {log_path}")


def start_ours(store: Path, log_path: Path, timeout: float = 900) -> Server:
    port = free_port()
    env = {**os.environ, "MIGCOOP_STORE_PATH": str(store), "MIGCOOP_STORE_BACKEND": "embedded"}
    env.pop("MIGCOOP_WRITE_TOKEN", None)
    started = time.perf_counter()
    process = tracked(
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(process, lambda: httpx.get(f"{base}/ready", timeout=1).status_code == 200, timeout, log_path)
    server = Server("ours", process, base, f"{base}/sparql", time.perf_counter() - started)
    server.cpu_seconds = tree_cpu_seconds(process.pid)
    return server


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds used so far by a process and its children: start-up cost without contention."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
        return round(sum(p.cpu_times().user + p.cpu_times().system for p in processes), 3)
    except psutil.Error:
        return None


def oxigraph_binary() -> str | None:
    candidate = Path(PYTHON).with_name("oxigraph")
    return str(candidate) if candidate.exists() else shutil.which("oxigraph")


def start_oxigraph(location: Path, log_path: Path, timeout: float = 300) -> Server:
    binary = oxigraph_binary()
    assert binary
    port = free_port()
    started = time.perf_counter()
    process = tracked(
        subprocess.Popen(
            [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=log_path.open("ab"),
            stderr=subprocess.STDOUT,
        )
    )
    base = f"http://127.0.0.1:{port}"

    def probe() -> bool:
        answer = httpx.get(f"{base}/query", params={"query": "ASK {}"}, headers={"Accept": JSON_RESULTS}, timeout=1)
        return answer.status_code == 200

    wait_ready(process, probe, timeout, log_path)
    server = Server("oxigraph", process, base, f"{base}/query", time.perf_counter() - started)
    server.cpu_seconds = tree_cpu_seconds(process.pid)
    return server


# --- measuring queries ---------------------------------------------------------------


def repeat(run: Callable[[], None], repeats: int, budget: float, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        run()
    times: list[float] = []
    spent = 0.0
    while len(times) < repeats and (len(times) < 3 or spent < budget):
        t0 = time.perf_counter()
        run()
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        spent += elapsed
    return times


def engine_run(store: ox.Store, text: str) -> bytes:
    result = store.query(text)
    if isinstance(result, ox.QuerySolutions):
        return result.serialize(format=ox.QueryResultsFormat.JSON)
    if isinstance(result, ox.QueryBoolean):
        return b"true" if bool(result) else b"false"
    return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)


def count_rows(body: bytes) -> int | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return len(data.get("results", {}).get("bindings", [])) if "results" in data else None


def http_run(client: httpx.Client, url: str, text: str) -> httpx.Response:
    response = client.get(url, params={"query": text}, headers={"Accept": JSON_RESULTS})
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    return response


def measure_queries(
    queries: dict[str, str], store_path: Path, servers: list[Server], repeats: int, budget: float
) -> dict[str, dict]:
    results: dict[str, dict] = {}
    store = ox.Store.read_only(str(store_path))
    clients = {server.name: httpx.Client(timeout=120) for server in servers}
    try:
        for name, text in queries.items():
            entry: dict = {}
            try:
                body = engine_run(store, text)
                entry["rows"] = count_rows(body)
                entry["engine"] = summary(repeat(lambda text=text: engine_run(store, text), repeats, budget, warmup=0))
            except Exception as error:  # a query failing is reported, not fatal
                entry["engine"] = {"error": str(error)[:200]}
            for server in servers:
                client = clients[server.name]
                try:
                    response = http_run(client, server.query_url, text)
                    entry.setdefault("http_rows", {})[server.name] = count_rows(response.content)
                    entry[server.name] = summary(
                        repeat(
                            lambda c=client, u=server.query_url, t=text: http_run(c, u, t), repeats, budget, warmup=0
                        )
                    )
                except Exception as error:
                    entry[server.name] = {"error": str(error)[:200]}
            results[name] = entry
            log(
                f"  {name}: rows={entry.get('rows')} engine={entry['engine'].get('median_ms')} ms "
                + " ".join(f"{s.name}={entry[s.name].get('median_ms')} ms" for s in servers)
            )
    finally:
        for client in clients.values():
            client.close()
    return results


def throughput(server: Server, queries: list[str], clients: int, seconds: float) -> dict:
    done = [0] * clients
    failed = [0] * clients
    deadline = time.perf_counter() + seconds

    def loop(index: int) -> None:
        with httpx.Client(timeout=60) as client:
            position = index
            while time.perf_counter() < deadline:
                text = queries[position % len(queries)]
                position += 1
                try:
                    http_run(client, server.query_url, text)
                    done[index] += 1
                except Exception:
                    failed[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "completed": sum(done),
        "failed": sum(failed),
        "qps": round(sum(done) / elapsed, 2),
    }


# --- builds ------------------------------------------------------------------------------


def fast_engine_available() -> bool:
    """The fast engine exists (app.reason_fast or app.validate_fast) and the build can select it."""
    try:
        present = bool(importlib.util.find_spec("app.reason_fast") or importlib.util.find_spec("app.validate_fast"))
    except (ImportError, ValueError):
        return False
    if not present:
        return False
    import inspect

    import app.build

    source = inspect.getsource(app.build)
    return "engine" in inspect.signature(app.build.build_graphs).parameters or "_fast" in source


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_worker(args: list[str], timeout: float, log_path: Path) -> tuple[dict | None, str | None, list[dict]]:
    """Run `python -m bench.workers ARGS`; return (result, error, progress lines)."""
    command = [PYTHON, "-m", "bench.workers", *args]
    lines: list[dict] = []
    with log_path.open("ab") as err:
        process = tracked(subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=err, text=True))
        timer = threading.Timer(timeout, stop_process, args=(process, 5.0))
        timer.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    lines.append(record)
                    if "progress" in record:
                        log(f"    {record['progress']} ({record.get('at')} s)")
            process.wait()
        finally:
            timer.cancel()
            stop_process(process)
    result = next((r["result"] for r in reversed(lines) if "result" in r), None)
    if result is not None:
        return result, None, lines
    if process.returncode and process.returncode < 0:
        return None, f"stopped after the {timeout / 60:.0f} min time limit", lines
    tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
    return None, f"failed (exit {process.returncode}): {' | '.join(tail)}"[:400], lines


def fit(points: list[tuple[float, float]], x: float, low: float, high: float) -> float | None:
    """Power-law extrapolation y = a x^b from the two largest points, b clamped to [low, high]."""
    points = sorted(p for p in points if p[0] > 0 and p[1] > 0)
    if not points:
        return None
    if len(points) == 1:
        (x1, y1), b = points[0], low
    else:
        (x0, y0), (x1, y1) = points[-2], points[-1]
        b = math.log(y1 / y0) / math.log(x1 / x0) if x1 != x0 else 1.0
        b = min(high, max(low, b))
    return y1 * (x / x1) ** b


MIN_ACTIONS_TO_EXTRAPOLATE = 1000


def estimate(history: list[dict], key: Callable[[dict], float | None], actions: int, low=1.0, high=2.0) -> float | None:
    """Extrapolated figure for `actions` from the sizes already measured in this run.

    None (no estimate, so the step runs) until a size of at least 1,000 actions has been
    measured: at real size fixed costs dominate and a power law fitted there means little.
    """
    points = [(h["actions"], key(h)) for h in history if key(h) is not None]
    if not any(x >= MIN_ACTIONS_TO_EXTRAPOLATE for x, _ in points):
        return None
    return fit(points, actions, low, high)


# --- one size ------------------------------------------------------------------------------


@dataclass
class Options:
    out: Path
    work: Path
    seed: int
    repeats: int
    query_budget: float
    clients: int
    throughput_seconds: float
    starts: int
    build_budget: float
    fallback_budget: float
    naive_budget: float
    naive_timeout: int
    jobs: int
    memory_limit_mb: float
    keep: bool
    reuse: bool = False


def prepare_data(size: str, options: Options) -> tuple[Path, int, dict | None]:
    if size == "real":
        from bench.generate import measure

        profile, _ref = measure(ONTOLOGY_DIR, DATA_DIR)
        return DATA_DIR, int(profile.real_counts["actions"]), None
    actions = int(size)
    target = options.work / f"data-{actions}-seed{options.seed}"
    marker = target / "generated.json"
    if marker.exists():
        generated = json.loads(marker.read_text())
        if generated.get("actions") == actions and generated.get("seed") == options.seed:
            log(f"  reusing generated data {target}")
            return target, actions, {k: generated[k] for k in ("actions", "seed", "sources", "counts", "seconds")}
    from bench.generate import generate

    log(f"  generating {actions} actions (seed {options.seed}) into {target}")
    generated = generate(target, actions, options.seed).to_json()
    return target, actions, generated


def available_engines(wanted: list[str] | None) -> list[str]:
    engines = ["reference"] + (["fast"] if fast_engine_available() else [])
    return [e for e in engines if wanted is None or e in wanted]


def run_size(
    size: str,
    options: Options,
    history: list[dict],
    queries: dict[str, str],
    engines: list[str] | None = None,
    previous: dict | None = None,
) -> dict:
    """Measure one size. With `previous` (an earlier entry of the same size) only builds are run and merged in."""
    entry: dict = previous if previous is not None else {"size": size}
    entry["load_average_at_start"] = load_average()
    log(f"== size {size} (load average {entry['load_average_at_start']})")
    data_dir, actions, generated = prepare_data(size, options)
    entry.update(actions=actions, data_dir=str(data_dir), generated=generated)
    size_dir = options.work / f"run-{size}"
    size_dir.mkdir(parents=True, exist_ok=True)
    log_path = size_dir / "bench.log"
    builds = entry.setdefault("builds", {})
    store_for_queries: Path | None = None
    for engine in available_engines(engines):

        def total_of(h: dict, engine=engine) -> float | None:
            return (h.get("builds", {}).get(engine) or {}).get("total")

        def memory_of(h: dict, engine=engine) -> float | None:
            return (h.get("builds", {}).get(engine) or {}).get("peak_rss_mb")

        expected = estimate(history, total_of, actions)
        expected_mb = estimate(history, memory_of, actions, low=0.8, high=1.3)
        if expected is not None and expected > options.build_budget:
            builds[engine] = {
                "skipped": f"estimated {expected / 60:.0f} min (budget {options.build_budget / 60:.0f} min)",
                "estimated_total": round(expected, 1),
                "estimated_peak_rss_mb": round(expected_mb or 0, 1),
            }
            log(f"  {engine} build skipped: {builds[engine]['skipped']}")
            continue
        if expected_mb is not None and expected_mb > options.memory_limit_mb:
            builds[engine] = {
                "skipped": f"estimated peak memory {expected_mb / 1024:.1f} GB",
                "estimated_total": round(expected or 0, 1),
                "estimated_peak_rss_mb": round(expected_mb, 1),
            }
            log(f"  {engine} build skipped: {builds[engine]['skipped']}")
            continue
        store = size_dir / f"store-{engine}"
        result = reused_build(store, options) if options.reuse else None
        error = None
        if result is None:
            log(f"  build ({engine}) of {data_dir}" + (f", estimated {expected:.0f} s" if expected else ""))
            result, error, _ = run_worker(
                ["build", "--engine", engine, "--data", str(data_dir), "--store", str(store)],
                max(options.build_budget * 1.5, 600),
                log_path,
            )
            save_build(store, result)
        if result is None:
            builds[engine] = {"failed": error, "estimated_total": expected}
            log(f"  {engine} build: {error}")
            continue
        builds[engine] = result
        log(f"  {engine} build: {result['stages']} total {result['total']} s, peak {result['peak_rss_mb']} MB")
        store_for_queries = store_for_queries or store
    if previous is not None:
        return entry  # builds only
    if store_for_queries is None:
        chunk_engine = "fast" if "fast" in available_engines(None) else "reference"
        check = chunk_engine == "fast"  # validating every chunk is cheap with the fast engine

        def chunkable(h: dict) -> float | None:
            stages = (h.get("builds", {}).get(chunk_engine) or {}).get("stages") or {}
            kept = ("load", "validate", "reason", "store") if check else ("load", "reason", "store")
            return sum(stages.get(k, 0) for k in kept) or None

        expected = estimate(history, chunkable, actions)
        expected = expected / max(1, options.jobs) if expected else None
        if expected is not None and expected > options.fallback_budget:
            entry["store"] = {"skipped": f"no store: chunked fallback estimated {expected / 60:.0f} min"}
            log(f"  {entry['store']['skipped']}")
            return entry
        store = size_dir / "store-chunked"
        log(
            f"  chunked fallback build ({chunk_engine} engine per source, {options.jobs} jobs), estimated {expected or 0:.0f} s"
        )
        command = ["build", "--engine", "chunked", "--chunk-engine", chunk_engine, "--jobs", str(options.jobs)]
        command += ["--data", str(data_dir), "--store", str(store)] + (["--validate"] if check else [])
        result = reused_build(store, options) if options.reuse else None
        error = None
        if result is None:
            result, error, _ = run_worker(command, max(options.fallback_budget * 1.5, 600), log_path)
            save_build(store, result)
        builds[f"chunked, {chunk_engine} per source (bench-only store)"] = result or {"failed": error}
        if result is None:
            entry["store"] = {"skipped": f"no store: chunked build {error}"}
            return entry
        store_for_queries = store
    entry["store"] = store_info(store_for_queries)
    entry["load_average_before_serving"] = load_average()
    serve(entry, store_for_queries, size_dir, options, queries, history)
    entry["load_average_at_end"] = load_average()
    if not options.keep and size != "real":
        for path in size_dir.glob("oxigraph-*"):
            shutil.rmtree(path, ignore_errors=True)
    return entry


def save_build(store: Path, result: dict | None) -> None:
    """Keep a build's figures beside its store, so that --reuse can serve it again without rebuilding."""
    if result is not None:
        store.with_name(store.name + ".build.json").write_text(json.dumps(result, indent=1) + "\n")


def reused_build(store: Path, options: Options) -> dict | None:
    figures = store.with_name(store.name + ".build.json")
    if not (figures.exists() and (store / "BUILD-COMPLETE").exists()):
        return None
    log(f"  reusing the store {store} and its build figures")
    return {**json.loads(figures.read_text()), "reused": True}


def store_info(store_path: Path) -> dict:
    store = ox.Store.read_only(str(store_path))
    quads = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")))["n"].value)
    default = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)
    del store
    size = sum(f.stat().st_size for f in store_path.rglob("*") if f.is_file())
    return {
        "path": str(store_path),
        "default_graph_triples": default,
        "named_graph_quads": quads,
        "disk_mb": round(size / 2**20, 1),
    }


def serve(
    entry: dict, store: Path, size_dir: Path, options: Options, queries: dict[str, str], history: list[dict]
) -> None:
    log_path = size_dir / "servers.log"
    # cold starts of our server; the last one stays up for the query benchmarks
    starts: list[float] = []
    cpu: list[float] = []
    ours: Server | None = None
    for attempt in range(options.starts):
        try:
            server = start_ours(store, log_path)
        except RuntimeError as error:
            entry["cold_start_ours"] = {"error": str(error), "seconds": [round(s, 3) for s in starts]}
            log(f"  our server did not start: {error}; no serving figures for this size")
            return
        starts.append(server.ready_seconds)
        cpu.append(server.cpu_seconds or math.nan)
        if attempt < options.starts - 1:
            stop_process(server.process)
        else:
            ours = server
    entry["cold_start_ours"] = {
        "seconds": [round(s, 3) for s in starts],
        "median": round(statistics.median(starts), 3),
        "cpu_seconds": cpu,
        "cpu_median": round(statistics.median(cpu), 3),
        "load_average": load_average(),
    }
    log(f"  cold start (ours): {entry['cold_start_ours']}")
    oxigraph: Server | None = None
    servers = [ours]
    try:
        if oxigraph_binary():
            dump = size_dir / "store.nq"
            t0 = time.perf_counter()
            source = ox.Store.read_only(str(store))
            source.dump(str(dump), format=ox.RdfFormat.N_QUADS)
            del source
            entry["dump_seconds"] = round(time.perf_counter() - t0, 2)
            location = size_dir / "oxigraph-store"
            shutil.rmtree(location, ignore_errors=True)
            t0 = time.perf_counter()
            subprocess.run(
                [oxigraph_binary(), "load", "--location", str(location), "--file", str(dump)],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=log_path.open("ab"),
                timeout=3600,
            )
            entry["oxigraph_load_seconds"] = round(time.perf_counter() - t0, 2)
            log(f"  oxigraph load: {entry['oxigraph_load_seconds']} s")
            oxigraph = start_oxigraph(location, log_path)
            entry["cold_start_oxigraph"] = round(oxigraph.ready_seconds, 3)
            entry["cold_start_oxigraph_cpu_seconds"] = oxigraph.cpu_seconds
            servers.append(oxigraph)
        else:
            entry["oxigraph"] = "not installed (pip install oxigraph)"
        samplers = {s.name: RssSampler(s.process.pid) for s in servers}
        for sampler in samplers.values():
            sampler.__enter__()
        try:
            log(f"  queries ({len(queries)}), {options.repeats} repeats or {options.query_budget} s each")
            entry["queries"] = measure_queries(queries, store, servers, options.repeats, options.query_budget)
            mix = list(queries.values())
            entry["throughput"] = {}
            for server in servers:
                entry["throughput"][server.name] = throughput(server, mix, options.clients, options.throughput_seconds)
                log(f"  throughput {server.name}: {entry['throughput'][server.name]}")
        finally:
            for sampler in samplers.values():
                sampler.__exit__()
        entry["server_peak_rss_mb"] = {name: sampler.peak_mb for name, sampler in samplers.items()}
    finally:
        for server in servers:
            if server is not None:
                stop_process(server.process)
    naive(entry, store, size_dir, options, queries, history)
    dump = size_dir / "store.nq"
    if dump.exists() and not options.keep:
        dump.unlink()


def naive(
    entry: dict, store: Path, size_dir: Path, options: Options, queries: dict[str, str], history: list[dict]
) -> None:
    """rdflib in-memory Dataset (default, asserted and inferred graphs) and rdflib SPARQL on the same queries."""
    actions = entry["actions"]
    expected_load = estimate(history, lambda h: (h.get("naive") or {}).get("load_seconds"), actions, 1.0, 1.5)
    expected_mb = estimate(history, lambda h: (h.get("naive") or {}).get("peak_rss_mb"), actions, 0.8, 1.2)
    if expected_mb and expected_mb > options.memory_limit_mb:
        entry["naive"] = {
            "skipped": f"estimated peak memory {expected_mb / 1024:.1f} GB",
            "estimated_load_seconds": expected_load,
        }
        log(f"  naive: {entry['naive']['skipped']}")
        return
    if expected_load and expected_load > options.naive_budget:
        entry["naive"] = {
            "skipped": f"estimated load {expected_load / 60:.0f} min",
            "estimated_peak_rss_mb": expected_mb,
        }
        log(f"  naive: {entry['naive']['skipped']}")
        return
    from app.namespaces import GRAPH_INFERRED
    from app.store import GRAPH_ASSERTED

    dump = size_dir / "naive.nq"
    source = ox.Store.read_only(str(store))
    with dump.open("wb") as out:
        for graph in (ox.DefaultGraph(), ox.NamedNode(str(GRAPH_ASSERTED)), ox.NamedNode(str(GRAPH_INFERRED))):
            ox.serialize(source.quads_for_pattern(None, None, None, graph), out, format=ox.RdfFormat.N_QUADS)
    del source
    queries_file = size_dir / "queries.json"
    queries_file.write_text(json.dumps(queries))
    log("  naive stack (rdflib Dataset + rdflib SPARQL)")
    result, error, lines = run_worker(
        [
            "naive",
            "--dump",
            str(dump),
            "--queries",
            str(queries_file),
            "--repeats",
            str(min(options.repeats, 5)),
            "--per-query-timeout",
            str(options.naive_timeout),
            "--max-seconds",
            str(options.naive_budget),
        ],
        options.naive_budget * 2 + 600,
        size_dir / "bench.log",
    )
    del result
    loaded = next((r for r in lines if "load_seconds" in r), None)
    done = next((r for r in lines if r.get("done")), None)
    per_query = {r["query"]: r for r in lines if "query" in r}
    entry["naive"] = {
        "load_seconds": loaded and loaded["load_seconds"],
        "quads": loaded and loaded["quads"],
        "peak_rss_mb": (done or loaded or {}).get("rss_mb"),
        "error": None if done else error,
    }
    for name in queries:
        record = per_query.get(name)
        target = entry.setdefault("queries", {}).setdefault(name, {})
        if record is None:
            target["naive"] = {"error": "not run (worker stopped)"}
        elif record["times"]:
            target["naive"] = {**summary(record["times"]), "rows": record["rows"], "status": record["status"]}
        else:
            target["naive"] = {"error": record["status"]}
    dump.unlink(missing_ok=True)
    log(f"  naive: load {entry['naive']['load_seconds']} s, peak {entry['naive']['peak_rss_mb']} MB")


# --- report ------------------------------------------------------------------------------------


def fmt(value, digits: int = 1, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}{suffix}"
    return str(value)


def ratio(a, b) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.2f}×"


def geometric_mean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def query_aggregates(entry: dict) -> dict:
    queries = entry.get("queries") or {}

    def medians(key: str) -> list[float]:
        return [q[key]["median_ms"] for q in queries.values() if isinstance(q.get(key), dict) and "median_ms" in q[key]]

    out = {}
    for key in ("engine", "ours", "oxigraph", "naive"):
        values = medians(key)
        out[key] = {
            "queries": len(values),
            "median_of_medians_ms": round(statistics.median(values), 2) if values else None,
            "max_median_ms": round(max(values), 2) if values else None,
            "geomean_ms": round(geometric_mean(values), 2) if values else None,
            "under_50ms": sum(1 for v in values if v < 50),
        }
    paired = [
        (q["ours"]["median_ms"], q["oxigraph"]["median_ms"])
        for q in queries.values()
        if "median_ms" in q.get("ours", {}) and "median_ms" in q.get("oxigraph", {})
    ]
    out["ours_over_oxigraph_geomean"] = round(geometric_mean([a / b for a, b in paired]) or 0, 2) if paired else None
    paired = [
        (q["naive"]["median_ms"], q["ours"]["median_ms"])
        for q in queries.values()
        if "median_ms" in q.get("naive", {}) and "median_ms" in q.get("ours", {})
    ]
    out["naive_over_ours_geomean"] = round(geometric_mean([a / b for a, b in paired]) or 0, 2) if paired else None
    return out


def targets(results: dict) -> list[dict]:
    sizes = {e["size"]: e for e in results["sizes"]}
    rows = []

    def best_build(entry: dict) -> tuple[str, dict] | None:
        done = [
            (name, b) for name, b in entry.get("builds", {}).items() if "total" in b and not name.startswith("chunked")
        ]
        return min(done, key=lambda nb: nb[1]["total"]) if done else None

    def estimated(entry: dict) -> str:
        notes = [f"{name}: {b['skipped']}" for name, b in entry.get("builds", {}).items() if "skipped" in b]
        notes += [
            f"{name}: {b['total'] / 60:.1f} min (bench-only)"
            for name, b in entry.get("builds", {}).items()
            if name.startswith("chunked") and "total" in b
        ]
        return "; ".join(notes)

    def estimated_memory(entry: dict) -> str:
        notes = [
            f"{name}: estimated {b['estimated_peak_rss_mb'] / 1024:.0f} GB"
            for name, b in entry.get("builds", {}).items()
            if b.get("estimated_peak_rss_mb")
        ]
        notes += [
            f"{name}: {b['peak_rss_mb'] / 1024:.2f} GB (bench-only)"
            for name, b in entry.get("builds", {}).items()
            if name.startswith("chunked") and "peak_rss_mb" in b
        ]
        return "; ".join(notes)

    big = max((e for e in results["sizes"] if e["size"] != "real"), key=lambda e: e["actions"], default=None)
    mid = min(
        (e for e in results["sizes"] if e["size"] != "real" and e["actions"] >= 4000),
        key=lambda e: e["actions"],
        default=None,
    )
    if big is not None and big["actions"] >= 40000:
        best = best_build(big)
        if best:
            rows.append(
                {
                    "target": f"{big['size']} actions build end to end < 10 min",
                    "met": best[1]["total"] < 600,
                    "figure": f"{best[0]}: {best[1]['total'] / 60:.1f} min",
                }
            )
            rows.append(
                {
                    "target": f"{big['size']} actions build peak memory < 8 GB",
                    "met": best[1]["peak_rss_mb"] < 8192,
                    "figure": f"{best[1]['peak_rss_mb'] / 1024:.1f} GB",
                }
            )
        else:
            rows.append(
                {
                    "target": f"{big['size']} actions build end to end < 10 min",
                    "met": False,
                    "figure": estimated(big) or "not measured",
                }
            )
            rows.append(
                {
                    "target": f"{big['size']} actions build peak memory < 8 GB",
                    "met": False,
                    "figure": estimated_memory(big) or "not measured",
                }
            )
    if "real" in sizes:
        best = best_build(sizes["real"])
        if best:
            rows.append(
                {
                    "target": "real graph builds in seconds (< 30 s)",
                    "met": best[1]["total"] < 30,
                    "figure": f"{best[0]}: {best[1]['total']:.1f} s",
                }
            )
        cold = sizes["real"].get("cold_start_ours", {}).get("median")
        if cold is not None:
            rows.append(
                {
                    "target": "server start from a persisted store < 2 s (real size)",
                    "met": cold < 2,
                    "figure": f"{cold:.2f} s",
                }
            )
        others = [
            f"{e['size']}: {e['cold_start_ours']['median']:.2f} s"
            for e in results["sizes"]
            if e["size"] != "real" and e.get("cold_start_ours")
        ]
        if others:
            rows.append(
                {
                    "target": "start independent of the reasoning cost",
                    "met": all(
                        e["cold_start_ours"]["median"] < 2 for e in results["sizes"] if e.get("cold_start_ours")
                    ),
                    "figure": ", ".join(others),
                }
            )
    if mid is not None and mid.get("queries"):
        agg = query_aggregates(mid)["ours"]
        rows.append(
            {
                "target": f"saved queries at {mid['size']} actions: median < 50 ms over HTTP (each query)",
                "met": agg["under_50ms"] == agg["queries"],
                "figure": f"{agg['under_50ms']}/{agg['queries']} under 50 ms; median of medians {agg['median_of_medians_ms']} ms, slowest {agg['max_median_ms']} ms",
            }
        )
        tp = mid.get("throughput", {})
        if "ours" in tp and "oxigraph" in tp and tp["oxigraph"]["qps"]:
            share = tp["ours"]["qps"] / tp["oxigraph"]["qps"]
            rows.append(
                {
                    "target": f"HTTP throughput ≥ 80% of Oxigraph server's ({mid['size']} actions)",
                    "met": share >= 0.8,
                    "figure": f"{share:.0%} ({tp['ours']['qps']} vs {tp['oxigraph']['qps']} queries/s, {tp['ours']['clients']} clients)",
                }
            )
    return rows


def render(results: dict) -> str:
    meta = results["meta"]
    m = meta["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {meta['started']} – {meta['finished']} on {m['cpu']} ({m['cores']} cores, {m['ram_gb']} GB RAM), Python {m['python']}.",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v) + ".",
        f"Command: `{meta['command']}`. Seed {meta['seed']}."
        + (
            f" Merged with the sizes of the run of {meta['merged_from']['started']} (`{meta['merged_from']['command']}`)."
            if meta.get("merged_from")
            else ""
        )
        + "".join(
            f" Builds added by the run of {b['started']} (`{b['command']}`)." for b in meta.get("build_runs", [])
        ),
        "",
        "## Builds",
        "",
        "Seconds per stage (wall; CPU seconds of the whole build in brackets); each build in its own process, "
        "peak memory is its maximum resident set. Σ: stage seconds summed over the chunks of a chunked build. "
        "The fast engine reasons in a second process while the first loads and validates: its reasoning "
        "overlaps load and SHACL, its total is the wall time to a complete store, and its peak memory is "
        "the sum of both processes' peaks (an upper bound).",
        "",
        "| size | actions | engine | asserted | inferred | load (parse) | SHACL | reasoning | store | total | peak memory |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in results["sizes"]:
        for engine, b in entry.get("builds", {}).items():
            if "stages" in b and engine.startswith("chunked"):
                cpu = b.get("stages_cpu_seconds_summed_over_chunks", {})
                lines.append(
                    f"| {entry['size']} | {entry['actions']:,} | {engine}, {b['jobs']} jobs | ≈{fmt(b.get('asserted_triples_approx'), 0)} | – "
                    f"| Σ {fmt(cpu.get('load'))} | Σ {fmt(cpu.get('validate'))} | Σ {fmt(cpu.get('reason'))} | {fmt(cpu.get('store'))} "
                    f"| {fmt(b['total'])} wall | {fmt(max(b['peak_rss_mb'], b.get('worker_peak_rss_mb', 0)) / 1024, 2)} GB |"
                )
            elif "stages" in b:
                s = b["stages"]
                lines.append(
                    f"| {entry['size']} | {entry['actions']:,} | {engine} | {fmt(b['asserted_triples'], 0)} | {fmt(b['inferred_triples'], 0)} "
                    f"| {fmt(s.get('load'))} | {fmt(s.get('validate'))} | {fmt(s.get('reasoner', s.get('reason')))} | {fmt(s.get('store'))} "
                    f"| {fmt(b['total'])} ({fmt(sum((b.get('cpu_seconds') or {}).values()) or None)} CPU) | {fmt(b['peak_rss_mb'] / 1024, 2)} GB |"
                )
            else:
                reason = b.get("skipped") or b.get("failed")
                est_mb = b.get("estimated_peak_rss_mb")
                lines.append(
                    f"| {entry['size']} | {entry['actions']:,} | {engine} | | | | | | | {reason} | {fmt(est_mb / 1024 if est_mb else None, 1, ' GB (est.)')} |"
                )
    lines += [
        "",
        "## Serving",
        "",
        "| size | store triples (default graph) | cold start, ours (median) | cold start, `oxigraph serve` | `oxigraph load` | throughput ours | throughput Oxigraph | ours / Oxigraph | server memory ours | server memory Oxigraph |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in results["sizes"]:
        if "cold_start_ours" not in entry:
            lines.append(f"| {entry['size']} | {(entry.get('store') or {}).get('skipped', '–')} | | | | | | | | |")
            continue
        tp = entry.get("throughput", {})
        ours_tp, ox_tp = tp.get("ours", {}), tp.get("oxigraph", {})
        mem = entry.get("server_peak_rss_mb", {})
        lines.append(
            f"| {entry['size']} | {fmt(entry['store'].get('default_graph_triples'), 0)} | {fmt(entry['cold_start_ours']['median'], 2)} s ({fmt(entry['cold_start_ours'].get('cpu_median'), 2)} s CPU) "
            f"| {fmt(entry.get('cold_start_oxigraph'), 2)} s | {fmt(entry.get('oxigraph_load_seconds'))} s "
            f"| {fmt(ours_tp.get('qps'))} q/s | {fmt(ox_tp.get('qps'))} q/s | {ratio(ours_tp.get('qps'), ox_tp.get('qps'))} "
            f"| {fmt(mem.get('ours'), 0)} MB | {fmt(mem.get('oxigraph'), 0)} MB |"
        )
    for entry in results["sizes"]:
        if not entry.get("queries"):
            continue
        agg = query_aggregates(entry)
        naive_note = entry.get("naive", {})
        lines += [
            "",
            f"## Saved queries, size {entry['size']} ({entry['actions']:,} actions)",
            "",
            "Milliseconds, median / p95. *engine*: pyoxigraph in-process on the store, results serialised to SPARQL JSON; "
            "*ours*: our server over HTTP; *Oxigraph*: `oxigraph serve-read-only` over HTTP; *naive*: rdflib Dataset + rdflib SPARQL in memory.",
            "",
            f"Naive stack: {'load ' + fmt(naive_note.get('load_seconds')) + ' s, peak ' + fmt((naive_note.get('peak_rss_mb') or 0) / 1024, 2) + ' GB' if naive_note.get('load_seconds') else naive_note.get('skipped', naive_note.get('error', '–'))}.",
            "",
            "| query | rows | engine | ours HTTP | Oxigraph HTTP | ours / Oxigraph | naive | naive / ours |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, q in entry["queries"].items():

            def cell(key: str, q=q) -> str:
                value = q.get(key) or {}
                if "median_ms" in value:
                    return f"{fmt(value['median_ms'])} / {fmt(value['p95_ms'])}"
                return value.get("error", "–")[:60]

            ours_m = (q.get("ours") or {}).get("median_ms")
            ox_m = (q.get("oxigraph") or {}).get("median_ms")
            naive_m = (q.get("naive") or {}).get("median_ms")
            lines.append(
                f"| {name} | {fmt(q.get('rows'), 0)} | {cell('engine')} | {cell('ours')} | {cell('oxigraph')} | {ratio(ours_m, ox_m)} | {cell('naive')} | {ratio(naive_m, ours_m)} |"
            )
        lines.append(
            f"| **median of medians** | | {fmt(agg['engine']['median_of_medians_ms'])} | {fmt(agg['ours']['median_of_medians_ms'])} "
            f"| {fmt(agg['oxigraph']['median_of_medians_ms'])} | {fmt(agg['ours_over_oxigraph_geomean'], 2, '× (geomean)')} "
            f"| {fmt(agg['naive']['median_of_medians_ms'])} | {fmt(agg['naive_over_ours_geomean'], 2, '× (geomean)')} |"
        )
    lines += ["", "## Targets", "", "| target | met | measured |", "|---|---|---|"]
    for row in results.get("targets", []):
        lines.append(f"| {row['target']} | {'yes' if row['met'] else '**no**'} | {row['figure']} |")
    if results.get("skipped_queries"):
        lines += ["", "Saved queries left out (they need parameters): " + ", ".join(results["skipped_queries"]) + "."]
    return "\n".join(lines) + "\n"


def write_results(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    results["targets"] = targets(results)
    results["meta"]["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    (out / "results.md").write_text(render(results))


# --- command line ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Benchmark suite of the migcoop build and endpoint."
    )
    parser.add_argument(
        "--sizes", default="real,5000,50000", help="comma-separated: 'real' (data/) and/or numbers of synthetic actions"
    )
    parser.add_argument("--quick", action="store_true", help="real size only, short loops")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "results")
    parser.add_argument(
        "--work", type=Path, default=PROJECT_ROOT / "var" / "bench", help="generated data, stores, logs"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per query (fewer when a query is slow)")
    parser.add_argument("--query-budget", type=float, default=5.0, help="seconds of timed runs per query and target")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients in the throughput test")
    parser.add_argument("--throughput-seconds", type=float, default=15.0)
    parser.add_argument("--starts", type=int, default=3, help="cold starts of our server to take the median of")
    parser.add_argument(
        "--build-budget-minutes", type=float, default=30.0, help="skip a build estimated to take longer"
    )
    parser.add_argument("--fallback-budget-minutes", type=float, default=90.0, help="budget of the chunked store build")
    parser.add_argument(
        "--naive-budget-minutes", type=float, default=15.0, help="budget of the naive query baseline per size"
    )
    parser.add_argument("--naive-timeout", type=int, default=120, help="seconds before one naive query is stopped")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="processes of the chunked fallback build")
    parser.add_argument("--memory-limit-gb", type=float, default=psutil.virtual_memory().total / 2**30 * 0.75)
    parser.add_argument("--keep", action="store_true", help="keep dumps and Oxigraph stores of synthetic sizes")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a store (and its build figures) left by an earlier run of a size"
    )
    parser.add_argument("--engines", default=None, help="comma-separated build engines (default: every available one)")
    parser.add_argument(
        "--builds-only",
        action="store_true",
        help="with --merge: only run the builds of the given sizes and engines, merged into the earlier entries",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sizes of an earlier OUT/results.json (and extrapolate from them): run sizes separately",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "real"
        args.repeats, args.query_budget, args.throughput_seconds, args.starts = 10, 2.0, 5.0, 3
    options = Options(
        out=args.out,
        work=args.work,
        seed=args.seed,
        repeats=args.repeats,
        query_budget=args.query_budget,
        clients=args.clients,
        throughput_seconds=args.throughput_seconds,
        starts=args.starts,
        build_budget=args.build_budget_minutes * 60,
        fallback_budget=args.fallback_budget_minutes * 60,
        naive_budget=args.naive_budget_minutes * 60,
        naive_timeout=args.naive_timeout,
        jobs=args.jobs,
        memory_limit_mb=args.memory_limit_gb * 1024,
        keep=args.keep,
        reuse=args.reuse,
    )
    options.work.mkdir(parents=True, exist_ok=True)
    atexit.register(stop_started)
    signal.signal(signal.SIGTERM, stop_started)
    queries, skipped = saved_queries()
    results = {
        "meta": {
            "started": dt.datetime.now().isoformat(timespec="seconds"),
            "machine": machine(),
            "command": "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:]),
            "seed": args.seed,
            "fast_engine": fast_engine_available(),
            "options": {k: str(v) for k, v in vars(args).items()},
        },
        "sizes": [],
        "skipped_queries": skipped,
    }
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    sizes.sort(key=lambda s: 0 if s == "real" else int(s))
    earlier = options.out / "results.json"
    kept: dict[str, dict] = {}
    if args.merge and earlier.exists():
        previous = json.loads(earlier.read_text())
        if args.builds_only:
            build_run = {"started": results["meta"]["started"], "command": results["meta"]["command"]}
            results = previous
            results["meta"].setdefault("build_runs", []).append(build_run)
            kept = {e["size"]: e for e in results["sizes"]}
            results["sizes"] = [e for e in results["sizes"] if e["size"] not in sizes]
        else:
            results["sizes"] = [e for e in previous.get("sizes", []) if e["size"] not in sizes]
            results["meta"]["merged_from"] = {
                "started": previous["meta"]["started"],
                "command": previous["meta"]["command"],
            }
            if previous["meta"].get("build_runs"):
                results["meta"]["build_runs"] = previous["meta"]["build_runs"]
    engines = [e.strip() for e in args.engines.split(",")] if args.engines else None
    for size in sizes:
        prior = kept.get(size, {"size": size}) if args.builds_only else None
        entry = run_size(size, options, results["sizes"], queries, engines, prior)
        results["sizes"].append(entry)
        results["sizes"].sort(key=lambda e: e["actions"])
        write_results(results, options.out)  # after every size, so a long run leaves partial figures
        log(f"== size {size} done; results in {options.out}")
    write_results(results, options.out)
    print((options.out / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared fixtures: one real build of the graph per test session, and a real server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from app.build import BuildResult, build
from app.core.config import PROJECT_ROOT
from app.store import OxigraphStore

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
DATA_DIR = PROJECT_ROOT / "data"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@dataclass(frozen=True)
class Built:
    store_path: Path
    dumps_path: Path
    result: BuildResult

    def dump(self, name: str) -> Graph:
        return Graph().parse(self.dumps_path / name)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("build")
    result = build(ONTOLOGY_DIR, DATA_DIR, root / "store", root / "dumps")
    return Built(root / "store", root / "dumps", result)


@pytest.fixture(scope="session")
def store(built: Built) -> OxigraphStore:
    """The session's built store, opened read-only for direct SPARQL."""
    return OxigraphStore.open(built.store_path, read_only=True)


@pytest.fixture(scope="session")
def asserted(built: Built) -> Graph:
    return built.dump("migcoop-asserted.nt")


@pytest.fixture(scope="session")
def inferred(built: Built) -> Graph:
    return built.dump("migcoop-inferred.nt")


@pytest.fixture(scope="session")
def everything(built: Built) -> Graph:
    return built.dump("migcoop-all.nt")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    base_url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def sparql_url(self) -> str:
        return f"{self.base_url}/sparql"


def start_server(store_path: Path, log_path: Path, **settings: str) -> RunningServer:
    port = free_port()
    # A build writes its dumps beside its store (see the `built` fixture); serve those, not var/.
    env = {**os.environ, "MIGCOOP_STORE_PATH": str(store_path), "MIGCOOP_DUMPS_PATH": str(store_path.parent / "dumps")}
    env.update({f"MIGCOOP_{key.upper()}": value for key, value in settings.items()})
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                return RunningServer(base_url, process, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not become ready:\n{log_path.read_text()}")


def stop_server(server: RunningServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def server(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real uvicorn server on 127.0.0.1 serving the session's build (read-only use)."""
    running = start_server(built.store_path, tmp_path_factory.mktemp("server") / "server.log")
    yield running
    stop_server(running)


# --- the remote store backend: a real Oxigraph server on 127.0.0.1 ------------------------


@dataclass
class StoreServer:
    """A SPARQL 1.1 server (Oxigraph's, from the `oxigraph` package) that a test started."""

    base_url: str
    process: subprocess.Popen
    location: Path
    log_path: Path

    @property
    def query_url(self) -> str:
        return f"{self.base_url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base_url}/update"

    @property
    def store_url(self) -> str:
        return f"{self.base_url}/store"

    def settings(self) -> dict[str, str]:
        """The service's settings (without the MIGCOOP_ prefix) for this server as its store."""
        return {
            "store_backend": "remote",
            "remote_query_url": self.query_url,
            "remote_update_url": self.update_url,
            "remote_store_url": self.store_url,
        }

    def remote_store(self):
        from app.store_remote import RemoteStore

        return RemoteStore(self.query_url, self.update_url, self.store_url)


def oxigraph_binary() -> str:
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the Oxigraph server is missing: pip install oxigraph (it is in the dev extras)")
    return found


def start_oxigraph(location: Path, log_path: Path, timeout_s: int = 30) -> StoreServer:
    """`oxigraph serve` on a free port of 127.0.0.1, with its data in `location`; waits until it answers.

    The server stops a query itself after `timeout_s`: our service's timeout answers the client
    but cannot stop the work on the server.
    """
    port = free_port()
    log = log_path.open("wb")
    command = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--timeout-s", str(timeout_s)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    running = StoreServer(f"http://127.0.0.1:{port}", process, location, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Oxigraph server exited early:\n{log_path.read_text()}")
        try:
            if httpx.post(running.query_url, data={"query": "ASK {}"}, timeout=1).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_process(process)
    raise RuntimeError(f"the Oxigraph server did not answer:\n{log_path.read_text()}")


def stop_process(process: subprocess.Popen) -> None:
    """Stop a process this test session started, by its PID."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def build_into(store_server: StoreServer, root: Path) -> BuildResult:
    """`migcoop build` with the remote backend: the graphs go to the server, the dumps to root/dumps."""
    return build(ONTOLOGY_DIR, DATA_DIR, root / "store", root / "dumps", target=store_server.remote_store())


def start_remote_server(store_server: StoreServer, root: Path, **settings: str) -> RunningServer:
    """Our service with the remote backend: no store of its own (its store path does not exist)."""
    return start_server(
        root / "no-local-store",
        root / "server.log",
        dumps_path=str(root / "dumps"),
        **{**store_server.settings(), **settings},
    )


@pytest.fixture(scope="session")
def oxigraph_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    """An Oxigraph server holding a build made with the remote backend (read-only use)."""
    root = tmp_path_factory.mktemp("oxigraph")
    running = start_oxigraph(root / "data", root / "oxigraph.log")
    try:
        build_into(running, root)
        yield running
    finally:
        stop_process(running.process)


@pytest.fixture(scope="session")
def remote_server(oxigraph_store: StoreServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A real uvicorn server with MIGCOOP_STORE_BACKEND=remote, reading the session's Oxigraph server."""
    running = start_remote_server(oxigraph_store, oxigraph_store.location.parent)
    yield running
    stop_server(running)


@pytest.fixture(scope="session", params=["embedded", "remote"])
def any_server(request: pytest.FixtureRequest) -> RunningServer:
    """The read-only server on each backend in turn: the embedded store, then an Oxigraph server."""
    return request.getfixturevalue("server" if request.param == "embedded" else "remote_server")

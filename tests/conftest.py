"""Shared fixtures: one real build of the graph per test session, and a real server."""

from __future__ import annotations

import os
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
    env = {**os.environ, "MIGCOOP_STORE_PATH": str(store_path)}
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

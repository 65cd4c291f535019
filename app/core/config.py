"""Settings from the environment (prefix MIGCOOP_), with defaults for local use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MIGCOOP_", env_file=".env", extra="ignore")

    project_root: Path = PROJECT_ROOT
    store_path: Path = PROJECT_ROOT / "var" / "store"
    dumps_path: Path = PROJECT_ROOT / "var" / "dumps"
    base_iri: str = "https://w3id.org/migcoop/"
    query_timeout_seconds: float = 10.0
    max_result_rows: int = 100_000
    max_query_bytes: int = 1_000_000
    query_workers: int = 2
    write_token: str | None = None
    allowed_remote_urls: list[str] = []
    cors_origins: list[str] = ["*"]
    # Public deployment (README, "Deploying publicly"): per-client limits (0 = off), the memory a
    # query worker may use (MB, 0 = no cap), the JSON access log on stderr, GET /metrics.
    rate_limit_per_minute: int = 0
    max_concurrent_per_client: int = 0
    query_memory_mb: int = 2048
    access_log: bool = True
    metrics_enabled: bool = True
    # Validation and reasoning engines of `migcoop build`: "fast" (app.validate_fast,
    # app.reason_fast: the same violations and the same inferred graph, tested against the
    # reference on the real data and every shape fixture) or "reference" (pyshacl, owlrl).
    build_engine: Literal["reference", "fast"] = "fast"
    # The store (README, "Remote store backend"): "embedded" (pyoxigraph at store_path) or "remote",
    # a SPARQL 1.1 server: queries and updates over the SPARQL 1.1 Protocol, whole graphs over the
    # Graph Store Protocol. The defaults are an Oxigraph server on this machine.
    store_backend: Literal["embedded", "remote"] = "embedded"
    remote_query_url: str = "http://127.0.0.1:7878/query"
    remote_update_url: str = "http://127.0.0.1:7878/update"
    remote_store_url: str = "http://127.0.0.1:7878/store"
    remote_user: str | None = None
    remote_password: str | None = None

    @property
    def ontology_dir(self) -> Path:
        return self.project_root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.project_root / "data"


@lru_cache
def get_settings() -> Settings:
    return Settings()

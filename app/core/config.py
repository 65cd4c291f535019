"""Settings from the environment (prefix MIGCOOP_), with defaults for local use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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

    @property
    def ontology_dir(self) -> Path:
        return self.project_root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.project_root / "data"


@lru_cache
def get_settings() -> Settings:
    return Settings()

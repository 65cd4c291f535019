"""Logging: one JSON access-log line per request, and no secret in any log line.

The access log goes to the `migcoop.access` logger, one JSON object a line on
stderr: time, method, path (never the query string), status, duration, time spent
in the query engine when a query ran, response bytes, client address, and why a
request was refused when it was. Headers are never logged, so neither is the
`Authorization` header; a filter also blanks the write token anywhere it might
appear in a log message (ours and uvicorn's), in case a client pastes it into a URL.

`RequestInfo` is the request's record while it runs: the middleware creates it and
code deeper down (the query engine, the update route) adds what only it knows.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

ACCESS_LOGGER = "migcoop.access"
REDACTED = "[redacted]"
# Loggers whose messages may carry request text: ours and uvicorn's.
SCREENED_LOGGERS = ("migcoop", ACCESS_LOGGER, "uvicorn", "uvicorn.access", "uvicorn.error")


@dataclass
class RequestInfo:
    """What is known about the request being served, filled in as it runs."""

    started: float
    query_seconds: float | None = None
    rejection: str | None = None  # rate-limit, concurrency, auth, too-large, shapes, remote

    @property
    def duration_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000


current_request: ContextVar[RequestInfo | None] = ContextVar("migcoop_request", default=None)


def note_query_time(seconds: float) -> None:
    """Record time spent in the query engine for the current request (summed over its queries)."""
    info = current_request.get()
    if info is not None:
        info.query_seconds = (info.query_seconds or 0.0) + seconds


def note_rejection(reason: str) -> None:
    """Record why the current request is being refused (for the access log and the metrics)."""
    info = current_request.get()
    if info is not None and info.rejection is None:
        info.rejection = reason


class RedactSecrets(logging.Filter):
    """Replace every configured secret in a log record's message by `[redacted]`."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # As given, and as it reads in a URL (a log line may carry one).
        variants = {
            form for secret in secrets if secret for form in (secret, quote(secret, safe=""), quote_plus(secret))
        }
        self.secrets = sorted(variants, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, None
        return True


class JsonLineFormatter(logging.Formatter):
    """The record's message as it is: access-log messages are already JSON objects."""

    def format(self, record: logging.LogRecord) -> str:
        return record.getMessage()


def access_record(
    *,
    method: str,
    path: str,
    status: int,
    info: RequestInfo,
    response_bytes: int,
    client: str | None,
    route: str | None,
) -> str:
    entry: dict[str, object] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "method": method,
        "path": path,
        "route": route,
        "status": status,
        "duration_ms": round(info.duration_ms, 2),
    }
    if info.query_seconds is not None:
        entry["query_ms"] = round(info.query_seconds * 1000, 2)
    entry["bytes"] = response_bytes
    entry["client"] = client
    if info.rejection:
        entry["rejected"] = info.rejection
    return json.dumps(entry, ensure_ascii=False)


_installed: dict[str, logging.Filter] = {}


def setup_logging(*, access_log: bool, secrets: list[str]) -> logging.Logger:
    """Configure the access logger (JSON lines on stderr) and the secret filter; idempotent."""
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    if not any(getattr(handler, "_migcoop", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLineFormatter())
        handler._migcoop = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.disabled = not access_log
    redact = RedactSecrets(secrets)
    for name in SCREENED_LOGGERS:
        target = logging.getLogger(name)
        previous = _installed.get(name)
        if previous is not None:
            target.removeFilter(previous)
        target.addFilter(redact)
        _installed[name] = redact
    return logger

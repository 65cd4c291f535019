"""The outermost layer of every request: per-client limits, the access log, the
metrics, and the security headers every answer carries.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware), so that streamed
answers pass through untouched and a request counts as in progress until its
last byte is sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from app.api.metrics import Metrics
from app.core.logging import ACCESS_LOGGER, RequestInfo, access_record, current_request
from app.limits import ClientLimiter

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Probes and scrapes must answer even when a client is over its limits; static files are cheap.
UNLIMITED_PATHS = ("/health", "/ready", "/metrics")
UNLIMITED_PREFIXES = ("/static/",)

# Sent with every answer; HTML pages set their own Content-Security-Policy (app/api/html.py).
BASE_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"strict-origin-when-cross-origin",
}
HTML_HEADERS = {
    b"x-frame-options": b"DENY",
}
# For HTML not rendered by our templates (FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN).
FALLBACK_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com "
    b"https://cdn.redoc.ly; font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; "
    b"connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def route_of(scope: Scope) -> str:
    """The route template that served the request, or a fixed name: a bounded set of label values."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    raw = scope.get("path", "")
    if raw.startswith("/static/"):
        return "/static"
    return "unmatched"


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def plain_error(status: int, message: str, headers: dict[str, str]) -> tuple[Message, Message]:
    body = f"{message}\n".encode()
    raw_headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in headers.items()),
    ]
    return (
        {"type": "http.response.start", "status": status, "headers": raw_headers},
        {"type": "http.response.body", "body": body},
    )


class ServiceMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: ClientLimiter,
        metrics: Metrics,
        logger: logging.Logger | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.metrics = metrics
        self.logger = logger or logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = RequestInfo(started=time.monotonic())
        token = current_request.set(info)
        client = client_of(scope)
        path = scope.get("path", "")
        limited = self.limiter.enabled and not (path in UNLIMITED_PATHS or path.startswith(UNLIMITED_PREFIXES))
        status = 500
        sent = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = with_security_headers(list(message.get("headers", [])))
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        self.metrics.started()
        acquired = False
        try:
            if limited:
                refusal = self.limiter.acquire(client)
                if refusal is not None:
                    info.rejection = refusal.reason
                    start, body = plain_error(429, refusal.message, {"Retry-After": str(refusal.retry_after)})
                    await send_wrapper(start)
                    await send_wrapper(body)
                    return
                acquired = True
            # An exception escaping the app is answered by Starlette's outermost error middleware
            # (a plain 500); here it is counted and logged as a 500.
            await self.app(scope, receive, send_wrapper)
        finally:
            if acquired:
                self.limiter.release(client)
            current_request.reset(token)
            route = route_of(scope)
            if info.rejection is None and status in (413, 414):
                info.rejection = "too-large"
            if info.rejection is None and status == 401:
                info.rejection = "auth"
            seconds = info.duration_ms / 1000
            self.metrics.finished(scope.get("method", ""), route, status, seconds, info.query_seconds, info.rejection)
            if self.logger.isEnabledFor(logging.INFO) and not self.logger.disabled:
                self.logger.info(
                    access_record(
                        method=scope.get("method", ""),
                        path=path,
                        status=status,
                        info=info,
                        response_bytes=sent,
                        client=client,
                        route=route,
                    )
                )


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    additions = dict(BASE_HEADERS)
    if content_type.startswith(b"text/html"):
        additions.update(HTML_HEADERS)
        additions[b"content-security-policy"] = FALLBACK_CSP
    for name, value in additions.items():
        if name not in present:
            headers.append((name, value))
    return headers

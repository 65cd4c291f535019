"""The ASGI application: assembles the routers, middleware and the service's lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.api import dataset, health, metrics, pages, queries, resources, sparql
from app.core.config import get_settings
from app.core.logging import setup_logging
from app.limits import ClientLimiter
from app.middleware import ServiceMiddleware
from app.service import GraphService

logger = logging.getLogger("migcoop")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    service = GraphService(get_settings())
    app.state.service = service
    await service.start()
    try:
        yield
    finally:
        await service.stop()


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="Migration Cooperation Knowledge Graph",
        version=__version__,
        description="SPARQL 1.1 endpoint over a knowledge graph of EU migration-cooperation actions.",
        lifespan=lifespan,
    )
    app.add_middleware(
        GZipMiddleware, minimum_size=2048, compresslevel=1
    )  # level 9 costs 55 ms of the event loop per 2 MB
    # Limits, access log, metrics and security headers: every request but CORS preflights, which the
    # CORS middleware (outermost, so that a 429 carries CORS headers too) answers by itself.
    app.state.metrics = metrics.Metrics()
    app.add_middleware(
        ServiceMiddleware,
        limiter=ClientLimiter(settings.rate_limit_per_minute, settings.max_concurrent_per_client),
        metrics=app.state.metrics,
        logger=setup_logging(access_log=settings.access_log, secrets=[settings.write_token or ""]),
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Result-Truncated", "X-Result-Row-Limit", "Retry-After"],
    )
    app.include_router(sparql.router)
    app.include_router(dataset.router)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(resources.router)
    app.include_router(pages.router)
    pages.mount_static(app)
    app.include_router(queries.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> PlainTextResponse:
        return PlainTextResponse(f"{error.detail}\n", status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, error: RequestValidationError) -> PlainTextResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return PlainTextResponse(f"Bad request: {problems}\n", status_code=400)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> PlainTextResponse:
        # The method and path only: never the headers (they may carry the write token).
        logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return PlainTextResponse("Internal error: the request could not be completed.\n", status_code=500)

    return app


app = create_app()

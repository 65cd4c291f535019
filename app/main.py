"""The ASGI application: assembles the routers, middleware and the service's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.api import dataset, health, pages, queries, resources, sparql
from app.core.config import get_settings
from app.service import GraphService


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
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Result-Truncated", "X-Result-Row-Limit"],
    )
    app.include_router(sparql.router)
    app.include_router(dataset.router)
    app.include_router(health.router)
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
    async def unexpected_error(_request: Request, _error: Exception) -> PlainTextResponse:
        return PlainTextResponse("Internal error: the request could not be completed.\n", status_code=500)

    return app


app = create_app()

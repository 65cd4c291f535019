"""Dependencies shared by the routers."""

from __future__ import annotations

from fastapi import Request

from app.service import GraphService


async def get_service(request: Request) -> GraphService:
    """The dependency (async: FastAPI would run a plain function in its thread pool, on every request)."""
    return service_of(request)


def service_of(request: Request) -> GraphService:
    return request.app.state.service

"""Dependencies shared by the routers."""

from __future__ import annotations

from fastapi import Request

from app.core.config import Settings
from app.service import GraphService


def get_service(request: Request) -> GraphService:
    return request.app.state.service


def get_settings_from_app(request: Request) -> Settings:
    return request.app.state.service.settings

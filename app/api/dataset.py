"""The dataset's own description (VoID/DCAT) and its downloadable dumps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from app.api.deps import get_service
from app.dataset_description import DUMP_FILES, void_description
from app.service import GraphService
from app.sparql_protocol import GRAPH_FORMATS, ProtocolError, error_response, negotiate

router = APIRouter(tags=["dataset"])

RDFLIB_FORMATS = {
    "text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
    "application/ld+json": "json-ld", "application/trig": "trig", "application/n-quads": "nquads",
}  # fmt: skip
DUMP_MEDIA_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
                    ".nq": "application/n-quads"}  # fmt: skip


@router.get(
    "/.well-known/void",
    summary="VoID and DCAT description of the dataset",
    responses={200: {"content": {fmt.media_type: {} for fmt in GRAPH_FORMATS}}, 406: {"content": {"text/plain": {}}}},
)
def void(request: Request, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    try:
        chosen = negotiate(request.headers.get("accept"), GRAPH_FORMATS, request.query_params.get("format"))
    except ProtocolError as error:
        return error_response(error)
    base_url = str(request.base_url).rstrip("/")
    graph = void_description(base_url, base_url + "/sparql", service.statistics())
    body = graph.serialize(format=RDFLIB_FORMATS[chosen.media_type], encoding="utf-8")
    return Response(body, media_type=chosen.content_type, headers={"Vary": "Accept"})


@router.get("/dumps/{name}", summary="Download a dump of the dataset")
def dump(name: str, service: Annotated[GraphService, Depends(get_service)]) -> Response:
    if name not in DUMP_FILES:
        return error_response(ProtocolError(404, f"No dump named {name!r}. Dumps: {', '.join(DUMP_FILES)}"))
    path = service.settings.dumps_path / name
    if not path.exists():
        return error_response(ProtocolError(404, f"The dump {name} has not been built: run `migcoop build`."))
    suffix = path.suffix
    return FileResponse(path, media_type=DUMP_MEDIA_TYPES[suffix] + "; charset=utf-8", filename=name)

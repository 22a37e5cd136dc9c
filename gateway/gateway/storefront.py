"""The storefront at ``/`` and its files at ``/assets/...`` (see chassis.storefront)."""

from __future__ import annotations

from pathlib import Path

from chassis.problems import NotFound
from chassis.storefront import HEADERS, StaticFile, Storefront
from starlette.requests import Request
from starlette.responses import Response

from gateway.routing import NamedRoute


def _serve(found: StaticFile | None) -> Response:
    if found is None:
        raise NotFound()
    return Response(found.body, media_type=found.content_type, headers=HEADERS)


def storefront_routes(directory: Path) -> list[NamedRoute]:
    files = Storefront(directory)

    async def index(_request: Request) -> Response:
        return _serve(files.index())

    async def asset(request: Request) -> Response:
        return _serve(files.asset(request.path_params["name"]))

    return [NamedRoute("/", index, methods=["GET"]),
            NamedRoute("/assets/{name:path}", asset, methods=["GET"])]

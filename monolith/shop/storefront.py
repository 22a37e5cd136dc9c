"""The storefront at ``/`` and its files at ``/assets/...`` (see chassis.storefront)."""

from __future__ import annotations

from chassis.problems import NotFound
from chassis.storefront import HEADERS, StaticFile, Storefront
from flask import Blueprint, Response

from shop.web import deps

bp = Blueprint("storefront", __name__)


def _serve(found: StaticFile | None) -> Response:
    if found is None:
        raise NotFound()
    return Response(found.body, content_type=found.content_type, headers=HEADERS)


def _files() -> Storefront:
    return Storefront(deps().settings.storefront_dir)


@bp.get("/")
def index() -> Response:
    return _serve(_files().index())


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    return _serve(_files().asset(name))

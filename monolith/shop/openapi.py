"""The contract's routes: ``/openapi.json`` and ``/docs`` (the document: shop/contract.py)."""

from __future__ import annotations

from chassis.flask_support import json_response
from flask import Blueprint, Response

from shop.contract import render_docs
from shop.web import deps

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return json_response(deps().contract.get())


@bp.get("/docs")
def docs() -> Response:
    return Response(render_docs(deps().contract.get()),
                    content_type="text/html; charset=utf-8")

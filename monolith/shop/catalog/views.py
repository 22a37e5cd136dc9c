"""Browse the catalog; administrators add, change and remove products."""

from __future__ import annotations

from chassis.flask_support import body, dump, json_response
from chassis.pagination import page_body
from chassis.validation import validate_query
from flask import Blueprint, Response, request

from shop.catalog import service
from shop.catalog.schemas import (
    CategoriesOut,
    CategoryOut,
    ProductCreate,
    ProductOut,
    ProductQuery,
    ProductUpdate,
)
from shop.web import admin, deps

bp = Blueprint("catalog", __name__)


@bp.get("/api/products")
def list_products() -> Response:
    query = validate_query(ProductQuery, request.args.to_dict())
    products, total = service.list_page(db=deps().db, search=query.to_domain())
    items = [dump(ProductOut.from_domain(product)) for product in products]
    return json_response(page_body(items, total, query))


@bp.get("/api/products/<product_id>")
def get_product(product_id: str) -> Response:
    product = service.get(db=deps().db, product_id=product_id)
    return json_response(dump(ProductOut.from_domain(product)))


@bp.get("/api/categories")
def list_categories() -> Response:
    categories = service.list_categories(db=deps().db)
    items = [CategoryOut.from_domain(category) for category in categories]
    return json_response(dump(CategoriesOut(items=items)))


@bp.post("/api/products")
def create_product() -> Response:
    admin()
    product = service.create(db=deps().db, new=body(ProductCreate).to_domain())
    return json_response(dump(ProductOut.from_domain(product)), 201)


@bp.patch("/api/products/<product_id>")
def update_product(product_id: str) -> Response:
    admin()
    changes = body(ProductUpdate).changes()
    product = service.update(db=deps().db, product_id=product_id, changes=changes)
    return json_response(dump(ProductOut.from_domain(product)))


@bp.delete("/api/products/<product_id>")
def delete_product(product_id: str) -> Response:
    admin()
    service.delete(db=deps().db, product_id=product_id)
    return Response(status=204)


from __future__ import annotations

import pytest
from chassis.pagination import PageParams
from chassis.problems import (
    Malformed,
    NotFound,
    OutOfStockProblem,
    Problem,
    ValidationFailed,
    problem_for,
)
from chassis.request_context import accept_request_id
from chassis.validation import validate_body, validate_query
from pydantic import BaseModel, ConfigDict, Field


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: int = Field(ge=1, le=99)


class Order(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line: Line
    note: str = ""


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe",
                                 b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"])
def test_a_body_that_is_not_a_json_object_is_malformed(raw: bytes) -> None:
    with pytest.raises(Malformed):
        validate_body(Order, raw)


def test_a_numeric_string_is_not_an_integer_and_the_field_is_named_by_its_path() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_body(Order, b'{"line": {"quantity": "5"}}')
    assert caught.value.body()["errors"][0]["field"] == "line.quantity"
    assert caught.value.status == 422


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_body(Order, b'{"line": {"quantity": 5}, "sku": "x"}')
    assert [e["field"] for e in caught.value.body()["errors"]] == ["sku"]


def test_query_strings_are_coerced_and_bounded() -> None:
    assert validate_query(PageParams, {"page": "3", "page_size": "100"}).offset == 200
    with pytest.raises(ValidationFailed) as caught:
        validate_query(PageParams, {"page_size": "101"})
    assert caught.value.body()["errors"][0]["field"] == "page_size"


def test_a_problem_body_carries_type_title_status_detail_and_extras() -> None:
    body = OutOfStockProblem([{"product_id": "p", "requested": 2, "available": 1}]).body()
    assert body["type"] == "/problems/out-of-stock"
    assert (body["title"], body["status"]) == ("Out of stock", 409)
    assert body["items"][0]["available"] == 1


def test_domain_errors_map_through_the_table_by_their_class_hierarchy() -> None:
    class Missing(LookupError):
        pass

    table = {LookupError: lambda exc: NotFound(str(exc))}
    problem = problem_for(Missing("no such product"), table)
    assert isinstance(problem, NotFound) and problem.detail == "no such product"
    assert problem_for(ValueError("x"), table) is None
    assert isinstance(problem_for(Problem(), table), Problem)


@pytest.mark.parametrize(("offered", "kept"), [
    ("abc-123_x.y", True), ("", False), ("has space", False), ("x" * 129, False),
    ("x" * 128, True), (None, False), ("ümlaut", False)])
def test_a_sane_request_id_is_kept_and_any_other_replaced(offered: str | None,
                                                           kept: bool) -> None:
    accepted = accept_request_id(offered)
    assert (accepted == offered) is kept
    assert 1 <= len(accepted) <= 128

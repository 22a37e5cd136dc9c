"""Bodies no store downstream could take are refused in the shared validation."""

from __future__ import annotations

from typing import Any

import pytest
from chassis.problems import Malformed, ValidationFailed
from chassis.validation import (
    ATTRIBUTES_MAX_BYTES,
    ATTRIBUTES_MAX_DEPTH,
    JsonObject,
    SearchText,
    decode_json_object,
    validate_body,
    validate_query,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = ""
    attributes: JsonObject = Field(default_factory=dict)


class Search(BaseModel):
    q: SearchText | None = None


def nested(levels: int) -> dict[str, Any]:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return dict(value)


@pytest.mark.parametrize("raw", [
    rb'{"name": "\ud800"}', rb'{"name": "ok\udfffok"}', rb'{"\udc00": 1}',
    rb'{"attributes": {"a": [1, {"b": "\ud83d"}]}}', rb'{"name": "\ude00\ud83d"}',
])
def test_a_lone_surrogate_anywhere_is_malformed(raw: bytes) -> None:
    with pytest.raises(Malformed):
        decode_json_object(raw)


def test_a_surrogate_pair_is_one_ordinary_character() -> None:
    assert decode_json_object(rb'{"name": "\ud83d\ude00"}') == {"name": "\U0001f600"}


@pytest.mark.parametrize("raw", [b'{"n": NaN}', b'{"n": Infinity}', b'{"n": -Infinity}',
                                 b'{"n": 1e400}', b'{"n": [-1e309]}'])
def test_numbers_beyond_json_or_a_double_are_malformed(raw: bytes) -> None:
    with pytest.raises(Malformed):
        decode_json_object(raw)


def test_large_integers_and_ordinary_floats_still_decode() -> None:
    assert decode_json_object(b'{"n": 1000000000000000000000000000000, "f": 1.5e300}') == {
        "n": 10**30, "f": 1.5e300}


@pytest.mark.parametrize("attributes", [
    nested(ATTRIBUTES_MAX_DEPTH + 1), nested(5000), {"a": [[[[[[[[[[[]]]]]]]]]]]},
    {"blob": "x" * ATTRIBUTES_MAX_BYTES}, {"k\x00": 1}, {"k": {"\x00": 1}}, {"k": ["\x00"]},
    {"$set": 1}, {"a.b": 1}, {"": 1}, {"k" * 101: 1}, {"n": 2**53}, {"n": -(2**63)},
])
def test_attributes_past_the_bounds_are_a_field_error(attributes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        Thing.model_validate({"attributes": attributes}, strict=True)
    assert [error["loc"] for error in caught.value.errors()] == [("attributes",)]


def test_attributes_within_the_bounds_are_kept_as_they_are() -> None:
    inside = {"a": nested(ATTRIBUTES_MAX_DEPTH - 2), "list": [1, 2.5, None, True, "é"],
              "k" * 100: 2**53 - 1}
    assert Thing.model_validate({"attributes": inside}, strict=True).attributes == inside


@pytest.mark.parametrize("q", ["x" * 201, " ".join(["w"] * 11), "w " * 500, "a\x00"])
def test_a_search_past_its_bound_is_a_field_error(q: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_query(Search, {"q": q})
    assert {error["field"] for error in caught.value.body()["errors"]} == {"q"}


def test_a_search_at_its_bound_is_valid() -> None:
    q = " ".join(["abcdefghijklmnopqr"] * 10)
    assert len(q) <= 200
    assert validate_query(Search, {"q": q}).q == q
    assert validate_query(Search, {"q": "z" * 200}).q == "z" * 200


def test_validate_body_reports_the_attributes_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_body(Thing, b'{"attributes": {"\\u0000": 1}}')
    assert caught.value.body()["errors"][0]["field"] == "attributes"

"""Input validated at the edge: JSON bodies strictly, query strings with coercion.

Both implementations report a bad field the same way, as
``{"field": "payment.card_number", "message": "..."}``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, Field, ValidationError

from chassis.problems import Malformed, ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)

# A lone UTF-16 surrogate can only arrive as a ``\uD800``-style escape (raw surrogate
# bytes are not UTF-8): no store or hash can encode it, and I-JSON (RFC 7493) forbids it.
_SURROGATE = re.compile("[\ud800-\udfff]")

# Bounds of a free-form JSON object such as a product's ``attributes``: a stored value
# must be cheap to validate, to store in BSON or JSON columns, and to serialise again.
ATTRIBUTES_MAX_DEPTH = 10
ATTRIBUTES_MAX_BYTES = 16_384
ATTRIBUTES_MAX_KEY_LENGTH = 100
SAFE_INTEGER = 2**53 - 1  # I-JSON: integers beyond this do not survive every parser


def reject_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text: refuse it at the edge, as a field error."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


PlainText = Annotated[str, AfterValidator(reject_nul)]
"""A string field of a request; ``Field(max_length=...)`` and the like add to it."""


SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 10


def bound_words(value: str) -> str:
    """A search's words are matched one by one: their number is bounded, so is its cost."""
    if len(value.split()) > SEARCH_MAX_WORDS:
        raise ValueError(f"must have at most {SEARCH_MAX_WORDS} words")
    return value


SearchText = Annotated[PlainText, Field(max_length=SEARCH_MAX_LENGTH), AfterValidator(bound_words)]
"""The catalog's ``q``: at most 200 characters and 10 whitespace-separated words."""


def check_json_object(value: dict[str, Any]) -> dict[str, Any]:
    """A free-form object within the bounds above, walked without recursion.

    Every key is 1..100 characters without NUL or a leading ``$`` and without ``.``
    (MongoDB field names), every string is free of NUL, every integer within
    +-(2**53 - 1), nesting at most ``ATTRIBUTES_MAX_DEPTH`` levels (the object itself
    being the first) and the whole at most ``ATTRIBUTES_MAX_BYTES`` as compact JSON.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list) and depth > ATTRIBUTES_MAX_DEPTH:
            raise ValueError(f"must not be nested more than {ATTRIBUTES_MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_key(key)
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            reject_nul(item)
        elif isinstance(item, bool) or item is None:
            pass
        elif isinstance(item, int):
            if abs(item) > SAFE_INTEGER:
                raise ValueError(f"integers must lie within +-{SAFE_INTEGER}")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError("numbers must be finite")
        else:
            raise ValueError("must hold JSON values only")
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > ATTRIBUTES_MAX_BYTES:
        raise ValueError(f"must be at most {ATTRIBUTES_MAX_BYTES} bytes as compact JSON")
    return value


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= ATTRIBUTES_MAX_KEY_LENGTH:
        raise ValueError(f"keys must be 1..{ATTRIBUTES_MAX_KEY_LENGTH} characters long")
    if "\x00" in key or key.startswith("$") or "." in key:
        raise ValueError("keys must not contain NUL or '.', nor start with '$'")


JsonObject = Annotated[dict[str, Any], AfterValidator(check_json_object)]
"""A free-form JSON object of a request (product ``attributes``), bounded as above."""

# pydantic's own location prefixes that mean nothing to a client.
_LOCATION_PREFIXES = {"body", "query", "path"}


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic error dicts as the contract's ``errors`` list."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _LOCATION_PREFIXES:
            loc = loc[1:]
        out.append({"field": ".".join(loc) or "body", "message": str(error.get("msg", "invalid"))})
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("a number beyond the range of a double")
    return number


def decode_json_object(raw: bytes | str | None) -> dict[str, Any]:
    """The body as a JSON object, or :class:`Malformed`.

    Beyond the grammar, a body must be I-JSON (RFC 7493) in two respects: no number
    beyond a double's range (``1e400``; ``NaN`` and ``Infinity`` are not JSON at all)
    and no lone surrogate in any string or key (``"\\ud800"``), which no store, hash or
    encoder downstream could take.
    """
    if not raw:
        raise Malformed("The request body must be a JSON object.")
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: nesting deeper than the decoder follows is refused, not a 500.
        raise Malformed("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise Malformed("The request body must be a JSON object.")
    if _has_lone_surrogate(data):
        raise Malformed("The request body holds a lone UTF-16 surrogate (\\ud800-\\udfff).")
    return data


def _has_lone_surrogate(data: Any) -> bool:
    """Whether any string or key holds a lone surrogate; walked without recursion."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def validate_body(model: type[ModelT], raw: bytes | str | None) -> ModelT:
    """Decode and validate a JSON body strictly: ``"5"`` is not an integer."""
    data = decode_json_object(raw)
    try:
        return model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc.errors())) from exc


def validate_query(model: type[ModelT], params: Mapping[str, Any]) -> ModelT:
    """Validate query parameters; strings are coerced to the declared types."""
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc.errors())) from exc

"""Input validated at the edge: JSON bodies strictly, query strings with coercion.

Both implementations report a bad field the same way, as
``{"field": "payment.card_number", "message": "..."}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ValidationError

from chassis.problems import Malformed, ValidationFailed

ModelT = TypeVar("ModelT", bound=BaseModel)



def reject_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text: refuse it at the edge, as a field error."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


PlainText = Annotated[str, AfterValidator(reject_nul)]
"""A string field of a request; ``Field(max_length=...)`` and the like add to it."""

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


def decode_json_object(raw: bytes | str | None) -> dict[str, Any]:
    """The body as a JSON object, or :class:`Malformed`."""
    if not raw:
        raise Malformed("The request body must be a JSON object.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: nesting deeper than the decoder follows is refused, not a 500.
        raise Malformed("The request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise Malformed("The request body must be a JSON object.")
    return data


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

"""Generated requests, valid and invalid, for every operation of the contract document.

For each operation schemathesis generates bodies, query strings, path ids and
headers from ``contract/openapi.yaml`` and the answer must be documented: no
5xx, a documented status and content type, the documented headers, and a body
that matches the response schema. Every request carries a fresh customer's
token: operations behind a token need one (admin routes therefore answer 403,
which keeps generated junk out of the catalog), public ones ignore it, and on
the gateway it gives each operation a rate-limit bucket of its own, so that a
429 never hides what the generated input would have caused.

The administrator's operations run again with the administrator's token, so that
generated bodies reach validation and the stores; and a stateful phase runs short
sequences along the links schemathesis infers from the document (a created
product's id used to read, change, buy and delete it), also as the administrator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
import yaml
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CONTRACT_FILE = Path(__file__).resolve().parents[2] / "contract" / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(str(CONTRACT_FILE))
DOCUMENT = yaml.safe_load(CONTRACT_FILE.read_text())
# A stream never ends: test_order_events.py checks it instead.
OPERATIONS = [(path, method) for path, item in DOCUMENT["paths"].items()
              for method, operation in item.items() if method != "parameters"
              and "text/event-stream" not in operation["responses"].get("200", {})
              .get("content", {})]
# Operations an administrator may call: with an admin token they get past the 403 and
# generated bodies reach validation and the stores.
ADMIN_OPERATIONS = [(path, method) for path, method in OPERATIONS
                    if "administrators only" in DOCUMENT["paths"][path][method]["summary"]]
# What the document states in words because JSON Schema cannot say it: strict integers
# (`12.0` is an integer to JSON Schema, not to the shops), the Luhn check, a card whose
# month has passed, an empty cart at checkout, the depth, size and strings inside
# `attributes`. A 422 for one of these is the documented answer.
DOCUMENTED_REFUSALS = {"Input should be a valid integer", "Value error, the card has expired",
                       "Value error, the card number is not valid"}


def _documented_refusal(response: Any) -> bool:
    if response.status_code != 422:
        return False
    body = response.json()
    if body.get("type") == "/problems/empty-cart":
        return True
    return all(error["message"] in DOCUMENTED_REFUSALS or error["field"] == "attributes"
               for error in body.get("errors", []))


@schemathesis.check
def documented_positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid requests are accepted, save for the refusals the document describes."""
    if _documented_refusal(response):
        return None
    return positive_data_acceptance(ctx, response, case)


@schemathesis.check
def documented_negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-violating requests are refused; a negative case that drops the token does not
    count, since every request here carries one."""
    if "Authorization" in repr(getattr(case.meta, "phase", "")):
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance,
          documented_positive_data_acceptance, documented_negative_data_rejection]
# Per operation, valid and invalid together: about 1,100 requests per target.
EXAMPLES = 50


def strategy(path: str, method: str) -> st.SearchStrategy[Any]:
    operation = SCHEMA[path][method.upper()]
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    return st.one_of([operation.as_strategy(generation_mode=mode) for mode in modes])


@pytest.mark.parametrize(("path", "method"), OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_generated_requests_get_documented_answers(
    shop: Any, new_customer: Any, path: str, method: str
) -> None:
    headers = new_customer().headers

    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                         derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    @hypothesis.given(case=strategy(path, method))
    def answers_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=shop.base_url, session=session, headers=headers,
                               checks=CHECKS, timeout=10)

    with requests.Session() as session:
        answers_as_documented()


@pytest.mark.parametrize(("path", "method"), ADMIN_OPERATIONS,
                         ids=[f"{m.upper()} {p}" for p, m in ADMIN_OPERATIONS])
def test_generated_admin_requests_get_documented_answers(
    shop: Any, admin: Any, create_product: Any, path: str, method: str
) -> None:
    """As above with the administrator's token; path ids point at a real product half the
    time, so that changes and removals reach one."""
    headers = admin.headers
    real_ids = st.sampled_from([create_product()["id"] for _ in range(3)])

    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                         derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
                         phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
    @hypothesis.given(case=strategy(path, method), real=st.booleans(), product_id=real_ids)
    def answers_as_documented(case: schemathesis.Case, real: bool, product_id: str) -> None:
        if real and case.path_parameters and "product_id" in case.path_parameters:
            case.path_parameters["product_id"] = product_id
        case.call_and_validate(base_url=shop.base_url, session=session, headers=headers,
                               checks=CHECKS, timeout=10)

    with requests.Session() as session:
        answers_as_documented()


# Stateful phase: sequences the document's inferred links allow (create a product, read,
# change, put it in the cart, check out, cancel, delete), with the administrator's token.
STATEFUL_SEQUENCES = 15
STATEFUL_STEPS = 8


def test_generated_sequences_of_calls_get_documented_answers(shop: Any, admin: Any) -> None:
    class Sequences(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": shop.base_url, "headers": admin.headers, "timeout": 10}

        def validate_response(self, response: Any, case: schemathesis.Case,
                              additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    Sequences.run(settings=hypothesis.settings(
        max_examples=STATEFUL_SEQUENCES, stateful_step_count=STATEFUL_STEPS, deadline=None,
        database=None, derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate]))

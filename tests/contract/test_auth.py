"""Registration, login and the signed-in user."""

from __future__ import annotations

import re
from typing import Any

import httpx

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def register(api: httpx.Client, **body: Any) -> httpx.Response:
    return api.post("/api/auth/register", json=body)


def test_registering_answers_the_new_customer(api: httpx.Client, random_email: Any) -> None:
    email = random_email()

    response = register(api, email=email, password="correct horse", name="Grace Hopper")

    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/json")
    user = response.json()
    assert set(user) == {"id", "email", "name", "role", "created_at"}
    assert isinstance(user["id"], str) and user["id"]
    assert (user["email"], user["name"], user["role"]) == (email, "Grace Hopper", "customer")
    assert TIMESTAMP.fullmatch(user["created_at"])


def test_the_email_is_trimmed_and_lower_cased(api: httpx.Client, random_email: Any) -> None:
    email = random_email()

    response = register(api, email=f"  {email.upper()}  ", password="correct horse", name="G")

    assert response.status_code == 201
    assert response.json()["email"] == email


def test_a_duplicate_email_is_a_conflict_whatever_its_case(
    api: httpx.Client, random_email: Any, expect_problem: Any
) -> None:
    email = random_email()
    assert register(api, email=email, password="correct horse", name="First").status_code == 201

    again = register(api, email=f" {email.upper()}", password="another one", name="Second")

    expect_problem(again, 409, "conflict")


def test_invalid_registrations_name_the_offending_field(
    api: httpx.Client, random_email: Any, error_fields: Any, expect_problem: Any
) -> None:
    valid = {"email": random_email(), "password": "correct horse", "name": "Valid"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "two@@example.com"}, "email"),
        ({"email": f"{'a' * 250}@example.com"}, "email"),
        ({"password": 12345678}, "password"),
        ({"role": "admin"}, "role"),
    ]
    for change, field in cases:
        response = register(api, **{**valid, **change})

        expect_problem(response, 422, "validation")
        assert field in error_fields(response), change


def test_a_missing_field_is_named(api: httpx.Client, error_fields: Any) -> None:
    response = register(api, password="correct horse")

    assert {"email", "name"} <= error_fields(response)


def test_boundary_lengths_are_accepted(api: httpx.Client, random_email: Any) -> None:
    response = register(api, email=random_email(), password="x" * 8, name="n" * 100)
    assert response.status_code == 201

    response = register(api, email=random_email(), password="x" * 128, name="n")
    assert response.status_code == 201


def test_login_answers_a_bearer_token(api: httpx.Client, customer: Any) -> None:
    response = api.post("/api/auth/login",
                        json={"email": customer.email, "password": customer.password})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["access_token"].count(".") == 2


def test_login_compares_the_email_case_insensitively(api: httpx.Client, customer: Any) -> None:
    body = {"email": f" {customer.email.upper()} ", "password": customer.password}

    response = api.post("/api/auth/login", json=body)

    assert response.status_code == 200


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    api: httpx.Client, customer: Any, random_email: Any, expect_problem: Any
) -> None:
    wrong = api.post("/api/auth/login", json={"email": customer.email, "password": "wrong pass"})
    unknown = api.post("/api/auth/login", json={"email": random_email(), "password": "wrong pass"})

    first = expect_problem(wrong, 401, "unauthorized")
    second = expect_problem(unknown, 401, "unauthorized")
    assert first == second
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_login_without_a_password_is_a_validation_problem(
    api: httpx.Client, customer: Any, error_fields: Any
) -> None:
    response = api.post("/api/auth/login", json={"email": customer.email})

    assert "password" in error_fields(response)


def test_me_answers_the_signed_in_user(api: httpx.Client, customer: Any) -> None:
    response = api.get("/api/users/me", headers=customer.headers)

    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["email"], me["role"]) == (customer.id, customer.email, "customer")
    assert set(me) == {"id", "email", "name", "role", "created_at"}


def test_the_admin_account_exists_from_start_up(api: httpx.Client, admin: Any) -> None:
    me = api.get("/api/users/me", headers=admin.headers).json()

    assert me["role"] == "admin"
    assert me["email"] == admin.email.strip().lower()

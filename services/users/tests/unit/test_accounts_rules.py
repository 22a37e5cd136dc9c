"""Pure rules: email normalisation, request schemas, settings."""

from __future__ import annotations

import pytest
from chassis.problems import ValidationFailed
from chassis.validation import validate_body
from pydantic import SecretStr
from users.config import Settings
from users.domain import is_valid_email, normalise_email
from users.schemas import LoginRequest, UserCreate


def test_emails_are_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Ada@Example.COM ") == "ada@example.com"


@pytest.mark.parametrize("email", ["ada", "ada@example", "a da@example.com", "@example.com",
                                   "x" * 250 + "@e.co"])
def test_malformed_or_overlong_emails_are_refused(email: str) -> None:
    assert not is_valid_email(email)


def test_a_registration_normalises_its_email() -> None:
    body = validate_body(UserCreate, '{"email": " Ada@X.io ", "password": "12345678", "name": "A"}')
    assert body.email == "ada@x.io"


@pytest.mark.parametrize(("body", "field"), [
    ('{"email": "ada@x.io", "password": "short", "name": "A"}', "password"),
    ('{"email": "ada@x.io", "password": "12345678", "name": ""}', "name"),
    ('{"email": "nope", "password": "12345678", "name": "A"}', "email"),
    ('{"email": "ada@x.io", "password": 12345678, "name": "A"}', "password"),
    ('{"email": "ada@x.io", "password": "12345678", "name": "A", "role": "admin"}', "role"),
])
def test_a_bad_registration_names_the_offending_field(body: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_body(UserCreate, body)
    assert [error["field"] for error in caught.value.extra["errors"]] == [field]


def test_a_login_needs_both_fields_as_strings() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_body(LoginRequest, '{"email": "ada@x.io"}')
    assert caught.value.extra["errors"][0]["field"] == "password"


def test_the_default_database_is_a_sqlite_file_under_the_data_dir(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path / 'users' / 'users.db'}"


def test_a_postgresql_url_is_given_the_psycopg_driver() -> None:
    settings = Settings(database_url="postgresql://u:p@db:5432/users")
    assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@db:5432/users"


def test_production_refuses_the_development_admin_password_and_key() -> None:
    with pytest.raises(ValueError, match="ADMIN_PASSWORD, JWT_PRIVATE_KEY"):
        Settings(environment="production")
    Settings(environment="production", admin_password=SecretStr("s3cret-enough"),
             jwt_private_key=SecretStr("pem"))

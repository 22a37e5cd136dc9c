from __future__ import annotations

from collections.abc import Callable

import pytest
from chassis.passwords import verify_password
from chassis.tokens import TokenIssuer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shop.auth import service
from shop.auth.domain import EmailTaken, InvalidCredentials, UnknownUser
from shop.auth.repository import UserRepository
from shop.db import Database

PASSWORD = "correct horse battery"


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer="shopstack", audience="shopstack",
                       ttl_seconds=600)


def test_registering_stores_a_customer_with_a_normalised_email(db: Database) -> None:
    user = service.register(db=db, email="  Ann@Example.COM ", password=PASSWORD, name="Ann")
    assert (user.email, user.role) == ("ann@example.com", "customer")
    assert service.get(db=db, user_id=user.id) == user


def test_the_password_is_stored_only_as_an_argon2id_hash(db: Database) -> None:
    service.register(db=db, email="ann@example.com", password=PASSWORD, name="Ann")
    with db.uow() as uow:
        found = UserRepository(uow.session).get_with_hash("ann@example.com")
    assert found is not None
    stored_hash = found[1]
    assert stored_hash.startswith("$argon2id$")
    assert PASSWORD not in stored_hash


def test_an_email_differing_only_in_case_is_taken(db: Database) -> None:
    service.register(db=db, email="ann@example.com", password=PASSWORD, name="Ann")
    with pytest.raises(EmailTaken):
        service.register(db=db, email="ANN@example.com", password=PASSWORD, name="Other Ann")


def test_login_issues_a_token_naming_the_user_and_role(db: Database, issuer: TokenIssuer) -> None:
    user = service.register(db=db, email="ann@example.com", password=PASSWORD, name="Ann")
    token = service.login(db=db, issuer=issuer, email="Ann@Example.com", password=PASSWORD)
    claims = issuer.verifier().verify(token.access_token)
    assert (claims.subject, claims.role) == (user.id, "customer")
    assert (token.token_type, token.expires_in) == ("bearer", 600)


@pytest.mark.parametrize("email,password", [("ann@example.com", "wrong password"),
                                            ("nobody@example.com", PASSWORD)])
def test_a_wrong_password_and_an_unknown_email_fail_the_same_way(
        db: Database, issuer: TokenIssuer, email: str, password: str) -> None:
    service.register(db=db, email="ann@example.com", password=PASSWORD, name="Ann")
    with pytest.raises(InvalidCredentials):
        service.login(db=db, issuer=issuer, email=email, password=password)


def test_an_unknown_user_id_is_unknown(db: Database) -> None:
    with pytest.raises(UnknownUser):
        service.get(db=db, user_id="no-such-user")


def test_ensure_admin_creates_the_admin_then_follows_a_changed_password(
        db: Database, create_user: Callable[..., str]) -> None:
    admin = service.ensure_admin(db=db, email="root@example.com", password="first-password")
    again = service.ensure_admin(db=db, email="root@example.com", password="second-password")
    assert again.id == admin.id and again.role == "admin"
    with db.uow() as uow:
        found = UserRepository(uow.session).get_with_hash("root@example.com")
    assert found is not None
    assert verify_password(found[1], "second-password")
    assert not verify_password(found[1], "first-password")


def test_ensure_admin_promotes_an_existing_customer_account(db: Database) -> None:
    customer = service.register(db=db, email="boss@example.com", password=PASSWORD, name="B")
    admin = service.ensure_admin(db=db, email="boss@example.com", password=PASSWORD)
    assert admin.id == customer.id
    assert service.get(db=db, user_id=customer.id).role == "admin"

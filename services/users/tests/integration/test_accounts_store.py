"""The repository and the service layer against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC

import pytest
from chassis.clock import utcnow
from chassis.passwords import verify_password
from chassis.tokens import TokenIssuer
from sqlalchemy.orm import Session
from users import service
from users.db import Database
from users.domain import CUSTOMER, EmailTaken, InvalidCredentials, UnknownUser, User
from users.repository import UserRepository


def test_the_repository_adds_and_finds_a_user_by_id_and_email(db_session: Session) -> None:
    users = UserRepository(db_session)
    user = User.new(email="ada@example.com", name="Ada", role=CUSTOMER, now=utcnow())
    users.add(user, "hash")
    assert users.get(user.id) == user
    found = users.get_with_hash("ada@example.com")
    assert found is not None and found[0].id == user.id and found[1] == "hash"
    assert users.get("no-such-id") is None


def test_timestamps_come_back_timezone_aware_in_utc(db_session: Session) -> None:
    users = UserRepository(db_session)
    user = User.new(email="tz@example.com", name="Tz", role=CUSTOMER, now=utcnow())
    users.add(user, "hash")
    db_session.expire_all()
    stored = users.get(user.id)
    assert stored is not None and stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == UTC.utcoffset(None)


def test_registering_the_same_email_twice_in_any_case_is_refused(database: Database) -> None:
    service.register(db=database, email="Bob@Example.com", password="password1", name="Bob")
    with pytest.raises(EmailTaken):
        service.register(db=database, email=" bob@example.COM", password="password2", name="B")


def test_a_wrong_password_and_an_unknown_email_fail_alike(database: Database, tmp_path) -> None:
    from users.app import make_issuer
    from users.config import Settings

    issuer: TokenIssuer = make_issuer(Settings(data_dir=tmp_path))
    service.register(db=database, email="cy@example.com", password="password1", name="Cy")
    for email, password in [("cy@example.com", "wrong-one"), ("nobody@example.com", "x" * 8)]:
        with pytest.raises(InvalidCredentials):
            service.login(db=database, issuer=issuer, email=email, password=password)
    token = service.login(db=database, issuer=issuer, email="CY@example.com", password="password1")
    assert issuer.verifier().verify(token.access_token).role == "customer"


def test_ensure_admin_creates_then_realigns_the_admin_account(database: Database) -> None:
    admin = service.ensure_admin(db=database, email="Root@Example.com", password="first-pass")
    again = service.ensure_admin(db=database, email="root@example.com", password="second-pass")
    assert again.id == admin.id and again.role == "admin"
    with database.uow() as uow:
        found = UserRepository(uow.session).get_with_hash("root@example.com")
    assert found is not None and verify_password(found[1], "second-pass")


def test_a_customer_holding_the_admin_email_is_promoted(database: Database) -> None:
    customer = service.register(db=database, email="boss@example.com", password="password1",
                                name="Boss")
    admin = service.ensure_admin(db=database, email="boss@example.com", password="admin-pass")
    assert admin.id == customer.id
    assert service.get(db=database, user_id=customer.id).role == "admin"


def test_getting_an_unknown_account_is_an_error(database: Database) -> None:
    with pytest.raises(UnknownUser):
        service.get(db=database, user_id="missing")

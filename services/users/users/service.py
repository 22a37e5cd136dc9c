"""Registering, signing in and the administrator account."""

from __future__ import annotations

from chassis.clock import utcnow
from chassis.passwords import hash_password, verify_password
from chassis.tokens import TokenIssuer
from sqlalchemy.exc import IntegrityError

from users.db import Database
from users.domain import (
    ADMIN,
    CUSTOMER,
    AccessToken,
    EmailTaken,
    InvalidCredentials,
    UnknownUser,
    User,
    normalise_email,
)
from users.repository import UserRepository


def register(*, db: Database, email: str, password: str, name: str) -> User:
    """Create a customer account; a taken email is :class:`EmailTaken`."""
    user = User.new(email=normalise_email(email), name=name, role=CUSTOMER, now=utcnow())
    password_hash = hash_password(password)
    with db.uow(write=True) as uow:
        try:
            UserRepository(uow.session).add(user, password_hash)
            uow.commit()
        except IntegrityError as exc:
            raise EmailTaken(user.email) from exc
    return user


def login(*, db: Database, issuer: TokenIssuer, email: str, password: str) -> AccessToken:
    """An access token for matching credentials, else :class:`InvalidCredentials`."""
    with db.uow() as uow:
        found = UserRepository(uow.session).get_with_hash(normalise_email(email))
    user, stored_hash = found if found else (None, None)
    # verify_password costs the same whether or not the account exists.
    if not verify_password(stored_hash, password) or user is None:
        raise InvalidCredentials()
    token = issuer.issue(subject=user.id, role=user.role)
    return AccessToken(access_token=token, expires_in=issuer.ttl_seconds)


def get(*, db: Database, user_id: str) -> User:
    """The account a token names."""
    with db.uow() as uow:
        user = UserRepository(uow.session).get(user_id)
    if user is None:
        raise UnknownUser(user_id)
    return user


def ensure_admin(*, db: Database, email: str, password: str, name: str = "Administrator") -> User:
    """Create the administrator, or bring its role and password in line with the settings."""
    email = normalise_email(email)
    with db.uow(write=True) as uow:
        users = UserRepository(uow.session)
        found = users.get_with_hash(email)
        if found is None:
            user = User.new(email=email, name=name, role=ADMIN, now=utcnow())
            users.add(user, hash_password(password))
        else:
            user, stored_hash = found
            if user.role != ADMIN or not verify_password(stored_hash, password):
                users.set_credentials(user.id, password_hash=hash_password(password), role=ADMIN)
        uow.commit()
    return user

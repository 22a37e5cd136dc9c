"""Accounts: who may sign in, and as what."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Role = Literal["customer", "admin"]
CUSTOMER: Role = "customer"
ADMIN: Role = "admin"

MAX_EMAIL_LENGTH = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: Role
    created_at: datetime

    @classmethod
    def new(cls, *, email: str, name: str, role: Role, now: datetime) -> User:
        return cls(id=str(uuid.uuid4()), email=email, name=name, role=role, created_at=now)


@dataclass(frozen=True)
class AccessToken:
    access_token: str
    expires_in: int
    token_type: str = "bearer"


def normalise_email(raw: str) -> str:
    """Emails are trimmed and compared case-insensitively."""
    return raw.strip().lower()


def is_valid_email(email: str) -> bool:
    return len(email) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(email) is not None


class EmailTaken(Exception):
    """An account with this email exists already."""


class InvalidCredentials(Exception):
    """Unknown email or wrong password: deliberately the same error."""


class UnknownUser(Exception):
    """A valid token names an account that does not exist."""

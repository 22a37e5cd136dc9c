"""Accounts in the database, spoken of as domain users."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from users.domain import Role, User
from users.models import UserRow


def _to_domain(row: UserRow) -> User:
    return User(id=row.id, email=row.email, name=row.name, role=cast(Role, row.role),
                created_at=row.created_at)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User, password_hash: str) -> None:
        self.session.add(UserRow(id=user.id, email=user.email, name=user.name, role=user.role,
                                 password_hash=password_hash, created_at=user.created_at))
        self.session.flush()

    def get(self, user_id: str) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _to_domain(row) if row else None

    def get_with_hash(self, email: str) -> tuple[User, str] | None:
        """The user with this (normalised) email and the stored password hash."""
        row = self.session.scalars(select(UserRow).where(UserRow.email == email)).first()
        return (_to_domain(row), row.password_hash) if row else None

    def set_credentials(self, user_id: str, *, password_hash: str, role: Role) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id)
                             .values(password_hash=password_hash, role=role))

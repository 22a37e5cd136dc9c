"""``python -m users.manage init``: migrations and the admin account, run more than once."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import delete, inspect
from users import manage
from users.config import Settings
from users.db import Database
from users.models import UserRow
from users.repository import UserRepository


def admin_role(db: Database, email: str) -> str | None:
    with db.uow() as uow:
        found = UserRepository(uow.session).get_with_hash(email)
    return found[0].role if found else None


def test_init_migrates_a_fresh_sqlite_file_and_creates_the_admin(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None, admin_email="boss@example.com",
                        admin_password=SecretStr("boss-password"))
    manage.init(settings)
    manage.init(settings)
    db = Database.from_url(settings.sqlalchemy_url)
    try:
        assert "users" in inspect(db.engine).get_table_names()
        assert admin_role(db, "boss@example.com") == "admin"
    finally:
        db.dispose()
    assert (tmp_path / "users" / "users.db").exists()


def test_init_is_repeatable_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=postgres_url,
                        admin_email="pg-admin@example.com", admin_password=SecretStr("pw-123456"))
    manage.init(settings)
    manage.init(settings)
    db = Database.from_url(settings.sqlalchemy_url)
    try:
        assert admin_role(db, "pg-admin@example.com") == "admin"
        with db.uow(write=True) as uow:
            uow.session.execute(delete(UserRow).where(UserRow.email == "pg-admin@example.com"))
            uow.commit()
    finally:
        db.dispose()

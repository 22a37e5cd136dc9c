"""``python -m orders.manage``: init on both databases (the loop: test_reconciler_process.py)."""

from __future__ import annotations

from pathlib import Path

from orders import manage
from orders.config import Settings
from orders.db import Database
from sqlalchemy import inspect

UNREACHABLE = "http://127.0.0.1:9"


def offline(tmp_path: Path, database_url: str | None = None) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, catalog_url=UNREACHABLE,
                    cart_url=UNREACHABLE, payments_url=UNREACHABLE)


def test_init_migrates_a_fresh_sqlite_file_and_can_run_again(tmp_path: Path) -> None:
    settings = offline(tmp_path)
    manage.init(settings)
    manage.init(settings)
    db = Database.from_url(settings.sqlalchemy_url)
    try:
        assert {"orders", "order_lines", "idempotency_keys"} <= set(
            inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def test_init_runs_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    manage.init(offline(tmp_path, postgres_url))

"""``python -m orders.manage``: init on both databases, and the reconcile loop's lifetime."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


def reconcile_loop(tmp_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "",
           "PAYMENTS_URL": UNREACHABLE, "CATALOG_URL": UNREACHABLE, "CART_URL": UNREACHABLE}
    manage.migrate(offline(tmp_path).sqlalchemy_url)
    return subprocess.Popen([sys.executable, "-m", "orders.manage", "reconcile",
                             "--every", "0.2", *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_the_reconcile_loop_stops_on_sigterm(tmp_path: Path) -> None:
    loop = reconcile_loop(tmp_path)
    assert loop.stderr is not None
    for line in loop.stderr:  # its signal handlers are in place once it says so
        if b"reconciler started" in line:
            break
    loop.send_signal(signal.SIGTERM)
    loop.communicate(timeout=10)
    assert loop.returncode == 0


def test_the_reconcile_loop_ends_when_the_master_that_started_it_is_gone(
        tmp_path: Path) -> None:
    not_my_parent = str(os.getpid() + 999_999)
    loop = reconcile_loop(tmp_path, "--parent-pid", not_my_parent)
    _out, err = loop.communicate(timeout=15)
    assert loop.returncode == 0 and b"reconciler started" in err

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import chassis.sql as sql_module
import psycopg
import pytest
from chassis.sql import Database, UTCDateTime, sqlalchemy_url
from sqlalchemy import Integer, String, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    stock: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database.from_url(sqlalchemy_url(None, tmp_path / "nested" / "t.db"))
    Base.metadata.create_all(database.engine)
    return database


def test_postgres_urls_get_the_psycopg_driver_and_none_means_a_sqlite_file() -> None:
    assert sqlalchemy_url("postgresql://u@h/db", Path("x")) == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u@h/db", Path("x")) == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url(None, Path("/d/f.db")) == "sqlite:////d/f.db"


def test_a_unit_of_work_keeps_nothing_unless_committed(db: Database) -> None:
    now = datetime.now(UTC)
    with db.uow(write=True) as uow:
        uow.session.add(Thing(id=1, name="kept", stock=1, at=now))
        uow.commit()
    with db.uow(write=True) as uow:
        uow.session.add(Thing(id=2, name="lost", stock=1, at=now))
    with db.uow() as uow:
        assert uow.session.scalars(select(Thing.name)).all() == ["kept"]


def test_times_come_back_aware_in_utc_and_naive_ones_are_refused(db: Database) -> None:
    plus_two = datetime(2026, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    with db.uow(write=True) as uow:
        uow.session.add(Thing(id=1, name="a", stock=1, at=plus_two))
        uow.commit()
    with db.uow() as uow:
        assert uow.session.get(Thing, 1).at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with pytest.raises(Exception, match="naive"), db.uow(write=True) as uow:
        uow.session.add(Thing(id=2, name="b", stock=1, at=datetime(2026, 1, 1)))
        uow.commit()


def test_concurrent_conditional_writes_on_sqlite_never_oversell(db: Database) -> None:
    with db.uow(write=True) as uow:
        uow.session.add(Thing(id=1, name="last units", stock=5, at=datetime.now(UTC)))
        uow.commit()
    sold: list[int] = []

    def buy() -> None:
        with db.uow(write=True) as uow:
            result = uow.session.execute(
                update(Thing).where(Thing.id == 1, Thing.stock >= 1)
                .values(stock=Thing.stock - 1))
            uow.commit()
            if result.rowcount == 1:
                sold.append(1)

    threads = [threading.Thread(target=buy) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.uow() as uow:
        assert uow.session.execute(text("SELECT stock FROM things")).scalar_one() == 0
    assert len(sold) == 5


def test_a_read_unit_of_work_cannot_commit(db: Database) -> None:
    with pytest.raises(RuntimeError, match="write=True"), db.uow() as uow:
        uow.session.add(Thing(id=1, name="never", stock=1, at=datetime.now(UTC)))
        uow.commit()
    with db.uow() as uow:
        assert uow.session.scalars(select(Thing.name)).all() == []


POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def postgres_url() -> str:
    """A fresh PostgreSQL database on the machine's server (the one CI starts)."""
    name = "test_chassis_sql"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return sqlalchemy_url(f"{POSTGRES_SERVER}/{name}", Path("unused"))


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[Database]:
    database = Database.from_url(postgres_url)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


def test_on_postgresql_a_read_runs_outside_a_transaction_and_a_write_inside_one(
        postgres_db: Database) -> None:
    with postgres_db.uow(write=True) as uow:
        uow.session.add(Thing(id=1, name="a", stock=1, at=datetime.now(UTC)))
        # Inside a transaction the server has an id for it once it wrote.
        uow.session.flush()
        assert uow.session.execute(text("SELECT pg_current_xact_id_if_assigned()")).scalar()
        uow.commit()
    with postgres_db.uow() as uow:
        # Two statements of a read: no transaction spans them, so each has its own start.
        first = uow.session.execute(text("SELECT transaction_timestamp()")).scalar_one()
        time.sleep(0.01)
        second = uow.session.execute(text("SELECT transaction_timestamp()")).scalar_one()
        assert second > first
        assert uow.session.get(Thing, 1).name == "a"
    with postgres_db.uow(write=True) as uow:
        # The pool gave the connection back to transactions: a write's statements share one.
        first = uow.session.execute(text("SELECT transaction_timestamp()")).scalar_one()
        time.sleep(0.01)
        assert uow.session.execute(text("SELECT transaction_timestamp()")).scalar_one() == first


def test_reads_over_a_connection_share_one_snapshot_on_sqlite(db: Database) -> None:
    with db.uow(write=True) as uow:
        uow.session.add(Thing(id=1, name="a", stock=1, at=datetime.now(UTC)))
        uow.commit()
    with db.reads() as sql:
        before = sql.execute(select(Thing.name)).scalars().all()
        with db.uow(write=True) as uow:  # another connection commits meanwhile
            uow.session.add(Thing(id=2, name="b", stock=1, at=datetime.now(UTC)))
            uow.commit()
        # A page and its count read inside one block agree.
        assert sql.execute(select(Thing.name)).scalars().all() == before == ["a"]
    with db.reads() as sql:
        assert sorted(sql.execute(select(Thing.name)).scalars()) == ["a", "b"]


def test_reads_over_a_connection_run_outside_a_transaction_on_postgresql(
        postgres_db: Database) -> None:
    with postgres_db.reads() as sql:
        first = sql.execute(text("SELECT transaction_timestamp()")).scalar_one()
        time.sleep(0.01)
        assert sql.execute(text("SELECT transaction_timestamp()")).scalar_one() > first
    with postgres_db.uow(write=True) as uow:
        # The pool gave the connection back to transactions.
        first = uow.session.execute(text("SELECT transaction_timestamp()")).scalar_one()
        time.sleep(0.01)
        assert uow.session.execute(text("SELECT transaction_timestamp()")).scalar_one() == first


def _backend_pid(database: Database) -> int:
    with database.reads() as sql:
        return int(sql.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))  # waits for it to end


@pytest.fixture
def ping_window(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Sets how long a pooled connection may idle unpinged, for the engine made next."""
    return lambda seconds: monkeypatch.setattr(sql_module, "PING_AFTER_IDLE_SECONDS", seconds)


def test_a_connection_dropped_while_it_idled_is_replaced_before_it_is_handed_out(
        ping_window: Callable[[float], None], postgres_url: str) -> None:
    ping_window(0.05)
    database = Database.from_url(postgres_url)
    try:
        dropped = _backend_pid(database)
        _terminate(dropped)
        time.sleep(0.2)
        assert _backend_pid(database) != dropped  # pinged, found dead, replaced: no error
    finally:
        database.dispose()


def test_a_connection_given_back_moments_ago_is_handed_out_without_a_ping(
        ping_window: Callable[[float], None], postgres_url: str) -> None:
    """No round trip before each transaction: a connection that broke within the window
    fails its first statement (a 503 for that request), and the pool starts afresh."""
    ping_window(60.0)
    database = Database.from_url(postgres_url)
    try:
        dropped = _backend_pid(database)
        _terminate(dropped)
        with pytest.raises(OperationalError):
            _backend_pid(database)
        assert _backend_pid(database) != dropped
    finally:
        database.dispose()

"""SQL stores: one engine, one session factory and a unit of work that rolls back
unless committed; the same for the monolith and every SQL-backed service.

SQLite (the embedded default) gets WAL, foreign keys and a busy timeout, and
write units of work start with ``BEGIN IMMEDIATE``: a transaction that reads
first and writes later would otherwise hit SQLITE_BUSY on the lock upgrade
when another gunicorn worker writes at the same time, and no timeout helps.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Kept in chassis.settings (a Settings class must load without SQLAlchemy), named here too.
from chassis.settings import sqlalchemy_url as sqlalchemy_url
from chassis.tracing import instrument_engine

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A pooled server connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 0.5
_IDLE_SINCE = "chassis_idle_since"
# The largest integer both SQLite and PostgreSQL take as a parameter.
MAX_SQL_INTEGER = 2**63 - 1
_WRITE_OPTION = "chassis_write"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sql_integer(value: int) -> int:
    """``value``, or the largest storable integer when it is larger (a page far past the end)."""
    return min(value, MAX_SQL_INTEGER)


def rowcount(result: Any) -> int:
    """How many rows an UPDATE or DELETE matched (0 when the driver cannot tell): the one
    way every repository reads it, for conditional moves (``rowcount(...) == 1``)."""
    return int(getattr(result, "rowcount", 0) or 0)


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        # SQLite's own lower() folds ASCII only; searches must fold every letter.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """The pool's pre-ping, for connections that sat idle longer than ``idle_seconds``.

    A ping on every check-out costs every transaction and every read one more round
    trip to the server (docs/performance.md, "A ping only after idling"). A connection
    given back a moment ago worked then: the check is left to the connections that may
    have been dropped meanwhile (a server's idle timeout, a restart overnight). One
    that broke within the window fails its first statement instead, which invalidates
    the pool, so that request answers 503 and the next ones get new connections.
    """
    def stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raised, this connection is done
            raise DisconnectionError("the pooled connection did not answer a ping") from exc


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created on demand. Statement
    parameters (password hashes, addresses) never appear in errors or logs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, hide_parameters=True, pool_size=5, max_overflow=5,
                               connect_args={"connect_timeout": 5})
        _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    else:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, hide_parameters=True,
                               connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
    instrument_engine(engine)  # a span per statement, the pool's gauges
    return engine


class Database:
    """The engine and session factory of the app; ``uow()`` opens a unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def uow(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work; ``write=False`` (a read) may not commit, and on a server
        database its statements run without a transaction of their own: no ``BEGIN``
        before them and no ``ROLLBACK`` after, two round trips a read does not need. Each
        statement still sees one consistent snapshot (PostgreSQL's READ COMMITTED gives a
        transaction's statements a snapshot each anyway). SQLite's are calls in the
        process, and it keeps them: there a read transaction holds one snapshot for
        all of its statements, which a page and its count rely on."""
        return UnitOfWork(self.sessions, write=write,
                          autocommit=not write and self.dialect != "sqlite")

    @contextmanager
    def reads(self) -> Iterator[Connection]:
        """A connection for reads that make no ORM objects (table selects, counts): the
        statements of a read unit of work, as it runs them, without the session around
        them, whose set-up and rollback cost a short read more than its statement does
        (docs/performance.md, "Statements built once, and reads without a session").
        For reads only: nothing commits it, and on a server database it runs in
        autocommit, as a read unit of work does."""
        connection = self.engine.connect()
        try:
            if self.dialect != "sqlite":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection
        finally:
            connection.close()

    def ping(self) -> None:
        """The readiness check: the database answers ``SELECT 1``."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """A session whose work is lost unless :meth:`commit` is called before the block ends."""

    session: Session

    def __init__(self, sessions: sessionmaker[Session], *, write: bool,
                 autocommit: bool = False) -> None:
        self._sessions = sessions
        self._write = write
        self._autocommit = autocommit

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        options: dict[str, Any] = {_WRITE_OPTION: self._write}
        if self._autocommit:
            options["isolation_level"] = "AUTOCOMMIT"  # the pool restores it on check-in
        # Procures the connection now, so that SQLite's BEGIN sees the write flag.
        self.session.connection(execution_options=options)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        if not self._write:
            raise RuntimeError("a read unit of work commits nothing: use uow(write=True)")
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


def schema_is_current(engine: Engine, migrations: Path) -> Callable[[], None]:
    """A readiness check: the database's Alembic revision is the code's head.

    A new replica that starts before the migration step has run (a Kubernetes Job
    runs beside the Deployment, not before it) stays out of the load balancer
    instead of answering 500s on a schema it does not know.
    """
    heads = set(ScriptDirectory(str(migrations)).get_heads())

    def check() -> None:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
        if current != heads:
            raise RuntimeError(f"schema at {sorted(current) or 'nothing'}, code needs "
                               f"{sorted(heads)}")
    return check

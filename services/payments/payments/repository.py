"""The SQL repository and unit of work (SQLAlchemy 2, typed mappings).

The table is an audit trail: one row per order id (a unique constraint makes
charging idempotent even under a race), a status that only moves from
``captured`` to ``refunded``, and never more of a card than its last four digits.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from chassis.tracing import instrument_engine
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Engine,
    String,
    UniqueConstraint,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from payments.domain import Charge, ChargeStatus, DuplicateCharge

CONNECT_TIMEOUT_SECONDS = 5


class Base(DeclarativeBase):
    pass


class ChargeRecord(Base):
    __tablename__ = "charges"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_charges_order_id"),
        CheckConstraint("status IN ('captured', 'declined', 'refunded')",
                        name="ck_charges_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    card_last4: Mapped[str] = mapped_column(String(4))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def to_domain(self) -> Charge:
        return Charge(order_id=self.order_id, status=ChargeStatus(self.status),
                      card_last4=self.card_last4, amount_cents=self.amount_cents,
                      created_at=self.created_at, updated_at=self.updated_at)


def make_engine(url: str) -> Engine:
    """An engine that never puts statement parameters into error messages or logs."""
    if not url.startswith("sqlite"):
        engine = create_engine(url, hide_parameters=True, pool_pre_ping=True,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    else:
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, hide_parameters=True, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_wal)
    instrument_engine(engine)  # a span per statement, the pool's gauges
    return engine


def _sqlite_wal(connection: Any, _record: Any) -> None:
    connection.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer


class ChargeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, order_id: str) -> Charge | None:
        record = self.session.scalars(
            select(ChargeRecord).where(ChargeRecord.order_id == order_id)).one_or_none()
        return record.to_domain() if record else None

    def add(self, charge: Charge) -> None:
        """Store a new charge; DuplicateCharge when the order id was charged meanwhile."""
        self.session.add(ChargeRecord(
            order_id=charge.order_id, status=charge.status.value, card_last4=charge.card_last4,
            amount_cents=charge.amount_cents, created_at=charge.created_at,
            updated_at=charge.updated_at))
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise DuplicateCharge(charge.order_id) from exc

    def mark_refunded(self, order_id: str, *, now: datetime) -> bool:
        """Move a captured charge to refunded; False when it is not captured."""
        result = self.session.execute(
            update(ChargeRecord)
            .where(ChargeRecord.order_id == order_id,
                   ChargeRecord.status == ChargeStatus.CAPTURED.value)
            .values(status=ChargeStatus.REFUNDED.value, updated_at=now))
        return bool(getattr(result, "rowcount", 0))


class SqlUnitOfWork:
    """One transaction: rolled back on leaving unless :meth:`commit` was called."""

    charges: ChargeRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self.session_factory()
        self.charges = ChargeRepository(self.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

"""The declarative base of the charges table and where its migrations live.

The engine, the session factory and the unit of work are the chassis's
(:mod:`chassis.sql`), the same for every SQL-backed deployable.
"""

from __future__ import annotations

from pathlib import Path

from chassis.sql import Database, UnitOfWork, UTCDateTime, make_engine
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    pass


__all__ = ["MIGRATIONS", "Base", "Database", "UTCDateTime", "UnitOfWork", "make_engine"]

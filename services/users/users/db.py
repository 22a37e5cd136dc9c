"""The declarative base of this deployable's tables.

The engine, the session factory and the unit of work are the chassis's
(:mod:`chassis.sql`), the same for every SQL-backed deployable.
"""

from __future__ import annotations

from chassis.sql import Database, UnitOfWork, UTCDateTime, make_engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


__all__ = ["Base", "Database", "UTCDateTime", "UnitOfWork", "make_engine"]

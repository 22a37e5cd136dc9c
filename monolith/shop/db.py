"""The declarative base of this deployable's tables.

The engine, the session factory and the unit of work are the chassis's
(:mod:`chassis.sql`), the same for every SQL-backed deployable.
"""

from __future__ import annotations

from chassis.sql import Database, UnitOfWork, UTCDateTime, make_engine, sql_integer
from sqlalchemy import Connection
from sqlalchemy.orm import DeclarativeBase, Session


class Base(DeclarativeBase):
    pass


def dialect_of(sql: Session | Connection) -> str:
    """The database's dialect name, from a unit of work's session or a connection from
    ``Database.reads`` (repositories built over either order text as it does)."""
    bind = sql if isinstance(sql, Connection) else sql.get_bind()
    return bind.dialect.name


__all__ = ["Base", "Database", "UTCDateTime", "UnitOfWork", "dialect_of", "make_engine",
           "sql_integer"]

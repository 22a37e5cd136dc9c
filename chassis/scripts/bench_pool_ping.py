"""What the pool's ping costs a unit of work: ``python chassis/scripts/bench_pool_ping.py``.

Makes a scratch database on the machine's PostgreSQL (``POSTGRES_SERVER``, the one the
tests use), then runs ``--units`` units of work a round, round after round, alternating
between two engines: the chassis's (``chassis.sql.make_engine``, which pings a pooled
connection only after it idled) and the engine as it was before that, with SQLAlchemy's
``pool_pre_ping=True`` (a ping on every check-out). A unit of work is either a read (one
primary-key select through ``Database.reads``) or a write (a conditional update and its
commit through ``Database.uow``), as the shops' handlers run them. It prints the median
wall and CPU microseconds per unit of work of each, and their ratio (docs/performance.md,
"A ping only after idling").
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from chassis.sql import Database, make_engine, sqlalchemy_url
from chassis.tracing import instrument_engine
from sqlalchemy import Engine, create_engine, text

POSTGRES_SERVER = os.environ.get("POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
DATABASE = "bench_pool_ping"


def scratch_database() -> str:
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    url = sqlalchemy_url(f"{POSTGRES_SERVER}/{DATABASE}", Path("unused"))
    with create_engine(url).begin() as connection:
        connection.execute(text("CREATE TABLE things (id int PRIMARY KEY, stock int)"))
        connection.execute(text("INSERT INTO things VALUES (1, 1000000)"))
    return url


def pinging_every_check_out(url: str) -> Engine:
    """The chassis's engine before the change: the same pool, a ping on every check-out."""
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=True, pool_size=5,
                           max_overflow=5, connect_args={"connect_timeout": 5})
    instrument_engine(engine)
    return engine


def read(db: Database) -> None:
    with db.reads() as sql:
        sql.execute(text("SELECT stock FROM things WHERE id = 1")).scalar_one()


def write(db: Database) -> None:
    with db.uow(write=True) as uow:
        uow.session.execute(text("UPDATE things SET stock = stock - 1 WHERE id = 1 AND stock > 0"))
        uow.commit()


def per_unit(db: Database, unit: Callable[[Database], None], units: int) -> tuple[float, float]:
    """Wall and CPU microseconds per unit of work, over ``units`` of them."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(units):
        unit(db)
    return ((time.perf_counter() - wall) * 1e6 / units,
            (time.process_time() - cpu) * 1e6 / units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000, help="units of work a round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # the server stays free to run on the other core
    url = scratch_database()
    engines = {"ping when idle": Database(make_engine(url)),
               "ping every check-out": Database(pinging_every_check_out(url))}
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        for number in range(1, args.rounds + 1):
            print(f"round {number}/{args.rounds} ...", flush=True)
            for kind, unit in (("read", read), ("write", write)):
                for label, db in engines.items():
                    figures.setdefault((kind, label), []).append(per_unit(db, unit, args.units))
    finally:
        for db in engines.values():
            db.dispose()
    print(f"{'unit of work':<8} {'engine':<22} {'wall µs':>9} {'CPU µs':>9}")
    for kind in ("read", "write"):
        medians = {}
        for label in engines:
            walls, cpus = zip(*figures[(kind, label)], strict=True)
            medians[label] = (statistics.median(walls), statistics.median(cpus))
            print(f"{kind:<8} {label:<22} {medians[label][0]:9.1f} {medians[label][1]:9.1f}")
        idle, every = medians["ping when idle"], medians["ping every check-out"]
        print(f"{kind:<8} {'ratio (idle / every)':<22} {idle[0] / every[0]:9.2f} "
              f"{idle[1] / every[1]:9.2f}")


if __name__ == "__main__":
    main()

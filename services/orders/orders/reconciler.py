"""The reconciler: settles pending orders that a checkout left behind.

A checkout leaves its order pending when the charge's outcome is not known (a
timeout on the POST, which is never retried) or when a compensation could not
run (its service was down). Payments is the source of truth:

    charge captured          ─▶ commit the reservation, confirm, take the order's lines
                                out of the cart (lowered by the bought quantities)
    charge declined, or none ─▶ release the reservation, fail
    payments unreachable     ─▶ leave it for the next round

Two reconcilers (two replicas, or a round that overlaps the next) never settle
the same order: each takes a short lease on the orders it picked, with
``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL and a conditional UPDATE
everywhere; and every status change is itself conditional (repository.py).

It runs as a process of its own, ``python -m orders.reconciler``: a round at once and
then every RECONCILE_INTERVAL_SECONDS until SIGTERM, which lets the order in hand
finish and hands the rest of the batch back. It answers /healthz (a round went by
lately) and /readyz (its database answers) on HOST:PORT, its own port (8124 in
compose and Kubernetes). ``python -m orders.manage init`` runs one round before the
service starts, for the orders a crash left behind.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from chassis.background import Heartbeat, run_every, run_until_signalled, serve_probes
from chassis.clock import utcnow
from chassis.logs import configure_logging
from chassis.problems import Unavailable

from orders.app import make_saga
from orders.config import ReconcilerSettings, Settings
from orders.db import Database
from orders.domain import Order
from orders.repository import IdempotencyRepository, OrderRepository
from orders.saga import Saga, SettledElsewhere, abandon, complete

log = logging.getLogger(__name__)


def reconcile_pending(*, saga: Saga, older_than_seconds: float, lease_seconds: float = 60.0,
                      batch_size: int = 100, now: datetime | None = None,
                      stopping: Callable[[], bool] = lambda: False,
                      progress: Callable[[], object] = lambda: None) -> Counter[str]:
    """Settle every pending order older than ``older_than_seconds``; counts by outcome.

    ``progress`` is called after each order; once ``stopping()`` is true the orders not
    yet settled are handed back (their lease dropped) for the next reconciler."""
    now = now or utcnow()
    outcomes: Counter[str] = Counter()
    taken = _take_stale(saga.db, created_before=now - timedelta(seconds=older_than_seconds),
                        now=now, until=now + timedelta(seconds=lease_seconds), limit=batch_size)
    for order in taken:
        outcome = "handed_back" if stopping() else _settle(saga, order)
        outcomes[outcome] += 1
        if outcome in ("deferred", "handed_back"):
            _drop_lease(saga.db, order.id)
        progress()
    outcomes["keys_purged"] = _purge_keys(saga.db, now)
    if taken:
        log.info("reconciled pending orders", extra={"outcomes": dict(outcomes)})
    return outcomes


def _take_stale(db: Database, *, created_before: datetime, now: datetime, until: datetime,
                limit: int) -> list[Order]:
    with db.uow(write=True) as uow:
        orders = OrderRepository(uow.session)
        ids = orders.stale_pending(created_before=created_before, now=now, limit=limit)
        leased = [order_id for order_id in ids
                  if orders.take_lease(order_id, now=now, until=until)]
        taken = [order for order_id in leased if (order := orders.get(order_id)) is not None]
        uow.commit()
    return taken


def _settle(saga: Saga, order: Order) -> str:
    try:
        charge = saga.payments.get(order.id)
        if charge is not None and charge.status == "captured":
            complete(saga, order)
            return "confirmed"
        if charge is None or charge.status == "declined":
            abandon(saga, order, "declined" if charge else "pending")
            return "failed"
    except (Unavailable, SettledElsewhere) as exc:
        log.info("pending order deferred: %s", exc, extra={"order_id": order.id})
        return "deferred"
    log.warning("pending order has an unexpected charge", extra={
        "order_id": order.id, "charge_status": charge.status})
    return "deferred"


def _drop_lease(db: Database, order_id: str) -> None:
    with db.uow(write=True) as uow:
        OrderRepository(uow.session).drop_lease(order_id)
        uow.commit()


def _purge_keys(db: Database, now: datetime) -> int:
    with db.uow(write=True) as uow:
        purged = IdempotencyRepository(uow.session).purge_expired(now)
        uow.commit()
    return purged


def run(settings: Settings, stop: threading.Event) -> None:
    """Rounds every ``reconcile_interval_seconds`` until ``stop`` is set, probes served."""
    db = Database.from_url(settings.sqlalchemy_url)
    saga = make_saga(settings, db)
    interval = settings.reconcile_interval_seconds
    # A round settles up to a batch of orders, each a few calls bounded by their timeout.
    heartbeat = Heartbeat(stale_after_seconds=2 * interval + 60)
    probes = serve_probes(settings.host, settings.port, heartbeat, {"database": db.ping})

    def round_() -> None:
        try:
            reconcile_pending(saga=saga, older_than_seconds=settings.reconcile_grace_seconds,
                              stopping=stop.is_set, progress=heartbeat.beat)
        finally:  # alive is the loop going round, whether or not its stores answer
            heartbeat.beat()

    log.info("reconciler started", extra={"every_seconds": interval})
    try:
        run_every(interval, round_, stop=stop)
    finally:
        probes.shutdown()
        db.dispose()
    log.info("reconciler stopped")


def main() -> None:
    settings = ReconcilerSettings()
    configure_logging("orders-reconciler", settings.log_level)
    if settings.reconcile_interval_seconds <= 0:
        raise SystemExit("RECONCILE_INTERVAL_SECONDS must be above 0 for the reconciler to run")
    run_until_signalled(lambda stop: run(settings, stop))


if __name__ == "__main__":
    main()

"""Idempotency-Key for checkouts: a repeat gets the first response, and nothing runs twice.

The key is claimed in its own committed transaction before the checkout runs,
so a concurrent duplicate finds it ``in_progress``. A checkout that records an
order (201 or 402) stores its response through ``settle``, in the same
transaction that records the order: either both are committed or neither. Any
other outcome frees the key. One envelope, :class:`Keyed`, carries the key from
the handler into the checkout's transaction.

A claim has a lease, as in the orders service: a worker that dies in the middle
of a checkout rolls back its transaction (no order, no response) and leaves the
key ``in_progress``; once ``lease_seconds`` have passed, a retry takes the key
over and runs. Settling and freeing are conditional on still holding the claim
(its ``claimed_at``), so a checkout that outlived its lease cannot also record
an order: its transaction is rolled back with :class:`IdempotencyInProgress`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from chassis.clock import utcnow
from chassis.problems import PaymentDeclinedProblem
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.db import Database
from shop.orders.domain import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotencyRecord,
    Order,
)
from shop.orders.repository import IdempotencyRepository
from shop.orders.schemas import OrderOut

CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]

    @classmethod
    def of(cls, order: Order) -> StoredResponse:
        """The answer to a checkout that recorded ``order``, the one kept for replays:
        201 with the order, or 402 with the problem once its card was declined."""
        if order.status == "failed":
            problem = PaymentDeclinedProblem(order.id)
            return cls(problem.status, problem.body())
        return cls(201, OrderOut.from_domain(order).model_dump(mode="json"))


@dataclass(frozen=True)
class Keyed:
    """A checkout's Idempotency-Key; ``claimed_at`` is set once this request holds it."""

    db: Database
    user_id: str
    key: str
    fingerprint: str
    ttl_seconds: int
    lease_seconds: int
    claimed_at: datetime | None = None

    def expires_at(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.ttl_seconds)


def run_once(keyed: Keyed | None, run: Callable[[Keyed | None], StoredResponse]
             ) -> tuple[StoredResponse, bool]:
    """The response of ``run`` (run now) or of its first run (replayed: True); without
    a key, just ``run``. ``run`` gets the claimed key, to settle with what it records."""
    if keyed is None:
        return run(None), False
    claimed = claim(keyed)
    if isinstance(claimed, StoredResponse):
        return claimed, True
    try:
        return run(claimed), False
    except BaseException:
        release(claimed)
        raise


def claim(keyed: Keyed) -> Keyed | StoredResponse:
    """The key, claimed, or the stored response to replay; raises when it cannot be used."""
    for _ in range(CLAIM_ATTEMPTS):
        now = utcnow()
        expires_at = keyed.expires_at(now)
        with keyed.db.uow(write=True) as uow:
            keys = IdempotencyRepository(uow.session)
            record = keys.get(keyed.user_id, keyed.key)
            if record is not None and not _reclaimable(record, keyed, now):
                return _judge(record, keyed.fingerprint)
            try:
                if record is None:
                    keys.insert_claim(user_id=keyed.user_id, key=keyed.key,
                                      fingerprint=keyed.fingerprint, now=now,
                                      expires_at=expires_at)
                elif not keys.retake(user_id=keyed.user_id, key=keyed.key,
                                     fingerprint=keyed.fingerprint, now=now,
                                     expires_at=expires_at,
                                     abandoned_before=now - timedelta(
                                         seconds=keyed.lease_seconds)):
                    continue
                uow.commit()
                return replace(keyed, claimed_at=now)
            except IntegrityError:
                continue  # a concurrent request claimed it first: look again
    raise IdempotencyInProgress(keyed.key)


def _reclaimable(record: IdempotencyRecord, keyed: Keyed, now: datetime) -> bool:
    return record.expired(now) or record.abandoned(now, timedelta(seconds=keyed.lease_seconds))


def _judge(record: IdempotencyRecord, fingerprint: str) -> StoredResponse:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.state != "completed" or record.status_code is None:
        raise IdempotencyInProgress()
    return StoredResponse(status_code=record.status_code, body=record.response_body or {})


def settle(session: Session, keyed: Keyed, response: StoredResponse) -> None:
    """Keep the response for replays, in the caller's transaction (the one that records
    the order), for at least the key's time to live; only while this request still holds
    the claim (else its lease ran out and another took it: the transaction must not commit)."""
    if not IdempotencyRepository(session).complete(
            user_id=keyed.user_id, key=keyed.key, claimed_at=keyed.claimed_at,
            status_code=response.status_code, body=response.body,
            expires_at=keyed.expires_at(utcnow())):
        raise IdempotencyInProgress(keyed.key)


def release(keyed: Keyed) -> None:
    """Free the key (if still this request's) so that a retry after fixing the cause runs."""
    with keyed.db.uow(write=True) as uow:
        IdempotencyRepository(uow.session).release(user_id=keyed.user_id, key=keyed.key,
                                                   claimed_at=keyed.claimed_at)
        uow.commit()

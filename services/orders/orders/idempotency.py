"""Idempotency-Key for checkouts: a repeat gets the first response, and nothing runs twice.

The key is claimed in its own committed transaction before the saga runs, so a
concurrent duplicate finds it in progress. Unlike the monolith's, a claim is
settled together with the order its checkout recorded (see saga.py): the 201
or the 402 is stored in the same transaction that confirms or fails the order,
by the checkout or later by the reconciler when the charge's outcome was not
known. A checkout that ends before recording an order, or whose order is
deleted (out of stock), frees its key.

One envelope, :class:`Keyed`, carries the key from the handler through the saga;
once claimed it holds ``claimed_at``, and binding and freeing are conditional on
it, so a request whose lease ran out cannot touch the claim another took over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from chassis.clock import utcnow
from chassis.problems import PaymentDeclinedProblem
from sqlalchemy.exc import IntegrityError

from orders.db import Database
from orders.domain import IdempotencyInProgress, IdempotencyKeyReused, IdempotencyRecord, Order
from orders.repository import IdempotencyRepository
from orders.schemas import OrderOut

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
        with keyed.db.uow(write=True) as uow:
            keys = IdempotencyRepository(uow.session)
            record = keys.get(keyed.user_id, keyed.key)
            if record is not None and not _reclaimable(record, keyed, now):
                return _judge(record, keyed.fingerprint)
            try:
                if record is None:
                    keys.insert_claim(user_id=keyed.user_id, key=keyed.key,
                                      fingerprint=keyed.fingerprint, now=now,
                                      expires_at=keyed.expires_at(now))
                elif not keys.retake(user_id=keyed.user_id, key=keyed.key,
                                     fingerprint=keyed.fingerprint, now=now,
                                     expires_at=keyed.expires_at(now),
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
    if record.status_code is None:
        raise IdempotencyInProgress()
    return StoredResponse(status_code=record.status_code, body=record.response_body or {})


def release(keyed: Keyed) -> None:
    """Free the key unless its checkout recorded an order (that order settles it)."""
    assert keyed.claimed_at is not None
    with keyed.db.uow(write=True) as uow:
        IdempotencyRepository(uow.session).release(user_id=keyed.user_id, key=keyed.key,
                                                   claimed_at=keyed.claimed_at)
        uow.commit()

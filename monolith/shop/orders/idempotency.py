"""Idempotency-Key for checkouts: a repeat gets the first response, and nothing runs twice.

The key is claimed in its own committed transaction before the checkout runs,
so a concurrent duplicate finds it ``in_progress``. A checkout that records an
order (201 or 402) stores its response through ``settle``, in the same
transaction that records the order: either both are committed or neither. Any
other outcome frees the key.

A claim has a lease, as in the orders service: a worker that dies in the middle
of a checkout rolls back its transaction (no order, no response) and leaves the
key ``in_progress``; once ``lease_seconds`` have passed, a retry takes the key
over and runs. Settling and freeing are conditional on still holding the claim
(its ``claimed_at``), so a checkout that outlived its lease cannot also record
an order: its transaction is rolled back with :class:`IdempotencyInProgress`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chassis.clock import utcnow
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.db import Database
from shop.orders.domain import IdempotencyInProgress, IdempotencyKeyReused, IdempotencyRecord
from shop.orders.repository import IdempotencyRepository

CLAIM_ATTEMPTS = 3


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Keyed:
    db: Database
    user_id: str
    key: str
    fingerprint: str
    ttl_seconds: int
    lease_seconds: int = 60


@dataclass(frozen=True)
class Claimed:
    """This request holds the key, claimed at ``at``."""

    at: datetime


# Stores the response in the caller's transaction (the one that records the order).
Settle = Callable[[Session, StoredResponse], None]


def run_once(keyed: Keyed, run: Callable[[Settle], StoredResponse]
             ) -> tuple[StoredResponse, bool]:
    """The response of ``run`` (run now) or of its first run (replayed: True).

    ``run`` gets ``settle`` to call inside the transaction that records its outcome;
    a ``run`` that returns without calling it has its response stored afterwards."""
    claimed = claim(keyed)
    if isinstance(claimed, StoredResponse):
        return claimed, True
    settled = False

    def settle(session: Session, response: StoredResponse) -> None:
        nonlocal settled
        _complete(IdempotencyRepository(session), keyed, claimed, response)
        settled = True

    try:
        response = run(settle)
    except BaseException:
        release(keyed, claimed)
        raise
    if not settled:
        with keyed.db.uow(write=True) as uow:
            _complete(IdempotencyRepository(uow.session), keyed, claimed, response)
            uow.commit()
    return response, False


def claim(keyed: Keyed) -> Claimed | StoredResponse:
    """Claim the key, or the stored response to replay; raises when it cannot be used."""
    for _ in range(CLAIM_ATTEMPTS):
        now = utcnow()
        expires_at = now + timedelta(seconds=keyed.ttl_seconds)
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
                return Claimed(now)
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


def _complete(keys: IdempotencyRepository, keyed: Keyed, claimed: Claimed,
              response: StoredResponse) -> None:
    """Keep the response for replays, for at least the key's time to live; only while
    this request still holds the claim (else its lease ran out and another took it)."""
    if not keys.complete(user_id=keyed.user_id, key=keyed.key, claimed_at=claimed.at,
                         status_code=response.status_code, body=response.body,
                         expires_at=utcnow() + timedelta(seconds=keyed.ttl_seconds)):
        raise IdempotencyInProgress(keyed.key)


def release(keyed: Keyed, claimed: Claimed) -> None:
    """Free the key (if still this request's) so that a retry after fixing the cause runs."""
    with keyed.db.uow(write=True) as uow:
        IdempotencyRepository(uow.session).release(user_id=keyed.user_id, key=keyed.key,
                                                   claimed_at=claimed.at)
        uow.commit()

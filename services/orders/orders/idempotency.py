"""Idempotency-Key for checkouts: a repeat gets the first response, and nothing runs twice.

The key is claimed in its own committed transaction before the saga runs, so a
concurrent duplicate finds it in progress. Unlike the monolith's, a claim is
settled together with the order its checkout recorded (see saga.py): the 201
or the 402 is stored in the same transaction that confirms or fails the order,
by the checkout or later by the reconciler when the charge's outcome was not
known. A checkout that ends before recording an order, or whose order is
deleted (out of stock), frees its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chassis.clock import utcnow
from sqlalchemy.exc import IntegrityError

from orders.db import Database
from orders.domain import IdempotencyInProgress, IdempotencyKeyReused, IdempotencyRecord
from orders.repository import IdempotencyRepository

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
    lease_seconds: int


def run_once(keyed: Keyed, run: Callable[[], StoredResponse]) -> tuple[StoredResponse, bool]:
    """The response of ``run`` (run now) or of its first run (replayed: True)."""
    replay = claim(keyed)
    if replay is not None:
        return replay, True
    try:
        return run(), False
    except BaseException:
        release(keyed)
        raise


def claim(keyed: Keyed) -> StoredResponse | None:
    """Claim the key (None), or the stored response to replay; raises when it cannot be used."""
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
                                      expires_at=now + timedelta(seconds=keyed.ttl_seconds))
                elif not keys.retake(user_id=keyed.user_id, key=keyed.key,
                                     fingerprint=keyed.fingerprint, now=now,
                                     expires_at=now + timedelta(seconds=keyed.ttl_seconds),
                                     abandoned_before=now - timedelta(
                                         seconds=keyed.lease_seconds)):
                    continue
                uow.commit()
                return None
            except IntegrityError:
                continue  # a concurrent request claimed it first: look again
    raise IdempotencyInProgress(keyed.key)


def _reclaimable(record: IdempotencyRecord, keyed: Keyed, now: datetime) -> bool:
    lease = timedelta(seconds=keyed.lease_seconds)
    return record.expired(now) or record.abandoned(now, lease)


def _judge(record: IdempotencyRecord, fingerprint: str) -> StoredResponse:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.status_code is None:
        raise IdempotencyInProgress()
    return StoredResponse(status_code=record.status_code, body=record.response_body or {})


def release(keyed: Keyed) -> None:
    """Free the key unless its checkout recorded an order (that order settles it)."""
    with keyed.db.uow(write=True) as uow:
        IdempotencyRepository(uow.session).release(user_id=keyed.user_id, key=keyed.key)
        uow.commit()

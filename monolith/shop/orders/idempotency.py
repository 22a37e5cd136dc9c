"""Idempotency-Key for checkouts: a repeat gets the first response, and nothing runs twice.

The key is claimed in its own committed transaction before the checkout runs,
so a concurrent duplicate finds it ``in_progress``. A checkout that created an
order (201 or 402) stores its response; any other outcome frees the key.

A claim has a lease, as in the orders service: a worker that dies in the middle
of a checkout (its transaction rolled back, no order) leaves the key
``in_progress``, and once the lease has run out a retry takes the key over and
runs. The lease outlasts any checkout (gunicorn kills a worker stuck for 30 s).
Left open: a worker that dies between the checkout's commit and the storing of
its response; a retry after the lease runs again, on the cart that checkout
emptied, and answers 422 ``empty-cart``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chassis.clock import utcnow
from sqlalchemy.exc import IntegrityError

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


def run_once(keyed: Keyed, run: Callable[[], StoredResponse]) -> tuple[StoredResponse, bool]:
    """The response of ``run`` (run now) or of its first run (replayed: True)."""
    replay = claim(keyed)
    if replay is not None:
        return replay, True
    try:
        response = run()
    except BaseException:
        release(keyed)
        raise
    complete(keyed, response)
    return response, False


def claim(keyed: Keyed) -> StoredResponse | None:
    """Claim the key (None), or the stored response to replay; raises when it cannot be used."""
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
                return None
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


def complete(keyed: Keyed, response: StoredResponse) -> None:
    """Keep the response for replays, for at least the key's time to live."""
    with keyed.db.uow(write=True) as uow:
        IdempotencyRepository(uow.session).complete(
            user_id=keyed.user_id, key=keyed.key, status_code=response.status_code,
            body=response.body,
            expires_at=utcnow() + timedelta(seconds=keyed.ttl_seconds))
        uow.commit()


def release(keyed: Keyed) -> None:
    """Free the key so that a retry after fixing the cause runs again."""
    with keyed.db.uow(write=True) as uow:
        IdempotencyRepository(uow.session).release(user_id=keyed.user_id, key=keyed.key)
        uow.commit()

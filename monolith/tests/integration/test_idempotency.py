from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from chassis.clock import utcnow
from sqlalchemy import update

from shop.db import Database
from shop.orders import idempotency
from shop.orders.domain import IdempotencyInProgress, IdempotencyKeyReused
from shop.orders.idempotency import Keyed, StoredResponse
from shop.orders.models import IdempotencyKeyRow

CREATED = StoredResponse(201, {"id": "order-1"})


@pytest.fixture
def keyed(db: Database, create_user: Callable[..., str]) -> Keyed:
    return Keyed(db=db, user_id=create_user(), key="key-1", fingerprint="f" * 64,
                 ttl_seconds=3600, lease_seconds=60)


def _with(keyed: Keyed, **changes: object) -> Keyed:
    return replace(keyed, **changes)  # type: ignore[arg-type]


def test_the_first_request_runs_and_a_repeat_is_replayed_without_running(keyed: Keyed) -> None:
    runs: list[int] = []

    def run(claimed: Keyed | None) -> StoredResponse:
        runs.append(1)
        return _settling(CREATED)(claimed)

    assert idempotency.run_once(keyed, run) == (CREATED, False)
    assert idempotency.run_once(keyed, run) == (CREATED, True)
    assert len(runs) == 1


def test_the_same_key_with_another_body_is_refused(keyed: Keyed) -> None:
    idempotency.run_once(keyed, _settling(CREATED))
    with pytest.raises(IdempotencyKeyReused):
        idempotency.run_once(_with(keyed, fingerprint="0" * 64), _settling(CREATED))


def test_a_repeat_while_the_first_still_runs_is_in_progress(keyed: Keyed) -> None:
    assert isinstance(idempotency.claim(keyed), Keyed)
    with pytest.raises(IdempotencyInProgress):
        idempotency.claim(keyed)


def test_keys_belong_to_one_user(keyed: Keyed, create_user: Callable[..., str]) -> None:
    idempotency.run_once(keyed, _settling(CREATED))
    other = _with(keyed, user_id=create_user(), fingerprint="0" * 64)
    assert idempotency.run_once(other, _settling(StoredResponse(402, {}))) == (
        StoredResponse(402, {}), False)


def test_a_request_that_fails_frees_its_key_for_a_retry(keyed: Keyed) -> None:
    def fail(_claimed: Keyed | None) -> StoredResponse:
        raise RuntimeError("out of stock")

    with pytest.raises(RuntimeError):
        idempotency.run_once(keyed, fail)
    assert idempotency.run_once(_with(keyed, fingerprint="0" * 64), _settling(CREATED)) == (
        CREATED, False)


def test_an_expired_record_may_be_used_afresh(keyed: Keyed, db: Database) -> None:
    idempotency.run_once(keyed, _settling(CREATED))
    with db.uow(write=True) as uow:
        uow.session.execute(update(IdempotencyKeyRow)
                            .values(expires_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    again = StoredResponse(201, {"id": "order-2"})
    assert idempotency.run_once(_with(keyed, fingerprint="0" * 64), _settling(again)) == (
        again, False)


def test_a_completed_record_is_kept_for_its_time_to_live(keyed: Keyed, db: Database) -> None:
    idempotency.run_once(keyed, _settling(CREATED))
    with db.uow() as uow:
        row = uow.session.get(IdempotencyKeyRow, (keyed.user_id, keyed.key))
        assert row is not None
        assert row.state == "completed"
        assert row.expires_at > utcnow() + timedelta(seconds=keyed.ttl_seconds - 60)


def _claimed_ago(db: Database, seconds: float) -> None:
    with db.uow(write=True) as uow:
        uow.session.execute(update(IdempotencyKeyRow)
                            .values(created_at=utcnow() - timedelta(seconds=seconds)))
        uow.commit()


def test_a_key_whose_checkout_died_is_taken_over_once_its_lease_runs_out(
        keyed: Keyed, db: Database) -> None:
    """A worker killed mid-checkout neither completes nor releases its claim."""
    # The crashed request's claim, left behind:
    assert isinstance(idempotency.claim(keyed), Keyed)
    _claimed_ago(db, keyed.lease_seconds - 5)
    with pytest.raises(IdempotencyInProgress):
        idempotency.run_once(keyed, _settling(CREATED))
    _claimed_ago(db, keyed.lease_seconds + 1)
    assert idempotency.run_once(keyed, _settling(CREATED)) == (CREATED, False)
    assert idempotency.run_once(keyed, _settling(CREATED)) == (CREATED, True)


def test_a_completed_key_is_replayed_after_the_lease(keyed: Keyed, db: Database) -> None:
    idempotency.run_once(keyed, _settling(CREATED))
    _claimed_ago(db, keyed.lease_seconds + 1)
    assert idempotency.run_once(keyed, _settling(StoredResponse(201, {"id": "twice"}))) == (
        CREATED, True)


def _settling(response: StoredResponse, then: Callable[[], None] = lambda: None
              ) -> Callable[[Keyed | None], StoredResponse]:
    """A run that records its outcome and settles the key in one committed transaction,
    as a checkout does."""
    def run(claimed: Keyed | None) -> StoredResponse:
        assert claimed is not None and claimed.claimed_at is not None
        with claimed.db.uow(write=True) as uow:
            idempotency.settle(uow.session, claimed, response)
            uow.commit()
        then()
        return response

    return run


def test_a_response_is_stored_with_the_order_so_a_crash_after_its_commit_replays(
        keyed: Keyed, db: Database) -> None:
    """Dying after the order's transaction committed cannot free the key for a rerun."""
    def die() -> None:
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        idempotency.run_once(keyed, _settling(CREATED, then=die))
    _claimed_ago(db, keyed.lease_seconds + 1)
    again = StoredResponse(201, {"id": "order-2"})
    assert idempotency.run_once(keyed, _settling(again)) == (CREATED, True)


def test_a_checkout_that_outlived_its_lease_cannot_settle_the_key(
        keyed: Keyed, db: Database) -> None:
    """Its lease ran out, a retry took the key over and settled it: the first one's
    transaction fails (and rolls back its order) and it does not free the key."""
    taken_over = StoredResponse(201, {"id": "order-of-the-retry"})

    def slow(claimed: Keyed | None) -> StoredResponse:
        _claimed_ago(db, keyed.lease_seconds + 1)
        assert idempotency.run_once(keyed, _settling(taken_over)) == (taken_over, False)
        return _settling(CREATED)(claimed)

    with pytest.raises(IdempotencyInProgress):
        idempotency.run_once(keyed, slow)
    assert idempotency.run_once(keyed, _settling(CREATED)) == (taken_over, True)

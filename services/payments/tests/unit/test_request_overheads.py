"""Per-request costs the app must not pay: FastAPI's thread pool for a dependency, and
FastAPI's own telemetry beside the chassis's."""

from chassis.fastapi_support import threadpool_dependencies
from fastapi import FastAPI


def test_no_dependency_is_handed_to_the_thread_pool(app: FastAPI) -> None:
    assert threadpool_dependencies(app) == []


def test_fastapis_own_telemetry_stays_off_beside_the_chassis_tracer(app: FastAPI) -> None:
    # The app factory has set the chassis's tracer provider, which would turn it on.
    assert not app._native_telemetry.enabled()

from chassis.fastapi_support import request_overheads
from fastapi import FastAPI


def test_no_request_pays_for_a_thread_pool_hop_or_fastapis_own_telemetry(app: FastAPI) -> None:
    # The app factory has set the chassis's tracer provider, which turns FastAPI's on.
    assert request_overheads(app) == []

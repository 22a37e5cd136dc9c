"""``python -m orders.reconciler``: a process of its own, probed on its port, stopped by
SIGTERM; it refuses to run with no interval."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from orders import manage
from orders.config import Settings

UNREACHABLE = "http://127.0.0.1:9"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def reconciler(tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    manage.migrate(Settings(data_dir=tmp_path).sqlalchemy_url)
    return subprocess.Popen(
        [sys.executable, "-m", "orders.reconciler"],
        env={**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "",
             "PAYMENTS_URL": UNREACHABLE, "CATALOG_URL": UNREACHABLE, "CART_URL": UNREACHABLE,
             "HOST": "127.0.0.1", **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(url: str, process: subprocess.Popen[bytes], within: float = 20.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            return httpx.get(url, timeout=1.0).status_code
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered {url}")


def test_it_answers_its_probes_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = reconciler(tmp_path, PORT=str(port), RECONCILE_INTERVAL_SECONDS="0.2")
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process) == 200
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2.0).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert b"reconciler started" in err and b"reconciler stopped" in err


def test_it_refuses_to_run_without_an_interval(tmp_path: Path) -> None:
    process = reconciler(tmp_path, PORT=str(free_port()), RECONCILE_INTERVAL_SECONDS="0")
    _out, err = process.communicate(timeout=20)
    assert process.returncode != 0 and b"RECONCILE_INTERVAL_SECONDS" in err

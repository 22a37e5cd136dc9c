"""A stack that cannot start touches nothing of the one that holds its ports.

A second ``make run`` while a stack runs used to empty ``var/metrics/`` (so
every app of the running stack answered ``/metrics`` with nothing) before it
failed on the port. These hold a port with a socket of their own, as a
running stack would, and check that nothing is removed or created and that
the error names the holder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from devstack.process import PortInUse, port_holder
from devstack.stacks import GUNICORN, REPO_ROOT, Stack, StackSettings, monolith_specs

SAMPLE = "gauge_live_4242.db"


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port another process (this one, standing in for a running stack) listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _running_stacks_samples(data_dir: Path, name: str) -> Path:
    folder = data_dir / "metrics" / name
    folder.mkdir(parents=True)
    sample = folder / SAMPLE
    sample.write_bytes(b"live samples of the running stack")
    return sample


def _this_process() -> str:
    return f"pid {os.getpid()} ("


def test_port_holder_names_the_listening_process(held_port: int) -> None:
    holder = port_holder(held_port)
    assert holder is not None and holder.startswith(_this_process())
    assert "python" in holder


def test_a_stack_whose_port_is_taken_changes_nothing_and_names_the_holder(
        tmp_path: Path, held_port: int) -> None:
    sample = _running_stacks_samples(tmp_path, "monolith")
    settings = StackSettings(data_dir=tmp_path, monolith_port=held_port)
    stack = Stack("monolith", [], monolith_specs(settings), {}, sys.stdout)
    with pytest.raises(PortInUse) as taken:
        stack.start()
    message = str(taken.value)
    assert f"port {held_port} is already in use by {_this_process()}" in message
    assert sample.read_bytes() == b"live samples of the running stack"
    assert not (tmp_path / "monolith").exists(), "the init step ran against its database"


def test_the_launcher_says_what_holds_the_port_and_leaves_the_metrics(
        tmp_path: Path, held_port: int) -> None:
    sample = _running_stacks_samples(tmp_path, "monolith")
    env = {**os.environ, "DATA_DIR": str(tmp_path), "MONOLITH_PORT": str(held_port)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "devstack", "run", "monolith"], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"not started: monolith: port {held_port} is already in use by "
            f"{_this_process()}") in result.stderr
    assert sample.exists()


def test_gunicorn_that_cannot_bind_leaves_the_metrics_folder_alone(
        tmp_path: Path, held_port: int) -> None:
    """The chassis's hook empties the folder only once gunicorn holds its port."""
    sample = _running_stacks_samples(tmp_path, "monolith")
    env = {**os.environ, "PORT": str(held_port), "DATA_DIR": str(tmp_path),
           "PROMETHEUS_MULTIPROC_DIR": str(sample.parent), "WEB_CONCURRENCY": "1"}
    result = subprocess.run(
        [GUNICORN, "-c", str(REPO_ROOT / "monolith" / "gunicorn.conf.py"), "shop.wsgi:app"],
        env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "Address already in use" in result.stderr, result.stderr
    assert sample.exists(), "gunicorn emptied the metrics of the server that holds the port"

"""The stack dies with its launcher, however the launcher dies.

``python -m devstack run all`` runs on ports of its own (nothing else in the
test suite uses 25xxx); once it is ready, every process it started (the
stores, the gunicorn masters, their workers, the orders reconciler) is read
from /proc. After a SIGHUP (a closed terminal) or a SIGKILL of the launcher,
none of them may be left alive and every port must be free again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from devstack.process import port_is_free

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc and uses the parent-death signal")

PORTS = {"MONOLITH_PORT": 25000, "GATEWAY_PORT": 25080, "USERS_PORT": 25101,
         "CATALOG_PORT": 25102, "CART_PORT": 25103, "ORDERS_PORT": 25104,
         "PAYMENTS_PORT": 25105, "MONGODB_PORT": 25017, "REDIS_PORT": 25379}
STORE_VARIABLES = ("DATABASE_URL", "USERS_DATABASE_URL", "ORDERS_DATABASE_URL",
                   "PAYMENTS_DATABASE_URL", "MONGODB_URL", "REDIS_URL")
READY_WITHIN_SECONDS = 240
# A gunicorn master stops its workers gracefully (graceful_timeout 20 s) on SIGTERM.
GONE_WITHIN_SECONDS = 45


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process; None when it is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = text.rsplit(")", 1)[1].split()[:2]
    return (int(ppid), state) if state != "Z" else None


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "(gone)"


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[0], []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _start_launcher(data_dir: Path) -> tuple[subprocess.Popen[str], list[str],
                                             threading.Thread]:
    env = {**os.environ, "DATA_DIR": str(data_dir), "WEB_CONCURRENCY": "2",
           **{name: str(port) for name, port in PORTS.items()}}
    for name in STORE_VARIABLES:
        env.pop(name, None)
    launcher = subprocess.Popen([sys.executable, "-m", "devstack", "run", "all"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []

    def read() -> None:
        assert launcher.stdout is not None
        for line in launcher.stdout:
            output.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return launcher, output, reader


def _wait_ready(launcher: subprocess.Popen[str], output: list[str]) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        if any(line.startswith("Ctrl-C stops everything") for line in output):
            return
        if launcher.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail("the stack did not start:\n" + "".join(output[-60:]))


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGKILL], ids=["SIGHUP", "SIGKILL"])
def test_every_child_dies_with_the_launcher(tmp_path: Path, signum: signal.Signals) -> None:
    busy = [port for port in PORTS.values() if not port_is_free(port)]
    assert not busy, f"ports taken before the test: {busy}"
    launcher, output, reader = _start_launcher(tmp_path)
    children: set[int] = set()
    try:
        _wait_ready(launcher, output)
        children = _descendants(launcher.pid)
        # 7 gunicorn masters with 2 workers each, the reconciler, nx-27017 and Redis.
        assert len(children) >= 7 * 3 + 3, sorted(children)
        launcher.send_signal(signum)
        launcher.wait(GONE_WITHIN_SECONDS)
        deadline = time.monotonic() + GONE_WITHIN_SECONDS
        while time.monotonic() < deadline:
            alive = {pid for pid in children if _stat(pid) is not None}
            taken = [port for port in PORTS.values() if not port_is_free(port)]
            if not alive and not taken:
                break
            time.sleep(0.5)
        assert not alive, f"still alive after the launcher's {signum.name}: " + ", ".join(
            f"{pid} {_command(pid)}" for pid in sorted(alive))
        assert not taken, f"ports still taken: {taken}"
    finally:
        for pid in children:
            if _stat(pid) is not None:
                os.kill(pid, signal.SIGKILL)
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait(10)
        reader.join(10)
        assert launcher.stdout is not None
        launcher.stdout.close()

"""A child process with a readiness probe, its output prefixed and forwarded.

Every child runs in a process group of its own (stopped as a whole) and, on
Linux, with a parent-death signal: if the launcher dies, even by SIGKILL, the
kernel sends the child SIGTERM, and a gunicorn master stops its workers as on
any SIGTERM. The kernel ties that
signal to the thread that started the child, so only children started from the
main thread (the launcher's, pytest's, the comparison's) get it: one started
from a short-lived thread would be sent SIGTERM as soon as that thread ended.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

Probe = Callable[[], bool]


def http_probe(url: str) -> Probe:
    """Ready when ``url`` answers 200."""
    def probe() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False
    return probe


@dataclass
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    probe: Probe | None = None
    # The TCP port it listens on: checked to be free first, so that a probe never
    # mistakes some other process on that port for this one.
    port: int | None = None
    # One-shot commands run to completion before the process starts (migrations, seeding).
    init: Sequence[Sequence[str]] = ()


class ManagedProcess:
    def __init__(self, spec: ProcessSpec, sink: IO[str]) -> None:
        self.spec = spec
        self.sink = sink
        self._popen: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int | None:
        """The started process's id (its process group's too), None before a start."""
        return None if self._popen is None else self._popen.pid

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def _environment(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1", **self.spec.env}

    def run_init(self) -> None:
        for argv in self.spec.init:
            result = subprocess.run(list(argv), env=self._environment(), cwd=self.spec.cwd,
                                    capture_output=True, text=True, check=False)
            self._forward_text(result.stdout + result.stderr)
            if result.returncode != 0:
                raise RuntimeError(f"{self.spec.name}: {' '.join(argv)} exited {result.returncode}")

    def start(self) -> None:
        if self.spec.port is not None and not port_is_free(self.spec.port):
            raise PortInUse(self.spec.name, self.spec.port)
        self._popen = subprocess.Popen(
            list(self.spec.argv), env=self._environment(), cwd=self.spec.cwd,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            preexec_fn=die_with_parent(os.getpid()))
        threading.Thread(target=self._pump, daemon=True).start()

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"{self.spec.name} exited before it was ready")
            if self.spec.probe is None or self.spec.probe():
                return
            time.sleep(0.1)
        raise TimeoutError(f"{self.spec.name} was not ready within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left after ``timeout``."""
        if self._popen is None or self._popen.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self._popen.wait(5)

    def kill(self) -> None:
        """SIGKILL at once: a crash, for failure tests."""
        if self.running:
            self._signal(signal.SIGKILL)
            assert self._popen is not None
            self._popen.wait(5)

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the whole process group (SIGSTOP/SIGCONT: a process that hangs)."""
        if self.running:
            self._signal(signum)

    def _signal(self, signum: int) -> None:
        assert self._popen is not None
        try:
            os.killpg(self._popen.pid, signum)
        except ProcessLookupError:
            pass

    def _pump(self) -> None:
        assert self._popen is not None and self._popen.stdout is not None
        with self._popen.stdout as output:
            for line in output:
                self._forward_text(line)

    def _forward_text(self, text: str) -> None:
        for line in text.splitlines():
            self.sink.write(f"{self.spec.name:>9} | {line}\n")
        self.sink.flush()


class PortInUse(RuntimeError):
    """A port a process of the stack needs is taken, named with what holds it."""

    def __init__(self, name: str, port: int) -> None:
        holder = port_holder(port)
        super().__init__(f"{name}: port {port} is already in use"
                         + (f" by {holder}" if holder else " (holder not visible to this user)"))
        self.port = port


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that asks the kernel for SIGTERM when the parent dies (Linux, and
    from the main thread only: see the module's docstring)."""
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before the prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def port_holder(port: int) -> str | None:
    """``pid N (command line)`` of the process listening on TCP ``port``, from /proc;
    None when it cannot be seen (no /proc, or another user's process)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    proc = Path("/proc")
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        if _open_files(entry) & {f"socket:[{inode}]" for inode in inodes}:
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                command = " ".join(part.decode(errors="replace") for part in argv if part)
            except OSError:
                command = "?"
            return f"pid {entry.name} ({command})"
    return None


def _open_files(process: Path) -> set[str]:
    """What a process's file descriptors point at (those that can be read)."""
    links = set()
    try:
        descriptors = list((process / "fd").iterdir())
    except OSError:
        return links
    for descriptor in descriptors:
        try:
            links.add(os.readlink(descriptor))
        except OSError:
            continue  # closed meanwhile, or not ours to read
    return links


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes in LISTEN state (0A) on ``port``, from /proc/net/tcp and tcp6."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and int(fields[1][-4:], 16) == port:
                inodes.add(fields[9])
    return inodes


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]

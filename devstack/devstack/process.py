"""A child process with a readiness probe, its output prefixed and forwarded."""

from __future__ import annotations

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
            raise RuntimeError(f"{self.spec.name}: port {self.spec.port} is already in use")
        self._popen = subprocess.Popen(
            list(self.spec.argv), env=self._environment(), cwd=self.spec.cwd,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
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

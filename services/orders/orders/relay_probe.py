"""The probes of the relay and the reconciler: ``/healthz`` (the loop went round
lately) and ``/readyz`` (its stores answer) on a port of their own, for compose and
Kubernetes. A small threaded stdlib server: neither serves an API, only these two."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from chassis.health import LIVE_BODY, Check, run_checks
from chassis.problems import Problem


class Heartbeat:
    """When the loop last went round; stale past ``stale_after_seconds``."""

    def __init__(self, stale_after_seconds: float) -> None:
        self.stale_after_seconds = stale_after_seconds
        self.at = time.monotonic()

    def beat(self) -> None:
        self.at = time.monotonic()

    @property
    def alive(self) -> bool:
        return time.monotonic() - self.at < self.stale_after_seconds


def serve_probes(host: str, port: int, heartbeat: Heartbeat,
                 checks: Mapping[str, Check]) -> ThreadingHTTPServer:
    """Start the probe server in a daemon thread; ``shutdown()`` stops it."""

    class Probes(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            if self.path == "/healthz":
                self._answer(200 if heartbeat.alive else 503, LIVE_BODY)
            elif self.path == "/readyz":
                try:
                    self._answer(200, run_checks(checks))
                except Problem as problem:
                    self._answer(problem.status, problem.body())
            else:
                self._answer(404, {"status": "not found"})

        def _answer(self, status: int, body: Mapping[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass  # probes every few seconds would drown the relay's own log

    server = ThreadingHTTPServer((host, port), Probes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

"""What every background process (the relays, the reconciler) is made of: a loop of
rounds until SIGTERM, and the probes ``/healthz`` (the loop went round lately) and
``/readyz`` (its stores answer) on a port of its own, for compose and Kubernetes.
The probes are a small threaded stdlib server: such a process serves no API."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from redis import RedisError

from chassis.health import LIVE_BODY, Check, run_checks
from chassis.problems import Problem

log = logging.getLogger(__name__)
# A relay's wait after a failed round grows to this: a broker that is down costs one try a second.
MAX_BACKOFF_SECONDS = 1.0


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


def relay_rounds(round_: Callable[[], int], *, batch_size: int, interval_seconds: float,
                 heartbeat: Heartbeat, stop: threading.Event, waiting_in: str) -> None:
    """Run a relay's ``round_`` (it returns how many events it published) until ``stop``.

    At once again while a round fills its batch (a backlog), else every interval. With
    the broker away the wait doubles up to :data:`MAX_BACKOFF_SECONDS`; any other
    failed round (its store away) waits that long. No round's failure ends the loop.
    """
    backoff = 0.0
    while not stop.is_set():
        try:
            published, backoff = round_(), 0.0
        except (RedisError, OSError) as exc:
            log.warning("broker unavailable; events wait in %s: %r", waiting_in, exc)
            published, backoff = 0, min(MAX_BACKOFF_SECONDS, backoff * 2 or interval_seconds)
        except Exception:
            log.exception("relay round failed")
            published, backoff = 0, MAX_BACKOFF_SECONDS
        heartbeat.beat()
        if published < batch_size:
            stop.wait(backoff or interval_seconds)


def run_every(interval_seconds: float, round_: Callable[[], object], *,
              stop: threading.Event) -> None:
    """Run ``round_`` now and then every ``interval_seconds`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            round_()
        except Exception:  # one bad round must not end the loop
            log.exception("round failed")
        stop.wait(interval_seconds)


def run_until_signalled(run: Callable[[threading.Event], None]) -> None:
    """Call ``run(stop)`` with an Event that SIGTERM or SIGINT sets: a clean stop."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run(stop)

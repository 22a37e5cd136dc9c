"""A client of ``GET /api/orders/events`` for the test suites and the benchmark: the
stream is read by a thread of its own, messages and comments queued as they come,
so that the caller can check out while it is open, as a browser's EventSource would."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

PATH = "/api/orders/events"
CLOUD_EVENT_FIELDS = {"specversion", "id", "source", "type", "time", "subject", "data"}


@dataclass
class EventStream:
    """Messages and comments of one open stream, as they arrive."""

    response: httpx.Response
    messages: queue.Queue[dict[str, str]] = field(default_factory=queue.Queue)
    comments: queue.Queue[str] = field(default_factory=queue.Queue)

    def read(self) -> None:
        message: dict[str, str] = {}
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.comments.put(line[1:].strip())
                elif not line:
                    if message:
                        self.messages.put(message)
                    message = {}
                else:
                    name, _, value = line.partition(":")
                    message[name] = value.removeprefix(" ")
        except (httpx.HTTPError, RuntimeError, ValueError, OSError):
            pass  # closed by the caller, or the server ended the response

    def take(self, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        """The next ``count`` events, each checked: ``id:`` and ``event:`` match its JSON."""
        deadline, taken = time.monotonic() + within, []
        while len(taken) < count:
            message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            if "data" not in message:
                continue  # a retry: field alone
            event = json.loads(message["data"])
            assert set(event) >= CLOUD_EVENT_FIELDS, event
            assert (message["id"], message["event"]) == (event["id"], event["type"])
            taken.append(event)
        return taken

    def quiet_for(self, seconds: float) -> bool:
        """No event arrives within ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                return True
            if "data" in message:
                return False
        return True


@contextmanager
def open_stream(base_url: str, headers: dict[str, str], last_event_id: str | None = None,
                attempts: int = 20) -> Iterator[EventStream]:
    """An open stream, once its first comment came; a 503 (a cap of open streams, e.g.
    while the monolith's worker of a closed stream has not yet noticed) is retried."""
    headers = {**headers, "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0)) as client:
        for _ in range(attempts):
            with client.stream("GET", PATH, headers=headers) as response:
                if response.status_code == 503:
                    response.read()
                    time.sleep(0.5)
                    continue
                assert response.status_code == 200, response.read()
                assert response.headers["Content-Type"].startswith("text/event-stream")
                stream = EventStream(response)
                reader = threading.Thread(target=stream.read, daemon=True)
                reader.start()
                stream.comments.get(timeout=10)  # the stream is open
                try:
                    yield stream
                finally:
                    response.close()
                    reader.join(5)
                return
        raise AssertionError("the stream stayed unavailable")

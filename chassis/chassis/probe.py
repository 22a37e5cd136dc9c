"""A health probe that also reaches an app on a Unix socket (``BIND_SOCKET``):

    python -m chassis.probe /readyz     # exit 0 when the app answers 200

The images' health checks and the Pods' exec probes of an app behind nginx use it:
an HTTP probe cannot reach a socket. Without ``BIND_SOCKET`` it asks
``127.0.0.1:$PORT``. Only the standard library, so that a probe costs little.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys

TIMEOUT_SECONDS = 2.0


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=TIMEOUT_SECONDS)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT_SECONDS)
        self.sock.connect(self.path)


def status(path: str) -> int:
    """The status the app answers ``GET path`` with."""
    socket_path = os.environ.get("BIND_SOCKET")
    connection = (UnixConnection(socket_path) if socket_path else
                  http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")),
                                             timeout=TIMEOUT_SECONDS))
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/healthz"
    try:
        answered = status(path)
    except OSError as error:
        print(f"probe {path}: {error}", file=sys.stderr)
        return 1
    if answered != 200:
        print(f"probe {path}: {answered}", file=sys.stderr)
    return 0 if answered == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Embedded stand-ins for the stores, used when no server URL is given.

SQL stores need no process (SQLite files). MongoDB is `nx-27017`, a MongoDB
wire-protocol server on SQLite, with its per-command log off (devstack.mongodb_standin).
Redis is `redis-server` where installed, else fakeredis's TCP server.
"""

from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path

from devstack.process import Probe, ProcessSpec, python_module


def tcp_probe(port: int, host: str = "127.0.0.1") -> Probe:
    def probe() -> bool:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            return False
    return probe


def embedded_mongodb(port: int, data_dir: Path) -> ProcessSpec:
    directory = data_dir / "mongodb"
    directory.mkdir(parents=True, exist_ok=True)
    return ProcessSpec(
        name="mongodb",
        # --threaded: a thread per connection, as mongod serves, each command run in it;
        # its asyncio server hands every command to a worker thread and back
        # (docs/performance.md, "The stand-in's way of serving").
        argv=python_module("devstack.mongodb_standin", "--threaded", "--data-dir",
                           str(directory), "--host", "127.0.0.1", "--port", str(port),
                           "--log-file", str(directory / "server.log"),
                           "--pid-file", str(directory / "server.pid")),
        probe=tcp_probe(port), port=port)


_FAKEREDIS_SERVER = (
    "import sys; from fakeredis import TcpFakeServer; "
    "TcpFakeServer(('127.0.0.1', int(sys.argv[1]))).serve_forever()"
)


def embedded_redis(port: int, data_dir: Path) -> ProcessSpec:
    directory = data_dir / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    server = shutil.which("redis-server")
    if server:
        argv = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(directory)]
    else:
        argv = [sys.executable, "-c", _FAKEREDIS_SERVER, str(port)]
    return ProcessSpec(name="redis", argv=argv, probe=tcp_probe(port), port=port)

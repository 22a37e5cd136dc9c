"""The embedded stores as the launcher starts them."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pymongo
from devstack.process import ManagedProcess, port_is_free
from devstack.stores import embedded_mongodb

PORT = 25917  # devstack's own tests keep to 25xxx


def test_the_mongodb_stand_in_serves_without_logging_each_command(tmp_path: Path) -> None:
    """nx-27017 alone writes two INFO lines per command it serves; mongod logs only slow
    ones, and so does the stand-in the launcher starts."""
    assert port_is_free(PORT)
    output = io.StringIO()
    process = ManagedProcess(embedded_mongodb(PORT, tmp_path), output)
    process.start()
    try:
        process.wait_ready(30)
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{PORT}/?directConnection=true",
                                     serverSelectionTimeoutMS=10_000)
        products = client["shop"]["products"]
        products.insert_one({"_id": "p1", "stock": 3})
        products.find_one_and_update({"_id": "p1", "stock": {"$gte": 1}}, {"$inc": {"stock": -1}})
        assert products.find_one({"_id": "p1"}) == {"_id": "p1", "stock": 2}
        client.close()
        _serves_connections_side_by_side(PORT)
    finally:
        process.stop()
    server_log = (tmp_path / "mongodb" / "server.log").read_text()
    assert "Starting NX-27017" not in output.getvalue() + server_log  # INFO: not written
    for text in (server_log, output.getvalue()):
        assert "Calling db.command" not in text and "findAndModify" not in text


def _serves_connections_side_by_side(port: int) -> None:
    """Eight clients at once, each on connections of its own (the catalog's workers and
    its relay): every conditional take lands exactly once, and reads see them all."""
    clients = [pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                                   serverSelectionTimeoutMS=10_000) for _ in range(8)]
    try:
        stock = clients[0]["shop"]["stock"]
        stock.insert_one({"_id": "shared", "left": 100})

        def take_five(client: pymongo.MongoClient) -> int:
            taken = 0
            for _ in range(5):
                moved = client["shop"]["stock"].find_one_and_update(
                    {"_id": "shared", "left": {"$gte": 1}}, {"$inc": {"left": -1}})
                taken += moved is not None
                assert client["shop"]["stock"].find_one({"_id": "shared"}) is not None
            return taken

        with ThreadPoolExecutor(len(clients)) as pool:
            assert sum(pool.map(take_five, clients)) == 40
        assert stock.find_one({"_id": "shared"}) == {"_id": "shared", "left": 60}
    finally:
        for client in clients:
            client.close()

from __future__ import annotations

from pathlib import Path

import pytest
from payments.config import Settings
from payments.manage import init

# The token of the one caller of its internal routes, the orders service.
ORDERS_TOKEN = "test-orders-token"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Each integration test runs on SQLite and on PostgreSQL."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        return Settings(environment="test", database_url=url, orders_caller_token=ORDERS_TOKEN)
    settings = Settings(environment="test", data_dir=tmp_path, orders_caller_token=ORDERS_TOKEN)
    init(settings)
    return settings

from __future__ import annotations

from pathlib import Path

import pytest
from payments.config import Settings
from payments.manage import init

INTERNAL_TOKEN = "test-internal-token"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Each integration test runs on SQLite and on PostgreSQL."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        return Settings(environment="test", database_url=url, internal_token=INTERNAL_TOKEN)
    settings = Settings(environment="test", data_dir=tmp_path, internal_token=INTERNAL_TOKEN)
    init(settings)
    return settings

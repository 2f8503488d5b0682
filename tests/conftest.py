"""Shared fixtures, and the rule for tests that need a real service.

A test marked `postgres` or `redis` runs only where that service is there. On a
developer's machine without it the test is skipped; under CI=true it fails,
so a missing service can never turn into a green run.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required services must be running)")
    pytest.skip(reason)


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


@pytest.fixture(autouse=True)
def _require_services(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing(f"needs PostgreSQL; the test database is {connection.vendor}")
    if request.node.get_closest_marker("redis") and not _redis_answers():
        _missing(f"needs Redis at {REDIS_URL}")

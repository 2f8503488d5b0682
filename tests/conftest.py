"""Shared fixtures, and the rule for tests that need a real service.

A test marked `postgres` or `redis` runs only where that service is there. On a
developer's machine without it the test is skipped; under CI=true it fails,
so a missing service can never turn into a green run.
"""

from __future__ import annotations

import http.server
import os
import threading

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


class Receiver:
    """A local HTTP server that records POSTs and answers with scripted statuses."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[dict] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def allow_loopback(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0
    settings.WEBHOOK_TIMEOUT_SECONDS = 2


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


def member(django_user_model, name: str, group: str | None, *, staff: bool = True):
    """A user in one of the groups the migrations create (editor, reviewer), or in none."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw", is_staff=staff)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return django_user_model.objects.get(pk=user.pk)  # no cached permissions


@pytest.fixture
def editor(django_user_model):
    return member(django_user_model, "ed", "editor")


@pytest.fixture
def reviewer(django_user_model):
    return member(django_user_model, "rev", "reviewer")


def create_groups_as_migrate_does() -> None:
    """The editor and reviewer groups, as the migrations make them.

    Transactional tests empty every table, data migrations' rows included.
    """
    import importlib

    from django.apps import apps

    for module, function in (
        ("negotiations.migrations.0006_editor_and_reviewer_groups", "create_groups"),
        ("ingestion.migrations.0002_editor_and_reviewer_permissions", "grant"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)

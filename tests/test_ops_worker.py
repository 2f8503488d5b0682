"""A real Celery worker on Redis makes /healthz say the worker is ok: it beats when it
starts, and whenever it runs the periodic heartbeat task."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from config.celery import app
from ops.models import WorkerHeartbeat
from ops.tasks import heartbeat
from tests.test_worker import Worker, _drop_connections, wait_for

BROKER_URL = os.environ.get("TEST_HEALTHZ_BROKER_URL", "redis://127.0.0.1:6379/12")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def worker():
    """Start `celery worker` on Redis db 12 against the test database."""
    database = connection.settings_dict
    worker = Worker(
        {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": (
                f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
                f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "CELERY_BROKER_URL": BROKER_URL,
        }
    )
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    _drop_connections()
    try:
        yield worker
    finally:
        app.conf.update(saved)
        _drop_connections()
        worker.stop()


def test_a_worker_that_starts_makes_healthz_say_the_worker_is_ok(worker, client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()["worker"]) == (503, "missing")

    wait_for(lambda: worker.logged(" ready."), timeout=60)
    response = wait_for(lambda: (r := client.get("/healthz")).status_code == 200 and r)

    assert response.json() == {"database": "ok", "broker": "ok", "worker": "ok"}
    startup = WorkerHeartbeat.objects.get()
    assert startup.worker.startswith("celery@")

    heartbeat.delay()
    wait_for(lambda: WorkerHeartbeat.objects.get().at > startup.at)
    assert worker.logged("ops.tasks.heartbeat[")

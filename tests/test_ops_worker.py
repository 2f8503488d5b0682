"""A real Celery worker on Redis makes /healthz say the worker is ok: it beats when it
starts, and whenever it runs the periodic heartbeat task."""

from __future__ import annotations

import os

import pytest

from ops.models import WorkerHeartbeat
from ops.tasks import heartbeat
from tests.workers import start_worker, tasks_sent_to, wait_for

BROKER_URL = os.environ.get("TEST_HEALTHZ_BROKER_URL", "redis://127.0.0.1:6379/12")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]


def test_a_worker_that_starts_makes_healthz_say_the_worker_is_ok(client):
    with tasks_sent_to(BROKER_URL):
        response = client.get("/healthz")
        assert (response.status_code, response.json()["worker"]) == (503, "missing")
        worker = start_worker(BROKER_URL)
        try:
            beats_while_running(worker, client)
        finally:
            worker.stop()


def beats_while_running(worker, client) -> None:
    response = wait_for(lambda: (r := client.get("/healthz")).status_code == 200 and r)

    assert response.json() == {"database": "ok", "broker": "ok", "worker": "ok"}
    startup = WorkerHeartbeat.objects.get()
    assert startup.worker.startswith("celery@")

    heartbeat.delay()
    wait_for(lambda: WorkerHeartbeat.objects.get().at > startup.at)
    assert worker.logged("ops.tasks.heartbeat[")

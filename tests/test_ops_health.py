"""/healthz: what a load balancer and docker compose ask Parley before sending it work."""

from __future__ import annotations

import datetime
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.utils import load_backend
from django.utils import timezone

from config.celery import app
from ops import health
from ops.healthcheck import probe_host
from ops.models import WorkerHeartbeat
from ops.tasks import heartbeat

ROOT = Path(__file__).resolve().parent.parent
REDIS_BROKER = "redis://127.0.0.1:6379/12"

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def celery_conf():
    """Let a test point the Celery app at a broker; put it back afterwards."""
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    yield app.conf
    app.conf.update(saved)


@pytest.fixture
def with_broker(celery_conf):
    """Tasks go to a broker (not in-process): the worker check applies."""

    def use(url: str) -> None:
        celery_conf.update(broker_url=url, task_always_eager=False)

    return use


def beat(seconds_ago: float) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker="celery@test",
        defaults={"at": timezone.now() - datetime.timedelta(seconds=seconds_ago)},
    )


def test_it_is_healthy_when_tasks_run_in_process(client, celery_conf):
    celery_conf.task_always_eager = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager", "worker": "not needed"}
    assert "no-cache" in response["Cache-Control"]


def test_it_needs_no_login_and_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_it_names_the_database_when_it_cannot_connect(client, monkeypatch):
    # A real connection attempt: the same backend, pointed where nothing answers.
    broken = {**connection.settings_dict}
    if connection.vendor == "postgresql":
        broken.update(HOST="127.0.0.1", PORT=closed_port())
    else:
        broken.update(NAME="/nonexistent/directory/parley.sqlite3")
    unreachable = load_backend(broken["ENGINE"]).DatabaseWrapper(broken, alias="unreachable")
    monkeypatch.setattr(health, "connections", {"default": unreachable})

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "database": "error: OperationalError",
        "broker": "eager",
        "worker": "not needed",
    }


def test_it_names_the_broker_when_nothing_answers_on_its_port(client, with_broker):
    with_broker(f"redis://127.0.0.1:{closed_port()}/0")
    beat(seconds_ago=5)
    started = time.monotonic()

    response = client.get("/healthz")

    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "broker": "error: OperationalError",
        "worker": "ok",
    }


@pytest.mark.parametrize(
    ("seconds_ago", "status"), [(None, "missing"), (10, "ok"), (119, "ok"), (121, "stale")]
)
def test_the_worker_is_stale_two_minutes_after_its_last_beat(with_broker, seconds_ago, status):
    with_broker(REDIS_BROKER)
    if seconds_ago is not None:
        beat(seconds_ago)
    assert health.worker_status() == status


def test_the_worker_age_limit_is_a_setting(with_broker, settings):
    with_broker(REDIS_BROKER)
    settings.HEALTHZ_WORKER_MAX_AGE = 600
    beat(seconds_ago=300)
    assert health.worker_status() == "ok"


@pytest.mark.redis
def test_a_fresh_heartbeat_on_a_live_broker_is_healthy_and_a_stale_one_is_not(client, with_broker):
    with_broker(REDIS_BROKER)
    beat(seconds_ago=10)
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"database": "ok", "broker": "ok", "worker": "ok"},
    )
    beat(seconds_ago=600)
    response = client.get("/healthz")
    assert (response.status_code, response.json()["worker"]) == (503, "stale")


def test_an_unexpected_failure_is_a_503_not_a_500(client, with_broker, monkeypatch):
    with_broker("nonsense://nowhere")

    def explode():
        raise RuntimeError("surprise")

    monkeypatch.setattr(WorkerHeartbeat, "latest", explode)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error: ")
    assert response.json()["worker"] == "error: RuntimeError"


def test_the_heartbeat_task_records_the_worker_and_forgets_silent_ones():
    WorkerHeartbeat.objects.create(
        worker="celery@gone", at=timezone.now() - datetime.timedelta(days=2)
    )
    heartbeat.apply()
    assert WorkerHeartbeat.objects.get().at > timezone.now() - datetime.timedelta(seconds=5)


def test_beat_sends_the_heartbeat_every_30_seconds():
    entry = app.conf.beat_schedule["heartbeat"]
    assert entry["task"] == heartbeat.name == "ops.tasks.heartbeat"
    assert entry["schedule"] == 30.0


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("parley.example.org,www.example.org", "parley.example.org"),
        (".example.org", "example.org"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_container_probe_sends_a_host_django_accepts(allowed_hosts, host):
    assert probe_host(allowed_hosts) == host


def probe(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ops.healthcheck", url],
        cwd=ROOT,
        env={"ALLOWED_HOSTS": "localhost", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_container_probe_passes_on_200_and_fails_on_503(live_server, with_broker):
    result = probe(f"{live_server.url}/healthz")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"database": "ok"' in result.stdout

    with_broker(f"redis://127.0.0.1:{closed_port()}/0")
    result = probe(f"{live_server.url}/healthz")
    assert result.returncode == 1
    assert result.stdout.startswith("503")

"""Faults with real processes: a worker killed mid-task, a broker stopped while
statements are published. Nothing that was committed may be lost.

Each test runs its own redis-server on a free port, so stopping it disturbs nothing
else, and its own `celery worker` against the PostgreSQL test database.
"""

from __future__ import annotations

import hashlib
import shutil
import signal
import subprocess
import time

import pytest
from django.db import connection

from negotiations import positions
from negotiations.models import PendingRecompute, Position, Stance, TargetType
from tests.factories import ActorFactory, ClaimFactory, IssueFactory, StatementFactory
from tests.test_outbox import closed_port
from tests.workers import Worker, start_worker, tasks_sent_to, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]


class RedisServer:
    """A throwaway redis-server that keeps nothing on disk."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            pytest.fail("needs redis-server on PATH")
        self.port = closed_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: self._answers(), timeout=10)

    def _answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def worker_on(redis_server):
    """Start workers on the throwaway broker; this process's tasks go there too."""
    started: list[Worker] = []

    def start(*extra: str, **env: str) -> Worker:
        started.append(start_worker(redis_server.url, extra=list(extra), **env))
        return started[-1]

    with tasks_sent_to(redis_server.url):
        yield start
        for worker in started:
            worker.stop()


def draft_claim():
    issue, actor = IssueFactory(), ActorFactory()
    return ClaimFactory(
        statement=StatementFactory(negotiation=issue.negotiation, status="draft"),
        subject=actor,
        issue=issue,
        stance=Stance.CONDITIONAL,
    )


def publish(claim) -> None:
    statement = claim.statement
    statement.status = "published"
    statement.save()  # commits: the test is transactional


def positions_equal_a_rebuild() -> bool:
    fields = ("actor_id", "target_type", "target_id", "seq", "claim_id", "stance", "change")
    stored = set(Position.objects.values_list(*fields))
    positions.rebuild()
    return stored == set(Position.objects.values_list(*fields))


def test_a_worker_killed_in_the_middle_of_a_recompute_is_redelivered(worker_on):
    claim = draft_claim()
    key = (claim.subject_id, str(TargetType.ISSUE), claim.issue_id)  # as the task has it
    lock = int.from_bytes(
        hashlib.blake2b(repr(key).encode(), digest_size=8).digest(), "big", signed=True
    )
    first = worker_on(CELERY_VISIBILITY_TIMEOUT="3")
    with connection.cursor() as cursor:
        # Hold the pair's lock (positions._lock), so the task stops inside the recompute.
        cursor.execute("SELECT pg_advisory_lock(%s)", [lock])
        publish(claim)
        wait_for(lambda: _waiting_for_advisory_lock(cursor))
        task_id = _last_task_id(first)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])
    assert not Position.objects.exists()
    assert PendingRecompute.objects.exists()

    second = worker_on(CELERY_VISIBILITY_TIMEOUT="3")
    # The very task the killed worker held is handed to the new one and completes.
    assert task_id
    wait_for(lambda: second.logged(f"recompute_positions[{task_id}] succeeded"), timeout=90)
    assert Position.objects.filter(actor=claim.subject).exists()
    wait_for(lambda: not PendingRecompute.objects.exists())
    assert positions_equal_a_rebuild()


def _waiting_for_advisory_lock(cursor) -> bool:
    cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    return cursor.fetchone()[0] > 0


def _last_task_id(worker: Worker) -> str:
    for line in reversed(worker.lines):
        if "recompute_positions[" in line:
            return line.split("recompute_positions[", 1)[1].split("]", 1)[0]
    return ""


def test_publishing_while_the_broker_is_down_recomputes_once_it_is_back(
    redis_server, worker_on, tmp_path
):
    # Beat keeps its schedule in a file: a temporary one, not the work tree's.
    schedule = str(tmp_path / "celerybeat-schedule")
    worker_on(
        "--beat",
        "--schedule",
        schedule,
        RECOMPUTE_SWEEP_EVERY_SECONDS="1",
        RECOMPUTE_SWEEP_AFTER_SECONDS="1",
    )
    claims = [draft_claim() for _ in range(3)]
    redis_server.stop()
    started = time.monotonic()
    for claim in claims:
        publish(claim)  # succeeds: the outbox keeps the recompute
    assert time.monotonic() - started < 30
    assert PendingRecompute.objects.count() == 3
    assert not Position.objects.exists()

    redis_server.start()
    wait_for(lambda: Position.objects.count() == 3, timeout=90)
    wait_for(lambda: not PendingRecompute.objects.exists())
    assert positions_equal_a_rebuild()

"""A real Celery worker on a real Redis broker keeps positions current and
delivers webhooks, sharing the PostgreSQL test database with this process."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app
from negotiations import webhooks
from negotiations.models import Delivery, DeliveryStatus, Position, Stance, Subscription
from tests.conftest import Receiver
from tests.factories import ActorFactory, ClaimFactory, IssueFactory, StatementFactory

ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/14")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting after {timeout}s")


def _drop_connections() -> None:
    # What Celery itself does after a fork: forget the connection and producer
    # pools made for the old broker (in-process tasks may have made them).
    app._pool = None
    app.amqp._producer_pool = None


class Worker:
    """A `celery worker` process whose log lines are collected as they come."""

    def __init__(self, env: dict[str, str], extra: list[str] | None = None) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
                *("--loglevel", "info", "--without-gossip", "--without-mingle"),
                *(extra if extra is not None else ["--purge"]),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        print("".join(self.lines[-200:]))


@pytest.fixture
def worker():
    """Start `celery worker` against the test database; send this process's tasks to it."""
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
            "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "true",
            "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        }
    )
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    _drop_connections()
    try:
        wait_for(lambda: worker.logged(" ready."), timeout=60)
        yield worker
    finally:
        app.conf.update(saved)
        _drop_connections()
        worker.stop()


def test_publishing_a_statement_recomputes_positions_on_the_worker(worker):
    issue, israel = IssueFactory(), ActorFactory()
    claim = ClaimFactory(
        statement=StatementFactory(negotiation=issue.negotiation, status="draft"),
        subject=israel,
        issue=issue,
        stance=Stance.CONDITIONAL,
    )
    assert not Position.objects.exists()
    statement = claim.statement
    statement.status = "published"
    statement.save()  # commits (transactional test), so the task is sent now
    row = wait_for(lambda: Position.objects.filter(actor=israel).first())
    assert (row.stance, row.claim_id) == (Stance.CONDITIONAL, claim.pk)
    assert worker.logged("negotiations.tasks.recompute_positions[")


def test_the_worker_delivers_a_signed_webhook_and_retries_a_failure(worker):
    receiver = Receiver(statuses=[502])
    try:
        issue, actor = IssueFactory(), ActorFactory()
        subscription = Subscription.objects.create(url=receiver.url)
        for day, stance in ((1, Stance.ACCEPTS), (20, Stance.RESISTS)):
            ClaimFactory(
                statement=StatementFactory(
                    negotiation=issue.negotiation, date_earliest=datetime.date(2024, 8, day)
                ),
                subject=actor,
                issue=issue,
                stance=stance,
            )
        delivery = wait_for(
            lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).first()
        )
    finally:
        receiver.close()
    assert [a.status_code for a in delivery.attempts.all()] == [502, 200]
    last = receiver.requests[-1]
    assert webhooks.verify(
        subscription.secret,
        int(last["headers"]["X-Parley-Timestamp"]),
        last["body"],
        last["headers"]["X-Parley-Signature"],
    )
    assert json.loads(last["body"])["change"] == "reversed"

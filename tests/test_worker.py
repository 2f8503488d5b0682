"""A real Celery worker on a real Redis broker keeps positions current and
delivers webhooks, sharing the PostgreSQL test database with this process."""

from __future__ import annotations

import datetime
import json
import os

import pytest

from negotiations import webhooks
from negotiations.models import Delivery, DeliveryStatus, Position, Stance, Subscription
from tests.conftest import Receiver
from tests.factories import ActorFactory, ClaimFactory, IssueFactory, StatementFactory
from tests.workers import running_worker, wait_for

BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/14")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def worker():
    """A worker on Redis db 14; this process's tasks go there too."""
    with running_worker(
        BROKER_URL, OUTBOUND_ALLOW_PRIVATE_ADDRESSES="true", WEBHOOK_RETRY_BASE_SECONDS="0.2"
    ) as worker:
        yield worker


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

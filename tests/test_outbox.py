"""The recompute outbox: a change is never lost to a broker that is down."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from django.contrib.auth.models import Permission
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.celery import app
from negotiations import positions
from negotiations.models import PendingRecompute, Position, Stance
from negotiations.positions.tasks import sweep_pending_recomputes
from tests.factories import ActorFactory, ClaimFactory, IssueFactory, StatementFactory

pytestmark = pytest.mark.django_db(transaction=True)


def publish_a_claim():
    issue, actor = IssueFactory(), ActorFactory()
    claim = ClaimFactory(
        statement=StatementFactory(negotiation=issue.negotiation, status="draft"),
        subject=actor,
        issue=issue,
        stance=Stance.REJECTS,
    )
    statement = claim.statement
    statement.status = "published"
    statement.save()
    return claim


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def broker_down():
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=f"redis://127.0.0.1:{closed_port()}/0", task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def test_in_process_tasks_empty_the_outbox():
    publish_a_claim()
    assert Position.objects.exists()
    assert not PendingRecompute.objects.exists()


def test_publishing_with_the_broker_down_succeeds_and_the_sweep_catches_up(
    broker_down, caplog, settings
):
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="negotiations.positions.signals"):
        claim = publish_a_claim()
    assert time.monotonic() - started < 10  # the broker is given up on quickly
    assert "wait in the outbox for the sweep" in caplog.text
    assert not Position.objects.exists()
    assert {row.key for row in PendingRecompute.objects.all()} == positions.keys_for_claim(claim)

    settings.RECOMPUTE_SWEEP_AFTER_SECONDS = 0
    sweep_pending_recomputes.apply()
    assert not PendingRecompute.objects.exists()
    assert Position.objects.get().stance == Stance.REJECTS


def test_the_sweep_leaves_fresh_requests_to_their_task(broker_down, settings):
    publish_a_claim()
    settings.RECOMPUTE_SWEEP_AFTER_SECONDS = 3600
    sweep_pending_recomputes.apply()
    assert PendingRecompute.objects.exists()
    assert not Position.objects.exists()


def test_the_api_publishes_with_the_broker_down(broker_down, django_user_model):
    user = django_user_model.objects.create_user("rev", password="pw")
    # A transactional test empties the tables the groups' migration filled.
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["change_statement", "publish_statement"])
    )
    claim = ClaimFactory(statement=StatementFactory(status="in_review"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    response = client.patch(
        f"/api/v1/statements/{claim.statement_id}/",
        {"status": "published", "version": claim.statement.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert PendingRecompute.objects.exists()

"""Position changes reach subscribers, signed, once, with every attempt logged."""

from __future__ import annotations

import contextlib
import datetime
import json

import pytest

from core import http
from negotiations import positions, webhooks
from negotiations.models import Delivery, DeliveryStatus, Stance, Subscription
from tests.conftest import Receiver
from tests.factories import ActorFactory, ClaimFactory, IssueFactory, StatementFactory

pytestmark = pytest.mark.django_db


def hardening(issue, actor, capture=None):
    """Publish an acceptance, then a conditional one: one `hardened` change.

    Without `capture` (django_capture_on_commit_callbacks) nothing runs on commit."""
    for day, stance in ((1, Stance.ACCEPTS), (20, Stance.CONDITIONAL)):
        with capture(execute=True) if capture else contextlib.nullcontext():
            ClaimFactory(
                statement=StatementFactory(
                    negotiation=issue.negotiation, date_earliest=datetime.date(2024, 8, day)
                ),
                subject=actor,
                issue=issue,
                stance=stance,
            )


def test_a_change_is_posted_with_a_valid_signature(
    receiver, allow_loopback, django_capture_on_commit_callbacks
):
    issue, israel = IssueFactory(), ActorFactory(slug="israel")
    subscription = Subscription.objects.create(url=receiver.url, negotiation=issue.negotiation)
    hardening(issue, israel, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert webhooks.verify(
        subscription.secret, int(headers["X-Parley-Timestamp"]), body, headers["X-Parley-Signature"]
    )
    assert not webhooks.verify("wrong", int(headers["X-Parley-Timestamp"]), body, "sha256=0")
    event = json.loads(body)
    assert event["id"] == headers["X-Parley-Event"]
    assert event["change"] == "hardened"
    assert (event["stance"], event["previous_stance"]) == ("conditional", "accepts")
    assert event["actor"]["slug"] == "israel"
    assert event["target"] == {"type": "issue", "id": issue.pk}
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.attempts.all()] == [200]


def test_a_failing_receiver_is_retried_and_every_attempt_is_logged(
    allow_loopback, django_capture_on_commit_callbacks
):
    flaky = Receiver(statuses=[500, 503])
    try:
        issue = IssueFactory()
        Subscription.objects.create(url=flaky.url)
        hardening(issue, ActorFactory(), django_capture_on_commit_callbacks)
    finally:
        flaky.close()
    delivery = Delivery.objects.get()
    assert [(a.status_code, a.error) for a in delivery.attempts.all()] == [
        (500, "HTTP 500"),
        (503, "HTTP 503"),
        (200, ""),
    ]
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(flaky.requests) == 3
    assert len({r["headers"]["X-Parley-Event"] for r in flaky.requests}) == 1


def test_a_delivery_gives_up_after_the_last_attempt(
    allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    down = Receiver(statuses=[500] * 10)
    try:
        Subscription.objects.create(url=down.url)
        hardening(IssueFactory(), ActorFactory(), django_capture_on_commit_callbacks)
    finally:
        down.close()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts.count() == 3


def test_the_same_event_is_delivered_once(
    receiver, allow_loopback, django_capture_on_commit_callbacks
):
    issue, actor = IssueFactory(), ActorFactory()
    Subscription.objects.create(url=receiver.url)
    hardening(issue, actor, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        positions.rebuild()
        events = positions.recompute(positions.all_keys())
        webhooks.enqueue(events)
        # Even an event found again (after a rebuild wiped the rows) is not re-sent.
        row = issue.negotiation and positions.changes(issue.negotiation)[0]
        again = webhooks.enqueue([positions.ChangeEvent(row.pk, positions.event_id(row))])
    assert again == []
    assert len(receiver.requests) == 1


def test_filters_pick_the_subscribers(receiver, allow_loopback, django_capture_on_commit_callbacks):
    issue, actor = IssueFactory(), ActorFactory()
    Subscription.objects.create(url=receiver.url, actor=actor, issue=issue)
    Subscription.objects.create(url=receiver.url + "?other-actor", actor=ActorFactory())
    Subscription.objects.create(url=receiver.url + "?other-issue", issue=IssueFactory())
    Subscription.objects.create(url=receiver.url + "?inactive", active=False)
    hardening(issue, actor, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 1
    assert Delivery.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "non-public address 127.0.0.1"),
        ("http://localhost:9/hook", "non-public address"),
        ("http://10.1.2.3:9/hook", "non-public address 10.1.2.3"),
        ("http://[::1]:9/hook", "non-public address ::1"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.org/", "only http and https"),
        ("http://user:pw@example.org/", "credentials"),
    ],
)
def test_private_addresses_and_other_schemes_are_refused(url, reason):
    with pytest.raises(http.RefusedURL, match=reason):
        http.request("POST", url, body=b"{}", timeout=2)


def test_a_refused_receiver_is_logged_not_raised(settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    Subscription.objects.create(url="http://127.0.0.1:9/hook")
    hardening(IssueFactory(), ActorFactory(), django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "non-public address" in delivery.attempts.get().error


def test_a_change_whose_statement_was_retracted_before_delivery_is_withdrawn(
    receiver, allow_loopback
):
    """Webhooks follow the published record too: a delivery not yet made when its
    statement is retracted is withdrawn, whether or not the recompute has run."""
    issue, actor = IssueFactory(), ActorFactory()
    Subscription.objects.create(url=receiver.url)
    hardening(issue, actor)
    events = positions.recompute(positions.all_keys())
    [delivery_id] = webhooks.enqueue(events)  # enqueued: the task runs on commit
    change = positions.changes(issue.negotiation)[0]
    change.statement.status = "retracted"
    change.statement.retraction_reason = "Misattributed."
    change.statement.save()
    from negotiations.webhooks.tasks import deliver_webhook

    assert deliver_webhook.apply(args=[delivery_id]).get() == DeliveryStatus.WITHDRAWN
    assert Delivery.objects.get().status == DeliveryStatus.WITHDRAWN
    assert receiver.requests == []
    # And a change found after the retraction is not enqueued at all.
    assert webhooks.enqueue(events) == []


def test_the_payload_says_who_contests_the_position(
    receiver, allow_loopback, django_capture_on_commit_callbacks
):
    issue, actor = IssueFactory(), ActorFactory()
    Subscription.objects.create(url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        report = ClaimFactory(
            statement=StatementFactory(
                negotiation=issue.negotiation, date_earliest=datetime.date(2024, 8, 25)
            ),
            subject=actor,
            issue=issue,
            stance=Stance.REJECTS,
            basis="reported",
        )
    hardening(issue, actor, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    event = json.loads(request["body"])
    assert event["contested"] is True
    assert event["contested_by"] == [
        {
            "claim_id": report.pk,
            "statement_id": report.statement_id,
            "speaker": report.statement.speaker.slug,
            "basis": "reported",
            "stance": "rejects",
            "date": "Aug 25, 2024",
        }
    ]

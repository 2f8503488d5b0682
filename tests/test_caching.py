"""Cached page fragments: served until the data version moves, never stale after a write.

These tests commit (transactional_db): a write bumps the version only when its
transaction commits, and inside an open transaction with writes nothing is cached.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from negotiations.models import ParticipantRole, StatementStatus
from tests.factories import (
    ClaimFactory,
    IssueFactory,
    NegotiationFactory,
    ParticipantFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def get(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_timeline_is_served_from_cache_until_a_statement_is_published(client):
    negotiation = NegotiationFactory(slug="talks")
    StatementFactory(negotiation=negotiation, quote="First words.")
    url = reverse("negotiations:timeline", args=["talks"])

    first, cold = get(client, url)
    again, warm = get(client, url)
    assert again == first
    assert warm < cold
    assert "1 statement." in first

    StatementFactory(
        negotiation=negotiation, quote="Second words.", date_earliest=datetime.date(2024, 9, 1)
    )
    after, _ = get(client, url)
    assert "Second words." in after
    assert "2 statements." in after

    StatementFactory(
        negotiation=negotiation, quote="A draft.", status=StatementStatus.DRAFT
    ).delete()
    assert get(client, url)[0] == after


def test_the_issue_lanes_follow_a_new_claim(client):
    issue = IssueFactory()
    party = ParticipantFactory(negotiation=issue.negotiation, role=ParticipantRole.PARTY).actor
    ClaimFactory(statement__negotiation=issue.negotiation, subject=party, issue=issue, stance=-2)
    url = reverse("negotiations:issue", args=[issue.negotiation.slug, issue.slug])

    first, cold = get(client, url)
    again, warm = get(client, url)
    assert again == first
    assert warm < cold
    assert "1 position," in first

    ClaimFactory(
        statement__negotiation=issue.negotiation,
        statement__date_earliest=datetime.date(2024, 9, 1),
        subject=party,
        issue=issue,
        stance=2,
    )
    assert "2 positions," in get(client, url)[0]


def test_an_anonymous_page_is_one_query_when_cached_and_a_signed_in_one_is_not_cached(
    client, admin_user
):
    negotiation = NegotiationFactory(slug="talks")
    StatementFactory(negotiation=negotiation, quote="First words.")
    url = reverse("negotiations:matrix", args=["talks"])
    first, _ = get(client, url)
    again, warm = get(client, url)
    assert (again, warm) == (first, 1)  # the data version, nothing else

    client.force_login(admin_user)
    _, signed_in = get(client, url)
    assert signed_in > 1


def test_an_api_answer_is_kept_after_throttling_and_follows_a_write(client):
    negotiation = NegotiationFactory(slug="talks")
    StatementFactory(negotiation=negotiation, quote="First words.")
    url = "/api/v1/statements/?negotiation=talks"
    first, cold = get(client, url)
    again, warm = get(client, url)
    assert again == first
    assert warm < cold

    StatementFactory(negotiation=negotiation, quote="Second words.")
    after, _ = get(client, url)
    assert "Second words." in after


def test_api_answers_are_kept_per_audience(client, admin_user):
    StatementFactory(quote="A draft.", status=StatementStatus.DRAFT)
    url = "/api/v1/statements/"
    assert "A draft." not in get(client, url)[0]
    client.force_login(admin_user)
    assert "A draft." in get(client, url)[0]
    client.logout()
    assert "A draft." not in get(client, url)[0]

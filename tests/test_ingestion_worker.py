"""A real Celery worker on a real Redis broker fetches an article and extracts its drafts,
sharing the PostgreSQL test database with this process."""

from __future__ import annotations

import datetime
import os

import pytest

from ingestion import services
from ingestion.models import Article, ArticleStatus
from tests.factories import ActorFactory, AffiliationFactory, NegotiationFactory, PersonFactory
from tests.ingestion_support import Pages
from tests.workers import running_worker, wait_for

# Not 14: tests/test_worker.py uses that one, and the two may run side by side.
BROKER_URL = os.environ.get("TEST_INGESTION_BROKER_URL", "redis://127.0.0.1:6379/13")

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def worker():
    with running_worker(BROKER_URL, OUTBOUND_ALLOW_PRIVATE_ADDRESSES="true") as worker:
        yield worker


def test_the_worker_fetches_an_article_and_makes_draft_statements(worker):
    pages = Pages()
    try:
        url = pages.html("/story")
        negotiation = NegotiationFactory()
        united_states = ActorFactory(name="United States", slug="united-states")
        blinken = PersonFactory(name="Antony Blinken", slug="antony-blinken")
        AffiliationFactory(person=blinken, organization=united_states)
        PersonFactory(name="Osama Hamdan", slug="osama-hamdan")
        article, created = services.article_submit(
            negotiation=negotiation,
            url=url,
            published=datetime.date(2024, 8, 21),
            publisher_name="Wire",
        )  # commits (transactional test), so the task is sent now
        assert created
        done = wait_for(
            lambda: (
                Article.objects.filter(pk=article.pk).exclude(status=ArticleStatus.QUEUED).first()
            )
        )
    finally:
        pages.close()
    assert done.status == ArticleStatus.EXTRACTED, done.error
    statements = sorted(
        (c.statement.speaker.slug, c.statement.status) for c in done.candidates.all()
    )
    assert statements == [("antony-blinken", "draft"), ("osama-hamdan", "draft")]
    assert worker.logged("ingestion.tasks.fetch_article[")

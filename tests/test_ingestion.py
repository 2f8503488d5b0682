"""Articles in, draft statements out: submission, deduplication, guarded fetching, review."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from ingestion import services
from ingestion.models import Article, ArticleStatus, Candidate
from negotiations.models import Source, Statement, StatementStatus
from tests.conftest import member
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    IssueFactory,
    NegotiationFactory,
    PersonFactory,
    ProposalFactory,
)
from tests.ingestion_support import Pages

pytestmark = pytest.mark.django_db

PUBLISHED = datetime.date(2024, 8, 21)
TEXT = """US Secretary of State Antony Brinken said on Monday that Israel had accepted the bridging proposal.
"This is maybe the last opportunity," he told reporters.
Hamas rejected the proposal on Tuesday. Israeli officials said little.
"""  # noqa: E501


@pytest.fixture
def pages():
    server = Pages()
    yield server
    server.close()


@pytest.fixture
def gaza():
    negotiation = NegotiationFactory(slug="gaza", title="Gaza talks")
    united_states = ActorFactory(name="United States", slug="united-states")
    ActorFactory(name="Israel", slug="israel")
    hamas = ActorFactory(name="Hamas", slug="hamas", kind="armed_group")
    blinken = PersonFactory(name="Antony Blinken", slug="antony-blinken")
    AffiliationFactory(person=blinken, organization=united_states, role="Secretary of State")
    hamdan = PersonFactory(name="Osama Hamdan", slug="osama-hamdan")
    AffiliationFactory(person=hamdan, organization=hamas)
    ProposalFactory(negotiation=negotiation, title="US bridging proposal", slug="bridging")
    IssueFactory(negotiation=negotiation, title="Philadelphi Corridor", slug="philadelphi")
    return negotiation


def submit(negotiation, **kwargs):
    defaults = {"negotiation": negotiation, "published": PUBLISHED, "publisher_name": "Wire"}
    return services.article_submit(**{**defaults, **kwargs})


# --- Submission and deduplication -------------------------------------------------------------


def test_submitting_the_same_url_twice_gives_one_article(gaza, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first, created = submit(gaza, url="HTTPS://News.Example/story#top")
        again, created_again = submit(gaza, url="https://news.example/story")
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert first.url == "https://news.example/story"
    assert len(callbacks) == 1  # one fetch, not two
    assert Article.objects.count() == 1


def test_submitting_the_same_text_twice_gives_one_article(gaza, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        first, _ = submit(gaza, text="Hamas said  it was ready.\n")
        again, created = submit(gaza, text="  Hamas said it was ready. ")
    assert not created and first.pk == again.pk
    assert len(first.content_hash) == 64


def test_it_refuses_both_or_neither_url_and_text(gaza):
    with pytest.raises(ValidationError, match="either"):
        submit(gaza)
    with pytest.raises(ValidationError, match="either"):
        submit(gaza, url="https://news.example/a", text="Some text.")
    with pytest.raises(ValidationError, match="publisher"):
        submit(gaza, text="Some text.", publisher_name="")


# --- Extraction into drafts -------------------------------------------------------------------


def test_a_pasted_article_becomes_draft_statements_with_their_spans(
    gaza, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article, _ = submit(gaza, text=TEXT, title="Talks", publisher_name="Wire")
    article.refresh_from_db()
    assert article.status == ArticleStatus.EXTRACTED
    candidates = list(Candidate.objects.filter(article=article).for_review())
    speakers = [c.statement.speaker.slug for c in candidates]
    assert speakers == ["antony-blinken", "antony-blinken", "hamas"]
    first = candidates[0]
    assert article.text[first.start : first.end].startswith("US Secretary of State Antony Brinken")
    assert first.misspelt and candidates[1].pronoun
    assert first.stance == 2 and [p.slug for p in first.proposals.all()] == ["bridging"]
    statement = first.statement
    assert statement.status == StatementStatus.DRAFT
    assert statement.on_behalf_of.slug == "united-states"
    assert statement.date_earliest == statement.date_latest == datetime.date(2024, 8, 19)
    assert statement.source == article.source
    assert (statement.source.publisher_name, statement.source.published) == ("Wire", PUBLISHED)
    assert candidates[1].statement.quote == "This is maybe the last opportunity"
    assert not Statement.objects.exclude(status=StatementStatus.DRAFT).exists()


def test_extracting_twice_changes_nothing(gaza, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article, _ = submit(gaza, text=TEXT)
    services.article_extract(article=article)
    from ingestion.tasks import extract_article

    extract_article.apply(args=[article.pk])
    assert Candidate.objects.filter(article=article).count() == 3
    assert Statement.objects.count() == 3
    assert extract_article.apply(args=[10**9]).get() == "gone"


# --- Fetching ---------------------------------------------------------------------------------


def test_it_fetches_a_page_from_a_local_server_and_keeps_the_main_text(
    gaza, pages, allow_loopback, django_capture_on_commit_callbacks
):
    url = pages.html("/story")
    with django_capture_on_commit_callbacks(execute=True):
        article, _ = submit(gaza, url=url)
    article.refresh_from_db()
    assert article.status == ArticleStatus.EXTRACTED, article.error
    assert article.title == "Talks resume in Doha"
    assert "Osama Hamdan told reporters" in article.text
    assert "Copyright" not in article.text and "Politics" not in article.text
    speakers = {c.statement.speaker.slug for c in article.candidates.all()}
    assert speakers == {"antony-blinken", "osama-hamdan"}
    source = Source.objects.get()
    assert (source.url, source.title) == (article.url, "Talks resume in Doha")


def test_it_follows_a_redirect_and_retries_a_busy_server(
    gaza, pages, allow_loopback, django_capture_on_commit_callbacks
):
    pages.html("/final")
    url = pages.add(
        "/busy",
        (503, {"Content-Type": "text/plain"}, b"busy"),
        (302, {"Location": "/final"}, b""),
    )
    with django_capture_on_commit_callbacks(execute=True):
        article, _ = submit(gaza, url=url)
    article.refresh_from_db()
    assert article.status == ArticleStatus.EXTRACTED, article.error
    assert pages.hits == ["/busy", "/busy", "/final"]


def test_a_plain_text_page_is_read_as_is(
    gaza, pages, allow_loopback, django_capture_on_commit_callbacks
):
    url = pages.add("/plain", (200, {"Content-Type": "text/plain"}, TEXT.encode()))
    with django_capture_on_commit_callbacks(execute=True):
        article, _ = submit(gaza, url=url)
    article.refresh_from_db()
    assert article.text == TEXT.strip()
    assert article.candidates.count() == 3


def fetch_and_fail(gaza, url, capture) -> Article:
    with capture(execute=True):
        article, _ = submit(gaza, url=url)
    article.refresh_from_db()
    assert article.status == ArticleStatus.FAILED
    assert not article.candidates.exists()
    return article


def test_it_refuses_a_loopback_address(gaza, pages, django_capture_on_commit_callbacks):
    article = fetch_and_fail(gaza, pages.html("/story"), django_capture_on_commit_callbacks)
    assert "non-public address 127.0.0.1" in article.error
    assert pages.hits == []  # refused before connecting


@pytest.mark.parametrize(
    "url", ["http://10.1.2.3/x", "http://[::1]/x", "http://169.254.169.254/latest/meta-data"]
)
def test_it_refuses_private_addresses(gaza, url, django_capture_on_commit_callbacks):
    article = fetch_and_fail(gaza, url, django_capture_on_commit_callbacks)
    assert "non-public address" in article.error


def test_it_refuses_a_file_url(gaza, django_capture_on_commit_callbacks):
    article = fetch_and_fail(gaza, "file:///etc/passwd", django_capture_on_commit_callbacks)
    assert "only http and https" in article.error


def test_it_refuses_a_page_that_is_too_large(
    gaza, pages, allow_loopback, settings, django_capture_on_commit_callbacks
):
    settings.INGESTION_MAX_BYTES = 500
    article = fetch_and_fail(gaza, pages.html("/big"), django_capture_on_commit_callbacks)
    assert "larger than 500 bytes" in article.error


def test_it_refuses_the_wrong_content_type(
    gaza, pages, allow_loopback, django_capture_on_commit_callbacks
):
    url = pages.add("/doc.pdf", (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7"))
    article = fetch_and_fail(gaza, url, django_capture_on_commit_callbacks)
    assert "application/pdf" in article.error


def test_a_page_with_the_text_of_another_article_is_not_extracted_twice(
    gaza, pages, allow_loopback, django_capture_on_commit_callbacks
):
    url = pages.add("/plain", (200, {"Content-Type": "text/plain"}, TEXT.encode()))
    with django_capture_on_commit_callbacks(execute=True):
        pasted, _ = submit(gaza, text=TEXT)
    article = fetch_and_fail(gaza, url, django_capture_on_commit_callbacks)
    assert f"article #{pasted.pk}" in article.error


# --- Admin ------------------------------------------------------------------------------------


def test_an_editor_submits_a_url_in_the_admin_and_resubmitting_finds_it(
    client, editor, gaza, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    add = reverse("admin:ingestion_article_add")
    page = client.get(add)
    assert page.status_code == 200
    assert b'name="url"' in page.content and b'name="text"' in page.content
    data = {
        "negotiation": gaza.pk,
        "url": "https://news.example/story",
        "publisher_name": "Wire",
        "published": "2024-08-21",
        "language": "en",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(add, data)
        again = client.post(add, data, follow=True)
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:ingestion_article_candidates", args=[article.pk])
    assert "already submitted" in again.content.decode()
    assert len(callbacks) == 1
    assert article.submitted_by == editor


def test_the_submit_form_explains_what_is_missing(client, editor, gaza):
    client.force_login(editor)
    response = client.post(
        reverse("admin:ingestion_article_add"),
        {"negotiation": gaza.pk, "url": "https://a.example/", "text": "Both.", "language": "en"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "either the article" in content
    assert "Name the publisher" in content
    assert "This field is required" in content  # the publication date
    assert not Article.objects.exists()


@pytest.fixture
def extracted(gaza, django_capture_on_commit_callbacks):
    text = TEXT + "Hamdan said <script>alert(1)</script> & more.\n"
    with django_capture_on_commit_callbacks(execute=True):
        article, _ = submit(gaza, text=text)
    return article


def test_the_review_page_marks_each_span_and_escapes_the_text(client, editor, extracted):
    client.force_login(editor)
    response = client.get(reverse("admin:ingestion_article_candidates", args=[extracted.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    for candidate in extracted.candidates.all():
        assert f'<mark id="candidate-{candidate.pk}" class="candidate">' in content
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in content
    assert "css/ingestion.css" in content
    assert ' style="' not in content.split('id="content"')[1]  # no inline CSS in the page body
    assert "Antony Blinken" in content and "“Brinken” (spelt differently)" in content


def test_accept_submits_for_review_but_never_publishes(client, editor, extracted):
    client.force_login(editor)
    candidate = extracted.candidates.order_by("start").first()
    url = reverse("admin:ingestion_candidate_accept", args=[extracted.pk, candidate.pk])
    assert client.get(url).status_code == 405
    stale = client.post(url, {"version": candidate.statement.version - 1}, follow=True)
    assert "Someone saved this statement after you read it" in stale.content.decode()
    response = client.post(url, {"version": candidate.statement.version})
    assert response.status_code == 302
    candidate.statement.refresh_from_db()
    assert candidate.statement.status == StatementStatus.IN_REVIEW
    assert not Statement.objects.filter(status=StatementStatus.PUBLISHED).exists()


def test_the_review_queue_shows_the_passage_a_statement_was_drafted_from(client, editor, extracted):
    candidate = extracted.candidates.order_by("start").first()
    services.candidate_accept(candidate=candidate, user=editor)
    client.force_login(editor)
    page = client.get(reverse("admin:negotiations_statement_review")).content.decode()
    passage = extracted.text[candidate.start : candidate.end]
    assert f'<mark id="candidate-{candidate.pk}" class="candidate">' in page
    assert escape(passage) in page
    candidates = reverse("admin:ingestion_article_candidates", args=[extracted.pk])
    assert f'href="{candidates}#candidate-{candidate.pk}"' in page


def test_discard_deletes_only_a_draft(client, editor, reviewer, extracted):
    first, second = extracted.candidates.order_by("start")[:2]
    client.force_login(editor)
    client.post(
        reverse("admin:ingestion_candidate_discard", args=[extracted.pk, first.pk]),
        {"version": first.statement.version},
    )
    assert not Statement.objects.filter(pk=first.statement_id).exists()
    assert not Candidate.objects.filter(pk=first.pk).exists()
    services.candidate_accept(candidate=second, user=editor)
    response = client.post(
        reverse("admin:ingestion_candidate_discard", args=[extracted.pk, second.pk]),
        {"version": Statement.objects.get(pk=second.statement_id).version},
        follow=True,
    )
    assert "Only a draft can be deleted or discarded" in response.content.decode()
    assert Statement.objects.filter(pk=second.statement_id).exists()


def test_discard_needs_the_permission(django_user_model, extracted):
    outsider = member(django_user_model, "out", None)
    with pytest.raises(PermissionDenied):
        services.candidate_discard(candidate=extracted.candidates.first(), user=outsider)


def test_a_candidate_of_another_article_is_not_found(client, editor, extracted, gaza):
    other, _ = submit(gaza, text="Nothing to see.")
    candidate = extracted.candidates.first()
    client.force_login(editor)
    url = reverse("admin:ingestion_candidate_accept", args=[other.pk, candidate.pk])
    assert client.post(url).status_code == 404


# --- Who may reach the pages ------------------------------------------------------------------


def admin_urls(article) -> list[str]:
    candidate = article.candidates.first()
    return [
        reverse("admin:ingestion_article_add"),
        reverse("admin:ingestion_article_changelist"),
        reverse("admin:ingestion_article_candidates", args=[article.pk]),
    ], [
        reverse("admin:ingestion_candidate_accept", args=[article.pk, candidate.pk]),
        reverse("admin:ingestion_candidate_discard", args=[article.pk, candidate.pk]),
    ]


def test_anonymous_and_non_staff_users_are_sent_to_the_login(client, django_user_model, extracted):
    pages_, actions = admin_urls(extracted)
    for user in (None, member(django_user_model, "public", "editor", staff=False)):
        if user is not None:
            client.force_login(user)
        for url in pages_ + actions:
            response = client.post(url) if url in actions else client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url
    assert Statement.objects.filter(status=StatementStatus.DRAFT).count() == 4


def test_staff_without_the_ingestion_permissions_are_refused(client, django_user_model, extracted):
    client.force_login(member(django_user_model, "staff", None))
    pages_, actions = admin_urls(extracted)
    for url in pages_:
        assert client.get(url).status_code == 403, url
    for url in actions:
        assert client.post(url).status_code == 403, url
    assert Statement.objects.filter(status=StatementStatus.DRAFT).count() == 4

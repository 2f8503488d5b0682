"""Writes of the ingestion workflow: submit an article, fetch it, turn it into drafts.

Nothing here publishes: every statement made from an article is a draft, written and
moved on through ``negotiations.statements.services`` like any other.
"""

from __future__ import annotations

import datetime
import hashlib
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from actors.models import Actor
from ingestion import extraction
from ingestion.models import Article, ArticleStatus, Candidate
from negotiations.models import Source, Statement, StatementStatus
from negotiations.statements import services


def normalise_url(url: str) -> str:
    """Return the form of an address that decides whether two submissions are the same."""
    parts = urlsplit(url.strip())
    netloc = (parts.hostname or "").lower()
    if ":" in netloc:
        netloc = f"[{netloc}]"  # an IPv6 address keeps its brackets
    if parts.port and parts.port != {"http": 80, "https": 443}.get(parts.scheme.lower()):
        netloc += f":{parts.port}"
    # The fragment never reaches the server.
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def content_hash(text: str) -> str:
    """Return the SHA-256 of the text with its whitespace normalised."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def _existing(*, url: str, digest: str) -> Article | None:
    if url:
        return Article.objects.filter(url=url).first()
    return Article.objects.filter(content_hash=digest).first()


def article_submit(
    *,
    negotiation,
    published: datetime.date,
    url: str = "",
    text: str = "",
    title: str = "",
    publisher: Actor | None = None,
    publisher_name: str = "",
    language: str = "en",
    user=None,
) -> tuple[Article, bool]:
    """Return (article, created): the article for this address or text, made if new.

    A new article is fetched (address) or read (text) by a Celery task after commit.
    """
    url = normalise_url(url) if url.strip() else ""
    text = text.strip()
    if bool(url) == bool(text):
        raise ValidationError("Give either the article's address or its text.", code="url_or_text")
    if publisher is None and not publisher_name.strip():
        raise ValidationError("Name the publisher, or choose it as an actor.", code="no_publisher")
    digest = content_hash(text) if text else ""
    existing = _existing(url=url, digest=digest)
    if existing is not None:
        return existing, False
    try:
        # A savepoint: a concurrent submission of the same article loses the race here.
        with transaction.atomic():
            article = Article.objects.create(
                url=url,
                text=text,
                content_hash=digest,
                title=title.strip(),
                publisher=publisher,
                publisher_name=publisher_name.strip(),
                published=published,
                language=language.strip() or "en",
                negotiation=negotiation,
                submitted_by=user if user is not None and user.is_authenticated else None,
            )
    except IntegrityError:
        existing = _existing(url=url, digest=digest)
        if existing is None:
            raise
        return existing, False
    from ingestion.tasks import extract_article, fetch_article

    task = fetch_article if url else extract_article
    transaction.on_commit(lambda: task.delay(article.pk))
    return article, True


def article_fetch(*, article: Article) -> Article:
    """Fetch a queued article's text, then extract its candidates. Safe to run twice.

    Network errors propagate (the task retries them); a refused URL fails the article.
    The request runs outside any transaction, so no row stays locked while it waits.
    """
    from ingestion.fetching import RefusedURL, fetch

    if article.status != ArticleStatus.QUEUED or article.text:
        return article_extract(article=article)
    try:
        fetched = fetch(article.url)
    except RefusedURL as error:
        return article_fail(article_id=article.pk, reason=f"Not fetched: {error}.")
    digest = content_hash(fetched.text)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if article.status != ArticleStatus.QUEUED or article.text:
            return article  # another run got there first
        twin = Article.objects.filter(content_hash=digest).exclude(pk=article.pk).first()
        if twin is not None:
            return article_fail(
                article_id=article.pk,
                reason=f"The page has the same text as article #{twin.pk}; review that one.",
            )
        article.text = fetched.text
        article.content_hash = digest
        article.title = article.title or fetched.title or article.url
        article.save(update_fields=["text", "content_hash", "title", "updated_at"])
        return article_extract(article=article)


def article_fail(*, article_id: int, reason: str) -> Article | None:
    """Mark a queued article failed, saying why."""
    Article.objects.filter(pk=article_id, status=ArticleStatus.QUEUED).update(
        status=ArticleStatus.FAILED, error=reason[:2000]
    )
    return Article.objects.filter(pk=article_id).first()


def known_actors(*, on: datetime.date) -> list[extraction.KnownActor]:
    """Return every actor with its aliases, and whom each person spoke for on ``on``."""
    actors = Actor.objects.prefetch_related("aliases", "affiliations")
    known = []
    for actor in actors:
        organizations = {
            aff.organization_id
            for aff in actor.affiliations.all()
            if (aff.start is None or aff.start <= on) and (aff.end is None or aff.end >= on)
        }
        known.append(
            extraction.KnownActor(
                key=actor.pk,
                name=actor.name,
                aliases=tuple(alias.name for alias in actor.aliases.all()),
                is_person=actor.is_person,
                speaks_for=next(iter(organizations)) if len(organizations) == 1 else None,
            )
        )
    return known


def known_targets(*, negotiation) -> list[extraction.KnownTarget]:
    targets = [
        extraction.KnownTarget("issue", issue.pk, (issue.title, issue.slug))
        for issue in negotiation.issues.all()
    ]
    targets += [
        extraction.KnownTarget("proposal", proposal.pk, (proposal.title, proposal.slug))
        for proposal in negotiation.proposals.all()
    ]
    return targets


def _source_for(article: Article) -> Source:
    if article.source_id:
        return article.source
    defaults = {
        "title": article.title or article.url or f"Article #{article.pk}",
        "publisher": article.publisher,
        "publisher_name": article.publisher_name,
        "published": article.published,
        "language": article.language,
        "content_hash": article.content_hash,
    }
    if article.url:
        source, _ = Source.objects.get_or_create(url=article.url, defaults=defaults)
    else:
        source = Source.objects.create(**defaults)
    article.source = source
    return source


@transaction.atomic
def article_extract(*, article: Article) -> Article:
    """Turn a queued article's text into draft statements with their spans. Safe to run twice."""
    # Lock the row: two workers given the same article must not both extract it.
    article = Article.objects.select_for_update().select_related("negotiation").get(pk=article.pk)
    if article.status != ArticleStatus.QUEUED:
        return article
    findings = extraction.extract(
        article.text,
        actors=known_actors(on=article.published),
        published=article.published,
        targets=known_targets(negotiation=article.negotiation),
    )
    source = _source_for(article)
    speakers = Actor.objects.in_bulk({finding.speaker for finding in findings})
    refused = []
    for finding in findings:
        statement = Statement(
            negotiation=article.negotiation,
            speaker=speakers[finding.speaker],
            date_earliest=finding.date.earliest,
            date_latest=finding.date.latest,
            source=source,
            quote=finding.quote,
            quote_language=article.language if finding.quote else "",
            summary=finding.text[:2000],
            status=StatementStatus.DRAFT,
        )
        try:
            # A savepoint: a refused passage leaves the others and the article as they are.
            with transaction.atomic():
                services.statement_save(statement, user=None)
        except services.Refused as error:
            refused.append(f"“{finding.text[:80]}”: {' '.join(error.messages)}")
            continue
        candidate = Candidate.objects.create(
            article=article,
            statement=statement,
            start=finding.start,
            end=finding.end,
            speaker_text=finding.speaker_text[:200],
            date_text=finding.date_text[:100],
            stance=finding.stance,
            pronoun=finding.pronoun,
            misspelt=finding.misspelt,
        )
        candidate.issues.set(finding.issues)
        candidate.proposals.set(finding.proposals)
    article.status = ArticleStatus.EXTRACTED
    # What the rules refused is said, not dropped: e.g. a passage already in the record.
    article.error = (f"Not drafted ({len(refused)}): " + " ".join(refused) if refused else "")[
        :2000
    ]
    article.save(update_fields=["status", "error", "source", "updated_at"])
    return article


def candidate_accept(*, candidate: Candidate, user, version: int | None = None) -> Statement:
    """Submit the candidate's draft statement for review (reviewers then publish it).

    `version` is the statement's version the user saw (a move from an older page is refused).
    """
    return services.statement_transition(
        statement=candidate.statement, to=StatementStatus.IN_REVIEW, user=user, version=version
    )


def candidate_discard(*, candidate: Candidate, user, version: int | None = None) -> None:
    """Delete the candidate's statement, which must still be a draft (the candidate goes too).

    `version` is the statement's version the user saw."""
    services.statement_delete(
        statement=candidate.statement,
        user=user,
        version=version,
        permission="ingestion.delete_candidate",
    )

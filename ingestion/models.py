"""Articles submitted for ingestion, and the spans of their text that became draft statements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from actors.models import Actor
from negotiations.models import Issue, Negotiation, Proposal, Source, Stance, Statement


class ArticleStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    EXTRACTED = "extracted", "Candidates extracted"
    FAILED = "failed", "Failed"


class Article(models.Model):
    url = models.URLField(
        "URL",
        max_length=1000,
        blank=True,
        help_text="The article's address; leave empty when you paste the text.",
    )
    title = models.CharField(max_length=500, blank=True, help_text="Taken from the page if empty.")
    # PROTECT: a publisher with articles on the record stays.
    publisher = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ingested_articles",
        help_text="The outlet, if it is an actor here.",
    )
    publisher_name = models.CharField(
        max_length=200, blank=True, help_text="The outlet's name when it is not an actor."
    )
    published = models.DateField(help_text="Publication date; “on Monday” is read from it.")
    language = models.CharField(max_length=20, default="en", help_text="E.g. en, ar, he.")
    # PROTECT: the candidates' statements belong to this negotiation.
    negotiation = models.ForeignKey(
        Negotiation,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The negotiation the statements found in it belong to.",
    )
    text = models.TextField(blank=True, help_text="The main text, pasted or extracted.")
    content_hash = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the normalised text."
    )
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.QUEUED
    )
    error = models.TextField(blank=True, help_text="Why fetching or extraction failed.")
    # PROTECT: the source its statements cite is part of the record.
    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        editable=False,
    )
    # SET_NULL: an account may go; the article stays.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_articles",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Submitting the same address or the same text twice gives one article.
            models.UniqueConstraint(
                fields=["url"], condition=~Q(url=""), name="article_url_unique"
            ),
            models.UniqueConstraint(
                fields=["content_hash"],
                condition=~Q(content_hash=""),
                name="article_content_hash_unique",
            ),
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(text=""), name="article_has_url_or_text"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ArticleStatus.values), name="article_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url or f"Article #{self.pk}"

    @property
    def publisher_display(self) -> str:
        return self.publisher.name if self.publisher_id else self.publisher_name


class CandidateQuerySet(models.QuerySet):
    def for_review(self) -> CandidateQuerySet:
        """Fetch what the review page shows for each candidate, in reading order."""
        return (
            self.select_related("statement__speaker", "statement__on_behalf_of")
            .prefetch_related("issues", "proposals")
            .order_by("start", "pk")
        )


class Candidate(models.Model):
    """The span of an article's text that a draft statement was read from."""

    # A candidate is a note on its article and goes with it.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="candidates")
    # Discarding the draft statement discards the candidate with it.
    statement = models.OneToOneField(
        Statement, on_delete=models.CASCADE, related_name="ingestion_candidate"
    )
    start = models.PositiveIntegerField(help_text="Offset of the span's first character.")
    end = models.PositiveIntegerField(help_text="Offset just past the span's last character.")
    speaker_text = models.CharField(
        max_length=200, blank=True, help_text="The speaker as the text names them."
    )
    date_text = models.CharField(
        max_length=100, blank=True, help_text="The phrase the date was read from, if any."
    )
    stance = models.SmallIntegerField(
        choices=Stance.choices, null=True, blank=True, help_text="Proposed only for clear cues."
    )
    pronoun = models.BooleanField(default=False, help_text="The speaker was read from he/she.")
    misspelt = models.BooleanField(
        default=False, help_text="The speaker's name matched only approximately."
    )
    issues = models.ManyToManyField(Issue, blank=True, related_name="ingestion_candidates")
    proposals = models.ManyToManyField(Proposal, blank=True, related_name="ingestion_candidates")

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="candidate_span_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article}: {self.start}–{self.end}"

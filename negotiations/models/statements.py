"""Who said what, when, and where it was published; and how each statement is coded."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from actors.models import Actor
from core.dates import FuzzyDate
from negotiations.models.base import fuzzy_date_is_ordered, one_of
from negotiations.models.table import Demand, Issue, Negotiation, Proposal, Provision


class Source(models.Model):
    url = models.URLField("URL", max_length=1000, blank=True)
    title = models.CharField(max_length=500)
    # PROTECT: a publisher with sources on the record stays.
    publisher = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_sources",
        help_text="The outlet or body that published it, if it is an actor here.",
    )
    publisher_name = models.CharField(
        max_length=200, blank=True, help_text="The publisher's name when it is not an actor."
    )
    published = models.DateField(
        null=True, blank=True, help_text="Publication date; relative dates are read from it."
    )
    language = models.CharField(max_length=20, blank=True, help_text="E.g. en, ar, he.")
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the text as fetched."
    )
    archive_url = models.URLField("archived copy", max_length=1000, blank=True)

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="source_url_unique"),
            models.CheckConstraint(
                condition=Q(publisher__isnull=False) | ~Q(publisher_name=""),
                name="source_has_publisher",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher_display}: {self.title}"

    @property
    def publisher_display(self) -> str:
        return self.publisher.name if self.publisher_id else self.publisher_name

    def clean(self) -> None:
        if self.publisher_id is None and not self.publisher_name:
            raise ValidationError(
                {"publisher_name": "Name the publisher, or choose it as an actor."},
                code="no_publisher",
            )


class StatementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    RETRACTED = "retracted", "Retracted"


class StatementQuerySet(models.QuerySet):
    def published(self) -> StatementQuerySet:
        return self.filter(status=StatementStatus.PUBLISHED)

    def chronological(self) -> StatementQuerySet:
        return self.order_by("date_earliest", "date_latest", "pk")

    def for_display(self) -> StatementQuerySet:
        """Fetch what a statement row shows: people, source, and claims with their targets."""
        claims = Claim.objects.with_targets().order_by("pk")
        return self.select_related(
            "negotiation", "speaker", "on_behalf_of", "source__publisher"
        ).prefetch_related(models.Prefetch("claims", queryset=claims))


class Statement(models.Model):
    # PROTECT on every link below: a published statement is the public record,
    # and nothing it points at may disappear from under it.
    negotiation = models.ForeignKey(
        Negotiation, on_delete=models.PROTECT, related_name="statements"
    )
    speaker = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="statements",
        help_text="Who spoke or wrote it.",
    )
    on_behalf_of = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements_on_behalf",
        help_text="Filled from the speaker's role on the date when left empty.",
    )
    date_earliest = models.DateField()
    date_latest = models.DateField()
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="statements")
    quote = models.TextField(blank=True, help_text="The words as published, in their language.")
    quote_language = models.CharField(
        max_length=20, blank=True, help_text="Language of the quote: en, ar, he…"
    )
    translation = models.TextField(
        "English translation", blank=True, help_text="Only when the quote is not in English."
    )
    summary = models.TextField(blank=True, help_text="What was said, in a sentence or two.")
    status = models.CharField(
        max_length=20, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    retraction_reason = models.TextField(
        blank=True, help_text="Why the statement was retracted; shown with it."
    )
    # Optimistic locking: a save that started from an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date_earliest", "date_latest", "pk"]
        permissions = [("publish_statement", "Can publish and retract statements")]
        constraints = [
            fuzzy_date_is_ordered("date"),
            one_of("status", StatementStatus),
            models.CheckConstraint(
                condition=~Q(quote="") | ~Q(summary=""), name="statement_has_content"
            ),
            models.CheckConstraint(
                condition=~Q(status="retracted") | ~Q(retraction_reason=""),
                name="statement_retraction_has_reason",
            ),
        ]
        indexes = [
            # Timeline: statements of a negotiation by date.
            models.Index(
                fields=["negotiation", "date_earliest", "id"], name="statement_negotiation_date"
            ),
            # The published timeline of a negotiation, a page at a time, in its order.
            models.Index(
                fields=["negotiation", "date_earliest", "date_latest", "id"],
                condition=Q(status="published"),
                name="statement_published_timeline",
            ),
            # A speaker's statements by date (actor page, duplicate check).
            models.Index(fields=["speaker", "date_earliest"], name="statement_speaker_date"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker}, {self.date}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version += 1
        super().save(*args, **kwargs)

    @property
    def date(self) -> FuzzyDate:
        return FuzzyDate(self.date_earliest, self.date_latest)

    @date.setter
    def date(self, value: FuzzyDate) -> None:
        self.date_earliest, self.date_latest = value.earliest, value.latest


class Stance(models.IntegerChoices):
    """Ordinal, so that movement between two positions has a direction."""

    REJECTS = -2, "rejects"
    RESISTS = -1, "resists"
    AMBIGUOUS = 0, "ambiguous"
    CONDITIONAL = 1, "conditional"
    ACCEPTS = 2, "accepts"


class Basis(models.TextChoices):
    OWN = "own", "own (the subject's representative speaks)"
    ATTRIBUTED = "attributed", "attributed (another actor says so)"
    ANONYMOUS = "anonymous", "anonymous (unnamed officials)"
    REPORTED = "reported", "reported (media report)"


TARGET_FIELDS = ("proposal", "provision", "demand", "issue")


def _exactly_one_target() -> Q:
    condition = Q()
    for chosen in TARGET_FIELDS:
        condition |= Q(
            **{f"{name}__isnull": name != chosen for name in TARGET_FIELDS},
        )
    return condition


class ClaimQuerySet(models.QuerySet):
    def published(self) -> ClaimQuerySet:
        return self.filter(statement__status=StatementStatus.PUBLISHED)

    def with_targets(self) -> ClaimQuerySet:
        """Fetch the subject and whichever target each claim has, in the same query."""
        return self.select_related(
            "subject", "issue", "demand__actor", "proposal", "provision__proposal"
        )


class Claim(models.Model):
    # A claim is one coding of its statement and lives and dies with it.
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="claims")
    # PROTECT on the subject and the targets: positions rest on them.
    subject = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="Whose position this is.",
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    provision = models.ForeignKey(
        Provision, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    demand = models.ForeignKey(
        Demand,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="Raising a demand is a claim on the demand.",
    )
    issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    stance = models.SmallIntegerField(choices=Stance.choices)
    basis = models.CharField(
        max_length=20,
        choices=Basis.choices,
        default=Basis.OWN,
        help_text="Own: the subject speaks for itself. Otherwise someone else says so.",
    )

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["statement", "pk"]
        constraints = [
            models.CheckConstraint(condition=_exactly_one_target(), name="claim_one_target"),
            one_of("stance", Stance),
            one_of("basis", Basis),
        ]
        # Claims of subject A on target T by date: each index narrows to the few
        # claims of one (subject, target) pair; their statements give the order.
        indexes = [
            models.Index(
                fields=["subject", name],
                condition=Q(**{f"{name}__isnull": False}),
                name=f"claim_subject_{name}",
            )
            for name in TARGET_FIELDS
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.get_stance_display()} {self.target}"

    @property
    def target(self) -> Proposal | Provision | Demand | Issue | None:
        for name in TARGET_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None

    @property
    def target_type(self) -> str:
        return next((n for n in TARGET_FIELDS if getattr(self, f"{n}_id") is not None), "")

    @property
    def target_id(self) -> int | None:
        return getattr(self, f"{self.target_type}_id") if self.target_type else None

    def target_negotiation_id(self) -> int | None:
        from negotiations import targets  # the map of target kinds imports the models

        target = self.target
        return None if target is None else targets.negotiation_id(target)

    def clean(self) -> None:
        chosen = [name for name in TARGET_FIELDS if getattr(self, f"{name}_id") is not None]
        if len(chosen) != 1:
            raise ValidationError(
                "Choose exactly one target: a proposal, a provision, a demand or an issue.",
                code="one_target",
            )
        # In an admin inline the statement may not be saved yet: use the object.
        statement = self._state.fields_cache.get("statement")
        if statement is None and self.statement_id:
            statement = self.statement
        if statement is not None and self.target_negotiation_id() != statement.negotiation_id:
            raise ValidationError(
                {chosen[0]: "This target belongs to another negotiation than the statement."},
                code="other_negotiation",
            )

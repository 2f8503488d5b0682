"""Negotiations, what is on the table, and who said what about it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from actors.models import Actor
from negotiations.dates import FuzzyDate


def _fuzzy_date_is_ordered(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}_latest__gte": F(f"{prefix}_earliest")}),
        name="%(class)s_" + f"{prefix}_ordered",
    )


def _one_of(field: str, choices: type[models.Choices]) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name="%(class)s_" + f"{field}_valid"
    )


class Negotiation(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, help_text="Used in addresses.")
    summary = models.TextField(blank=True)
    start = models.DateField(help_text="When the talks began.")
    end = models.DateField(null=True, blank=True, help_text="Leave empty while talks go on.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="negotiation_start_before_end",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("negotiations:detail", args=[self.slug])


class ParticipantRole(models.TextChoices):
    PARTY = "party", "Party"
    MEDIATOR = "mediator", "Mediator"
    GUARANTOR = "guarantor", "Guarantor"
    OBSERVER = "observer", "Observer"


class Participant(models.Model):
    negotiation = models.ForeignKey(
        Negotiation, on_delete=models.CASCADE, related_name="participants"
    )
    # PROTECT: an actor on the record of a negotiation stays.
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=20, choices=ParticipantRole.choices)
    side = models.CharField(
        max_length=100,
        blank=True,
        help_text="For parties: the side of the table, e.g. “Israel” or “Palestinian "
        "factions”. Parties with the same side are counted together.",
    )

    class Meta:
        ordering = ["negotiation", "role", "actor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["negotiation", "actor"], name="participant_once_per_negotiation"
            ),
            _one_of("role", ParticipantRole),
        ]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()})"


class Issue(models.Model):
    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="issues")
    title = models.CharField(max_length=200, help_text="E.g. “Philadelphi Corridor”.")
    slug = models.SlugField(max_length=200)
    # PROTECT: a sub-issue outlives a careless delete of its parent.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The broader issue this one is part of, if any.",
    )
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(
        default=0, help_text="Position in lists; lower comes first."
    )

    class Meta:
        ordering = ["negotiation", "order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "slug"], name="issue_slug_unique"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="issue_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("negotiations:issue", args=[self.negotiation.slug, self.slug])


class Proposal(models.Model):
    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    # PROTECT: who tabled a text is part of the record.
    proposed_by = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        help_text="Who put the text on the table.",
    )
    presented_earliest = models.DateField()
    presented_latest = models.DateField()
    # PROTECT: the lineage of texts is part of the record.
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text="The earlier version this text replaces.",
    )
    summary = models.TextField(blank=True)
    document_url = models.URLField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["negotiation", "presented_earliest", "title"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "slug"], name="proposal_slug_unique"),
            models.CheckConstraint(
                condition=~Q(supersedes=F("pk")), name="proposal_not_superseding_itself"
            ),
            _fuzzy_date_is_ordered("presented"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("negotiations:proposal", args=[self.negotiation.slug, self.slug])

    @property
    def presented(self) -> FuzzyDate:
        return FuzzyDate(self.presented_earliest, self.presented_latest)

    @presented.setter
    def presented(self, value: FuzzyDate) -> None:
        self.presented_earliest, self.presented_latest = value.earliest, value.latest

    def lineage(self) -> list[Proposal]:
        """Return this proposal and the versions it supersedes, newest first."""
        chain, seen, current = [], set(), self
        while current is not None and current.pk not in seen:
            chain.append(current)
            seen.add(current.pk)
            current = current.supersedes
        return chain

    def clean(self) -> None:
        if self.supersedes_id is None:
            return
        if self.supersedes.negotiation_id != self.negotiation_id:
            raise ValidationError(
                {"supersedes": "A proposal can only supersede one in the same negotiation."},
                code="other_negotiation",
            )
        if self.pk is not None and self.pk in {p.pk for p in self.supersedes.lineage()}:
            raise ValidationError(
                {"supersedes": "This would make the proposal supersede itself."},
                code="supersedes_cycle",
            )


class Provision(models.Model):
    # A clause is part of its proposal's text.
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="provisions")
    phase = models.PositiveSmallIntegerField(
        default=1, help_text="The phase of the proposal; 1 when it has no phases."
    )
    order = models.PositiveSmallIntegerField(default=0, help_text="Order within the phase.")
    text = models.TextField(help_text="The clause, in your own words unless quoting.")
    # PROTECT: an issue that clauses address stays.
    issue = models.ForeignKey(
        Issue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provisions",
        help_text="The issue this clause addresses.",
    )

    class Meta:
        ordering = ["proposal", "phase", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "phase", "order"], name="provision_order_unique"
            ),
            models.CheckConstraint(condition=Q(phase__gte=1), name="provision_phase_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · phase {self.phase}.{self.order}"

    def clean(self) -> None:
        if (
            self.issue_id
            and self.proposal_id
            and self.issue.negotiation_id != self.proposal.negotiation_id
        ):
            raise ValidationError(
                {"issue": "The issue belongs to another negotiation."}, code="other_negotiation"
            )


class Demand(models.Model):
    # PROTECT: who raised a demand is part of the record.
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="demands")
    # PROTECT: a demand stays with its issue.
    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="demands")
    text = models.CharField(
        max_length=500,
        help_text="The position as one sentence, e.g. “Israeli troops stay in the "
        "Philadelphi Corridor.”",
    )

    class Meta:
        ordering = ["issue", "actor__name"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "issue", "text"], name="demand_unique")
        ]

    def __str__(self) -> str:
        return f"{self.actor}: {self.text}"


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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = ["date_earliest", "date_latest", "pk"]
        constraints = [
            _fuzzy_date_is_ordered("date"),
            _one_of("status", StatementStatus),
            models.CheckConstraint(
                condition=~Q(quote="") | ~Q(summary=""), name="statement_has_content"
            ),
        ]
        indexes = [
            # Timeline: statements of a negotiation by date.
            models.Index(
                fields=["negotiation", "date_earliest", "id"], name="statement_negotiation_date"
            ),
            # A speaker's statements by date (actor page, duplicate check).
            models.Index(fields=["speaker", "date_earliest"], name="statement_speaker_date"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker}, {self.date}"

    @property
    def date(self) -> FuzzyDate:
        return FuzzyDate(self.date_earliest, self.date_latest)

    @date.setter
    def date(self, value: FuzzyDate) -> None:
        self.date_earliest, self.date_latest = value.earliest, value.latest

    @property
    def is_public(self) -> bool:
        return self.status == StatementStatus.PUBLISHED


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

    class Meta:
        ordering = ["statement", "pk"]
        constraints = [
            models.CheckConstraint(condition=_exactly_one_target(), name="claim_one_target"),
            _one_of("stance", Stance),
            _one_of("basis", Basis),
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

    def target_negotiation_id(self) -> int | None:
        target = self.target
        if target is None:
            return None
        if isinstance(target, Provision):
            return target.proposal.negotiation_id
        if isinstance(target, Demand):
            return target.issue.negotiation_id
        return target.negotiation_id

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

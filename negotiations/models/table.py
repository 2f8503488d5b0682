"""What is on the table: negotiations, their parties, issues, proposals and demands."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from actors.models import Actor
from core.dates import FuzzyDate, check_window
from negotiations.models.base import fuzzy_date_is_ordered, one_of


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

    @classmethod
    def sole_pk(cls) -> int | None:
        """The id of the only negotiation, if there is just one: forms preselect it."""
        first_two = list(cls.objects.values_list("pk", flat=True)[:2])
        return first_two[0] if len(first_two) == 1 else None


def refuse_move(obj: models.Model, related: list[str]) -> None:
    """Refuse to move an issue or proposal to another negotiation while rows point at it:
    claims, provisions and demands would then cross negotiations."""
    if obj.pk is None:
        return
    before = type(obj).objects.filter(pk=obj.pk).values_list("negotiation", flat=True).first()
    if before is None or before == obj.negotiation_id:
        return
    used = [
        str(getattr(obj, name).model._meta.verbose_name_plural)
        for name in related
        if getattr(obj, name).exists()
    ]
    if used:
        message = "It cannot move to another negotiation: %(used)s of this one point at it."
        raise ValidationError(
            {
                "negotiation": ValidationError(
                    message, code="other_negotiation", params={"used": ", ".join(used)}
                )
            }
        )


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
            one_of("role", ParticipantRole),
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

    def clean(self) -> None:
        if self.parent_id and self.parent.negotiation_id != self.negotiation_id:
            raise ValidationError(
                {"parent": "The broader issue belongs to another negotiation."},
                code="other_negotiation",
            )
        refuse_move(self, ["claims", "provisions", "demands", "children"])


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

    history = HistoricalRecords()

    class Meta:
        ordering = ["negotiation", "presented_earliest", "title"]
        constraints = [
            models.UniqueConstraint(fields=["negotiation", "slug"], name="proposal_slug_unique"),
            models.CheckConstraint(
                condition=~Q(supersedes=F("pk")), name="proposal_not_superseding_itself"
            ),
            fuzzy_date_is_ordered("presented"),
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
        refuse_move(self, ["claims", "provisions", "superseded_by"])
        if self.presented_earliest and self.presented_latest:
            problem = check_window(self.presented_earliest, self.presented_latest)
            if problem:
                raise ValidationError({"presented_earliest": problem}, code="out_of_range")
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

    history = HistoricalRecords()

    class Meta:
        ordering = ["issue", "actor__name"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "issue", "text"], name="demand_unique")
        ]

    def __str__(self) -> str:
        return f"{self.actor}: {self.text}"

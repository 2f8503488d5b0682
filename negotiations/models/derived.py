"""Derived data: a cache of the published claims, never a second truth."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from actors.models import Actor
from core.dates import FuzzyDate
from negotiations.models.base import fuzzy_date_is_ordered
from negotiations.models.statements import Basis, Claim, Stance, Statement, StatementStatus
from negotiations.models.table import Negotiation


class TargetType(models.TextChoices):
    """What a position is about. `issue` positions roll up claims on provisions and
    proposals that address the issue (see negotiations.positions)."""

    ISSUE = "issue", "issue"
    PROPOSAL = "proposal", "proposal"
    PROVISION = "provision", "provision"
    DEMAND = "demand", "demand"


class ChangeKind(models.TextChoices):
    HARDENED = "hardened", "hardened"
    SOFTENED = "softened", "softened"
    REVERSED = "reversed", "reversed"
    NEW_DEMAND = "new_demand", "new demand"
    DROPPED = "dropped", "dropped"


class PositionQuerySet(models.QuerySet):
    def for_target(self, actor_id: int, target_type: str, target_id: int) -> PositionQuerySet:
        return self.filter(actor_id=actor_id, target_type=target_type, target_id=target_id)

    def changes(self) -> PositionQuerySet:
        return self.exclude(change="")

    def published(self) -> PositionQuerySet:
        """Leave out positions whose statement is no longer published.

        Positions are derived from published claims only, but the recompute
        after a retraction runs later (or, with the broker down, much later):
        every read goes through this filter, so a retraction shows at once.
        """
        return self.filter(statement__status=StatementStatus.PUBLISHED)


class Position(models.Model):
    """One step in an actor's position history on one target.

    Derived data: a cache of the published claims, rewritten by
    negotiations.positions and rebuilt from scratch by `manage.py rebuild_positions`.
    Never edit by hand.
    """

    # CASCADE throughout: a cache row goes with whatever it was derived from.
    negotiation = models.ForeignKey(Negotiation, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="positions")
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    seq = models.PositiveIntegerField(help_text="Order within the actor's history on the target.")
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="+")
    date_earliest = models.DateField()
    date_latest = models.DateField()
    stance = models.SmallIntegerField(choices=Stance.choices)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    previous_stance = models.SmallIntegerField(choices=Stance.choices, null=True, blank=True)
    change = models.CharField(max_length=20, choices=ChangeKind.choices, blank=True)
    # The claims that disagreed while this position stood (see negotiations.positions),
    # as ids in date order: a list rather than a join table, so that a rebuild can
    # COPY positions without first learning their ids. Reads fetch the claims.
    contesting_claim_ids = models.JSONField(
        default=list, blank=True, help_text="Claims that disputed this position while it stood."
    )

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["actor", "target_type", "target_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "target_type", "target_id", "claim"], name="position_once"
            ),
            models.UniqueConstraint(
                fields=["actor", "target_type", "target_id", "seq"], name="position_seq_unique"
            ),
            fuzzy_date_is_ordered("date"),
        ]
        indexes = [
            # history(actor, target) and position(actor, target, as_of).
            models.Index(
                fields=["actor", "target_type", "target_id", "date_latest"],
                name="position_history",
            ),
            # latest_positions(negotiation, as_of), behind the positions and matrix
            # endpoints and pages: the pairs of a negotiation by a loose index scan, and
            # the newest row of each on or before a date in one descent.
            models.Index(
                fields=["negotiation", "actor", "target_type", "target_id", "date_latest", "seq"],
                name="position_latest",
            ),
            # matrix(negotiation, as_of): every issue position of a negotiation by date.
            models.Index(
                fields=["negotiation", "target_type", "date_latest"], name="position_matrix"
            ),
            # changes(negotiation, since, until).
            models.Index(
                fields=["negotiation", "date_latest"],
                condition=~Q(change=""),
                name="position_changes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_stance_display()} {self.target_type} {self.target_id}"

    @property
    def date(self) -> FuzzyDate:
        return FuzzyDate(self.date_earliest, self.date_latest)

    @property
    def contested_by(self) -> list[Claim]:
        """The published claims that contest this position (positions.with_contests reads them)."""
        # Not an AttributeError: templates would swallow it and show "not contested".
        if not hasattr(self, "_contested_by"):
            raise RuntimeError("Read the contesting claims with positions.with_contests() first.")
        return self._contested_by

    @contested_by.setter
    def contested_by(self, claims: list[Claim]) -> None:
        self._contested_by = claims

    @property
    def contested(self) -> bool:
        return bool(self.contested_by)


class DataVersion(models.Model):
    """A counter bumped after every write; API ETags and caches are built from it.

    One row. Reading it is one indexed query, far cheaper than checking whether
    the rows behind a response changed.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"version {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"

    @classmethod
    def current(cls) -> DataVersion:
        version = cls.objects.filter(pk=1).first()
        return version or cls(pk=1, number=0, changed_at=timezone.now())

    @classmethod
    def bump(cls) -> None:
        now = timezone.now()
        if not cls.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now):
            cls.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": now})


class PendingRecompute(models.Model):
    """An outbox row: this pair's positions must be recomputed.

    Written in the same transaction as the change that calls for it, so a
    broker that is down cannot lose the recompute: the task deletes the rows it
    has done, and a periodic sweep (tasks.sweep_pending_recomputes) does what
    the broker never delivered or a killed worker never finished.
    """

    actor_id = models.PositiveBigIntegerField()
    target_type = models.CharField(max_length=20, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [
            # The task finds the rows of the pairs it was given.
            models.Index(fields=["actor_id", "target_type", "target_id"], name="pending_pair"),
        ]

    def __str__(self) -> str:
        return f"recompute {self.actor_id} {self.target_type} {self.target_id}"

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.actor_id, self.target_type, self.target_id)

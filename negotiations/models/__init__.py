"""Negotiations, what is on the table, who said what about it, and what follows."""

from negotiations.models.derived import (
    ChangeKind,
    DataVersion,
    PendingRecompute,
    Position,
    PositionQuerySet,
    TargetType,
)
from negotiations.models.imports import ImportJob, ImportJobStatus
from negotiations.models.statements import (
    TARGET_FIELDS,
    Basis,
    Claim,
    ClaimQuerySet,
    Source,
    Stance,
    Statement,
    StatementQuerySet,
    StatementStatus,
)
from negotiations.models.table import (
    Demand,
    Issue,
    Negotiation,
    Participant,
    ParticipantRole,
    Proposal,
    Provision,
)
from negotiations.models.webhooks import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
)

__all__ = [
    "TARGET_FIELDS",
    "Basis",
    "ChangeKind",
    "Claim",
    "ClaimQuerySet",
    "DataVersion",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Demand",
    "ImportJob",
    "ImportJobStatus",
    "Issue",
    "Negotiation",
    "Participant",
    "ParticipantRole",
    "PendingRecompute",
    "Position",
    "PositionQuerySet",
    "Proposal",
    "Provision",
    "Source",
    "Stance",
    "Statement",
    "StatementQuerySet",
    "StatementStatus",
    "Subscription",
    "TargetType",
]

"""Constraint builders shared by the models."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


def fuzzy_date_is_ordered(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{prefix}_latest__gte": F(f"{prefix}_earliest")}),
        name="%(class)s_" + f"{prefix}_ordered",
    )


def one_of(field: str, choices: type[models.Choices]) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name="%(class)s_" + f"{field}_valid"
    )

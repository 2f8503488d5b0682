"""The synthetic data generator behind `make bench`."""

from __future__ import annotations

import types

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from negotiations import positions
from negotiations.models import (
    Claim,
    Negotiation,
    Position,
    Source,
    Statement,
    StatementStatus,
)
from negotiations.positions import store
from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db


def stored_positions() -> dict[tuple, list[Position]]:
    found: dict[tuple, list[Position]] = {}
    for row in Position.objects.order_by("actor", "target_type", "target_id", "seq"):
        found.setdefault((row.actor_id, row.target_type, row.target_id), []).append(row)
    return found


def snapshot() -> list[tuple]:
    rows = Position.objects.values_list(*store.COMPARED, "actor")
    return sorted(tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows)


@pytest.mark.postgres
def test_it_loads_what_it_says_within_every_constraint_and_builds_the_positions():
    call_command("generate_synthetic", negotiations=2, statements=2000, seed=3, verbosity=0)

    assert Negotiation.objects.count() == 2
    assert Statement.objects.count() == 2000
    assert not Statement.objects.filter(claims__isnull=True).exists()
    assert Claim.objects.count() >= 2000
    statuses = set(Statement.objects.values_list("status", flat=True))
    assert {StatementStatus.PUBLISHED, StatementStatus.DRAFT} <= statuses
    published = Statement.objects.published().count()
    assert 0.85 * 2000 < published < 2000
    assert Source.objects.count() < 2000

    with connection.cursor() as cursor:
        # Foreign keys are checked at commit, which a test never reaches: check them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # What the forms and the API refuse but no constraint covers: a statement
        # dated after its source, a claim on another negotiation's target.
        cursor.execute(
            """SELECT count(*) FROM negotiations_statement s
               JOIN negotiations_source src ON src.id = s.source_id
               WHERE s.date_latest > src.published"""
        )
        assert cursor.fetchone() == (0,)
    for claim in Claim.objects.select_related(
        "statement", "issue", "proposal", "provision__proposal", "demand__issue"
    ):
        assert claim.target_negotiation_id() == claim.statement.negotiation_id

    # The positions are what the pair-by-pair path (the one recomputes use) derives…
    stored = stored_positions()
    keys = positions.all_keys()
    assert set(stored) <= keys
    for key in keys:
        assert positions.same_rows(stored.get(key, []), positions.compute(key)), key
    assert Position.objects.exclude(change="").exists()
    assert Position.objects.exclude(contesting_claim_ids=[]).exists()
    # …and what a rebuild gives again.
    before = snapshot()
    positions.rebuild()
    assert snapshot() == before

    # Ids were taken from the sequences: the next statement gets a fresh one.
    last = Statement.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert StatementFactory().pk > last


def test_it_refuses_anything_but_postgresql(monkeypatch):
    from bench.management.commands import generate_synthetic

    monkeypatch.setattr(generate_synthetic, "connection", types.SimpleNamespace(vendor="sqlite"))
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_synthetic", negotiations=1, statements=10, verbosity=0)

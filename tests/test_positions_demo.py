"""The position shifts the demo negotiation must show (shared/facts.md)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from actors.models import Actor
from negotiations import positions
from negotiations.models import (
    Basis,
    ChangeKind,
    Demand,
    Issue,
    Negotiation,
    Proposal,
    Stance,
    TargetType,
)
from tests.test_positions import snapshot

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    return Negotiation.objects.get(slug="gaza-2024")


def actor(slug: str) -> Actor:
    return Actor.objects.get(slug=slug)


def test_loading_the_demo_keeps_positions_equal_to_a_rebuild(demo):
    incremental = snapshot()
    assert len(incremental) > 50
    positions.rebuild()
    assert snapshot() == incremental


def test_israel_hardens_on_the_philadelphi_corridor(demo):
    corridor = Issue.objects.get(negotiation=demo, slug="philadelphi-corridor")
    history = positions.history(actor("israel"), corridor)
    assert history[0].stance > 0  # June: withdrawal on the table, conditionally
    assert history[-1].stance == Stance.REJECTS  # August: troops stay
    assert ChangeKind.HARDENED in [p.change for p in history]
    stay = Demand.objects.get(issue=corridor, actor__slug="israel", text__icontains="stay")
    egypt = positions.position(actor("egypt"), stay, D(2024, 8, 25))
    assert egypt.stance == Stance.REJECTS


def test_israels_acceptance_of_the_bridging_proposal_is_contested(demo):
    bridging = Proposal.objects.get(negotiation=demo, slug="bridging-proposal")
    now = positions.position(actor("israel"), bridging, D(2024, 8, 25))
    assert now.stance == Stance.ACCEPTS
    assert now.contested
    assert {claim.basis for claim in now.contested_by} <= {
        Basis.ATTRIBUTED,
        Basis.ANONYMOUS,
        Basis.REPORTED,
    }
    assert all(claim.stance < 0 for claim in now.contested_by)
    claims = positions.claims_for((actor("israel").pk, TargetType.PROPOSAL, bridging.pk))
    assert any(
        c.basis == Basis.ATTRIBUTED and c.stance == Stance.ACCEPTS and "Blinken" in str(c.statement)
        for c in claims
    )


def test_hamas_moves_from_conditional_acceptance_to_insisting_on_the_may_framework(demo):
    hamas = actor("hamas")
    framework = Proposal.objects.get(negotiation=demo, slug="may-31-framework")
    bridging = Proposal.objects.get(negotiation=demo, slug="bridging-proposal")
    june = positions.position(hamas, framework, D(2024, 6, 30))
    august = positions.position(hamas, framework, D(2024, 8, 20))
    assert june.stance == Stance.CONDITIONAL
    assert august.stance == Stance.ACCEPTS
    assert positions.position(hamas, bridging, D(2024, 8, 20)).stance == Stance.REJECTS


def test_new_israeli_demands_appear_after_the_may_framework(demo):
    raised = [
        change
        for change in positions.changes(demo, since=D(2024, 6, 1), target_types=["demand"])
        if change.actor.slug == "israel" and change.change == ChangeKind.NEW_DEMAND
    ]
    texts = {Demand.objects.get(pk=change.target_id).text.lower() for change in raised}
    assert any("checkpoint" in text for text in texts)
    assert any("living hostages" in text for text in texts)


def test_the_matrix_moves_between_june_and_august(demo):
    israel, hamas = actor("israel"), actor("hamas")
    issue = {i.slug: i for i in Issue.objects.filter(negotiation=demo)}
    june = positions.matrix(demo, D(2024, 6, 11))
    august = positions.matrix(demo, D(2024, 8, 20))
    assert {p.slug for p in june.parties} >= {"israel", "hamas"}

    def stance(matrix, party, slug):
        cell = matrix.cell(party, issue[slug])
        return cell.stance if cell else None

    assert stance(june, israel, "philadelphi-corridor") == Stance.CONDITIONAL
    assert stance(august, israel, "philadelphi-corridor") == Stance.REJECTS
    assert stance(june, hamas, "permanent-ceasefire") == Stance.CONDITIONAL
    assert stance(august, hamas, "permanent-ceasefire") == Stance.REJECTS
    assert june.convergence[issue["permanent-ceasefire"].pk] == "narrowing"
    assert august.convergence[issue["permanent-ceasefire"].pk] == "apart"
    changed = {
        (party.slug, slug)
        for party in june.parties
        for slug in issue
        if stance(june, party, slug) != stance(august, party, slug)
    }
    assert ("israel", "philadelphi-corridor") in changed
    assert ("hamas", "withdrawal") in changed


def test_every_stored_position_of_the_demo_names_a_known_target(demo):
    for target_type, model in {
        TargetType.ISSUE: Issue,
        TargetType.PROPOSAL: Proposal,
        TargetType.DEMAND: Demand,
    }.items():
        ids = set(
            positions.Position.objects.filter(target_type=target_type).values_list(
                "target_id", flat=True
            )
        )
        assert ids <= set(model.objects.values_list("pk", flat=True))

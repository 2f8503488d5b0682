"""The position shifts the demo negotiation must show (shared/facts.md)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.management import call_command

from actors.models import Actor
from negotiations import positions, targets
from negotiations.models import (
    Basis,
    ChangeKind,
    Demand,
    Issue,
    Negotiation,
    Position,
    Proposal,
    Stance,
)
from negotiations.targets import target_key
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


def at(actor_slug: str, target, day):
    """The actor's position on a target of the demo as of a day, with its contests."""
    kind, pk = target_key(target)
    demo = Negotiation.objects.get(slug="gaza-2024")
    rows = positions.latest_positions(demo, day, [actor(actor_slug).pk], kind, [pk])
    return positions.with_contests(rows, day)[0] if rows else None


def history(actor_slug: str, target):
    return positions.history(actor(actor_slug), *target_key(target))


def test_israel_hardens_on_the_philadelphi_corridor(demo):
    corridor = Issue.objects.get(negotiation=demo, slug="philadelphi-corridor")
    rows = history("israel", corridor)
    assert [(p.stance, p.change) for p in rows] == [
        (Stance.CONDITIONAL, ""),  # June: the framework's full withdrawal, on conditions
        (Stance.RESISTS, ChangeKind.REVERSED),  # July 7: conditions it will not give up
        (Stance.REJECTS, ChangeKind.HARDENED),  # August 18: troops stay
        (Stance.REJECTS, ""),  # the same week, again
    ]
    stay = Demand.objects.get(issue=corridor, actor__slug="israel", text__icontains="stay")
    assert at("egypt", stay, D(2024, 8, 25)).stance == Stance.REJECTS
    assert at("hamas", corridor, D(2024, 8, 25)).stance == Stance.ACCEPTS


def test_israels_acceptance_of_the_bridging_proposal_is_contested(demo):
    bridging = Proposal.objects.get(negotiation=demo, slug="bridging-proposal")
    now = at("israel", bridging, D(2024, 8, 25))
    assert now.stance == Stance.ACCEPTS
    assert {(claim.basis, claim.stance) for claim in now.contested_by} == {
        (Basis.ANONYMOUS, Stance.RESISTS),
        (Basis.REPORTED, Stance.RESISTS),
    }
    assert {claim.statement.speaker.slug for claim in now.contested_by} == {"al-jazeera"}


def test_hamas_moves_from_conditional_acceptance_to_insisting_on_the_may_framework(demo):
    framework = Proposal.objects.get(negotiation=demo, slug="may-31-framework")
    bridging = Proposal.objects.get(negotiation=demo, slug="bridging-proposal")
    assert at("hamas", framework, D(2024, 6, 30)).stance == Stance.CONDITIONAL
    assert at("hamas", framework, D(2024, 8, 20)).stance == Stance.ACCEPTS
    assert at("hamas", bridging, D(2024, 8, 20)).stance == Stance.REJECTS


def test_hamas_keeps_its_own_stance_on_the_permanent_ceasefire_beside_the_packages(demo):
    """Rejecting the bridging proposal is no reversal on the ceasefire Hamas demands."""
    ceasefire = Issue.objects.get(negotiation=demo, slug="permanent-ceasefire")
    rows = history("hamas", ceasefire)
    assert {p.stance for p in rows} == {Stance.ACCEPTS}
    assert [p.change for p in rows] == [""] * len(rows)
    beside = {p.proposal.slug: p.stance for p in rows[-1].packages}
    assert beside["bridging-proposal"] == Stance.REJECTS
    assert beside["may-31-framework"] == Stance.ACCEPTS


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
    august = positions.matrix(demo, D(2024, 8, 25), with_packages=True)
    assert {p.slug for p in june.parties} == {"israel", "hamas", "palestinian-islamic-jihad"}

    def stance(matrix, party, slug):
        cell = matrix.cell(party, issue[slug])
        return cell.stance if cell else None

    assert stance(june, israel, "philadelphi-corridor") == Stance.CONDITIONAL
    assert stance(august, israel, "philadelphi-corridor") == Stance.REJECTS
    assert stance(june, israel, "permanent-ceasefire") == Stance.CONDITIONAL
    assert stance(august, israel, "permanent-ceasefire") == Stance.RESISTS
    assert stance(june, hamas, "permanent-ceasefire") == Stance.ACCEPTS
    assert stance(august, hamas, "permanent-ceasefire") == Stance.ACCEPTS
    assert june.convergence[issue["permanent-ceasefire"].pk] == "narrowing"
    assert august.convergence[issue["permanent-ceasefire"].pk] == "apart"
    assert august.convergence[issue["philadelphi-corridor"].pk] == "apart"
    # Israel said nothing of its own on return to the north: empty, whatever the packages.
    assert august.cell(israel, issue["return-north"]) is None
    assert august.packages_of(israel, issue["return-north"])


def test_no_change_is_dated_on_the_day_of_the_position_it_changes_from(demo):
    rows = list(Position.objects.order_by("actor", "target_type", "target_id", "seq"))
    for before, after in itertools.pairwise(rows):
        same_pair = (before.actor_id, before.target_type, before.target_id) == (
            after.actor_id,
            after.target_type,
            after.target_id,
        )
        if same_pair:
            assert before.date_latest < after.date_latest, (before, after)


def test_every_stored_position_of_the_demo_names_a_known_target(demo):
    for target_type, model in targets.MODELS.items():
        ids = set(
            Position.objects.filter(target_type=target_type).values_list("target_id", flat=True)
        )
        assert ids <= set(model.objects.values_list("pk", flat=True))

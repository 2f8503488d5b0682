"""Positions derived from claims: the rules in negotiations/positions.py's docstring."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiations import positions
from negotiations.models import (
    Basis,
    ChangeKind,
    Claim,
    ParticipantRole,
    Position,
    Stance,
    StatementStatus,
    TargetType,
)
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    DemandFactory,
    IssueFactory,
    NegotiationFactory,
    ParticipantFactory,
    ProposalFactory,
    ProvisionFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def claim_on(target, subject, stance, when, basis=Basis.OWN, status="published", latest=None):
    negotiation = target.proposal.negotiation if hasattr(target, "proposal") else None
    negotiation = negotiation or getattr(target, "negotiation", None) or target.issue.negotiation
    statement = StatementFactory(
        negotiation=negotiation,
        date_earliest=when,
        date_latest=latest or when,
        status=status,
    )
    targets = {"issue": None, type(target).__name__.lower(): target}
    return ClaimFactory(statement=statement, subject=subject, stance=stance, basis=basis, **targets)


def snapshot() -> list[tuple]:
    """The stored positions, without primary keys, in a stable order."""
    return sorted(
        Position.objects.values_list(
            "negotiation",
            "actor",
            "target_type",
            "target_id",
            "seq",
            "claim",
            "statement",
            "date_earliest",
            "date_latest",
            "stance",
            "basis",
            "previous_stance",
            "change",
            "contested",
        )
    )


@pytest.fixture
def israel():
    return ActorFactory(name="Israel", slug="israel")


@pytest.fixture
def hamas():
    return ActorFactory(name="Hamas", slug="hamas")


@pytest.fixture
def issue():
    return IssueFactory(title="Philadelphi Corridor")


def test_a_position_rests_on_the_latest_own_claim_on_or_before_the_date(israel, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    later = claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1))
    positions.rebuild()
    assert positions.position(israel, issue, D(2024, 5, 31)).stance is None
    assert positions.position(israel, issue, D(2024, 7, 31)).stance == Stance.ACCEPTS
    now = positions.position(israel, issue, D(2024, 8, 1))
    assert now.stance == Stance.REJECTS
    assert now.claim == later


def test_a_fuzzy_date_counts_once_it_is_over(israel, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 8, 1), latest=D(2024, 8, 31))
    positions.rebuild()
    assert positions.position(israel, issue, D(2024, 8, 20)).stance is None
    assert positions.position(israel, issue, D(2024, 8, 31)).stance == Stance.ACCEPTS


@pytest.mark.parametrize(
    "status", [StatementStatus.DRAFT, StatementStatus.IN_REVIEW, StatementStatus.RETRACTED]
)
def test_unpublished_and_retracted_statements_are_ignored(israel, issue, status):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1), status=status)
    positions.rebuild()
    assert positions.position(israel, issue, D(2024, 9, 1)).stance == Stance.ACCEPTS
    assert [p.stance for p in positions.history(israel, issue)] == [Stance.ACCEPTS]


def test_of_two_claims_on_one_day_the_more_specific_then_the_later_wins(israel, issue):
    proposal = ProposalFactory(negotiation=issue.negotiation)
    ProvisionFactory(proposal=proposal, issue=issue)
    day = D(2024, 8, 19)
    claim_on(issue, israel, Stance.REJECTS, day)
    claim_on(proposal, israel, Stance.ACCEPTS, day)  # entered later, but less specific
    positions.rebuild()
    assert positions.position(israel, issue, day).stance == Stance.REJECTS
    claim_on(issue, israel, Stance.CONDITIONAL, day)  # same specificity, entered later
    positions.rebuild()
    assert positions.position(israel, issue, day).stance == Stance.CONDITIONAL


def test_attributed_claims_stand_in_until_the_actor_speaks_for_itself(israel, hamas, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 8, 19), basis=Basis.ATTRIBUTED)
    claim_on(issue, israel, Stance.RESISTS, D(2024, 8, 20), basis=Basis.ATTRIBUTED)
    positions.rebuild()
    stood_in = positions.position(israel, issue, D(2024, 8, 20))
    assert stood_in.stance == Stance.RESISTS
    assert stood_in.position.basis == Basis.ATTRIBUTED
    claim_on(issue, israel, Stance.CONDITIONAL, D(2024, 8, 21))
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 22), basis=Basis.ATTRIBUTED)
    positions.rebuild()
    spoke = positions.position(israel, issue, D(2024, 8, 30))
    assert spoke.stance == Stance.CONDITIONAL
    assert spoke.position.basis == Basis.OWN
    assert spoke.contested


def test_anonymous_and_reported_claims_only_contest(israel, issue):
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1), basis=Basis.ANONYMOUS)
    positions.rebuild()
    assert positions.position(israel, issue, D(2024, 9, 1)).stance is None

    own = claim_on(issue, israel, Stance.ACCEPTS, D(2024, 8, 19))
    agrees = claim_on(issue, israel, Stance.CONDITIONAL, D(2024, 8, 20), basis=Basis.REPORTED)
    disagrees = claim_on(issue, israel, Stance.RESISTS, D(2024, 8, 21), basis=Basis.REPORTED)
    positions.rebuild()
    before = positions.position(israel, issue, D(2024, 8, 20))
    assert before.claim == own
    assert not before.contested
    after = positions.position(israel, issue, D(2024, 8, 21))
    assert after.contested_by == [disagrees]
    assert agrees not in after.contested_by
    assert positions.history(israel, issue)[0].contested


@pytest.mark.parametrize(
    ("stances", "changes"),
    [
        ([2, 1, -1], ["", ChangeKind.HARDENED, ChangeKind.REVERSED]),
        ([-2, 0, 1, 1], ["", ChangeKind.SOFTENED, ChangeKind.SOFTENED, ""]),
        ([1, -2, 2], ["", ChangeKind.REVERSED, ChangeKind.REVERSED]),
    ],
)
def test_each_change_is_classified(israel, issue, stances, changes):
    for day, stance in enumerate(stances, start=1):
        claim_on(issue, israel, stance, D(2024, 7, day))
    positions.rebuild()
    history = positions.history(israel, issue)
    assert [p.change for p in history] == changes
    assert [p.previous_stance for p in history] == [None, *stances[:-1]]


def test_raising_and_dropping_a_demand(israel, issue):
    demand = DemandFactory(actor=israel, issue=issue, text="Checkpoints screen returnees")
    for day, stance in enumerate([Stance.ACCEPTS, Stance.ACCEPTS, Stance.REJECTS, 1], start=1):
        claim_on(demand, israel, stance, D(2024, 7, day))
    positions.rebuild()
    assert [p.change for p in positions.history(israel, demand)] == [
        ChangeKind.NEW_DEMAND,
        "",
        ChangeKind.DROPPED,
        ChangeKind.NEW_DEMAND,
    ]


def test_an_issue_position_rolls_up_provisions_and_proposals_but_not_demands(israel, issue):
    proposal = ProposalFactory(negotiation=issue.negotiation)
    provision = ProvisionFactory(proposal=proposal, issue=issue)
    unrelated = ProposalFactory(negotiation=issue.negotiation)
    demand = DemandFactory(actor=israel, issue=issue)
    claim_on(proposal, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(provision, israel, Stance.RESISTS, D(2024, 7, 1))
    claim_on(unrelated, israel, Stance.REJECTS, D(2024, 7, 2))
    claim_on(demand, israel, Stance.ACCEPTS, D(2024, 7, 3))
    positions.rebuild()
    assert [p.stance for p in positions.history(israel, issue)] == [2, -1]
    assert [p.stance for p in positions.history(israel, proposal)] == [2]
    assert [p.stance for p in positions.history(israel, provision)] == [-1]


def test_a_claim_on_a_superseded_text_no_longer_speaks_for_the_issue(israel, issue):
    may = ProposalFactory(negotiation=issue.negotiation, presented_latest=D(2024, 5, 31))
    august = ProposalFactory(
        negotiation=issue.negotiation,
        supersedes=may,
        presented_earliest=D(2024, 8, 16),
        presented_latest=D(2024, 8, 16),
    )
    ProvisionFactory(proposal=may, issue=issue)
    ProvisionFactory(proposal=august, issue=issue)
    claim_on(may, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(august, israel, Stance.REJECTS, D(2024, 8, 18))
    claim_on(may, israel, Stance.ACCEPTS, D(2024, 8, 19))  # after August: not about the table
    positions.rebuild()
    assert [p.stance for p in positions.history(israel, issue)] == [2, -2]
    assert [p.stance for p in positions.history(israel, may)] == [2, 2]


def test_the_matrix_shows_each_party_on_each_issue_and_whether_they_meet(israel, hamas):
    negotiation = NegotiationFactory()
    for actor in (israel, hamas):
        ParticipantFactory(negotiation=negotiation, actor=actor, role=ParticipantRole.PARTY)
    ParticipantFactory(negotiation=negotiation, role=ParticipantRole.MEDIATOR)
    aid, corridor, prisoners, reconstruction = (
        IssueFactory(negotiation=negotiation, title=t)
        for t in ("Aid", "Corridor", "Prisoners", "Reconstruction")
    )
    june, august = D(2024, 6, 15), D(2024, 8, 15)
    for issue, (israeli, hamas_stance) in {
        aid: (2, 2),
        corridor: (2, 1),
        prisoners: (1, -2),
    }.items():
        claim_on(issue, israel, israeli, june)
        claim_on(issue, hamas, hamas_stance, june)
    claim_on(corridor, israel, Stance.REJECTS, august)
    claim_on(reconstruction, hamas, Stance.ACCEPTS, june)
    positions.rebuild()

    early = positions.matrix(negotiation, D(2024, 7, 1))
    assert [p.name for p in early.parties] == ["Israel", "Hamas"] or {
        p.name for p in early.parties
    } == {"Israel", "Hamas"}
    assert early.cell(israel, corridor).stance == Stance.ACCEPTS
    assert early.convergence == {
        aid.pk: "converged",
        corridor.pk: "narrowing",
        prisoners.pk: "apart",
        reconstruction.pk: "unknown",
    }
    late = positions.matrix(negotiation, D(2024, 8, 31))
    assert late.cell(israel, corridor).stance == Stance.REJECTS
    assert late.convergence[corridor.pk] == "apart"
    assert late.cell(israel, reconstruction) is None


def test_changes_lists_the_window_newest_first(israel, issue):
    for day, stance in [(1, 2), (10, 1), (20, -1), (30, -2)]:
        claim_on(issue, israel, stance, D(2024, 7, day))
    positions.rebuild()
    window = positions.changes(issue.negotiation, D(2024, 7, 5), D(2024, 7, 25))
    assert [(p.date_latest.day, p.change) for p in window] == [
        (20, ChangeKind.REVERSED),
        (10, ChangeKind.HARDENED),
    ]
    assert len(positions.changes(issue.negotiation)) == 3


def test_publishing_a_statement_updates_the_stored_positions(
    israel, issue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1), status="draft")
    assert not Position.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        draft.statement.status = StatementStatus.PUBLISHED
        draft.statement.save()
    assert positions.position(israel, issue, D(2024, 6, 1)).stance == Stance.ACCEPTS
    with django_capture_on_commit_callbacks(execute=True):
        draft.statement.status = StatementStatus.RETRACTED
        draft.statement.retraction_reason = "Misattributed."
        draft.statement.save()
    assert not Position.objects.exists()


def test_recomputing_twice_changes_nothing_and_reports_no_new_change(israel, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1))
    keys = positions.all_keys()
    first = positions.recompute(keys)
    assert len(first) == 1
    before = snapshot()
    assert positions.recompute(keys) == []
    assert snapshot() == before


def test_rebuild_positions_command_reports_what_it_did(israel, issue, capsys):
    from django.core.management import call_command

    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    call_command("rebuild_positions", verbosity=1)
    assert "Rebuilt 1 positions over 1 actor/target pairs." in capsys.readouterr().out
    with pytest.raises(Exception, match="No negotiation with the slug 'nope'"):
        call_command("rebuild_positions", negotiation="nope")


# Incremental maintenance equals a rebuild ------------------------------------

EDIT = st.one_of(
    st.tuples(
        st.just("add"),
        st.integers(0, 1),  # subject
        st.integers(0, 3),  # target
        st.sampled_from(Stance.values),
        st.sampled_from(Basis.values),
        st.integers(0, 20),  # day
        st.sampled_from(StatementStatus.values),
    ),
    st.tuples(st.just("stance"), st.integers(0, 50), st.sampled_from(Stance.values)),
    st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from(StatementStatus.values)),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 20)),
    st.tuples(st.just("retarget"), st.integers(0, 50), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("supersede"), st.integers(0, 20)),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=st.lists(EDIT, min_size=1, max_size=12))
def test_incremental_positions_equal_a_rebuild(edits, django_capture_on_commit_callbacks):
    Position.objects.all().delete()
    Claim.objects.all().delete()
    negotiation = NegotiationFactory()
    subjects = [ActorFactory(), ActorFactory()]
    issue = IssueFactory(negotiation=negotiation)
    proposal = ProposalFactory(negotiation=negotiation)
    provision = ProvisionFactory(proposal=proposal, issue=issue)
    demand = DemandFactory(issue=issue)
    targets = [issue, proposal, provision, demand]

    def retarget(claim, target):
        for name in ("issue", "proposal", "provision", "demand"):
            setattr(claim, name, None)
        setattr(claim, type(target).__name__.lower(), target)

    for edit in edits:
        with django_capture_on_commit_callbacks(execute=True):
            claims = list(Claim.objects.select_related("statement").order_by("pk"))
            kind = edit[0]
            if kind == "supersede":
                newer = ProposalFactory(
                    negotiation=negotiation,
                    supersedes=targets[1],
                    presented_earliest=D(2024, 7, 1 + edit[1]),
                    presented_latest=D(2024, 7, 1 + edit[1]),
                )
                ProvisionFactory(proposal=newer, issue=issue)
                continue
            if kind == "add":
                _, subject, target, stance, basis, day, status = edit
                claim_on(
                    targets[target], subjects[subject], stance, D(2024, 7, 1 + day), basis, status
                )
                continue
            if not claims:
                continue
            claim = claims[edit[1] % len(claims)]
            if kind == "stance":
                claim.stance = edit[2]
                claim.save()
            elif kind == "status":
                claim.statement.status = edit[2]
                claim.statement.retraction_reason = (
                    "Misattributed." if edit[2] == "retracted" else ""
                )
                claim.statement.save()
            elif kind == "move":
                claim.statement.date_earliest = claim.statement.date_latest = D(
                    2024, 7, 1 + edit[2]
                )
                claim.statement.save()
            elif kind == "retarget":
                retarget(claim, targets[edit[2]])
                claim.save()
            else:
                claim.delete()

    incremental = snapshot()
    positions.rebuild()
    assert incremental == snapshot()
    assert all(t in {tt.value for tt in TargetType} for t in {row[2] for row in incremental})

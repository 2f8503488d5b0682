"""Positions derived from claims: each rule of negotiations.positions' docstring."""

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
from negotiations.targets import target_key
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


def claim_on(
    target,
    subject,
    stance,
    when,
    basis=Basis.OWN,
    status="published",
    latest=None,
    statement=None,
):
    """Code a claim on `target`, in a new statement dated `when` (or in `statement`)."""
    negotiation = target.proposal.negotiation if hasattr(target, "proposal") else None
    negotiation = negotiation or getattr(target, "negotiation", None) or target.issue.negotiation
    statement = statement or StatementFactory(
        negotiation=negotiation,
        date_earliest=when,
        date_latest=latest or when,
        status=status,
    )
    targets = {"issue": None, type(target).__name__.lower(): target}
    return ClaimFactory(statement=statement, subject=subject, stance=stance, basis=basis, **targets)


def negotiation_of(target):
    if hasattr(target, "proposal"):
        return target.proposal.negotiation
    return getattr(target, "negotiation", None) or target.issue.negotiation


def at(actor, target, day):
    """The actor's position on the target as of a day (None: none), with its contests."""
    kind, pk = target_key(target)
    rows = positions.latest_positions(negotiation_of(target), day, [actor.pk], kind, [pk])
    return positions.with_contests(rows, day)[0] if rows else None


def stance_at(actor, target, day):
    position = at(actor, target, day)
    return position.stance if position else None


def history(actor, target):
    return positions.history(actor, *target_key(target))


def snapshot() -> list[tuple]:
    """The stored positions, without primary keys, in a stable order."""
    rows = Position.objects.values_list(
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
        "contesting_claim_ids",
    )
    return sorted(tuple(tuple(v) if isinstance(v, list) else v for v in row) for row in rows)


@pytest.fixture
def israel():
    return ActorFactory(name="Israel", slug="israel")


@pytest.fixture
def hamas():
    return ActorFactory(name="Hamas", slug="hamas")


@pytest.fixture
def issue():
    return IssueFactory(title="Philadelphi Corridor")


@pytest.fixture
def proposal(issue):
    """A proposal with a clause on the issue."""
    proposal = ProposalFactory(negotiation=issue.negotiation, title="Bridging proposal")
    ProvisionFactory(proposal=proposal, issue=issue)
    return proposal


# Published only ---------------------------------------------------------------


def test_a_position_rests_on_the_latest_own_claim_on_or_before_the_date(israel, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    later = claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1))
    positions.rebuild()
    assert stance_at(israel, issue, D(2024, 5, 31)) is None
    assert stance_at(israel, issue, D(2024, 7, 31)) == Stance.ACCEPTS
    now = at(israel, issue, D(2024, 8, 1))
    assert now.stance == Stance.REJECTS
    assert now.claim == later


@pytest.mark.parametrize(
    "status", [StatementStatus.DRAFT, StatementStatus.IN_REVIEW, StatementStatus.RETRACTED]
)
def test_unpublished_and_retracted_statements_are_ignored(israel, issue, status):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1), status=status)
    claim_on(issue, israel, Stance.REJECTS, D(2024, 7, 1), basis=Basis.REPORTED, status=status)
    positions.rebuild()
    assert stance_at(israel, issue, D(2024, 9, 1)) == Stance.ACCEPTS
    assert [(p.stance, p.contested) for p in history(israel, issue)] == [(Stance.ACCEPTS, False)]


def test_every_read_hides_a_retraction_before_the_recompute_runs(israel, hamas, issue):
    """The recompute after a retraction may come late (the broker may be down):
    positions, matrix, history, changes and contests hide it at once."""
    ParticipantFactory(negotiation=issue.negotiation, actor=israel)
    first = claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    second = claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1))
    contest = claim_on(issue, israel, Stance.REJECTS, D(2024, 6, 2), basis=Basis.REPORTED)
    positions.rebuild()
    assert at(israel, issue, D(2024, 7, 1)).contested_by == [contest]
    stored = snapshot()
    # Retract without the on-commit recompute (no django_capture_on_commit_callbacks).
    for claim in (second, contest):
        claim.statement.status = StatementStatus.RETRACTED
        claim.statement.retraction_reason = "Misattributed."
        claim.statement.save()
    assert snapshot() == stored  # the cache is stale…
    now = at(israel, issue, D(2024, 9, 1))  # …and no read shows it
    assert (now.claim, now.contested_by) == (first, [])
    assert (
        positions.matrix(issue.negotiation, D(2024, 9, 1), with_packages=True)
        .cell(israel, issue)
        .claim
        == first
    )
    assert [p.claim for p in history(israel, issue)] == [first]
    assert positions.changes(issue.negotiation) == []


# What counts for a target -----------------------------------------------------


def test_an_issue_rests_on_claims_on_it_and_its_provisions_not_on_proposals_or_demands(
    israel, issue, proposal
):
    provision = proposal.provisions.get()
    sub_issue = IssueFactory(negotiation=issue.negotiation, parent=issue)
    demand = DemandFactory(actor=israel, issue=issue)
    claim_on(proposal, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(provision, israel, Stance.RESISTS, D(2024, 7, 1))
    claim_on(demand, israel, Stance.ACCEPTS, D(2024, 7, 3))
    claim_on(sub_issue, israel, Stance.REJECTS, D(2024, 7, 4))
    claim_on(issue, israel, Stance.CONDITIONAL, D(2024, 7, 5))
    positions.rebuild()
    assert [p.stance for p in history(israel, issue)] == [Stance.RESISTS, Stance.CONDITIONAL]
    assert [p.stance for p in history(israel, proposal)] == [Stance.ACCEPTS]
    assert [p.stance for p in history(israel, provision)] == [Stance.RESISTS]
    assert [p.stance for p in history(israel, demand)] == [Stance.ACCEPTS]
    assert [p.stance for p in history(israel, sub_issue)] == [Stance.REJECTS]


def test_a_claim_on_a_package_never_sets_changes_or_contests_an_issue(israel, issue, proposal):
    """Rejecting a text says nothing of each clause in it."""
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(proposal, israel, Stance.REJECTS, D(2024, 8, 18))
    claim_on(proposal, israel, Stance.REJECTS, D(2024, 8, 19), basis=Basis.REPORTED)
    positions.rebuild()
    [position] = history(israel, issue)
    assert (position.stance, position.change, position.contested) == (Stance.ACCEPTS, "", False)
    assert stance_at(israel, issue, D(2024, 9, 1)) == Stance.ACCEPTS


def test_a_claim_on_a_superseded_text_no_longer_speaks_for_the_issue(israel, issue):
    may = ProposalFactory(negotiation=issue.negotiation, presented_latest=D(2024, 5, 31))
    august = ProposalFactory(
        negotiation=issue.negotiation,
        supersedes=may,
        presented_earliest=D(2024, 8, 16),
        presented_latest=D(2024, 8, 16),
    )
    old_clause = ProvisionFactory(proposal=may, issue=issue)
    new_clause = ProvisionFactory(proposal=august, issue=issue)
    claim_on(old_clause, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(new_clause, israel, Stance.REJECTS, D(2024, 8, 18))
    claim_on(old_clause, israel, Stance.ACCEPTS, D(2024, 8, 19))  # not what is on the table
    positions.rebuild()
    assert [p.stance for p in history(israel, issue)] == [Stance.ACCEPTS, Stance.REJECTS]
    assert [p.stance for p in history(israel, old_clause)] == [Stance.ACCEPTS, Stance.ACCEPTS]


# Own words first; dates -------------------------------------------------------


def test_attributed_claims_stand_in_until_the_actor_speaks_for_itself(israel, hamas, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 8, 19), basis=Basis.ATTRIBUTED)
    claim_on(issue, israel, Stance.RESISTS, D(2024, 8, 20), basis=Basis.ATTRIBUTED)
    positions.rebuild()
    stood_in = at(israel, issue, D(2024, 8, 20))
    assert (stood_in.stance, stood_in.basis) == (Stance.RESISTS, Basis.ATTRIBUTED)
    claim_on(issue, israel, Stance.CONDITIONAL, D(2024, 8, 21))
    later = claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 22), basis=Basis.ATTRIBUTED)
    positions.rebuild()
    spoke = at(israel, issue, D(2024, 8, 30))
    assert (spoke.stance, spoke.basis) == (Stance.CONDITIONAL, Basis.OWN)
    assert spoke.contested_by == [later]


def test_anonymous_and_reported_claims_never_set_a_position(israel, issue):
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 1), basis=Basis.ANONYMOUS)
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 2), basis=Basis.REPORTED)
    positions.rebuild()
    assert stance_at(israel, issue, D(2024, 9, 1)) is None


def test_a_fuzzy_date_counts_from_its_last_day(israel, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 8, 1), latest=D(2024, 8, 31))
    positions.rebuild()
    assert stance_at(israel, issue, D(2024, 8, 20)) is None
    assert stance_at(israel, issue, D(2024, 8, 31)) == Stance.ACCEPTS


# One date, one position -------------------------------------------------------


def test_one_statement_never_changes_its_own_position(israel, issue, proposal):
    """Claims on the issue and on its clause in one statement make one position."""
    provision = proposal.provisions.get()
    statement = claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1)).statement
    claim_on(provision, israel, Stance.REJECTS, None, statement=statement)
    claim_on(proposal, israel, Stance.REJECTS, None, statement=statement)
    claim_on(issue, israel, Stance.CONDITIONAL, D(2024, 7, 1))
    positions.rebuild()
    rows = history(israel, issue)
    assert [(p.date_latest, p.stance, p.change) for p in rows] == [
        (D(2024, 6, 1), Stance.ACCEPTS, ""),
        (D(2024, 7, 1), Stance.CONDITIONAL, ChangeKind.HARDENED),
    ]
    assert len({p.date_latest for p in Position.objects.all() if p.target_id == issue.pk}) == 2


@pytest.mark.parametrize(
    ("claims", "winner"),
    [
        # (basis, on the issue itself?, stance) of each claim of one day, in entry order.
        ([("attributed", True, 2), ("own", True, -2)], 1),  # own words before attributed
        ([("own", True, -1), ("attributed", True, 2)], 0),
        ([("own", True, 2), ("own", False, -2)], 0),  # the issue itself before a clause
        ([("own", False, -2), ("own", True, 2)], 1),
        ([("own", False, 2), ("own", False, -1)], 1),  # the most reserved stance
        ([("own", True, -1), ("own", True, 2)], 0),
        ([("own", True, 1), ("own", True, 1)], 1),  # then the one entered last
    ],
)
def test_of_the_claims_of_one_day_the_documented_winner_sets_the_position(
    israel, issue, claims, winner
):
    clauses = [
        ProvisionFactory(proposal=ProposalFactory(negotiation=issue.negotiation), issue=issue)
        for _ in claims
    ]
    made = [
        claim_on(issue if on_issue else clause, israel, stance, D(2024, 6, 3), basis=basis)
        for (basis, on_issue, stance), clause in zip(claims, clauses, strict=True)
    ]
    positions.rebuild()
    [position] = history(israel, issue)
    assert position.claim == made[winner]


def test_an_attributed_claim_outdone_on_its_day_contests_when_it_disagrees(israel, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 3))
    outdone = claim_on(issue, israel, Stance.REJECTS, D(2024, 6, 3), basis=Basis.ATTRIBUTED)
    positions.rebuild()
    [position] = history(israel, issue)
    assert (position.basis, position.contested_by) == (Basis.OWN, [outdone])


# Contested by -----------------------------------------------------------------


def test_a_position_is_contested_by_the_disagreeing_claims_dated_while_it_stood(israel, issue):
    own = claim_on(issue, israel, Stance.ACCEPTS, D(2024, 8, 19))
    claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 18), basis=Basis.REPORTED)  # before
    agrees = claim_on(issue, israel, Stance.CONDITIONAL, D(2024, 8, 20), basis=Basis.REPORTED)
    neutral = claim_on(issue, israel, Stance.AMBIGUOUS, D(2024, 8, 20), basis=Basis.ANONYMOUS)
    disagrees = claim_on(issue, israel, Stance.RESISTS, D(2024, 8, 21), basis=Basis.REPORTED)
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 9, 1))  # the next position
    claim_on(issue, israel, Stance.REJECTS, D(2024, 9, 1), basis=Basis.ANONYMOUS)  # its day
    positions.rebuild()
    before = at(israel, issue, D(2024, 8, 19))
    assert (before.claim, before.contested_by) == (own, [])
    after = at(israel, issue, D(2024, 8, 21))
    assert after.contested_by == [neutral, disagrees]
    assert agrees not in after.contested_by
    first, second = history(israel, issue)
    assert first.contested_by == [neutral, disagrees]
    assert len(second.contested_by) == 1


def test_the_api_says_who_contests_a_position(client, israel, issue):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 8, 19))
    disagrees = claim_on(issue, israel, Stance.REJECTS, D(2024, 8, 21), basis=Basis.ATTRIBUTED)
    positions.rebuild()
    [row] = client.get(f"/api/v1/actors/israel/history/?issue={issue.pk}").json()
    assert row["contested"] is True
    speaker = disagrees.statement.speaker
    assert row["contested_by"] == [
        {
            "claim": disagrees.pk,
            "statement": disagrees.statement_id,
            "speaker": speaker.slug,
            "speaker_name": speaker.name,
            "basis": "attributed",
            "stance": "rejects",
            "stance_value": -2,
            "date": "Aug 21, 2024",
        }
    ]


# Changes ----------------------------------------------------------------------


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
    rows = history(israel, issue)
    assert [p.change for p in rows] == changes
    assert [p.previous_stance for p in rows] == [None, *stances[:-1]]


def test_raising_and_dropping_a_demand(israel, issue):
    demand = DemandFactory(actor=israel, issue=issue, text="Checkpoints screen returnees")
    for day, stance in enumerate([Stance.ACCEPTS, Stance.ACCEPTS, Stance.REJECTS, 1], start=1):
        claim_on(demand, israel, stance, D(2024, 7, day))
    positions.rebuild()
    assert [p.change for p in history(israel, demand)] == [
        ChangeKind.NEW_DEMAND,
        "",
        ChangeKind.DROPPED,
        ChangeKind.NEW_DEMAND,
    ]


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


# The matrix and the packages beside it -----------------------------------------


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
    assert {p.name for p in early.parties} == {"Israel", "Hamas"}
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


def test_a_cell_with_only_a_package_stays_empty_and_shows_the_package(israel, issue, proposal):
    ParticipantFactory(negotiation=issue.negotiation, actor=israel)
    claim_on(proposal, israel, Stance.REJECTS, D(2024, 8, 18))
    positions.rebuild()
    matrix = positions.matrix(issue.negotiation, D(2024, 9, 1), with_packages=True)
    assert matrix.cell(israel, issue) is None
    [package] = matrix.packages_of(israel, issue)
    assert (package.proposal, package.stance) == (proposal, Stance.REJECTS)
    assert (
        positions.matrix(issue.negotiation, D(2024, 8, 17), with_packages=True).packages_of(
            israel, issue
        )
        == []
    )


def test_the_history_of_an_issue_carries_the_packages_of_its_time(client, israel, issue, proposal):
    claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1))
    claim_on(proposal, israel, Stance.CONDITIONAL, D(2024, 6, 5))
    claim_on(issue, israel, Stance.CONDITIONAL, D(2024, 7, 1))
    claim_on(proposal, israel, Stance.REJECTS, D(2024, 8, 18))
    positions.rebuild()
    rows = client.get(f"/api/v1/actors/israel/history/?issue={issue.pk}").json()
    assert [[(p["proposal"], p["stance"]) for p in row["packages"]] for row in rows] == [
        [(proposal.slug, "conditional")],
        [(proposal.slug, "rejects")],
    ]
    [row] = client.get(f"/api/v1/actors/israel/history/?proposal={proposal.pk}").json()[:1]
    assert row["packages"] is None


# Storage ----------------------------------------------------------------------


def test_publishing_a_statement_updates_the_stored_positions(
    israel, issue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = claim_on(issue, israel, Stance.ACCEPTS, D(2024, 6, 1), status="draft")
    assert not Position.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        draft.statement.status = StatementStatus.PUBLISHED
        draft.statement.save()
    assert stance_at(israel, issue, D(2024, 6, 1)) == Stance.ACCEPTS
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
    st.tuples(st.just("same_statement"), st.integers(0, 50), st.integers(0, 3)),
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
            if kind == "same_statement":
                # Another claim in the same statement, on another target.
                claim_on(
                    targets[edit[2]],
                    claim.subject,
                    -claim.stance,
                    None,
                    claim.basis,
                    statement=claim.statement,
                )
                continue
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
    # Nothing within one day is a change.
    days = {(row[1], row[2], row[3], row[8]) for row in incremental}
    assert len(days) == len(incremental)
    assert all(t in {tt.value for tt in TargetType} for t in {row[2] for row in incremental})

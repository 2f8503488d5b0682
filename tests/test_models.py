"""The data model refuses bad rows at the database, not only in forms."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from actors.models import ActorKind, Alias
from negotiations.models import Claim, Stance, Statement
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    AliasFactory,
    ClaimFactory,
    DemandFactory,
    IssueFactory,
    NegotiationFactory,
    ParticipantFactory,
    PersonFactory,
    ProposalFactory,
    ProvisionFactory,
    StatementFactory,
)

# Constraint tests name the constraint PostgreSQL reports; the rest run anywhere.
pytestmark = pytest.mark.django_db

AUG_19 = datetime.date(2024, 8, 19)
AUG_18 = datetime.date(2024, 8, 18)


def assert_refused(create, constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        create()


@pytest.mark.postgres
def test_it_refuses_a_statement_dated_backwards():
    assert_refused(
        lambda: StatementFactory(date_earliest=AUG_19, date_latest=AUG_18),
        "statement_date_ordered",
    )


@pytest.mark.postgres
def test_it_refuses_a_proposal_presented_backwards():
    assert_refused(
        lambda: ProposalFactory(presented_earliest=AUG_19, presented_latest=AUG_18),
        "proposal_presented_ordered",
    )


@pytest.mark.postgres
def test_it_refuses_an_affiliation_that_ends_before_it_starts():
    assert_refused(
        lambda: AffiliationFactory(start=AUG_19, end=AUG_18), "affiliation_start_before_end"
    )


@pytest.mark.postgres
def test_it_refuses_an_affiliation_of_an_actor_with_itself():
    person = PersonFactory()
    assert_refused(
        lambda: AffiliationFactory(person=person, organization=person), "affiliation_not_self"
    )


@pytest.mark.postgres
@pytest.mark.parametrize("targets", [{}, {"proposal": True, "issue": True}])
def test_it_refuses_a_claim_without_exactly_one_target(targets):
    claim = ClaimFactory()
    claim.issue = None
    if targets:
        claim.issue = IssueFactory(negotiation=claim.statement.negotiation)
        claim.proposal = ProposalFactory(negotiation=claim.statement.negotiation)
    assert_refused(claim.save, "claim_one_target")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("factory", "field", "value", "constraint"),
    [
        (ClaimFactory, "stance", 3, "claim_stance_valid"),
        (ClaimFactory, "basis", "rumour", "claim_basis_valid"),
        (StatementFactory, "status", "hidden", "statement_status_valid"),
        (ActorFactory, "kind", "alien", "actor_kind_valid"),
        (ParticipantFactory, "role", "spoiler", "participant_role_valid"),
    ],
)
def test_it_refuses_a_value_outside_the_choices(factory, field, value, constraint):
    assert_refused(lambda: factory(**{field: value}), constraint)


@pytest.mark.postgres
def test_it_refuses_two_aliases_that_normalise_alike():
    alias = AliasFactory(name="Khalil al-Hayya")
    assert_refused(
        lambda: Alias.objects.create(actor=alias.actor, name="khalil  AL HAYYA"),
        "alias_normalised_unique_per_actor",
    )


def test_the_same_alias_may_name_two_actors():
    AliasFactory(name="Hamas")
    AliasFactory(name="Hamas")
    assert Alias.objects.filter(normalised="hamas").count() == 2


@pytest.mark.postgres
def test_it_refuses_a_proposal_that_supersedes_itself():
    proposal = ProposalFactory()
    proposal.supersedes = proposal
    assert_refused(proposal.save, "proposal_not_superseding_itself")


def test_it_refuses_a_supersedes_cycle_in_validation():
    older = ProposalFactory()
    newer = ProposalFactory(negotiation=older.negotiation, supersedes=older)
    older.supersedes = newer
    with pytest.raises(ValidationError, match="supersede itself"):
        older.full_clean()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("make_first", "make_second", "constraint"),
    [
        (lambda: ActorFactory(slug="hamas"), lambda: ActorFactory(slug="hamas"), "slug"),
        (lambda: NegotiationFactory(slug="gaza"), lambda: NegotiationFactory(slug="gaza"), "slug"),
    ],
)
def test_it_refuses_a_duplicate_slug(make_first, make_second, constraint):
    make_first()
    assert_refused(make_second, constraint)


@pytest.mark.postgres
def test_issue_and_proposal_slugs_are_unique_within_a_negotiation():
    issue = IssueFactory(slug="philadelphi")
    proposal = ProposalFactory(slug="bridging", negotiation=issue.negotiation)
    IssueFactory(slug="philadelphi")  # another negotiation: fine
    assert_refused(
        lambda: IssueFactory(slug="philadelphi", negotiation=issue.negotiation),
        "issue_slug_unique",
    )
    assert_refused(
        lambda: ProposalFactory(slug="bridging", negotiation=proposal.negotiation),
        "proposal_slug_unique",
    )


@pytest.mark.postgres
def test_it_refuses_two_provisions_in_the_same_place():
    provision = ProvisionFactory(phase=1, order=1)
    assert_refused(
        lambda: ProvisionFactory(proposal=provision.proposal, phase=1, order=1),
        "provision_order_unique",
    )


@pytest.mark.postgres
def test_it_refuses_a_statement_with_neither_quote_nor_summary():
    assert_refused(lambda: StatementFactory(quote="", summary=""), "statement_has_content")


def test_deleting_an_actor_who_spoke_is_refused():
    statement = StatementFactory()
    with pytest.raises(ProtectedError):
        statement.speaker.delete()


def test_deleting_a_demand_with_claims_is_refused():
    claim = ClaimFactory(issue=None, demand=DemandFactory())
    with pytest.raises(ProtectedError):
        claim.demand.delete()


def test_a_claim_on_another_negotiations_issue_fails_validation():
    claim = ClaimFactory.build(
        statement=StatementFactory(), subject=ActorFactory(), issue=IssueFactory()
    )
    with pytest.raises(ValidationError, match="another negotiation"):
        claim.full_clean()


def test_an_affiliation_needs_a_person_and_an_organization():
    affiliation = AffiliationFactory.build(
        person=ActorFactory(kind=ActorKind.STATE), organization=PersonFactory()
    )
    with pytest.raises(ValidationError) as error:
        affiliation.full_clean()
    assert set(error.value.message_dict) == {"person", "organization"}


def test_published_querysets_leave_out_drafts_and_retractions():
    published = ClaimFactory()
    ClaimFactory(statement=StatementFactory(status="draft"))
    ClaimFactory(statement=StatementFactory(status="retracted"))
    assert list(Statement.objects.published()) == [published.statement]
    assert list(Claim.objects.published()) == [published]


def test_a_claim_reads_as_a_sentence():
    claim = ClaimFactory(subject=ActorFactory(name="Israel"), stance=Stance.REJECTS)
    assert str(claim) == f"Israel rejects {claim.issue.title}"

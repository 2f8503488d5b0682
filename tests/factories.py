"""factory_boy factories: one valid object of each model, with its parents."""

from __future__ import annotations

import datetime

import factory

from actors.models import Actor, ActorKind, Affiliation, Alias
from negotiations.models import (
    Basis,
    Claim,
    Demand,
    Issue,
    Negotiation,
    Participant,
    ParticipantRole,
    Proposal,
    Provision,
    Source,
    Stance,
    Statement,
    StatementStatus,
)


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    slug = factory.Sequence(lambda n: f"actor-{n}")
    kind = ActorKind.STATE


class PersonFactory(ActorFactory):
    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")
    kind = ActorKind.PERSON


class AliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alias

    actor = factory.SubFactory(ActorFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(ActorFactory)
    role = "spokesperson"


class NegotiationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Negotiation

    title = factory.Sequence(lambda n: f"Talks {n}")
    slug = factory.Sequence(lambda n: f"talks-{n}")
    start = datetime.date(2024, 1, 1)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    negotiation = factory.SubFactory(NegotiationFactory)
    actor = factory.SubFactory(ActorFactory)
    role = ParticipantRole.PARTY


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    negotiation = factory.SubFactory(NegotiationFactory)
    title = factory.Sequence(lambda n: f"Issue {n}")
    slug = factory.Sequence(lambda n: f"issue-{n}")


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    negotiation = factory.SubFactory(NegotiationFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}")
    slug = factory.Sequence(lambda n: f"proposal-{n}")
    presented_earliest = datetime.date(2024, 5, 31)
    presented_latest = datetime.date(2024, 5, 31)


class ProvisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provision

    proposal = factory.SubFactory(ProposalFactory)
    order = factory.Sequence(lambda n: n)
    text = "A clause."


class DemandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Demand

    actor = factory.SubFactory(ActorFactory)
    issue = factory.SubFactory(IssueFactory)
    text = factory.Sequence(lambda n: f"Demand {n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report {n}")
    url = factory.Sequence(lambda n: f"https://news.example/{n}")
    publisher_name = "Example News"
    published = datetime.date(2024, 8, 25)


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Statement

    negotiation = factory.SubFactory(NegotiationFactory)
    speaker = factory.SubFactory(ActorFactory)
    source = factory.SubFactory(SourceFactory)
    date_earliest = datetime.date(2024, 8, 19)
    date_latest = factory.SelfAttribute("date_earliest")
    quote = "We accept."
    quote_language = "en"
    status = StatementStatus.PUBLISHED
    retraction_reason = factory.LazyAttribute(
        lambda o: "Misattributed." if o.status == StatementStatus.RETRACTED else ""
    )


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    statement = factory.SubFactory(StatementFactory)
    subject = factory.SelfAttribute("statement.speaker")
    issue = factory.SubFactory(
        IssueFactory, negotiation=factory.SelfAttribute("..statement.negotiation")
    )
    stance = Stance.ACCEPTS
    basis = Basis.OWN

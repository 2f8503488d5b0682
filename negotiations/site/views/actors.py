"""The actor page: roles over time, positions per issue, what the actor said."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from actors.models import Actor
from core.caching import public_page
from negotiations import positions
from negotiations.models import (
    Issue,
    Negotiation,
    Position,
    Proposal,
    Provision,
    Statement,
    TargetType,
)
from negotiations.site import charts
from negotiations.site.views.issues import Lane, lane_for

STATEMENT_LIMIT = 50


def _get_actor_or_404(slug: str) -> Actor:
    return get_object_or_404(Actor.objects.select_related("parent"), slug=slug)


@dataclass
class NegotiationPositions:
    """What an actor page shows of one negotiation: a chart per issue, and beside them
    the actor's latest stance on each whole proposal, with the issues it addresses."""

    negotiation: Negotiation
    lanes: list[Lane] = field(default_factory=list)
    packages: list[Position] = field(default_factory=list)


def _positions(actor: Actor) -> list[NegotiationPositions]:
    """Return small step charts of the actor's issue positions and its stances on
    proposals, by negotiation, newest negotiation first.

    Charts of one negotiation share a time axis so that they can be compared.
    """
    rows = positions.with_contests(
        list(
            Position.objects.published()
            .filter(actor=actor, target_type__in=[TargetType.ISSUE, TargetType.PROPOSAL])
            .order_by("target_type", "target_id", "seq")
        )
    )
    by_issue: dict[int, list[Position]] = {}
    latest_on_proposal: dict[int, Position] = {}
    for row in rows:
        if row.target_type == TargetType.ISSUE:
            by_issue.setdefault(row.target_id, []).append(row)
        else:
            latest_on_proposal[row.target_id] = row
    issues = Issue.objects.filter(pk__in=by_issue).select_related("negotiation")
    proposals = Proposal.objects.filter(pk__in=latest_on_proposal).select_related("negotiation")
    addresses: dict[int, list[str]] = {}
    for proposal_id, title in (
        Provision.objects.filter(proposal__in=latest_on_proposal, issue__isnull=False)
        .values_list("proposal", "issue__title")
        .order_by("issue__order", "issue__title")
        .distinct()
    ):
        addresses.setdefault(proposal_id, []).append(title)
    groups: dict[int, NegotiationPositions] = {}

    def group(negotiation: Negotiation) -> NegotiationPositions:
        return groups.setdefault(negotiation.pk, NegotiationPositions(negotiation))

    for issue in sorted(issues, key=lambda i: (i.order, i.title)):
        group(issue.negotiation).lanes.append(issue)
    for proposal in sorted(proposals, key=lambda p: (p.presented_latest, p.pk)):
        package = latest_on_proposal[proposal.pk]
        package.proposal, package.addresses = proposal, addresses.get(proposal.pk, [])
        group(proposal.negotiation).packages.append(package)
    for entry in groups.values():
        axis = charts.time_axis(row.date_latest for i in entry.lanes for row in by_issue[i.pk])
        timeline_url = reverse("negotiations:timeline", args=[entry.negotiation.slug])
        entry.lanes = [
            lane_for(actor, issue, by_issue[issue.pk], axis, timeline_url, size=charts.SMALL)
            for issue in entry.lanes
        ]
    return sorted(groups.values(), key=lambda entry: entry.negotiation.start, reverse=True)


@public_page
def actor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _get_actor_or_404(slug)
    statements = list(
        Statement.objects.published()
        # A state speaks through its people: their words on its behalf count too.
        .filter(Q(speaker=actor) | Q(on_behalf_of=actor))
        .select_related("negotiation", "speaker")
        .order_by("-date_earliest", "-date_latest", "-pk")[: STATEMENT_LIMIT + 1]
    )
    context = {
        "actor": actor,
        "aliases": actor.aliases.all(),
        "affiliations": actor.affiliations.select_related("organization").order_by(
            "start", "end", "pk"
        ),
        "members": actor.members.select_related("person").order_by("start", "person__name"),
        "negotiations": _positions(actor),
        "statements": statements[:STATEMENT_LIMIT],
        "more_statements": len(statements) > STATEMENT_LIMIT,
        "statement_limit": STATEMENT_LIMIT,
    }
    return render(request, "actors/detail.html", context)

"""The actor page: roles over time, positions per issue, what the actor said."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from actors.models import Actor
from negotiations import charts
from negotiations.caching import public_page
from negotiations.models import Issue, Negotiation, Position, Statement, TargetType
from negotiations.views.issues import Lane, lane_for, published_positions

STATEMENT_LIMIT = 50


def _get_actor_or_404(slug: str) -> Actor:
    return get_object_or_404(Actor.objects.select_related("parent"), slug=slug)


def _issue_charts(actor: Actor) -> list[tuple[Negotiation, list[Lane]]]:
    """Return small step charts of the actor's issue positions, grouped by negotiation.

    Charts of one negotiation share a time axis so that they can be compared.
    """
    rows = (
        published_positions()
        .filter(actor=actor, target_type=TargetType.ISSUE)
        .order_by("target_id", "seq")
    )
    by_issue: dict[int, list[Position]] = {}
    for row in rows:
        by_issue.setdefault(row.target_id, []).append(row)
    # A subquery rather than a list of ids: one query even when there are none.
    issues = Issue.objects.filter(pk__in=rows.values("target_id")).select_related("negotiation")
    groups: dict[int, list[Issue]] = {}
    for issue in sorted(issues, key=lambda i: (-i.negotiation.start.toordinal(), i.order, i.title)):
        groups.setdefault(issue.negotiation_id, []).append(issue)
    result = []
    for group in groups.values():
        negotiation = group[0].negotiation
        axis = charts.time_axis(row.date_latest for i in group for row in by_issue[i.pk])
        timeline_url = reverse("negotiations:timeline", args=[negotiation.slug])
        lanes = [
            lane_for(actor, issue, by_issue[issue.pk], axis, timeline_url, size=charts.SMALL)
            for issue in group
        ]
        result.append((negotiation, lanes))
    return result


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
        "issue_charts": _issue_charts(actor),
        "statements": statements[:STATEMENT_LIMIT],
        "more_statements": len(statements) > STATEMENT_LIMIT,
        "statement_limit": STATEMENT_LIMIT,
    }
    return render(request, "actors/detail.html", context)

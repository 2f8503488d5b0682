"""The issue page: one swimlane per party, each a step chart of its stance."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse

from actors.models import Actor
from core.caching import cached, public_page
from negotiations import positions
from negotiations.models import (
    ChangeKind,
    Demand,
    Issue,
    ParticipantRole,
    Position,
    Proposal,
    TargetType,
)
from negotiations.site import charts
from negotiations.site.caching import with_data_version


@dataclass
class Lane:
    """One actor's positions on one issue, with the chart that draws them."""

    actor: Actor
    issue: Issue
    positions: list[Position]
    chart: charts.StepChart
    chart_id: str
    timeline_url: str

    @property
    def caption(self) -> str:
        """Say in words what the chart shows, for readers who cannot see it."""
        if not self.positions:
            return f"{self.actor.name}: no position recorded on {self.issue.title}."
        first, last = self.positions[0], self.positions[-1]
        count = len(self.positions)
        text = (
            f"{self.actor.name} on {self.issue.title}: {count} "
            f"position{'s' if count != 1 else ''}, from {first.get_stance_display()} "
            f"({first.date}) to {last.get_stance_display()} ({last.date})."
        )
        contested = sum(p.contested for p in self.positions)
        if contested:
            text += f" {contested} contested."
        return text


def contest_label(claim) -> str:
    """Name who disputes a position: "Osama Hamdan (attributed: rejects, Aug 19, 2024)"."""
    statement = claim.statement
    return (
        f"{statement.speaker.name} ({claim.basis}: {claim.get_stance_display()}, {statement.date})"
    )


def statement_url(timeline_url: str, statement_id: int) -> str:
    """Link to a statement on the timeline; `?statement=` opens the page that holds it."""
    return f"{timeline_url}?statement={statement_id}#statement-{statement_id}"


def point_label(position: Position) -> str:
    label = f"{position.date}: {position.get_stance_display()} ({position.basis})"
    if position.change:
        label += f", {position.get_change_display()}"
    if position.contested:
        label += ", contested by " + "; ".join(map(contest_label, position.contested_by))
    return label


def lane_for(
    actor: Actor,
    issue: Issue,
    positions: Sequence[Position],
    axis: tuple[datetime.date, datetime.date],
    timeline_url: str,
    size: charts.Size = charts.LARGE,
) -> Lane:
    """Chart one actor's positions (in order) on one issue against a shared time axis."""
    points = [
        charts.Point(
            date_earliest=p.date_earliest,
            date_latest=p.date_latest,
            stance=p.stance,
            label=point_label(p),
            url=statement_url(timeline_url, p.statement_id),
            contested=p.contested,
        )
        for p in positions
    ]
    return Lane(
        actor=actor,
        issue=issue,
        positions=list(positions),
        chart=charts.step_chart(points, *axis, size=size),
        chart_id=f"chart-{actor.pk}-{issue.pk}",
        timeline_url=timeline_url,
    )


def _raised(issue: Issue) -> dict[int, Position]:
    """Return, per demand on the issue, the first position that raised it (a `new_demand`)."""
    rows = (
        Position.objects.published()
        .filter(
            # The issue's negotiation narrows the search to its rows (index position_matrix).
            negotiation=issue.negotiation_id,
            target_type=TargetType.DEMAND,
            target_id__in=Demand.objects.filter(issue=issue).values("pk"),
            change=ChangeKind.NEW_DEMAND,
        )
        .select_related("actor")
        .order_by("target_id", "date_latest", "date_earliest", "pk")
    )
    first: dict[int, Position] = {}
    for row in rows:
        first.setdefault(row.target_id, row)
    return first


def _lanes_html(issue: Issue) -> str:
    """Render the parties' swimlanes on the issue: every position, drawn and tabulated."""
    negotiation = issue.negotiation
    parties_qs = negotiation.participants.filter(role=ParticipantRole.PARTY)
    parties = [participant.actor for participant in parties_qs.select_related("actor")]
    rows = (
        Position.objects.published()
        .filter(
            target_type=TargetType.ISSUE,
            target_id=issue.pk,
            # A subquery rather than a list of ids: one query even with no parties.
            actor__in=parties_qs.values("actor"),
        )
        .order_by("actor_id", "seq")
    )
    by_actor: dict[int, list[Position]] = {party.pk: [] for party in parties}
    for row in positions.with_contests(list(rows)):
        by_actor[row.actor_id].append(row)
    # One time axis for every lane, so that the parties' moves line up.
    axis = charts.time_axis(p.date_latest for history in by_actor.values() for p in history)
    timeline_url = reverse("negotiations:timeline", args=[negotiation.slug])
    lanes = [
        (party, lane_for(party, issue, by_actor[party.pk], axis, timeline_url))
        if axis and by_actor[party.pk]
        else (party, None)
        for party in parties
    ]
    return render_to_string("negotiations/_lanes.html", {"lanes": lanes})


def _packages(issue: Issue) -> list[Position]:
    """Each actor's latest stance on each proposal that addresses the issue: shown
    beside the positions, never counted in them (see negotiations.positions)."""
    proposals = Proposal.objects.filter(provisions__issue=issue).distinct().in_bulk()
    if not proposals:
        return []
    rows = positions.latest_positions(
        issue.negotiation,
        datetime.date.max,  # the latest there is
        target_type=TargetType.PROPOSAL,
        target_ids=list(proposals),
    )
    for row in rows:
        row.proposal = proposals[row.target_id]
    return sorted(
        rows,
        key=lambda row: (row.proposal.presented_latest, row.proposal.pk, row.actor.name),
    )


@public_page
def issue_detail(request: HttpRequest, slug: str, issue_slug: str) -> HttpResponse:
    issue = get_object_or_404(
        with_data_version(Issue.objects.select_related("negotiation")),
        negotiation__slug=slug,
        slug=issue_slug,
    )
    negotiation = issue.negotiation
    timeline_url = reverse("negotiations:timeline", args=[negotiation.slug])
    demands = list(issue.demands.select_related("actor"))
    raised = _raised(issue)
    context = {
        "negotiation": negotiation,
        "issue": issue,
        # Drawing every position is the page's cost: kept until the data changes.
        "lanes_html": cached(issue, "issue-lanes", (issue.pk,), lambda: _lanes_html(issue)),
        "demands": [(demand, raised.get(demand.pk)) for demand in demands],
        "packages": _packages(issue),
        "provisions": issue.provisions.select_related("proposal").order_by(
            "proposal__presented_earliest", "proposal__pk", "phase", "order"
        ),
        "timeline_url": timeline_url,
    }
    return render(request, "negotiations/issue.html", context)

"""The list of negotiations and one negotiation's overview, with helpers the other pages share."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from actors.models import Actor
from negotiations import positions
from negotiations.caching import public_page, with_data_version
from negotiations.models import (
    Demand,
    Issue,
    Negotiation,
    ParticipantRole,
    Position,
    Proposal,
    Provision,
    Statement,
    TargetType,
)

LATEST_CHANGES = 12


def get_negotiation_or_404(slug: str) -> Negotiation:
    # The data version comes along for the pages' cached fragments (negotiations.caching).
    return get_object_or_404(with_data_version(Negotiation.objects.all()), slug=slug)


def published_statements(negotiation: Negotiation):
    return (
        Statement.objects.published().filter(negotiation=negotiation).for_display().chronological()
    )


@dataclass(frozen=True)
class Target:
    title: str
    url: str
    issue_id: int | None


def targets_of(negotiation: Negotiation) -> dict[tuple[str, int], Target]:
    """Return the title and page of every target in a negotiation (four queries)."""
    slug = negotiation.slug
    found: dict[tuple[str, int], Target] = {}
    for issue in Issue.objects.filter(negotiation=negotiation):
        url = reverse("negotiations:issue", args=[slug, issue.slug])
        found[TargetType.ISSUE, issue.pk] = Target(issue.title, url, issue.pk)
    proposals = {}
    for proposal in Proposal.objects.filter(negotiation=negotiation):
        url = reverse("negotiations:proposal", args=[slug, proposal.slug])
        proposals[proposal.pk] = proposal
        found[TargetType.PROPOSAL, proposal.pk] = Target(proposal.title, url, None)
    for provision in Provision.objects.filter(proposal__negotiation=negotiation):
        proposal = proposals[provision.proposal_id]
        url = reverse("negotiations:proposal", args=[slug, proposal.slug])
        title = f"{proposal.title}, phase {provision.phase}.{provision.order}"
        found[TargetType.PROVISION, provision.pk] = Target(title, url, provision.issue_id)
    for demand in Demand.objects.filter(issue__negotiation=negotiation).select_related("actor"):
        issue = found[TargetType.ISSUE, demand.issue_id]
        found[TargetType.DEMAND, demand.pk] = Target(
            f"{demand.actor.name}: {demand.text}", issue.url, demand.issue_id
        )
    return found


@dataclass(frozen=True)
class MatrixCell:
    party: Actor
    position: Position | None
    packages: list[Position]
    # The number of this cell's note under the table, when it is contested.
    note: int | None = None


@dataclass(frozen=True)
class MatrixRow:
    issue: Issue
    cells: list[MatrixCell]
    convergence: str


def matrix_rows(matrix: positions.Matrix) -> list[MatrixRow]:
    """Lay the matrix out as table rows; contested cells are numbered for the notes
    under the table that say who contests them."""
    rows, note = [], 0
    for issue in matrix.issues:
        cells = []
        for party in matrix.parties:
            position = matrix.cell(party, issue)
            if position is not None and position.contested:
                note += 1
            cells.append(
                MatrixCell(
                    party=party,
                    position=position,
                    packages=matrix.packages_of(party, issue),
                    note=note if position is not None and position.contested else None,
                )
            )
        rows.append(MatrixRow(issue, cells, matrix.convergence[issue.pk]))
    return rows


def contested_cells(rows: list[MatrixRow]) -> list[tuple[MatrixRow, MatrixCell]]:
    return [(row, cell) for row in rows for cell in row.cells if cell.note]


def describe(rows: list[Position], targets: dict) -> list[dict]:
    """Pair position rows with their target's title and page."""
    return [
        {"position": row, "target": targets.get((row.target_type, row.target_id))} for row in rows
    ]


def index(request: HttpRequest) -> HttpResponse:
    negotiations = list(Negotiation.objects.all()[:2])
    if len(negotiations) == 1:
        return redirect(negotiations[0])
    return render(request, "negotiations/index.html", {"negotiations": Negotiation.objects.all()})


@public_page
def negotiation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    negotiation = get_negotiation_or_404(slug)
    as_of = positions.latest_day(negotiation)
    matrix = positions.matrix(negotiation, as_of)
    participants = negotiation.participants.select_related("actor")
    changes = positions.changes_queryset(
        negotiation, target_types=[TargetType.ISSUE, TargetType.DEMAND]
    )[:LATEST_CHANGES]
    rows = matrix_rows(matrix)
    context = {
        "negotiation": negotiation,
        "parties": [p for p in participants if p.role == ParticipantRole.PARTY],
        "others": [p for p in participants if p.role != ParticipantRole.PARTY],
        "matrix": matrix,
        "rows": rows,
        "notes": contested_cells(rows),
        "changes": describe(positions.with_contests(list(changes)), targets_of(negotiation)),
        "proposals": negotiation.proposals.select_related("proposed_by"),
        "statement_count": Statement.objects.published().filter(negotiation=negotiation).count(),
    }
    return render(request, "negotiations/detail.html", context)

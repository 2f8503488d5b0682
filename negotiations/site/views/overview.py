"""The list of negotiations and one negotiation's overview, with helpers the other pages share."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from actors.models import Actor
from core.caching import public_page
from negotiations import positions, targets
from negotiations.models import (
    Issue,
    Negotiation,
    ParticipantRole,
    Position,
    Statement,
    TargetType,
)
from negotiations.site.caching import with_data_version

LATEST_CHANGES = 12


def get_negotiation_or_404(slug: str) -> Negotiation:
    # The data version comes along for the cached fragments (core.caching).
    return get_object_or_404(with_data_version(Negotiation.objects.all()), slug=slug)


def published_statements(negotiation: Negotiation):
    return (
        Statement.objects.published().filter(negotiation=negotiation).for_display().chronological()
    )


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


def describe(rows: list[Position], titled: dict) -> list[dict]:
    """Pair position rows with their target's title and page (from targets.index)."""
    return [
        {"position": row, "target": titled.get((row.target_type, row.target_id))} for row in rows
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
        "changes": describe(positions.with_contests(list(changes)), targets.index(negotiation)),
        "proposals": negotiation.proposals.select_related("proposed_by"),
        "statement_count": Statement.objects.published().filter(negotiation=negotiation).count(),
    }
    return render(request, "negotiations/detail.html", context)

"""The matrix as of a date, the "equal footing" summary, and what changed between two dates."""

from __future__ import annotations

import datetime
from collections import defaultdict
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from actors.models import Actor
from core.caching import public_page
from negotiations import positions, targets
from negotiations.models import ChangeKind, Negotiation, ParticipantRole, Position, TargetType
from negotiations.site.views.overview import (
    contested_cells,
    describe,
    get_negotiation_or_404,
    matrix_rows,
)

# Issue-level rows already include what claims on provisions say, so summaries
# count issue and demand rows only, never the same move twice.
SUMMARY_TARGETS = [TargetType.ISSUE, TargetType.DEMAND]
# The default window of "who moved how" and of the comparison: the last quarter of the record.
DEFAULT_WINDOW = datetime.timedelta(days=90)
# The columns of the summary: the change each counts.
MOVES = [
    ("hardened", ChangeKind.HARDENED),
    ("softened", ChangeKind.SOFTENED),
    ("reversed", ChangeKind.REVERSED),
    ("new_demands", ChangeKind.NEW_DEMAND),
]


class MatrixForm(forms.Form):
    as_of = forms.DateField(
        label="As of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Default: the day of the latest statement.",
    )
    since = forms.DateField(
        label="Moves since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Default: 90 days before.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("as_of") and cleaned["since"] > cleaned["as_of"]:
            self.add_error("since", "This date is after the “as of” date.")
        return cleaned


class CompareForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.ModelChoiceField(
        Actor.objects.all(), to_field_name="slug", required=False, widget=forms.HiddenInput
    )
    change = forms.ChoiceField(
        choices=[("", "any"), *ChangeKind.choices], required=False, widget=forms.HiddenInput
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The second date is before the first.")
        return cleaned


def compare_url(negotiation: Negotiation, since, until, **filters) -> str:
    query = {"start": since.isoformat(), "end": until.isoformat(), **filters}
    return reverse("negotiations:compare", args=[negotiation.slug]) + "?" + urlencode(query)


def footing(
    negotiation: Negotiation, matrix: positions.Matrix, since: datetime.date, rows
) -> list[dict]:
    """Per party: its moves since a date (each count linking to the changes it counts)
    and how many of its cells in the matrix above are contested."""
    until = matrix.as_of
    counts = (
        Position.objects.published()
        .filter(
            negotiation=negotiation,
            actor__in=matrix.parties,
            target_type__in=SUMMARY_TARGETS,
            date_latest__gte=since,
            date_latest__lte=until,
        )
        .values("actor")
        .annotate(**{name: Count("pk", filter=Q(change=kind)) for name, kind in MOVES})
        .order_by()
    )
    by_actor = {row["actor"]: row for row in counts}
    contested = defaultdict(int)
    for _row, cell in contested_cells(rows):
        contested[cell.party.pk] += 1
    summary = []
    for party in matrix.parties:
        moves = [
            {
                "count": by_actor.get(party.pk, {}).get(name, 0),
                "url": compare_url(negotiation, since, until, actor=party.slug, change=kind),
            }
            for name, kind in MOVES
        ]
        summary.append({"party": party, "moves": moves, "contested": contested[party.pk]})
    return summary


@public_page
def matrix_page(request: HttpRequest, slug: str) -> HttpResponse:
    negotiation = get_negotiation_or_404(slug)
    form = MatrixForm(request.GET or None)
    as_of = since = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            as_of, since = form.cleaned_data["as_of"], form.cleaned_data["since"]
        else:
            status = 400
    as_of = as_of or positions.latest_day(negotiation)
    since = since or as_of - DEFAULT_WINDOW
    matrix = positions.matrix(negotiation, as_of)
    rows = matrix_rows(matrix)
    context = {
        "negotiation": negotiation,
        "form": form,
        "matrix": matrix,
        "rows": rows,
        "notes": contested_cells(rows),
        "since": since,
        "footing": footing(negotiation, matrix, since, rows),
    }
    return render(request, "negotiations/matrix.html", context, status=status)


@public_page
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    negotiation = get_negotiation_or_404(slug)
    end = positions.latest_day(negotiation)
    form = CompareForm(request.GET or {"start": end - DEFAULT_WINDOW, "end": end})
    groups, status = [], 200
    if not form.is_valid():
        status = 400
    else:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = positions.changes_queryset(negotiation, start, end, target_types=SUMMARY_TARGETS)
        if form.cleaned_data["actor"]:
            rows = rows.filter(actor=form.cleaned_data["actor"])
        if form.cleaned_data["change"]:
            rows = rows.filter(change=form.cleaned_data["change"])
        titled = targets.index(negotiation)
        by_issue: dict[int | None, list] = defaultdict(list)
        for item in describe(positions.with_contests(list(rows)), titled):
            issue_id = item["target"].issue_id if item["target"] else None
            by_issue[issue_id].append(item)
        for issue_id, items in sorted(by_issue.items(), key=lambda kv: (kv[0] is None, kv[0])):
            issue = titled.get((TargetType.ISSUE, issue_id))
            groups.append({"issue": issue, "changes": items})
    parties = negotiation.participants.filter(role=ParticipantRole.PARTY).count()
    context = {
        "negotiation": negotiation,
        "form": form,
        "groups": groups,
        "parties": parties,
        "filtered": form.is_valid() and (form.cleaned_data["actor"] or form.cleaned_data["change"]),
        "change_label": dict(ChangeKind.choices).get(form.cleaned_data.get("change"), "")
        if form.is_valid()
        else "",
    }
    return render(request, "negotiations/compare.html", context, status=status)

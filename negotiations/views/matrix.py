"""The matrix as of a date, the "equal footing" summary, and what changed between two dates."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django import forms
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from negotiations import positions
from negotiations.caching import public_page
from negotiations.models import ChangeKind, ParticipantRole, Position, TargetType
from negotiations.views.overview import describe, get_negotiation_or_404, matrix_rows, targets_of

# Issue-level rows already include what claims on provisions and proposals say,
# so summaries count issue and demand rows only, never the same move twice.
SUMMARY_TARGETS = [TargetType.ISSUE, TargetType.DEMAND]


class MatrixForm(forms.Form):
    as_of = forms.DateField(
        label="As of", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    since = forms.DateField(
        label="Moves since", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class CompareForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The second date is before the first.")
        return cleaned


def footing(negotiation, parties, since: datetime.date, until: datetime.date) -> list[dict]:
    """Per party since a date: hardenings, softenings, new demands, contested positions."""
    counts = (
        Position.objects.filter(
            negotiation=negotiation,
            actor__in=parties,
            target_type__in=SUMMARY_TARGETS,
            date_latest__gte=since,
            date_latest__lte=until,
        )
        .values("actor")
        .annotate(
            hardened=Count("pk", filter=Q(change=ChangeKind.HARDENED)),
            softened=Count("pk", filter=Q(change=ChangeKind.SOFTENED)),
            reversed=Count("pk", filter=Q(change=ChangeKind.REVERSED)),
            new_demands=Count("pk", filter=Q(change=ChangeKind.NEW_DEMAND)),
            contested=Count("pk", filter=Q(contested=True)),
        )
        .order_by()
    )
    by_actor = {row["actor"]: row for row in counts}
    empty = {"hardened": 0, "softened": 0, "reversed": 0, "new_demands": 0, "contested": 0}
    return [{"party": party, **empty, **by_actor.get(party.pk, {})} for party in parties]


@public_page
def matrix_page(request: HttpRequest, slug: str) -> HttpResponse:
    negotiation = get_negotiation_or_404(slug)
    today = timezone.localdate()
    form = MatrixForm(request.GET or None)
    as_of, since = today, today - datetime.timedelta(days=90)
    status = 200
    if form.is_bound:
        if form.is_valid():
            as_of = form.cleaned_data["as_of"] or as_of
            since = form.cleaned_data["since"] or since
        else:
            status = 400
    matrix = positions.matrix(negotiation, as_of)
    context = {
        "negotiation": negotiation,
        "form": form,
        "matrix": matrix,
        "rows": matrix_rows(matrix),
        "since": since,
        "footing": footing(negotiation, matrix.parties, since, as_of),
    }
    return render(request, "negotiations/matrix.html", context, status=status)


@public_page
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    negotiation = get_negotiation_or_404(slug)
    form = CompareForm(request.GET or None)
    groups, status = [], 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = positions.changes(negotiation, start, end, target_types=SUMMARY_TARGETS)
        targets = targets_of(negotiation)
        by_issue: dict[int | None, list] = defaultdict(list)
        for item in describe(rows, targets):
            issue_id = item["target"].issue_id if item["target"] else None
            by_issue[issue_id].append(item)
        for issue_id, items in sorted(by_issue.items(), key=lambda kv: (kv[0] is None, kv[0])):
            issue = targets.get((TargetType.ISSUE, issue_id))
            groups.append({"issue": issue, "changes": items})
    parties = negotiation.participants.filter(role=ParticipantRole.PARTY).count()
    context = {"negotiation": negotiation, "form": form, "groups": groups, "parties": parties}
    return render(request, "negotiations/compare.html", context, status=status)

"""The issue page: one swimlane per party."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from negotiations.models import Issue


def issue_detail(request: HttpRequest, slug: str, issue_slug: str) -> HttpResponse:
    issue = get_object_or_404(
        Issue.objects.select_related("negotiation"), negotiation__slug=slug, slug=issue_slug
    )
    context = {
        "negotiation": issue.negotiation,
        "issue": issue,
        "demands": issue.demands.select_related("actor"),
        "provisions": issue.provisions.select_related("proposal"),
    }
    return render(request, "negotiations/issue.html", context)

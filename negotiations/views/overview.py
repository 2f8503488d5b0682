"""Plain pages for analysts. Richer pages (charts, matrix) build on these."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from negotiations.models import Claim, Negotiation, Statement

TIMELINE_LIMIT = 200


def get_negotiation_or_404(slug: str) -> Negotiation:
    return get_object_or_404(Negotiation, slug=slug)


def published_statements(negotiation: Negotiation):
    claims = Claim.objects.select_related(
        "subject", "proposal", "provision__proposal", "demand", "issue"
    )
    return (
        Statement.objects.published()
        .filter(negotiation=negotiation)
        .select_related("speaker", "on_behalf_of", "source__publisher")
        .prefetch_related(Prefetch("claims", queryset=claims))
        .chronological()
    )


def index(request: HttpRequest) -> HttpResponse:
    negotiations = list(Negotiation.objects.all()[:2])
    if len(negotiations) == 1:
        return redirect(negotiations[0])
    return render(request, "negotiations/index.html", {"negotiations": Negotiation.objects.all()})


def negotiation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    negotiation = get_negotiation_or_404(slug)
    context = {
        "negotiation": negotiation,
        "participants": negotiation.participants.select_related("actor"),
        "issues": negotiation.issues.all(),
        "proposals": negotiation.proposals.select_related("proposed_by"),
        "statements": published_statements(negotiation)[:TIMELINE_LIMIT],
    }
    return render(request, "negotiations/detail.html", context)

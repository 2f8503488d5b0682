"""Plain pages for analysts. Richer pages (charts, matrix) build on these."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from negotiations.models import Claim, Issue, Negotiation, Proposal, Statement

TIMELINE_LIMIT = 200


def _get_negotiation_or_404(slug: str) -> Negotiation:
    return get_object_or_404(Negotiation, slug=slug)


def _published_statements(negotiation: Negotiation):
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
    negotiation = _get_negotiation_or_404(slug)
    context = {
        "negotiation": negotiation,
        "participants": negotiation.participants.select_related("actor"),
        "issues": negotiation.issues.all(),
        "proposals": negotiation.proposals.select_related("proposed_by"),
        "statements": _published_statements(negotiation)[:TIMELINE_LIMIT],
    }
    return render(request, "negotiations/detail.html", context)


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


def proposal_detail(request: HttpRequest, slug: str, proposal_slug: str) -> HttpResponse:
    proposal = get_object_or_404(
        Proposal.objects.select_related("negotiation", "proposed_by", "supersedes"),
        negotiation__slug=slug,
        slug=proposal_slug,
    )
    context = {
        "negotiation": proposal.negotiation,
        "proposal": proposal,
        "provisions": proposal.provisions.select_related("issue"),
    }
    return render(request, "negotiations/proposal.html", context)

"""The proposal page: provisions by phase, lineage, who accepted it when."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from negotiations.models import Proposal


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

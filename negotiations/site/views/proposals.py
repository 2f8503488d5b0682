"""The proposal page: provisions by phase, lineage with a diff, who accepted it when."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.caching import public_page
from negotiations import positions
from negotiations.models import Position, Proposal, Provision, TargetType


@dataclass
class ProvisionChange:
    """One provision against its counterpart in the superseded version."""

    kind: str  # "same", "changed", "added", "removed"
    provision: Provision
    words: list[tuple[str, str]] = field(default_factory=list)  # ("equal"|"insert"|"delete", text)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    before, after = old.split(), new.split()
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after).get_opcodes():
        if op in ("delete", "replace"):
            pieces.append(("delete", " ".join(before[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(("insert", " ".join(after[j1:j2])))
        if op == "equal":
            pieces.append(("equal", " ".join(before[i1:i2])))
    return pieces


def diff_provisions(old: list[Provision], new: list[Provision]) -> list[ProvisionChange]:
    """Pair provisions by phase and issue (else by phase and order) and diff their text."""

    def key(p: Provision):
        return (p.phase, p.issue_id) if p.issue_id else (p.phase, "order", p.order)

    previous = {}
    for provision in old:
        previous.setdefault(key(provision), provision)
    changes = []
    for provision in new:
        counterpart = previous.pop(key(provision), None)
        if counterpart is None:
            changes.append(ProvisionChange("added", provision))
        elif counterpart.text.strip() == provision.text.strip():
            changes.append(ProvisionChange("same", provision))
        else:
            words = word_diff(counterpart.text, provision.text)
            changes.append(ProvisionChange("changed", provision, words))
    changes += [ProvisionChange("removed", p) for p in previous.values()]
    return changes


@public_page
def proposal_detail(request: HttpRequest, slug: str, proposal_slug: str) -> HttpResponse:
    proposal = get_object_or_404(
        Proposal.objects.select_related("negotiation", "proposed_by", "supersedes"),
        negotiation__slug=slug,
        slug=proposal_slug,
    )
    lineage = list(
        Proposal.objects.filter(negotiation=proposal.negotiation).select_related("supersedes")
    )
    by_pk = {p.pk: p for p in lineage}
    chain, current = [], proposal
    while current is not None and current not in chain:
        chain.append(current)
        current = by_pk.get(current.supersedes_id)
    newer = [p for p in lineage if p.supersedes_id == proposal.pk]
    provisions = list(
        Provision.objects.filter(proposal__in=[proposal.pk, proposal.supersedes_id])
        .select_related("issue")
        .order_by("phase", "order")
    )
    own = [p for p in provisions if p.proposal_id == proposal.pk]
    earlier = [p for p in provisions if p.proposal_id == proposal.supersedes_id]
    stances = positions.with_contests(
        list(
            Position.objects.published()
            .filter(target_type=TargetType.PROPOSAL, target_id=proposal.pk)
            .select_related("actor")
            .order_by("actor__name", "seq")
        )
    )
    context = {
        "negotiation": proposal.negotiation,
        "proposal": proposal,
        "provisions": own,
        "chain": chain,
        "newer": newer,
        "diff": diff_provisions(earlier, own) if proposal.supersedes_id else [],
        "stances": stances,
    }
    return render(request, "negotiations/proposal.html", context)

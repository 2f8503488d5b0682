"""Filters for the statement and claim lists.

Dates are fuzzy, so a date filter asks whether a statement's range *overlaps*
the window: `date_after=2024-08-01` keeps statements that may fall on or after
Aug 1 (their latest day is on or after it), `date_before=2024-08-31` those that
may fall on or before Aug 31 (their earliest day is on or before it). A
statement dated "Aug 2024" is in both.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, Subquery

from negotiations.models import (
    Basis,
    Claim,
    Demand,
    Issue,
    Proposal,
    Provision,
    Stance,
    Statement,
    StatementStatus,
)
from negotiations.statements.search import search_statements

STANCES = [(label, label) for _, label in Stance.choices]
STANCE_BY_LABEL = {label: value for value, label in Stance.choices}


def _negotiation_of(model, pk: int) -> Subquery:
    return Subquery(model.objects.filter(pk=pk).values("negotiation")[:1])


class StatementFilter(django_filters.FilterSet):
    negotiation = django_filters.CharFilter(field_name="negotiation__slug", help_text="Slug.")
    speaker = django_filters.CharFilter(field_name="speaker__slug", help_text="Actor slug.")
    on_behalf_of = django_filters.CharFilter(
        field_name="on_behalf_of__slug", help_text="Actor slug."
    )
    subject = django_filters.CharFilter(
        method="filter_claims", help_text="Actor slug: statements with a claim about this actor."
    )
    issue = django_filters.NumberFilter(
        method="filter_claims",
        help_text="Issue id: claims on the issue, on its demands, on provisions that address "
        "it, or on proposals with such a provision.",
    )
    proposal = django_filters.NumberFilter(
        method="filter_claims", help_text="Proposal id: claims on it or on its provisions."
    )
    stance = django_filters.ChoiceFilter(choices=STANCES, method="filter_claims")
    basis = django_filters.ChoiceFilter(choices=Basis.choices, method="filter_claims")
    date_after = django_filters.DateFilter(
        field_name="date_latest", lookup_expr="gte", help_text="Could be on or after (YYYY-MM-DD)."
    )
    date_before = django_filters.DateFilter(
        field_name="date_earliest",
        lookup_expr="lte",
        help_text="Could be on or before (YYYY-MM-DD).",
    )
    status = django_filters.ChoiceFilter(
        choices=StatementStatus.choices,
        help_text="Editors only; everyone else sees published statements.",
    )
    q = django_filters.CharFilter(
        method="filter_text", help_text="Words in the quote, translation or summary."
    )
    ordering = django_filters.ChoiceFilter(
        choices=[("date", "oldest first"), ("-date", "newest first")],
        method="filter_nothing",
        help_text="Read by the cursor pagination.",
    )

    class Meta:
        model = Statement
        fields: list[str] = []

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_text(self, queryset, name, value):
        return search_statements(queryset, value)

    def filter_claims(self, queryset, name, value):
        # All claim conditions apply to the same claim: "Israel rejects" means
        # one claim with subject Israel and stance rejects.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        condition = Q()
        if data.get("subject"):
            condition &= Q(subject__slug=data["subject"])
        if data.get("stance"):
            condition &= Q(stance=STANCE_BY_LABEL[data["stance"]])
        if data.get("basis"):
            condition &= Q(basis=data["basis"])
        # Each target's claims are found by id (an index per target column) rather
        # than through joins, and the target's negotiation is named too: a claim's
        # target is always in its statement's negotiation (Claim.clean), and with it
        # the statements are walked in order on statement_negotiation_date, each
        # checked against its own few claims, so a page costs the same however
        # many statements the issue has and however deep the cursor is.
        if data.get("issue") is not None:
            issue = int(data["issue"])
            on_issue = Provision.objects.filter(issue=issue)
            condition &= (
                Q(issue=issue)
                | Q(demand__in=Demand.objects.filter(issue=issue).values("pk"))
                | Q(provision__in=on_issue.values("pk"))
                | Q(proposal__in=on_issue.values("proposal"))
            )
            queryset = queryset.filter(negotiation=_negotiation_of(Issue, issue))
        if data.get("proposal") is not None:
            proposal = int(data["proposal"])
            condition &= Q(proposal=proposal) | Q(
                provision__in=Provision.objects.filter(proposal=proposal).values("pk")
            )
            queryset = queryset.filter(negotiation=_negotiation_of(Proposal, proposal))
        if condition:
            queryset = queryset.filter(pk__in=Claim.objects.filter(condition).values("statement"))
        return queryset


class ClaimFilter(django_filters.FilterSet):
    negotiation = django_filters.CharFilter(field_name="statement__negotiation__slug")
    statement = django_filters.NumberFilter(field_name="statement")
    subject = django_filters.CharFilter(field_name="subject__slug")
    stance = django_filters.ChoiceFilter(choices=STANCES, method="filter_stance")
    basis = django_filters.ChoiceFilter(choices=Basis.choices)
    issue = django_filters.NumberFilter(field_name="issue")
    proposal = django_filters.NumberFilter(field_name="proposal")
    provision = django_filters.NumberFilter(field_name="provision")
    demand = django_filters.NumberFilter(field_name="demand")

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_stance(self, queryset, name, value):
        return queryset.filter(stance=STANCE_BY_LABEL[value])

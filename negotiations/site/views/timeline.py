"""The timeline of statements, and search."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property

from actors.models import Actor, Alias
from actors.names import normalise_name
from core.caching import cached, public_page
from negotiations.models import Claim, Issue, Negotiation, Proposal, Statement
from negotiations.site.views.overview import get_negotiation_or_404, published_statements
from negotiations.statements.filters import StatementFilter
from negotiations.statements.search import search_statements

STATEMENTS_PER_PAGE = 50
SEARCH_LIMIT = 20
MAX_QUERY_LENGTH = 200

# The filters the page offers, in form order. Left out from the API's: negotiation
# (the page is for one), status (the page shows published statements only) and
# ordering (always by date); `actor` stands for speaker, on_behalf_of and subject.
_FORM_ORDER = ("actor", "issue", "proposal", "stance", "basis", "date_after", "date_before", "q")


class TimelineFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        after, before = data.get("date_after"), data.get("date_before")
        if after and before and after > before:
            self.add_error("date_before", "“Date to” is before “Date from”.")
        return data


class TimelineFilter(StatementFilter):
    """The API's statement filter with choices from one negotiation, for the page form.

    Parameter names, values and the fuzzy-date overlap semantics are the API's,
    so a filtered timeline and /api/v1/statements/ agree on what they keep.
    """

    actor = django_filters.ChoiceFilter(
        method="filter_actor",
        label="Actor",
        empty_label="Any actor",
        help_text="Speaks, is spoken for, or is the subject of a claim.",
    )
    # Typed so that an empty choice is None, as the API's NumberFilter gives it.
    issue = django_filters.TypedChoiceFilter(
        method="filter_claims",
        label="Issue",
        coerce=int,
        empty_value=None,
        help_text="Also claims on its demands, and on the texts that address it.",
    )
    proposal = django_filters.TypedChoiceFilter(
        method="filter_claims", label="Proposal", coerce=int, empty_value=None
    )

    class Meta:
        model = Statement
        fields: list[str] = []
        form = TimelineFilterForm

    def __init__(self, data=None, queryset=None, *, negotiation: Negotiation, **kwargs) -> None:
        super().__init__(data, queryset, **kwargs)
        self.filters = {name: self.filters[name] for name in _FORM_ORDER}
        published = Statement.objects.published().filter(negotiation=negotiation)
        actors = Actor.objects.filter(
            Q(pk__in=published.values("speaker"))
            | Q(pk__in=published.values("on_behalf_of"))
            | Q(pk__in=Claim.objects.filter(statement__in=published).values("subject"))
        ).values_list("slug", "name")
        # Reading them means reading every statement and claim of the negotiation:
        # kept until the data changes.
        actors = cached(negotiation, "timeline-actors", (negotiation.pk,), lambda: list(actors))
        issues = negotiation.issues.values_list("pk", "title")
        proposals = negotiation.proposals.values_list("pk", "title")
        filters = self.filters
        filters["actor"].extra["choices"] = list(actors)
        filters["issue"].extra["choices"] = [("", "Any issue"), *issues]
        filters["proposal"].extra["choices"] = [("", "Any proposal"), *proposals]
        filters["stance"].label = "Stance"
        filters["stance"].extra["empty_label"] = "Any stance"
        filters["basis"].label = "Basis"
        filters["basis"].extra["empty_label"] = "Any basis"
        filters["q"].label = "Words"
        filters["q"].extra["help_text"] = "In the quote, translation or summary."
        filters["q"].extra["max_length"] = MAX_QUERY_LENGTH
        for name, label in (("date_after", "Date from"), ("date_before", "Date to")):
            filters[name].label = label
            filters[name].extra["widget"] = forms.DateInput(
                attrs={"type": "date"}, format="%Y-%m-%d"
            )

    def filter_actor(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        spoken_of = Claim.objects.filter(subject__slug=value).values("statement")
        return queryset.filter(
            Q(speaker__slug=value) | Q(on_behalf_of__slug=value) | Q(pk__in=spoken_of)
        )


class CachedCountPaginator(Paginator):
    """A paginator whose count (every matching row read) is kept until the data changes."""

    def __init__(self, *args, cache_as: tuple, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cache_as = cache_as

    @cached_property
    def count(self) -> int:
        obj, parts = self.cache_as
        return cached(obj, "timeline-count", parts, lambda: Paginator.count.func(self))


@dataclass
class Month:
    first_day: datetime.date
    statements: list[Statement]


def _by_month(statements: list[Statement]) -> list[Month]:
    """Group statements (in date order) under the month in which each may first fall."""
    return [
        Month(first_day, list(rows))
        for first_day, rows in groupby(statements, key=lambda s: s.date_earliest.replace(day=1))
    ]


def _page_of(statements: QuerySet, pk: str) -> int | None:
    """Return the page number holding statement `pk` among `statements`, or None."""
    # Anything a database id cannot be would be a database error, not "not here".
    if not pk.isdigit() or len(pk) > 18:
        return None
    found = statements.filter(pk=pk).values("date_earliest", "date_latest").first()
    if found is None:
        return None
    earliest, latest = found["date_earliest"], found["date_latest"]
    # The timeline's order is (date_earliest, date_latest, pk): count what comes before.
    before = statements.filter(
        Q(date_earliest__lt=earliest)
        | Q(date_earliest=earliest, date_latest__lt=latest)
        | Q(date_earliest=earliest, date_latest=latest, pk__lt=pk)
    ).count()
    return before // STATEMENTS_PER_PAGE + 1


@public_page
def timeline(request: HttpRequest, slug: str) -> HttpResponse:
    negotiation = get_negotiation_or_404(slug)
    filterset = TimelineFilter(
        request.GET, published_statements(negotiation), negotiation=negotiation
    )
    if not filterset.is_valid():
        context = {"negotiation": negotiation, "filterset": filterset, "months": [], "page": None}
        return render(request, "negotiations/timeline.html", context, status=400)

    statements = filterset.qs
    wanted = request.GET.get("statement")
    if wanted:
        page_number = _page_of(statements, wanted)
        if page_number is not None:
            # Land on the page that holds it, keeping the filters in the address.
            params = [(k, v) for k, v in request.GET.items() if k not in ("statement", "page")]
            if page_number > 1:
                params.append(("page", str(page_number)))
            query = f"?{urlencode(params)}" if params else ""
            url = reverse("negotiations:timeline", args=[negotiation.slug])
            return redirect(f"{url}{query}#statement-{wanted}")

    filters = sorted((k, v) for k, v in request.GET.lists() if k != "page")
    paginator = CachedCountPaginator(
        statements, STATEMENTS_PER_PAGE, cache_as=(negotiation, (negotiation.pk, filters))
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "negotiation": negotiation,
        "filterset": filterset,
        "page": page,
        # Rendering fifty statements with their claims is most of the page's cost.
        "months_html": cached(
            negotiation,
            "timeline-page",
            (negotiation.pk, filters, page.number),
            lambda: render_to_string(
                "negotiations/_months.html", {"months": _by_month(list(page.object_list))}
            ),
        ),
    }
    return render(request, "negotiations/timeline.html", context)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", max_length=MAX_QUERY_LENGTH, required=False, strip=True)


def _search_results(text: str) -> dict:
    statements = (
        search_statements(Statement.objects.published(), text)
        .for_display()
        .order_by("-date_earliest", "-date_latest", "-pk")
    )
    alias_named = Q(name__icontains=text)
    if normalised := normalise_name(text):
        # Spelling variants: "khalil al hayya" finds "Khalīl al-Ḥayya".
        alias_named |= Q(normalised__contains=normalised)
    aliases = Alias.objects.filter(alias_named)
    actors = Actor.objects.filter(
        Q(name__icontains=text) | Q(pk__in=aliases.values("actor"))
    ).order_by("name", "pk")
    issues = Issue.objects.filter(title__icontains=text).select_related("negotiation")
    proposals = Proposal.objects.filter(title__icontains=text).select_related("negotiation")
    return {
        name: {"count": rows.count(), "rows": list(rows[:SEARCH_LIMIT])}
        for name, rows in (
            ("statements", statements),
            ("actors", actors),
            ("issues", issues.order_by("title", "pk")),
            ("proposals", proposals.order_by("title", "pk")),
        )
    }


@public_page
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results = None
    status = 200
    if not form.is_valid():
        status = 400
    elif form.cleaned_data["q"]:
        results = _search_results(form.cleaned_data["q"])
    context = {"form": form, "results": results, "limit": SEARCH_LIMIT}
    return render(request, "negotiations/search.html", context, status=status)

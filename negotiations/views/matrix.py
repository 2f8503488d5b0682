"""The matrix as of a date, and what changed between two dates."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def matrix_page(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("not yet")


def compare(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("not yet")

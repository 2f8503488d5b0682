"""The timeline of statements, and search."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def timeline(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404("not yet")


def search(request: HttpRequest) -> HttpResponse:
    raise Http404("not yet")

"""Atom feeds of published statements and of position changes."""

from __future__ import annotations

from django.http import Http404


class StatementFeed:
    def __call__(self, request, slug):
        raise Http404("not yet")


class ChangeFeed:
    def __call__(self, request, slug):
        raise Http404("not yet")

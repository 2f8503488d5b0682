from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from actors.models import Actor


def actor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = get_object_or_404(Actor.objects.select_related("parent"), slug=slug)
    context = {
        "actor": actor,
        "aliases": actor.aliases.all(),
        "affiliations": actor.affiliations.select_related("organization"),
        "members": actor.members.select_related("person"),
    }
    return render(request, "actors/detail.html", context)

"""Script injection: every text a user can type, on every page and endpoint, renders escaped.

The demo is loaded, then every free-text field of every row is overwritten with
a payload that names its field. Each page, feed, admin page and API response
(the browsable HTML API too) is fetched; none may contain a payload unescaped.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse

from actors.models import Actor
from negotiations import positions
from negotiations.models import Issue, Negotiation, Proposal, Statement, StatementStatus

pytestmark = pytest.mark.django_db

MARK = "xss-"
RAW = re.compile(r"<b data-x=")


def payload(model, field):
    """`<b data-x="xss-model.field">"'&` and the row's id, so that unique texts stay unique."""
    text = f'<b data-x="{MARK}{model._meta.model_name}.{field.name}">"\'&'
    return Concat(Value(text), Cast("pk", models.CharField()))


def user_text_fields(model):
    """Char and text fields an editor or API client types freely."""
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField):
            continue
        if field.choices or isinstance(field, models.SlugField | models.URLField):
            continue
        if field.unique or field.name in {"normalised", "content_hash", "wikidata_id"}:
            continue  # keys and derived values, not prose
        if field.max_length is not None and field.max_length < 64:
            continue
        yield field


@pytest.fixture
def poisoned():
    call_command("load_demo", verbosity=0)
    fields = 0
    for app in ("actors", "negotiations", "ingestion"):
        for model in apps.get_app_config(app).get_models():
            if model._meta.model_name.startswith("historical"):
                continue
            for field in user_text_fields(model):
                model.objects.update(**{field.name: payload(model, field)})
                fields += 1
    positions.rebuild()
    assert fields >= 15
    return fields


def pages() -> list[str]:
    negotiation = Negotiation.objects.get()
    slug = negotiation.slug
    urls = [
        "/",
        f"/n/{slug}/",
        f"/n/{slug}/timeline/",
        f"/n/{slug}/timeline/?q=data",
        f"/n/{slug}/matrix/",
        f"/n/{slug}/matrix/?as_of=2024-06-11",
        f"/n/{slug}/compare/?start=2024-06-01&end=2024-08-20",
        f"/n/{slug}/feeds/statements/",
        f"/n/{slug}/feeds/changes/",
        "/search/?q=data",
    ]
    urls += [issue.get_absolute_url() for issue in Issue.objects.all()]
    urls += [proposal.get_absolute_url() for proposal in Proposal.objects.all()]
    urls += [actor.get_absolute_url() for actor in Actor.objects.all()[:12]]
    return urls


def api_urls() -> list[str]:
    slug = Negotiation.objects.get().slug
    statement = Statement.objects.published().first()
    urls = [
        "/api/v1/actors/",
        "/api/v1/negotiations/",
        f"/api/v1/negotiations/{slug}/",
        f"/api/v1/negotiations/{slug}/positions/",
        f"/api/v1/negotiations/{slug}/matrix/",
        f"/api/v1/negotiations/{slug}/changes/",
        "/api/v1/demands/",
        "/api/v1/sources/",
        "/api/v1/statements/",
        f"/api/v1/statements/{statement.pk}/",
        "/api/v1/claims/",
        "/api/v1/popolo/",
    ]
    return urls


def assert_escaped(response, url: str) -> None:
    assert response.status_code == 200, url
    body = response.content.decode()
    assert not RAW.search(body), f"{url} renders a payload unescaped"


def test_every_page_and_feed_escapes_every_field(client, poisoned):
    seen = set()
    for url in pages():
        response = client.get(url, follow=True)
        assert_escaped(response, url)
        seen |= set(re.findall(rf"{MARK}[a-z]+\.[a-z_]+", response.content.decode()))
    # The payloads did reach the pages, escaped: names, titles, quotes, summaries…
    for expected in ("actor.name", "statement.quote", "issue.title", "proposal.title"):
        assert f"{MARK}{expected}" in seen


def test_the_browsable_api_escapes_every_field_and_json_stays_json(client, poisoned):
    for url in api_urls():
        browsable = client.get(url, HTTP_ACCEPT="text/html")
        assert_escaped(browsable, url)
        data = client.get(url, HTTP_ACCEPT="application/json")
        assert data["Content-Type"].startswith("application/json"), url


def test_the_admin_escapes_every_field(admin_client, poisoned):
    for model in (*apps.get_app_config("negotiations").get_models(), Actor):
        if model._meta.model_name.startswith("historical") or not admin_site_has(model):
            continue
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert_escaped(admin_client.get(changelist), changelist)
        first = model.objects.first()
        if first is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert_escaped(admin_client.get(change), change)
    queue = reverse("admin:negotiations_statement_review")
    Statement.objects.update(status=StatementStatus.IN_REVIEW)
    assert_escaped(admin_client.get(queue), queue)


def admin_site_has(model) -> bool:
    from django.contrib import admin

    return model in admin.site._registry

"""What an attacker or a careless client sends: each a clear 4xx, fast; never a 500.

And what they may read: sources of unpublished work stay unpublished; a cached answer
follows the permissions of who asks now, and the host they asked.
"""

from __future__ import annotations

import base64
import datetime
import time

import pytest
from django.contrib.auth.models import Group
from knox.models import AuthToken
from rest_framework.test import APIClient

from negotiations.models import Statement
from negotiations.statements.services import MAX_CLAIMS
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IssueFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    ("url", "position"),
    [
        ("/api/v1/statements/", "p=not-a-date"),
        ("/api/v1/statements/", "p=2024-13-45"),
        ("/api/v1/statements/", "p=%00"),
        ("/api/v1/claims/", "p=abc"),
        ("/api/v1/claims/", "p=1%002"),
    ],
)
def test_a_tampered_cursor_is_a_400_naming_it(client, url, position):
    StatementFactory()
    response = client.get(url, {"cursor": cursor(position)})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["attr"] == "cursor"


def test_a_cursor_that_is_not_base64_is_never_a_500(client):
    for garbage in ("!!!", "%%%", "\x00", "a" * 5000):
        assert client.get("/api/v1/statements/", {"cursor": garbage}).status_code < 500


def test_json_nested_too_deeply_is_a_400(reviewer):
    body = "[" * 100_000 + "]" * 100_000
    response = token_client(reviewer).generic(
        "POST", "/api/v1/statements/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["errors"][0]["detail"]


def test_a_body_over_the_limit_is_a_413(reviewer, settings):
    body = '{"summary": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 100) + '"}'
    response = token_client(reviewer).generic(
        "POST", "/api/v1/statements/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "too_large"


def test_too_many_claims_in_one_statement_are_refused_at_once(reviewer):
    issue, speaker = IssueFactory(), ActorFactory()
    claim = {
        "subject": speaker.slug,
        "stance": "accepts",
        "target_type": "issue",
        "target_id": issue.pk,
    }
    body = {
        "negotiation": issue.negotiation.slug,
        "speaker": speaker.slug,
        "date": "2024-08-19",
        "source": SourceFactory().pk,
        "quote": "Many.",
        "claims": [claim] * 20_000,
    }
    started = time.monotonic()
    response = token_client(reviewer).post("/api/v1/statements/", body, format="json")
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["attr"].split(".")[0] == "claims"
    assert str(MAX_CLAIMS) in errors[0]["detail"]
    assert not Statement.objects.exists()


# Reading -------------------------------------------------------------------------------------


def test_a_source_of_unpublished_work_is_not_public(client, editor):
    published = StatementFactory(source=SourceFactory(title="On the record"))
    draft = StatementFactory(status="draft", source=SourceFactory(title="CONFIDENTIAL-SOURCE"))
    listed = client.get("/api/v1/sources/").json()["results"]
    assert [row["title"] for row in listed] == ["On the record"]
    assert client.get(f"/api/v1/sources/{draft.source_id}/").status_code == 404
    assert client.get(f"/api/v1/sources/{published.source_id}/").status_code == 200
    assert "CONFIDENTIAL-SOURCE" not in client.get("/api/v1/sources/?format=csv").content.decode()
    editor_sees = token_client(editor).get("/api/v1/sources/").json()["results"]
    assert {row["title"] for row in editor_sees} == {"On the record", "CONFIDENTIAL-SOURCE"}


def test_a_demoted_editor_stops_seeing_drafts_at_once(editor):
    ClaimFactory(statement=StatementFactory(status="draft", quote="Secret draft"))
    api = token_client(editor)
    assert "Secret draft" in api.get("/api/v1/statements/").content.decode()
    first = api.get("/api/v1/statements/")
    editor.groups.remove(Group.objects.get(name="editor"))  # no write to the record
    again = api.get("/api/v1/statements/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Secret draft" not in again.content.decode()


def test_cached_links_follow_the_host_asked(client, settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    for day in range(1, 4):
        StatementFactory(date_earliest=datetime.date(2024, 8, day))
    one = client.get("/api/v1/statements/?page_size=1", HTTP_HOST="one.example").json()
    two = client.get("/api/v1/statements/?page_size=1", HTTP_HOST="two.example").json()
    assert one["next"].startswith("http://one.example/")
    assert two["next"].startswith("http://two.example/")

"""The REST API: who may read and write what, formats, errors, caching and query counts."""

from __future__ import annotations

import base64
import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from negotiations import positions
from negotiations.models import Claim, Statement, StatementStatus
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    AliasFactory,
    ClaimFactory,
    DemandFactory,
    IssueFactory,
    NegotiationFactory,
    ParticipantFactory,
    PersonFactory,
    ProposalFactory,
    ProvisionFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

STATEMENTS = "/api/v1/statements/"


def user_with(django_user_model, name: str, *codenames: str):
    user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw-for-tests")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def token_client(user) -> APIClient:
    client = APIClient()
    client.default_format = "json"
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def editor(django_user_model):
    """May add and change statements and claims, not publish them."""
    return user_with(
        django_user_model,
        "editor",
        "add_statement",
        "change_statement",
        "view_statement",
        "add_claim",
        "change_claim",
    )


@pytest.fixture
def reviewer(django_user_model):
    return user_with(
        django_user_model,
        "reviewer",
        "add_statement",
        "change_statement",
        "delete_statement",
        "publish_statement",
        "add_claim",
        "change_claim",
    )


@pytest.fixture
def outsider(django_user_model):
    return user_with(django_user_model, "outsider")


@pytest.fixture
def record():
    """One negotiation with a published, a draft and a retracted statement."""
    issue = IssueFactory()
    published = ClaimFactory(
        statement=StatementFactory(negotiation=issue.negotiation, quote="Published words"),
        issue=issue,
    ).statement
    draft = ClaimFactory(
        statement=StatementFactory(
            negotiation=issue.negotiation, status="draft", quote="Secret draft words"
        ),
        issue=issue,
    ).statement
    retracted = StatementFactory(
        negotiation=issue.negotiation, status="retracted", quote="Withdrawn words"
    )
    return {"issue": issue, "published": published, "draft": draft, "retracted": retracted}


def new_statement(issue, source, **extra) -> dict:
    return {
        "negotiation": issue.negotiation.slug,
        "speaker": ActorFactory().slug,
        "date": "Aug 19, 2024",
        "source": source.pk,
        "quote": "We accept the proposal.",
        "quote_language": "en",
        "claims": [
            {
                "subject": ActorFactory().slug,
                "stance": "accepts",
                "basis": "own",
                "target_type": "issue",
                "target_id": issue.pk,
            }
        ],
        **extra,
    }


# Reading --------------------------------------------------------------------


def test_anonymous_clients_read_published_statements_only(anonymous, record):
    response = anonymous.get(STATEMENTS)
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [record["published"].pk]
    assert anonymous.get(f"{STATEMENTS}{record['draft'].pk}/").status_code == 404
    assert anonymous.get(f"{STATEMENTS}?status=draft").json()["results"] == []


@pytest.mark.parametrize(
    "url",
    [
        STATEMENTS,
        f"{STATEMENTS}?format=csv",
        f"{STATEMENTS}?q=secret",
        "/api/v1/claims/",
        "/api/v1/claims/?format=csv",
    ],
)
def test_drafts_never_reach_anonymous_clients_in_any_format(anonymous, record, url):
    body = anonymous.get(url).content.decode()
    assert "Secret draft" not in body
    assert "Withdrawn" not in body
    assert f'"statement":{record["draft"].pk}' not in body


def test_editors_see_drafts_and_can_filter_by_status(editor, record):
    client = token_client(editor)
    ids = {s["id"] for s in client.get(STATEMENTS).json()["results"]}
    assert ids == {record["published"].pk, record["draft"].pk, record["retracted"].pk}
    drafts = client.get(STATEMENTS, {"status": "draft"}).json()["results"]
    assert [s["id"] for s in drafts] == [record["draft"].pk]


def test_a_statement_shows_its_claims_and_source(anonymous, record):
    data = anonymous.get(f"{STATEMENTS}{record['published'].pk}/").json()
    assert data["date"] == "Aug 19, 2024"
    assert data["source_detail"]["title"] == record["published"].source.title
    [claim] = data["claims"]
    assert claim["stance"] == "accepts"
    assert (claim["target_type"], claim["target_id"]) == ("issue", record["issue"].pk)


def test_statement_filters(anonymous):
    issue = IssueFactory()
    israel, hamas = ActorFactory(slug="israel"), ActorFactory(slug="hamas")

    def said(subject, stance, earliest, latest=None, basis="own"):
        statement = StatementFactory(
            negotiation=issue.negotiation,
            speaker=subject,
            date_earliest=earliest,
            date_latest=latest or earliest,
        )
        ClaimFactory(statement=statement, subject=subject, issue=issue, stance=stance, basis=basis)
        return statement.pk

    june = said(israel, 2, datetime.date(2024, 6, 1))
    august = said(israel, -2, datetime.date(2024, 8, 1), datetime.date(2024, 8, 31))
    hamas_said = said(hamas, -2, datetime.date(2024, 8, 20), basis="attributed")

    def ids(**params):
        response = anonymous.get(STATEMENTS, params)
        assert response.status_code == 200, response.json()
        return {s["id"] for s in response.json()["results"]}

    assert ids(subject="israel") == {june, august}
    assert ids(subject="israel", stance="rejects") == {august}
    assert ids(basis="attributed") == {hamas_said}
    assert ids(issue=issue.pk) == {june, august, hamas_said}
    assert ids(speaker="hamas") == {hamas_said}
    # Fuzzy dates overlap the window: "Aug 2024" could be on Aug 25.
    assert ids(date_after="2024-08-25") == {august}
    assert ids(date_before="2024-07-01") == {june}
    assert ids(date_after="2024-08-15", date_before="2024-08-21") == {august, hamas_said}
    newest_first = anonymous.get(STATEMENTS, {"ordering": "-date"}).json()["results"]
    assert newest_first[0]["id"] == hamas_said


def test_full_text_search_finds_quotes_translations_and_summaries(anonymous):
    a = StatementFactory(quote="Netanyahu confirmed that Israel accepts the proposal")
    b = StatementFactory(quote="قال حمدان", translation="Hamdan said Israel retreated")
    StatementFactory(quote="Nothing relevant", summary="Weather report")
    found = {s["id"] for s in anonymous.get(STATEMENTS, {"q": "israel"}).json()["results"]}
    assert found == {a.pk, b.pk}
    found = {
        s["id"] for s in anonymous.get(STATEMENTS, {"q": "hamdan retreated"}).json()["results"]
    }
    assert found == {b.pk}


@pytest.mark.postgres
def test_full_text_search_uses_the_gin_index():
    from negotiations.statements.search import search_statements

    sql, params = search_statements(Statement.objects.all(), "ceasefire").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "statement_search_gin" in plan


def test_cursor_pages_stay_stable_while_statements_are_added(anonymous):
    negotiation = NegotiationFactory()
    originals = [
        StatementFactory(negotiation=negotiation, date_earliest=datetime.date(2024, 7, day)).pk
        for day in range(1, 8)
    ]
    first = anonymous.get(STATEMENTS, {"page_size": 3}).json()
    StatementFactory(negotiation=negotiation, date_earliest=datetime.date(2024, 6, 1))
    StatementFactory(negotiation=negotiation, date_earliest=datetime.date(2024, 7, 2))
    seen = [s["id"] for s in first["results"]]
    url = first["next"]
    while url:
        page = anonymous.get(url).json()
        seen += [s["id"] for s in page["results"]]
        url = page["next"]
    assert [pk for pk in seen if pk in originals] == originals
    assert len(seen) == len(set(seen))


# Formats ---------------------------------------------------------------------


def test_csv_has_the_flat_columns_of_the_bulk_import(anonymous, record):
    response = anonymous.get(STATEMENTS, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert list(row)[:5] == ["id", "negotiation", "speaker", "on_behalf_of", "date"]
    assert row["quote"] == "Published words"
    assert row["date"] == "Aug 19, 2024"
    claim = record["published"].claims.get()
    assert row["claims"] == f"{claim.subject.slug} accepts issue:{record['issue'].pk} own"


@pytest.mark.parametrize(
    "url", ["/api/v1/actors/", "/api/v1/negotiations/", "/api/v1/sources/", "/api/v1/claims/"]
)
def test_every_list_is_available_as_csv(anonymous, record, url):
    response = anonymous.get(url, {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) >= 2 and len(set(map(len, rows))) == 1


def test_popolo_export(anonymous):
    person = ActorFactory(kind="person", slug="osama-hamdan", name="Osama Hamdan")
    hamas = ActorFactory(slug="hamas", name="Hamas", kind="armed_group")
    person.affiliations.create(organization=hamas, role="spokesman")
    data = anonymous.get("/api/v1/popolo/").json()
    assert [p["id"] for p in data["persons"]] == ["osama-hamdan"]
    assert "hamas" in {o["id"] for o in data["organizations"]}
    assert data["memberships"][0] | {"id": None} == {
        "id": None,
        "person_id": "osama-hamdan",
        "organization_id": "hamas",
        "role": "spokesman",
        "start_date": None,
        "end_date": None,
    }


# Writing ---------------------------------------------------------------------


def test_anonymous_clients_cannot_write(anonymous, record):
    response = anonymous.post(
        STATEMENTS, new_statement(record["issue"], SourceFactory()), format="json"
    )
    assert response.status_code == 401


def test_a_token_without_the_permission_cannot_write(outsider, record):
    response = token_client(outsider).post(
        STATEMENTS, new_statement(record["issue"], SourceFactory()), format="json"
    )
    assert response.status_code == 403
    assert Statement.objects.count() == 3


def test_a_statement_by_someone_who_may_not_publish_is_saved_as_a_draft(editor, record):
    response = token_client(editor).post(
        STATEMENTS,
        new_statement(record["issue"], SourceFactory(), status="published"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    statement = Statement.objects.get(pk=response.json()["id"])
    assert statement.status == StatementStatus.DRAFT
    assert statement.claims.count() == 1


def test_a_reviewer_publishes_and_relative_dates_read_against_the_source(reviewer, record):
    source = SourceFactory(published=datetime.date(2024, 8, 25))
    response = token_client(reviewer).post(
        STATEMENTS,
        new_statement(record["issue"], source, status="published", date="on Monday"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "published"
    assert response.json()["date"] == "Aug 19, 2024"


def test_an_editor_cannot_publish_or_touch_a_published_statement(editor, record):
    client = token_client(editor)
    url = f"{STATEMENTS}{record['draft'].pk}/"
    version = record["draft"].version
    assert client.patch(url, {"status": "published", "version": version}).status_code == 403
    assert client.patch(url, {"status": "in_review", "version": version}).status_code == 200
    published = f"{STATEMENTS}{record['published'].pk}/"
    changed = {"summary": "changed", "version": record["published"].version}
    assert client.patch(published, changed).status_code == 403


def test_an_update_from_a_stale_version_is_refused_and_overwrites_nothing(reviewer, record):
    client = token_client(reviewer)
    url = f"{STATEMENTS}{record['draft'].pk}/"
    read = client.get(url).json()
    first = client.patch(url, {"summary": "first editor", "version": read["version"]})
    assert first.status_code == 200
    assert first.json()["version"] == read["version"] + 1

    second = client.patch(url, {"summary": "second editor", "version": read["version"]})
    assert second.status_code == 409
    error = second.json()["errors"][0]
    assert error["code"] == "stale"
    assert f"version {read['version'] + 1}" in error["detail"]
    assert client.get(url).json()["summary"] == "first editor"


def test_an_update_must_say_which_version_it_started_from(reviewer, record):
    response = token_client(reviewer).patch(
        f"{STATEMENTS}{record['draft'].pk}/", {"summary": "blind write"}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("version", "required")


def test_statements_are_retracted_not_deleted(reviewer, record):
    client = token_client(reviewer)
    published, draft = record["published"], record["draft"]
    assert (
        client.delete(f"{STATEMENTS}{published.pk}/?version={published.version}").status_code == 403
    )
    # A delete names the version it read, like every write.
    assert client.delete(f"{STATEMENTS}{draft.pk}/").status_code == 400
    assert client.delete(f"{STATEMENTS}{draft.pk}/?version={draft.version - 1}").status_code == 409
    assert client.delete(f"{STATEMENTS}{draft.pk}/?version={draft.version}").status_code == 204


def test_session_writes_need_a_csrf_token(reviewer, record):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = client.post(
        STATEMENTS, new_statement(record["issue"], SourceFactory()), format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["errors"][0]["detail"]


def test_tokens_are_created_with_a_password_and_revoked(reviewer):
    client = APIClient()
    basic = base64.b64encode(b"reviewer:pw-for-tests").decode()
    response = client.post("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token not in {t.digest for t in AuthToken.objects.all()}  # stored hashed
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/auth/token/revoke/").status_code == 204
    assert client.get(STATEMENTS).status_code == 401


# Errors ------------------------------------------------------------------------


def test_a_bad_statement_gets_a_400_naming_each_field(reviewer, record):
    data = new_statement(record["issue"], SourceFactory(), date="6/10", speaker="nobody")
    response = token_client(reviewer).post(STATEMENTS, data, format="json")
    assert response.status_code == 400
    errors = {e["attr"]: e["detail"] for e in response.json()["errors"]}
    assert "speaker" in errors
    data["speaker"] = ActorFactory().slug
    response = token_client(reviewer).post(STATEMENTS, data, format="json")
    errors = {e["attr"]: e["detail"] for e in response.json()["errors"]}
    assert "early/mid/late" in errors["date"]


def test_a_claim_on_another_negotiation_is_a_400(reviewer, record):
    data = new_statement(record["issue"], SourceFactory())
    data["claims"][0]["target_id"] = IssueFactory().pk
    response = token_client(reviewer).post(STATEMENTS, data, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "claims"
    assert Statement.objects.count() == 3 and Claim.objects.count() == 2


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/v1/actors/nobody/", 404),
        ("get", "/api/v1/negotiations/nothing/matrix/", 404),
        ("get", "/api/v1/negotiations/nothing/issues/", 404),
        ("get", f"{STATEMENTS}?date_after=yesterday", 400),
        ("get", f"{STATEMENTS}?stance=maybe", 400),
        ("get", f"{STATEMENTS}?cursor=garbage", 404),
        ("delete", "/api/v1/popolo/", 405),
        ("put", "/api/v1/", 405),
    ],
)
def test_bad_requests_get_clear_errors_not_500s(reviewer, method, url, status):
    response = getattr(token_client(reviewer), method)(url)
    assert response.status_code == status
    assert response.json()["errors"][0]["detail"]


def test_deleting_what_the_record_points_at_is_a_409(django_user_model, record):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    client = token_client(admin)
    issue = record["issue"]
    response = client.delete(f"/api/v1/negotiations/{issue.negotiation.slug}/issues/{issue.slug}/")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "protected"
    assert IssueFactory._meta.model.objects.filter(pk=issue.pk).exists()


def test_a_duplicate_slug_in_a_negotiation_is_a_400(django_user_model, record):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    issue = record["issue"]
    url = f"/api/v1/negotiations/{issue.negotiation.slug}/issues/"
    response = token_client(admin).post(url, {"slug": issue.slug, "title": "Again"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "unique",
        "detail": "Another issue here already has this slug.",
        "attr": "slug",
    }


def test_an_unknown_api_address_is_a_json_404(anonymous):
    response = anonymous.get("/api/v1/actors/.hidden/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_body_that_is_not_json_is_a_415(reviewer):
    response = token_client(reviewer).post(
        STATEMENTS, "speaker=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


# Derived data ------------------------------------------------------------------


@pytest.fixture
def demo():
    from django.core.management import call_command

    call_command("load_demo", verbosity=0)
    positions.rebuild()


def test_the_matrix_endpoint(anonymous, demo):
    data = anonymous.get("/api/v1/negotiations/gaza-2024/matrix/", {"as_of": "2024-08-20"}).json()
    assert data["as_of"] == "2024-08-20"
    assert {"israel", "hamas"} <= set(data["parties"])
    cell = next(
        c for c in data["cells"] if (c["party"], c["issue"]) == ("israel", "philadelphi-corridor")
    )
    assert cell["position"]["stance"] == "rejects"
    assert data["convergence"]["permanent-ceasefire"] == "apart"


def test_positions_changes_and_history_endpoints(anonymous, demo):
    base = "/api/v1/negotiations/gaza-2024"
    june = anonymous.get(f"{base}/positions/", {"as_of": "2024-06-11", "page_size": 500}).json()
    august = anonymous.get(f"{base}/positions/", {"as_of": "2024-08-20", "page_size": 500}).json()
    assert 0 < june["count"] < august["count"]
    changes = anonymous.get(f"{base}/changes/", {"since": "2024-08-01"}).json()["results"]
    dates = [c["date_latest"] for c in changes]
    assert dates == sorted(dates, reverse=True) and min(dates) >= "2024-08-01"
    issue = IssueFactory._meta.model.objects.get(slug="philadelphi-corridor")
    history = anonymous.get("/api/v1/actors/israel/history/", {"issue": issue.pk}).json()
    assert [h["stance"] for h in history][-1] == "rejects"
    assert anonymous.get("/api/v1/actors/israel/history/").status_code == 400
    assert anonymous.get("/api/v1/actors/israel/history/", {"issue": 10**6}).status_code == 404
    assert (
        anonymous.get(
            f"{base}/changes/", {"since": "2024-09-01", "until": "2024-08-01"}
        ).status_code
        == 400
    )


# Caching -----------------------------------------------------------------------


def test_anonymous_clients_are_throttled(anonymous, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    statuses = [anonymous.get("/api/v1/actors/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_conditional_get_answers_304_until_the_data_changes(
    anonymous, record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        StatementFactory()  # gives the data version a row
    first = anonymous.get(STATEMENTS)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert anonymous.get(STATEMENTS, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert anonymous.get(STATEMENTS, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert anonymous.get(f"{STATEMENTS}?format=csv", HTTP_IF_NONE_MATCH=etag).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        StatementFactory()
    changed = anonymous.get(STATEMENTS, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


# Query counts --------------------------------------------------------------------

# Each list and detail, with the queries it takes whatever its length (pinned
# exactly, so that a new query is a decision, not an accident).
LISTS = {
    "/api/v1/actors/": 5,
    "/api/v1/negotiations/": 4,
    "/api/v1/demands/": 3,
    "/api/v1/sources/": 3,
    STATEMENTS: 3,
    "/api/v1/claims/": 2,
    "/api/v1/popolo/": 4,
    "/api/v1/negotiations/{n}/issues/": 4,
    "/api/v1/negotiations/{n}/proposals/": 7,
    # Positions: the newest of each pair, who contests them, the packages beside issues.
    "/api/v1/negotiations/{n}/positions/?as_of=2024-12-31": 7,
    "/api/v1/negotiations/{n}/matrix/?as_of=2024-12-31": 9,
    "/api/v1/negotiations/{n}/matrix/": 10,  # and the day of the latest statement
    "/api/v1/negotiations/{n}/changes/": 6,
    "/api/v1/actors/{a}/history/?issue={i}": 6,
    # Details count too: their nested lists grow with the data.
    "/api/v1/actors/{a}/": 4,
    "/api/v1/negotiations/{n}/": 3,
    "/api/v1/negotiations/{n}/proposals/{p}/": 6,
    "/api/v1/statements/{s}/": 3,
}


def grow(negotiation, issue, actor, n: int) -> None:
    """Add n statements, each touching every kind of row a list or detail shows."""
    first_proposal = negotiation.proposals.first()
    first_statement = negotiation.statements.first()
    for day in range(1, n + 1):
        proposal = ProposalFactory(negotiation=negotiation, supersedes=first_proposal)
        ProvisionFactory(proposal=proposal, issue=issue)
        ProvisionFactory(proposal=first_proposal, issue=issue)
        AliasFactory(actor=actor)
        AffiliationFactory(person=actor, organization=ActorFactory())
        other = ActorFactory()
        ParticipantFactory(negotiation=negotiation, actor=other)
        AliasFactory(actor=other)
        AffiliationFactory(person=PersonFactory(), organization=other)
        demand = DemandFactory(actor=other, issue=issue)
        statement = StatementFactory(
            negotiation=negotiation, speaker=other, date_earliest=datetime.date(2024, 7, day)
        )
        for target in ({"issue": issue}, {"issue": None, "demand": demand}):
            ClaimFactory(statement=statement, subject=actor, stance=(day % 5) - 2, **target)
        # A report that disputes it: every list of positions reads who contests them.
        ClaimFactory(
            statement=statement,
            subject=actor,
            issue=issue,
            basis="reported",
            stance=2 if day % 5 <= 2 else -2,
        )
        ClaimFactory(statement=statement, subject=other, issue=None, proposal=proposal)
        ClaimFactory(statement=first_statement, subject=other, issue=issue)
    positions.rebuild()


@pytest.mark.parametrize(("template", "pinned"), LISTS.items())
def test_each_list_takes_the_same_number_of_queries_whatever_its_length(
    anonymous, template, pinned
):
    negotiation, actor = NegotiationFactory(), ActorFactory()
    issue = IssueFactory(negotiation=negotiation)
    ParticipantFactory(negotiation=negotiation, actor=actor)
    proposal = ProposalFactory(negotiation=negotiation)
    statement = StatementFactory(negotiation=negotiation)
    url = template.format(
        n=negotiation.slug, a=actor.slug, i=issue.pk, p=proposal.slug, s=statement.pk
    )
    paged = url + ("&" if "?" in url else "?") + "page_size=500"

    def count_queries() -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert anonymous.get(paged).status_code == 200
        return len(queries)

    grow(negotiation, issue, actor, 3)
    assert count_queries() == pinned
    grow(negotiation, issue, actor, 9)
    assert count_queries() == pinned


def test_nul_characters_are_a_400_not_a_database_error(reviewer, record):
    url = f"{STATEMENTS}{record['draft'].pk}/"
    data = {"speaker": "a\x00b", "version": record["draft"].version}
    response = token_client(reviewer).patch(url, data, format="json")
    assert response.status_code == 400
    assert token_client(reviewer).get("/api/v1/actors/a%00b/").status_code == 404
    assert token_client(reviewer).get(STATEMENTS, {"speaker": "a\x00b"}).status_code == 400

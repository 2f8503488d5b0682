"""One refusal table, driven through every surface that writes statements.

The same forbidden operation, tried through the admin (real POSTs of its forms),
the API (real requests with a token), the importer and ingestion, must meet the
same refusal — the same kind (forbidden, refused, stale) on the same field —
because each surface only parses and calls negotiations.statements.services.
Each try must also leave the record exactly as it was.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ingestion import services as ingestion
from ingestion.models import Article
from negotiations.models import Claim, Statement, StatementStatus
from negotiations.statements.importer import import_statements
from negotiations.statements.services import MAX_CLAIMS
from tests import admin_forms as forms
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IssueFactory,
    NegotiationFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

ADMIN, API, IMPORT, INGESTION = "admin", "api", "import", "ingestion"
FORBIDDEN, REFUSED, STALE = "forbidden", "refused", "stale"

# operation: (what every surface must answer, the surfaces that can express it)
TABLE = {
    "editor edits a published statement": ((FORBIDDEN, None), [ADMIN, API]),
    "editor deletes a claim of a published statement": ((FORBIDDEN, None), [ADMIN, API]),
    "editor adds a claim to a published statement": ((FORBIDDEN, None), [ADMIN, API]),
    "reviewer rewrites a retracted statement": ((FORBIDDEN, None), [ADMIN, API]),
    "a new statement starts retracted": ((REFUSED, "status"), [ADMIN, API, IMPORT]),
    "a statement dated after its source": ((REFUSED, "date"), [ADMIN, API, IMPORT]),
    "a statement dated before the earliest year": ((REFUSED, "date"), [ADMIN, API, IMPORT]),
    "a statement with more claims than allowed": ((REFUSED, "claims"), [ADMIN, API, IMPORT]),
    "an exact duplicate": ((REFUSED, "quote"), [ADMIN, API, IMPORT, INGESTION]),
    "a claim on another negotiation's issue": ((REFUSED, "claims"), [ADMIN, API, IMPORT]),
    "a statement moves to another negotiation with its claims": ((REFUSED, "claims"), [ADMIN, API]),
    "a claim moves to a statement of another negotiation": ((REFUSED, "target"), [API]),
    "a save from a stale version": ((STALE, "version"), [ADMIN, API, INGESTION]),
    "a claim saved from a stale version": ((STALE, "version"), [API]),
}
CASES = [(op, surface) for op, (_, surfaces) in TABLE.items() for surface in surfaces]


@pytest.fixture
def world(editor, reviewer):
    """Two negotiations; a published, a draft and a retracted statement in the first."""
    here, elsewhere = NegotiationFactory(slug="here"), NegotiationFactory(slug="elsewhere")
    issue, other_issue = IssueFactory(negotiation=here), IssueFactory(negotiation=elsewhere)
    speaker = ActorFactory(slug="qatar", name="Qatar")
    source = SourceFactory(url="https://news.example/a", published=datetime.date(2024, 8, 25))
    published = StatementFactory(
        negotiation=here, speaker=speaker, source=source, quote="We accept the text."
    )
    draft = StatementFactory(
        negotiation=here,
        speaker=speaker,
        source=source,
        quote="We are studying it.",
        status=StatementStatus.DRAFT,
        date_earliest=datetime.date(2024, 8, 20),
    )
    retracted = StatementFactory(
        negotiation=here,
        speaker=speaker,
        source=source,
        quote="Never said.",
        status=StatementStatus.RETRACTED,
        date_earliest=datetime.date(2024, 8, 21),
    )
    draft.save()  # at version 2: a writer may hold version 1
    other_draft = StatementFactory(negotiation=elsewhere, status=StatementStatus.DRAFT)
    for statement in (published, draft, retracted):
        ClaimFactory(statement=statement, subject=speaker, issue=issue)
    return {
        "editor": editor,
        "reviewer": reviewer,
        "issue": issue,
        "other_issue": other_issue,
        "speaker": speaker,
        "source": source,
        "published": published,
        "draft": draft,
        "retracted": retracted,
        "other_draft": other_draft,
    }


def record() -> list:
    """Everything a refused write must leave as it was."""
    return [
        list(Statement.objects.order_by("pk").values()),
        list(Claim.objects.order_by("pk").values()),
    ]


# --- The admin: real POSTs of its forms ------------------------------------------------------


def add_form_data(world, **changes) -> dict:
    data = forms.add_form_data(
        world["issue"], world["speaker"], world["source"], "Aug 19, 2024", quote="A new quote."
    )
    data.update(changes)
    return data


ADMIN_FIELDS = {"fuzzy_date": "date", "expected_version": "version", "target": "claims"}


def admin_outcome(response) -> tuple[str, str | None] | None:
    if response.status_code == 403:
        return (FORBIDDEN, None)
    if response.status_code == 302:
        return None  # accepted
    errors = response.context["adminform"].form.errors.as_data()
    for formset in response.context["inline_admin_formsets"]:
        for form_errors in formset.formset.errors:
            errors.update({"claims": list(form_errors.values())})
        if formset.formset.non_form_errors():
            errors["claims"] = formset.formset.non_form_errors().as_data()
    for field, items in errors.items():
        for item in items:
            if getattr(item, "code", None) == "stale":
                return (STALE, "version")
        return (REFUSED, ADMIN_FIELDS.get(field, field))
    raise AssertionError(f"no error in a {response.status_code}")


def admin(op: str, world, client) -> tuple[str, str | None] | None:
    add = reverse("admin:negotiations_statement_add")

    def change(statement, as_user, **changes):
        client.force_login(world["reviewer"])  # read the form as someone who may
        data = forms.change_form_data(client, statement)
        data.update(changes)
        client.force_login(as_user)
        url = reverse("admin:negotiations_statement_change", args=[statement.pk])
        return admin_outcome(client.post(url, data))

    match op:
        case "editor edits a published statement":
            return change(world["published"], world["editor"], quote="Rewritten.")
        case "editor deletes a claim of a published statement":
            return change(world["published"], world["editor"], **{"claims-0-DELETE": "on"})
        case "editor adds a claim to a published statement":
            return change(
                world["published"],
                world["editor"],
                **{
                    "claims-TOTAL_FORMS": "2",
                    "claims-1-subject": world["speaker"].pk,
                    "claims-1-target": f"issue:{world['issue'].pk}",
                    "claims-1-stance": "-2",
                    "claims-1-basis": "own",
                },
            )
        case "reviewer rewrites a retracted statement":
            client.force_login(world["reviewer"])
            url = reverse("admin:negotiations_statement_change", args=[world["retracted"].pk])
            data = add_form_data(world, status="retracted", retraction_reason="Rewritten.")
            return admin_outcome(client.post(url, data))
    client.force_login(world["reviewer"])
    match op:
        case "a new statement starts retracted":
            data = add_form_data(world, status="retracted", retraction_reason="Why not.")
            return admin_outcome(client.post(add, data))
        case "a statement dated after its source":
            return admin_outcome(client.post(add, add_form_data(world, fuzzy_date="Aug 30, 2024")))
        case "a statement dated before the earliest year":
            return admin_outcome(client.post(add, add_form_data(world, fuzzy_date="Mar 5, 1850")))
        case "a statement with more claims than allowed":
            data = add_form_data(world, **{"claims-TOTAL_FORMS": str(MAX_CLAIMS + 1)})
            for index in range(1, MAX_CLAIMS + 1):
                data.update(
                    {
                        f"claims-{index}-subject": world["speaker"].pk,
                        f"claims-{index}-target": f"issue:{world['issue'].pk}",
                        f"claims-{index}-stance": "1",
                        f"claims-{index}-basis": "own",
                    }
                )
            return admin_outcome(client.post(add, data))
        case "an exact duplicate":
            data = add_form_data(world, quote=world["published"].quote)
            return admin_outcome(client.post(add, data))
        case "a claim on another negotiation's issue":
            data = add_form_data(world, **{"claims-0-target": f"issue:{world['other_issue'].pk}"})
            return admin_outcome(client.post(add, data))
        case "a statement moves to another negotiation with its claims":
            return change(
                world["draft"],
                world["editor"],
                negotiation=world["other_issue"].negotiation_id,
            )
        case "a save from a stale version":
            return change(
                world["draft"],
                world["editor"],
                summary="Mine.",
                expected_version=world["draft"].version - 1,
            )
    raise AssertionError(op)


# --- The API: real requests with a token ----------------------------------------------------


def api_outcome(response) -> tuple[str, str | None] | None:
    if response.status_code in (200, 201, 204):
        return None
    if response.status_code == 403:
        return (FORBIDDEN, None)
    if response.status_code == 409:
        return (STALE, "version")
    assert response.status_code == 400, (response.status_code, response.content[:300])
    [error, *_] = response.json()["errors"]
    return (REFUSED, error["attr"].split(".")[0] if error["attr"] else None)


def api(op: str, world, client) -> tuple[str, str | None] | None:
    def token(user) -> APIClient:
        api_client = APIClient()
        api_client.force_authenticate(user)
        return api_client

    editor, reviewer = token(world["editor"]), token(world["reviewer"])
    published, draft = world["published"], world["draft"]
    claim = published.claims.get()

    def new_statement(**changes) -> dict:
        body = {
            "negotiation": "here",
            "speaker": "qatar",
            "date": "Aug 19, 2024",
            "source": world["source"].pk,
            "quote": "A new quote.",
            "status": "published",
            "claims": [
                {
                    "subject": "qatar",
                    "stance": "accepts",
                    "target_type": "issue",
                    "target_id": world["issue"].pk,
                }
            ],
        }
        body.update(changes)
        return body

    match op:
        case "editor edits a published statement":
            body = {"quote": "Rewritten.", "version": published.version}
            return api_outcome(editor.patch(f"/api/v1/statements/{published.pk}/", body, "json"))
        case "editor deletes a claim of a published statement":
            url = f"/api/v1/claims/{claim.pk}/?version={published.version}"
            return api_outcome(editor.delete(url))
        case "editor adds a claim to a published statement":
            body = {
                "statement": published.pk,
                "subject": "qatar",
                "stance": "rejects",
                "target_type": "issue",
                "target_id": world["issue"].pk,
                "version": published.version,
            }
            return api_outcome(editor.post("/api/v1/claims/", body, "json"))
        case "reviewer rewrites a retracted statement":
            retracted = world["retracted"]
            body = {"quote": "Rewritten.", "version": retracted.version}
            return api_outcome(reviewer.patch(f"/api/v1/statements/{retracted.pk}/", body, "json"))
        case "a new statement starts retracted":
            body = new_statement(status="retracted", retraction_reason="Why not.")
            return api_outcome(reviewer.post("/api/v1/statements/", body, "json"))
        case "a statement dated after its source":
            body = new_statement(date="Aug 30, 2024")
            return api_outcome(reviewer.post("/api/v1/statements/", body, "json"))
        case "a statement dated before the earliest year":
            body = new_statement(date="Mar 5, 1850")
            return api_outcome(reviewer.post("/api/v1/statements/", body, "json"))
        case "a statement with more claims than allowed":
            body = new_statement()
            body["claims"] = body["claims"] * (MAX_CLAIMS + 1)
            return api_outcome(reviewer.post("/api/v1/statements/", body, "json"))
        case "an exact duplicate":
            body = new_statement(quote=published.quote)
            return api_outcome(reviewer.post("/api/v1/statements/", body, "json"))
        case "a claim on another negotiation's issue":
            body = new_statement()
            body["claims"][0]["target_id"] = world["other_issue"].pk
            return api_outcome(reviewer.post("/api/v1/statements/", body, "json"))
        case "a statement moves to another negotiation with its claims":
            body = {"negotiation": "elsewhere", "version": draft.version}
            return api_outcome(editor.patch(f"/api/v1/statements/{draft.pk}/", body, "json"))
        case "a claim moves to a statement of another negotiation":
            body = {"statement": world["other_draft"].pk, "version": draft.version}
            url = f"/api/v1/claims/{draft.claims.get().pk}/"
            return api_outcome(editor.patch(url, body, "json"))
        case "a save from a stale version":
            body = {"summary": "Mine.", "version": draft.version - 1}
            return api_outcome(editor.patch(f"/api/v1/statements/{draft.pk}/", body, "json"))
        case "a claim saved from a stale version":
            body = {"stance": "rejects", "version": draft.version - 1}
            url = f"/api/v1/claims/{draft.claims.get().pk}/"
            return api_outcome(editor.patch(url, body, "json"))
    raise AssertionError(op)


# --- The importer: a file, as the upload page and the command read it -------------------------


def import_row(world, **changes) -> dict:
    row = {
        "_line": 2,
        "negotiation": "here",
        "speaker": "qatar",
        "date": "Aug 19, 2024",
        "source_url": world["source"].url,
        "quote": "A new quote.",
        "quote_language": "en",
        "status": "published",
        "claims": f"qatar accepts issue:{world['issue'].pk} own",
    }
    row.update(changes)
    return row


def importer(op: str, world, client) -> tuple[str, str | None] | None:
    match op:
        case "a new statement starts retracted":
            row = import_row(world, status="retracted", retraction_reason="Why not.")
        case "a statement dated after its source":
            row = import_row(world, date="Aug 30, 2024")
        case "a statement dated before the earliest year":
            row = import_row(world, date="Mar 5, 1850")
        case "a statement with more claims than allowed":
            claim = f"qatar accepts issue:{world['issue'].pk} own"
            row = import_row(world, claims="; ".join([claim] * (MAX_CLAIMS + 1)))
        case "an exact duplicate":
            row = import_row(world, quote=world["published"].quote)
        case "a claim on another negotiation's issue":
            row = import_row(world, claims=f"qatar accepts issue:{world['other_issue'].pk} own")
        case _:
            raise AssertionError(op)
    report = import_statements([row], user=world["reviewer"], commit=True)
    if report.ok:
        return None
    [error, *_] = report.errors
    return (REFUSED, error.column)


# --- Ingestion: an article read into drafts, and a draft accepted from its page ---------------


def ingest(op: str, world, client) -> tuple[str, str | None] | None:
    match op:
        case "an exact duplicate":
            quote = world["published"].quote
            article, _ = ingestion.article_submit(
                negotiation=world["issue"].negotiation,
                published=datetime.date(2024, 8, 19),
                text=f'Qatar said on Monday: "{quote}"',
                publisher_name="Wire",
            )
            ingestion.article_extract(article=article)
            article = Article.objects.get(pk=article.pk)
            assert not article.candidates.exists()
            return (REFUSED, "quote") if "duplicate of statement" in article.error else None
        case "a save from a stale version":
            article, _ = ingestion.article_submit(
                negotiation=world["issue"].negotiation,
                published=datetime.date(2024, 8, 25),
                text='Qatar said on Monday: "We will study the new text."',
                publisher_name="Wire",
            )
            ingestion.article_extract(article=article)
            candidate = Article.objects.get(pk=article.pk).candidates.get()
            before = record()
            client.force_login(world["editor"])
            url = reverse("admin:ingestion_candidate_accept", args=[article.pk, candidate.pk])
            page = client.post(url, {"version": candidate.statement.version - 1}, follow=True)
            assert record() == before
            if "Someone saved this statement after you read it" in page.content.decode():
                return (STALE, "version")
            return None
    raise AssertionError(op)


SURFACES = {ADMIN: admin, API: api, IMPORT: importer, INGESTION: ingest}


@pytest.mark.parametrize(("op", "surface"), CASES, ids=[f"{s}: {o}" for o, s in CASES])
def test_every_surface_refuses_the_same_operation_the_same_way(op, surface, world, client):
    expected, _ = TABLE[op]
    before = record()
    outcome = SURFACES[surface](op, world, client)
    assert outcome == expected
    if surface != INGESTION:  # ingestion keeps the article it was given
        assert record() == before


def test_the_table_covers_each_surface():
    covered = {surface for _, surface in CASES}
    assert covered == set(SURFACES)


def test_a_claim_changed_through_the_api_retires_an_open_admin_form(world, client):
    """Found: a claim edit did not move the statement's version, so an admin form opened
    before it wrote the old claim back on save."""
    draft = world["draft"]
    client.force_login(world["editor"])
    stale_form = forms.change_form_data(client, draft)
    token = APIClient()
    token.force_authenticate(world["editor"])
    claim = draft.claims.get()
    response = token.patch(
        f"/api/v1/claims/{claim.pk}/", {"stance": "rejects", "version": draft.version}, "json"
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.version == stale_form["expected_version"] + 1
    url = reverse("admin:negotiations_statement_change", args=[draft.pk])
    assert admin_outcome(client.post(url, stale_form)) == (STALE, "version")
    claim.refresh_from_db()
    assert claim.stance == -2  # the API's edit stands


def test_an_issue_cannot_move_to_another_negotiation_while_claims_point_at_it(world, client):
    issue = world["issue"]
    client.force_login(world["reviewer"])
    url = reverse("admin:negotiations_issue_change", args=[issue.pk])
    response = client.post(
        url,
        {
            "negotiation": world["other_issue"].negotiation_id,
            "title": issue.title,
            "slug": issue.slug,
            "parent": "",
            "description": "",
            "order": 0,
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "claims of this one point at it" in str(errors["negotiation"])
    issue.refresh_from_db()
    assert issue.negotiation.slug == "here"

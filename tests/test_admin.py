"""Editors can reach every model in the admin, and the forms read fuzzy dates."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from negotiations.models import Statement
from tests.admin_forms import add_form_data
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    ClaimFactory,
    DemandFactory,
    IssueFactory,
    PersonFactory,
    ProposalFactory,
    ProvisionFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("ed", "ed@example.org", "pw-for-tests")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", sorted(admin.site._registry, key=lambda m: m._meta.label), ids=str
)
def test_every_model_has_a_working_list_search_and_add_page(editor_client, model):
    ClaimFactory()
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert editor_client.get(changelist).status_code == 200
    assert editor_client.get(changelist, {"q": "<script>"}).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    can_add = admin.site._registry[model].has_add_permission(
        editor_client.get(changelist).wsgi_request
    )
    assert editor_client.get(add).status_code == (200 if can_add else 403)


def test_autocomplete_finds_an_actor_by_alias(editor_client):
    actor = ActorFactory(name="Antony Blinken")
    actor.aliases.create(name="Brinken")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "brinken",
            "app_label": "negotiations",
            "model_name": "statement",
            "field_name": "speaker",
        },
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Antony Blinken"]


def test_a_statement_dated_on_monday_is_read_against_the_source(editor_client):
    issue, source = IssueFactory(), SourceFactory()  # published Sunday 2024-08-25
    united_states, blinken = ActorFactory(name="United States"), PersonFactory()
    AffiliationFactory(person=blinken, organization=united_states)
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(issue, blinken, source, "on Monday"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    statement = Statement.objects.get()
    assert str(statement.date) == "Aug 19, 2024"
    assert statement.on_behalf_of == united_states
    assert statement.claims.count() == 1


def test_an_unreadable_date_is_a_form_error_listing_the_accepted_forms(editor_client):
    issue, source, speaker = IssueFactory(), SourceFactory(), ActorFactory()
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(issue, speaker, source, "6/10"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["fuzzy_date"]
    assert "early/mid/late" in errors[0]
    assert not Statement.objects.exists()


def test_a_speaker_with_two_organisations_must_be_resolved_by_the_editor(editor_client):
    issue, source, person = IssueFactory(), SourceFactory(), PersonFactory()
    AffiliationFactory(person=person)
    AffiliationFactory(person=person)
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(issue, person, source, "2024-08-19"),
    )
    assert response.status_code == 200
    assert "say whom they spoke for" in str(response.context["adminform"].form.errors)
    assert not Statement.objects.exists()


def test_a_claim_on_another_negotiation_is_refused_in_the_form(editor_client):
    issue, source, speaker = IssueFactory(), SourceFactory(), ActorFactory()
    elsewhere = IssueFactory()
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(
            issue, speaker, source, "2024-08-19", **{"claims-0-target": f"issue:{elsewhere.pk}"}
        ),
    )
    assert response.status_code == 200
    assert "another negotiation" in response.content.decode()
    assert not Statement.objects.exists()


def test_the_claim_subject_defaults_to_the_speakers_side_on_that_date(editor_client):
    issue, source = IssueFactory(), SourceFactory()
    united_states, blinken = ActorFactory(name="United States"), PersonFactory()
    AffiliationFactory(person=blinken, organization=united_states)
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(issue, blinken, source, "2024-08-19", **{"claims-0-subject": ""}),
    )
    assert response.status_code == 302
    assert Statement.objects.get().claims.get().subject == united_states


def test_a_claim_without_a_subject_or_a_known_side_asks_for_one(editor_client):
    issue, source, person = IssueFactory(), SourceFactory(), PersonFactory()
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(issue, person, source, "2024-08-19", **{"claims-0-subject": ""}),
    )
    assert response.status_code == 200
    assert "choose the subject" in response.content.decode()
    assert not Statement.objects.exists()


@pytest.mark.parametrize("target", ["issue:999999", "treaty:1", "<script>", "issue:"])
def test_a_target_that_is_not_one_is_a_form_error(editor_client, target):
    issue, source, speaker = IssueFactory(), SourceFactory(), ActorFactory()
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(issue, speaker, source, "2024-08-19", **{"claims-0-target": target}),
    )
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["target"]
    assert "<script>" not in response.content.decode()
    assert not Statement.objects.exists()


def test_target_search_spans_four_kinds_within_one_negotiation(editor_client):
    claim = ClaimFactory()
    issue = claim.issue
    proposal = ProposalFactory(negotiation=issue.negotiation, title="Bridging ceasefire text")
    ProvisionFactory(proposal=proposal, issue=issue, text="A ceasefire in phase one")
    DemandFactory(issue=issue, text="A permanent ceasefire first")
    IssueFactory(negotiation=issue.negotiation, title="Ceasefire duration")
    IssueFactory(title="Ceasefire in other talks")  # another negotiation
    url = reverse("admin:negotiations_statement_targets")

    found = editor_client.get(url, {"term": "ceasefire", "negotiation": issue.negotiation_id})
    groups = {group["text"]: group["children"] for group in found.json()["results"]}
    assert sorted(groups) == ["Demands", "Issues", "Proposals", "Provisions"]
    assert [row["text"] for row in groups["Issues"]] == ["Ceasefire duration"]
    assert groups["Proposals"][0]["id"] == f"proposal:{proposal.pk}"

    everywhere = editor_client.get(url, {"term": "ceasefire in"}).json()["results"]
    assert "Ceasefire in other talks" in str(everywhere)


def test_target_search_needs_a_login(client):
    response = client.get(reverse("admin:negotiations_statement_targets"), {"term": "a"})
    assert response.status_code == 302


def test_the_edit_form_shows_the_claims_target_and_how_the_date_was_read(editor_client):
    claim = ClaimFactory()
    page = editor_client.get(
        reverse("admin:negotiations_statement_change", args=[claim.statement_id])
    ).content.decode()
    assert f'<option value="issue:{claim.issue_id}" selected>{claim.issue.title}</option>' in page
    assert f"Read as {claim.statement.date.reading()}" in page


def test_saving_says_how_the_date_was_read(editor_client):
    issue, source, speaker = IssueFactory(), SourceFactory(), ActorFactory()
    response = editor_client.post(
        reverse("admin:negotiations_statement_add"),
        add_form_data(issue, speaker, source, "late May 2024"),
        follow=True,
    )
    assert "The date was read as late May 2024: some day from Tue 21 May 2024" in (
        response.content.decode()
    )


def test_a_quote_without_a_source_is_a_form_error(editor_client):
    issue, speaker = IssueFactory(), ActorFactory()
    data = add_form_data(issue, speaker, SourceFactory(), "2024-08-19")
    data["source"] = ""
    response = editor_client.post(reverse("admin:negotiations_statement_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["source"] == ["This field is required."]
    assert not Statement.objects.exists()

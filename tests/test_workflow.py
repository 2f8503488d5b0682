"""Editors and reviewers: roles, the statement workflow, history and no lost updates."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from negotiations.models import Statement, StatementStatus
from negotiations.statements.services import statement_transition
from tests.admin_forms import change_form_data
from tests.factories import StatementFactory

pytestmark = pytest.mark.django_db


def test_the_roles_come_from_a_migration(editor, reviewer):
    assert editor.has_perm("negotiations.change_statement")
    assert not editor.has_perm("negotiations.publish_statement")
    assert reviewer.has_perm("negotiations.publish_statement")


def test_an_editor_submits_for_review_but_cannot_publish(editor):
    statement = StatementFactory(status=StatementStatus.DRAFT)
    statement = statement_transition(statement=statement, to="in_review", user=editor)
    assert statement.status == "in_review"
    with pytest.raises(PermissionDenied):
        statement_transition(statement=statement, to="published", user=editor)


def test_a_reviewer_publishes_and_retracts_with_a_reason(reviewer):
    statement = StatementFactory(status=StatementStatus.IN_REVIEW)
    statement = statement_transition(statement=statement, to="published", user=reviewer)
    with pytest.raises(ValidationError, match="Say why"):
        statement_transition(statement=statement, to="retracted", user=reviewer)
    statement = statement_transition(
        statement=statement, to="retracted", user=reviewer, reason="Quote was misattributed."
    )
    assert statement.retraction_reason == "Quote was misattributed."
    assert Statement.objects.filter(pk=statement.pk).exists()  # kept, not deleted
    with pytest.raises(ValidationError, match="cannot become published"):
        statement_transition(statement=statement, to="published", user=reviewer)


QUEUE = "admin:negotiations_statement_review"


def test_a_second_editor_saving_an_old_copy_is_refused(client, editor):
    statement = StatementFactory(status=StatementStatus.DRAFT, summary="")
    client.force_login(editor)
    url = reverse("admin:negotiations_statement_change", args=[statement.pk])
    first, second = change_form_data(client, statement), change_form_data(client, statement)
    first["summary"] = "First editor's summary."
    assert client.post(url, first).status_code == 302
    second["summary"] = "Second editor's summary."
    response = client.post(url, second)
    assert response.status_code == 200
    assert "Someone saved this statement after you read it" in response.content.decode()
    assert Statement.objects.get(pk=statement.pk).summary == "First editor's summary."


def test_an_editor_cannot_publish_in_the_admin(client, editor):
    statement = StatementFactory(status=StatementStatus.DRAFT)
    client.force_login(editor)
    url = reverse("admin:negotiations_statement_change", args=[statement.pk])
    offered = client.get(url).context["adminform"].form.fields["status"].choices
    assert [value for value, _ in offered] == ["draft", "in_review"]
    data = change_form_data(client, statement)
    data["status"] = "published"  # forged
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Statement.objects.get(pk=statement.pk).status == "draft"


def test_publishing_in_the_review_queue_and_the_history_of_who_did_it(client, reviewer):
    statement = StatementFactory(status=StatementStatus.IN_REVIEW)
    client.force_login(reviewer)
    response = client.post(
        reverse(QUEUE),
        {"statement": statement.pk, "version": statement.version, "action": "publish"},
        follow=True,
    )
    assert f"{statement} published." in response.content.decode()
    statement.refresh_from_db()
    assert statement.status == "published"
    history = reverse("admin:negotiations_statement_history", args=[statement.pk])
    assert client.get(history).status_code == 200
    assert statement.history.count() >= 2
    assert statement.version >= 2


def test_a_statement_dated_after_its_source_is_refused(client, editor):
    statement = StatementFactory(status=StatementStatus.DRAFT)  # source published Aug 25
    client.force_login(editor)
    data = change_form_data(client, statement)
    data["fuzzy_date"] = "Aug 30, 2024"
    response = client.post(
        reverse("admin:negotiations_statement_change", args=[statement.pk]), data
    )
    assert response.status_code == 200
    assert "dated after its source was published" in response.content.decode()


def test_a_likely_duplicate_is_flagged_with_a_link(client, editor):
    original = StatementFactory(quote="We accept the proposal.")
    copy = StatementFactory(
        status=StatementStatus.DRAFT, speaker=original.speaker, quote="we accept  the proposal"
    )
    client.force_login(editor)
    response = client.post(
        reverse("admin:negotiations_statement_change", args=[copy.pk]),
        change_form_data(client, copy),
    )
    page = response.content.decode()
    assert f"duplicate of statement #{original.pk}" in page
    assert reverse("admin:negotiations_statement_change", args=[original.pk]) in page


# The review queue --------------------------------------------------------------------------


def test_the_review_queue_lists_statements_in_review_oldest_first(client, editor):
    older = StatementFactory(status=StatementStatus.IN_REVIEW, quote="Older <b>claim</b>")
    newer = StatementFactory(status=StatementStatus.IN_REVIEW, quote="Newer claim")
    StatementFactory(status=StatementStatus.DRAFT, quote="A draft")
    client.force_login(editor)
    page = client.get(reverse(QUEUE)).content.decode()
    assert page.index("Older &lt;b&gt;claim&lt;/b&gt;") < page.index("Newer claim")
    assert "A draft" not in page
    assert f'name="statement" value="{older.pk}"' in page
    assert f'name="statement" value="{newer.pk}"' in page
    assert 'value="publish"' not in page  # editors may not publish
    assert "2 statements waiting" in page


def test_a_reviewer_publishes_from_the_queue_and_sees_who_submitted(client, editor, reviewer):
    statement = StatementFactory(status=StatementStatus.DRAFT)
    statement = statement_transition(statement=statement, to="in_review", user=editor)
    client.force_login(reviewer)
    page = client.get(reverse(QUEUE)).content.decode()
    assert "submitted by ed on" in page
    form = {"statement": statement.pk, "version": statement.version, "action": "publish"}
    response = client.post(reverse(QUEUE), form, follow=True)
    assert "published." in response.content.decode()
    assert Statement.objects.get(pk=statement.pk).status == "published"


def test_the_queue_refuses_a_move_from_a_stale_page_and_an_editors_publish(client, editor):
    statement = StatementFactory(status=StatementStatus.IN_REVIEW)
    client.force_login(editor)
    stale = {"statement": statement.pk, "version": statement.version - 1, "action": "return"}
    response = client.post(reverse(QUEUE), stale, follow=True)
    assert "nothing was done" in response.content.decode()
    publish = {"statement": statement.pk, "version": statement.version, "action": "publish"}
    response = client.post(reverse(QUEUE), publish, follow=True)
    assert "Only reviewers may publish" in response.content.decode()
    assert Statement.objects.get(pk=statement.pk).status == "in_review"
    back = {"statement": statement.pk, "version": statement.version, "action": "return"}
    client.post(reverse(QUEUE), back)
    assert Statement.objects.get(pk=statement.pk).status == "draft"


@pytest.mark.parametrize("form", [{}, {"statement": "x", "action": "publish"}, {"action": "?"}])
def test_the_queue_answers_nonsense_with_a_message(client, reviewer, form):
    client.force_login(reviewer)
    response = client.post(reverse(QUEUE), form, follow=True)
    assert response.status_code == 200
    assert "no longer in the queue" in response.content.decode()


def test_the_queue_needs_a_staff_login_and_has_a_fixed_number_of_queries(
    client, reviewer, django_user_model
):
    assert client.get(reverse(QUEUE)).status_code == 302
    outsider = django_user_model.objects.create_user("x", "x@example.org", "pw", is_staff=True)
    client.force_login(outsider)
    assert client.get(reverse(QUEUE)).status_code == 403

    client.force_login(reviewer)
    StatementFactory.create_batch(2, status=StatementStatus.IN_REVIEW)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(QUEUE))
    StatementFactory.create_batch(6, status=StatementStatus.IN_REVIEW)
    with CaptureQueriesContext(connection) as more:
        client.get(reverse(QUEUE))
    assert len(more) == len(few)


def test_a_reviewer_deletes_a_draft_from_the_version_they_saw(client, reviewer):
    draft = StatementFactory(status=StatementStatus.DRAFT)
    client.force_login(reviewer)
    url = reverse("admin:negotiations_statement_delete", args=[draft.pk])
    page = client.get(url).content.decode()
    assert f'name="version" value="{draft.version}"' in page
    draft.save()  # someone saved it meanwhile
    stale = client.post(url, {"post": "yes", "version": draft.version - 1}, follow=True)
    assert "Someone saved this statement after you read it" in stale.content.decode()
    assert Statement.objects.filter(pk=draft.pk).exists()
    assert client.post(url, {"post": "yes", "version": draft.version}).status_code == 302
    assert not Statement.objects.filter(pk=draft.pk).exists()
    # A published statement offers no delete at all.
    published = StatementFactory()
    url = reverse("admin:negotiations_statement_delete", args=[published.pk])
    assert client.post(url, {"post": "yes", "version": published.version}).status_code == 403

"""The editorial round trip in Chromium: an editor enters, a reviewer publishes, analysts see it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from negotiations.models import Statement, StatementStatus
from tests.browser.conftest import ARTIFACTS, SAVED
from tests.conftest import create_groups_as_migrate_does

pytestmark = pytest.mark.django_db(transaction=True)

QUOTE = "Any agreement must hold on the ground, corridor included."


@pytest.fixture
def site(live_server, django_user_model):
    call_command("load_demo", verbosity=0)
    create_groups_as_migrate_does()
    for name in ("editor", "reviewer"):
        user = django_user_model.objects.create_user(name, password="pw-for-tests", is_staff=True)
        user.groups.add(Group.objects.get(name=name))
    return live_server.url


@pytest.fixture
def session(browser):
    """A fresh browser session per user; console errors (CSP included) fail the test."""
    contexts, errors = [], []

    def open_as(username: str | None, base: str):
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        if username:
            page.goto(f"{base}/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "pw-for-tests")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/admin/")
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert errors == []


def save(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SAVED.append(path)


def pick(page, select_id: str, term: str, option: str, *, exact: bool = False) -> None:
    """Choose in a select2 search box, as an editor does: click, type, pick."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    choices = page.locator(".select2-results__option")
    wanted = re.compile(rf"^{re.escape(option)}$") if exact else option
    choices.filter(has_text=wanted).click()


def test_an_editor_enters_a_reviewer_publishes_and_the_timeline_shows_it(site, session):
    editor = session("editor", site)
    editor.goto(f"{site}/admin/negotiations/statement/add/")
    pick(editor, "id_speaker", "tony blinken", "Antony Blinken")  # an alias
    pick(editor, "id_source", "Tel Aviv", "Secretary Blinken's remarks to the press in Tel Aviv")
    editor.fill("#id_fuzzy_date", "Aug 19, 2024")
    editor.fill("#id_quote", QUOTE)
    editor.select_option("#id_status", "in_review")
    # The claim: subject left empty (the speaker's side), target searched by name.
    corridor = "Withdrawal from the Philadelphi Corridor"
    pick(editor, "id_claims-0-target", "philadelphi", corridor, exact=True)
    editor.select_option("#id_claims-0-stance", label="conditional")
    save(editor, "admin-statement-entered")
    editor.get_by_role("button", name="Save", exact=True).click()
    editor.wait_for_selector("ul.messagelist")
    assert "The date was read as Aug 19, 2024 (a Monday)" in editor.content()

    statement = Statement.objects.get(quote=QUOTE)
    assert statement.status == StatementStatus.IN_REVIEW
    claim = statement.claims.get()
    assert (claim.subject.slug, claim.issue.slug) == ("united-states", "philadelphi-corridor")

    reviewer = session("reviewer", site)
    reviewer.goto(f"{site}/admin/negotiations/statement/review/")
    item = reviewer.locator(f"#statement-{statement.pk}")
    assert QUOTE in item.inner_text()
    assert "submitted by editor" in item.inner_text()
    save(reviewer, "admin-review-queue")
    item.get_by_role("button", name="Publish").click()
    reviewer.wait_for_selector("ul.messagelist")
    assert "published" in reviewer.locator("ul.messagelist").inner_text()

    analyst = session(None, site)
    analyst.goto(f"{site}/n/gaza-2024/timeline/?statement={statement.pk}")
    row = analyst.locator(f"#statement-{statement.pk}")
    assert QUOTE in row.inner_text()
    assert "Philadelphi Corridor" in row.locator(".claims").inner_text()
    save(analyst, "timeline-after-publish")


ARTICLE = (
    "Secretary of State Antony Brinken said on Monday that Israel had accepted the bridging "
    "proposal.\n\n"
    "Hamas rejected the bridging proposal on Tuesday, a spokesman said.\n"
)


def test_an_editor_pastes_an_article_and_reviews_the_drafts_in_their_passages(site, session):
    editor = session("editor", site)
    editor.goto(f"{site}/admin/ingestion/article/add/")
    editor.fill("#id_text", ARTICLE)
    editor.fill("#id_title", "Blinken in Tel Aviv")
    editor.fill("#id_publisher_name", "Wire")
    editor.fill("#id_published", "2024-08-21")
    editor.get_by_role("button", name="Submit").click()
    editor.wait_for_load_state()
    save(editor, "admin-article-submitted")
    editor.wait_for_selector("mark.candidate")
    marks = editor.locator("mark.candidate")
    assert marks.count() >= 2
    assert "Brinken said on Monday" in marks.first.inner_text()
    save(editor, "admin-article-candidates")

    editor.get_by_role("button", name="Accept").first.click()
    editor.goto(f"{site}/admin/negotiations/statement/review/")
    passage = editor.locator(".review-passage mark")
    assert "Brinken" in passage.first.inner_text()
    save(editor, "admin-review-queue-with-passage")

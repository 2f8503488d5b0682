"""Real pages in headless Chromium: what an analyst clicks through."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from negotiations import positions
from negotiations.models import Issue, ParticipantRole, Position, Statement, TargetType

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server):
    call_command("load_demo", verbosity=0)
    positions.rebuild()
    return live_server.url + "/n/gaza-2024"


def test_the_timeline_filters_by_actor(page, site, screenshot):
    page.goto(f"{site}/timeline/")
    everything = page.locator("article.statement").count()
    assert everything == Statement.objects.published().count()
    page.locator("#id_actor").select_option("hamas")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**actor=hamas**")
    filtered = page.locator("article.statement").count()
    assert 0 < filtered < everything
    screenshot("timeline-filtered-hamas")


def test_the_issue_page_draws_one_point_per_position(page, site, screenshot):
    issue = Issue.objects.get(slug="philadelphi-corridor")
    page.goto(f"{site}/issues/{issue.slug}/")
    parties = issue.negotiation.participants.filter(role=ParticipantRole.PARTY)
    expected = Position.objects.filter(
        target_type=TargetType.ISSUE,
        target_id=issue.pk,
        actor__in=parties.values("actor"),
    ).count()
    assert expected > 0
    assert page.locator("svg a.point").count() == expected
    assert (
        page.locator("svg[role=img]").count()
        == parties.count() - page.get_by_text("No position recorded").count()
    )
    screenshot("issue-philadelphi-corridor")


def test_the_permanent_ceasefire_page_keeps_hamass_own_words_beside_the_packages(
    page, site, screenshot
):
    page.goto(f"{site}/issues/permanent-ceasefire/")
    hamas = page.locator("section.lane", has=page.get_by_role("heading", name="Hamas"))
    stances = {point.get_attribute("data-stance") for point in hamas.locator("a.point").all()}
    assert stances == {"2"}  # accepts, throughout: rejecting a text reversed nothing
    packages = page.locator("ul.packages").inner_text()
    assert "Hamas rejects US bridging proposal" in packages
    israel = page.locator("section.lane", has=page.get_by_role("heading", name="Israel"))
    israel.get_by_text("Table of Israel’s positions").click()
    assert "contested by Joe Biden" in israel.locator("table").inner_text()
    screenshot("issue-permanent-ceasefire")


def test_a_dagger_in_the_matrix_leads_to_who_contests_it(page, site, screenshot):
    page.goto(f"{site}/matrix/?as_of=2024-06-15")
    page.locator("table.matrix a.contested-mark").first.click()
    page.wait_for_url("**#contest-1")
    assert "contested by Joe Biden" in page.locator("#contest-1").inner_text()
    screenshot("matrix-contested-notes")


def test_changing_the_matrix_date_moves_the_cells(page, site, screenshot):
    page.goto(f"{site}/matrix/?as_of=2024-08-20")
    august = page.locator("table.matrix").inner_text()
    page.get_by_label("As of").fill("2024-06-11")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**as_of=2024-06-11**")
    june = page.locator("table.matrix").inner_text()
    assert "Jun 11, 2024" in page.locator("h1").inner_text()
    assert june != august
    assert "narrowing" in june and "apart" in august
    screenshot("matrix-2024-06-11")


def test_the_overview_fits_a_phone(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.goto(f"{site}/")
    overflow = phone.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    from tests.browser.conftest import ARTIFACTS, SAVED

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "overview-phone.png"
    phone.screenshot(path=str(path), full_page=True)
    SAVED.append(path)
    context.close()
    assert overflow <= 0

"""The overview, matrix, compare and proposal pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from negotiations import positions
from negotiations.site.views.proposals import diff_provisions
from tests.factories import (
    ActorFactory,
    ClaimFactory,
    IssueFactory,
    NegotiationFactory,
    ParticipantFactory,
    ProposalFactory,
    ProvisionFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/n/gaza-2024"


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    positions.rebuild()


def test_the_site_root_opens_the_only_negotiation(client, demo):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/"


def test_the_overview_shows_parties_mediators_matrix_and_changes(client, demo):
    page = client.get(f"{BASE}/").content.decode()
    for text in ("Parties", "Hamas", "Mediators and others", "Qatar", "Latest changes"):
        assert text in page
    # As of the latest statement (Aug 25, 2024), not today.
    assert "Where the parties stand <small>as of Aug 25, 2024" in page
    assert 'href="/n/gaza-2024/issues/philadelphi-corridor/"' in page
    assert "application/atom+xml" in page


def test_the_matrix_page_moves_with_its_date(client, demo):
    june = client.get(f"{BASE}/matrix/", {"as_of": "2024-06-11"}).context
    august = client.get(f"{BASE}/matrix/", {"as_of": "2024-08-20", "since": "2024-06-01"}).context
    convergence = {row.issue.slug: row.convergence for row in june["rows"]}
    assert convergence["permanent-ceasefire"] == "narrowing"
    assert {row.issue.slug: row.convergence for row in august["rows"]}[
        "permanent-ceasefire"
    ] == "apart"
    footing = {row["party"].slug: row for row in august["footing"]}
    moves = {slug: [move["count"] for move in row["moves"]] for slug, row in footing.items()}
    hardened, _softened, reversed_, new_demands = moves["israel"]
    assert new_demands >= 2 and hardened >= 1 and reversed_ >= 1
    # Hamas said what it wanted all along; rejecting a package reversed nothing.
    assert moves["hamas"][2] == 0


def test_the_matrix_defaults_to_the_record_and_its_window_runs_forward(client, demo):
    page = client.get(f"{BASE}/matrix/")
    assert page.context["matrix"].as_of == datetime.date(2024, 8, 25)
    assert page.context["since"] == datetime.date(2024, 5, 27)
    only_as_of = client.get(f"{BASE}/matrix/", {"as_of": "2024-06-15"})
    assert only_as_of.context["since"] == datetime.date(2024, 3, 17)
    assert "who moved how, Mar 17, 2024 to Jun 15, 2024" in only_as_of.content.decode()
    response = client.get(f"{BASE}/matrix/", {"as_of": "2024-06-15", "since": "2024-07-01"})
    assert response.status_code == 400
    assert "after the “as of” date" in response.content.decode()


def test_each_movement_count_links_to_the_moves_it_counts(client, demo):
    august = client.get(f"{BASE}/matrix/", {"as_of": "2024-08-25", "since": "2024-06-01"})
    israel = next(row for row in august.context["footing"] if row["party"].slug == "israel")
    for move in israel["moves"]:
        listed = client.get(move["url"])
        assert listed.status_code == 200
        count = sum(len(group["changes"]) for group in listed.context["groups"])
        assert count == move["count"], move["url"]


def test_the_contested_count_is_the_daggers_shown(client, demo):
    page = client.get(f"{BASE}/matrix/", {"as_of": "2024-08-25"})
    html = page.content.decode()
    shown = html.count('class="contested-mark"')
    assert sum(row["contested"] for row in page.context["footing"]) == shown
    for _row, cell in page.context["notes"]:
        assert f'id="contest-{cell.note}"' in html


def test_a_bad_date_is_a_form_error_not_a_500(client, demo):
    response = client.get(f"{BASE}/matrix/", {"as_of": "yesterday-ish"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    response = client.get(f"{BASE}/compare/", {"start": "2024-09-01", "end": "2024-08-01"})
    assert response.status_code == 400
    assert "The second date is before the first." in response.content.decode()


def test_compare_opens_on_the_last_quarter_of_the_record(client, demo):
    response = client.get(f"{BASE}/compare/")
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.cleaned_data["start"], form.cleaned_data["end"]) == (
        datetime.date(2024, 5, 27),
        datetime.date(2024, 8, 25),
    )
    assert response.context["groups"]


def test_compare_refuses_an_unknown_actor_with_a_message(client, demo):
    response = client.get(
        f"{BASE}/compare/", {"start": "2024-06-01", "end": "2024-08-31", "actor": "nobody"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_compare_groups_every_change_by_issue(client, demo):
    response = client.get(f"{BASE}/compare/", {"start": "2024-08-01", "end": "2024-08-31"})
    assert response.status_code == 200
    groups = {g["issue"].title if g["issue"] else None: g for g in response.context["groups"]}
    assert "Withdrawal from the Philadelphi Corridor" in groups
    for group in groups.values():
        for item in group["changes"]:
            assert datetime.date(2024, 8, 1) <= item["position"].date_latest
            assert item["position"].date_latest <= datetime.date(2024, 8, 31)


def test_the_proposal_page_shows_lineage_diff_and_stances(client, demo):
    page = client.get(f"{BASE}/proposals/bridging-proposal/").content.decode()
    assert "Lineage" in page and "UN Security Council resolution 2735" in page
    assert "Changes from" in page
    assert "Who accepted or rejected it, when" in page
    assert "Israel" in page and "Hamas" in page


def test_the_provision_diff_pairs_by_phase_and_issue():
    issue, other = IssueFactory.build(pk=1), IssueFactory.build(pk=2)
    old = [
        ProvisionFactory.build(phase=1, order=1, issue=issue, text="Troops leave populated areas"),
        ProvisionFactory.build(phase=2, order=1, issue=other, text="Full withdrawal"),
    ]
    new = [
        ProvisionFactory.build(phase=1, order=3, issue=issue, text="Troops leave most areas"),
        ProvisionFactory.build(phase=3, order=1, issue=None, text="Reconstruction"),
    ]
    changes = {c.kind: c for c in diff_provisions(old, new)}
    assert set(changes) == {"changed", "added", "removed"}
    assert ("delete", "populated") in changes["changed"].words
    assert ("insert", "most") in changes["changed"].words
    assert changes["removed"].provision.text == "Full withdrawal"


def test_user_text_is_escaped_and_drafts_stay_hidden(client):
    negotiation = NegotiationFactory(slug="talks", title="<script>alert('t')</script>")
    evil = ActorFactory(name="<script>alert(1)</script>")
    ParticipantFactory(negotiation=negotiation, actor=evil)
    issue = IssueFactory(negotiation=negotiation, title="<img src=x onerror=alert(2)>")
    proposal = ProposalFactory(negotiation=negotiation, title="<b>bold</b>")
    ClaimFactory(
        statement=StatementFactory(negotiation=negotiation, status="draft"),
        subject=evil,
        issue=None,
        proposal=proposal,
    )
    ClaimFactory(statement=StatementFactory(negotiation=negotiation), subject=evil, issue=issue)
    positions.rebuild()
    for url in ("/n/talks/", "/n/talks/matrix/", f"/n/talks/proposals/{proposal.slug}/"):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<b>bold</b>" not in page
    assert (
        "No stance on it recorded yet."
        in client.get(f"/n/talks/proposals/{proposal.slug}/").content.decode()
    )


def grow(negotiation, parties, n: int) -> None:
    for day in range(1, n + 1):
        issue = IssueFactory(negotiation=negotiation)
        proposal = ProposalFactory(
            negotiation=negotiation, supersedes=negotiation.proposals.first()
        )
        ProvisionFactory(proposal=proposal, issue=issue)
        for party in parties:
            statement = StatementFactory(
                negotiation=negotiation, date_earliest=datetime.date(2024, 7, day)
            )
            ClaimFactory(statement=statement, subject=party, issue=issue, stance=day % 5 - 2)
            ClaimFactory(statement=statement, subject=party, issue=None, proposal=proposal)
    positions.rebuild()


@pytest.mark.parametrize(
    "path",
    [
        "/n/{n}/",
        "/n/{n}/matrix/?as_of=2024-12-31&since=2024-01-01",
        "/n/{n}/compare/?start=2024-01-01&end=2024-12-31",
        "/n/{n}/proposals/{p}/",
    ],
)
def test_each_page_takes_the_same_number_of_queries_whatever_the_data(client, path):
    negotiation = NegotiationFactory()
    parties = [ActorFactory(), ActorFactory()]
    for party in parties:
        ParticipantFactory(negotiation=negotiation, actor=party)
    first = ProposalFactory(negotiation=negotiation)
    url = path.format(n=negotiation.slug, p=first.slug)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    grow(negotiation, parties, 2)
    small = queries()
    grow(negotiation, parties, 6)
    assert queries() == small <= 14


PAGES = [
    "/n/gaza-2024/",
    "/n/gaza-2024/timeline/",
    "/n/gaza-2024/timeline/?actor=israel&stance=rejects",
    "/n/gaza-2024/matrix/?as_of=2024-08-20",
    "/n/gaza-2024/compare/?start=2024-06-01&end=2024-08-31",
    "/n/gaza-2024/issues/philadelphi-corridor/",
    "/n/gaza-2024/proposals/bridging-proposal/",
    "/actors/israel/",
    "/actors/osama-hamdan/",
    "/search/?q=hamas",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_valid_html(client, demo, url):
    import html5lib

    response = client.get(url)
    assert response.status_code == 200
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(response.content.decode())  # raises on any parse error
    page = response.content.decode()
    assert "<main" in page and "<h1" in page and 'lang="en"' in page

"""The timeline, search and the Atom feeds: what analysts and feed readers see."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.models import Actor
from negotiations import positions
from negotiations.models import (
    Basis,
    ChangeKind,
    Negotiation,
    Position,
    Stance,
    Statement,
    StatementStatus,
    TargetType,
)
from negotiations.site.views.timeline import STATEMENTS_PER_PAGE
from tests.factories import (
    ActorFactory,
    AliasFactory,
    ClaimFactory,
    DemandFactory,
    IssueFactory,
    NegotiationFactory,
    ProposalFactory,
    ProvisionFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
AUG_19 = datetime.date(2024, 8, 19)

# Pinned query counts; each is measured equal on a small and a larger data set below.
# Timeline: negotiation, actor/issue/proposal choices, count, page, claims.
TIMELINE_QUERIES = 7
# Search: count and rows of actors, issues, proposals and statements, plus claims.
SEARCH_QUERIES = 9
# Statement feed: negotiation, statements.
STATEMENT_FEED_QUERIES = 2
# Change feed: negotiation, changes, and at most one query per target type (four).
CHANGE_FEED_QUERIES = 6


@pytest.fixture
def talks() -> Negotiation:
    return NegotiationFactory(slug="talks", title="Talks")


def timeline_url(negotiation: Negotiation, **params) -> str:
    url = reverse("negotiations:timeline", args=[negotiation.slug])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def unpublished(negotiation: Negotiation) -> list[Statement]:
    """One statement in each status the public must never see."""
    return [
        StatementFactory(negotiation=negotiation, status=status, quote=f"Hidden {status} words")
        for status in (StatementStatus.DRAFT, StatementStatus.IN_REVIEW, StatementStatus.RETRACTED)
    ]


def atom_entries(response) -> list[ET.Element]:
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def entry_text(entry: ET.Element, tag: str) -> str:
    return entry.find(f"{ATOM}{tag}").text or ""


# --- Timeline ---------------------------------------------------------------


def test_it_groups_published_statements_under_a_heading_per_month(client, talks):
    july = StatementFactory(negotiation=talks, date_earliest=datetime.date(2024, 7, 3))
    august = StatementFactory(negotiation=talks, date_earliest=AUG_19)
    month = StatementFactory(
        negotiation=talks,
        date_earliest=datetime.date(2024, 8, 1),
        date_latest=datetime.date(2024, 8, 31),
    )

    response = client.get(timeline_url(talks))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="month-heading"') == 2
    assert '<time datetime="2024-07">July 2024</time>' in html
    assert '<time datetime="2024-08">August 2024</time>' in html
    # In date order, each under its month, each with its anchor.
    positions = [html.index(f'id="statement-{s.pk}"') for s in (july, month, august)]
    assert positions == sorted(positions)
    assert html.index("August 2024") < positions[1]
    # Dates at their precision, with a machine-readable value.
    assert '<time datetime="2024-08-19">Aug 19, 2024</time>' in html
    assert '<time datetime="2024-08">Aug 2024</time>' in html


def test_a_row_shows_speaker_side_quote_translation_claims_and_source(client, talks):
    speaker = ActorFactory(name="Osama Hamdan", slug="osama-hamdan")
    side = ActorFactory(name="Hamas", slug="hamas")
    statement = StatementFactory(
        negotiation=talks,
        speaker=speaker,
        on_behalf_of=side,
        quote="نحن نرفض",
        quote_language="ar",
        translation="We refuse.",
        source__url="https://news.example/hamdan",
        source__title="Hamdan speaks",
    )
    issue = IssueFactory(negotiation=talks, title="Philadelphi Corridor")
    ClaimFactory(statement=statement, subject=side, issue=issue, stance=Stance.REJECTS)
    ClaimFactory(
        statement=statement,
        subject=ActorFactory(name="Israel"),
        issue=issue,
        stance=Stance.ACCEPTS,
        basis=Basis.ATTRIBUTED,
    )

    html = client.get(timeline_url(talks)).content.decode()

    assert f'href="{speaker.get_absolute_url()}">Osama Hamdan</a>' in html
    assert "for <a" in html and ">Hamas</a>" in html
    assert '<blockquote class="quote" lang="ar" dir="auto">نحن نرفض</blockquote>' in html
    assert '<p class="translation" lang="en">' in html and "We refuse." in html
    assert "<strong" in html and ">rejects</strong>" in html
    assert "Philadelphi Corridor" in html
    assert "(attributed)" in html
    assert html.count("(own)") == 0
    assert 'href="https://news.example/hamdan" rel="noopener noreferrer">Hamdan speaks</a>' in html


def test_it_never_shows_drafts_statements_in_review_or_retracted_ones(client, talks):
    shown = StatementFactory(negotiation=talks, quote="Public words")
    hidden = unpublished(talks)

    html = client.get(timeline_url(talks)).content.decode()

    assert f'id="statement-{shown.pk}"' in html
    for statement in hidden:
        assert statement.quote not in html
        assert f'id="statement-{statement.pk}"' not in html


def test_it_answers_404_for_an_unknown_negotiation(client):
    assert client.get("/n/nowhere/timeline/").status_code == 404


def test_it_escapes_names_and_quotes(client, talks):
    villain = ActorFactory(name="<script>alert(1)</script>", slug="villain")
    StatementFactory(
        negotiation=talks, speaker=villain, quote="Look <img src=x onerror=alert(1)> here"
    )

    html = client.get(timeline_url(talks)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


class TestTimelineFilters:
    @pytest.fixture
    def coded(self, talks):
        """Three statements coded differently, and their actors and targets."""
        israel = ActorFactory(name="Israel", slug="israel")
        hamas = ActorFactory(name="Hamas", slug="hamas")
        corridor = IssueFactory(negotiation=talks, title="Philadelphi Corridor")
        prisoners = IssueFactory(negotiation=talks, title="Prisoner release")
        framework = ProposalFactory(negotiation=talks, title="May 31 framework")
        clause = ProvisionFactory(proposal=framework, issue=prisoners)

        rejects = StatementFactory(negotiation=talks, speaker=israel, date_earliest=AUG_19)
        ClaimFactory(statement=rejects, subject=israel, issue=corridor, stance=Stance.REJECTS)
        # Hamas speaks; a US official says Israel accepts the clause.
        accepts = StatementFactory(
            negotiation=talks, speaker=hamas, date_earliest=datetime.date(2024, 6, 2)
        )
        ClaimFactory(
            statement=accepts,
            subject=israel,
            issue=None,
            provision=clause,
            stance=Stance.ACCEPTS,
            basis=Basis.ATTRIBUTED,
        )
        # Dated only to "Jul 2024".
        vague = StatementFactory(
            negotiation=talks,
            speaker=hamas,
            date_earliest=datetime.date(2024, 7, 1),
            date_latest=datetime.date(2024, 7, 31),
        )
        ClaimFactory(statement=vague, subject=hamas, issue=corridor, stance=Stance.RESISTS)
        return {
            "israel": israel,
            "corridor": corridor,
            "prisoners": prisoners,
            "framework": framework,
            "rejects": rejects,
            "accepts": accepts,
            "vague": vague,
        }

    def shown(self, client, talks, **params) -> set[int]:
        response = client.get(timeline_url(talks, **params))
        assert response.status_code == 200, response.content.decode()
        statements = response.context["page"].object_list
        return {statement.pk for statement in statements}

    def test_actor_keeps_statements_it_speaks_or_is_the_subject_of(self, client, talks, coded):
        assert self.shown(client, talks, actor="israel") == {
            coded["rejects"].pk,
            coded["accepts"].pk,
        }

    def test_issue_includes_claims_on_provisions_that_address_it(self, client, talks, coded):
        assert self.shown(client, talks, issue=coded["corridor"].pk) == {
            coded["rejects"].pk,
            coded["vague"].pk,
        }
        assert self.shown(client, talks, issue=coded["prisoners"].pk) == {coded["accepts"].pk}

    def test_proposal_stance_and_basis(self, client, talks, coded):
        assert self.shown(client, talks, proposal=coded["framework"].pk) == {coded["accepts"].pk}
        assert self.shown(client, talks, stance="rejects") == {coded["rejects"].pk}
        assert self.shown(client, talks, basis="attributed") == {coded["accepts"].pk}

    def test_claim_filters_apply_to_one_claim(self, client, talks, coded):
        both = self.shown(client, talks, issue=coded["corridor"].pk, stance="resists")
        assert both == {coded["vague"].pk}

    def test_dates_keep_statements_that_may_fall_in_the_window(self, client, talks, coded):
        # "Jul 2024" may fall on Jul 31, so it is in a window starting then.
        assert self.shown(client, talks, date_after="2024-07-31") == {
            coded["rejects"].pk,
            coded["vague"].pk,
        }
        assert self.shown(client, talks, date_before="2024-07-01") == {
            coded["accepts"].pk,
            coded["vague"].pk,
        }
        window = self.shown(client, talks, date_after="2024-07-10", date_before="2024-07-20")
        assert window == {coded["vague"].pk}

    def test_the_form_shows_the_chosen_filters(self, client, talks, coded):
        html = client.get(timeline_url(talks, actor="israel", stance="rejects")).content.decode()
        assert '<option value="israel" selected>Israel</option>' in html
        assert '<option value="rejects" selected>rejects</option>' in html
        for label in ("Actor", "Issue", "Proposal", "Stance", "Basis", "Date from", "Date to"):
            assert f">{label}:</label>" in html or f">{label}</label>" in html

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"stance": "furious"}, "Select a valid choice"),
            ({"basis": "rumour"}, "Select a valid choice"),
            ({"issue": "abc"}, "Select a valid choice"),
            ({"issue": "99999"}, "Select a valid choice"),
            ({"proposal": "1e9"}, "Select a valid choice"),
            ({"actor": "nobody"}, "Select a valid choice"),
            ({"date_after": "last tuesday"}, "Enter a valid date"),
            ({"date_before": "2024-02-31"}, "Enter a valid date"),
            ({"date_after": "2024-09-01", "date_before": "2024-08-01"}, "is before"),
        ],
    )
    def test_a_bad_value_is_a_form_error(self, client, talks, coded, params, message):
        response = client.get(timeline_url(talks, **params))

        assert response.status_code == 400
        html = response.content.decode()
        assert 'role="alert"' in html
        assert message in html
        assert 'id="statement-' not in html

    def test_an_issue_of_another_negotiation_is_refused(self, client, talks, coded):
        elsewhere = IssueFactory()
        response = client.get(timeline_url(talks, issue=elsewhere.pk))
        assert response.status_code == 400


class TestPagination:
    @pytest.fixture
    def many(self, talks):
        israel = ActorFactory(name="Israel", slug="israel")
        statements = [
            StatementFactory(
                negotiation=talks,
                speaker=israel,
                date_earliest=datetime.date(2024, 1, 1) + datetime.timedelta(days=n),
            )
            for n in range(STATEMENTS_PER_PAGE + 5)
        ]
        StatementFactory(negotiation=talks)  # someone else: filtered out
        return statements

    def test_page_links_keep_the_filters(self, client, talks, many):
        response = client.get(timeline_url(talks, actor="israel"))

        page = response.context["page"]
        assert len(page.object_list) == STATEMENTS_PER_PAGE
        assert page.paginator.count == STATEMENTS_PER_PAGE + 5
        assert 'href="?actor=israel&amp;page=2" rel="next"' in response.content.decode()

        second = client.get(timeline_url(talks, actor="israel", page=2))
        assert [s.pk for s in second.context["page"].object_list] == [s.pk for s in many[-5:]]
        assert 'href="?actor=israel&amp;page=1" rel="prev"' in second.content.decode()

    def test_statement_parameter_jumps_to_the_page_that_holds_it(self, client, talks, many):
        last = many[-1]
        response = client.get(timeline_url(talks, actor="israel", statement=last.pk))

        assert response.status_code == 302
        assert response["Location"] == (
            f"{timeline_url(talks)}?actor=israel&page=2#statement-{last.pk}"
        )

        first = many[0]
        response = client.get(timeline_url(talks, statement=first.pk))
        assert response["Location"] == f"{timeline_url(talks)}#statement-{first.pk}"

    def test_a_hidden_or_unknown_statement_parameter_is_ignored(self, client, talks, many):
        draft = unpublished(talks)[0]
        for value in (draft.pk, 999999, "abc", "9" * 30, "-1"):
            assert client.get(timeline_url(talks, statement=value)).status_code == 200


# --- Search -----------------------------------------------------------------


def search(client, q: str):
    return client.get(reverse("negotiations:search"), {"q": q})


def test_an_empty_search_shows_the_form_only(client):
    response = search(client, "")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_q">' in html
    assert "Statements" not in html


def test_search_finds_statements_actors_issues_and_proposals(client, talks):
    corridor = IssueFactory(negotiation=talks, title="Philadelphi Corridor")
    ProposalFactory(negotiation=talks, title="Corridor annex")
    statement = StatementFactory(negotiation=talks, quote="No withdrawal from the corridor.")
    hamdan = ActorFactory(name="Osama Hamdan")
    AliasFactory(actor=hamdan, name="Usama Hamdan")

    html = search(client, "corridor").content.decode()

    assert 'Statements <span class="count">(1)</span>' in html
    assert f'id="statement-{statement.pk}"' in html
    assert 'Issues <span class="count">(1)</span>' in html
    assert reverse("negotiations:issue", args=[talks.slug, corridor.slug]) in html
    assert 'Proposals <span class="count">(2)</span>' not in html
    assert 'Proposals <span class="count">(1)</span>' in html

    # Actors by name or alias, whatever the case.
    html = search(client, "usama").content.decode()
    assert 'Actors <span class="count">(1)</span>' in html
    assert ">Osama Hamdan</a>" in html


def test_search_never_shows_unpublished_statements(client, talks):
    hidden = unpublished(talks)

    html = search(client, "hidden").content.decode()

    assert 'Statements <span class="count">(0)</span>' in html
    for statement in hidden:
        assert f'id="statement-{statement.pk}"' not in html


def test_search_escapes_what_it_shows(client, talks):
    villain = ActorFactory(name="<script>alert(1)</script>", slug="villain")
    StatementFactory(negotiation=talks, speaker=villain, quote="alert <img src=x onerror=alert(1)>")

    html = search(client, "alert").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_too_long_search_is_a_form_error(client):
    response = search(client, "x" * 201)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


# --- Feeds ------------------------------------------------------------------


def test_the_statement_feed_lists_published_statements_newest_first(client, talks):
    older = StatementFactory(negotiation=talks, date_earliest=datetime.date(2024, 6, 1))
    newer = StatementFactory(
        negotiation=talks,
        speaker=ActorFactory(name="<script>alert(1)</script>"),
        quote="Look <img src=x onerror=alert(1)>",
    )
    hidden = unpublished(talks)
    StatementFactory()  # another negotiation

    response = client.get(reverse("negotiations:feed_statements", args=[talks.slug]))

    assert response.status_code == 200
    entries = atom_entries(response)
    assert [entry_text(e, "title") for e in entries] == [
        "<script>alert(1)</script>, Aug 19, 2024",
        f"{older.speaker.name}, Jun 1, 2024",
    ]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(f"{timeline_url(talks)}?statement={newer.pk}#statement-{newer.pk}")
    # The summary is HTML: the quote inside it is escaped once more.
    summary = entry_text(entries[0], "summary")
    assert "&lt;img src=x onerror=alert(1)&gt;" in summary
    assert "<img" not in summary
    raw = response.content.decode()
    for statement in hidden:
        assert statement.quote not in raw


def test_the_statement_feed_is_capped(client, talks):
    for n in range(52):
        StatementFactory(negotiation=talks, date_earliest=AUG_19 - datetime.timedelta(days=n))
    response = client.get(reverse("negotiations:feed_statements", args=[talks.slug]))
    assert len(atom_entries(response)) == 50


def make_change(statement: Statement, actor: Actor, target, target_type: str, **fields):
    claim = ClaimFactory(statement=statement, subject=actor)
    values = {
        "stance": Stance.REJECTS,
        "previous_stance": Stance.RESISTS,
        "change": ChangeKind.HARDENED,
        "basis": Basis.OWN,
    } | fields
    return Position.objects.create(
        negotiation=statement.negotiation,
        actor=actor,
        target_type=target_type,
        target_id=target.pk,
        seq=Position.objects.count() + 1,
        claim=claim,
        statement=statement,
        date_earliest=statement.date_earliest,
        date_latest=statement.date_latest,
        **values,
    )


def test_the_change_feed_names_who_moved_on_what(client, talks):
    israel = ActorFactory(name="Israel")
    corridor = IssueFactory(negotiation=talks, title="Philadelphi Corridor")
    later = StatementFactory(negotiation=talks, speaker=israel, date_earliest=AUG_19)
    earlier = StatementFactory(
        negotiation=talks, speaker=israel, date_earliest=datetime.date(2024, 6, 1)
    )
    hardened = make_change(later, israel, corridor, TargetType.ISSUE)
    make_change(
        earlier,
        israel,
        DemandFactory(issue=corridor, actor=israel, text="Troops stay"),
        TargetType.DEMAND,
        change=ChangeKind.NEW_DEMAND,
        previous_stance=None,
        stance=Stance.ACCEPTS,
    )
    # Not a change; and a change from a statement retracted since.
    make_change(later, israel, corridor, TargetType.ISSUE, change="")
    retracted = StatementFactory(negotiation=talks, status=StatementStatus.RETRACTED)
    make_change(retracted, israel, corridor, TargetType.ISSUE)

    response = client.get(reverse("negotiations:feed_changes", args=[talks.slug]))

    entries = atom_entries(response)
    assert [entry_text(e, "title") for e in entries] == [
        "Israel hardened on Philadelphi Corridor",
        "Israel raised a new demand: Israel: Troops stay",
    ]
    assert "rejects (was resists)" in entry_text(entries[0], "summary")
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link.endswith(f"?statement={later.pk}#statement-{later.pk}")
    ids = [entry_text(e, "id") for e in entries]
    assert ids[0].endswith(f"#change-{hardened.pk}")
    assert len(set(ids)) == len(ids)


def test_feeds_answer_404_for_an_unknown_negotiation(client):
    assert client.get("/n/nowhere/feeds/statements/").status_code == 404
    assert client.get("/n/nowhere/feeds/changes/").status_code == 404


def test_the_demo_pages_render(client):
    call_command("load_demo", verbosity=0)
    positions.rebuild()
    negotiation = Negotiation.objects.get(slug="gaza-2024")

    assert client.get(timeline_url(negotiation)).status_code == 200
    assert client.get(reverse("negotiations:search"), {"q": "Hamas"}).status_code == 200
    statements = client.get(reverse("negotiations:feed_statements", args=[negotiation.slug]))
    assert atom_entries(statements)
    changes = client.get(reverse("negotiations:feed_changes", args=[negotiation.slug]))
    assert atom_entries(changes)


# --- Query counts -----------------------------------------------------------


def add_rows(negotiation: Negotiation, count: int) -> None:
    """Add `count` coded statements with claims on every kind of target, and changes."""
    proposal = ProposalFactory(negotiation=negotiation, title=f"Word plan {count}")
    issue = IssueFactory(negotiation=negotiation, title=f"Word issue {count}")
    for n in range(count):
        speaker = ActorFactory(name=f"Word speaker {count}-{n}")
        statement = StatementFactory(
            negotiation=negotiation,
            speaker=speaker,
            on_behalf_of=ActorFactory(),
            quote=f"Word number {n}",
            date_earliest=AUG_19 - datetime.timedelta(days=40 * n),
        )
        provision = ProvisionFactory(proposal=proposal, issue=issue)
        demand = DemandFactory(issue=issue)
        ClaimFactory(statement=statement, issue=issue, basis=Basis.ATTRIBUTED)
        ClaimFactory(statement=statement, issue=None, proposal=proposal)
        ClaimFactory(statement=statement, issue=None, provision=provision)
        ClaimFactory(statement=statement, issue=None, demand=demand)
        make_change(statement, speaker, issue, TargetType.ISSUE)
        make_change(statement, speaker, proposal, TargetType.PROPOSAL)
        make_change(statement, speaker, provision, TargetType.PROVISION)
        make_change(statement, speaker, demand, TargetType.DEMAND)
    unpublished(negotiation)


PAGES = {
    "timeline": (lambda n: timeline_url(n), TIMELINE_QUERIES),
    "filtered timeline": (lambda n: timeline_url(n, stance="accepts"), TIMELINE_QUERIES),
    "search": (lambda n: reverse("negotiations:search") + "?q=word", SEARCH_QUERIES),
    "statement feed": (
        lambda n: reverse("negotiations:feed_statements", args=[n.slug]),
        STATEMENT_FEED_QUERIES,
    ),
    "change feed": (
        lambda n: reverse("negotiations:feed_changes", args=[n.slug]),
        CHANGE_FEED_QUERIES,
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_rows(client, talks, page, django_assert_max_num_queries):
    url, pinned = PAGES[page]

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url(talks))
        assert response.status_code == 200
        return len(context.captured_queries)

    add_rows(talks, 2)
    small = queries()
    add_rows(talks, 12)
    large = queries()

    assert small == large == pinned
    with django_assert_max_num_queries(pinned):
        client.get(url(talks))


@pytest.mark.parametrize(
    ("earliest", "latest", "datetime_value", "shown"),
    [
        ("2024-05-21", "2024-05-31", "2024-05", "late May 2024"),
        ("2024-08-19", "2024-08-23", "2024-08", "Aug 19–23, 2024"),
        ("2024-08-28", "2024-09-02", "2024", "Aug 28 – Sep 2, 2024"),
        ("2024-01-01", "2024-12-31", "2024", "2024"),
    ],
)
def test_a_fuzzy_date_gets_a_true_machine_readable_value(
    client, talks, earliest, latest, datetime_value, shown
):
    StatementFactory(
        negotiation=talks,
        date_earliest=datetime.date.fromisoformat(earliest),
        date_latest=datetime.date.fromisoformat(latest),
    )
    html = client.get(timeline_url(talks)).content.decode()
    assert f'<time datetime="{datetime_value}">{shown}</time>' in html

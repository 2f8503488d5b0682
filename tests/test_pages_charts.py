"""The issue page (a step chart per party) and the actor page (small multiples)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.models import Actor
from negotiations import positions
from negotiations.models import (
    Basis,
    Issue,
    Negotiation,
    ParticipantRole,
    Position,
    Stance,
    Statement,
    StatementStatus,
    TargetType,
)
from negotiations.site.views.issues import statement_url
from tests.factories import (
    AffiliationFactory,
    ClaimFactory,
    DemandFactory,
    IssueFactory,
    NegotiationFactory,
    ParticipantFactory,
    PersonFactory,
    ProposalFactory,
    ProvisionFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date

# Pinned query counts, the same whatever the size of the data.
# Issue page: issue + negotiation, parties, positions, who contests them, demands, who
# raised them, provisions, and the proposals addressing it with each actor's stance on them.
ISSUE_PAGE_QUERIES = 9
# Actor page: actor, aliases, roles, members, statements, positions on issues and
# proposals, who contests them, their issues, the proposals and the issues they address.
ACTOR_PAGE_QUERIES = 10


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    positions.rebuild()
    return Negotiation.objects.get(slug="gaza-2024")


def issue_url(issue: Issue) -> str:
    return reverse("negotiations:issue", args=[issue.negotiation.slug, issue.slug])


def actor_url(actor: Actor) -> str:
    return reverse("actors:detail", args=[actor.slug])


def lane(html: str, actor: Actor) -> str:
    """Return the swimlane section of one party on an issue page."""
    match = re.search(
        rf'<section class="lane" aria-labelledby="lane-{actor.pk}-heading">(.*?)</section>',
        html,
        re.S,
    )
    assert match, f"no lane for {actor}"
    return match.group(1)


def points(html: str) -> list[str]:
    return re.findall(r'<a class="point[^"]*"[^>]*data-stance="(-?\d)"', html)


def claim(issue, actor, stance, day, *, status=StatementStatus.PUBLISHED, **kwargs):
    return ClaimFactory(
        statement__negotiation=issue.negotiation,
        statement__speaker=actor,
        statement__date_earliest=day,
        statement__status=status,
        subject=actor,
        issue=issue,
        stance=stance,
        **kwargs,
    )


# The issue page ---------------------------------------------------------------


def test_the_issue_page_draws_one_point_per_position_of_each_party(client, demo):
    corridor = Issue.objects.get(negotiation=demo, slug="philadelphi-corridor")
    israel = Actor.objects.get(slug="israel")
    history = positions.history(israel, "issue", corridor.pk)
    assert len(history) >= 2

    response = client.get(issue_url(corridor))

    assert response.status_code == 200
    html = response.content.decode()
    israel_lane = lane(html, israel)
    assert points(israel_lane) == [str(p.stance) for p in history]
    timeline = reverse("negotiations:timeline", args=[demo.slug])
    for position in history:
        assert f'href="{statement_url(timeline, position.statement_id)}"' in israel_lane
    assert "<path" in israel_lane and 'role="img"' in israel_lane
    assert 'aria-labelledby="chart-' in israel_lane
    # The same positions as a table, for readers who do not see the chart.
    assert israel_lane.count("<tr") == len(history) + 1
    assert "rejects" in israel_lane and "accepts" in israel_lane


def test_every_party_gets_a_lane_and_only_parties(client, demo):
    corridor = Issue.objects.get(negotiation=demo, slug="philadelphi-corridor")
    html = client.get(issue_url(corridor)).content.decode()
    for participant in demo.participants.select_related("actor"):
        heading = f'id="lane-{participant.actor.pk}-heading"'
        assert (heading in html) == (participant.role == ParticipantRole.PARTY)


def test_a_party_without_positions_shows_none_recorded(client):
    issue = IssueFactory()
    speaks = ParticipantFactory(negotiation=issue.negotiation).actor
    silent = ParticipantFactory(negotiation=issue.negotiation).actor
    claim(issue, speaks, Stance.ACCEPTS, D(2024, 6, 1))
    positions.rebuild()

    html = client.get(issue_url(issue)).content.decode()

    assert len(points(lane(html, speaks))) == 1
    assert "No position recorded" in lane(html, silent)
    assert "No position recorded" not in lane(html, speaks)


def test_a_contested_position_is_marked(client):
    issue = IssueFactory()
    israel = ParticipantFactory(negotiation=issue.negotiation).actor
    claim(issue, israel, Stance.ACCEPTS, D(2024, 8, 19))
    disputes = claim(issue, israel, Stance.REJECTS, D(2024, 8, 20), basis=Basis.ANONYMOUS)
    positions.rebuild()
    assert positions.with_contests(list(Position.objects.filter(actor=israel)))[0].contested

    html = lane(client.get(issue_url(issue)).content.decode(), israel)

    assert re.search(r'<a class="point stance-2 contested"', html)
    speaker = disputes.statement.speaker.name
    assert re.search(rf"<title>[^<]*contested by {speaker} \(anonymous: rejects", html)
    # The table says who, with a link to their statement.
    assert f"?statement={disputes.statement_id}#statement-{disputes.statement_id}" in html


def test_the_lanes_share_one_time_axis(client):
    issue = IssueFactory()
    early = ParticipantFactory(negotiation=issue.negotiation).actor
    late = ParticipantFactory(negotiation=issue.negotiation).actor
    claim(issue, early, Stance.ACCEPTS, D(2024, 3, 5))
    claim(issue, late, Stance.REJECTS, D(2024, 8, 20))
    positions.rebuild()

    html = client.get(issue_url(issue)).content.decode()

    def ticks(actor):
        return re.findall(r'<line class="tick" x1="(\d+)"', lane(html, actor))

    assert len(ticks(early)) == 7  # Mar 1 … Sep 1
    assert ticks(early) == ticks(late)
    assert re.search(r'class="tick-label"[^>]*>Mar 2024<', lane(html, late))
    early_x = re.search(r'<circle cx="(\d+)"', lane(html, early)).group(1)
    late_x = re.search(r'<circle cx="(\d+)"', lane(html, late)).group(1)
    assert int(early_x) < int(late_x)


def test_drafts_and_retractions_never_reach_the_issue_page(client):
    issue = IssueFactory()
    party = ParticipantFactory(negotiation=issue.negotiation).actor
    kept = claim(issue, party, Stance.ACCEPTS, D(2024, 6, 1))
    claim(issue, party, Stance.REJECTS, D(2024, 7, 1), status=StatementStatus.DRAFT)
    retracted = claim(issue, party, Stance.RESISTS, D(2024, 8, 1))
    positions.rebuild()
    # Retracted after the positions were built, before they are recomputed.
    Statement.objects.filter(pk=retracted.statement_id).update(
        status=StatementStatus.RETRACTED, retraction_reason="Misattributed."
    )

    html = lane(client.get(issue_url(issue)).content.decode(), party)

    assert points(html) == ["2"]
    assert f"?statement={kept.statement_id}#statement-{kept.statement_id}" in html
    assert "rejects (" not in html and "resists (" not in html


def test_the_issue_page_lists_demands_with_who_raised_them_and_the_provisions(client, demo):
    corridor = Issue.objects.get(negotiation=demo, slug="philadelphi-corridor")
    html = client.get(issue_url(corridor)).content.decode()
    stay = corridor.demands.get(text__icontains="stay")
    raised = (
        Position.objects.filter(
            target_type=TargetType.DEMAND, target_id=stay.pk, change="new_demand"
        )
        .order_by("date_latest", "pk")
        .first()
    )
    assert stay.text in html
    if raised:
        assert f'raised by <a href="{actor_url(raised.actor)}">' in html
    for provision in corridor.provisions.select_related("proposal"):
        proposal_url = reverse("negotiations:proposal", args=[demo.slug, provision.proposal.slug])
        assert f'href="{proposal_url}"' in html


def test_an_unknown_issue_is_a_404(client, demo):
    assert client.get(reverse("negotiations:issue", args=[demo.slug, "nope"])).status_code == 404
    assert client.get(reverse("negotiations:issue", args=["nope", "x"])).status_code == 404


def test_user_text_is_escaped_on_the_issue_page(client):
    issue = IssueFactory(title="<b>Corridor</b>", description="<img src=x onerror=alert(1)>")
    party = ParticipantFactory(
        negotiation=issue.negotiation, actor__name="<script>alert(1)</script>"
    ).actor
    claim(issue, party, Stance.ACCEPTS, D(2024, 6, 1))
    DemandFactory(issue=issue, actor=party, text="<i>stay</i>")
    ProvisionFactory(
        proposal=ProposalFactory(negotiation=issue.negotiation, title="<u>Text</u>"),
        issue=issue,
        text="<em>clause</em>",
    )
    positions.rebuild()

    html = client.get(issue_url(issue)).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for raw in ("<script>alert(1)", "<b>Corridor", "<img src=x", "<i>stay", "<u>Text", "<em>cl"):
        assert raw not in html


def test_the_pages_have_no_inline_styles_or_scripts(client, demo):
    corridor = Issue.objects.get(negotiation=demo, slug="philadelphi-corridor")
    for url in (issue_url(corridor), actor_url(Actor.objects.get(slug="israel"))):
        html = client.get(url).content.decode()
        assert "style=" not in html and "<style" not in html
        assert "<script" not in html


def build_issue(parties: int, claims_each: int) -> Issue:
    issue = IssueFactory()
    for n in range(parties):
        party = ParticipantFactory(negotiation=issue.negotiation).actor
        ParticipantFactory(negotiation=issue.negotiation, role=ParticipantRole.MEDIATOR)
        for day in range(claims_each):
            claim(issue, party, [2, -2][day % 2], D(2024, 5, 1) + datetime.timedelta(days=9 * day))
        # Disputed by a report (the page names who), and a stance on a package beside it.
        claim(issue, party, Stance.AMBIGUOUS, D(2024, 5, 1), basis=Basis.REPORTED)
        package = ProposalFactory(negotiation=issue.negotiation)
        ProvisionFactory(proposal=package, issue=issue)
        ClaimFactory(
            statement__negotiation=issue.negotiation,
            subject=party,
            issue=None,
            proposal=package,
        )
        demand = DemandFactory(issue=issue, actor=party)
        ClaimFactory(
            statement__negotiation=issue.negotiation,
            statement__speaker=party,
            subject=party,
            issue=None,
            demand=demand,
        )
        ProvisionFactory(proposal=ProposalFactory(negotiation=issue.negotiation), issue=issue)
        if n == 0:
            ParticipantFactory(negotiation=issue.negotiation, role=ParticipantRole.OBSERVER)
    positions.rebuild()
    return issue


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_issue_page_makes_a_fixed_number_of_queries(client):
    small = build_issue(parties=1, claims_each=1)
    large = build_issue(parties=5, claims_each=8)
    assert Position.objects.filter(target_id=large.pk, target_type="issue").count() == 40

    assert count_queries(client, issue_url(small)) == ISSUE_PAGE_QUERIES
    assert count_queries(client, issue_url(large)) == ISSUE_PAGE_QUERIES


# The actor page ---------------------------------------------------------------


def test_the_actor_page_draws_a_small_chart_per_issue(client, demo):
    israel = Actor.objects.get(slug="israel")
    issue_ids = set(
        Position.objects.filter(actor=israel, target_type=TargetType.ISSUE).values_list(
            "target_id", flat=True
        )
    )
    assert len(issue_ids) >= 2

    response = client.get(actor_url(israel))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="stepchart stepchart-small"') == len(issue_ids)
    for issue in Issue.objects.filter(pk__in=issue_ids):
        assert f'href="{issue_url(issue)}"' in html
    stored = Position.objects.filter(actor=israel, target_type=TargetType.ISSUE).count()
    assert len(points(html)) == stored


def test_the_actor_page_lists_published_statements_newest_first(client):
    negotiation = NegotiationFactory()
    speaker = PersonFactory(name="Osama Hamdan")
    older = StatementFactory(
        negotiation=negotiation, speaker=speaker, date_earliest=D(2024, 6, 1), quote="Older."
    )
    newer = StatementFactory(
        negotiation=negotiation,
        speaker=speaker,
        date_earliest=D(2024, 8, 1),
        date_latest=D(2024, 8, 31),
        quote="Newer.",
    )
    StatementFactory(
        negotiation=negotiation, speaker=speaker, status=StatementStatus.DRAFT, quote="Draft."
    )
    StatementFactory(
        negotiation=negotiation, speaker=speaker, status=StatementStatus.RETRACTED, quote="Gone."
    )
    StatementFactory(negotiation=negotiation, quote="Someone else.")

    html = client.get(actor_url(speaker)).content.decode()

    assert html.index("Newer.") < html.index("Older.")
    assert "Aug 2024" in html  # the date at its precision
    timeline = reverse("negotiations:timeline", args=[negotiation.slug])
    for statement in (older, newer):
        assert f'href="{statement_url(timeline, statement.pk)}"' in html
    for hidden in ("Draft.", "Gone.", "Someone else."):
        assert hidden not in html


def test_the_actor_page_caps_the_statements(client):
    negotiation = NegotiationFactory()
    speaker = PersonFactory()
    for day in range(52):
        StatementFactory(
            negotiation=negotiation,
            speaker=speaker,
            date_earliest=D(2024, 1, 1) + datetime.timedelta(days=day),
            quote=f"Said on day {day}.",
        )
    html = client.get(actor_url(speaker)).content.decode()
    assert html.count('<li class="statement"') == 50
    assert "Said on day 51." in html and "Said on day 1." not in html
    assert "The 50 most recent." in html


def test_the_actor_page_shows_roles_over_time(client):
    person = PersonFactory(name="Yahya Sinwar")
    AffiliationFactory(
        person=person, organization__name="Hamas", role="leader", start=D(2024, 8, 6)
    )
    html = client.get(actor_url(person)).content.decode()
    assert "Roles over time" in html
    assert "leader" in html and "Hamas" in html and "Aug 6, 2024" in html and "present" in html


def test_an_actor_without_positions_or_statements_still_has_a_page(client):
    actor = PersonFactory()
    response = client.get(actor_url(actor))
    assert response.status_code == 200
    assert "No position recorded." in response.content.decode()
    assert client.get(reverse("actors:detail", args=["nobody"])).status_code == 404


def test_user_text_is_escaped_on_the_actor_page(client):
    issue = IssueFactory(title="<b>Corridor</b>")
    actor = ParticipantFactory(
        negotiation=issue.negotiation,
        actor__name="<script>alert(1)</script>",
        actor__description="<img src=x>",
    ).actor
    claim(issue, actor, Stance.ACCEPTS, D(2024, 6, 1), statement__quote="<script>q()</script>")
    positions.rebuild()

    html = client.get(actor_url(actor)).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;q()&lt;/script&gt;" in html
    for raw in ("<script>", "<b>Corridor", "<img src=x"):
        assert raw not in html


def build_actor(issues: int, claims_each: int, statements: int) -> Actor:
    negotiation = NegotiationFactory()
    actor = ParticipantFactory(negotiation=negotiation).actor
    for _ in range(issues):
        issue = IssueFactory(negotiation=negotiation)
        for day in range(claims_each):
            claim(issue, actor, [1, -1][day % 2], D(2024, 5, 1) + datetime.timedelta(days=7 * day))
        claim(issue, actor, Stance.AMBIGUOUS, D(2024, 5, 1), basis=Basis.REPORTED)
        package = ProposalFactory(negotiation=negotiation)
        ProvisionFactory(proposal=package, issue=issue)
        ClaimFactory(
            statement__negotiation=negotiation, subject=actor, issue=None, proposal=package
        )
    for _ in range(statements):
        StatementFactory(negotiation=negotiation, speaker=actor)
    for _ in range(issues):
        AffiliationFactory(organization=actor)
    positions.rebuild()
    return actor


def test_the_actor_page_makes_a_fixed_number_of_queries(client):
    small = build_actor(issues=1, claims_each=1, statements=0)
    large = build_actor(issues=6, claims_each=5, statements=60)
    # A second negotiation: its charts are grouped separately, in the same queries.
    other = IssueFactory()
    claim(other, large, Stance.ACCEPTS, D(2023, 1, 1))
    positions.rebuild()

    assert count_queries(client, actor_url(small)) == ACTOR_PAGE_QUERIES
    assert count_queries(client, actor_url(large)) == ACTOR_PAGE_QUERIES

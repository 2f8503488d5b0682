"""Dates cannot take a page down: any stored date charts in bounded time and size."""

from __future__ import annotations

import datetime
import itertools
import time

import pytest
from django.template.loader import render_to_string
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiations import positions
from negotiations.site import charts
from negotiations.site.views.issues import Lane
from tests.factories import ClaimFactory, IssueFactory, ParticipantFactory, StatementFactory

D = datetime.date


def lane_html(chart: charts.StepChart) -> str:
    lane = Lane(actor=None, issue=None, positions=[], chart=chart, chart_id="c", timeline_url="/")
    return render_to_string("negotiations/_stepchart.html", {"lane": lane})


@settings(max_examples=200, deadline=None)
@given(
    days=st.lists(st.dates(), min_size=1, max_size=6),
    size=st.sampled_from([charts.LARGE, charts.SMALL]),
)
def test_any_dates_chart_with_a_bounded_number_of_ticks(days, size):
    axis = charts.time_axis(days)
    points = [charts.Point(day, day, 0, label=str(day)) for day in sorted(days)]
    chart = charts.step_chart(points, *axis, size=size)
    assert len(chart.ticks) <= charts.MAX_LINES + 1
    labelled = [tick for tick in chart.ticks if tick.label]
    for left, right in itertools.pairwise(labelled):
        assert left.x + size.text_width(left.label) < right.x  # labels never overlap


@pytest.mark.django_db
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=st.dates(), last=st.dates())
def test_the_issue_and_actor_pages_stay_small_and_fast_whatever_the_dates(client, first, last):
    issue = IssueFactory()
    party = ParticipantFactory(negotiation=issue.negotiation).actor
    for day, stance in ((first, 2), (last, -2)):
        ClaimFactory(
            statement=StatementFactory(
                negotiation=issue.negotiation, speaker=party, date_earliest=day
            ),
            subject=party,
            issue=issue,
            stance=stance,
        )
    positions.rebuild()
    for url in (issue.get_absolute_url(), party.get_absolute_url()):
        started = time.monotonic()
        response = client.get(url)
        assert response.status_code == 200
        assert time.monotonic() - started < 2
        assert len(response.content) < 200_000


@pytest.mark.django_db
def test_the_extremes_of_the_calendar_chart(client):
    test_the_issue_and_actor_pages_stay_small_and_fast_whatever_the_dates.hypothesis.inner_test(
        client, D(1, 1, 1), D(9999, 12, 31)
    )

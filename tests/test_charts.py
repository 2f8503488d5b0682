"""The step chart geometry, without a database."""

from __future__ import annotations

import datetime
import itertools
import re

from negotiations.models import Stance
from negotiations.site import charts

D = datetime.date


def point(day: datetime.date, stance: int, *, earliest=None, contested=False) -> charts.Point:
    return charts.Point(
        date_earliest=earliest or day,
        date_latest=day,
        stance=stance,
        label=f"{day}: {stance}",
        url=f"/t/#statement-{day.day}",
        contested=contested,
    )


def test_its_stance_labels_are_the_models():
    assert dict(zip(Stance.values, Stance.labels, strict=True)) == charts.STANCE_LABELS


def test_the_time_axis_covers_whole_months():
    assert charts.time_axis([D(2024, 8, 19), D(2024, 6, 3), D(2024, 7, 1)]) == (
        D(2024, 6, 1),
        D(2024, 9, 1),
    )
    assert charts.time_axis([D(2024, 12, 31)]) == (D(2024, 12, 1), D(2025, 1, 1))
    assert charts.time_axis([]) is None


def test_points_go_left_to_right_by_date_and_up_with_the_stance():
    chart = charts.step_chart(
        [point(D(2024, 6, 1), 1), point(D(2024, 7, 1), 2), point(D(2024, 8, 31), -2)],
        D(2024, 6, 1),
        D(2024, 9, 1),
    )
    xs = [p.x for p in chart.points]
    ys = [p.y for p in chart.points]
    assert xs == sorted(xs)
    assert chart.plot_left < xs[0] and xs[-1] < chart.plot_right
    assert ys[1] < ys[0] < ys[2]  # SVG y grows downwards: accepts is highest
    assert all(chart.plot_top < y < chart.plot_bottom for y in ys)


def test_a_fuzzy_date_is_placed_at_its_end_and_shows_its_range():
    chart = charts.step_chart(
        [point(D(2024, 8, 31), 0, earliest=D(2024, 8, 1)), point(D(2024, 8, 31), 0)],
        D(2024, 8, 1),
        D(2024, 9, 1),
    )
    fuzzy, exact = chart.points
    assert fuzzy.x == exact.x
    assert fuzzy.is_fuzzy and fuzzy.x_earliest < fuzzy.x
    assert not exact.is_fuzzy


def test_the_step_line_holds_each_stance_until_the_next_point_and_the_last_to_the_end():
    chart = charts.step_chart(
        [point(D(2024, 6, 10), 1), point(D(2024, 8, 20), -2)], D(2024, 6, 1), D(2024, 9, 1)
    )
    first, last = chart.points
    end = chart.plot_right - 6
    assert chart.path == f"M{first.x} {first.y} H{last.x} V{last.y} H{end}"


def test_a_chart_without_points_has_no_line():
    chart = charts.step_chart([], D(2024, 6, 1), D(2024, 9, 1))
    assert chart.points == []
    assert chart.path == ""
    assert len(chart.gridlines) == 5


def test_one_gridline_per_stance_labelled_from_accepts_down_to_rejects():
    chart = charts.step_chart([], D(2024, 6, 1), D(2024, 9, 1))
    assert [g.label for g in chart.gridlines] == [
        "accepts",
        "conditional",
        "ambiguous",
        "resists",
        "rejects",
    ]
    ys = [g.y for g in chart.gridlines]
    assert ys == sorted(ys)
    placed = charts.step_chart([point(D(2024, 7, 1), -1)], D(2024, 6, 1), D(2024, 9, 1))
    assert placed.points[0].y == ys[3]


def test_month_ticks_fall_on_the_first_of_each_month_with_the_year_on_the_first():
    chart = charts.step_chart([], D(2024, 6, 1), D(2024, 9, 1))
    assert [t.label for t in chart.ticks] == ["Jun 2024", "Jul", "Aug", ""]
    xs = [t.x for t in chart.ticks]
    assert xs == sorted(xs)
    assert xs[-1] - xs[0] == chart.plot_right - chart.plot_left - 12


def test_january_carries_its_year():
    chart = charts.step_chart([], D(2024, 11, 1), D(2025, 3, 1))
    assert [t.label for t in chart.ticks if t.label][:3] == ["Nov 2024", "Dec", "Jan 2025"]


def test_month_labels_are_thinned_out_on_a_long_axis_so_they_do_not_overlap():
    chart = charts.step_chart([], D(2022, 1, 1), D(2025, 1, 1), size=charts.SMALL)
    labelled = [t for t in chart.ticks if t.label]
    assert len(chart.ticks) == 37  # every month keeps its line
    assert 1 < len(labelled) < 10
    for left, right in itertools.pairwise(labelled):
        assert left.x + charts.SMALL.text_width(left.label) < right.x


def test_a_small_chart_leaves_room_for_the_year_on_the_first_label():
    chart = charts.step_chart([], D(2024, 5, 1), D(2024, 9, 1), size=charts.SMALL)
    labelled = [t for t in chart.ticks if t.label]
    assert labelled[0].label == "May 2024"
    assert labelled[0].x + charts.SMALL.text_width("May 2024") < labelled[1].x


def test_dates_outside_the_axis_are_clamped_to_it():
    chart = charts.step_chart([point(D(2025, 1, 1), 0)], D(2024, 6, 1), D(2024, 9, 1))
    assert chart.points[0].x == chart.plot_right - 6


def test_an_empty_range_still_draws():
    chart = charts.step_chart([point(D(2024, 6, 1), 2)], D(2024, 6, 1), D(2024, 6, 1))
    assert chart.end > chart.start
    assert chart.path.startswith("M")


def test_the_geometry_is_whole_numbers_inside_the_view_box():
    chart = charts.step_chart(
        [point(D(2024, 6, 10), 1, contested=True), point(D(2024, 8, 20), -2)],
        D(2024, 6, 1),
        D(2024, 9, 1),
        size=charts.SMALL,
    )
    assert chart.view_box == "0 0 300 130"
    numbers = [int(n) for n in re.findall(r"-?\d+", chart.path)]
    numbers += [v for p in chart.points for v in (p.x, p.y, p.x_earliest)]
    assert all(0 <= n <= 300 for n in numbers)
    assert chart.points[0].contested and not chart.points[1].contested
    assert chart.points[0].stance_label == "conditional"

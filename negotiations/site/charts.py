"""Geometry for the stance step charts, drawn as inline SVG by the templates.

Pure Python, no database: the views turn positions into `Point`s, this module
places them, and `templates/negotiations/_stepchart.html` draws the result.
Coordinates are whole numbers in the SVG's own units (the `viewBox`), so the
template can print them as they are and the chart scales to any width.

A position is drawn at its `date_latest`: a fuzzy date counts once it is over,
as in negotiations.positions. The step line holds each stance until the next
position, and the last one until the end of the time axis.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# The labels of negotiations.models.Stance, repeated here so that this module
# needs no Django app (tests/test_charts.py checks that they agree).
STANCE_LABELS: dict[int, str] = {
    2: "accepts",
    1: "conditional",
    0: "ambiguous",
    -1: "resists",
    -2: "rejects",
}
STANCE_MIN, STANCE_MAX = -2, 2

_MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


@dataclass(frozen=True)
class Size:
    """The frame of a chart in SVG units: outer size, margins and label size."""

    name: str  # names the CSS class stepchart-<name>
    width: int
    height: int
    left: int  # room for the stance labels
    right: int
    top: int
    bottom: int  # room for the month labels
    font_size: int

    def text_width(self, text: str) -> int:
        """Estimate the width of a label; generous, so that labels never touch."""
        return math.ceil(len(text) * self.font_size * 0.62)


# A phone shows the large chart at about 0.8 of its size and a small multiple
# at about full size, so that labels stay readable without scripts or media queries.
LARGE = Size(
    name="large", width=440, height=180, left=86, right=14, top=10, bottom=26, font_size=13
)
SMALL = Size(name="small", width=300, height=130, left=72, right=10, top=8, bottom=22, font_size=11)


@dataclass(frozen=True)
class Point:
    """One position to plot."""

    date_earliest: datetime.date
    date_latest: datetime.date
    stance: int
    label: str  # the point's tooltip: date, stance, basis
    url: str = ""
    contested: bool = False


@dataclass(frozen=True)
class PlacedPoint:
    x: int
    x_earliest: int  # where a fuzzy date begins; equal to x for an exact date
    y: int
    stance: int
    label: str
    url: str
    contested: bool

    @property
    def is_fuzzy(self) -> bool:
        return self.x_earliest < self.x

    @property
    def stance_label(self) -> str:
        return STANCE_LABELS[self.stance]


@dataclass(frozen=True)
class Tick:
    x: int
    label: str  # "" for a month line drawn without a label, to keep labels apart


@dataclass(frozen=True)
class Gridline:
    y: int
    stance: int
    label: str


@dataclass(frozen=True)
class StepChart:
    size: Size
    start: datetime.date
    end: datetime.date
    points: list[PlacedPoint]
    path: str  # the step line's `d`, "" without points
    ticks: list[Tick]
    gridlines: list[Gridline]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.size.width} {self.size.height}"

    @property
    def plot_left(self) -> int:
        return self.size.left

    @property
    def plot_right(self) -> int:
        return self.size.width - self.size.right

    @property
    def plot_top(self) -> int:
        return self.size.top

    @property
    def plot_bottom(self) -> int:
        return self.size.height - self.size.bottom

    @property
    def label_x(self) -> int:
        """Where the stance labels end, just left of the plot."""
        return self.plot_left - 6

    @property
    def label_y(self) -> int:
        """The baseline of the month labels, below the plot."""
        return self.plot_bottom + self.size.font_size + 4


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    if day.month == 12:
        # December of the last year there is: the axis ends on its last day.
        return datetime.date(day.year + 1, 1, 1) if day.year < datetime.MAXYEAR else day.max
    return datetime.date(day.year, day.month + 1, 1)


def time_axis(dates: Iterable[datetime.date]) -> tuple[datetime.date, datetime.date] | None:
    """Return the whole months that hold the dates: (first day, first day after), or None."""
    dates = list(dates)
    if not dates:
        return None
    return _first_of_month(min(dates)), _next_month(max(dates))


def _month_label(day: datetime.date, first: bool) -> str:
    name = _MONTH_ABBREVIATIONS[day.month - 1]
    # The year only where it is news: on the first label and on each January.
    return f"{name} {day.year}" if first or day.month == 1 else name


def step_chart(
    points: Sequence[Point],
    start: datetime.date,
    end: datetime.date,
    size: Size = LARGE,
) -> StepChart:
    """Place `points` (in order) on a time axis from `start` to `end` and stances -2..2."""
    if end <= start:
        end = start + datetime.timedelta(days=1)
    left, right = size.left, size.width - size.right
    top, bottom = size.top, size.height - size.bottom
    # Keep markers off the frame: the plot area is inset a little on each side.
    inset = 6
    span_days = (end - start).days

    def x_of(day: datetime.date) -> int:
        day = min(max(day, start), end)
        return round(left + inset + (right - left - 2 * inset) * (day - start).days / span_days)

    def y_of(stance: int) -> int:
        share = (STANCE_MAX - stance) / (STANCE_MAX - STANCE_MIN)
        return round(top + inset + (bottom - top - 2 * inset) * share)

    placed = [
        PlacedPoint(
            x=x_of(point.date_latest),
            x_earliest=x_of(point.date_earliest),
            y=y_of(point.stance),
            stance=point.stance,
            label=point.label,
            url=point.url,
            contested=point.contested,
        )
        for point in points
    ]
    return StepChart(
        size=size,
        start=start,
        end=end,
        points=placed,
        path=_step_path(placed, right - inset),
        ticks=_month_ticks(start, end, x_of, size),
        gridlines=[
            Gridline(y=y_of(stance), stance=stance, label=label)
            for stance, label in STANCE_LABELS.items()
        ],
    )


def _step_path(points: list[PlacedPoint], x_end: int) -> str:
    """Hold each stance level until the next point, the last one until `x_end`."""
    if not points:
        return ""
    first, *rest = points
    parts = [f"M{first.x} {first.y}"]
    y = first.y
    for point in rest:
        parts.append(f"H{point.x}" if point.y == y else f"H{point.x} V{point.y}")
        y = point.y
    parts.append(f"H{max(x_end, points[-1].x)}")
    return " ".join(parts)


# Steps between labelled ticks, in months: the first that leaves room for every label
# is used; lines between them are drawn every month while there are few enough.
STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000, 12000, 24000, 60000)
MAX_LINES = 60


def _month_ticks(
    start: datetime.date, end: datetime.date, x_of: Callable[[datetime.date], int], size: Size
) -> list[Tick]:
    """A line on the first of months, labelled every `step` months (or years), as many
    labels as there is room for: the cost depends on the chart's width, not on the
    years it spans."""
    first = _months(start) + (start.day != 1)  # the first whole month on the axis
    last = _months(end)
    if last < first:
        return []
    width = x_of(end) - x_of(start)
    for step in STEPS:
        yearly = step >= 12
        room = size.text_width("2024" if yearly else "Sep 2024") + 2 * size.font_size // 3
        if (last - first) / step * room <= width:
            break
    line = next(
        each
        for each in STEPS
        if (step % each == 0 and (last - first) // each < MAX_LINES) or each == step
    )
    ticks, labelled = [], False
    month = -(-first // line) * line  # the first line on the axis
    while month <= last:
        day = _day(month)
        label = ""
        # A label at the very end of the axis would hang off the chart.
        if month % step == 0 and (day < end or not labelled):
            label = str(day.year) if yearly else _month_label(day, not labelled)
            labelled = True
        ticks.append(Tick(x=x_of(day), label=label))
        month += line
    return ticks


def _months(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _day(months: int) -> datetime.date:
    return datetime.date(months // 12, months % 12 + 1, 1)

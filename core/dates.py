"""Read and write dates whose precision depends on the source.

Sources give dates as "on Monday", "in April", "late May" or "Aug 19–23, 2024". A
:class:`FuzzyDate` stores such a date as the range ``earliest``–``latest``; its precision
(day, part of a month, month, year or an arbitrary range) is derived from that range and
never stored, so the two dates are the single source of truth.
"""

from __future__ import annotations

import enum
import re
from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

__all__ = [
    "ACCEPTED_FORMS",
    "FuzzyDate",
    "FuzzyDateError",
    "FuzzyDateFormField",
    "Precision",
    "check_window",
    "format_fuzzy_date",
    "parse_fuzzy_date",
]

ACCEPTED_FORMS = (
    "2024-08-19; 19 Aug 2024; Aug 19, 2024; 2024-08; August 2024; 2024; "
    "early/mid/late June 2024; Aug 19–23, 2024; Aug 28 – Sep 2, 2024; 2024-08-19/2024-08-23; "
    "and, with a reference date: today; yesterday; on Monday; last Monday; Saturday evening; "
    "this/last week, month or year; in April; late May; Aug 19"
)

# Longer text is never a date; refusing it early keeps the range search (quadratic in the
# number of separators) cheap on hostile form input.
MAX_INPUT_LENGTH = 200

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTHS: dict[str, int] = {}
for _number, _name in enumerate(_MONTH_NAMES, start=1):
    _MONTHS[_name.lower()] = _number
    _MONTHS[_name[:3].lower()] = _number
_MONTHS["sept"] = 9

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS: dict[str, int] = {}
for _number, _name in enumerate(_WEEKDAY_NAMES):
    _WEEKDAYS[_name.lower()] = _number
    _WEEKDAYS[_name[:3].lower()] = _number
_WEEKDAYS.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})

_PART_START = {"early": 1, "mid": 11, "late": 21}


def _alternation(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<month>{_alternation(_MONTHS)})"
_DAY = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>[0-9]{4})"
_WEEKDAY = rf"(?:(?P<weekday>{_alternation(_WEEKDAYS)}) )?"
_PART = r"(?P<part>early|mid|late)"

# Each pattern reads one end of a date; a lone end is a whole date. The flag marks ISO
# forms, the only ones that may be joined by "/" (an ISO 8601 interval).
_ENDPOINT_PATTERNS: tuple[tuple[re.Pattern[str], bool], ...] = tuple(
    (re.compile(pattern), is_iso)
    for pattern, is_iso in (
        (r"(?P<year>[0-9]{4})-(?P<month_number>[0-9]{1,2})-(?P<day>[0-9]{1,2})", True),
        (r"(?P<year>[0-9]{4})-(?P<month_number>[0-9]{1,2})", True),
        (_YEAR, True),
        (rf"{_WEEKDAY}(?:the )?{_DAY}(?: of)? {_MONTH}(?: {_YEAR})?", False),
        (rf"{_WEEKDAY}{_MONTH} {_DAY}(?: {_YEAR})?", False),
        # A day without a month only makes sense as one end of a range ("Aug 19–23").
        (rf"{_WEEKDAY}(?:the )?{_DAY}(?: {_YEAR})?", False),
        (rf"{_PART}(?:-| ){_MONTH}(?: {_YEAR})?", False),
        (rf"{_MONTH}(?: {_YEAR})?", False),
    )
)
_RANGE_SEPARATOR = re.compile(r" ?(?:[–—-]|/) ?| to ")
_LEADING_PREPOSITION = re.compile(r"^(?:in|on) ")
_TODAY = re.compile(r"today|yesterday")
_RELATIVE_WEEKDAY = re.compile(
    rf"(?P<last>last )?(?P<weekday>{_alternation(_WEEKDAYS)})"
    r"(?: (?:morning|afternoon|evening|night))?"
)
_RELATIVE_PERIOD = re.compile(r"(?P<which>this|last) (?P<unit>week|month|year)")
_AMBIGUOUS_NUMERIC = re.compile(
    r"[0-9]{1,2}[/.][0-9]{1,2}(?:[/.][0-9]{2,4})?|[0-9]{1,2}-[0-9]{1,2}-[0-9]{2,4}"
)
_DASH_VARIANTS = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u2015": "—"}
)


class Precision(enum.StrEnum):
    """Name how precisely a :class:`FuzzyDate` pins down a date."""

    DAY = "day"
    PART_OF_MONTH = "part_of_month"
    MONTH = "month"
    YEAR = "year"
    RANGE = "range"


class FuzzyDateError(ValueError):
    """Report text that cannot be read as a fuzzy date, and list the forms that can."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        shown = text if len(text) <= 60 else f"{text[:57]}…"
        super().__init__(
            f'Cannot read "{shown}" as a date: {reason}. Accepted forms: {ACCEPTED_FORMS}.'
        )

    def __reduce__(self) -> tuple[type[FuzzyDateError], tuple[str, str]]:
        # The default reduction would call __init__ with the message alone.
        return (type(self), (self.text, self.reason))


@dataclass(frozen=True, order=False)
class FuzzyDate:
    """Hold a date known only to lie between ``earliest`` and ``latest`` (inclusive)."""

    earliest: date
    latest: date

    def __post_init__(self) -> None:
        for name in ("earliest", "latest"):
            value = getattr(self, name)
            # A datetime is a date subclass but cannot be compared with a plain date.
            if not isinstance(value, date) or isinstance(value, datetime):
                raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
        if self.earliest > self.latest:
            raise FuzzyDateError(
                f"{self.earliest.isoformat()}/{self.latest.isoformat()}",
                "the range ends before it starts",
            )

    @classmethod
    def exact(cls, d: date) -> FuzzyDate:
        """Return the fuzzy date that is exactly the day ``d``."""
        return cls(d, d)

    @property
    def precision(self) -> Precision:
        """Return how precise this date is, derived from its range."""
        first, last = self.earliest, self.latest
        if first == last:
            return Precision.DAY
        if first.year == last.year:
            if first.month == last.month:
                days_in_month = monthrange(first.year, first.month)[1]
                if (first.day, last.day) == (1, days_in_month):
                    return Precision.MONTH
                if (first.day, last.day) in ((1, 10), (11, 20), (21, days_in_month)):
                    return Precision.PART_OF_MONTH
            elif (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
                return Precision.YEAR
        return Precision.RANGE

    def __str__(self) -> str:
        return format_fuzzy_date(self)

    def reading(self) -> str:
        """Say how the date was read, for an editor to check: "Aug 19, 2024 (a Monday)"."""
        if self.precision == Precision.DAY:
            return f"{self} (a {self.earliest:%A})"
        return f"{self}: some day from {self.earliest:%a %d %b %Y} to {self.latest:%a %d %b %Y}"

    def __contains__(self, d: object) -> bool:
        if isinstance(d, datetime):
            d = d.date()
        if not isinstance(d, date):
            return False
        return self.earliest <= d <= self.latest


def format_fuzzy_date(value: FuzzyDate) -> str:
    """Write ``value`` in the shortest form that :func:`parse_fuzzy_date` reads back."""
    first, last = value.earliest, value.latest
    match value.precision:
        case Precision.DAY:
            return _format_day(first)
        case Precision.PART_OF_MONTH:
            part = "early" if first.day == 1 else "mid" if first.day == 11 else "late"
            return f"{part} {_month_abbreviation(first)} {_format_year(first)}"
        case Precision.MONTH:
            return f"{_month_abbreviation(first)} {_format_year(first)}"
        case Precision.YEAR:
            return _format_year(first)
    if first.year != last.year:
        return f"{_format_day(first)} – {_format_day(last)}"
    if first.month != last.month:
        return (
            f"{_month_abbreviation(first)} {first.day} – "
            f"{_month_abbreviation(last)} {last.day}, {_format_year(last)}"
        )
    return f"{_month_abbreviation(first)} {first.day}–{last.day}, {_format_year(last)}"


def parse_fuzzy_date(text: str, *, reference: date | None = None) -> FuzzyDate:
    """Read ``text`` as a fuzzy date, resolving relative forms against ``reference``.

    ``reference`` is the day the source was written (usually its publication date). Raise
    :class:`FuzzyDateError` for anything not in :data:`ACCEPTED_FORMS`, for impossible
    dates, and for relative forms when no reference is given; never guess.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if isinstance(reference, datetime):
        reference = reference.date()
    try:
        return _parse(_normalise(text), reference)
    except _Unreadable as problem:
        raise FuzzyDateError(text, problem.reason) from None


def check_window(earliest: date, latest: date, *, until: date | None = None) -> str | None:
    """Say what is wrong with a date outside the window every surface accepts, or None.

    A record's dates run from January of settings.EARLIEST_YEAR to `until` (the
    source's publication date) or, without one, today: a date in year 1 or 9999 is a
    typo, and would stretch every chart of the negotiation across the centuries.
    """
    from django.conf import settings
    from django.utils import timezone

    first = date(settings.EARLIEST_YEAR, 1, 1)
    last = until or timezone.localdate()
    if earliest < first:
        return f"The date is before {first.year}, the earliest this record accepts."
    if until is None and latest > last:
        return "The date is in the future."
    return None


class FuzzyDateFormField(forms.CharField):
    """A text box that reads a fuzzy date; clean() returns a FuzzyDate.

    Relative forms need ``reference``. A form can set it per instance, e.g.
    ``self.fields["date"].reference = source.published_on`` in ``__init__``.
    """

    def __init__(self, *, reference: date | None = None, **kwargs: Any) -> None:
        self.reference = reference
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        """Show a FuzzyDate as its formatted text."""
        if isinstance(value, FuzzyDate):
            return format_fuzzy_date(value)
        return super().prepare_value(value)

    def to_python(self, value: Any) -> FuzzyDate | None:
        """Return the FuzzyDate written in ``value``, or None when it is blank."""
        if isinstance(value, FuzzyDate):
            return value
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return parse_fuzzy_date(text, reference=self.reference)
        except FuzzyDateError as error:
            raise ValidationError(str(error), code="invalid_fuzzy_date") from error

    def clean(self, value: Any) -> FuzzyDate | None:
        """Check the typed text (required, max_length, …), then return its FuzzyDate."""
        # CharField's validators (MaxLengthValidator and friends) measure text, so run them
        # on the text rather than on the FuzzyDate that to_python() returns.
        text = forms.CharField.to_python(self, value)
        self.validate(text)
        self.run_validators(text)
        return self.to_python(text)

    def has_changed(self, initial: Any, data: Any) -> bool:
        """Compare dates, not spellings: "Aug 2024" and "August 2024" are the same."""
        if self.disabled:
            return False
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


# --- Reading -------------------------------------------------------------------------------


class _Unreadable(Exception):
    """Carry why text could not be read; parse_fuzzy_date adds the text itself."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _needs_reference() -> _Unreadable:
    return _Unreadable(
        "it is relative, so it needs a reference date (such as the source's publication date)"
    )


@dataclass(frozen=True)
class _End:
    """One end of a date as written, with whatever parts the text gave."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None
    weekday: int | None = None
    is_iso: bool = False


def _normalise(text: str) -> str:
    text = text.strip().removesuffix(".").translate(_DASH_VARIANTS).lower()
    text = text.replace(",", " ")
    # Abbreviations such as "Aug." or "Sept." keep their period.
    text = re.sub(r"(?<=[a-z])\.", " ", text)
    return " ".join(text.split())


def _parse(text: str, reference: date | None) -> FuzzyDate:
    if not text:
        raise _Unreadable("it is empty")
    if len(text) > MAX_INPUT_LENGTH:
        raise _Unreadable(f"it is longer than {MAX_INPUT_LENGTH} characters")
    text = _LEADING_PREPOSITION.sub("", text, count=1)
    relative = _read_relative(text, reference)
    if relative is not None:
        return relative
    end = _read_end(text)
    if end is not None:
        if end.month is None and end.day is not None:
            raise _Unreadable("a day needs a month")
        if end.year is None:
            if reference is None:
                raise _needs_reference()
            end = replace(end, year=_latest_year_not_after(end, reference))
        return _end_to_fuzzy(end)
    date_range = _read_range(text, reference)
    if date_range is not None:
        return date_range
    if _AMBIGUOUS_NUMERIC.fullmatch(text):
        raise _Unreadable(
            "all-number dates other than 2024-08-19 are ambiguous (is 6/10 June 10 or "
            "6 October?), so write the month as a word"
        )
    raise _Unreadable("it is not in a form this reader knows")


def _read_relative(text: str, reference: date | None) -> FuzzyDate | None:
    matches = [p.fullmatch(text) for p in (_TODAY, _RELATIVE_WEEKDAY, _RELATIVE_PERIOD)]
    if not any(matches):
        return None
    if reference is None:
        raise _needs_reference()
    today, weekday, period = matches
    try:
        if today:
            days_back = 1 if text == "yesterday" else 0
            return FuzzyDate.exact(reference - timedelta(days=days_back))
        if weekday:
            days_back = (reference.weekday() - _WEEKDAYS[weekday["weekday"]]) % 7
            if weekday["last"] and days_back == 0:
                days_back = 7
            return FuzzyDate.exact(reference - timedelta(days=days_back))
        assert period is not None
        return _relative_period(period["which"], period["unit"], reference)
    except (OverflowError, ValueError):
        raise _Unreadable("it falls outside the supported calendar (years 1–9999)") from None


def _relative_period(which: str, unit: str, reference: date) -> FuzzyDate:
    if unit == "week":
        monday = reference - timedelta(days=reference.weekday())
        if which == "this":
            return FuzzyDate(monday, reference)
        return FuzzyDate(monday - timedelta(days=7), monday - timedelta(days=1))
    if unit == "month":
        first = reference.replace(day=1)
        if which == "this":
            return FuzzyDate(first, reference)
        end_of_previous = first - timedelta(days=1)
        return FuzzyDate(end_of_previous.replace(day=1), end_of_previous)
    if which == "this":
        return FuzzyDate(date(reference.year, 1, 1), reference)
    return FuzzyDate(date(reference.year - 1, 1, 1), date(reference.year - 1, 12, 31))


def _read_end(text: str) -> _End | None:
    for pattern, is_iso in _ENDPOINT_PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        fields = match.groupdict()
        month: int | None = None
        if fields.get("month_number") is not None:
            month = int(fields["month_number"])
        elif fields.get("month") is not None:
            month = _MONTHS[fields["month"]]
        return _End(
            year=_int_or_none(fields.get("year")),
            month=month,
            day=_int_or_none(fields.get("day")),
            part=fields.get("part"),
            weekday=_WEEKDAYS[fields["weekday"]] if fields.get("weekday") else None,
            is_iso=is_iso,
        )
    return None


def _read_range(text: str, reference: date | None) -> FuzzyDate | None:
    text = text.removeprefix("from ")
    readings: set[FuzzyDate] = set()
    first_problem: _Unreadable | None = None
    # Hyphens also appear inside ISO dates and "mid-June", so try every separator and keep
    # the splits where both sides read as dates.
    for separator in _RANGE_SEPARATOR.finditer(text):
        start = _read_end(text[: separator.start()])
        end = _read_end(text[separator.end() :])
        if start is None or end is None:
            continue
        if separator.group().strip() == "/" and not (start.is_iso and end.is_iso):
            continue
        try:
            readings.add(_join(start, end, reference))
        except _Unreadable as problem:
            first_problem = first_problem or problem
    if len(readings) > 1:
        raise _Unreadable("it reads as more than one range")
    if readings:
        return readings.pop()
    if first_problem is not None:
        raise first_problem
    return None


def _join(start: _End, end: _End, reference: date | None) -> FuzzyDate:
    # "Aug 19–23, 2024" and "19–23 Aug 2024" write the shared month and year only once.
    if _is_bare_day(end) and start.day is not None and start.month is not None:
        end = replace(end, month=start.month)
    if _is_bare_day(start) and end.day is not None and end.month is not None:
        start = replace(start, month=end.month)
    if _is_bare_day(start) or _is_bare_day(end):
        raise _Unreadable("a day needs a month")
    # Every end has a month or a year, so after this both have a year or neither has.
    if start.year is None and end.year is not None:
        start = replace(start, year=end.year)
    if end.year is None and start.year is not None:
        end = replace(end, year=start.year)
    if start.year is None:
        if reference is None:
            raise _needs_reference()
        year = _latest_year_not_after(start, reference)
        start, end = replace(start, year=year), replace(end, year=year)
    first, last = _end_to_fuzzy(start), _end_to_fuzzy(end)
    if last.earliest < first.earliest or last.latest < first.latest:
        raise _Unreadable("the range ends before it starts")
    return FuzzyDate(first.earliest, last.latest)


def _is_bare_day(end: _End) -> bool:
    return end.day is not None and end.month is None


def _latest_year_not_after(end: _End, reference: date) -> int:
    """Return the reference's year, or the one before if the date would start after it."""
    # Compare (month, day) rather than building a date: "Feb 29" must not fail in a
    # non-leap reference year when it belongs to the previous one anyway.
    assert end.month is not None
    start_day = end.day or _PART_START.get(end.part or "", 1)
    year = reference.year
    if (end.month, start_day) > (reference.month, reference.day):
        year -= 1
    if year < 1:
        raise _Unreadable("it falls outside the supported calendar (years 1–9999)")
    return year


def _end_to_fuzzy(end: _End) -> FuzzyDate:
    assert end.year is not None
    year, month = end.year, end.month
    if not 1 <= year <= 9999:
        raise _Unreadable(f"year {year} is outside the supported calendar (years 1–9999)")
    if month is None:
        return FuzzyDate(date(year, 1, 1), date(year, 12, 31))
    if not 1 <= month <= 12:
        raise _Unreadable(f"there is no month {month}")
    days_in_month = monthrange(year, month)[1]
    if end.day is not None:
        if not 1 <= end.day <= days_in_month:
            raise _Unreadable(f"{_MONTH_NAMES[month - 1]} {year} has no day {end.day}")
        day = date(year, month, end.day)
        if end.weekday is not None and day.weekday() != end.weekday:
            raise _Unreadable(
                f"{_format_day(day)} is a {_WEEKDAY_NAMES[day.weekday()]}, "
                f"not a {_WEEKDAY_NAMES[end.weekday]}"
            )
        return FuzzyDate.exact(day)
    if end.part is not None:
        first_day = _PART_START[end.part]
        last_day = {"early": 10, "mid": 20, "late": days_in_month}[end.part]
        return FuzzyDate(date(year, month, first_day), date(year, month, last_day))
    return FuzzyDate(date(year, month, 1), date(year, month, days_in_month))


def _int_or_none(digits: str | None) -> int | None:
    return None if digits is None else int(digits)


# --- Writing -------------------------------------------------------------------------------


def _month_abbreviation(d: date) -> str:
    # Fixed English names: strftime("%b") would follow the process locale.
    return _MONTH_NAMES[d.month - 1][:3]


def _format_year(d: date) -> str:
    # Four digits even before year 1000, because the reader only takes four-digit years.
    return f"{d.year:04d}"


def _format_day(d: date) -> str:
    return f"{_month_abbreviation(d)} {d.day}, {_format_year(d)}"

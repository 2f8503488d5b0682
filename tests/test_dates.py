"""Tests for core.dates: reading, writing and validating fuzzy dates."""

from __future__ import annotations

import pickle
from calendar import monthrange
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dates import (
    ACCEPTED_FORMS,
    FuzzyDate,
    FuzzyDateError,
    FuzzyDateFormField,
    Precision,
    format_fuzzy_date,
    parse_fuzzy_date,
)

# A Sunday.
REFERENCE = date(2024, 8, 25)


def fuzzy(earliest: str, latest: str | None = None) -> FuzzyDate:
    """Build a FuzzyDate from ISO strings; one string means an exact day."""
    return FuzzyDate(date.fromisoformat(earliest), date.fromisoformat(latest or earliest))


# --- FuzzyDate -----------------------------------------------------------------------------


def test_an_exact_date_has_the_same_earliest_and_latest_day():
    assert FuzzyDate.exact(date(2024, 8, 19)) == fuzzy("2024-08-19", "2024-08-19")


def test_a_fuzzy_date_cannot_end_before_it_starts():
    with pytest.raises(FuzzyDateError, match="ends before it starts") as caught:
        fuzzy("2024-08-23", "2024-08-19")
    assert "2024-08-23/2024-08-19" in str(caught.value)


def test_it_refuses_datetimes_and_other_non_dates():
    with pytest.raises(TypeError):
        FuzzyDate(datetime(2024, 8, 19, 12), date(2024, 8, 20))
    with pytest.raises(TypeError):
        FuzzyDate("2024-08-19", date(2024, 8, 20))  # type: ignore[arg-type]


def test_fuzzy_dates_are_immutable_and_hashable():
    value = fuzzy("2024-08-01", "2024-08-31")
    with pytest.raises(AttributeError):
        value.earliest = date(2024, 8, 2)  # type: ignore[misc]
    assert {value, fuzzy("2024-08-01", "2024-08-31")} == {value}


def test_fuzzy_dates_have_no_ordering():
    with pytest.raises(TypeError):
        _ = fuzzy("2024-08-01") < fuzzy("2024-08-02")  # type: ignore[operator]


def test_a_fuzzy_date_contains_every_day_of_its_range_and_no_other():
    value = fuzzy("2024-08-19", "2024-08-23")
    assert date(2024, 8, 19) in value
    assert date(2024, 8, 21) in value
    assert date(2024, 8, 23) in value
    assert date(2024, 8, 18) not in value
    assert date(2024, 8, 24) not in value


def test_a_fuzzy_date_contains_a_datetime_on_one_of_its_days_and_nothing_that_is_no_date():
    value = fuzzy("2024-08-19")
    assert datetime(2024, 8, 19, 23, 59) in value
    assert "2024-08-19" not in value


def test_str_is_the_formatted_date():
    assert str(fuzzy("2024-08-21", "2024-08-31")) == "late Aug 2024"


@pytest.mark.parametrize(
    ("value", "precision"),
    [
        (fuzzy("2024-08-19"), Precision.DAY),
        (fuzzy("2024-08-01", "2024-08-31"), Precision.MONTH),
        (fuzzy("2024-02-01", "2024-02-29"), Precision.MONTH),
        (fuzzy("2023-02-01", "2023-02-28"), Precision.MONTH),
        (fuzzy("2024-08-01", "2024-08-10"), Precision.PART_OF_MONTH),
        (fuzzy("2024-08-11", "2024-08-20"), Precision.PART_OF_MONTH),
        (fuzzy("2024-08-21", "2024-08-31"), Precision.PART_OF_MONTH),
        (fuzzy("2024-02-21", "2024-02-29"), Precision.PART_OF_MONTH),
        (fuzzy("2024-01-01", "2024-12-31"), Precision.YEAR),
        (fuzzy("2024-08-19", "2024-08-23"), Precision.RANGE),
        (fuzzy("2024-08-01", "2024-08-09"), Precision.RANGE),
        (fuzzy("2024-08-21", "2024-08-30"), Precision.RANGE),
        (fuzzy("2024-02-01", "2024-02-28"), Precision.RANGE),
        (fuzzy("2024-01-01", "2024-12-30"), Precision.RANGE),
        (fuzzy("2024-01-01", "2025-12-31"), Precision.RANGE),
        (fuzzy("2024-08-01", "2024-09-30"), Precision.RANGE),
    ],
    ids=str,
)
def test_the_precision_is_derived_from_the_range(value, precision):
    assert value.precision == precision


def test_precision_values_are_strings():
    assert Precision.PART_OF_MONTH == "part_of_month"
    assert [str(p) for p in Precision] == ["day", "part_of_month", "month", "year", "range"]


# --- Writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (fuzzy("2024-08-19"), "Aug 19, 2024"),
        (fuzzy("2024-09-05"), "Sep 5, 2024"),
        (fuzzy("2024-08-01", "2024-08-31"), "Aug 2024"),
        (fuzzy("2024-08-01", "2024-08-10"), "early Aug 2024"),
        (fuzzy("2024-08-11", "2024-08-20"), "mid Aug 2024"),
        (fuzzy("2024-08-21", "2024-08-31"), "late Aug 2024"),
        (fuzzy("2024-02-21", "2024-02-29"), "late Feb 2024"),
        (fuzzy("2023-02-21", "2023-02-28"), "late Feb 2023"),
        (fuzzy("2024-01-01", "2024-12-31"), "2024"),
        (fuzzy("2024-08-19", "2024-08-23"), "Aug 19–23, 2024"),
        (fuzzy("2024-08-28", "2024-09-02"), "Aug 28 – Sep 2, 2024"),
        (fuzzy("2024-12-30", "2025-01-02"), "Dec 30, 2024 – Jan 2, 2025"),
        (fuzzy("2023-01-01", "2024-12-31"), "Jan 1, 2023 – Dec 31, 2024"),
        (fuzzy("0999-03-04"), "Mar 4, 0999"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else repr(v),
)
def test_it_writes_each_precision_in_its_own_form(value, text):
    assert format_fuzzy_date(value) == text


# --- Reading absolute dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-08-19",
        "2024-8-19",
        "19 Aug 2024",
        "19 August 2024",
        "Aug 19, 2024",
        "Aug 19 2024",
        "Aug. 19, 2024",
        "August 19th, 2024",
        "19th August 2024",
        "the 19th of August 2024",
        "on 19 August 2024",
        "Monday, Aug 19, 2024",
        "Mon 19 Aug 2024",
        "AUG 19, 2024",
        "  aug 19, 2024.  ",
        "Aug\u00a019,\u00a02024",
    ],
)
def test_it_reads_a_single_day_in_many_spellings(text):
    assert parse_fuzzy_date(text) == fuzzy("2024-08-19")


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Sept 5, 2024", "2024-09-05"),
        ("Sept. 5, 2024", "2024-09-05"),
        ("Sep 5, 2024", "2024-09-05"),
        ("September 5th, 2024", "2024-09-05"),
        ("1st Jan 2024", "2024-01-01"),
        ("Feb 2nd, 2024", "2024-02-02"),
        ("3rd March 2024", "2024-03-03"),
        ("Jun 30 2024", "2024-06-30"),
        ("Jul 31 2024", "2024-07-31"),
        ("Dec 31, 2024", "2024-12-31"),
    ],
)
def test_it_reads_full_and_abbreviated_month_names_and_ordinal_suffixes(text, day):
    assert parse_fuzzy_date(text) == fuzzy(day)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2024-08", ("2024-08-01", "2024-08-31")),
        ("August 2024", ("2024-08-01", "2024-08-31")),
        ("Aug 2024", ("2024-08-01", "2024-08-31")),
        ("in August 2024", ("2024-08-01", "2024-08-31")),
        ("in April 2024", ("2024-04-01", "2024-04-30")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("February 2023", ("2023-02-01", "2023-02-28")),
        ("Sept 2024", ("2024-09-01", "2024-09-30")),
        ("Dec 2024.", ("2024-12-01", "2024-12-31")),
    ],
)
def test_it_reads_a_month_as_its_first_to_last_day(text, month):
    value = parse_fuzzy_date(text)
    assert value == fuzzy(*month)
    assert value.precision is Precision.MONTH


@pytest.mark.parametrize("text", ["2024", "in 2024", " 2024. "])
def test_it_reads_a_year_as_jan_1_to_dec_31(text):
    value = parse_fuzzy_date(text)
    assert value == fuzzy("2024-01-01", "2024-12-31")
    assert value.precision is Precision.YEAR


@pytest.mark.parametrize(
    "text", ["early June 2024", "early-June 2024", "Early June 2024", "in early June 2024"]
)
def test_it_reads_early_june_as_the_1st_to_10th(text):
    assert parse_fuzzy_date(text) == fuzzy("2024-06-01", "2024-06-10")


@pytest.mark.parametrize("text", ["mid-June 2024", "mid June 2024", "Mid-Jun 2024"])
def test_it_reads_mid_june_as_the_11th_to_20th(text):
    assert parse_fuzzy_date(text) == fuzzy("2024-06-11", "2024-06-20")


@pytest.mark.parametrize("text", ["late June 2024", "late-June 2024", "LATE JUNE 2024"])
def test_it_reads_late_june_as_the_21st_to_30th(text):
    assert parse_fuzzy_date(text) == fuzzy("2024-06-21", "2024-06-30")


def test_it_reads_late_may_as_the_21st_to_31st():
    assert parse_fuzzy_date("late May 2024") == fuzzy("2024-05-21", "2024-05-31")


def test_it_reads_late_february_to_the_29th_in_a_leap_year_and_the_28th_otherwise():
    assert parse_fuzzy_date("late Feb 2024") == fuzzy("2024-02-21", "2024-02-29")
    assert parse_fuzzy_date("late Feb 2023") == fuzzy("2023-02-21", "2023-02-28")
    assert parse_fuzzy_date("late Feb 1900") == fuzzy("1900-02-21", "1900-02-28")
    assert parse_fuzzy_date("late Feb 2000") == fuzzy("2000-02-21", "2000-02-29")


def test_it_reads_february_29th_only_in_leap_years():
    assert parse_fuzzy_date("Feb 29, 2024") == fuzzy("2024-02-29")
    assert parse_fuzzy_date("2000-02-29") == fuzzy("2000-02-29")
    for text in ["Feb 29, 2023", "2100-02-29", "29 February 1900"]:
        with pytest.raises(FuzzyDateError, match="has no day 29"):
            parse_fuzzy_date(text)


# --- Reading ranges ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Aug 19–23, 2024",
        "Aug 19—23, 2024",
        "Aug 19-23, 2024",
        "Aug 19 - 23, 2024",
        "Aug 19 – 23 2024",
        "Aug 19 to 23, 2024",
        "Aug 19 – Aug 23, 2024",
        "19–23 Aug 2024",
        "19th to 23rd August 2024",
        "from Aug 19 to Aug 23, 2024",
        "Aug 19, 2024 – Aug 23, 2024",
        "2024-08-19/2024-08-23",
        "2024-08-19 to 2024-08-23",
        "2024-08-19 – 2024-08-23",
        "2024-08-19-2024-08-23",
        "Monday Aug 19 – Friday Aug 23, 2024",
    ],
)
def test_it_reads_a_range_within_one_month_in_many_spellings(text):
    assert parse_fuzzy_date(text) == fuzzy("2024-08-19", "2024-08-23")


@pytest.mark.parametrize(
    "text", ["Aug 28 – Sep 2, 2024", "Aug 28-Sep 2, 2024", "28 Aug to 2 Sept 2024"]
)
def test_it_reads_a_range_across_months_with_the_year_written_once(text):
    assert parse_fuzzy_date(text) == fuzzy("2024-08-28", "2024-09-02")


@pytest.mark.parametrize(
    "text",
    ["Dec 30, 2024 – Jan 2, 2025", "30 Dec 2024 - 2 Jan 2025", "2024-12-30/2025-01-02"],
)
def test_it_reads_a_range_across_years(text):
    assert parse_fuzzy_date(text) == fuzzy("2024-12-30", "2025-01-02")


def test_it_reads_a_range_between_coarser_dates_from_the_start_of_one_to_the_end_of_the_other():
    assert parse_fuzzy_date("mid-June – late July 2024") == fuzzy("2024-06-11", "2024-07-31")
    assert parse_fuzzy_date("June – August 2024") == fuzzy("2024-06-01", "2024-08-31")
    assert parse_fuzzy_date("2023–2024") == fuzzy("2023-01-01", "2024-12-31")
    assert parse_fuzzy_date("2024-06/2024-08") == fuzzy("2024-06-01", "2024-08-31")


def test_a_range_that_fills_a_whole_month_reads_as_that_month():
    value = parse_fuzzy_date("Aug 1–31, 2024")
    assert value == fuzzy("2024-08-01", "2024-08-31")
    assert value.precision is Precision.MONTH


def test_a_range_from_a_day_to_the_same_day_is_that_day():
    assert parse_fuzzy_date("Aug 19–19, 2024") == fuzzy("2024-08-19")


@pytest.mark.parametrize(
    "text",
    ["Aug 23–19, 2024", "2024-08-23/2024-08-19", "Sep 2 – Aug 28, 2024", "2025 – 2024"],
)
def test_it_refuses_a_range_whose_end_is_before_its_start(text):
    with pytest.raises(FuzzyDateError, match="ends before it starts"):
        parse_fuzzy_date(text)


def test_it_refuses_a_range_across_new_year_with_only_the_final_year_written():
    # Dec 30, 2025 – Jan 2, 2025 would be backwards; assuming 2024 would be a guess.
    with pytest.raises(FuzzyDateError, match="ends before it starts"):
        parse_fuzzy_date("Dec 30 – Jan 2, 2025")


def test_it_refuses_a_range_that_ends_inside_its_own_start():
    with pytest.raises(FuzzyDateError):
        parse_fuzzy_date("Aug 2024 – Aug 10, 2024")


def test_it_joins_only_iso_dates_with_a_slash():
    with pytest.raises(FuzzyDateError):
        parse_fuzzy_date("Aug 19/Aug 23, 2024")


# --- Reading relative dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", "2024-08-25"),
        ("Today.", "2024-08-25"),
        ("yesterday", "2024-08-24"),
        ("on Monday", "2024-08-19"),
        ("Monday", "2024-08-19"),
        ("last Monday", "2024-08-19"),
        ("Monday evening", "2024-08-19"),
        ("Monday morning", "2024-08-19"),
        ("Monday afternoon", "2024-08-19"),
        ("Monday night", "2024-08-19"),
        ("on Mon", "2024-08-19"),
        ("Tuesday", "2024-08-20"),
        ("Tues", "2024-08-20"),
        ("Wednesday", "2024-08-21"),
        ("Thursday", "2024-08-22"),
        ("Thurs", "2024-08-22"),
        ("Friday", "2024-08-23"),
        ("Saturday evening", "2024-08-24"),
        ("on Saturday evening", "2024-08-24"),
        ("Saturday", "2024-08-24"),
        ("last Saturday night", "2024-08-24"),
    ],
)
def test_it_reads_days_relative_to_a_sunday_reference(text, day):
    assert parse_fuzzy_date(text, reference=REFERENCE) == fuzzy(day)


def test_a_weekday_that_is_the_reference_day_means_the_reference_day():
    assert parse_fuzzy_date("Sunday", reference=REFERENCE) == fuzzy("2024-08-25")
    assert parse_fuzzy_date("on Sunday", reference=REFERENCE) == fuzzy("2024-08-25")


def test_last_weekday_is_strictly_before_the_reference_day():
    assert parse_fuzzy_date("last Sunday", reference=REFERENCE) == fuzzy("2024-08-18")


def test_a_weekday_counts_back_across_a_month_end():
    assert parse_fuzzy_date("on Friday", reference=date(2024, 9, 2)) == fuzzy("2024-08-30")


def test_it_reads_last_week_as_monday_to_sunday_of_the_week_before():
    assert parse_fuzzy_date("last week", reference=REFERENCE) == fuzzy("2024-08-12", "2024-08-18")
    assert parse_fuzzy_date("last week", reference=date(2024, 8, 19)) == fuzzy(
        "2024-08-12", "2024-08-18"
    )


def test_it_reads_this_week_as_monday_to_the_reference_day():
    assert parse_fuzzy_date("this week", reference=REFERENCE) == fuzzy("2024-08-19", "2024-08-25")
    assert parse_fuzzy_date("this week", reference=date(2024, 8, 19)) == fuzzy("2024-08-19")


def test_it_reads_last_month_as_the_whole_previous_calendar_month():
    assert parse_fuzzy_date("last month", reference=REFERENCE) == fuzzy("2024-07-01", "2024-07-31")
    assert parse_fuzzy_date("last month", reference=date(2024, 3, 31)) == fuzzy(
        "2024-02-01", "2024-02-29"
    )
    assert parse_fuzzy_date("last month", reference=date(2024, 1, 15)) == fuzzy(
        "2023-12-01", "2023-12-31"
    )


def test_it_reads_this_month_as_the_first_to_the_reference_day():
    assert parse_fuzzy_date("this month", reference=REFERENCE) == fuzzy("2024-08-01", "2024-08-25")


def test_it_reads_last_year_as_the_whole_previous_year_and_this_year_up_to_the_reference():
    assert parse_fuzzy_date("last year", reference=REFERENCE) == fuzzy("2023-01-01", "2023-12-31")
    assert parse_fuzzy_date("this year", reference=REFERENCE) == fuzzy("2024-01-01", "2024-08-25")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in April", ("2024-04-01", "2024-04-30")),
        ("April", ("2024-04-01", "2024-04-30")),
        ("late May", ("2024-05-21", "2024-05-31")),
        ("early June", ("2024-06-01", "2024-06-10")),
        ("mid-July", ("2024-07-11", "2024-07-20")),
        ("in August", ("2024-08-01", "2024-08-31")),
        ("late August", ("2024-08-21", "2024-08-31")),
        ("Aug 19", ("2024-08-19", "2024-08-19")),
        ("on 25 August", ("2024-08-25", "2024-08-25")),
        ("Aug 19–23", ("2024-08-19", "2024-08-23")),
    ],
)
def test_a_month_without_a_year_takes_the_reference_year(text, expected):
    assert parse_fuzzy_date(text, reference=REFERENCE) == fuzzy(*expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in September", ("2023-09-01", "2023-09-30")),
        ("early December", ("2023-12-01", "2023-12-10")),
        ("Aug 26", ("2023-08-26", "2023-08-26")),
        ("Aug 31", ("2023-08-31", "2023-08-31")),
        ("Dec 30 – Jan 2", None),
    ],
)
def test_a_month_without_a_year_takes_the_previous_year_if_it_would_start_after_the_reference(
    text, expected
):
    if expected is None:
        with pytest.raises(FuzzyDateError):
            parse_fuzzy_date(text, reference=REFERENCE)
    else:
        assert parse_fuzzy_date(text, reference=REFERENCE) == fuzzy(*expected)


def test_february_29th_without_a_year_is_read_in_the_previous_leap_year_only_if_that_is_the_rule():
    assert parse_fuzzy_date("Feb 29", reference=date(2025, 1, 10)) == fuzzy("2024-02-29")
    with pytest.raises(FuzzyDateError, match="February 2025 has no day 29"):
        parse_fuzzy_date("Feb 29", reference=date(2025, 3, 1))


def test_a_datetime_reference_counts_as_its_day():
    assert parse_fuzzy_date("today", reference=datetime(2024, 8, 25, 23, 30)) == fuzzy("2024-08-25")


@pytest.mark.parametrize(
    "text",
    [
        "today",
        "yesterday",
        "on Monday",
        "Monday",
        "last Monday",
        "Saturday evening",
        "last week",
        "this week",
        "last month",
        "in April",
        "late May",
        "early June",
        "Aug 19",
        "Aug 19–23",
    ],
)
def test_relative_forms_without_a_reference_say_a_reference_date_is_needed(text):
    with pytest.raises(FuzzyDateError, match="needs a reference date"):
        parse_fuzzy_date(text)


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("yesterday", date.min),
        ("Sunday", date.min),
        ("last week", date.min),
        ("last year", date.min),
        ("in December", date.min),
    ],
)
def test_relative_forms_that_fall_before_year_1_are_refused(text, reference):
    with pytest.raises(FuzzyDateError, match="outside the supported calendar"):
        parse_fuzzy_date(text, reference=reference)


# --- Refusing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (".", "empty"),
        ("6/10", "ambiguous"),
        ("10/6/2024", "ambiguous"),
        ("10.6.2024", "ambiguous"),
        ("10-06-2024", "ambiguous"),
        ("2024-02-30", "February 2024 has no day 30"),
        ("31 Apr 2024", "April 2024 has no day 31"),
        ("Apr 0, 2024", "April 2024 has no day 0"),
        ("2024-13-01", "no month 13"),
        ("2024-00", "no month 0"),
        ("0000", "year 0"),
        ("Tuesday, Aug 19, 2024", "Aug 19, 2024 is a Monday, not a Tuesday"),
        ("next Monday", "not in a form"),
        ("tomorrow", "not in a form"),
        ("Aug '24", "not in a form"),
        ("Aug 19, 24", "not in a form"),
        ("19", "a day needs a month"),
        ("19th", "a day needs a month"),
        ("early 2024", "not in a form"),
        ("2024 Aug 19", "not in a form"),
        ("Augustus 2024", "not in a form"),
        ("sometime", "not in a form"),
        ("20240819", "not in a form"),
        ("x" * 300, "longer than"),
    ],
)
def test_it_refuses_text_it_cannot_read_without_guessing(text, reason):
    with pytest.raises(FuzzyDateError, match=reason):
        parse_fuzzy_date(text, reference=REFERENCE)


def test_the_error_names_the_input_and_lists_the_accepted_forms():
    with pytest.raises(FuzzyDateError) as caught:
        parse_fuzzy_date("the day after the summit")
    message = str(caught.value)
    assert '"the day after the summit"' in message
    assert ACCEPTED_FORMS in message
    assert caught.value.text == "the day after the summit"


def test_the_accepted_forms_name_every_kind_of_form():
    for example in ["2024-08-19", "Aug 19, 2024", "August 2024", "late May", "on Monday"]:
        assert example in ACCEPTED_FORMS
    assert "–" in ACCEPTED_FORMS


def test_the_error_is_a_value_error_that_survives_pickling():
    with pytest.raises(ValueError) as caught:
        parse_fuzzy_date("6/10")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, FuzzyDateError)
    assert str(copy) == str(caught.value)


def test_the_error_shortens_very_long_input_in_its_message():
    with pytest.raises(FuzzyDateError) as caught:
        parse_fuzzy_date("y" * 500)
    assert "y" * 100 not in str(caught.value)
    assert caught.value.text == "y" * 500


def test_it_refuses_input_that_is_not_text():
    with pytest.raises(TypeError):
        parse_fuzzy_date(date(2024, 8, 19))  # type: ignore[arg-type]


# --- Form field ----------------------------------------------------------------------------


def test_the_form_field_cleans_text_into_a_fuzzy_date():
    assert FuzzyDateFormField().clean(" late May 2024 ") == fuzzy("2024-05-21", "2024-05-31")


def test_the_form_field_reads_relative_forms_against_its_reference():
    field = FuzzyDateFormField(reference=REFERENCE)
    assert field.clean("on Monday") == fuzzy("2024-08-19")
    field.reference = date(2024, 8, 28)
    assert field.clean("on Monday") == fuzzy("2024-08-26")


def test_the_form_field_turns_errors_into_validation_errors_that_list_the_accepted_forms():
    with pytest.raises(ValidationError) as caught:
        FuzzyDateFormField().clean("on Monday")
    assert caught.value.code == "invalid_fuzzy_date"
    assert "needs a reference date" in caught.value.messages[0]
    assert ACCEPTED_FORMS in caught.value.messages[0]


def test_the_form_field_requires_a_value_by_default():
    with pytest.raises(ValidationError) as caught:
        FuzzyDateFormField().clean("  ")
    assert caught.value.code == "required"


def test_an_optional_form_field_cleans_blank_to_none():
    assert FuzzyDateFormField(required=False).clean("") is None
    assert FuzzyDateFormField(required=False).clean(None) is None


def test_the_form_field_checks_max_length_against_the_typed_text():
    field = FuzzyDateFormField(max_length=10)
    assert field.clean("Aug 2024") == fuzzy("2024-08-01", "2024-08-31")
    with pytest.raises(ValidationError) as caught:
        field.clean("19th of August 2024")
    assert caught.value.error_list[0].code == "max_length"


def test_the_form_field_shows_a_fuzzy_date_as_its_formatted_text():
    field = FuzzyDateFormField()
    assert field.prepare_value(fuzzy("2024-08-19", "2024-08-23")) == "Aug 19–23, 2024"
    assert field.prepare_value("typed text") == "typed text"
    assert field.prepare_value(None) is None


def test_the_form_field_accepts_a_fuzzy_date_as_its_value():
    value = fuzzy("2024-08-21", "2024-08-31")
    assert FuzzyDateFormField().to_python(value) is value
    assert FuzzyDateFormField().clean(value) == value


def test_the_form_field_sees_no_change_when_only_the_spelling_changed():
    field = FuzzyDateFormField()
    initial = fuzzy("2024-08-01", "2024-08-31")
    assert not field.has_changed(initial, "August 2024")
    assert field.has_changed(initial, "September 2024")
    assert field.has_changed(initial, "6/10")
    assert field.has_changed(None, "Aug 2024")
    assert not field.has_changed(None, "")


# --- Properties ----------------------------------------------------------------------------

YEARS_1900_TO_2100 = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def fuzzy_dates(draw: st.DrawFn, days: st.SearchStrategy[date] = YEARS_1900_TO_2100) -> FuzzyDate:
    """Draw any valid FuzzyDate, often one with a named precision."""
    start = draw(days)
    kind = draw(st.sampled_from(["range", "day", "part", "month", "year"]))
    if kind == "day":
        return FuzzyDate.exact(start)
    if kind == "range":
        latest = date.max if date.max - start < timedelta(days=800) else start + timedelta(days=800)
        end = draw(st.dates(min_value=start, max_value=latest))
        return FuzzyDate(start, end)
    if kind == "year":
        return FuzzyDate(date(start.year, 1, 1), date(start.year, 12, 31))
    month_end = start.replace(day=monthrange(start.year, start.month)[1])
    if kind == "month":
        return FuzzyDate(start.replace(day=1), month_end)
    part = draw(st.sampled_from([(1, 10), (11, 20), (21, month_end.day)]))
    return FuzzyDate(start.replace(day=part[0]), start.replace(day=part[1]))


@given(fuzzy_dates())
def test_reading_what_was_written_gives_back_the_same_date(value):
    assert parse_fuzzy_date(format_fuzzy_date(value)) == value


@given(fuzzy_dates(st.dates()))
def test_reading_what_was_written_gives_back_the_same_date_in_any_year(value):
    assert parse_fuzzy_date(format_fuzzy_date(value)) == value


@given(fuzzy_dates(), st.dates())
def test_reading_what_was_written_ignores_the_reference(value, reference):
    assert parse_fuzzy_date(str(value), reference=reference) == value


DATE_WORDS = [
    "2024", "2024-08-19", "2024-08", "0000", "9999", "19", "19th", "31", "Aug", "august",
    "Sept", "feb", "29", "early", "mid", "mid-", "late", "in", "on", "the", "of", "from",
    "to", "today", "yesterday", "last", "this", "week", "month", "year", "Monday", "sun",
    "evening", ",", ".", "–", "—", "-", "/", " ",
]  # fmt: skip


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.lists(st.sampled_from(DATE_WORDS), max_size=8).map(" ".join),
        st.lists(st.sampled_from(DATE_WORDS), max_size=8).map("".join),
    ),
    st.one_of(st.none(), st.dates()),
)
def test_any_text_either_reads_as_a_fuzzy_date_or_raises_fuzzy_date_error(text, reference):
    try:
        value = parse_fuzzy_date(text, reference=reference)
    except FuzzyDateError as error:
        assert ACCEPTED_FORMS in str(error)
    else:
        assert isinstance(value, FuzzyDate)
        assert parse_fuzzy_date(str(value)) == value

"""The extractor reads who said what, when, and how, from plain text (no database)."""

from __future__ import annotations

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.dates import FuzzyDate
from ingestion.evaluation import evaluate
from ingestion.extraction import KnownActor, KnownTarget, extract
from negotiations.models import Stance

PUBLISHED = datetime.date(2024, 8, 21)  # a Wednesday
ACTORS = [
    KnownActor("us", "United States", aliases=("US",)),
    KnownActor("israel", "Israel"),
    KnownActor("hamas", "Hamas"),
    KnownActor("qatar", "Qatar"),
    KnownActor("blinken", "Antony Blinken", is_person=True, speaks_for="us"),
    KnownActor("netanyahu", "Benjamin Netanyahu", is_person=True, speaks_for="israel"),
    KnownActor("hamdan", "Osama Hamdan", is_person=True, speaks_for="hamas"),
    KnownActor("hayya", "Khalīl al-Ḥayya", is_person=True, speaks_for="hamas"),
    KnownActor("ansari", "Majed al-Ansari", is_person=True, speaks_for="qatar"),
]
TARGETS = [
    KnownTarget("proposal", "bridging", ("US bridging proposal", "bridging-proposal")),
    KnownTarget("issue", "philadelphi", ("Philadelphi Corridor", "philadelphi-corridor")),
    KnownTarget("issue", "prisoners", ("Prisoner exchange", "prisoner-exchange")),
]


def read(text: str):
    return extract(text, actors=ACTORS, published=PUBLISHED, targets=TARGETS)


def test_it_attributes_reported_speech_to_the_subject_and_dates_it():
    [finding] = read("Antony Blinken told reporters on Monday that a deal was within reach.")
    assert (finding.speaker, finding.side) == ("blinken", "us")
    assert finding.date == FuzzyDate.exact(datetime.date(2024, 8, 19))
    assert finding.date_text == "on Monday"
    assert finding.quote == ""
    assert finding.text.startswith("Antony Blinken told")


def test_it_attributes_a_quote_in_an_inversion_and_keeps_the_quoted_words():
    [finding] = read('"We will not give up the corridor," said Netanyahu.')
    assert finding.speaker == "netanyahu"
    assert finding.quote == "We will not give up the corridor"


def test_a_name_inside_the_quote_is_never_the_speaker():
    [finding] = read('"Netanyahu is blocking the deal," Hamdan said on Tuesday.')
    assert finding.speaker == "hamdan"
    assert finding.date == FuzzyDate.exact(datetime.date(2024, 8, 20))


def test_according_to_names_the_speaker():
    [finding] = read("According to Qatar's spokesman Majed al-Ansari, talks resume soon.")
    assert (finding.speaker, finding.side) == ("ansari", "qatar")


def test_names_match_without_case_or_diacritics_and_with_a_misspelling():
    [first, second] = read(
        "KHALIL AL-HAYYA said the group was ready.\nAntony Brinken said Israel agreed."
    )
    assert first.speaker == "hayya" and not first.misspelt
    assert second.speaker == "blinken" and second.misspelt


def test_a_relative_clause_does_not_provide_the_speaker():
    [finding] = read("Blinken, who met Netanyahu for three hours, said progress was made.")
    assert finding.speaker == "blinken"


def test_a_pronoun_goes_to_the_last_speaker_when_no_one_else_was_named():
    findings = read(
        'Blinken said on Monday that the gaps were narrowing. "This is the moment," he said.'
    )
    assert [f.speaker for f in findings] == ["blinken", "blinken"]
    assert findings[1].pronoun
    # The same occasion: the pronoun's statement takes the date of the one before.
    assert findings[1].date == FuzzyDate.exact(datetime.date(2024, 8, 19))


def test_a_pronoun_is_left_alone_when_another_person_was_named_since():
    findings = read("Blinken said the talks went well. He met Netanyahu later. He said more.")
    assert [f.speaker for f in findings] == ["blinken"]


def test_a_pronoun_does_not_reach_back_two_paragraphs():
    findings = read("Blinken said the talks went well.\nThe talks go on.\nHe said more.")
    assert [f.speaker for f in findings] == ["blinken"]


def test_a_pronoun_may_open_the_next_paragraph():
    findings = read("Blinken said the talks went well.\nHe said Israel had agreed.")
    assert [f.speaker for f in findings] == ["blinken", "blinken"]


def test_unnamed_officials_and_unknown_people_are_not_speakers():
    assert read("Israeli officials said the army would stay. A diplomat said nothing.") == []


def test_a_quote_only_sentence_continues_the_statement_before():
    text = '"We are close," Blinken said. "We need to get it over the line."'
    [finding] = read(text)
    assert finding.end == len(text)
    assert finding.quote == "We are close … We need to get it over the line."


def test_two_clauses_give_two_statements():
    findings = read("Blinken said Israel agreed, while Hamas said it rejects the text.")
    assert [(f.speaker, f.stance) for f in findings] == [
        ("blinken", Stance.ACCEPTS),
        ("hamas", Stance.REJECTS),
    ]


def test_dates_of_future_events_and_relative_clauses_are_ignored():
    [finding] = read(
        "Ansari, who spoke last week, said talks resume on Sept 2 and later this week."
    )
    assert finding.date == FuzzyDate.exact(PUBLISHED)
    assert finding.date_text == ""


def test_a_date_that_opens_a_sentence_dates_the_next_one():
    findings = read("On Tuesday, the delegations met in Doha. Hamas said it was disappointed.")
    assert findings[0].date == FuzzyDate.exact(datetime.date(2024, 8, 20))


def test_last_week_is_a_range():
    [finding] = read("Hamdan said last week that nothing had changed.")
    assert finding.date == FuzzyDate(datetime.date(2024, 8, 12), datetime.date(2024, 8, 18))


def test_stance_only_for_clear_cues():
    def stance(sentence: str):
        return read(sentence)[0].stance

    assert stance("Hamas said it accepts the proposal.") == Stance.ACCEPTS
    assert stance("Hamas said it rejected the proposal.") == Stance.REJECTS
    assert stance("Hamas said it would not accept the proposal.") == Stance.REJECTS
    assert stance("Hamas said it refused to accept the proposal.") == Stance.REJECTS
    assert stance("Hamas said it accepts the proposal only if troops leave.") == (
        Stance.CONDITIONAL
    )
    assert stance("Netanyahu insisted that troops stay.") == Stance.CONDITIONAL
    assert stance("Hamas said it did not reject the proposal.") is None
    assert stance("Hamas said the talks were difficult.") is None
    assert stance("Hamas said it accepts one text and rejects another.") is None


def test_it_tags_issues_and_proposals_by_title_slug_or_keywords():
    [finding] = read(
        "Hamas said the bridging proposal ignored the Philadelphi Corridor "
        "and the exchange of prisoners."
    )
    assert finding.proposals == ["bridging"]
    assert set(finding.issues) == {"philadelphi", "prisoners"}


def test_acronyms_match_only_in_capitals():
    assert read("Let us said nothing.") == []
    assert [f.speaker for f in read("The US said it was hopeful.")] == ["us"]


def test_spans_point_into_the_text():
    text = "Intro line.\n\nHamas said on Monday it was ready. Blinken said so too."
    for finding in read(text):
        assert text[finding.start : finding.end].strip() == text[finding.start : finding.end]
        assert finding.speaker_text in text[finding.start : finding.end]


_PIECES = st.sampled_from(
    ['"', "“", "”", ".", ", ", "\n", " ", "said", "he", "He", "Hamas", "Blinken", "Brinken",
     "on Monday", "according to", "rejects", "last week", "Sept 2", "who", "while"]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(max_size=20), _PIECES), max_size=60).map(" ".join))
def test_it_never_crashes_on_arbitrary_text(text):
    for finding in read(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.date.latest <= PUBLISHED


def test_the_evaluation_set_meets_the_speaker_thresholds():
    report = evaluate()
    speaker = report.scores["speaker"]
    assert speaker.precision >= 0.9, report.misses
    assert speaker.recall >= 0.9, report.misses
    assert report.scores["side"].precision >= 0.9
    assert report.scores["date"].recall >= 0.8

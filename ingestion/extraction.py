"""Find who said what in an article's text: the candidates an editor then reviews.

Pure Python on purpose: no network, no database. The caller passes the actors it knows
(names, aliases, whom each person speaks for) and the issues and proposals of the
negotiation, and gets back :class:`Finding` objects with character offsets into the text.

The rules are deliberately plain and general, so that a reviewer can predict them:

- A *statement* is a sentence with a speech verb outside quotation marks ("said",
  "told", "insisted", "rejected"…) or the phrase "according to", whose speaker is a
  known actor: the subject before the verb ("Blinken said", "Hamas official Osama Hamdan
  told…"), the name after it in an inversion (`"…," said Blinken`), or the name after
  "according to". People win over organisations in the same phrase ("Egypt's foreign
  minister, Badr Abdelatty, said" is Abdelatty); names inside quotes or inside a
  relative clause (", who met Netanyahu,") are never the speaker.
- Names match case- and diacritics-insensitively (``actors.names.normalise_name``), and a
  person's surname also matches when misspelt by a letter or two ("Brinken").
- "He said" / "she said" is resolved to the last named person speaker only when no other
  known person was mentioned since, within the paragraph (or from the paragraph just
  before, when the pronoun opens the next one). Otherwise the sentence is left out:
  a wrong speaker is worse than a missing one.
- A quote-only sentence right after a statement continues it.
- The date is the first date phrase of the sentence outside quotes ("on Monday",
  "last week", "Aug 19"), read against the publication date; else the last one earlier
  in the paragraph; else the publication date. Dates after publication are ignored
  (they are about future events, not the statement).
- The stance is proposed only for clear cues (accept, agree, reject, refuse, insist) and
  left empty when cues conflict or an acceptance is hedged by a negation.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date

from actors.names import normalise_name
from core.dates import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from negotiations.models.statements import Stance

__all__ = ["Finding", "KnownActor", "KnownTarget", "extract"]

# Longer input is cut: an article is a few thousand words, and the rules are linear
# except for fuzzy name matching, which this keeps bounded.
MAX_TEXT_LENGTH = 200_000
# How alike a misspelt surname must be (difflib ratio): "Brinken"/"Blinken" is 0.86,
# while most different surnames of the same length score below 0.7.
FUZZY_RATIO = 0.84
FUZZY_MIN_LENGTH = 5


@dataclass(frozen=True)
class KnownActor:
    """An actor the extractor may name as a speaker."""

    key: Hashable
    name: str
    aliases: tuple[str, ...] = ()
    is_person: bool = False
    # Whom a person speaks for (an organisation's key); an organisation speaks for itself.
    speaks_for: Hashable | None = None

    @property
    def side(self) -> Hashable | None:
        return self.speaks_for if self.is_person else self.key


@dataclass(frozen=True)
class KnownTarget:
    """An issue or proposal that statements may mention."""

    kind: str  # "issue" or "proposal"
    key: Hashable
    names: tuple[str, ...]  # title, slug, other keywords


@dataclass
class Finding:
    """One candidate statement: a span of the text and what was read from it."""

    start: int
    end: int
    speaker: Hashable
    speaker_text: str
    side: Hashable | None
    text: str
    quote: str
    date: FuzzyDate
    date_text: str  # the phrase the date was read from; "" for the publication date
    stance: Stance | None = None
    stance_cue: str = ""
    issues: list[Hashable] = field(default_factory=list)
    proposals: list[Hashable] = field(default_factory=list)
    pronoun: bool = False  # the speaker was resolved from "he" or "she"
    misspelt: bool = False  # the speaker's name matched only approximately


# --- Text structure -------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sen", "rep", "gov", "prof", "no",
    "vs", "jan", "feb", "aug", "sep", "sept", "oct", "nov", "dec", "jr", "sr", "maj", "capt",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?]+[\"”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9À-Ý])")
_OPENING_QUOTES = "“«„"
_CLOSING_QUOTES = "”»"


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    norm: str

    @property
    def capitalised(self) -> bool:
        first = self.text[0]
        # Scripts without case (Arabic, Hebrew) count as capitalised.
        return first.isupper() or first.lower() == first.upper()


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in re.finditer(r"\n\s*", text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _quote_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return the quoted stretches of a paragraph, quotation marks included.

    Curly quotes pair by direction, straight ones alternate. A quote left open runs to
    the end of the paragraph (the newspaper convention for a quote that goes on).
    """
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    straight = False
    for index in range(start, end):
        char = text[index]
        if opened is None:
            if char in _OPENING_QUOTES or char == '"':
                opened, straight = index, char == '"'
            elif char == "”" and not spans and index > start:
                # A closing mark with no opening one: a quote continued from the paragraph
                # before.
                spans.append((start, index + 1))
        elif (straight and char == '"') or (not straight and char in _CLOSING_QUOTES):
            spans.append((opened, index + 1))
            opened = None
    if opened is not None:
        spans.append((opened, end))
    return spans


def _inside(position: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _sentences(text: str, start: int, end: int, quotes: list[tuple[int, int]]):
    """Split a paragraph into sentences, never inside a quote."""
    spans, sentence_start = [], start
    for match in _SENTENCE_END.finditer(text, start, end):
        cut = match.end()
        if _inside(cut - 1, quotes) and not any(q_end == cut for _, q_end in quotes):
            continue
        if _inside(match.start(), quotes) and not any(q_end == cut for _, q_end in quotes):
            continue
        word = re.search(r"([^\W_]+)\W*$", text[sentence_start : match.start() + 1])
        if word and match.group().startswith(".") and cut == match.start() + 1:
            before = word.group(1)
            if before.lower() in _ABBREVIATIONS or (len(before) == 1 and before.isupper()):
                continue
        spans.append((sentence_start, cut))
        sentence_start = cut
        while sentence_start < end and text[sentence_start].isspace():
            sentence_start += 1
    if text[sentence_start:end].strip():
        spans.append((sentence_start, end))
    return spans


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(m.start(), m.end(), m.group(), normalise_name(m.group()))
        for m in _TOKEN.finditer(text)
    ]


# --- Names ----------------------------------------------------------------------------------

_PARTICLES = {"al", "el", "bin", "ben", "abu", "van", "von", "de", "da", "di", "la", "le", "du"}
_MAX_NAME_TOKENS = 6


@dataclass(frozen=True)
class _Mention:
    start: int  # character offsets
    end: int
    first_token: int
    last_token: int  # exclusive
    actor: KnownActor
    misspelt: bool = False


class _NameIndex:
    """Every form of every actor's name, as tuples of normalised words."""

    def __init__(self, actors: Sequence[KnownActor]) -> None:
        self.exact: dict[tuple[str, ...], set[int]] = {}
        self.acronyms: dict[tuple[str, ...], set[int]] = {}
        self.surnames: dict[str, set[int]] = {}
        self.actors = list(actors)
        for number, actor in enumerate(self.actors):
            for name in (actor.name, *actor.aliases):
                words = tuple(normalise_name(name).split())
                if not words or len(words) > _MAX_NAME_TOKENS:
                    continue
                if name.isupper() and len(name) <= 6:
                    # "UN", "US", "PMO": only in capitals, or "us" would be the United States.
                    self.acronyms.setdefault(tuple(_TOKEN.findall(name)), set()).add(number)
                    continue
                self.exact.setdefault(words, set()).add(number)
                if actor.is_person and len(words) > 1:
                    for surname in _surname_forms(words):
                        self.exact.setdefault(surname, set()).add(number)
                        if len(surname) == 1:
                            self.surnames.setdefault(surname[0], set()).add(number)
        self._fuzzy_cache: dict[str, int | None] = {}

    def _one(self, numbers: set[int] | None) -> KnownActor | None:
        # A form shared by two actors names neither.
        if numbers and len(numbers) == 1:
            return self.actors[next(iter(numbers))]
        return None

    def mentions(self, tokens: list[_Token]) -> list[_Mention]:
        found, index = [], 0
        while index < len(tokens):
            mention = self._match_at(tokens, index)
            if mention is None:
                index += 1
                continue
            found.append(mention)
            index = mention.last_token
        return found

    def _match_at(self, tokens: list[_Token], index: int) -> _Mention | None:
        longest = min(_MAX_NAME_TOKENS, len(tokens) - index)
        for length in range(longest, 0, -1):
            window = tokens[index : index + length]
            if not any(token.capitalised for token in window):
                continue
            if any(b.start - a.end > 2 for a, b in itertools.pairwise(window)):
                continue  # a name does not run across punctuation
            numbers = self.acronyms.get(tuple(t.text for t in window))
            if numbers is None and not (length == 1 and window[0].text.isupper()):
                numbers = self.exact.get(tuple(t.norm for t in window))
            actor = self._one(numbers)
            if actor is not None:
                return _Mention(
                    window[0].start, window[-1].end, index, index + length, actor, False
                )
        token = tokens[index]
        if token.capitalised and len(token.norm) >= FUZZY_MIN_LENGTH and not token.text.isupper():
            number = self._fuzzy_surname(token.norm)
            if number is not None:
                return _Mention(token.start, token.end, index, index + 1, self.actors[number], True)
        return None

    def _fuzzy_surname(self, word: str) -> int | None:
        if word in self._fuzzy_cache:
            return self._fuzzy_cache[word]
        best: set[int] = set()
        best_ratio = FUZZY_RATIO
        for surname, numbers in self.surnames.items():
            if surname[0] != word[0] or abs(len(surname) - len(word)) > 2:
                continue
            ratio = difflib.SequenceMatcher(None, word, surname).ratio()
            if ratio > best_ratio:
                best, best_ratio = set(numbers), ratio
            elif ratio == best_ratio:
                best |= numbers
        result = next(iter(best)) if len(best) == 1 else None
        self._fuzzy_cache[word] = result
        return result


def _surname_forms(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Return how a person's name is shortened: "Blinken"; "al Hayya" and "Hayya"."""
    last = words[-1]
    forms = [] if len(last) < 3 else [(last,)]
    if len(words) > 2 and words[-2] in _PARTICLES:
        forms.append(words[-2:])
    return forms


# --- Speech ---------------------------------------------------------------------------------

_SPEECH_VERBS = {
    "said", "says", "say", "told", "tells", "stated", "states", "added", "adds",
    "insisted", "insists", "stressed", "stresses", "warned", "warns", "announced",
    "announces", "declared", "declares", "confirmed", "confirms", "denied", "denies",
    "noted", "notes", "argued", "argues", "vowed", "vows", "demanded", "demands", "urged",
    "urges", "repeated", "reiterated", "reiterates", "wrote", "writes", "explained",
    "explains", "acknowledged", "acknowledges", "rejected", "rejects", "accepted",
    "accepts", "agreed", "agrees", "refused", "refuses", "accused", "accuses", "claimed",
    "asserted", "asserts", "maintained", "maintains", "welcomed", "welcomes", "conceded",
    "concedes", "pledged", "pledges", "promised", "promises", "called",
}  # fmt: skip
# Verbs that can be inverted after a quote: `"…," said Blinken`.
_INVERTING_VERBS = {"said", "says", "added", "adds", "wrote", "writes", "told", "insisted"}
_AUXILIARIES = {
    "also", "later", "then", "has", "have", "had", "would", "will", "again", "further",
    "previously", "earlier", "repeatedly", "publicly", "once", "reportedly",
}  # fmt: skip
_PRONOUNS = {"he", "she"}
_CLAUSE_SPLIT = re.compile(r"[;]|,\s+(?:while|whereas|but)\s+|\s+while\s+|\s+whereas\s+")
_RELATIVE_CLAUSE = re.compile(r",\s+(?:who|whom|whose|which|where)\b[^,]*,")
_APPOSITION_LIMIT = 12  # tokens between a subject and its verb at most


@dataclass(frozen=True)
class _Speech:
    start: int
    end: int
    actor: KnownActor | None  # None when the subject is a pronoun
    surface: str
    misspelt: bool
    verb_start: int


def _verb_tokens(tokens: list[_Token], quotes) -> list[int]:
    return [
        i
        for i, token in enumerate(tokens)
        if token.text.lower() in _SPEECH_VERBS
        and not _inside(token.start, quotes)
        # "called" is speech only as "called for" / "called on".
        and (
            token.text.lower() != "called"
            or (i + 1 < len(tokens) and tokens[i + 1].norm in {"for", "on"})
        )
    ]


def _according_to(text: str, tokens, mentions, quotes, start: int, end: int) -> _Speech | None:
    for match in re.finditer(r"\baccording to\b", text[start:end], re.IGNORECASE):
        at = start + match.end()
        if _inside(at - 1, quotes):
            continue
        stop = re.search(r"[,.;:]\s|$", text[at:end])
        limit = at + (stop.start() if stop else 0)
        phrase = [m for m in mentions if at <= m.start < limit and not _inside(m.start, quotes)]
        if phrase:
            chosen = _prefer_person(phrase, last=True)
            return _Speech(
                start, end, chosen.actor, text[chosen.start : chosen.end], chosen.misspelt, at
            )
    return None


def _prefer_person(mentions: list[_Mention], *, last: bool) -> _Mention:
    people = [m for m in mentions if m.actor.is_person]
    pool = people or mentions
    return pool[-1] if last else pool[0]


def _subject_before(text, tokens, mentions, quotes, verb: int, floor: int) -> _Speech | None:
    """Find the speaker before the verb token: a pronoun, or the nearest named subject."""
    verb_token = tokens[verb]
    # The words right before the verb, skipping "also", "has", "later"…
    previous = verb - 1
    while previous >= 0 and tokens[previous].norm in _AUXILIARIES:
        previous -= 1
    if (
        previous >= 0
        and tokens[previous].start >= floor
        and tokens[previous].norm in _PRONOUNS
        and not _inside(tokens[previous].start, quotes)
    ):
        pronoun = tokens[previous]
        return _Speech(0, 0, None, pronoun.text, False, verb_token.start)
    window = text[floor : verb_token.start]
    hidden = [(floor + m.start(), floor + m.end()) for m in _RELATIVE_CLAUSE.finditer(window)]
    candidates = [
        m
        for m in mentions
        if floor <= m.start
        and m.end <= verb_token.start
        and not _inside(m.start, quotes)
        and not _inside(m.start, hidden)
        and verb - m.last_token <= _APPOSITION_LIMIT
    ]
    if not candidates:
        return None
    # In "After meeting Netanyahu, Blinken said" the nearer name is the subject.
    chosen = _prefer_person(candidates, last=True)
    return _Speech(
        0, 0, chosen.actor, text[chosen.start : chosen.end], chosen.misspelt, verb_token.start
    )


def _subject_after(text, tokens, mentions, quotes, verb: int, limit: int) -> _Speech | None:
    """Find the speaker of an inversion: `"…," said Blinken` or `said Egypt's minister X`."""
    verb_token = tokens[verb]
    stop = re.search(r"[.;:!?]|,\s(?![A-Z])", text[verb_token.end : limit])
    end = verb_token.end + stop.start() if stop else limit
    after = [
        m
        for m in mentions
        if verb_token.end <= m.start < end
        and m.first_token - verb <= 8
        and not _inside(m.start, quotes)
    ]
    if not after:
        return None
    chosen = _prefer_person(after, last=True)
    return _Speech(
        0, 0, chosen.actor, text[chosen.start : chosen.end], chosen.misspelt, verb_token.start
    )


def _speeches(text, start, end, tokens, mentions, quotes) -> list[_Speech]:
    """Return the statements of one sentence: usually one, two for "A said …, while B said …"."""
    quotes = [q for q in quotes if q[0] < end and q[1] > start]
    according = _according_to(text, tokens, mentions, quotes, start, end)
    if according is not None:
        return [according]
    found: list[_Speech] = []
    clause_start = start
    verbs = _verb_tokens([t for t in tokens if start <= t.start < end], quotes)
    sentence_tokens = [t for t in tokens if start <= t.start < end]
    offset = tokens.index(sentence_tokens[0]) if sentence_tokens else 0
    sentence_mentions = [m for m in mentions if start <= m.start < end]
    splits = [
        (start + m.start(), start + m.end())
        for m in _CLAUSE_SPLIT.finditer(text[start:end])
        if not _inside(start + m.start(), quotes)
    ]
    boundaries = [split_start for split_start, _ in splits]
    used_clauses: set[int] = set()
    for local in verbs:
        verb = offset + local
        verb_start = tokens[verb].start
        clause = bisect.bisect_right(boundaries, verb_start)
        if clause in used_clauses:
            continue
        floor = max([start, *[b for b in boundaries if b < verb_start]])
        # After a quote the subject comes after it: `"…," Blinken said` has no subject
        # before the quote.
        floor = max([floor, *[q_end for _, q_end in quotes if q_end <= verb_start]])
        quote_right_before = re.search(r"[,.!?]?[\"”]\s*$", text[clause_start:verb_start])
        speech = None
        if quote_right_before and tokens[verb].norm in _INVERTING_VERBS:
            speech = _subject_after(text, tokens, sentence_mentions, quotes, verb, end)
        if speech is None:
            speech = _subject_before(text, tokens, sentence_mentions, quotes, verb, floor)
        if speech is None and tokens[verb].norm in _INVERTING_VERBS:
            speech = _subject_after(text, tokens, sentence_mentions, quotes, verb, end)
        if speech is None:
            continue
        used_clauses.add(clause)
        clause_end = boundaries[clause] if clause < len(boundaries) else end
        clause_begin = splits[clause - 1][1] if clause > 0 else start
        found.append(
            _Speech(
                clause_begin,
                clause_end,
                speech.actor,
                speech.surface,
                speech.misspelt,
                speech.verb_start,
            )
        )
        clause_start = clause_end
    if len(found) == 1:
        only = found[0]
        found = [_Speech(start, end, only.actor, only.surface, only.misspelt, only.verb_start)]
    return found


# --- Dates ----------------------------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE_PHRASE = re.compile(
    rf"\b(?:(?:last|on) )?{_WEEKDAY}(?: (?:morning|afternoon|evening|night))?\b"
    rf"|\b(?:early|mid|late)[- ]{_MONTH}(?:,? [0-9]{{4}})?"
    rf"|\b{_MONTH} [0-9]{{1,2}}(?:st|nd|rd|th)?(?:,? [0-9]{{4}})?\b"
    rf"|\b[0-9]{{1,2}}(?:st|nd|rd|th)? {_MONTH}(?: [0-9]{{4}})?"
    rf"|\bin {_MONTH}(?: [0-9]{{4}})?"
    r"|\b(?:yesterday|today)\b|\b(?:this|last) (?:week|month|year)\b",
    re.IGNORECASE,
)


_NAMED_DAY_OR_MONTH = re.compile(rf"\b(?:{_MONTH}|{_WEEKDAY})")
_RELATIVE_WORDS = re.compile(r"(?:last|this) (?:week|month|year)|today|yesterday", re.IGNORECASE)
_FUTURE_LEAD = re.compile(r"\b(?:later|next|until|till|by|before|from)\s+$", re.IGNORECASE)


def _dates_in(text: str, start: int, end: int, quotes, published: date):
    """Yield (phrase, FuzzyDate) for date phrases outside quotes, in order."""
    for match in _DATE_PHRASE.finditer(text, start, end):
        if _inside(match.start(), quotes):
            continue
        phrase = match.group()
        if _FUTURE_LEAD.search(text[max(start, match.start() - 12) : match.start()]):
            continue  # "later this week", "until Monday": about what is to come
        # Weekdays and months are capitalised in English; "may" is a verb.
        if _NAMED_DAY_OR_MONTH.search(phrase) is None and not _RELATIVE_WORDS.match(phrase):
            continue
        try:
            value = parse_fuzzy_date(phrase, reference=published)
        except FuzzyDateError:
            continue
        if value.earliest > published or _is_upcoming(phrase, value, published):
            continue  # a date to come is about the talks, not about when this was said
        yield match.start(), phrase, value


def _is_upcoming(phrase: str, value: FuzzyDate, published: date) -> bool:
    """Tell whether a yearless date was read as last year's only because it is still to come.

    "The talks resume on Sept 2", published on Aug 21, is this year's Sept 2; the reader
    moves yearless dates back a year so that they are not after the reference, which is
    right for "on Dec 28" read in January but not for a date a few months ahead.
    """
    if re.search(r"[0-9]{4}", phrase) or value.earliest.year == published.year:
        return False
    try:
        this_year = value.earliest.replace(year=published.year)
    except ValueError:  # Feb 29
        return False
    return 0 < (this_year - published).days <= 183


# --- Stance ---------------------------------------------------------------------------------

_ACCEPT = re.compile(r"\b(?:accept(?:s|ed|ing)?|agree(?:s|d|ing)?|approve[sd]?|endorse[sd]?)\b")
_REJECT = re.compile(r"\b(?:reject(?:s|ed|ing)?|refus(?:e|es|ed|ing)|turn(?:s|ed)? down)\b")
_INSIST = re.compile(r"\binsist(?:s|ed|ing)?\b")
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|won['’]t|wouldn['’]t|didn['’]t|doesn['’]t|don['’]t|"
    r"cannot|can['’]t|isn['’]t|hasn['’]t|haven['’]t)\b(?:\s+\w+){0,2}\s*$"
)
_CONDITION = re.compile(r"\b(?:provided|on condition|as long as|only if|if)\b")


def _stance(text: str) -> tuple[Stance | None, str]:
    """Return the stance the words plainly state, and the cue; (None, "") otherwise."""
    lowered = text.lower()
    found: set[Stance] = set()
    cue = ""
    for pattern, stance in (
        (_ACCEPT, Stance.ACCEPTS),
        (_REJECT, Stance.REJECTS),
        # Insisting on one's terms is accepting only on them: the ordinal scale's
        # "conditional" (+1), not an acceptance.
        (_INSIST, Stance.CONDITIONAL),
    ):
        for match in pattern.finditer(lowered):
            negated = _NEGATION.search(lowered[: match.start()]) is not None
            if negated and stance == Stance.ACCEPTS:
                stance_here = Stance.REJECTS  # "would not accept" is a refusal
            elif negated:
                return None, ""  # "did not reject" says nothing clear
            else:
                stance_here = stance
            if stance == Stance.ACCEPTS and _CONDITION.search(lowered[match.end() :]):
                stance_here = Stance.CONDITIONAL
            found.add(stance_here)
            cue = cue or match.group()
    # "refused to accept" is one refusal, not a conflict.
    if found == {Stance.ACCEPTS, Stance.REJECTS} and re.search(
        r"\brefus\w*\s+to\s+(?:accept|agree|approve|endorse)", lowered
    ):
        found = {Stance.REJECTS}
    if len(found) == 1:
        return found.pop(), cue
    return None, ""


# --- Issues and proposals -------------------------------------------------------------------

_STOPWORDS = {
    "the", "of", "and", "on", "in", "to", "for", "from", "a", "an", "with", "at", "by",
    "issue", "its", "their", "return",
}  # fmt: skip


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def _target_matches(target: KnownTarget, words: set[str], joined: str) -> bool:
    for name in target.names:
        phrase = " ".join(normalise_name(name).replace("-", " ").split())
        if not phrase:
            continue
        if f" {phrase} " in joined:
            return True
        content = {_stem(w) for w in phrase.split() if w not in _STOPWORDS and len(w) > 2}
        if len(content) >= 2 and content <= words:
            return True
    return False


# --- Putting it together --------------------------------------------------------------------


def extract(
    text: str,
    *,
    actors: Sequence[KnownActor],
    published: date,
    targets: Sequence[KnownTarget] = (),
) -> list[Finding]:
    """Return the candidate statements found in ``text``, in reading order."""
    text = text[:MAX_TEXT_LENGTH]
    index = _NameIndex(actors)
    findings: list[Finding] = []
    state = _PronounState()
    for paragraph, (p_start, p_end) in enumerate(_paragraphs(text)):
        quotes = _quote_spans(text, p_start, p_end)
        tokens = [
            _Token(t.start + p_start, t.end + p_start, t.text, t.norm)
            for t in _tokens(text[p_start:p_end])
        ]
        mentions = index.mentions(tokens)
        context_date: tuple[str, FuzzyDate] | None = None
        previous: Finding | None = None
        for number, (s_start, s_end) in enumerate(_sentences(text, p_start, p_end, quotes)):
            in_sentence = [m for m in mentions if s_start <= m.start < s_end]
            speeches = _speeches(text, s_start, s_end, tokens, in_sentence, quotes)
            if (
                not speeches
                and previous is not None
                and _is_quote_only(text, s_start, s_end, quotes)
            ):
                _extend(previous, text, s_end, quotes, targets)
            elif not speeches:
                previous = None
            last_verb = s_start
            for speech in speeches:
                actor, pronoun = speech.actor, False
                if actor is None:
                    named_before = {
                        m.actor.key
                        for m in in_sentence
                        if m.actor.is_person and m.start < speech.verb_start
                    }
                    actor = state.resolve(paragraph, number, named_before)
                    if actor is None:
                        continue
                    pronoun = True
                # "…," he told reporters: the same occasion as the statement before.
                fallback = context_date
                if pronoun and findings and findings[-1].speaker == actor.key:
                    fallback = (findings[-1].date_text, findings[-1].date)
                date_phrase, when = _pick_date(
                    text, speech.start, speech.end, quotes, published, fallback
                )
                finding = Finding(
                    start=speech.start,
                    end=_trim_end(text, speech.start, speech.end),
                    speaker=actor.key,
                    speaker_text=speech.surface,
                    side=actor.side,
                    text="",
                    quote="",
                    date=when,
                    date_text=date_phrase,
                    pronoun=pronoun,
                    misspelt=speech.misspelt,
                )
                _fill(finding, text, quotes, targets)
                findings.append(finding)
                previous = finding
                state.spoke(actor, paragraph)
                last_verb = speech.verb_start
            # People named after the last speech verb (objects, quotes) make a later
            # "he" ambiguous; so does anyone named in a sentence without speech.
            state.mentioned(
                {m.actor.key for m in in_sentence if m.actor.is_person and m.start >= last_verb}
            )
            # A date that opens a sentence ("On Monday, …") sets the scene for the
            # sentences after it; one further in is about that sentence alone.
            for at, phrase, value in _dates_in(text, s_start, s_end, quotes, published):
                if at - s_start <= 3:
                    context_date = (phrase, value)
                break
    return findings


class _PronounState:
    """Who "he" or "she" may refer to: the last named person speaker, if still safe."""

    def __init__(self) -> None:
        self.speaker: KnownActor | None = None
        self.paragraph = -1
        self.others: set[Hashable] = set()

    def spoke(self, actor: KnownActor, paragraph: int) -> None:
        self.speaker = actor if actor.is_person else None
        self.paragraph = paragraph
        self.others = set()

    def mentioned(self, people: set[Hashable]) -> None:
        if self.speaker is not None:
            self.others |= people - {self.speaker.key}

    def resolve(
        self, paragraph: int, sentence: int, named_before: set[Hashable]
    ) -> KnownActor | None:
        if self.speaker is None or (self.others | named_before) - {self.speaker.key}:
            return None
        # The same paragraph, or the first sentence of the next one.
        if paragraph == self.paragraph or (paragraph == self.paragraph + 1 and sentence == 0):
            return self.speaker
        return None


def _pick_date(text, start, end, quotes, published, context):
    # "X, who met Y last week, said" dates the meeting, not the statement.
    hidden = [
        (start + m.start(), start + m.end()) for m in _RELATIVE_CLAUSE.finditer(text[start:end])
    ]
    for at, phrase, value in _dates_in(text, start, end, quotes, published):
        if not _inside(at, hidden):
            return phrase, value
    if context is not None:
        return context
    return "", FuzzyDate.exact(published)


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _is_quote_only(text: str, start: int, end: int, quotes) -> bool:
    inside = sum(max(0, min(end, q_end) - max(start, q_start)) for q_start, q_end in quotes)
    return inside > 0 and inside >= 0.8 * len(text[start:end].strip())


def _extend(finding: Finding, text: str, end: int, quotes, targets) -> None:
    finding.end = _trim_end(text, finding.start, end)
    _fill(finding, text, quotes, targets)


def _fill(finding: Finding, text: str, quotes, targets: Sequence[KnownTarget]) -> None:
    """Set the text, quote, stance and targets of a finding from its span."""
    span = text[finding.start : finding.end]
    finding.text = " ".join(span.split())
    quoted = [
        text[q_start:q_end].strip('"“”«»„ ,')
        for q_start, q_end in quotes
        if q_start >= finding.start and q_end <= finding.end + 1
    ]
    finding.quote = " … ".join(" ".join(q.split()) for q in quoted if q)
    finding.stance, finding.stance_cue = _stance(span)
    words = {_stem(t.norm) for t in _tokens(span)}
    joined = " " + " ".join(t.norm for t in _tokens(span)) + " "
    finding.issues = [
        t.key for t in targets if t.kind == "issue" and _target_matches(t, words, joined)
    ]
    finding.proposals = [
        t.key for t in targets if t.kind == "proposal" and _target_matches(t, words, joined)
    ]

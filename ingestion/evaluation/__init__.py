"""Score the extractor against the labelled articles in ``articles.yaml``.

Pure Python like the extractor: the actors come from the file, not the database. A
candidate *matches* the labelled statement whose ``at`` text lies inside its span; each
statement is matched at most once. For speaker, side and date, precision is the share
of all candidates that match a statement and get that field right, recall the share of
statements matched by such a candidate. For stance, only non-empty stances count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.dates import FuzzyDate, parse_fuzzy_date
from ingestion.extraction import Finding, KnownActor, extract
from negotiations.models.statements import Stance

DATA = Path(__file__).with_name("articles.yaml")
FIELDS = ("speaker", "side", "date", "stance")


@dataclass
class Score:
    correct_predicted: int = 0
    predicted: int = 0
    correct_expected: int = 0
    expected: int = 0

    @property
    def precision(self) -> float:
        return self.correct_predicted / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct_expected / self.expected if self.expected else 1.0


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    misses: list[str] = field(default_factory=list)


def load(path: Path = DATA) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def known_actors(data: dict) -> list[KnownActor]:
    return [
        KnownActor(
            key=row["key"],
            name=row["name"],
            aliases=tuple(row.get("aliases", ())),
            is_person=bool(row.get("person")),
            speaks_for=row.get("speaks_for"),
        )
        for row in data["actors"]
    ]


def _expected_value(statement: dict, name: str, published) -> object:
    value = statement.get(name)
    if name == "date":
        return parse_fuzzy_date(str(value), reference=published)
    if name == "stance":
        return Stance[value.upper()] if value else None
    return value or None


def _predicted_value(finding: Finding, name: str) -> object:
    return {
        "speaker": finding.speaker,
        "side": finding.side,
        "date": finding.date,
        "stance": finding.stance,
    }[name]


def evaluate(data: dict | None = None) -> Report:
    """Run the extractor over every labelled article and score it."""
    data = data or load()
    actors = known_actors(data)
    report = Report()
    for article in data["articles"]:
        text, published = article["text"], article["published"]
        findings = extract(text, actors=actors, published=published)
        statements = article["statements"]
        positions = []
        for statement in statements:
            at = text.find(statement["at"])
            if at < 0:
                raise ValueError(f"{article['key']}: {statement['at']!r} is not in the text")
            positions.append(at)
        matched: dict[int, Finding] = {}
        unmatched_findings = []
        for finding in findings:
            hit = next(
                (
                    number
                    for number, at in enumerate(positions)
                    if number not in matched and finding.start <= at < finding.end
                ),
                None,
            )
            if hit is None:
                unmatched_findings.append(finding)
            else:
                matched[hit] = finding
        for name in FIELDS:
            score = report.scores[name]
            for finding in findings:
                if name != "stance" or finding.stance is not None:
                    score.predicted += 1
            for number, statement in enumerate(statements):
                wanted = _expected_value(statement, name, published)
                if name == "stance" and wanted is None:
                    continue
                score.expected += 1
                finding = matched.get(number)
                if finding is None:
                    continue
                got = _predicted_value(finding, name)
                if isinstance(wanted, FuzzyDate) and isinstance(got, FuzzyDate):
                    right = (wanted.earliest, wanted.latest) == (got.earliest, got.latest)
                else:
                    right = got == wanted
                if right:
                    score.correct_expected += 1
                    score.correct_predicted += 1
                else:
                    report.misses.append(
                        f"{article['key']}: {name} of “{statement['at']}”: "
                        f"expected {wanted}, got {got}"
                    )
        for number, statement in enumerate(statements):
            if number not in matched:
                report.misses.append(f"{article['key']}: missed “{statement['at']}”")
        for finding in unmatched_findings:
            report.misses.append(
                f"{article['key']}: unexpected candidate {finding.speaker}: “{finding.text[:60]}”"
            )
    return report

"""Bulk import of statements from the CSV the API exports, or from JSON.

Two steps: :func:`read_rows` turns a file into row dicts, :func:`import_statements`
parses every row and checks it with the statements service (the rules every
surface shares: who may create what, plausibility, one negotiation, the
workflow), collects every error, and writes only a file without any, all or
nothing, in one transaction, through the same service. A dry run
(``commit=False``) checks and counts but writes nothing.

Columns (those of ``StatementCSVSerializer``): negotiation, speaker, on_behalf_of,
date, source_url, source_title, source_publisher, source_published, quote,
quote_language, translation, summary, status, claims. ``id``, ``date_earliest``
and ``date_latest`` are ignored: the date is read from ``date`` against the
source's publication date. ``claims`` is ``subject stance target_type:target_id
basis`` joined by "; " in CSV, or, in JSON, also a list of objects with the keys
subject, stance, basis, target_type and target_id (the API's statement JSON).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from actors.models import Actor
from core.dates import FuzzyDateError, parse_fuzzy_date
from negotiations import targets
from negotiations.models import (
    TARGET_FIELDS,
    Basis,
    Claim,
    Negotiation,
    Source,
    Stance,
    Statement,
    StatementStatus,
)
from negotiations.positions.signals import recompute_once
from negotiations.statements import services

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ImportFileError",
    "ImportReport",
    "RowError",
    "import_statements",
    "read_rows",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS = (
    "negotiation",
    "speaker",
    "on_behalf_of",
    "date",
    "source_url",
    "source_title",
    "source_publisher",
    "source_published",
    "quote",
    "quote_language",
    "translation",
    "summary",
    "status",
    "claims",
)
REQUIRED_COLUMNS = ("negotiation", "speaker", "date")
IGNORED_COLUMNS = ("id", "date_earliest", "date_latest")

STANCES = {label: value for value, label in Stance.choices}
# Where the service's field names show in a file.
COLUMN_OF = {"retraction_reason": "status", "version": "", "target": "claims"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read: too large, not CSV/JSON, too many rows…"""


@dataclass(frozen=True)
class RowError:
    """``line`` counts the CSV header as line 1; in JSON it is the object's 1-based index."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    committed: bool = False
    rows: int = 0
    created: int = 0
    claims: int = 0
    sources: int = 0
    drafts: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            lines = len({error.line for error in self.errors})
            return (
                f"{len(self.errors)} error(s) in {lines} row(s) of {self.rows}; "
                "nothing was imported."
            )
        counts = (
            f"{self.created} statement(s) ({self.drafts} as drafts), "
            f"{self.claims} claim(s), {self.sources} new source(s)"
        )
        if self.committed:
            return f"Imported {counts}."
        return f"Dry run: would import {counts}. Nothing was written."


# --- reading -------------------------------------------------------------------------------


def read_rows(file_bytes: bytes, filename: str) -> list[dict[str, Any]]:
    """Return the rows of a CSV or JSON file (chosen by the file's extension).

    Every row carries its position in ``"_line"``. Raise ImportFileError for a file
    that is too large, unreadable, or has too many rows.
    """
    if len(file_bytes) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file is {len(file_bytes):,} bytes; the limit is {MAX_FILE_BYTES:,} bytes."
        )
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"The file is not UTF-8: {error}.") from None
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".json":
        rows = _read_json(text)
    elif suffix == ".csv":
        rows = _read_csv(text)
    else:
        raise ImportFileError(f"Cannot import {filename!r}: expected a .csv or .json file.")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has {len(rows):,} rows; the limit is {MAX_ROWS:,}.")
    return rows


def _read_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("The CSV file is empty.")
        header = [name.strip() for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ImportFileError(f"The CSV header lacks the column(s) {', '.join(missing)}.")
        rows: list[dict[str, Any]] = []
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                row = {name: record[i] if i < len(record) else "" for i, name in enumerate(header)}
                row["_line"] = start
                rows.append(row)
                if len(rows) > MAX_ROWS:
                    break
            start = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"line {reader.line_num}: not valid CSV: {error}.") from None
    return rows


def _read_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"Not valid JSON: {error}.") from None
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]  # a page of the API
    if not isinstance(data, list):
        raise ImportFileError("The JSON must be a list of statements.")
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(data[: MAX_ROWS + 1], start=1):
        if not isinstance(item, dict):
            rows.append({"_line": i, "_invalid": f"expected an object, got {item!r:.40}"})
            continue
        rows.append({**_flatten_api_statement(item), "_line": i})
    return rows


def _flatten_api_statement(item: dict[str, Any]) -> dict[str, Any]:
    """Accept the API's statement JSON: its source is `source` (an id) and `source_detail`."""
    row = dict(item)
    detail = row.pop("source_detail", None)
    if isinstance(detail, dict):
        row.setdefault("source_url", detail.get("url"))
        row.setdefault("source_title", detail.get("title"))
        row.setdefault(
            "source_publisher",
            detail.get("publisher")
            or detail.get("publisher_name")
            or detail.get("publisher_display"),
        )
        row.setdefault("source_published", detail.get("published"))
    return row


# --- checking and writing ------------------------------------------------------------------


@dataclass
class _Planned:
    line: int
    statement: Statement
    source_key: tuple | None
    claims: list[Claim]


class _Importer:
    def __init__(self, user, report: ImportReport) -> None:
        self.report = report
        self.user = user
        self.seen: dict[tuple, int] = {}  # duplicate keys of the rows read so far, and their line
        self.negotiations: dict[str, Negotiation | None] = {}
        self.actors: dict[str, Actor | None] = {}
        self.publishers: dict[str, Actor | None] = {}
        self.targets: dict[tuple[str, int], Any] = {}
        self.sources: dict[tuple, Source] = {}  # sources found or to create, by key
        self.new_sources: dict[tuple, Source] = {}

    def error(self, line: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(line, column, message))

    # Cached look-ups: one query per distinct value in the file.

    def negotiation(self, slug: str) -> Negotiation | None:
        if slug not in self.negotiations:
            self.negotiations[slug] = Negotiation.objects.filter(slug=slug).first()
        return self.negotiations[slug]

    def actor(self, slug: str) -> Actor | None:
        if slug not in self.actors:
            self.actors[slug] = Actor.objects.filter(slug=slug).first()
        return self.actors[slug]

    def publisher(self, name: str) -> Actor | None:
        if name not in self.publishers:
            self.publishers[name] = (
                Actor.objects.filter(Q(slug=name) | Q(name=name)).order_by("pk").first()
            )
        return self.publishers[name]

    def target(self, target_type: str, target_id: int):
        key = (target_type, target_id)
        if key not in self.targets:
            self.targets[key] = targets.get(target_type, target_id)
        return self.targets[key]

    # One row.

    def check(self, row: dict[str, Any]) -> _Planned | None:
        line = row.get("_line", 0)
        if "_invalid" in row:
            self.error(line, "", row["_invalid"])
            return None
        errors_before = len(self.report.errors)
        text = {name: _text(row.get(name)) for name in COLUMNS if name != "claims"}

        negotiation = None
        if not text["negotiation"]:
            self.error(line, "negotiation", "is empty.")
        else:
            negotiation = self.negotiation(text["negotiation"])
            if negotiation is None:
                self.error(line, "negotiation", f"no negotiation {text['negotiation']!r}.")

        speaker = None
        if not text["speaker"]:
            self.error(line, "speaker", "is empty.")
        else:
            speaker = self.actor(text["speaker"])
            if speaker is None:
                self.error(line, "speaker", f"no actor {text['speaker']!r}.")

        on_behalf_of = None
        if text["on_behalf_of"]:
            on_behalf_of = self.actor(text["on_behalf_of"])
            if on_behalf_of is None:
                self.error(line, "on_behalf_of", f"no actor {text['on_behalf_of']!r}.")

        source_key, source = self.check_source(row, text, line)

        date = None
        if not text["date"]:
            self.error(line, "date", "is empty.")
        else:
            reference = source.published if source is not None else None
            try:
                date = parse_fuzzy_date(text["date"], reference=reference)
            except FuzzyDateError as error:
                self.error(line, "date", str(error))

        status = text["status"] or StatementStatus.DRAFT
        if status not in StatementStatus.values:
            choices = ", ".join(StatementStatus.values)
            self.error(line, "status", f"{status!r} is not one of {choices}.")
        if self.user is None or status not in StatementStatus.values:
            status = StatementStatus.DRAFT  # without a user to answer for it, only drafts
        statement = Statement(
            negotiation=negotiation,
            speaker=speaker,
            on_behalf_of=on_behalf_of,
            source=source,
            quote=text["quote"],
            quote_language=text["quote_language"],
            translation=text["translation"],
            summary=text["summary"],
            status=status,
            retraction_reason=_text(row.get("retraction_reason")),
        )
        if date is not None:
            statement.date = date
        self.check_fields(
            statement,
            line,
            {"quote": "quote", "quote_language": "quote_language", "translation": "translation"},
        )
        claims = self.check_claims(row.get("claims"), negotiation, line)
        if len(self.report.errors) > errors_before:
            return None
        # The rules every surface shares (statements.services), and duplicates within the file.
        try:
            services.check_statement(statement, user=self.user, claims=claims)
        except services.Forbidden as error:
            self.error(line, "", str(error))
            return None
        except services.Refused as refused:
            for field, errors in refused.error_dict.items():
                for error in errors:
                    self.error(line, COLUMN_OF.get(field, field), " ".join(error.messages))
            return None
        key = services.duplicate_key(statement)
        if key is not None and key in self.seen:
            self.error(
                line, "quote", f"repeats line {self.seen[key]} (same speaker, date and quote)."
            )
            return None
        if key is not None:
            self.seen[key] = line
        return _Planned(line, statement, source_key, claims)

    def check_source(
        self, row: dict[str, Any], text: dict[str, str], line: int
    ) -> tuple[tuple | None, Source | None]:
        url = text["source_url"]
        if not url and isinstance(row.get("source"), int):
            source = Source.objects.filter(pk=row["source"]).first()
            if source is None:
                self.error(line, "source", f"no source with the id {row['source']}.")
            return None, source
        published = None
        if text["source_published"]:
            try:
                published = datetime.date.fromisoformat(text["source_published"])
            except ValueError:
                self.error(
                    line,
                    "source_published",
                    f"{text['source_published']!r} is not a day such as 2024-08-19.",
                )
                return None, None
        publisher_name = text["source_publisher"]
        publisher = self.publisher(publisher_name) if publisher_name else None
        if url:
            key: tuple = ("url", url)
        else:
            key = ("title", text["source_title"], publisher_name, published)
        if key in self.sources:
            return key, self.sources[key]
        if url:
            source = Source.objects.filter(url=url).first()
        elif text["source_title"] and publisher_name:
            by_publisher = Q(publisher=publisher) if publisher else Q(publisher_name=publisher_name)
            source = (
                Source.objects.filter(by_publisher, title=text["source_title"], published=published)
                .order_by("pk")
                .first()
            )
        else:
            source = None
        if source is None:
            missing = [name for name in ("source_title", "source_publisher") if not text[name]]
            if missing:
                for name in missing:
                    where = f"no source at {url}" if url else "no source_url and no source found"
                    self.error(line, name, f"{where}: give source_title and source_publisher.")
                return None, None
            source = Source(
                url=url,
                title=text["source_title"],
                publisher=publisher,
                publisher_name="" if publisher else publisher_name,
                published=published,
            )
            if not self.check_fields(
                source,
                line,
                {
                    "url": "source_url",
                    "title": "source_title",
                    "publisher_name": "source_publisher",
                    "published": "source_published",
                },
            ):
                return None, None
            self.new_sources[key] = source
        self.sources[key] = source
        return key, source

    def check_fields(self, obj, line: int, columns: dict[str, str]) -> bool:
        """Run the model's field validators on the given fields; report under their columns."""
        fields = [f.name for f in obj._meta.fields if f.name not in columns]
        try:
            obj.clean_fields(exclude=fields)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.error(line, columns.get(name, name), message)
            return False
        return True

    def check_claims(self, value: Any, negotiation: Negotiation | None, line: int) -> list[Claim]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            entries = [part.strip() for part in value.split(";") if part.strip()]
        elif isinstance(value, list):
            entries = value
        else:
            self.error(line, "claims", "expected text or a list of claims.")
            return []
        claims = []
        for number, entry in enumerate(entries, start=1):
            claim = self.check_claim(entry, negotiation, line, f"claim {number}")
            if claim is not None:
                claims.append(claim)
        return claims

    def check_claim(self, entry: Any, negotiation, line: int, where: str) -> Claim | None:
        if isinstance(entry, str):
            parts = entry.split()
            if len(parts) not in (3, 4) or ":" not in parts[2]:
                self.error(
                    line,
                    "claims",
                    f"{where}: {entry!r} is not `subject stance target_type:target_id basis`.",
                )
                return None
            subject_slug, stance_text, target = parts[:3]
            basis = parts[3] if len(parts) == 4 else Basis.OWN
            target_type, _, target_id = target.partition(":")
        elif isinstance(entry, dict):
            subject_slug = _text(entry.get("subject"))
            stance_text = entry.get("stance", entry.get("stance_value"))
            basis = _text(entry.get("basis")) or Basis.OWN
            target_type = _text(entry.get("target_type"))
            target_id = entry.get("target_id")
        else:
            self.error(line, "claims", f"{where}: expected an object, got {entry!r:.40}.")
            return None

        ok = True
        subject = self.actor(subject_slug) if subject_slug else None
        if subject is None:
            self.error(line, "claims", f"{where}: no actor {subject_slug!r}.")
            ok = False
        stance = _stance(stance_text)
        if stance is None:
            choices = ", ".join(STANCES)
            self.error(line, "claims", f"{where}: stance {stance_text!r} is not one of {choices}.")
            ok = False
        if basis not in Basis.values:
            choices = ", ".join(Basis.values)
            self.error(line, "claims", f"{where}: basis {basis!r} is not one of {choices}.")
            ok = False
        target = None
        if target_type not in TARGET_FIELDS:
            choices = ", ".join(TARGET_FIELDS)
            self.error(
                line, "claims", f"{where}: target type {target_type!r} is not one of {choices}."
            )
            ok = False
        else:
            try:
                number = int(target_id)
            except (TypeError, ValueError):
                self.error(line, "claims", f"{where}: target id {target_id!r} is not a number.")
                return None
            target = self.target(target_type, number)
            if target is None:
                self.error(line, "claims", f"{where}: no {target_type} with the id {number}.")
                ok = False
        if not ok:
            return None
        return Claim(subject=subject, stance=stance, basis=basis, **{target_type: target})

    def write(self, planned: list[_Planned], progress: Callable[[int], None] | None) -> None:
        for source in self.new_sources.values():
            source.save()
        for item in planned:
            statement = item.statement
            if item.source_key is not None:
                statement.source = self.sources[item.source_key]
            services.statement_save(statement, user=self.user, claims=item.claims)
            if progress:
                progress(1)


def import_statements(
    rows: list[dict[str, Any]],
    *,
    user=None,
    commit: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row; write them all in one transaction when none has an error and
    `commit` is true. The file's status is kept as the service allows it: a statement
    marked published by a user who may not publish is written as a draft, and none may
    start retracted; without a user, every statement is a draft. `progress(n)` is called
    as rows are checked, then again as they are written."""
    report = ImportReport(rows=len(rows))
    if len(rows) > MAX_ROWS:
        report.errors.append(
            RowError(1, "", f"The file has {len(rows):,} rows; the limit is {MAX_ROWS:,}.")
        )
        return report
    importer = _Importer(user, report)
    planned: list[_Planned] = []
    for row in rows:
        item = importer.check(row)
        if item is not None:
            planned.append(item)
        if progress:
            progress(1)
    report.errors.sort(key=lambda error: error.line)
    if report.errors:
        return report
    report.created = len(planned)
    report.claims = sum(len(item.claims) for item in planned)
    report.sources = len(importer.new_sources)
    report.drafts = sum(item.statement.status == StatementStatus.DRAFT for item in planned)
    if commit:
        with transaction.atomic(), recompute_once():
            importer.write(planned, progress)
        report.committed = True
    return report


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _stance(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in Stance.values else None
    text = _text(value)
    if text in STANCES:
        return STANCES[text]
    try:
        number = int(text)
    except ValueError:
        return None
    return number if number in Stance.values else None

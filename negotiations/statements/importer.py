"""Bulk import of statements from the CSV the API exports, or from JSON.

Two steps: :func:`read_rows` turns a file into row dicts, :func:`import_statements`
parses every row and checks them all with the statements service (the rules every
surface shares: who may create what, plausibility, one negotiation, the
workflow), collects every error, and writes only a file without any, all or
nothing, in one transaction, through the same service. A dry run
(``commit=False``) checks and counts but writes nothing. Whatever the file's size,
what it names is looked up with one query per kind, and the service checks and
writes it in a fixed number of queries (``check_new_statements``,
``statements_create``): 5,000 rows take seconds.

The admin's confirmed import runs in the background: :func:`import_job_submit`
queues an ImportJob for a worker (statements.tasks), :func:`import_job_run` imports
its file and records how far it got and what came of it.

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
import hashlib
import io
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from actors.models import Actor
from core.dates import FuzzyDateError, parse_fuzzy_date
from core.spreadsheets import restore
from negotiations import targets
from negotiations.models import (
    TARGET_FIELDS,
    Basis,
    Claim,
    ImportJob,
    ImportJobStatus,
    Negotiation,
    Source,
    Stance,
    Statement,
    StatementStatus,
)
from negotiations.statements import services

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ImportFileError",
    "ImportReport",
    "RowError",
    "import_job_fail",
    "import_job_run",
    "import_job_submit",
    "import_statements",
    "read_rows",
]

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An import job records how many rows it has read every this many rows.
PROGRESS_STEP = 250

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
                # A cell the API neutralised for spreadsheets reads back as it was.
                row = {
                    name: restore(record[i]) if i < len(record) else ""
                    for i, name in enumerate(header)
                }
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
    claims: list[Claim]


class _Lookups:
    """Everything the file names, read with one query per kind whatever its size:
    negotiations, actors (speakers, sides, subjects, publishers), sources, and each kind
    of target (with what its title and negotiation need)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        negotiations: set[str] = set()
        slugs: set[str] = set()
        publishers: set[str] = set()
        urls: set[str] = set()
        source_ids: set[int] = set()
        titles: set[str] = set()
        target_ids: dict[str, set[int]] = defaultdict(set)
        for row in rows:
            if "_invalid" in row:
                continue
            text = {name: _text(row.get(name)) for name in COLUMNS if name != "claims"}
            negotiations.add(text["negotiation"])
            slugs |= {text["speaker"], text["on_behalf_of"]}
            publishers.add(text["source_publisher"])
            if text["source_url"]:
                urls.add(text["source_url"])
            elif isinstance(row.get("source"), int):
                source_ids.add(row["source"])
            else:
                titles.add(text["source_title"])
            for entry in _claim_entries(row.get("claims")) or []:
                parts = _claim_parts(entry)
                if isinstance(parts, str):
                    continue
                subject, _, _, target_type, target_id = parts
                slugs.add(subject)
                if target_type in TARGET_FIELDS and (number := _number(target_id)) is not None:
                    target_ids[target_type].add(number)
        slugs.discard("")
        publishers.discard("")

        self.negotiations = {
            negotiation.slug: negotiation
            for negotiation in Negotiation.objects.filter(slug__in=negotiations)
        }
        self.actors: dict[str, Actor] = {}
        # A publisher is named by an actor's slug or name: the oldest such actor.
        self.publishers: dict[str, Actor] = {}
        actors = Actor.objects.filter(Q(slug__in=slugs | publishers) | Q(name__in=publishers))
        for actor in actors.order_by("pk"):
            self.actors[actor.slug] = actor
            self.publishers.setdefault(actor.slug, actor)
            self.publishers.setdefault(actor.name, actor)
        found = Q()
        for lookup, values in (("url__in", urls), ("pk__in", source_ids), ("title__in", titles)):
            if values:
                found |= Q(**{lookup: values})
        sources = list(Source.objects.filter(found).order_by("pk")) if found else []
        self.sources_by_id = {source.pk: source for source in sources}
        self.sources_by_url = {source.url: source for source in sources if source.url}
        self.sources_by_title: dict[str, list[Source]] = defaultdict(list)
        for source in sources:
            self.sources_by_title[source.title].append(source)
        self.targets = {
            (kind, target.pk): target
            for kind, ids in target_ids.items()
            for target in targets.of_negotiation(kind, None).filter(pk__in=ids)
        }

    def titled_source(
        self, title: str, publisher: Actor | None, publisher_name: str, published
    ) -> Source | None:
        """The oldest stored source with that title, publisher and publication date."""
        for source in self.sources_by_title.get(title, ()):
            same_publisher = (
                source.publisher_id == publisher.pk
                if publisher
                else source.publisher_name == publisher_name
            )
            if same_publisher and source.published == published:
                return source
        return None


class _Importer:
    def __init__(self, user, report: ImportReport, rows: list[dict[str, Any]]) -> None:
        self.report = report
        self.user = user
        self.lookups = _Lookups(rows)
        self.sources: dict[tuple, Source] = {}  # sources found or to create, by key
        self.new_sources: dict[tuple, Source] = {}

    def error(self, line: int, column: str, message: str) -> None:
        self.report.errors.append(RowError(line, column, message))

    # One row.

    def read(self, row: dict[str, Any]) -> _Planned | None:
        """Turn a row into an unsaved statement with its claims, or report why it cannot be.
        The rules every surface shares are checked for all rows at once (see `refused`)."""
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
            negotiation = self.lookups.negotiations.get(text["negotiation"])
            if negotiation is None:
                self.error(line, "negotiation", f"no negotiation {text['negotiation']!r}.")

        speaker = None
        if not text["speaker"]:
            self.error(line, "speaker", "is empty.")
        else:
            speaker = self.lookups.actors.get(text["speaker"])
            if speaker is None:
                self.error(line, "speaker", f"no actor {text['speaker']!r}.")

        on_behalf_of = None
        if text["on_behalf_of"]:
            on_behalf_of = self.lookups.actors.get(text["on_behalf_of"])
            if on_behalf_of is None:
                self.error(line, "on_behalf_of", f"no actor {text['on_behalf_of']!r}.")

        source = self.check_source(row, text, line)

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
        return _Planned(line, statement, claims)

    def check_source(self, row: dict[str, Any], text: dict[str, str], line: int) -> Source | None:
        url = text["source_url"]
        if not url and isinstance(row.get("source"), int):
            source = self.lookups.sources_by_id.get(row["source"])
            if source is None:
                self.error(line, "source", f"no source with the id {row['source']}.")
            return source
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
                return None
        publisher_name = text["source_publisher"]
        publisher = self.lookups.publishers.get(publisher_name) if publisher_name else None
        if url:
            key: tuple = ("url", url)
        else:
            key = ("title", text["source_title"], publisher_name, published)
        if key in self.sources:
            return self.sources[key]
        if url:
            source = self.lookups.sources_by_url.get(url)
        elif text["source_title"] and publisher_name:
            source = self.lookups.titled_source(
                text["source_title"], publisher, publisher_name, published
            )
        else:
            source = None
        if source is None:
            missing = [name for name in ("source_title", "source_publisher") if not text[name]]
            if missing:
                for name in missing:
                    where = f"no source at {url}" if url else "no source_url and no source found"
                    self.error(line, name, f"{where}: give source_title and source_publisher.")
                return None
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
                return None
            self.new_sources[key] = source
        self.sources[key] = source
        return source

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
        entries = _claim_entries(value)
        if entries is None:
            self.error(line, "claims", "expected text or a list of claims.")
            return []
        claims = []
        for number, entry in enumerate(entries, start=1):
            claim = self.check_claim(entry, line, f"claim {number}")
            if claim is not None:
                claims.append(claim)
        return claims

    def check_claim(self, entry: Any, line: int, where: str) -> Claim | None:
        parts = _claim_parts(entry)
        if isinstance(parts, str):
            self.error(line, "claims", f"{where}: {parts}")
            return None
        subject_slug, stance_text, basis, target_type, target_id = parts

        ok = True
        subject = self.lookups.actors.get(subject_slug) if subject_slug else None
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
            number = _number(target_id)
            if number is None:
                self.error(line, "claims", f"{where}: target id {target_id!r} is not a number.")
                return None
            target = self.lookups.targets.get((target_type, number))
            if target is None:
                self.error(line, "claims", f"{where}: no {target_type} with the id {number}.")
                ok = False
        if not ok:
            return None
        return Claim(subject=subject, stance=stance, basis=basis, **{target_type: target})

    # All rows.

    def refused(
        self,
        planned: list[_Planned],
        refusals: list[services.Forbidden | services.Refused | None],
    ) -> None:
        """Report the service's refusals of the planned rows under their lines and columns."""
        for item, refusal in zip(planned, refusals, strict=True):
            if isinstance(refusal, services.Forbidden):
                self.error(item.line, "", str(refusal))
            elif refusal is not None:
                for field, errors in refusal.error_dict.items():
                    for error in errors:
                        if error.code == "repeated":  # an earlier row of the file
                            first = planned[error.params["index"]].line
                            message = f"repeats line {first} (same speaker, date and quote)."
                        else:
                            message = " ".join(error.messages)
                        self.error(item.line, COLUMN_OF.get(field, field), message)


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
    as rows are read, then again as they are written.

    The rules are checked by the statements service for all rows at once (a fixed number
    of queries whatever the file's size); on commit, again inside the transaction that
    writes them, so what changed since the dry run is refused too.
    """
    report = ImportReport(rows=len(rows))
    if len(rows) > MAX_ROWS:
        report.errors.append(
            RowError(1, "", f"The file has {len(rows):,} rows; the limit is {MAX_ROWS:,}.")
        )
        return report
    importer = _Importer(user, report, rows)
    planned: list[_Planned] = []
    for row in rows:
        item = importer.read(row)
        if item is not None:
            planned.append(item)
        if progress:
            progress(1)
    items = [(item.statement, item.claims) for item in planned]
    if commit and not report.errors:
        try:
            services.statements_create(items, user=user, progress=progress)
            report.committed = True
        except services.BatchRefused as refused:
            importer.refused(planned, refused.refusals)
    else:
        importer.refused(planned, services.check_new_statements(items, user=user))
    report.errors.sort(key=lambda error: error.line)
    if report.errors:
        return report
    report.created = len(planned)
    report.claims = sum(len(item.claims) for item in planned)
    report.sources = len(importer.new_sources)
    report.drafts = sum(item.statement.status == StatementStatus.DRAFT for item in planned)
    return report


# --- in the background ----------------------------------------------------------------------


def import_job_submit(*, user, name: str, data: bytes, sha256: str) -> ImportJob:
    """Queue the import of a checked file for a worker (statements.tasks.run_import_job).

    `sha256` is the checked file's: the job imports exactly that file, or nothing.
    """
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError("The file is not the one that was checked.")
    job = ImportJob.objects.create(user=user, file_name=name, file_sha256=sha256, data=data)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from negotiations.statements.tasks import run_import_job

    try:
        run_import_job.delay(job_id)
    except (KombuOperationalError, OSError) as error:
        logger.warning("Broker unreachable (%s): import job %s not started.", error, job_id)
        import_job_fail(job_id=job_id, reason="The task queue could not be reached.")


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Check the job's file again and write it, all or nothing, recording on the job how
    far it got and what came of it (the summary and every row error).

    Safe to run twice: only a queued job is taken. On a database error nothing was
    written and the job is queued again, for the task's retry.
    """
    now = timezone.now()
    queued = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.QUEUED)
    if not queued.update(status=ImportJobStatus.RUNNING, started_at=now):
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    data = bytes(job.data)
    if hashlib.sha256(data).hexdigest() != job.file_sha256:
        return _finish(job, ImportJobStatus.FAILED, "The stored file is not the one checked.")
    if job.user is None:
        return _finish(job, ImportJobStatus.FAILED, "The account that confirmed it is gone.")
    try:
        rows = read_rows(data, job.file_name)
    except ImportFileError as error:
        return _finish(job, ImportJobStatus.FAILED, str(error))
    ImportJob.objects.filter(pk=job.pk).update(rows_total=len(rows))
    try:
        report = import_statements(
            rows, user=job.user, commit=True, progress=_JobProgress(job.pk, len(rows))
        )
    except DatabaseError:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.QUEUED, rows_done=0)
        raise
    status = ImportJobStatus.DONE if report.committed else ImportJobStatus.FAILED
    return _finish(job, status, report.summary(), report.errors)


def import_job_fail(*, job_id: int, reason: str) -> None:
    """Mark a job that will not run (or gave up) as failed; a finished one stays as it is."""
    job = ImportJob.objects.filter(pk=job_id).exclude(status=ImportJobStatus.DONE).first()
    if job is not None:
        _finish(job, ImportJobStatus.FAILED, reason)


def _finish(
    job: ImportJob, status: str, summary: str, errors: list[RowError] | tuple = ()
) -> ImportJob:
    if status == ImportJobStatus.FAILED and "nothing was imported" not in summary.lower():
        summary = f"{summary} Nothing was imported."
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        summary=summary,
        row_errors=[
            {"line": error.line, "column": error.column, "message": error.message}
            for error in errors
        ],
        finished_at=timezone.now(),
        data=b"",  # done with: the hash stays
    )
    job.refresh_from_db()
    return job


class _JobProgress:
    """Record on the job how many rows have been read and checked, every PROGRESS_STEP
    rows. The write that follows is one transaction: it shows when it is done."""

    def __init__(self, job_id: int, total: int) -> None:
        self.job_id, self.total = job_id, total
        self.seen = self.recorded = 0

    def __call__(self, rows: int) -> None:
        self.seen += rows
        done = min(self.seen, self.total)
        if done - self.recorded >= PROGRESS_STEP or (done == self.total > self.recorded):
            ImportJob.objects.filter(pk=self.job_id).update(rows_done=done)
            self.recorded = done


def _claim_entries(value: Any) -> list | None:
    """The claims of a row (none for an empty cell), or None when the cell cannot hold any."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, list):
        return value
    return None


def _claim_parts(entry: Any) -> tuple[str, Any, str, str, Any] | str:
    """Return a claim's subject, stance, basis, target type and target id as written,
    or what is wrong with it."""
    if isinstance(entry, str):
        parts = entry.split()
        if len(parts) not in (3, 4) or ":" not in parts[2]:
            return f"{entry!r} is not `subject stance target_type:target_id basis`."
        subject_slug, stance_text, target = parts[:3]
        basis = parts[3] if len(parts) == 4 else Basis.OWN
        target_type, _, target_id = target.partition(":")
        return subject_slug, stance_text, basis, target_type, target_id
    if isinstance(entry, dict):
        return (
            _text(entry.get("subject")),
            entry.get("stance", entry.get("stance_value")),
            _text(entry.get("basis")) or Basis.OWN,
            _text(entry.get("target_type")),
            entry.get("target_id"),
        )
    return f"expected an object, got {entry!r:.40}."


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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

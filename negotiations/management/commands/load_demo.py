"""Load the demo negotiation from YAML: `python manage.py load_demo [--path FILE]`.

Every row is matched on its natural key and written only when it is new or
differs from the file, so a second run writes nothing: primary keys and
`updated_at` stay put, and no position recompute is triggered. The whole load is
one transaction; bad data raises CommandError naming the YAML entry and leaves
the database untouched. A key the loader does not know (a typo, or the rest of
an unquoted text cut at a comma in a `{...}` mapping) is refused with the file
and line, since it would otherwise be dropped without a word.
"""

from __future__ import annotations

import datetime
import difflib
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from actors.models import Actor, Affiliation, Alias
from core.dates import FuzzyDate, FuzzyDateError, parse_fuzzy_date
from negotiations.models import (
    TARGET_FIELDS,
    Basis,
    Claim,
    Demand,
    Issue,
    Negotiation,
    Participant,
    Proposal,
    Provision,
    Source,
    Stance,
    Statement,
    StatementStatus,
)
from negotiations.positions.signals import recompute_once
from negotiations.statements import services

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "demo" / "gaza-2024.yaml"
STANCES = {label: value for value, label in Stance.choices}


class Command(BaseCommand):
    help = "Load the demo negotiation from a YAML file; running it again changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", type=Path, default=DEFAULT_PATH, help="YAML file to load.")

    def handle(self, *args, path: Path, verbosity: int, **options) -> None:
        data = _read(path)
        loader = _Loader(self, verbosity, str(path))
        with transaction.atomic(), recompute_once():
            loader.load(data)
        loader.say(loader.summary())


# The keys each kind of entry may have.
KEYS = {
    "file": {
        "negotiation",
        "actors",
        "participants",
        "issues",
        "proposals",
        "demands",
        "sources",
        "statements",
    },
    "negotiation": {"slug", "title", "start", "end", "summary"},
    "actor": {
        "name",
        "kind",
        "parent",
        "country",
        "wikidata_id",
        "description",
        "aliases",
        "affiliations",
    },
    "alias": {"name", "language"},
    "affiliation": {"organization", "role", "start", "end"},
    "participant": {"actor", "role", "side"},
    "issue": {"slug", "title", "parent", "order", "description"},
    "proposal": {
        "slug",
        "title",
        "proposed_by",
        "presented",
        "supersedes",
        "summary",
        "document_url",
        "provisions",
    },
    "provision": {"phase", "order", "issue", "text"},
    "provision reference": {"proposal", "phase", "order"},
    "demand": {"key", "actor", "issue", "text"},
    "source": {"key", "publisher", "publisher_name", "title", "url", "published", "language"},
    "statement": {
        "speaker",
        "source",
        "date",
        "status",
        "retraction_reason",
        "quote",
        "quote_language",
        "translation",
        "summary",
        "claims",
    },
    "claim": {"subject", "stance", "basis", *TARGET_FIELDS},
}


class Entry(dict):
    """A YAML mapping that remembers the line of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings say where they are, and that refuses repeated keys."""

    path = ""

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        entry = Entry()
        entry.line, entry.key_lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in entry:
                raise CommandError(f"{self.path}:{line}: {key!r} is given twice.")
            entry[key] = self.construct_object(value_node, deep=True)
            entry.key_lines[key] = line
        return entry


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


def _read(path: Path) -> dict[str, Any]:
    loader_class = type("Loader", (_LineLoader,), {"path": str(path)})
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader_class)  # noqa: S506 - safe
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    except yaml.YAMLError as error:
        raise CommandError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise CommandError(f"{path}: expected a mapping with negotiation, actors, … at the top.")
    _check_keys(data, "file", "the file", str(path))
    return data


def _check_keys(entry: Any, kind: str, where: str, path: str) -> None:
    """Refuse a key that an entry of this kind does not have, naming file and line."""
    if not isinstance(entry, Entry):
        return
    allowed = KEYS[kind]
    for key in entry:
        if key in allowed:
            continue
        line = entry.key_lines.get(key, entry.line)
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else f"expected one of {', '.join(sorted(allowed))}; "
            "a text with a comma in a {...} mapping must be quoted."
        )
        raise CommandError(f"{path}:{line}: {where} has an unknown key {key!r}: {hint}")


class _Loader:
    """Walk the YAML sections in dependency order, keeping what each one created."""

    def __init__(self, command: BaseCommand, verbosity: int, path: str = "") -> None:
        self.command = command
        self.verbosity = verbosity
        self.path = path
        self.written = 0
        self.counts: dict[str, int] = {}
        self.actors: dict[str, Actor] = {}
        self.issues: dict[str, Issue] = {}
        self.proposals: dict[str, Proposal] = {}
        self.demands: dict[str, Demand] = {}
        self.sources: dict[str, Source] = {}

    def say(self, line: str) -> None:
        if self.verbosity >= 1:
            self.command.stdout.write(line)

    def summary(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"Loaded {counts}; {self.written} rows created or changed."

    def load(self, data: dict[str, Any]) -> None:
        self.negotiation = self.load_negotiation(_get(data, "negotiation", "the file"))
        for section in (
            "actors",
            "participants",
            "issues",
            "proposals",
            "demands",
            "sources",
            "statements",
        ):
            before = self.written
            getattr(self, f"load_{section}")(data.get(section) or [])
            self.say(f"{section.capitalize()}: {self.written - before} rows written.")

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def check(self, entry: Any, kind: str, where: str) -> None:
        _check_keys(entry, kind, where, self.path)

    # --- Sections ------------------------------------------------------------

    def load_negotiation(self, entry: dict[str, Any]) -> Negotiation:
        where = "negotiation"
        self.check(entry, "negotiation", where)
        return self.upsert(
            Negotiation,
            where,
            {"slug": _get(entry, "slug", where)},
            title=_get(entry, "title", where),
            summary=entry.get("summary", ""),
            start=_day(_get(entry, "start", where), where),
            end=_day(entry.get("end"), where),
        )

    def load_actors(self, entries: dict[str, dict[str, Any]]) -> None:
        self.count("actors", len(entries))
        for slug in _parents_first(entries):
            entry, where = entries[slug], f"actors.{slug}"
            self.check(entry, "actor", where)
            self.actors[slug] = self.upsert(
                Actor,
                where,
                {"slug": slug},
                name=_get(entry, "name", where),
                kind=_get(entry, "kind", where),
                parent=self.lookup(self.actors, entry.get("parent"), "actor", where),
                country=entry.get("country", ""),
                wikidata_id=entry.get("wikidata_id", ""),
                description=entry.get("description", ""),
            )
        # Affiliations may name an organisation listed after the person.
        for slug, entry in entries.items():
            where = f"actors.{slug}"
            for alias in entry.get("aliases", []):
                self.check(alias, "alias", f"{where} alias")
                name = _get(alias, "name", where)
                self.upsert(
                    Alias,
                    f"{where} alias {name!r}",
                    {"actor": self.actors[slug], "name": name},
                    language=alias.get("language", ""),
                )
            for aff in entry.get("affiliations", []):
                aff_where = f"{where} affiliation"
                self.check(aff, "affiliation", aff_where)
                self.upsert(
                    Affiliation,
                    aff_where,
                    {
                        "person": self.actors[slug],
                        "organization": self.actor(_get(aff, "organization", aff_where), where),
                        "role": aff.get("role", ""),
                    },
                    start=_day(aff.get("start"), aff_where),
                    end=_day(aff.get("end"), aff_where),
                )
            self.count("aliases", len(entry.get("aliases", [])))
            self.count("affiliations", len(entry.get("affiliations", [])))

    def load_participants(self, entries: list[dict[str, Any]]) -> None:
        self.count("participants", len(entries))
        for i, entry in enumerate(entries):
            where = f"participants[{i}]"
            self.check(entry, "participant", where)
            self.upsert(
                Participant,
                where,
                {"negotiation": self.negotiation, "actor": self.actor(entry.get("actor"), where)},
                role=_get(entry, "role", where),
                side=entry.get("side", ""),
            )

    def load_issues(self, entries: list[dict[str, Any]]) -> None:
        self.count("issues", len(entries))
        for i, entry in enumerate(entries):
            slug = _get(entry, "slug", f"issues[{i}]")
            where = f"issues.{slug}"
            self.check(entry, "issue", where)
            self.issues[slug] = self.upsert(
                Issue,
                where,
                {"negotiation": self.negotiation, "slug": slug},
                title=_get(entry, "title", where),
                parent=self.lookup(self.issues, entry.get("parent"), "issue (listed above)", where),
                description=entry.get("description", ""),
                order=entry.get("order", 0),
            )

    def load_proposals(self, entries: list[dict[str, Any]]) -> None:
        self.count("proposals", len(entries))
        for i, entry in enumerate(entries):
            slug = _get(entry, "slug", f"proposals[{i}]")
            where = f"proposals.{slug}"
            self.check(entry, "proposal", where)
            presented = _fuzzy(_get(entry, "presented", where), None, where)
            proposal = self.upsert(
                Proposal,
                where,
                {"negotiation": self.negotiation, "slug": slug},
                title=_get(entry, "title", where),
                proposed_by=self.lookup(self.actors, entry.get("proposed_by"), "actor", where),
                presented_earliest=presented.earliest,
                presented_latest=presented.latest,
                supersedes=self.lookup(
                    self.proposals, entry.get("supersedes"), "proposal (listed above)", where
                ),
                summary=entry.get("summary", ""),
                document_url=entry.get("document_url", ""),
            )
            self.proposals[slug] = proposal
            for provision in entry.get("provisions", []):
                phase, order = provision.get("phase", 1), provision.get("order", 0)
                p_where = f"{where} provision {phase}.{order}"
                self.check(provision, "provision", p_where)
                self.upsert(
                    Provision,
                    p_where,
                    {"proposal": proposal, "phase": phase, "order": order},
                    text=_get(provision, "text", p_where),
                    issue=self.lookup(self.issues, provision.get("issue"), "issue", p_where),
                )
            self.count("provisions", len(entry.get("provisions", [])))

    def load_demands(self, entries: list[dict[str, Any]]) -> None:
        self.count("demands", len(entries))
        for i, entry in enumerate(entries):
            key = _get(entry, "key", f"demands[{i}]")
            where = f"demands.{key}"
            self.check(entry, "demand", where)
            self.demands[key] = self.upsert(
                Demand,
                where,
                {
                    "actor": self.actor(entry.get("actor"), where),
                    "issue": self.lookup(self.issues, _get(entry, "issue", where), "issue", where),
                    "text": _get(entry, "text", where),
                },
            )

    def load_sources(self, entries: list[dict[str, Any]]) -> None:
        self.count("sources", len(entries))
        for i, entry in enumerate(entries):
            key = _get(entry, "key", f"sources[{i}]")
            where = f"sources.{key}"
            self.check(entry, "source", where)
            values = {
                "url": entry.get("url", ""),
                "title": _get(entry, "title", where),
                "publisher": self.lookup(self.actors, entry.get("publisher"), "actor", where),
                "publisher_name": entry.get("publisher_name", ""),
                "published": _day(entry.get("published"), where),
                "language": entry.get("language", ""),
            }
            if values["url"]:
                lookup = {"url": values.pop("url")}
            else:
                lookup = {k: values.pop(k) for k in ("title", "publisher", "publisher_name")}
            self.sources[key] = self.upsert(Source, where, lookup, **values)

    def load_statements(self, entries: list[dict[str, Any]]) -> None:
        """Write each statement with its claims through the statements service."""
        self.count("statements", len(entries))
        seen: set[tuple[int, int, FuzzyDate]] = set()
        for i, entry in enumerate(entries):
            where = f"statements[{i}]"
            self.check(entry, "statement", where)
            speaker = self.actor(_get(entry, "speaker", where), where)
            source = self.lookup(self.sources, _get(entry, "source", where), "source", where)
            date = _fuzzy(_get(entry, "date", where), source.published, where)
            where = f"statements[{i}] ({speaker.slug}, {entry['source']}, {entry['date']})"
            if (speaker.pk, source.pk, date) in seen:
                raise CommandError(
                    f"{where}: another statement has the same speaker, source and date."
                )
            seen.add((speaker.pk, source.pk, date))
            lookup = {
                "negotiation": self.negotiation,
                "speaker": speaker,
                "source": source,
                "date_earliest": date.earliest,
                "date_latest": date.latest,
            }
            values = {
                "quote": entry.get("quote", ""),
                "quote_language": entry.get("quote_language", ""),
                "translation": entry.get("translation", ""),
                "summary": entry.get("summary", ""),
                "status": entry.get("status", StatementStatus.PUBLISHED),
                "retraction_reason": entry.get("retraction_reason", ""),
            }
            statement = Statement.objects.filter(**lookup).first()
            changed = statement is None or any(
                _differs(statement, name, value) for name, value in values.items()
            )
            if statement is None:
                statement = Statement(**lookup, **values)
            else:
                for name, value in values.items():
                    setattr(statement, name, value)
            claims, deleted = self.claims_of(statement, entry.get("claims", []), where)
            if not (changed or claims or deleted):
                continue
            # A statement on the record as retracted was published first, then retracted.
            retract = statement.pk is None and statement.status == StatementStatus.RETRACTED
            if retract:
                statement.status = StatementStatus.PUBLISHED
            try:
                services.statement_save(statement, user=None, claims=claims, deleted_claims=deleted)
                if retract:
                    services.statement_transition(
                        statement=statement,
                        to=StatementStatus.RETRACTED,
                        user=None,
                        reason=values["retraction_reason"],
                    )
            except services.Refused as error:
                raise CommandError(f"{where}: {_messages(error)}") from error
            self.written += 1 + len(claims) + len(deleted)

    def claims_of(
        self, statement: Statement, entries: list[dict[str, Any]], where: str
    ) -> tuple[list[Claim], list[Claim]]:
        """Return the statement's claims to write (new or changed) and those coded away."""
        existing = list(statement.claims.all()) if statement.pk else []
        kept, to_save, keys = set(), [], set()
        for j, entry in enumerate(entries):
            c_where = f"{where} claims[{j}]"
            self.check(entry, "claim", c_where)
            stance = _get(entry, "stance", c_where)
            if stance not in STANCES:
                raise CommandError(f"{c_where}: stance must be one of {', '.join(STANCES)}.")
            wanted = Claim(
                subject=self.actor(entry.get("subject"), c_where),
                basis=entry.get("basis", Basis.OWN),
                stance=STANCES[stance],
                **self.target(entry, c_where),
            )
            key = _claim_key(wanted)
            if key in keys:
                raise CommandError(f"{c_where}: repeats an earlier claim of this statement.")
            keys.add(key)
            same = [c for c in existing if _claim_key(c) == key]
            if not same:
                to_save.append(wanted)
                continue
            claim = same[0]
            kept.add(claim.pk)
            if claim.stance != wanted.stance:
                claim.stance = wanted.stance
                to_save.append(claim)
        self.count("claims", len(entries))
        # Claims coded away in the file go away in the database.
        return to_save, [c for c in existing if c.pk not in kept]

    # --- Lookups -------------------------------------------------------------

    def target(self, entry: dict[str, Any], where: str) -> dict[str, Any]:
        named = [name for name in TARGET_FIELDS if entry.get(name) is not None]
        if len(named) != 1:
            raise CommandError(f"{where}: name exactly one of {', '.join(TARGET_FIELDS)}.")
        target: dict[str, Any] = dict.fromkeys(TARGET_FIELDS)
        name, key = named[0], entry[named[0]]
        if name == "proposal":
            target[name] = self.lookup(self.proposals, key, "proposal", where)
        elif name == "demand":
            target[name] = self.lookup(self.demands, key, "demand", where)
        elif name == "issue":
            target[name] = self.lookup(self.issues, key, "issue", where)
        else:
            self.check(key, "provision reference", where)
            proposal = self.lookup(self.proposals, _get(key, "proposal", where), "proposal", where)
            target[name] = Provision.objects.filter(
                proposal=proposal, phase=key.get("phase", 1), order=key.get("order", 0)
            ).first()
            if target[name] is None:
                raise CommandError(f"{where}: {proposal.slug} has no provision {key}.")
        return target

    def actor(self, slug: Any, where: str) -> Actor:
        return self.lookup(self.actors, _required(slug, "actor", where), "actor", where)

    @staticmethod
    def lookup(table: dict[str, Any], key: Any, kind: str, where: str) -> Any:
        if key is None:
            return None
        try:
            return table[key]
        except (KeyError, TypeError):
            raise CommandError(f"{where}: unknown {kind} {key!r}.") from None

    # --- Writing -------------------------------------------------------------

    def upsert(self, model: type[models.Model], where: str, lookup: dict, **values: Any) -> Any:
        """Return the row matching `lookup` with `values`, saving only if it is new or differs."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
        elif any(_differs(obj, name, value) for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
        else:
            return obj
        try:
            obj.full_clean()
        except ValidationError as error:
            raise CommandError(f"{where}: {_messages(error)}") from error
        obj.save()
        self.written += 1
        return obj


# --- Values ------------------------------------------------------------------------


def _parents_first(entries: dict[str, Any]) -> list[str]:
    """Order the actor slugs so that every parent comes before its children."""
    ordered: list[str] = []

    def place(slug: str, children: tuple[str, ...]) -> None:
        if slug in ordered:
            return
        if slug in children:
            raise CommandError(f"actors.{slug}: it is its own ancestor.")
        entry = entries[slug]
        parent = entry.get("parent") if isinstance(entry, dict) else None
        if parent in entries:
            place(parent, (*children, slug))
        ordered.append(slug)

    for slug in entries:
        place(slug, ())
    return ordered


def _get(entry: Any, key: str, where: str) -> Any:
    if not isinstance(entry, dict):
        raise CommandError(f"{where}: expected a mapping, got {entry!r}.")
    return _required(entry.get(key), key, where)


def _required(value: Any, key: str, where: str) -> Any:
    if value is None or value == "":
        raise CommandError(f"{where}: {key} is missing.")
    return value


def _day(value: Any, where: str) -> datetime.date | None:
    """Read an exact day, which YAML gives as a date when it is written unquoted."""
    if value is None or isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise CommandError(f"{where}: {value!r} is not a day such as 2024-08-19.") from None


def _fuzzy(value: Any, reference: datetime.date | None, where: str) -> FuzzyDate:
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    try:
        return parse_fuzzy_date(text, reference=reference)
    except FuzzyDateError as error:
        raise CommandError(f"{where}: {error}") from error


def _claim_key(claim: Claim) -> tuple:
    """What identifies a claim within its statement in the file: all but its stance."""
    return (claim.subject_id, claim.basis, claim.target_type, claim.target_id)


def _differs(obj: models.Model, name: str, value: Any) -> bool:
    field = obj._meta.get_field(name)
    if field.is_relation:
        # Compare ids so that an unchanged link costs no query.
        return getattr(obj, field.attname) != (value.pk if value is not None else None)
    return getattr(obj, name) != value


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)

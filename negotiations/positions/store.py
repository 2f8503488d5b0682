"""Keep the Position table: a cache of what the rules derive from published claims.

`recompute()` rewrites the rows of some (actor, target) pairs (the signals and
the outbox call it after a change); `rebuild()` throws every row away and
derives them all again, a negotiation at a time, from one read of its claims.
Both feed the claims through the same functions, so they cannot disagree.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from psycopg.types.json import Jsonb

from negotiations.models import (
    TARGET_FIELDS,
    Claim,
    DataVersion,
    Negotiation,
    Position,
    Proposal,
    Provision,
    TargetType,
)
from negotiations.positions.rules import Fact, Step, derive

# (actor id, target type, target id): the unit of recomputation.
Key = tuple[int, str, int]


def pairs(subject_id: int, target_type: str, target_id: int, issue_of: dict) -> list[Key]:
    """Return the pairs a claim bears on: its target's, and for a provision the issue's.

    `issue_of` maps provision ids to the issue each addresses. This is the one
    place that says which positions a claim can feed (see the rules: a claim on
    a proposal or a demand feeds that target only).
    """
    found = [(subject_id, target_type, target_id)]
    if target_type == TargetType.PROVISION and (issue_id := issue_of.get(target_id)):
        found.append((subject_id, TargetType.ISSUE, issue_id))
    return found


def keys_for_claim(claim: Claim) -> set[Key]:
    """Return every (actor, target) pair whose positions the claim may feed."""
    return keys_for_claims([claim])


def keys_for_claims(claims: Iterable[Claim]) -> set[Key]:
    """Return every pair the claims may feed, with one query for the provisions' issues."""
    claims = list(claims)
    provisions = {claim.provision_id for claim in claims if claim.provision_id}
    issue_of = {}
    if provisions:
        issue_of = dict(Provision.objects.filter(pk__in=provisions).values_list("pk", "issue"))
    return {
        key
        for claim in claims
        for key in pairs(claim.subject_id, claim.target_type, claim.target_id, issue_of)
    }


@dataclass(frozen=True)
class Texts:
    """What the rules need to know of a negotiation's texts."""

    issue_of: dict[int, int | None]  # provision -> the issue it addresses
    proposal_of: dict[int, int]  # provision -> its proposal
    superseded: dict[int, datetime.date]  # proposal -> when a newer version was presented

    @classmethod
    def of(cls, negotiation_id: int) -> Texts:
        rows = Provision.objects.filter(proposal__negotiation=negotiation_id).values_list(
            "pk", "proposal", "issue"
        )
        return cls(
            issue_of={pk: issue for pk, _, issue in rows},
            proposal_of={pk: proposal for pk, proposal, _ in rows},
            superseded=superseded_on(negotiation_id),
        )

    def on_the_table(self, provision_id: int, day: datetime.date) -> bool:
        """Whether a claim on the provision, counting from `day`, speaks for its issue:
        not once a newer version of its proposal had been presented."""
        proposal_id = self.proposal_of.get(provision_id)
        return proposal_id not in self.superseded or day < self.superseded[proposal_id]


def superseded_on(negotiation_id: int) -> dict[int, datetime.date]:
    """Return, per proposal, the date by which a newer version had been presented."""
    rows = Proposal.objects.filter(negotiation=negotiation_id).values_list(
        "pk", "supersedes", "presented_latest"
    )
    parent = {pk: older for pk, older, _ in rows}
    superseded: dict[int, datetime.date] = {}
    for pk, older, presented in rows:
        seen = {pk}
        while older is not None and older not in seen:
            if older not in superseded or presented < superseded[older]:
                superseded[older] = presented
            seen.add(older)
            older = parent.get(older)
    return superseded


_CLAIM_COLUMNS = (
    "pk",
    "statement_id",
    "statement__negotiation_id",
    "statement__date_earliest",
    "statement__date_latest",
    "subject_id",
    *(f"{name}_id" for name in TARGET_FIELDS),
    "stance",
    "basis",
)


def _facts(claims, texts: Texts, only: Key | None = None) -> dict[Key, list[Fact]]:
    """Group published claim rows (in _CLAIM_COLUMNS) into the facts of each pair."""
    grouped: dict[Key, list[Fact]] = {}
    for row in claims.values_list(*_CLAIM_COLUMNS).order_by():
        claim_id, statement_id, _, earliest, latest, subject_id = row[:6]
        target_ids = row[6 : 6 + len(TARGET_FIELDS)]
        stance, basis = row[-2:]
        target_type, target_id = next(
            (name, pk) for name, pk in zip(TARGET_FIELDS, target_ids, strict=True) if pk
        )
        for key in pairs(subject_id, target_type, target_id, texts.issue_of):
            on_target = key[1] == target_type
            if only is not None and key != only:
                continue
            if not on_target and not texts.on_the_table(target_id, latest):
                continue
            grouped.setdefault(key, []).append(
                Fact(claim_id, statement_id, earliest, latest, stance, basis, on_target)
            )
    return grouped


def _rows(key: Key, negotiation_id: int, steps: list[Step]) -> list[Position]:
    actor_id, target_type, target_id = key
    return [
        Position(
            negotiation_id=negotiation_id,
            actor_id=actor_id,
            target_type=target_type,
            target_id=target_id,
            seq=seq,
            claim_id=step.fact.claim_id,
            statement_id=step.fact.statement_id,
            date_earliest=step.fact.date_earliest,
            date_latest=step.fact.date_latest,
            stance=step.fact.stance,
            basis=step.fact.basis,
            previous_stance=step.previous_stance,
            change=step.change,
            contesting_claim_ids=list(step.contested_by),
        )
        for seq, step in enumerate(steps)
    ]


def compute(key: Key, texts: dict[int, Texts] | None = None) -> list[Position]:
    """Return the position history of one (actor, target) pair, unsaved, from the claims.

    `texts` keeps each negotiation's Texts for the next pair of a batch."""
    actor_id, target_type, target_id = key
    claims = Claim.objects.published().filter(subject_id=actor_id)
    if target_type == TargetType.ISSUE:
        claims = claims.filter(Q(issue=target_id) | Q(provision__issue=target_id))
    else:
        claims = claims.filter(**{f"{target_type}_id": target_id})
    negotiation_id = claims.values_list("statement__negotiation_id", flat=True).first()
    if negotiation_id is None:
        return []
    texts = {} if texts is None else texts
    if negotiation_id not in texts:
        texts[negotiation_id] = Texts.of(negotiation_id)
    facts = _facts(claims, texts[negotiation_id], only=key).get(key, [])
    return _rows(key, negotiation_id, derive(facts, target_type))


def derive_negotiation(negotiation_id: int) -> Iterator[tuple[Key, list[Position]]]:
    """Yield every pair of a negotiation with its positions, from one read of its claims.

    The same functions as `compute`, applied to all pairs at once: rebuilding a
    million statements pair by pair would be a query per pair.
    """
    claims = Claim.objects.published().filter(statement__negotiation=negotiation_id)
    grouped = _facts(claims, Texts.of(negotiation_id))
    for key in sorted(grouped):
        yield key, _rows(key, negotiation_id, derive(grouped.pop(key), key[1]))


def all_keys(negotiation: Negotiation | None = None) -> set[Key]:
    """Return every pair that has a published claim (in one negotiation, or all)."""
    claims = Claim.objects.published()
    if negotiation is not None:
        claims = claims.filter(statement__negotiation=negotiation)
    issue_of = dict(Provision.objects.values_list("pk", "issue"))
    keys: set[Key] = set()
    columns = ("subject_id", *(f"{name}_id" for name in TARGET_FIELDS))
    for subject_id, *target_ids in claims.values_list(*columns).distinct().order_by():
        target_type, target_id = next(
            (name, pk) for name, pk in zip(TARGET_FIELDS, target_ids, strict=True) if pk
        )
        keys.update(pairs(subject_id, target_type, target_id, issue_of))
    return keys


def _fingerprint(row: Position) -> tuple:
    return (row.claim_id, row.stance, row.previous_stance, row.change)


@dataclass(frozen=True)
class ChangeEvent:
    """A position change that the last recompute found for the first time."""

    position_id: int
    event_id: str


def event_id(row: Position) -> str:
    """Return an id that is the same each time the same change is derived."""
    raw = (
        f"{row.actor_id}:{row.target_type}:{row.target_id}:{row.claim_id}:"
        f"{row.previous_stance}:{row.stance}:{row.change}"
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def recompute(keys: Iterable[Key]) -> list[ChangeEvent]:
    """Rewrite the stored positions of the given pairs; return the new changes.

    Safe to run twice and concurrently: each pair is rewritten in one
    transaction under a lock on that pair, and a change counts as new only if
    the pair's previous rows did not already hold it.
    """
    events: list[ChangeEvent] = []
    texts: dict[int, Texts] = {}  # the negotiations' texts, read once for the batch
    for key in sorted(set(keys)):
        with transaction.atomic():
            _lock(key)
            stored = list(Position.objects.for_target(*key).order_by("seq"))
            rows = compute(key, texts)
            if same_rows(stored, rows):
                continue
            before = {_fingerprint(row) for row in stored}
            Position.objects.for_target(*key).delete()
            created = Position.objects.bulk_create(rows)
            events += [
                ChangeEvent(position_id=row.pk, event_id=event_id(row))
                for row in created
                if row.change and _fingerprint(row) not in before
            ]
            transaction.on_commit(DataVersion.bump)
    return events


def same_rows(stored: list[Position], computed: list[Position]) -> bool:
    """Whether two histories of one pair are the same, ids aside."""
    return [tuple(getattr(r, f) for f in COMPARED) for r in stored] == [
        tuple(getattr(r, f) for f in COMPARED) for r in computed
    ]


def _lock(key: Key) -> None:
    # Two workers recomputing the same pair would both delete and insert; a
    # transaction-scoped advisory lock makes the second wait. SQLite serialises
    # writers on its own.
    if connection.vendor == "postgresql":
        digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
            )


def rebuild(negotiation: Negotiation | None = None, progress=None) -> int:
    """Throw the stored positions away and derive them again; return the row count."""
    scope = [negotiation.pk] if negotiation else Negotiation.objects.values_list("pk", flat=True)
    with transaction.atomic():
        stale = Position.objects.all()
        if negotiation is not None:
            stale = stale.filter(negotiation=negotiation)
        stale.delete()
        count, batch = 0, []
        for negotiation_id in list(scope):
            for _key, rows in derive_negotiation(negotiation_id):
                batch += rows
                if len(batch) >= 20_000:
                    count += write_positions(batch)
                    batch = []
                if progress:
                    progress(1)
        count += write_positions(batch)
        transaction.on_commit(DataVersion.bump)
    return count


COLUMNS = tuple(field.attname for field in Position._meta.concrete_fields if not field.primary_key)
# Two rows of the same pair are the same when these agree.
COMPARED = tuple(c for c in COLUMNS if c not in ("actor_id", "target_type", "target_id"))


def write_positions(rows: list[Position]) -> int:
    """Insert new position rows: with COPY on PostgreSQL, in batches elsewhere."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        return len(Position.objects.bulk_create(rows, batch_size=1000))
    table = Position._meta.db_table
    sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    Jsonb(value) if column == "contesting_claim_ids" else value
                    for column in COLUMNS
                    for value in [getattr(row, column)]
                ]
            )
    return len(rows)

"""Where each actor stands: positions, their history, the matrix, the changes.

The rules, each tested in tests/test_positions.py:

- **Published only.** Claims of drafts, statements in review and retracted
  statements are ignored.
- **Own words first.** A position rests on the actor's own claims (basis
  `own`). Until the actor has said anything itself on the target, it rests on
  `attributed` claims (a named other actor says so). `anonymous` and `reported`
  claims never set a position; they can only contest it.
- **Fuzzy dates count once they are over.** "As of d" takes claims whose
  `date_latest` is on or before d, so a claim dated "Aug 2024" counts as of
  Aug 31.
- **Order and ties.** Claims are ordered by date_latest, date_earliest, then
  specificity (a claim on a proposal, then on a provision, then on the issue or
  demand itself), then statement and claim id. Of two claims on one day, the
  more specific one wins, then the one entered later.
- **Roll-up.** A position on an *issue* is a stance toward the newest text on
  the table: it takes claims on the issue itself, on provisions that address
  it, and on proposals that have such a provision — except claims on a
  proposal (or its provisions) that a newer version had already superseded by
  the claim's date (a proposal superseding it, directly or down the line, was
  presented by then: its `presented_latest` is on or before the claim's
  `date_latest`). Such a claim still counts for the proposal itself. So
  "accepts the May text, rejects the August one", said in August, reads as
  rejecting what is on the table. Claims on a demand do not roll up: a demand
  has its own direction ("troops stay" accepted is the issue's withdrawal
  rejected), so it is shown beside the issue instead.
- **Contested.** A position is contested when a non-own claim about the same
  actor and target, dated from the position's date until the next position,
  has a stance of another sign (positive, zero, negative).
- **Changes.** Between consecutive positions: `reversed` when the stance
  changes sign between positive and negative, else `hardened` (down) or
  `softened` (up). On a demand, the first positive stance is a `new_demand`
  and a later fall to zero or below is `dropped`; a demand raised again is a
  `new_demand` again.

The positions are stored in `Position` (a cache of the claims): `recompute()`
rewrites the rows of some (actor, target) pairs, `rebuild()` all of them.
"""

from __future__ import annotations

import datetime
import hashlib
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from actors.models import Actor
from negotiations.models import (
    Basis,
    ChangeKind,
    Claim,
    DataVersion,
    Demand,
    Issue,
    Negotiation,
    ParticipantRole,
    Position,
    Proposal,
    Provision,
    TargetType,
)

Target = Issue | Proposal | Provision | Demand
# (actor id, target type, target id): the unit of recomputation.
Key = tuple[int, str, int]

_SPECIFICITY = {"proposal": 0, "provision": 1, "issue": 2, "demand": 2}


class Convergence:
    CONVERGED = "converged"
    NARROWING = "narrowing"
    APART = "apart"
    UNKNOWN = "unknown"


def _sign(stance: int) -> int:
    return (stance > 0) - (stance < 0)


def target_key(target: Target) -> tuple[str, int]:
    return TargetType(type(target).__name__.lower()).value, target.pk


def keys_for_claim(claim: Claim) -> set[Key]:
    """Return every (actor, target) pair whose positions the claim feeds."""
    subject = claim.subject_id
    if claim.issue_id:
        return {(subject, TargetType.ISSUE, claim.issue_id)}
    if claim.demand_id:
        return {(subject, TargetType.DEMAND, claim.demand_id)}
    if claim.provision_id:
        keys = {(subject, TargetType.PROVISION, claim.provision_id)}
        issue_id = Provision.objects.filter(pk=claim.provision_id).values_list("issue", flat=True)
        return keys | {(subject, TargetType.ISSUE, i) for i in issue_id if i}
    issue_ids = Provision.objects.filter(proposal=claim.proposal_id, issue__isnull=False)
    return {(subject, TargetType.PROPOSAL, claim.proposal_id)} | {
        (subject, TargetType.ISSUE, i) for i in issue_ids.values_list("issue", flat=True)
    }


def _claims_on(key: Key):
    actor_id, target_type, target_id = key
    claims = Claim.objects.published().filter(subject_id=actor_id)
    if target_type == TargetType.ISSUE:
        proposals = Provision.objects.filter(issue=target_id).values("proposal")
        claims = claims.filter(
            Q(issue=target_id) | Q(provision__issue=target_id) | Q(proposal__in=proposals)
        )
    else:
        claims = claims.filter(**{f"{target_type}_id": target_id})
    return claims.select_related("statement", "provision").order_by()


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


def _rolls_up(claim: Claim, superseded: dict[int, datetime.date]) -> bool:
    proposal_id = claim.proposal_id or (claim.provision.proposal_id if claim.provision_id else None)
    if proposal_id is None or proposal_id not in superseded:
        return True
    return claim.statement.date_latest < superseded[proposal_id]


def _order(claim: Claim) -> tuple:
    kind = next(n for n in _SPECIFICITY if getattr(claim, f"{n}_id") is not None)
    statement = claim.statement
    return (
        statement.date_latest,
        statement.date_earliest,
        _SPECIFICITY[kind],
        statement.pk,
        claim.pk,
    )


def classify(previous: int | None, stance: int, target_type: str) -> str:
    """Return the ChangeKind of a move from `previous` to `stance`, or ""."""
    if target_type == TargetType.DEMAND:
        if stance > 0 and (previous is None or previous <= 0):
            return ChangeKind.NEW_DEMAND
        if previous is not None and previous > 0 and stance <= 0:
            return ChangeKind.DROPPED
    if previous is None or previous == stance:
        return ""
    if _sign(previous) * _sign(stance) < 0:
        return ChangeKind.REVERSED
    return ChangeKind.HARDENED if stance < previous else ChangeKind.SOFTENED


def claims_for(key: Key) -> list[Claim]:
    """Return the published claims that bear on one (actor, target) pair, in order."""
    claims = sorted(_claims_on(key), key=_order)
    if key[1] == TargetType.ISSUE and claims:
        superseded = superseded_on(claims[0].statement.negotiation_id)
        claims = [c for c in claims if _rolls_up(c, superseded)]
    return claims


@dataclass(frozen=True, slots=True)
class Fact:
    """What the rules read of one claim: its place in the order, stance and basis."""

    order: tuple
    claim_id: int
    statement_id: int
    negotiation_id: int
    date_earliest: datetime.date
    date_latest: datetime.date
    stance: int
    basis: str


def _fact(claim: Claim) -> Fact:
    statement = claim.statement
    return Fact(
        order=_order(claim),
        claim_id=claim.pk,
        statement_id=statement.pk,
        negotiation_id=statement.negotiation_id,
        date_earliest=statement.date_earliest,
        date_latest=statement.date_latest,
        stance=claim.stance,
        basis=claim.basis,
    )


def compute(key: Key) -> list[Position]:
    """Return the position history of one (actor, target) pair, unsaved, from the claims."""
    return derive(key, [_fact(claim) for claim in claims_for(key)])


def derive(key: Key, facts: list[Fact]) -> list[Position]:
    """Return the positions of one pair from its claims (in order, rolled up), unsaved."""
    actor_id, target_type, target_id = key
    first_own = next((f.order for f in facts if f.basis == Basis.OWN), None)
    setting, others = [], []
    for fact in facts:
        if fact.basis == Basis.OWN or (
            fact.basis == Basis.ATTRIBUTED and (first_own is None or fact.order < first_own)
        ):
            setting.append(fact)
        else:
            others.append(fact)
    if not setting:
        return []
    # `others` is in date_latest order (the order starts with it), so the claims
    # dated while a position stood are one slice, found by bisection; per-sign
    # running counts then say whether the slice holds a disagreeing stance. A
    # scan of every other claim for every position is quadratic in a long history.
    other_dates = [f.date_latest for f in others]
    running = {-1: [0], 0: [0], 1: [0]}
    for fact in others:
        sign = _sign(fact.stance)
        for s, counts in running.items():
            counts.append(counts[-1] + (s == sign))
    negotiation_id = setting[0].negotiation_id
    rows, previous = [], None
    for seq, fact in enumerate(setting):
        low = bisect_left(other_dates, fact.date_earliest)
        high = len(others)
        if seq + 1 < len(setting):
            high = bisect_left(other_dates, setting[seq + 1].date_latest)
        same = running[_sign(fact.stance)]
        contested = high > low and (high - low) > same[high] - same[low]
        rows.append(
            Position(
                negotiation_id=negotiation_id,
                actor_id=actor_id,
                target_type=target_type,
                target_id=target_id,
                seq=seq,
                claim_id=fact.claim_id,
                statement_id=fact.statement_id,
                date_earliest=fact.date_earliest,
                date_latest=fact.date_latest,
                stance=fact.stance,
                basis=fact.basis,
                previous_stance=previous,
                change=classify(previous, fact.stance, target_type),
                contested=contested,
            )
        )
        previous = fact.stance
    return rows


_PUBLISHED_CLAIMS = """
    SELECT c.id, c.statement_id, s.date_earliest, s.date_latest, c.subject_id,
           c.issue_id, c.demand_id, c.provision_id, c.proposal_id, c.stance, c.basis
    FROM negotiations_claim c
    JOIN negotiations_statement s ON s.id = c.statement_id
    WHERE s.status = 'published' AND s.negotiation_id = %s
"""


def derive_negotiation(negotiation_id: int) -> Iterator[tuple[Key, list[Position]]]:
    """Yield every pair of a negotiation with its positions, from one read of its claims.

    The same rules as `compute`, applied to all pairs at once: rebuilding a
    million statements pair by pair would be a query per pair.
    """
    provisions = Provision.objects.filter(proposal__negotiation=negotiation_id).values_list(
        "pk", "proposal", "issue"
    )
    provision_proposal, provision_issue = {}, {}
    proposal_issues: dict[int, set[int]] = {}
    for pk, proposal_id, issue_id in provisions:
        provision_proposal[pk], provision_issue[pk] = proposal_id, issue_id
        if issue_id:
            proposal_issues.setdefault(proposal_id, set()).add(issue_id)
    superseded = superseded_on(negotiation_id)

    def rolls_up(proposal_id: int, date_latest: datetime.date) -> bool:
        return proposal_id not in superseded or date_latest < superseded[proposal_id]

    groups: dict[Key, list[Fact]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_PUBLISHED_CLAIMS, [negotiation_id])
        for row in cursor.fetchall():
            claim_id, statement_id, earliest, latest, subject = row[:5]
            issue, demand, provision, proposal, stance, basis = row[5:]
            if issue:
                kind, keys = "issue", [(subject, TargetType.ISSUE, issue)]
            elif demand:
                kind, keys = "demand", [(subject, TargetType.DEMAND, demand)]
            elif provision:
                kind, keys = "provision", [(subject, TargetType.PROVISION, provision)]
                if provision_issue.get(provision) and rolls_up(
                    provision_proposal[provision], latest
                ):
                    keys.append((subject, TargetType.ISSUE, provision_issue[provision]))
            else:
                kind, keys = "proposal", [(subject, TargetType.PROPOSAL, proposal)]
                if rolls_up(proposal, latest):
                    keys += [
                        (subject, TargetType.ISSUE, i) for i in proposal_issues.get(proposal, ())
                    ]
            fact = Fact(
                order=(latest, earliest, _SPECIFICITY[kind], statement_id, claim_id),
                claim_id=claim_id,
                statement_id=statement_id,
                negotiation_id=negotiation_id,
                date_earliest=earliest,
                date_latest=latest,
                stance=stance,
                basis=basis,
            )
            for key in keys:
                groups.setdefault(key, []).append(fact)
    for key in sorted(groups):
        yield key, derive(key, sorted(groups.pop(key), key=lambda f: f.order))


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
    for key in sorted(set(keys)):
        with transaction.atomic():
            _lock(key)
            stored = list(Position.objects.for_target(*key).order_by("seq"))
            rows = compute(key)
            if _same_rows(stored, rows):
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


def _same_rows(stored: list[Position], computed: list[Position]) -> bool:
    return [tuple(getattr(r, f) for f in _COMPARED) for r in stored] == [
        tuple(getattr(r, f) for f in _COMPARED) for r in computed
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


def all_keys(negotiation: Negotiation | None = None) -> set[Key]:
    """Return every pair that has a published claim (in one negotiation, or all)."""
    claims = Claim.objects.published()
    if negotiation is not None:
        claims = claims.filter(statement__negotiation=negotiation)
    keys: set[Key] = set()
    provision_issue = dict(Provision.objects.values_list("pk", "issue"))
    proposal_issues: dict[int, set[int]] = {}
    for proposal_id, issue_id in Provision.objects.filter(issue__isnull=False).values_list(
        "proposal", "issue"
    ):
        proposal_issues.setdefault(proposal_id, set()).add(issue_id)
    fields = ("subject", "issue", "demand", "provision", "proposal")
    for subject, issue, demand, provision, proposal in claims.values_list(*fields):
        if issue:
            keys.add((subject, TargetType.ISSUE, issue))
        elif demand:
            keys.add((subject, TargetType.DEMAND, demand))
        elif provision:
            keys.add((subject, TargetType.PROVISION, provision))
            if provision_issue.get(provision):
                keys.add((subject, TargetType.ISSUE, provision_issue[provision]))
        else:
            keys.add((subject, TargetType.PROPOSAL, proposal))
            keys |= {(subject, TargetType.ISSUE, i) for i in proposal_issues.get(proposal, ())}
    return keys


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


_POSITION_COLUMNS = (
    "negotiation_id",
    "actor_id",
    "target_type",
    "target_id",
    "seq",
    "claim_id",
    "statement_id",
    "date_earliest",
    "date_latest",
    "stance",
    "basis",
    "previous_stance",
    "change",
    "contested",
)
# Two rows of the same pair are the same when these agree.
_COMPARED = tuple(c for c in _POSITION_COLUMNS if c not in ("actor_id", "target_type", "target_id"))


def write_positions(rows: list[Position]) -> int:
    """Insert new position rows: with COPY on PostgreSQL, in batches elsewhere."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        return len(Position.objects.bulk_create(rows, batch_size=1000))
    table = Position._meta.db_table
    sql = f"COPY {table} ({', '.join(_POSITION_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([getattr(row, column) for column in _POSITION_COLUMNS])
    return len(rows)


# Reading -------------------------------------------------------------------


@dataclass
class PositionAt:
    """An actor's position on a target as of a date."""

    position: Position | None
    contested_by: list[Claim] = field(default_factory=list)

    @property
    def stance(self) -> int | None:
        return self.position.stance if self.position else None

    @property
    def claim(self) -> Claim | None:
        return self.position.claim if self.position else None

    @property
    def contested(self) -> bool:
        return bool(self.contested_by)


def position(actor: Actor, target: Target, as_of: datetime.date) -> PositionAt:
    """Return the stance of `actor` on `target` as of a date, with the claims that contest it."""
    target_type, target_id = target_key(target)
    current = (
        Position.objects.for_target(actor.pk, target_type, target_id)
        .filter(date_latest__lte=as_of)
        .select_related("claim__statement")
        .order_by("-seq")
        .first()
    )
    if current is None:
        return PositionAt(position=None)
    others = [
        claim
        for claim in claims_for((actor.pk, target_type, target_id))
        if claim.pk != current.claim_id
        and claim.basis != Basis.OWN
        and current.date_earliest <= claim.statement.date_latest <= as_of
        and _sign(claim.stance) != _sign(current.stance)
    ]
    return PositionAt(position=current, contested_by=others)


def history(actor: Actor, target: Target) -> list[Position]:
    """Return the positions of `actor` on `target` in order, each with its change."""
    target_type, target_id = target_key(target)
    return list(
        Position.objects.for_target(actor.pk, target_type, target_id)
        .select_related("claim", "statement")
        .order_by("seq")
    )


def changes_queryset(
    negotiation: Negotiation,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    target_types: Iterable[str] | None = None,
):
    """Return the changes dated (by date_latest) within since..until, newest first, lazily:
    a page of them is read with LIMIT on the index position_changes."""
    rows = Position.objects.changes().filter(negotiation=negotiation)
    if since:
        rows = rows.filter(date_latest__gte=since)
    if until:
        rows = rows.filter(date_latest__lte=until)
    if target_types is not None:
        rows = rows.filter(target_type__in=list(target_types))
    return rows.select_related("actor", "statement__speaker").order_by(
        "-date_latest", "-seq", "-pk"
    )


def changes(
    negotiation: Negotiation,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    target_types: Iterable[str] | None = None,
) -> list[Position]:
    """Return every change dated (by date_latest) within since..until, newest first."""
    return list(changes_queryset(negotiation, since, until, target_types))


@dataclass
class Matrix:
    """Parties × issues as of a date."""

    as_of: datetime.date
    parties: list[Actor]
    issues: list[Issue]
    cells: dict[tuple[int, int], Position]
    convergence: dict[int, str]

    def cell(self, party: Actor, issue: Issue) -> Position | None:
        return self.cells.get((party.pk, issue.pk))


def convergence(stances: list[int]) -> str:
    """Say whether the parties' stances on one issue meet.

    `converged`: every party accepts. `narrowing`: no party rejects or resists,
    but not all accept yet. `apart`: some party rejects or resists.
    `unknown`: fewer than two parties have a position.
    """
    if len(stances) < 2:
        return Convergence.UNKNOWN
    if all(s == 2 for s in stances):
        return Convergence.CONVERGED
    if all(s >= 0 for s in stances):
        return Convergence.NARROWING
    return Convergence.APART


# The newest row on or before as_of of each pair, one index descent per pair
# (index position_latest), instead of sorting every row of the negotiation:
# the pairs come from a loose index scan (each step jumps to the next pair),
# or, when the actors and the target type are given, from their cross product.
_PAIRS_SKIP_SCAN = """
    WITH RECURSIVE pair AS (
        (SELECT actor_id, target_type, target_id FROM negotiations_position
         WHERE negotiation_id = %s
         ORDER BY actor_id, target_type, target_id LIMIT 1)
        UNION ALL
        SELECT next.* FROM pair, LATERAL (
            SELECT p.actor_id, p.target_type, p.target_id FROM negotiations_position p
            WHERE p.negotiation_id = %s
              AND (p.actor_id, p.target_type, p.target_id)
                  > (pair.actor_id, pair.target_type, pair.target_id)
            ORDER BY p.actor_id, p.target_type, p.target_id LIMIT 1
        ) next
    )
"""
_PAIRS_GIVEN = """
    WITH pair AS (
        SELECT actor_id, %s::varchar AS target_type, target_id
        FROM unnest(%s::bigint[]) AS actor(actor_id)
        CROSS JOIN unnest(%s::bigint[]) AS target(target_id)
    )
"""
_NEWEST_OF_EACH_PAIR = """
    SELECT newest.id FROM pair, LATERAL (
        SELECT p.id FROM negotiations_position p
        WHERE p.negotiation_id = %s AND p.actor_id = pair.actor_id
          AND p.target_type = pair.target_type AND p.target_id = pair.target_id
          AND p.date_latest <= %s
        ORDER BY p.date_latest DESC, p.seq DESC LIMIT 1
    ) newest
"""


def _target_ids(negotiation: Negotiation, target_type: str) -> list[int]:
    model = {"issue": Issue, "proposal": Proposal, "provision": Provision, "demand": Demand}
    rows = model[target_type].objects.all()
    if target_type == TargetType.PROVISION:
        return list(rows.filter(proposal__negotiation=negotiation).values_list("pk", flat=True))
    if target_type == TargetType.DEMAND:
        return list(rows.filter(issue__negotiation=negotiation).values_list("pk", flat=True))
    return list(rows.filter(negotiation=negotiation).values_list("pk", flat=True))


def latest_positions(
    negotiation: Negotiation,
    as_of: datetime.date,
    actor_ids: Iterable[int] | None = None,
    target_type: str | None = None,
    target_ids: Iterable[int] | None = None,
) -> list[Position]:
    """Return the newest position on or before as_of of each (actor, target) pair."""
    rows = Position.objects.filter(negotiation=negotiation, date_latest__lte=as_of)
    if actor_ids is not None:
        actor_ids = list(actor_ids)
        rows = rows.filter(actor_id__in=actor_ids)
    if target_type is not None:
        rows = rows.filter(target_type=target_type)
    rows = rows.select_related("actor")
    pair = ("actor_id", "target_type", "target_id")
    if connection.vendor == "postgresql":
        newest_params = [negotiation.pk, as_of]
        if actor_ids is not None and target_type is not None:
            if target_ids is None:
                target_ids = _target_ids(negotiation, target_type)
            sql = _PAIRS_GIVEN + _NEWEST_OF_EACH_PAIR
            params = [target_type, actor_ids, list(target_ids), *newest_params]
        else:
            sql = _PAIRS_SKIP_SCAN + _NEWEST_OF_EACH_PAIR
            params = [negotiation.pk, negotiation.pk, *newest_params]
        # Constant SQL; every value is a bound parameter.
        return list(rows.filter(pk__in=RawSQL(sql, params)).order_by(*pair))  # noqa: S611
    newest_rows: dict[tuple, Position] = {}
    for row in rows.order_by("seq"):
        newest_rows[row.actor_id, row.target_type, row.target_id] = row
    return sorted(newest_rows.values(), key=lambda row: tuple(getattr(row, f) for f in pair))


def matrix(negotiation: Negotiation, as_of: datetime.date) -> Matrix:
    """Return the parties × issues positions as of a date, with convergence per issue."""
    parties = [
        p.actor
        for p in negotiation.participants.filter(role=ParticipantRole.PARTY).select_related("actor")
    ]
    issues = list(negotiation.issues.all())
    rows = latest_positions(
        negotiation, as_of, [p.pk for p in parties], TargetType.ISSUE, [i.pk for i in issues]
    )
    cells = {(row.actor_id, row.target_id): row for row in rows}
    return Matrix(
        as_of=as_of,
        parties=parties,
        issues=issues,
        cells=cells,
        convergence={
            issue.pk: convergence(
                [cells[p.pk, issue.pk].stance for p in parties if (p.pk, issue.pk) in cells]
            )
            for issue in issues
        },
    )

"""Reading positions: the newest of each pair as of a date, the matrix, a pair's
history, the changes, and what is shown beside them.

Every read here hides positions whose statement is no longer published
(Position.objects.published()) and reads the claims that contest a position
with `with_contests`, which likewise keeps published ones only: a retraction
shows at once, before the recompute has caught up.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Max
from django.db.models.expressions import RawSQL
from django.utils import timezone

from actors.models import Actor
from negotiations import targets
from negotiations.models import (
    Claim,
    Issue,
    Negotiation,
    ParticipantRole,
    Position,
    Proposal,
    Provision,
    Statement,
    TargetType,
)
from negotiations.positions.rules import convergence


def with_contests(rows: list[Position], as_of: datetime.date | None = None) -> list[Position]:
    """Give each position its `contested_by`: the published claims that contest it,
    counting on or before `as_of` when given. One query, whatever the row count."""
    ids = {claim_id for row in rows for claim_id in row.contesting_claim_ids}
    claims = {}
    if ids:
        claims = (
            Claim.objects.published()
            .filter(pk__in=ids)
            .select_related("statement__speaker", "subject")
            .in_bulk()
        )
    for row in rows:
        row.contested_by = [
            claims[claim_id]
            for claim_id in row.contesting_claim_ids
            if claim_id in claims
            and (as_of is None or claims[claim_id].statement.date_latest <= as_of)
        ]
    return rows


# The newest row on or before as_of of each pair, one index descent per pair
# (index position_latest), instead of sorting every row of the negotiation:
# the pairs come from a loose index scan (each step jumps to the next pair),
# or, when the actors and the target type are given, from their cross product.
PAIRS_SKIP_SCAN = """
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
PAIRS_GIVEN = """
    WITH pair AS (
        SELECT actor_id, %s::varchar AS target_type, target_id
        FROM unnest(%s::bigint[]) AS actor(actor_id)
        CROSS JOIN unnest(%s::bigint[]) AS target(target_id)
    )
"""
# A position whose statement was retracted a moment ago is passed over for the
# one before it, as the recompute will make it.
NEWEST_OF_EACH_PAIR = """
    SELECT newest.id FROM pair, LATERAL (
        SELECT p.id FROM negotiations_position p
        JOIN negotiations_statement s ON s.id = p.statement_id
        WHERE p.negotiation_id = %s AND p.actor_id = pair.actor_id
          AND p.target_type = pair.target_type AND p.target_id = pair.target_id
          AND p.date_latest <= %s AND s.status = 'published'
        ORDER BY p.date_latest DESC, p.seq DESC LIMIT 1
    ) newest
"""


def _target_ids(negotiation: Negotiation, target_type: str) -> list[int]:
    return list(targets.of_negotiation(target_type, negotiation.pk).values_list("pk", flat=True))


def latest_positions(
    negotiation: Negotiation,
    as_of: datetime.date,
    actor_ids: Iterable[int] | None = None,
    target_type: str | None = None,
    target_ids: Iterable[int] | None = None,
) -> list[Position]:
    """Return the newest published position on or before as_of of each (actor, target) pair.

    The contesting claims are not read: call `with_contests(rows, as_of)` for them.
    """
    rows = Position.objects.published().filter(negotiation=negotiation, date_latest__lte=as_of)
    if actor_ids is not None:
        actor_ids = list(actor_ids)
        rows = rows.filter(actor_id__in=actor_ids)
    if target_type is not None:
        rows = rows.filter(target_type=target_type)
    if target_ids is not None:
        target_ids = list(target_ids)
        rows = rows.filter(target_id__in=target_ids)
    rows = rows.select_related("actor")
    pair = ("actor_id", "target_type", "target_id")
    if connection.vendor == "postgresql":
        newest_params = [negotiation.pk, as_of]
        if actor_ids is not None and target_type is not None:
            if target_ids is None:
                target_ids = _target_ids(negotiation, target_type)
            sql = PAIRS_GIVEN + NEWEST_OF_EACH_PAIR
            params = [target_type, actor_ids, list(target_ids), *newest_params]
        else:
            sql = PAIRS_SKIP_SCAN + NEWEST_OF_EACH_PAIR
            params = [negotiation.pk, negotiation.pk, *newest_params]
        # Constant SQL; every value is a bound parameter.
        return list(rows.filter(pk__in=RawSQL(sql, params)).order_by(*pair))  # noqa: S611
    newest_rows: dict[tuple, Position] = {}
    for row in rows.order_by("seq"):
        newest_rows[row.actor_id, row.target_type, row.target_id] = row
    return sorted(newest_rows.values(), key=lambda row: tuple(getattr(row, f) for f in pair))


def packages(
    negotiation: Negotiation,
    actor_ids: Iterable[int],
    issue_ids: Iterable[int],
    as_of: datetime.date,
) -> dict[tuple[int, int], list[Position]]:
    """Return, per (actor, issue), the actor's latest position as of a date on each
    proposal that has a provision addressing the issue: shown beside the issue,
    never counted in it. Each row carries its `proposal`. Two queries."""
    addressed: dict[int, list[int]] = {}
    proposals: dict[int, Proposal] = {}
    for provision in (
        Provision.objects.filter(proposal__negotiation=negotiation, issue__in=list(issue_ids))
        .select_related("proposal")
        .order_by("proposal__presented_latest", "proposal")
    ):
        proposals[provision.proposal_id] = provision.proposal
        ids = addressed.setdefault(provision.issue_id, [])
        if provision.proposal_id not in ids:
            ids.append(provision.proposal_id)
    found: dict[tuple[int, int], list[Position]] = {}
    if not proposals:
        return found
    actor_ids = list(actor_ids)
    latest = {
        (row.actor_id, row.target_id): row
        for row in latest_positions(
            negotiation, as_of, actor_ids, TargetType.PROPOSAL, list(proposals)
        )
    }
    for row in latest.values():
        row.proposal = proposals[row.target_id]
    for issue_id, ids in addressed.items():
        for actor_id in actor_ids:
            rows = [latest[actor_id, pk] for pk in ids if (actor_id, pk) in latest]
            if rows:
                found[actor_id, issue_id] = rows
    return found


def with_packages(
    negotiation: Negotiation, rows: list[Position], as_of: datetime.date
) -> list[Position]:
    """Give each issue position among `rows` its `packages` as of a date (see `packages`)."""
    issue_rows = [row for row in rows if row.target_type == TargetType.ISSUE]
    if issue_rows:
        found = packages(
            negotiation,
            {row.actor_id for row in issue_rows},
            {row.target_id for row in issue_rows},
            as_of,
        )
        for row in issue_rows:
            row.packages = found.get((row.actor_id, row.target_id), [])
    return rows


def latest_day(negotiation: Negotiation) -> datetime.date:
    """The day the record of a negotiation reaches: the default "as of" of every page.

    The last day of its latest published statement (today when it has none), so
    that a negotiation that ended years ago opens where its record ends.
    """
    day = (
        Statement.objects.published()
        .filter(negotiation=negotiation)
        .aggregate(day=Max("date_latest"))["day"]
    )
    return day or timezone.localdate()


@dataclass
class Matrix:
    """Parties × issues as of a date."""

    as_of: datetime.date
    parties: list[Actor]
    issues: list[Issue]
    cells: dict[tuple[int, int], Position]
    convergence: dict[int, str]
    packages: dict[tuple[int, int], list[Position]] = field(default_factory=dict)

    def cell(self, party: Actor, issue: Issue) -> Position | None:
        return self.cells.get((party.pk, issue.pk))

    def packages_of(self, party: Actor, issue: Issue) -> list[Position]:
        return self.packages.get((party.pk, issue.pk), [])


def matrix(
    negotiation: Negotiation, as_of: datetime.date, *, with_packages: bool = False
) -> Matrix:
    """Return the parties × issues positions as of a date, with convergence per issue
    and the claims that contest each cell; and the packages beside each cell when asked
    (two more queries)."""
    parties = [
        p.actor
        for p in negotiation.participants.filter(role=ParticipantRole.PARTY).select_related("actor")
    ]
    issues = list(negotiation.issues.all())
    party_ids, issue_ids = [p.pk for p in parties], [i.pk for i in issues]
    rows = latest_positions(negotiation, as_of, party_ids, TargetType.ISSUE, issue_ids)
    with_contests(rows, as_of)
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
        packages=packages(negotiation, party_ids, issue_ids, as_of) if with_packages else {},
    )


def history(actor: Actor, target_type: str, target_id: int) -> list[Position]:
    """Return the actor's published positions on one target, oldest first, with the
    claims that contest each; on an issue, each also carries its `packages`: the
    actor's stances on the proposals addressing the issue while it stood."""
    rows = with_contests(
        list(
            Position.objects.published()
            .for_target(actor.pk, target_type, target_id)
            .select_related("actor")
            .order_by("seq")
        )
    )
    if target_type != TargetType.ISSUE or not rows:
        return rows
    stood = _package_history(actor, target_id, rows[0].negotiation_id)
    for row, following in zip(rows, [*rows[1:], None], strict=True):
        until = following.date_latest if following else None
        latest: dict[int, Position] = {}
        for package in stood:
            if until is None or package.date_latest < until:
                latest[package.target_id] = package
        row.packages = list(latest.values())
    return rows


def _package_history(actor: Actor, issue_id: int, negotiation_id: int) -> list[Position]:
    addressing = Provision.objects.filter(issue=issue_id).values("proposal")
    rows = list(
        Position.objects.published()
        .filter(
            negotiation=negotiation_id,
            actor=actor,
            target_type=TargetType.PROPOSAL,
            target_id__in=addressing,
        )
        .select_related("actor")
        .order_by("date_latest", "seq")
    )
    proposals = Proposal.objects.in_bulk({row.target_id for row in rows})
    for row in rows:
        row.proposal = proposals[row.target_id]
    return rows


def changes_queryset(
    negotiation: Negotiation,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    target_types: Iterable[str] | None = None,
):
    """Return the changes dated (by date_latest) within since..until, newest first, lazily:
    a page of them is read with LIMIT on the index position_changes. Read the
    contesting claims of a page with `with_contests`."""
    rows = Position.objects.published().changes().filter(negotiation=negotiation)
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
    return with_contests(list(changes_queryset(negotiation, since, until, target_types)))

"""The rules that turn an actor's claims on one target into its positions.

Pure functions over plain values: no database, so that the rules read as
what they are and are tested as such. `negotiations.positions` states them
in words; `store` feeds them the claims and keeps what they return.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby

from negotiations.models import Basis, ChangeKind, TargetType


class Convergence:
    CONVERGED = "converged"
    NARROWING = "narrowing"
    APART = "apart"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Fact:
    """What the rules read of one published claim bearing on one (actor, target) pair."""

    claim_id: int
    statement_id: int
    date_earliest: datetime.date
    date_latest: datetime.date
    stance: int
    basis: str
    # The claim names the target itself, not a provision that addresses the issue.
    on_target: bool = True


@dataclass(frozen=True, slots=True)
class Step:
    """One position of a pair: the claim it rests on, and what it changed."""

    fact: Fact
    previous_stance: int | None
    change: str
    contested_by: tuple[int, ...]


def sign(stance: int) -> int:
    return (stance > 0) - (stance < 0)


def classify(previous: int | None, stance: int, target_type: str) -> str:
    """Return the ChangeKind of a move from `previous` to `stance`, or ""."""
    if target_type == TargetType.DEMAND:
        if stance > 0 and (previous is None or previous <= 0):
            return ChangeKind.NEW_DEMAND
        if previous is not None and previous > 0 and stance <= 0:
            return ChangeKind.DROPPED
    if previous is None or previous == stance:
        return ""
    if sign(previous) * sign(stance) < 0:
        return ChangeKind.REVERSED
    return ChangeKind.HARDENED if stance < previous else ChangeKind.SOFTENED


def _day(fact: Fact) -> datetime.date:
    # A claim counts from the last day of its date: "Aug 2024" from Aug 31.
    return fact.date_latest


def _entered(fact: Fact) -> tuple[int, int]:
    return (fact.statement_id, fact.claim_id)


def _winner_rank(fact: Fact) -> tuple:
    """The highest rank wins a day: own words, then the target itself, then the
    most reserved stance, then the claim entered last."""
    return (fact.basis == Basis.OWN, fact.on_target, -fact.stance, *_entered(fact))


def derive(facts: list[Fact], target_type: str) -> list[Step]:
    """Return the positions of one (actor, target) pair from the claims that bear on it."""
    facts = sorted(facts, key=lambda f: (_day(f), *_entered(f)))
    first_own = min((_day(f) for f in facts if f.basis == Basis.OWN), default=None)
    winners: list[Fact] = []
    others: list[Fact] = []  # the claims that may only contest
    for day, same_day in groupby(facts, key=_day):
        same_day = list(same_day)
        may_set = [
            f
            for f in same_day
            if f.basis == Basis.OWN
            or (f.basis == Basis.ATTRIBUTED and (first_own is None or day <= first_own))
        ]
        if may_set:
            winner = max(may_set, key=_winner_rank)
            winners.append(winner)
            # The actor's own words that lost the day are its own nuance, not a dispute.
            others += [f for f in may_set if f is not winner and f.basis != Basis.OWN]
        others += [f for f in same_day if f not in may_set]
    others.sort(key=lambda f: (_day(f), *_entered(f)))

    steps: list[Step] = []
    previous: int | None = None
    start = 0  # `others` is in day order and each window starts where the last ended
    for seq, winner in enumerate(winners):
        until = _day(winners[seq + 1]) if seq + 1 < len(winners) else None
        while start < len(others) and _day(others[start]) < _day(winner):
            start += 1
        end = start
        while end < len(others) and (until is None or _day(others[end]) < until):
            end += 1
        contested_by = tuple(
            f.claim_id for f in others[start:end] if sign(f.stance) != sign(winner.stance)
        )
        steps.append(
            Step(
                fact=winner,
                previous_stance=previous,
                change=classify(previous, winner.stance, target_type),
                contested_by=contested_by,
            )
        )
        previous, start = winner.stance, end
    return steps


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

"""Writes that follow the editorial rules: the statement workflow.

draft ⇄ in review → published → retracted. Editors (change_statement) move
drafts to review and back; reviewers (publish_statement) publish and retract.
A retraction keeps the statement and records why; nothing leaves the public
record by deletion.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from actors.names import normalise_name
from negotiations.models import Statement, StatementStatus

S = StatementStatus
# (from, to) → the permission the move needs.
TRANSITIONS = {
    (S.DRAFT, S.IN_REVIEW): "negotiations.change_statement",
    (S.IN_REVIEW, S.DRAFT): "negotiations.change_statement",
    (S.DRAFT, S.PUBLISHED): "negotiations.publish_statement",
    (S.IN_REVIEW, S.PUBLISHED): "negotiations.publish_statement",
    (S.PUBLISHED, S.RETRACTED): "negotiations.publish_statement",
}


def statement_check_transition(*, current: str, wanted: str, user, reason: str = "") -> None:
    """Raise PermissionDenied or ValidationError unless `user` may move current → wanted."""
    if wanted == S.RETRACTED and not reason.strip():
        raise ValidationError("Say why the statement is retracted.", code="reason_required")
    if current == wanted:
        return
    permission = TRANSITIONS.get((current, wanted))
    if permission is None:
        raise ValidationError(
            "A %(current)s statement cannot become %(wanted)s.",
            code="bad_transition",
            params={"current": S(current).label.lower(), "wanted": S(wanted).label.lower()},
        )
    if not user.has_perm(permission):
        raise PermissionDenied("Only reviewers may publish or retract statements.")


@transaction.atomic
def statement_transition(*, statement: Statement, to: str, user, reason: str = "") -> Statement:
    """Move a statement along the workflow, checking who may."""
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    statement_check_transition(current=locked.status, wanted=to, user=user, reason=reason)
    locked.status = to
    if to == S.RETRACTED:
        locked.retraction_reason = reason.strip()
    # History names who moved it, also outside a request (commands, tasks).
    locked._history_user = user
    locked.save()
    return locked


@dataclass(frozen=True)
class Problem:
    field: str  # "date" or "quote"
    message: str
    duplicate_of: int | None = None


def statement_problems(
    *, speaker, source, earliest, latest, quote: str, exclude_pk: int | None = None
) -> list[Problem]:
    """Return what cannot be right about a statement as entered.

    A statement cannot be dated after its source was published, and one with
    the same speaker, date and (normalised) quote as another is a likely duplicate.
    """
    problems: list[Problem] = []
    if source is not None and source.published and earliest and earliest > source.published:
        problems.append(
            Problem(
                "date",
                f"The statement is dated after its source was published "
                f"({source.published:%b %-d, %Y}).",
            )
        )
    if speaker is not None and earliest and quote.strip():
        wanted = normalise_name(quote)
        candidates = Statement.objects.filter(
            speaker=speaker, date_earliest=earliest, date_latest=latest
        ).exclude(pk=exclude_pk)
        for candidate in candidates.only("pk", "quote"):
            if normalise_name(candidate.quote) == wanted:
                problems.append(
                    Problem(
                        "quote",
                        f"This looks like a duplicate of statement #{candidate.pk} "
                        f"(same speaker, date and quote).",
                        duplicate_of=candidate.pk,
                    )
                )
                break
    return problems

"""The one write path for statements and their claims.

Every surface parses its input into unsaved `Statement` and `Claim` objects and
hands them here: the admin's statement form with its claims inline, the review
queue, the API, the bulk importer, ingestion and load_demo. These functions own
the rules, so that every surface refuses the same things for the same reasons:

- **Who may do what, in which status.** Editors (change_statement) write drafts
  and statements in review; a published statement and its claims change only
  through reviewers (publish_statement); a retracted statement is final, for
  everyone. Only drafts are deleted, and only by reviewers (delete_statement).
  `user=None` is the system (a command or a task): it passes the permission
  checks and nothing else.
- **The workflow** (TRANSITIONS): draft ⇄ in review → published → retracted. A
  new statement starts as a draft, in review or (for reviewers) published, never
  retracted; one sent as published by someone who may not publish is kept as a
  draft for review. A retraction says why.
- **Plausibility**: a statement is not dated after its source was published,
  and is not a likely duplicate (same speaker, date and quote) of another.
- **One negotiation**: a statement's claims point at targets of its own
  negotiation, also when the statement or a claim moves.
- **Versions**: every change of a statement or of one of its claims moves the
  statement's version. A change names the version it read, and is refused
  (`Stale`) when the version has moved since: nobody's work is overwritten.
- **History**: the user is recorded with every change.

Refusals are `Forbidden` (a PermissionDenied) or `Refused` (a ValidationError
keyed by field, each message with a code); `Stale` is a Refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from actors.models import resolve_side
from actors.names import normalise_name
from core.refusals import Forbidden, Refused, Stale
from negotiations.models import Claim, Statement, StatementStatus

S = StatementStatus
NEW = "new"
# (from, to) → the permission the move needs.
TRANSITIONS = {
    (NEW, S.DRAFT): "negotiations.add_statement",
    (NEW, S.IN_REVIEW): "negotiations.add_statement",
    (NEW, S.PUBLISHED): "negotiations.publish_statement",
    (S.DRAFT, S.IN_REVIEW): "negotiations.change_statement",
    (S.IN_REVIEW, S.DRAFT): "negotiations.change_statement",
    (S.DRAFT, S.PUBLISHED): "negotiations.publish_statement",
    (S.IN_REVIEW, S.PUBLISHED): "negotiations.publish_statement",
    (S.PUBLISHED, S.RETRACTED): "negotiations.publish_statement",
}
PUBLISH = "negotiations.publish_statement"


def _has(user, permission: str) -> bool:
    return user is None or user.has_perm(permission)


# --- Who may ----------------------------------------------------------------------------


def may_change(user, statement: Statement) -> bool:
    """Whether `user` may change the statement's content and claims as it stands."""
    if statement.pk is None:
        return _has(user, "negotiations.add_statement")
    if statement.status == S.RETRACTED:
        return False
    if statement.status == S.PUBLISHED:
        return _has(user, PUBLISH)
    return _has(user, "negotiations.change_statement")


def may_delete(user, statement: Statement, permission: str = "negotiations.delete_statement"):
    return statement.status == S.DRAFT and _has(user, permission)


def _check_may_change(user, statement: Statement) -> None:
    if may_change(user, statement):
        return
    if statement.status == S.RETRACTED:
        raise Forbidden("A retracted statement is part of the record as it was: it cannot change.")
    if statement.status == S.PUBLISHED:
        raise Forbidden("Only reviewers may change a published statement or its claims.")
    raise Forbidden("You may not change statements.")


def next_statuses(user, current: str) -> list[str]:
    """The statuses a statement in `current` (or NEW) may be given by `user`, its own included."""
    allowed = [] if current == NEW else [current]
    allowed += [
        to for (start, to), perm in TRANSITIONS.items() if start == current and _has(user, perm)
    ]
    return [status for status in S.values if status in allowed]


def check_transition(*, current: str, wanted: str, user, reason: str = "") -> None:
    """Raise unless `user` may move a statement from `current` (or NEW) to `wanted`."""
    if current == wanted:
        return
    permission = TRANSITIONS.get((current, wanted))
    if permission is None:
        if current == NEW:
            message = "A new statement cannot start %(wanted)s."
        else:
            message = "A %(current)s statement cannot become %(wanted)s."
        params = {"current": current, "wanted": S(wanted).label.lower()}
        if current != NEW:
            params["current"] = S(current).label.lower()
        raise Refused({"status": ValidationError(message, code="bad_transition", params=params)})
    if wanted == S.RETRACTED and not reason.strip():
        raise Refused(
            {
                "retraction_reason": ValidationError(
                    "Say why the statement is retracted.", code="reason_required"
                )
            }
        )
    if not _has(user, permission):
        raise Forbidden("Only reviewers may publish or retract statements.")


# --- What cannot be right ------------------------------------------------------------------


def duplicate_key(statement: Statement) -> tuple | None:
    """What makes two statements likely duplicates: speaker, date and quote (normalised)."""
    if not statement.quote.strip() or statement.speaker_id is None:
        return None
    return (
        statement.speaker_id,
        statement.date_earliest,
        statement.date_latest,
        normalise_name(statement.quote),
    )


def find_duplicate(statement: Statement) -> int | None:
    """Return the id of another statement with the same duplicate_key, if any."""
    wanted = duplicate_key(statement)
    if wanted is None:
        return None
    others = Statement.objects.filter(
        speaker=statement.speaker_id,
        date_earliest=statement.date_earliest,
        date_latest=statement.date_latest,
    ).exclude(pk=statement.pk)
    for pk, quote in others.values_list("pk", "quote"):
        if normalise_name(quote) == wanted[3]:
            return pk
    return None


def statement_problems(statement: Statement) -> dict[str, list[ValidationError]]:
    """Return what cannot be right about a statement's content, by field."""
    problems: dict[str, list[ValidationError]] = {}

    def add(name: str, message: str, code: str, **params) -> None:
        problems.setdefault(name, []).append(ValidationError(message, code=code, params=params))

    if not statement.quote.strip() and not statement.summary.strip():
        add("quote", "Give the quote or a summary of what was said.", "no_content")
    # The source may be new, not saved yet (the importer checks a file before writing it).
    try:
        source = statement.source
    except ObjectDoesNotExist:
        source = None
    published = source.published if source is not None else None
    if published and statement.date_earliest and statement.date_earliest > published:
        add(
            "date",
            "The statement is dated after its source was published (%(published)s).",
            "implausible",
            published=f"{published:%b %-d, %Y}",
        )
    if statement.date_earliest and (duplicate := find_duplicate(statement)) is not None:
        add(
            "quote",
            "This looks like a duplicate of statement #%(pk)s (same speaker, date and quote).",
            "duplicate",
            pk=duplicate,
        )
    return problems


def _side(statement: Statement) -> None:
    """Fill on_behalf_of, when left empty, from the speaker's role on the date."""
    if statement.on_behalf_of_id is not None or statement.speaker_id is None:
        return
    if not statement.date_earliest:
        return
    side = resolve_side(statement.speaker, statement.date_earliest, statement.date_latest)
    if side.is_ambiguous:
        names = ", ".join(actor.name for actor in side.candidates)
        raise Refused(
            {
                "on_behalf_of": ValidationError(
                    "%(speaker)s held roles in several organisations on that date (%(names)s): "
                    "say whom they spoke for.",
                    code="ambiguous_side",
                    params={"speaker": statement.speaker.name, "names": names},
                )
            }
        )
    statement.on_behalf_of = side.organization


def claim_problems(claim: Claim, negotiation_id: int | None) -> dict[str, list]:
    """Return what cannot be right about a claim of a statement of that negotiation."""
    if claim.target_type == "":
        message = "Choose exactly one target: a proposal, a provision, a demand or an issue."
        return {"target": [ValidationError(message, code="one_target")]}
    if negotiation_id is not None and claim.target_negotiation_id() != negotiation_id:
        message = "This target belongs to another negotiation than the statement."
        return {"target": [ValidationError(message, code="other_negotiation")]}
    return {}


def _check_version(current: Statement, version: int | None, user) -> None:
    if version is None:
        if user is None:
            return  # the system writes what it means to write
        raise Refused(
            {
                "version": ValidationError(
                    "Send the version you read, so that no one's changes are lost.",
                    code="required",
                )
            }
        )
    if version != current.version:
        raise Stale(
            {
                "version": ValidationError(
                    "Someone saved this statement after you read it (it is now at version "
                    "%(version)s). Nothing was changed: read it again and redo your edit.",
                    code="stale",
                    params={"version": current.version},
                )
            }
        )


def _lock(pk: int) -> Statement:
    return Statement.objects.select_for_update().get(pk=pk)


def _bump(statement_id: int) -> None:
    Statement.objects.filter(pk=statement_id).update(
        version=F("version") + 1, updated_at=timezone.now()
    )


# --- Statements ----------------------------------------------------------------------------


def check_statement(
    statement: Statement,
    *,
    user,
    claims: Iterable[Claim] = (),
    kept_claims: Iterable[Claim] = (),
    version: int | None = None,
    current: Statement | None = None,
) -> None:
    """Raise Forbidden, Stale or Refused (all problems at once) for a statement as it
    would be saved, with the claims to save (new or changed) and those kept as they are."""
    if statement.pk is not None:
        current = current or Statement.objects.get(pk=statement.pk)
        _check_may_change(user, current)
        _check_version(current, version, user)
    elif not _has(user, "negotiations.add_statement"):
        raise Forbidden("You may not add statements.")
    before = current.status if current is not None else NEW
    if before == NEW and statement.status == S.PUBLISHED and not _has(user, PUBLISH):
        statement.status = S.DRAFT  # kept for a reviewer, as documented
    check_transition(
        current=before, wanted=statement.status, user=user, reason=statement.retraction_reason
    )
    problems: dict[str, list] = {}
    # A retraction takes the statement off the record as it was, plausible or not.
    if statement.status != S.RETRACTED:
        problems.update(statement_problems(statement))
    try:
        _side(statement)
    except Refused as error:
        problems.update(error.error_dict)
    for claim in [*claims, *kept_claims]:
        for messages in claim_problems(claim, statement.negotiation_id).values():
            problems.setdefault("claims", []).extend(messages)
    if problems:
        raise Refused(problems)


@transaction.atomic
def statement_save(
    statement: Statement,
    *,
    user,
    claims: Iterable[Claim] = (),
    deleted_claims: Iterable[Claim] = (),
    version: int | None = None,
) -> Statement:
    """Create or change a statement with its claims (new or changed, and deleted), checked.

    `version` is the version the writer read (required to change a statement).
    """
    claims, deleted_claims = list(claims), list(deleted_claims)
    current = _lock(statement.pk) if statement.pk is not None else None
    touched = {claim.pk for claim in [*claims, *deleted_claims] if claim.pk}
    kept = list(current.claims.exclude(pk__in=touched)) if current is not None else []
    check_statement(
        statement, user=user, claims=claims, kept_claims=kept, version=version, current=current
    )
    if current is not None:
        statement.version = current.version  # save() moves it on by one
    statement._history_user = user
    statement.save()
    for claim in deleted_claims:
        claim._history_user = user
        claim.delete()
    for claim in claims:
        claim.statement = statement
        claim._history_user = user
        claim.save()
    return statement


@transaction.atomic
def statement_transition(
    *, statement: Statement, to: str, user, reason: str = "", version: int | None = None
) -> Statement:
    """Move a statement along the workflow (publish, retract, submit, return), checked.

    `version`, when given, is the version the user saw: a move from an older page
    is refused."""
    locked = _lock(statement.pk)
    if version is not None:
        _check_version(locked, version, user)
    if to == S.RETRACTED and locked.status == S.RETRACTED:
        raise Refused({"status": ValidationError("It is already retracted.", code="final")})
    check_transition(current=locked.status, wanted=to, user=user, reason=reason)
    locked.status = to
    if to == S.RETRACTED:
        locked.retraction_reason = reason.strip()
    locked._history_user = user
    locked.save()
    return locked


@transaction.atomic
def statement_delete(
    *,
    statement: Statement,
    user,
    version: int | None = None,
    permission: str = "negotiations.delete_statement",
) -> None:
    """Delete a draft; the record keeps everything else, retracted or not.

    `version` is the version the user saw (a delete from an older page is refused).
    `permission` is what the user needs: reviewers' delete_statement, or
    ingestion's delete_candidate to discard a draft made from an article.
    """
    locked = _lock(statement.pk)
    if locked.status != S.DRAFT:
        raise Forbidden(
            f"Only a draft can be deleted or discarded; this statement is "
            f"{locked.get_status_display().lower()}. Statements leave the public record by "
            "retraction, not deletion."
        )
    if not may_delete(user, locked, permission):
        raise Forbidden("You may not delete drafts.")
    _check_version(locked, version, user)
    locked._history_user = user
    locked.delete()


# --- Claims --------------------------------------------------------------------------------


@transaction.atomic
def claim_save(claim: Claim, *, user, version: int | None) -> Claim:
    """Create or change one claim, checked; its statement's version moves on.

    `version` is the version of the claim's statement (for a new claim, of the
    statement it joins) that the writer read. A claim moved to another statement
    must be allowed on both, and point at a target of the new one's negotiation.
    """
    statement = _lock(claim.statement_id)
    old_statement = statement
    if claim.pk is not None:
        old_id = Claim.objects.filter(pk=claim.pk).values_list("statement", flat=True).first()
        if old_id is not None and old_id != claim.statement_id:
            old_statement = _lock(old_id)
    _check_version(old_statement, version, user)
    for each in {old_statement.pk: old_statement, statement.pk: statement}.values():
        _check_may_change(user, each)
    if claim.pk is None and not _has(user, "negotiations.add_claim"):
        raise Forbidden("You may not add claims.")
    if claim.pk is not None and not _has(user, "negotiations.change_claim"):
        raise Forbidden("You may not change claims.")
    if problems := claim_problems(claim, statement.negotiation_id):
        raise Refused(problems)
    claim._history_user = user
    claim.save()
    for pk in {old_statement.pk, statement.pk}:
        _bump(pk)
    return claim


@transaction.atomic
def claim_delete(claim: Claim, *, user, version: int | None) -> None:
    """Delete one claim, checked; its statement's version moves on."""
    statement = _lock(claim.statement_id)
    _check_version(statement, version, user)
    _check_may_change(user, statement)
    if not _has(user, "negotiations.delete_claim"):
        raise Forbidden("You may not delete claims.")
    claim._history_user = user
    claim.delete()
    _bump(statement.pk)

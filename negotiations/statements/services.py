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

Many new statements at once (the importer's file) go through `check_new_statements`
and `statements_create`: the same rules, checked by the same functions, in a fixed
number of queries, and written with bulk inserts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from actors.models import resolve_sides
from actors.names import normalise_name
from core.dates import check_window
from core.refusals import Forbidden, Refused, Stale
from negotiations.models import Claim, Source, Statement, StatementStatus
from negotiations.positions.signals import schedule_recompute
from negotiations.positions.store import keys_for_claims
from negotiations.versions import bump_version_on_commit

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
# Claims one statement may carry: far more than any real one, few enough to check fast.
MAX_CLAIMS = 100


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


def find_duplicates(statements: Sequence[Statement]) -> list[int | None]:
    """Return, for each statement, the id of another stored statement with the same
    duplicate_key, if any: one query for all of them."""
    keys = [duplicate_key(s) if s.date_earliest else None for s in statements]
    wanted = {key for key in keys if key is not None}
    if not wanted:
        return [None] * len(statements)
    # The stored statements of these speakers on these days: a superset of the keys
    # wanted, in one query on statement_speaker_date, matched on the whole key here.
    rows = (
        Statement.objects.filter(
            speaker__in={key[0] for key in wanted},
            date_earliest__in={key[1] for key in wanted},
            date_latest__in={key[2] for key in wanted},
        )
        .order_by("pk")
        .values_list("pk", "speaker", "date_earliest", "date_latest", "quote")
    )
    stored: dict[tuple, list[int]] = defaultdict(list)
    for pk, speaker, earliest, latest, quote in rows:
        key = (speaker, earliest, latest, normalise_name(quote))
        if key in wanted:
            stored[key].append(pk)
    return [
        next((pk for pk in stored.get(key, ()) if pk != statement.pk), None) if key else None
        for statement, key in zip(statements, keys, strict=True)
    ]


def statement_problems(
    statement: Statement, *, duplicate: int | None
) -> dict[str, list[ValidationError]]:
    """Return what cannot be right about a statement's content, by field.

    `duplicate` is the stored statement it repeats, if any (find_duplicates).
    """
    problems: dict[str, list[ValidationError]] = {}

    def add(name: str, message: str, code: str, **params) -> None:
        problems.setdefault(name, []).append(ValidationError(message, code=code, params=params))

    if not statement.quote.strip() and not statement.summary.strip():
        add("quote", "Give the quote or a summary of what was said.", "no_content")
    source = _cited_source(statement)
    published = source.published if source is not None else None
    if statement.date_earliest and statement.date_latest:
        problem = check_window(statement.date_earliest, statement.date_latest, until=published)
        if problem:
            add("date", problem, "out_of_range")
    if published and statement.date_earliest and statement.date_earliest > published:
        add(
            "date",
            "The statement is dated after its source was published (%(published)s).",
            "implausible",
            published=f"{published:%b %-d, %Y}",
        )
    if duplicate is not None:
        add(
            "quote",
            "This looks like a duplicate of statement #%(pk)s (same speaker, date and quote).",
            "duplicate",
            pk=duplicate,
        )
    return problems


def _cited_source(statement: Statement) -> Source | None:
    # The source may be new, not saved yet (the importer checks a file before writing it).
    try:
        return statement.source
    except ObjectDoesNotExist:
        return None


def _fill_sides(statements: Sequence[Statement]) -> list[dict[str, list[ValidationError]]]:
    """Fill on_behalf_of, when left empty, from the speaker's role on the date (one query
    for all the statements); return each statement's problem with it, if any."""
    open_sides = [
        s
        for s in statements
        if s.on_behalf_of_id is None and s.speaker_id is not None and s.date_earliest
    ]
    sides = resolve_sides([(s.speaker, s.date_earliest, s.date_latest) for s in open_sides])
    problems: dict[int, dict[str, list[ValidationError]]] = {}
    for statement, side in zip(open_sides, sides, strict=True):
        if side.is_ambiguous:
            names = ", ".join(actor.name for actor in side.candidates)
            error = ValidationError(
                "%(speaker)s held roles in several organisations on that date (%(names)s): "
                "say whom they spoke for.",
                code="ambiguous_side",
                params={"speaker": statement.speaker.name, "names": names},
            )
            problems[id(statement)] = {"on_behalf_of": [error]}
        else:
            statement.on_behalf_of = side.organization
    return [problems.get(id(statement), {}) for statement in statements]


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
    _check_who(statement, user=user, version=version, current=current)
    [problems] = _problems([(statement, [*claims, *kept_claims])])
    if problems:
        raise Refused(problems)


def _check_who(
    statement: Statement, *, user, version: int | None, current: Statement | None
) -> None:
    """Raise unless `user` may write the statement so (`current`: as stored, None if new).

    A new statement sent as published by someone who may not publish becomes a draft.
    """
    if current is not None:
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


def _problems(items: Sequence[tuple[Statement, Sequence[Claim]]]) -> list[dict[str, list]]:
    """Return what cannot be right about each statement with its claims, by field.

    The same rules for one statement as for a file of them, in two queries whatever
    their number (stored duplicates, the speakers' roles), as long as each statement
    carries its source, speaker and claim targets (with what their negotiation needs).
    """
    # A retraction takes the statement off the record as it was, plausible or not.
    plausible = [statement for statement, _ in items if statement.status != S.RETRACTED]
    duplicates = dict(zip(map(id, plausible), find_duplicates(plausible), strict=True))
    sides = _fill_sides([statement for statement, _ in items])
    found = []
    for (statement, claims), side_problems in zip(items, sides, strict=True):
        problems: dict[str, list] = {}
        if statement.status != S.RETRACTED:
            problems.update(statement_problems(statement, duplicate=duplicates[id(statement)]))
        problems.update(side_problems)
        if len(claims) > MAX_CLAIMS:
            message = f"A statement has at most {MAX_CLAIMS} claims; this one has {len(claims)}."
            problems["claims"] = [ValidationError(message, code="too_many")]
            claims = []
        for claim in claims:
            for messages in claim_problems(claim, statement.negotiation_id).values():
                problems.setdefault("claims", []).extend(messages)
        found.append(problems)
    return found


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


# --- Many new statements at once (the importer) -------------------------------------------

# Statements (with their claims) written per bulk insert.
WRITE_BATCH = 1000


class BatchRefused(Exception):
    """Some statements of a batch were refused, so none was written.

    `refusals` holds, for each statement in order, its Forbidden or Refused, or None.
    """

    def __init__(self, refusals: list[Forbidden | Refused | None]) -> None:
        refused = sum(refusal is not None for refusal in refusals)
        super().__init__(f"{refused} of {len(refusals)} statement(s) refused; none was written.")
        self.refusals = refusals


def check_new_statements(
    items: Sequence[tuple[Statement, Sequence[Claim]]], *, user
) -> list[Forbidden | Refused | None]:
    """Check new statements with their claims as check_statement checks each, in a fixed
    number of queries whatever their number; return each one's refusal, or None.

    Once written, a later statement of the batch with the same duplicate_key as an
    earlier one would be a duplicate of it, so it is refused too: code "repeated",
    with params["index"], the earlier one's place in `items`.
    """
    refusals: list[Forbidden | Refused | None] = [None] * len(items)
    allowed = []
    for index, (statement, _) in enumerate(items):
        if statement.pk is not None:
            raise ValueError("Only new statements are checked in a batch.")
        try:
            _check_who(statement, user=user, version=None, current=None)
        except (Forbidden, Refused) as refusal:
            refusals[index] = refusal
        else:
            allowed.append(index)
    first: dict[tuple, int] = {}
    for index, problems in zip(allowed, _problems([items[i] for i in allowed]), strict=True):
        if problems:
            refusals[index] = Refused(problems)
            continue
        key = duplicate_key(items[index][0])
        if key is not None and key in first:
            refusals[index] = Refused(
                {
                    "quote": ValidationError(
                        "This repeats statement %(number)s of the same batch "
                        "(same speaker, date and quote).",
                        code="repeated",
                        params={"index": first[key], "number": first[key] + 1},
                    )
                }
            )
        elif key is not None:
            first[key] = index
    return refusals


@transaction.atomic
def statements_create(
    items: Sequence[tuple[Statement, Sequence[Claim]]],
    *,
    user,
    progress: Callable[[int], None] | None = None,
) -> list[Statement]:
    """Create new statements with their claims, and the new sources they cite, checked as
    check_new_statements checks them: all or nothing, in bulk inserts.

    Raise BatchRefused, writing nothing, when any is refused. Bulk inserts send no
    signals: the history is written with them (the user recorded), and the positions
    recompute of the claims' pairs and the data version are scheduled here, once.
    `progress(n)` is called as statements are written.
    """
    items = [(statement, list(claims)) for statement, claims in items]
    refusals = check_new_statements(items, user=user)
    if any(refusal is not None for refusal in refusals):
        raise BatchRefused(refusals)
    new_sources = {
        id(source): source
        for statement, _ in items
        if (source := _cited_source(statement)) is not None and source.pk is None
    }
    Source.objects.bulk_create(new_sources.values())
    for start in range(0, len(items), WRITE_BATCH):
        chunk = items[start : start + WRITE_BATCH]
        statements = [statement for statement, _ in chunk]
        for statement in statements:
            statement._history_user = user
        bulk_create_with_history(statements, Statement, default_user=user)
        claims = []
        for statement, its_claims in chunk:
            for claim in its_claims:
                claim.statement = statement
                claim._history_user = user
                claims.append(claim)
        bulk_create_with_history(claims, Claim, default_user=user)
        if progress:
            progress(len(chunk))
    schedule_recompute(keys_for_claims(claim for _, claims in items for claim in claims))
    bump_version_on_commit()
    return [statement for statement, _ in items]


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

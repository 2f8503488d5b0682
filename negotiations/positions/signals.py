"""Keep the stored positions current: any change to a claim, its statement or a
provision enqueues a recompute of the affected (actor, target) pairs once the
transaction commits. Each request is also written to an outbox
(PendingRecompute) in the same transaction, so nothing is lost when the broker
is down or a worker dies: tasks.sweep_pending_recomputes catches up.

Signals fire for saves and deletes through the ORM (admin, API, services).
Bulk writes (`QuerySet.update`, `bulk_create`) do not send them: code that uses
them must call `schedule_recompute` itself, or run `manage.py rebuild_positions`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from kombu.exceptions import OperationalError as KombuOperationalError

from negotiations.models import (
    Claim,
    PendingRecompute,
    Proposal,
    Provision,
    Statement,
    TargetType,
)
from negotiations.positions import Key, all_keys, keys_for_claim

logger = logging.getLogger(__name__)
_collecting: ContextVar[set[Key] | None] = ContextVar("collecting", default=None)


@contextlib.contextmanager
def recompute_once() -> Iterator[None]:
    """Collect the recomputes a bulk write triggers and enqueue them as one task."""
    keys: set[Key] = set()
    token = _collecting.set(keys)
    try:
        yield
    finally:
        _collecting.reset(token)
    schedule_recompute(keys)


def schedule_recompute(keys: set[Key]) -> None:
    if not keys:
        return
    collecting = _collecting.get()
    if collecting is not None:
        collecting |= keys
        return
    # The outbox row commits with the change; the task is only the fast path.
    PendingRecompute.objects.bulk_create(
        PendingRecompute(actor_id=actor, target_type=kind, target_id=target)
        for actor, kind, target in keys
    )
    batch = sorted([list(key) for key in keys])
    transaction.on_commit(lambda: enqueue_recompute(batch))


def enqueue_recompute(batch: list[list]) -> None:
    """Send the recompute to the workers; if the broker is down, the sweep does it later."""
    from negotiations.positions.tasks import recompute_positions

    try:
        recompute_positions.delay(batch)
    except (KombuOperationalError, OSError) as error:
        logger.warning(
            "Broker unreachable (%s): %d recompute(s) wait in the outbox for the sweep.",
            error,
            len(batch),
        )


@receiver(pre_save, sender=Claim)
def _remember_old_claim(sender, instance: Claim, **kwargs) -> None:
    old = Claim.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._old_position_keys = keys_for_claim(old) if old else set()


@receiver(post_save, sender=Claim)
def _claim_saved(sender, instance: Claim, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    schedule_recompute(keys_for_claim(instance) | getattr(instance, "_old_position_keys", set()))


@receiver(post_delete, sender=Claim)
def _claim_deleted(sender, instance: Claim, **kwargs) -> None:
    schedule_recompute(keys_for_claim(instance))


@receiver(post_save, sender=Statement)
def _statement_saved(sender, instance: Statement, raw: bool = False, **kwargs) -> None:
    if raw or kwargs.get("created"):
        return
    keys: set[Key] = set()
    for claim in instance.claims.all():
        keys |= keys_for_claim(claim)
    schedule_recompute(keys)


def _provision_keys(provision: Provision, issue_ids: set[int]) -> set[Key]:
    """Pairs fed by claims on the provision or its proposal, for the given issues."""
    subjects = Claim.objects.filter(provision=provision.pk).values_list("subject", flat=True)
    subjects = set(subjects) | set(
        Claim.objects.filter(proposal=provision.proposal_id).values_list("subject", flat=True)
    )
    return {(s, TargetType.ISSUE, i) for s in subjects for i in issue_ids if i}


@receiver(pre_save, sender=Provision)
def _remember_old_provision(sender, instance: Provision, **kwargs) -> None:
    old = Provision.objects.filter(pk=instance.pk).values_list("issue", flat=True).first()
    instance._old_issue_id = old


@receiver(post_save, sender=Provision)
def _provision_saved(sender, instance: Provision, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    old = getattr(instance, "_old_issue_id", None)
    if old != instance.issue_id:
        schedule_recompute(_provision_keys(instance, {old, instance.issue_id}))


@receiver(post_delete, sender=Provision)
def _provision_deleted(sender, instance: Provision, **kwargs) -> None:
    schedule_recompute(_provision_keys(instance, {instance.issue_id}))


@receiver(pre_save, sender=Proposal)
def _remember_old_lineage(sender, instance: Proposal, **kwargs) -> None:
    instance._old_lineage = (
        Proposal.objects.filter(pk=instance.pk)
        .values_list("supersedes", "presented_latest")
        .first()
    )


@receiver(post_save, sender=Proposal)
def _proposal_saved(sender, instance: Proposal, raw: bool = False, **kwargs) -> None:
    # A new version changes which claims roll up to issues (see positions.py).
    if raw or getattr(instance, "_old_lineage", None) == (
        instance.supersedes_id,
        instance.presented_latest,
    ):
        return
    if instance.supersedes_id is None and getattr(instance, "_old_lineage", None) is None:
        return
    keys = all_keys(instance.negotiation)
    schedule_recompute({key for key in keys if key[1] == TargetType.ISSUE})

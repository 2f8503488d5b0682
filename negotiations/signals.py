"""Keep the stored positions current: any change to a claim, its statement or a
provision enqueues a recompute of the affected (actor, target) pairs once the
transaction commits.

Signals fire for saves and deletes through the ORM (admin, API, services).
Bulk writes (`QuerySet.update`, `bulk_create`) do not send them: code that uses
them must call `schedule_recompute` itself, or run `manage.py rebuild_positions`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from negotiations.models import Claim, Provision, Statement, TargetType
from negotiations.positions import Key, keys_for_claim


def schedule_recompute(keys: set[Key]) -> None:
    if not keys:
        return
    from negotiations.tasks import recompute_positions

    batch = sorted([list(key) for key in keys])
    transaction.on_commit(lambda: recompute_positions.delay(batch))


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

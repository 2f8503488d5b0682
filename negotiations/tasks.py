"""Background work. Tasks take ids, are safe to run twice, and retry on database errors."""

from __future__ import annotations

import datetime
import random

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from negotiations import positions, webhooks
from negotiations.models import Delivery, DeliveryStatus, PendingRecompute

_RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def recompute_positions(keys: list[list]) -> int:
    """Rewrite the stored positions of the given (actor, target type, target id) pairs."""
    return _recompute({(int(a), str(t), int(i)) for a, t, i in keys})


@shared_task(**_RETRY)
def sweep_pending_recomputes() -> int:
    """Do the recomputes whose task never came or never finished (see PendingRecompute)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.RECOMPUTE_SWEEP_AFTER_SECONDS)
    rows = PendingRecompute.objects.filter(created_at__lte=cutoff).order_by("pk")
    keys = {row.key for row in rows[: settings.RECOMPUTE_SWEEP_BATCH]}
    return _recompute(keys)


def _recompute(keys: set[tuple[int, str, int]]) -> int:
    # Note the outbox rows first: a row written while we recompute belongs to a
    # change we may not have seen, and must stay for its own task or the sweep.
    actors = {actor for actor, _, _ in keys}
    done = [
        row.pk for row in PendingRecompute.objects.filter(actor_id__in=actors) if row.key in keys
    ]
    events = positions.recompute(keys)
    PendingRecompute.objects.filter(pk__in=done).delete()
    webhooks.enqueue(events)
    return len(events)


@shared_task(**_RETRY)
def rebuild_positions() -> int:
    return positions.rebuild()


def webhook_backoff(retries: int) -> float:
    """Seconds before the next attempt: exponential, with jitter, capped at an hour."""
    delay = settings.WEBHOOK_RETRY_BASE_SECONDS * (2**retries)
    return min(delay, 3600) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not crypto


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    try:
        delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    except Delivery.DoesNotExist:
        return "gone"
    if delivery.status != DeliveryStatus.PENDING:
        return delivery.status
    if not webhooks.still_published(delivery):
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.WITHDRAWN
        )
        return DeliveryStatus.WITHDRAWN
    log = webhooks.attempt(delivery)
    if log.succeeded:
        return DeliveryStatus.DELIVERED
    if delivery.attempts.count() >= settings.WEBHOOK_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED
        )
        return DeliveryStatus.FAILED
    raise self.retry(countdown=webhook_backoff(self.request.retries))

"""Background work. Tasks take ids, are safe to run twice, and retry on database errors."""

from __future__ import annotations

import random

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from negotiations import positions, webhooks
from negotiations.models import Delivery, DeliveryStatus

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
    events = positions.recompute((int(a), str(t), int(i)) for a, t, i in keys)
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
    log = webhooks.attempt(delivery)
    if log.succeeded:
        return DeliveryStatus.DELIVERED
    if delivery.attempts.count() >= settings.WEBHOOK_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED
        )
        return DeliveryStatus.FAILED
    raise self.retry(countdown=webhook_backoff(self.request.retries))

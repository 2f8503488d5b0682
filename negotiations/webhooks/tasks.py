"""Delivering webhooks in the background, with retries and backoff.

The task's name is pinned to where it was first defined, so that messages already
queued still find it.
"""

from __future__ import annotations

import random

from celery import shared_task
from django.conf import settings

from negotiations.models import Delivery, DeliveryStatus
from negotiations.webhooks import delivery as webhooks


def webhook_backoff(retries: int) -> float:
    """Seconds before the next attempt: exponential, with jitter, capped at an hour."""
    delay = settings.WEBHOOK_RETRY_BASE_SECONDS * (2**retries)
    return min(delay, 3600) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not crypto


@shared_task(name="negotiations.tasks.deliver_webhook", bind=True, acks_late=True, max_retries=None)
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

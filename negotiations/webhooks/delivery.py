"""Tell subscribers about position changes: payloads, signatures, delivery.

Each change is POSTed as JSON to every matching active subscription, with:

- `X-Parley-Event`: the event id, the same however often the change is derived;
  a subscriber receives each event id once.
- `X-Parley-Timestamp`: Unix time of the attempt.
- `X-Parley-Signature`: `sha256=` + hex HMAC-SHA256 of `"{timestamp}.{body}"`
  keyed with the subscription's secret. Receivers recompute it over the raw
  body, compare in constant time, and reject old timestamps.

A delivery whose statement is no longer published when its turn comes is
withdrawn, not sent. Failed attempts (no answer within the timeout, or a status outside 2xx) are
retried with exponential backoff; each attempt is logged (admin: Deliveries).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import http
from negotiations.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Position,
    Stance,
    Statement,
    Subscription,
)
from negotiations.positions import ChangeEvent, with_contests


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    """Check a signature the way a receiver should (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _stance_label(value: int | None) -> str | None:
    return None if value is None else Stance(value).label


def payload(position: Position, event_id: str) -> dict:
    """Return the JSON body describing one position change."""
    return {
        "id": event_id,
        "type": "position.changed",
        "negotiation": {
            "slug": position.negotiation.slug,
            "title": position.negotiation.title,
        },
        "actor": {"slug": position.actor.slug, "name": position.actor.name},
        "target": {"type": position.target_type, "id": position.target_id},
        "change": position.change,
        "stance": _stance_label(position.stance),
        "stance_value": position.stance,
        "previous_stance": _stance_label(position.previous_stance),
        "previous_stance_value": position.previous_stance,
        "basis": position.basis,
        "contested": position.contested,
        "contested_by": [
            {
                "claim_id": claim.pk,
                "statement_id": claim.statement_id,
                "speaker": claim.statement.speaker.slug,
                "basis": claim.basis,
                "stance": _stance_label(claim.stance),
                "date": str(claim.statement.date),
            }
            for claim in position.contested_by
        ],
        "date": {
            "earliest": position.date_earliest.isoformat(),
            "latest": position.date_latest.isoformat(),
            "display": str(position.date),
        },
        "statement_id": position.statement_id,
        "claim_id": position.claim_id,
    }


def enqueue(events: list[ChangeEvent]) -> list[int]:
    """Create one delivery per event and matching subscription; return the new ids."""
    from negotiations.webhooks.tasks import deliver_webhook

    created_ids = []
    # A statement retracted since the recompute ran is no change to announce.
    rows = Position.objects.published().select_related("negotiation", "actor")
    positions = rows.in_bulk([event.position_id for event in events])
    with_contests(list(positions.values()))
    for event in events:
        position = positions.get(event.position_id)
        if position is None:
            continue
        body = payload(position, event.event_id)
        for subscription in Subscription.objects.matching(position):
            delivery, created = Delivery.objects.get_or_create(
                subscription=subscription, event_id=event.event_id, defaults={"payload": body}
            )
            if created:
                created_ids.append(delivery.pk)
                transaction.on_commit(lambda pk=delivery.pk: deliver_webhook.delay(pk))
    return created_ids


def still_published(delivery: Delivery) -> bool:
    """Whether the change's statement is still on the public record: a retraction
    withdraws the deliveries not yet made, before the recompute has run."""
    return Statement.objects.published().filter(pk=delivery.payload["statement_id"]).exists()


def attempt(delivery: Delivery) -> DeliveryAttempt:
    """POST the delivery once, log the attempt, and mark it delivered on a 2xx."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Parley-Webhooks/1",
        "X-Parley-Event": delivery.event_id,
        "X-Parley-Timestamp": str(timestamp),
        "X-Parley-Signature": sign(delivery.subscription.secret, timestamp, body),
    }
    log = DeliveryAttempt(delivery=delivery)
    try:
        response = http.request(
            "POST",
            delivery.subscription.url,
            body=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_bytes=64_000,
        )
    except (OSError, http.RefusedURL) as error:
        log.error = str(error)[:1000] or type(error).__name__
    else:
        log.status_code, log.duration_ms = response.status, response.duration_ms
        if not log.succeeded:
            log.error = f"HTTP {response.status}"
    log.save()
    if log.succeeded:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERED, delivered_at=timezone.now()
        )
    return log

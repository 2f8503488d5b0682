"""Recomputing positions in the background: the fast path after a change, the outbox
sweep that catches up on what the broker lost, and a full rebuild.

Tasks are safe to run twice and retry on database errors. Their names are pinned to
where they were first defined, so that messages already queued still find them.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from negotiations import positions, webhooks
from negotiations.models import PendingRecompute

_RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="negotiations.tasks.recompute_positions", **_RETRY)
def recompute_positions(keys: list[list]) -> int:
    """Rewrite the stored positions of the given (actor, target type, target id) pairs."""
    return _recompute({(int(a), str(t), int(i)) for a, t, i in keys})


@shared_task(name="negotiations.tasks.sweep_pending_recomputes", **_RETRY)
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


# A full rebuild of a million statements takes minutes, not seconds.
@shared_task(
    name="negotiations.tasks.rebuild_positions", soft_time_limit=3600, time_limit=3900, **_RETRY
)
def rebuild_positions() -> int:
    return positions.rebuild()

"""Periodic work of the ops app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from ops.models import WorkerHeartbeat


@shared_task(bind=True, ignore_result=True)
def heartbeat(self) -> None:
    """Record that a worker is taking tasks off the queue. Safe to run twice."""
    WorkerHeartbeat.beat(self.request.hostname or "in-process")

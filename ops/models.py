"""What operations keep about the running system (not part of the public record)."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

# Containers get a new host name on every restart; forget workers silent this long.
FORGET_WORKERS_AFTER = datetime.timedelta(days=1)


class WorkerHeartbeat(models.Model):
    """When a Celery worker last showed it was alive: one row per worker.

    A worker beats when it starts (ops/signals.py) and whenever it runs the
    periodic `heartbeat` task (ops/tasks.py); /healthz reads the newest beat.
    """

    worker = models.CharField(max_length=255, unique=True, help_text="Celery node name.")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.worker} at {self.at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, worker: str) -> None:
        now = timezone.now()
        cls.objects.update_or_create(worker=worker, defaults={"at": now})
        cls.objects.filter(at__lt=now - FORGET_WORKERS_AFTER).delete()

    @classmethod
    def latest(cls) -> datetime.datetime | None:
        return cls.objects.aggregate(latest=models.Max("at"))["latest"]

"""A worker beats as soon as it is ready, so /healthz need not wait for the first
periodic heartbeat (up to 30 s) after a deploy."""

from __future__ import annotations

from celery.signals import worker_ready
from django.db import connections

from ops.models import WorkerHeartbeat


@worker_ready.connect
def _beat_when_ready(sender, **kwargs) -> None:
    WorkerHeartbeat.beat(sender.hostname)
    # This runs in the worker's main process: do not keep a connection that
    # pool processes forked later would inherit.
    connections.close_all()

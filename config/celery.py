"""The Celery app. With no broker configured, tasks run in-process (see settings)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("parley")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # <app>.tasks of each installed app (ingestion, ops)
# Tasks that live with the concept they serve rather than in an app's tasks module.
app.autodiscover_tasks(
    ["negotiations.positions", "negotiations.statements", "negotiations.webhooks"]
)

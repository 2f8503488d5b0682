"""What /healthz checks: the database, the Celery broker, and a recent worker heartbeat.

Each check returns a short status and never raises. Failures are reported by
exception class only (the endpoint is public, and driver messages name internal
hosts and ports); the full error goes to the log.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from config.celery import app
from ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A probe must answer quickly; a broker slower than this to connect counts as down.
BROKER_TIMEOUT_SECONDS = 1.0
HEALTHY = {"ok", "eager", "not needed"}


def _error(check: str, exc: BaseException) -> str:
    logger.warning("healthz: the %s check failed", check, exc_info=exc)
    return f"error: {type(exc).__name__}"


def database_status(alias: str = DEFAULT_DB_ALIAS) -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _error("database", exc)
    return "ok"


def tasks_run_in_process() -> bool:
    # The Celery app's live configuration, not settings: tests and the worker
    # fixture switch brokers on the app.
    return bool(app.conf.task_always_eager)


def broker_status() -> str:
    if tasks_run_in_process():
        return "eager"
    try:
        with app.connection_for_write(connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            # One quick retry at most; kombu's default backoff would hold the probe for seconds.
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0.2, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception as exc:
        return _error("broker", exc)
    return "ok"


def worker_status(*, database_up: bool = True, now: datetime.datetime | None = None) -> str:
    """Return "ok", "stale" (no beat for HEALTHZ_WORKER_MAX_AGE seconds) or "missing".

    "unknown" when the database is down: the heartbeat lives there.
    """
    if tasks_run_in_process():
        return "not needed"
    if not database_up:
        return "unknown"
    try:
        latest = WorkerHeartbeat.latest()
    except Exception as exc:
        return _error("worker", exc)
    if latest is None:
        return "missing"
    age = (now or timezone.now()) - latest
    if age > datetime.timedelta(seconds=settings.HEALTHZ_WORKER_MAX_AGE):
        return "stale"
    return "ok"


def health() -> dict[str, str]:
    database = database_status()
    return {
        "database": database,
        "broker": broker_status(),
        "worker": worker_status(database_up=database == "ok"),
    }


def is_healthy(checks: dict[str, str]) -> bool:
    return all(status in HEALTHY for status in checks.values())

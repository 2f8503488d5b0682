"""Real `celery worker` processes for tests, sharing this process's PostgreSQL test database.

A test that starts one sends its own tasks to the same broker, so that what the
web process enqueues is run by the worker, as in production.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting after {timeout}s")


def drop_connections() -> None:
    # What Celery itself does after a fork: forget the connection and producer
    # pools made for the old broker (in-process tasks may have made them).
    app._pool = None
    app.amqp._producer_pool = None


def database_url() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )


class Worker:
    """A `celery worker` process whose log lines are collected as they come."""

    def __init__(self, env: dict[str, str], extra: list[str] | None = None) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"),
                *("--loglevel", "info", "--without-gossip", "--without-mingle"),
                *(extra if extra is not None else ["--purge"]),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        print("".join(self.lines[-200:]))


def start_worker(broker_url: str, extra: list[str] | None = None, **env: str) -> Worker:
    """Start a worker on `broker_url` against the test database and wait until it is ready."""
    worker = Worker(
        {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            **env,
        },
        extra=extra,
    )
    try:
        wait_for(lambda: worker.logged(" ready."), timeout=60)
    except AssertionError:
        worker.stop()
        raise
    return worker


@contextlib.contextmanager
def tasks_sent_to(broker_url: str) -> Iterator[None]:
    """Send this process's tasks to `broker_url` instead of running them in-process."""
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    drop_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        drop_connections()


@contextlib.contextmanager
def running_worker(broker_url: str, **env: str) -> Iterator[Worker]:
    """A ready worker on `broker_url`, with this process's tasks sent there too."""
    with tasks_sent_to(broker_url):
        worker = start_worker(broker_url, **env)
        try:
            yield worker
        finally:
            worker.stop()

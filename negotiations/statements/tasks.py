"""Background work of the statements: the bulk import an editor confirmed.

The task takes the job's id, is safe to run twice (only a queued job is taken), and
retries database errors with backoff; nothing is written until the whole file is.
"""

from __future__ import annotations

from celery import Task, shared_task
from django.db import DatabaseError

from negotiations.models import ImportJob
from negotiations.statements import importer


class ImportJobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Out of retries (or a bug): say so on the job instead of leaving it running.
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is not None:
            importer.import_job_fail(job_id=job_id, reason=f"Gave up: {type(exc).__name__}.")


@shared_task(
    name="negotiations.statements.run_import_job",
    base=ImportJobTask,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def run_import_job(job_id: int) -> str:
    """Import the checked file of an ImportJob, all or nothing, recording its progress."""
    try:
        job = ImportJob.objects.get(pk=job_id)
    except ImportJob.DoesNotExist:
        return "gone"
    return importer.import_job_run(job=job).status

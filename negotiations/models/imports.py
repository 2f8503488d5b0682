"""Bulk imports of statements that an editor confirmed, run by a worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from negotiations.models.base import one_of


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Imported"
    FAILED = "failed", "Not imported"


class ImportJob(models.Model):
    """A checked file confirmed for import: what a worker is doing with it, and the outcome.

    Written by negotiations.statements.importer (import_job_submit, import_job_run);
    the editor watches it on the admin's import page.
    """

    # SET_NULL: an account may go; the record of what it imported stays.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statement_imports",
    )
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as checked.")
    # The checked file, until the job has run.
    data = models.BinaryField(editable=False)
    status = models.CharField(
        max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0, help_text="Rows read and checked.")
    summary = models.TextField(blank=True)
    row_errors = models.JSONField(
        default=list, blank=True, help_text="Every row error: line, column and message."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [one_of("status", ImportJobStatus)]
        indexes = [
            # The upload page lists the user's latest imports.
            models.Index(fields=["user", "-created_at"], name="importjob_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display().lower()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)

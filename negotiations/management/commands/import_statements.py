"""Import statements from a CSV or JSON file: `python manage.py import_statements FILE`.

A dry run unless --commit: every row is checked and every error printed as
`line N, column: message`; with --commit a file without errors is written in one
transaction, all or nothing. Statements are imported as drafts unless --user names
a user who may publish statements, in which case the file's status is kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from negotiations.statements.importer import (
    MAX_FILE_BYTES,
    ImportFileError,
    import_statements,
    read_rows,
)


class Command(BaseCommand):
    help = "Check (and with --commit import) statements from a CSV or JSON file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="A .csv (the API's columns) or .json file.")
        parser.add_argument(
            "--commit", action="store_true", help="Write the statements (default: dry run)."
        )
        parser.add_argument(
            "--user",
            help="Import as this user; with the publish permission the file's status is kept, "
            "otherwise every statement is a draft.",
        )

    def handle(
        self, *args, file: Path, commit: bool, user: str | None, verbosity: int, **options
    ) -> None:
        importer_user = _user(user) if user else None
        rows = _rows(file)
        if not commit and verbosity:
            self.stdout.write("Dry run: nothing will be written (use --commit to import).")
        total = len(rows) * (2 if commit else 1)
        with tqdm(total=total, unit="row", disable=verbosity == 0, file=sys.stderr) as bar:
            report = import_statements(rows, user=importer_user, commit=commit, progress=bar.update)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(report.summary())
        if verbosity:
            self.stdout.write(report.summary())


def _user(username: str):
    model = get_user_model()
    try:
        return model.objects.get(**{model.USERNAME_FIELD: username})
    except model.DoesNotExist:
        raise CommandError(f"No user {username!r}.") from None


def _rows(path: Path) -> list[dict]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes.")
        data = path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    try:
        return read_rows(data, path.name)
    except ImportFileError as error:
        raise CommandError(f"{path}: {error}") from error

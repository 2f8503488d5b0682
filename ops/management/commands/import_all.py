"""`manage.py import_all FILE`: load an export_all file into an empty database."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from ops import backup


class Command(BaseCommand):
    help = (
        "Load a file written by export_all into an empty, migrated database, in one "
        "transaction: all of it or nothing. Primary keys are kept and id sequences reset."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="File written by export_all; '-' reads stdin.")

    def handle(self, *args, file: str, verbosity: int, **options) -> None:
        # Fail before reading the file; load() checks again inside its transaction.
        if present := backup.rows_present():
            self._refuse(backup.NotEmptyError(present))
        if file == "-":
            count = self._load(sys.stdin, None, verbosity)
        else:
            path = Path(file)
            try:
                with path.open(encoding="utf-8") as stream:
                    # A first pass to size the progress bar; reading is cheap next to saving.
                    total = sum(1 for line in stream if line.strip())
                    if total == 0:
                        raise CommandError(f"{path} is empty; there is nothing to import.")
                    stream.seek(0)
                    count = self._load(stream, total, verbosity)
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {path}: {exc}") from exc
        if verbosity:
            self.stderr.write(f"Imported {count} objects.")

    def _load(self, stream, total: int | None, verbosity: int) -> int:
        try:
            with tqdm(total=total, unit="row", disable=verbosity == 0, file=sys.stderr) as bar:
                return backup.load(stream, progress=bar.update)
        except backup.NotEmptyError as exc:
            self._refuse(exc)
        except backup.LineError as exc:
            raise CommandError(f"Nothing was imported: not a valid export, {exc}") from exc
        except DatabaseError as exc:
            raise CommandError(f"Nothing was imported: the database refused it, {exc}") from exc

    def _refuse(self, exc: backup.NotEmptyError) -> None:
        raise CommandError(
            f"Refusing to import: {exc}. import_all loads only into an empty database: "
            "create one and run `manage.py migrate`, or empty this one with `manage.py flush`."
        ) from exc

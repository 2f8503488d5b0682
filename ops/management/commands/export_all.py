"""`manage.py export_all [FILE|-]`: every row Parley holds, as JSON lines (see ops/backup.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ops import backup


class _Out:
    """Pass the serializer's pieces to the command's stdout without adding line endings."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")


class Command(BaseCommand):
    help = (
        "Write users, groups, actors, negotiations and all their history as JSON lines, "
        "one consistent snapshot, for import_all. The file holds password hashes and "
        "webhook secrets: keep it as safe as the database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help="Where to write; '-' (the default) is stdout."
        )

    def handle(self, *args, file: str, verbosity: int, **options) -> None:
        if file == "-":
            self._export(_Out(self.stdout), verbosity)
            return
        path = Path(file)
        if not path.parent.is_dir():
            raise CommandError(f"Cannot write {path}: the directory {path.parent} does not exist.")
        # Write beside the target and rename at the end: a failed export never
        # leaves a truncated file that looks like a backup.
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8", newline="\n") as stream:
                count = self._export(stream, verbosity)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        if verbosity:
            self.stderr.write(f"Exported {count} objects to {path}.")

    def _export(self, stream, verbosity: int) -> int:
        with backup.snapshot():
            total = backup.count_rows()
            with tqdm(total=total, unit="row", disable=verbosity == 0, file=sys.stderr) as bar:
                backup.write_export(stream, progress=bar.update)
        return total

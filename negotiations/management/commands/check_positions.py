"""Check that the stored positions are what a rebuild would make: `manage.py check_positions`.

The Position table is a cache that Celery tasks keep current; a lost or
failed task leaves it stale without any error. This command rebuilds inside a
transaction that it then rolls back, compares the rows (all columns but the id)
as sets and changes nothing. Run it when no recompute is pending: rows that a
queued task has yet to rewrite count as differences.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from negotiations import positions
from negotiations.models import Position

COMPARED = [field.attname for field in Position._meta.concrete_fields if not field.primary_key]


def stored_rows() -> set[tuple]:
    # Lists (the contesting claims) become tuples, so that rows can be compared as sets.
    return {
        tuple(tuple(value) if isinstance(value, list) else value for value in row)
        for row in Position.objects.values_list(*COMPARED)
    }


class Command(BaseCommand):
    help = (
        "Compare the stored positions with a fresh rebuild, changing nothing; fail on a difference."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--show", type=int, default=10, help="How many differing rows to print (default 10)."
        )

    def handle(self, *args, show: int = 10, verbosity: int = 1, **options) -> None:
        with transaction.atomic():
            stored = stored_rows()
            positions.rebuild()
            rebuilt = stored_rows()
            transaction.set_rollback(True)
        stale, missing = stored - rebuilt, rebuilt - stored
        if not stale and not missing:
            if verbosity:
                self.stdout.write(f"Positions match a rebuild: {len(stored)} rows.")
            return
        for label, rows in (("stored, not in a rebuild", stale), ("missing", missing)):
            for row in sorted(rows, key=repr)[:show]:
                self.stdout.write(f"{label}: {dict(zip(COMPARED, row, strict=True))}")
        raise CommandError(
            f"Positions differ from a rebuild: {len(stale)} stale and {len(missing)} missing "
            f"rows ({len(stored)} stored, {len(rebuilt)} after a rebuild)."
        )

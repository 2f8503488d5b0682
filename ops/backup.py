"""Write everything Parley holds as JSON lines, and load it back into an empty database.

The file is Django's "jsonl" serialization, one object per line: users and
groups, every model of `actors` and `negotiations` (with the django-simple-history
tables and the Position cache), then the admin's action log. Each model is
written in primary-key order, so two exports of the same data are
byte-identical. Primary keys are kept; rows that point at permissions or
content types name them by natural key, because `migrate` creates those with
ids that differ from one database to the next.

Left out: API tokens (knox stores only digests; users create new ones),
sessions, and the ops app's worker heartbeats.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

CHUNK_SIZE = 2000

# Models whose foreign keys reach permissions or content types.
NATURAL_KEY_MODELS = {"auth.group", "auth.user", "admin.logentry"}

Progress = Callable[[int], Any]


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeps only milliseconds of a time; a restore needs all of it."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        if isinstance(o, datetime.time) and o.utcoffset() is None:
            return o.isoformat()
        return super().default(o)


def exported_models() -> list[type[models.Model]]:
    """Return the models an export holds, parents before the rows that point at them."""
    return [
        Group,
        get_user_model(),
        *apps.get_app_config("actors").get_models(),
        *apps.get_app_config("negotiations").get_models(),
        *apps.get_app_config("ingestion").get_models(),
        apps.get_model("admin", "LogEntry"),
    ]


@contextlib.contextmanager
def snapshot() -> Iterator[None]:
    """Read every table as of one moment, even while the site keeps writing."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def count_rows() -> int:
    return sum(model._base_manager.count() for model in exported_models())


def _rows(model: type[models.Model], natural: bool) -> Iterator[models.Model]:
    queryset = model._base_manager.order_by("pk")
    if natural:
        # The serializer loads each related object to ask for its natural key.
        related = [
            field.name
            for field in model._meta.concrete_fields
            if field.is_relation and hasattr(field.related_model, "natural_key")
        ]
        if related:
            queryset = queryset.select_related(*related)
    # Streams: never more than a chunk of rows in memory.
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def _counting(rows: Iterable[models.Model], progress: Progress | None) -> Iterator[models.Model]:
    for row in rows:
        yield row
        if progress:
            progress(1)


def write_export(stream: IO[str], *, progress: Progress | None = None) -> None:
    """Write every exported row to `stream`; call inside `snapshot()` for a consistent copy."""
    for model in exported_models():
        natural = model._meta.label_lower in NATURAL_KEY_MODELS
        serializers.serialize(
            "jsonl",
            _counting(_rows(model, natural), progress),
            stream=stream,
            cls=ExactJSONEncoder,
            use_natural_foreign_keys=natural,
        )


def rows_present() -> dict[str, int]:
    """Return the non-empty tables an import would fill, with their row counts.

    Groups are not counted: migrate creates the editor and reviewer groups, and
    the import replaces them with the exported ones.
    """
    present = {}
    for model in exported_models():
        if model is Group:
            continue
        count = model._base_manager.count()
        if count:
            present[str(model._meta.verbose_name_plural)] = count
    return present


class NotEmptyError(Exception):
    def __init__(self, present: dict[str, int]) -> None:
        self.present = present
        listed = [f"{count} {name}" for name, count in present.items()]
        if len(listed) > 4:
            listed[3:] = [f"and {len(listed) - 3} more tables"]
        super().__init__(f"the database is not empty: it holds {', '.join(listed)}")


class LineError(Exception):
    def __init__(self, line: int, exc: BaseException) -> None:
        self.line = line
        super().__init__(f"line {line}: {exc}")


def reset_sequences() -> None:
    """Move id sequences past the loaded primary keys, so new rows do not collide.

    PostgreSQL only; SQLite's AUTOINCREMENT already follows the largest id.
    """
    statements = connection.ops.sequence_reset_sql(no_style(), exported_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class _NumberedLines:
    """Lines of the file, remembering how far the reader got (for error messages)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = lines
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            self.number += 1
            yield line


def load(lines: Iterable[str], *, progress: Progress | None = None) -> int:
    """Load an export into the empty database, all or nothing. Return the object count.

    Rows are saved raw, as `loaddata` does: the position recompute, history and
    data-version signals all ignore raw saves, so nothing fires per row and the
    Position cache comes from the file as it was exported.
    """
    numbered = _NumberedLines(lines)
    loaded = 0
    with transaction.atomic():
        present = rows_present()
        if present:
            raise NotEmptyError(present)
        Group.objects.all().delete()
        try:
            with connection.constraint_checks_disabled():
                deferred = []
                for obj in serializers.deserialize(
                    "jsonl", numbered, handle_forward_references=True
                ):
                    # The database is empty: insert without first trying an UPDATE.
                    obj.save(force_insert=True)
                    if obj.deferred_fields:
                        deferred.append(obj)
                    loaded += 1
                    if progress:
                        progress(1)
                for obj in deferred:
                    obj.save_deferred_fields()
        except Exception as exc:
            raise LineError(numbered.number, exc) from exc
        # Foreign keys are checked at commit; check now to fail with a clear message.
        connection.check_constraints(
            table_names=[model._meta.db_table for model in exported_models()]
        )
        reset_sequences()
    return loaded

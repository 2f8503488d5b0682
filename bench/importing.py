"""The bulk import at its documented limit: 5,000 rows, about 5 MB.

`import_file()` writes a CSV in the API's statement columns from the demo
negotiation (load it first): each demo statement again and again, each time with
its own quote of about a kilobyte and, every few rows, a new source (same title,
publisher and publication date, a new URL). The speaker's side is left empty
wherever the service derives the same one, so that path is exercised too. Every
row is valid: nothing in the file repeats itself or the record.

`measure_import()` times the command on it, dry run and commit, in this process
(`bench/run.py --import` runs it on a fresh database).
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from actors.models import resolve_side
from negotiations.api.serializers import StatementCSVSerializer
from negotiations.models import Claim, Position, Statement
from negotiations.statements.importer import COLUMNS

ROWS = 5000
URL = "https://bench.example/"
ROWS_PER_SOURCE = 5
QUOTE_BYTES = 560
FILLER = (
    "The delegation repeated that the sequencing of the phases and the guarantees "
    "offered by the mediators remain the questions on which everything else depends. "
)


def import_file(rows: int = ROWS, tag: str = "bench") -> bytes:
    """Return a CSV of `rows` valid statements for the demo negotiation (loaded)."""
    # The demo's own statements, not what earlier runs imported.
    demo = list(Statement.objects.for_display().exclude(source__url__startswith=URL).order_by("pk"))
    if not demo:
        raise RuntimeError("Load the demo negotiation first (manage.py load_demo).")
    exported = StatementCSVSerializer(demo, many=True).data
    derived = [_side_is_derived(statement) for statement in demo]
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for number in range(rows):
        row = dict(exported[number % len(demo)])
        if derived[number % len(demo)]:
            row["on_behalf_of"] = ""
        # Rows that share a source are copies of one demo statement: same source fields.
        cycle, which = divmod(number, len(demo))
        row["source_url"] = f"{URL}{tag}/{cycle // ROWS_PER_SOURCE}/{which}"
        lead = f"{row['quote'] or row['summary']} (bench {tag} row {number})"
        row["quote"] = (lead + " " + FILLER * (QUOTE_BYTES // len(FILLER) + 1))[:QUOTE_BYTES]
        row["quote_language"] = "en"
        out.write(",".join(_cell(row[name]) for name in COLUMNS) + "\n")
    return out.getvalue().encode()


def _side_is_derived(statement: Statement) -> bool:
    """Whether the service would fill in the statement's side as it stands."""
    side = resolve_side(statement.speaker, statement.date_earliest, statement.date_latest)
    return side.organization is not None and side.organization.pk == statement.on_behalf_of_id


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"'


def measure_import(rows: int = ROWS) -> dict:
    """Time `manage.py import_statements` on the file: dry run, then commit as a reviewer."""
    user, _ = get_user_model().objects.get_or_create(username="bench-importer")
    user.groups.add(Group.objects.get(name="reviewer"))
    tag = f"bench-{time.time_ns()}"
    data = import_file(rows, tag)
    statements, claims = Statement.objects.count(), Claim.objects.count()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "statements.csv"
        path.write_bytes(data)
        started = time.perf_counter()
        call_command("import_statements", str(path), verbosity=0)
        dry_run = time.perf_counter() - started
        started = time.perf_counter()
        call_command(
            "import_statements", str(path), "--commit", "--user", user.username, verbosity=0
        )
        commit = time.perf_counter() - started
    return {
        "rows": rows,
        "bytes": len(data),
        "dry_run": dry_run,
        "commit": commit,
        "statements": Statement.objects.count() - statements,
        "claims": Claim.objects.count() - claims,
        "positions": Position.objects.count(),
    }

"""export_all and import_all: a backup that restores to an identical database, or not at all."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from actors.models import Actor
from ingestion import services
from negotiations.models import Statement, StatementStatus
from negotiations.positions import tasks
from negotiations.statements.services import statement_transition
from ops import backup
from tests.conftest import create_groups_as_migrate_does
from tests.factories import ActorFactory, ClaimFactory, StatementFactory

HistoricalStatement = apps.get_model("negotiations", "HistoricalStatement")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in backup.exported_models()}


def export(path: Path) -> bytes:
    call_command("export_all", str(path), verbosity=0)
    return path.read_bytes()


@pytest.fixture
def recorded(django_user_model):
    """The demo, with a reviewer's retraction and publication in its history."""
    create_groups_as_migrate_does()
    call_command("load_demo", verbosity=0)
    reviewer = django_user_model.objects.create_user("rev", "rev@example.org", "pw")
    reviewer.groups.add(Group.objects.get(name="reviewer"))
    reviewer.user_permissions.add(Permission.objects.get(codename="view_position"))
    published = Statement.objects.filter(status=StatementStatus.PUBLISHED).order_by("pk")
    statement_transition(statement=published[0], to="retracted", user=reviewer, reason="Misquoted")
    draft = ClaimFactory(
        statement=StatementFactory(negotiation=published[1].negotiation, status="draft"),
        subject=published[1].speaker,
    ).statement
    statement_transition(statement=draft, to="published", user=reviewer)
    # An article drafted into statements, with the spans they came from.
    services.article_submit(
        negotiation=draft.negotiation,
        published=datetime.date(2024, 8, 21),
        text="Antony Blinken said on Monday that Israel had accepted the bridging proposal.",
        publisher_name="Wire",
        user=reviewer,
    )
    LogEntry.objects.create(
        user=reviewer,
        content_type=ContentType.objects.get_for_model(Statement),
        object_id=str(draft.pk),
        object_repr=str(draft),
        action_flag=CHANGE,
        change_message="[]",
    )
    return reviewer


@pytest.fixture
def small_record():
    """A few rows with history, for tests that need some data but not the demo."""
    create_groups_as_migrate_does()
    for _ in range(3):
        ClaimFactory()


@pytest.mark.django_db(transaction=True)
def test_an_export_imported_into_an_emptied_database_exports_identically(
    recorded, tmp_path, monkeypatch
):
    first = export(tmp_path / "first.jsonl")
    before = row_counts()
    history_dates = list(HistoricalStatement.objects.order_by("pk").values_list("history_date"))
    assert HistoricalStatement.objects.filter(history_user=recorded).count() == 2
    assert before["negotiations.Position"] > 0
    assert before["ingestion.Candidate"] > 0

    call_command("flush", interactive=False, verbosity=0)
    # A freshly migrated database has the two groups, under ids of its own.
    Group.objects.create(name="placeholder")
    create_groups_as_migrate_does()
    assert set(row_counts().values()) == {0, 3}
    enqueued = []
    monkeypatch.setattr(tasks.recompute_positions, "delay", lambda *a: enqueued.append(a))

    call_command("import_all", str(tmp_path / "first.jsonl"), verbosity=0)

    assert export(tmp_path / "second.jsonl") == first
    assert row_counts() == before
    assert enqueued == []  # raw saves: no recompute per row; positions came from the file
    # Microseconds survive (Django's JSON encoder alone would keep milliseconds).
    assert list(HistoricalStatement.objects.order_by("pk").values_list("history_date")) == (
        history_dates
    )
    reviewer = type(recorded).objects.get(username="rev")
    assert reviewer.has_perm("negotiations.publish_statement")
    assert reviewer.has_perm("negotiations.view_position")
    assert LogEntry.objects.get().get_edited_object().status == StatementStatus.PUBLISHED
    # The id sequences moved past the imported rows (flush had reset them to 1).
    last_actor, last_statement = Actor.objects.latest("pk").pk, Statement.objects.latest("pk").pk
    assert ActorFactory().pk > last_actor
    assert StatementFactory().pk > last_statement


@pytest.mark.django_db(transaction=True)
def test_a_corrupt_file_imports_nothing(small_record, tmp_path):
    lines = export(tmp_path / "good.jsonl").decode().splitlines(keepends=True)
    middle = len(lines) // 2
    lines[middle] = lines[middle][: len(lines[middle]) // 2] + "\n"
    (tmp_path / "bad.jsonl").write_text("".join(lines))
    call_command("flush", interactive=False, verbosity=0)
    create_groups_as_migrate_does()
    counts = row_counts()

    with pytest.raises(CommandError, match=f"Nothing was imported: .*line {middle + 1}"):
        call_command("import_all", str(tmp_path / "bad.jsonl"), verbosity=0)

    assert row_counts() == counts
    assert set(Group.objects.values_list("name", flat=True)) == {"editor", "reviewer"}


@pytest.mark.django_db(transaction=True)
def test_a_row_pointing_at_a_missing_row_imports_nothing(small_record, tmp_path):
    lines = export(tmp_path / "good.jsonl").decode().splitlines()
    for number, line in enumerate(lines):
        row = json.loads(line)
        if row["model"] == "negotiations.claim":
            row["fields"]["statement"] = 999_999
            lines[number] = json.dumps(row)
            break
    (tmp_path / "dangling.jsonl").write_text("\n".join(lines) + "\n")
    call_command("flush", interactive=False, verbosity=0)
    counts = row_counts()

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_all", str(tmp_path / "dangling.jsonl"), verbosity=0)

    assert row_counts() == counts


@pytest.mark.django_db
def test_it_refuses_a_database_that_is_not_empty(small_record, tmp_path):
    path = tmp_path / "demo.jsonl"
    export(path)
    counts = row_counts()

    with pytest.raises(CommandError, match="Refusing to import: the database is not empty"):
        call_command("import_all", str(path), verbosity=0)

    assert row_counts() == counts


@pytest.mark.django_db
def test_it_refuses_an_empty_or_missing_file(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(CommandError, match="is empty; there is nothing to import"):
        call_command("import_all", str(tmp_path / "empty.jsonl"), verbosity=0)
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_all", str(tmp_path / "missing.jsonl"), verbosity=0)


@pytest.mark.django_db
def test_it_exports_to_stdout_with_no_progress_bar_at_verbosity_0(small_record, tmp_path, capsys):
    out = io.StringIO()
    call_command("export_all", "-", stdout=out, verbosity=0)
    assert capsys.readouterr().err == ""
    assert out.getvalue().encode() == export(tmp_path / "demo.jsonl")
    models = {json.loads(line)["model"] for line in out.getvalue().splitlines()}
    assert {"auth.group", "actors.actor", "actors.historicalactor", "negotiations.claim"} <= models


@pytest.mark.django_db
def test_it_shows_progress_on_stderr(tmp_path, capsys):
    ActorFactory()
    call_command("export_all", str(tmp_path / "out.jsonl"))
    err = capsys.readouterr().err
    assert "row/s" in err
    assert f"objects to {tmp_path / 'out.jsonl'}" in err
    assert not (tmp_path / "out.jsonl.partial").exists()

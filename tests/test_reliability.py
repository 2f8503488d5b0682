"""Losing the database is a 503 with Retry-After, and the position cache can be checked.

The end-to-end proof (a real PostgreSQL restart under load) is `make faults-postgres`;
these tests pin the answers themselves.
"""

from __future__ import annotations

import json
import socket

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import Client
from knox.models import AuthToken

from negotiations import positions
from negotiations.models import DataVersion, Position, Stance
from tests.factories import ActorFactory, ClaimFactory, IssueFactory, SourceFactory

STATEMENTS = "/api/v1/statements/"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def token(django_user_model) -> str:
    """A valid API token: the request gets as far as looking it up."""
    user = django_user_model.objects.create_user("rita", "rita@example.org", "pw-for-tests")
    return AuthToken.objects.create(user)[1]


@pytest.fixture
def database_down():
    """Point the connection at a port nothing listens on, as while PostgreSQL restarts.

    Every query then fails to connect for real (psycopg's OperationalError), in
    the middle of Django's and DRF's own request handling.
    """
    settings_dict = connection.settings_dict
    saved = settings_dict["PORT"]
    connection.close()
    settings_dict["PORT"] = str(_closed_port())
    try:
        yield
    finally:
        settings_dict["PORT"] = saved
        connection.close()


def _assert_api_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["errors"][0]["code"] == "database_unavailable"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestWhilePostgresIsUnreachable:
    def test_a_page_is_a_plain_503_with_retry_after(self, database_down):
        response = Client().get("/n/gaza-2024/")
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert b"Back in a moment" in response.content
        assert b"Traceback" not in response.content

    def test_an_api_read_is_a_503_in_the_error_shape(self, database_down):
        _assert_api_503(Client().get(STATEMENTS))

    def test_an_api_write_is_a_503_in_the_error_shape(self, token, database_down):
        response = Client().post(
            STATEMENTS,
            {"summary": "x"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        _assert_api_503(response)

    def test_the_next_request_reconnects_once_it_is_back(self):
        port = connection.settings_dict["PORT"]
        connection.close()
        connection.settings_dict["PORT"] = str(_closed_port())
        try:
            assert Client().get(STATEMENTS).status_code == 503
        finally:
            connection.settings_dict["PORT"] = port
        assert Client().get(STATEMENTS).status_code == 200

    def test_it_logs_one_line_not_a_traceback(self, database_down, caplog):
        Client().get("/n/gaza-2024/")
        [record] = [r for r in caplog.records if r.name == "parley.database"]
        assert "GET /n/gaza-2024/: database unavailable, answered 503" in record.getMessage()
        assert record.exc_info is None


def _connection_lost(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
class TestWhenAQueryFails:
    """The same answers on any database, with the failure raised at the query layer."""

    def test_a_page_is_a_503(self):
        with connection.execute_wrapper(_connection_lost):
            response = Client().get("/n/gaza-2024/")
        assert (response.status_code, response["Retry-After"]) == (503, "5")

    def test_an_api_write_inside_drf_is_a_503(self, token):
        with connection.execute_wrapper(_connection_lost):
            response = Client().post(
                STATEMENTS,
                {"summary": "x"},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
            )
        _assert_api_503(response)

    def test_other_errors_are_not_swallowed(self):
        def broken(execute, sql, params, many, context):
            raise ValueError("a bug, not an outage")

        with connection.execute_wrapper(broken), pytest.raises(ValueError, match="a bug"):
            Client().get("/n/gaza-2024/")


@pytest.mark.django_db
class TestCheckPositions:
    @pytest.fixture
    def claim(self):
        claim = ClaimFactory(issue=IssueFactory(), subject=ActorFactory(), stance=Stance.ACCEPTS)
        positions.rebuild()  # the recompute task runs on commit, which this test never reaches
        return claim

    def test_it_passes_when_the_table_matches_a_rebuild(self, claim, capsys):
        call_command("check_positions")
        assert "Positions match a rebuild: 1 rows." in capsys.readouterr().out

    def test_it_fails_on_a_stale_row_and_changes_nothing(self, claim, capsys):
        Position.objects.update(stance=Stance.REJECTS)
        with pytest.raises(CommandError, match="1 stale and 1 missing rows"):
            call_command("check_positions")
        assert "stored, not in a rebuild" in capsys.readouterr().out
        assert list(Position.objects.values_list("stance", flat=True)) == [Stance.REJECTS]

    def test_it_fails_on_a_missing_row(self, claim):
        Position.objects.all().delete()
        with pytest.raises(CommandError, match="0 stale and 1 missing rows"):
            call_command("check_positions")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_version_bump_failing_after_commit_does_not_cost_the_positions_recompute(
    django_user_model, monkeypatch, caplog
):
    """Seen in `make faults-postgres`: PostgreSQL went away between a statement's commit and
    the on-commit hooks. The first hook (the data version) failed, and Django skipped the
    rest, among them the recompute of the new claims' positions."""
    issue, subject, source = IssueFactory(), ActorFactory(), SourceFactory()
    user = django_user_model.objects.create_user("rita", "rita@example.org", "pw-for-tests")
    codenames = ["add_statement", "publish_statement", "add_claim"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))

    def database_gone() -> None:
        raise OperationalError("server closed the connection unexpectedly")

    token = AuthToken.objects.create(user)[1]
    monkeypatch.setattr(DataVersion, "bump", database_gone)
    response = Client().post(
        STATEMENTS,
        {
            "negotiation": issue.negotiation.slug,
            "speaker": subject.slug,
            "date": "Aug 19, 2024",
            "source": source.pk,
            "quote": "We accept the proposal.",
            "status": "published",
            "claims": [
                {
                    "subject": subject.slug,
                    "stance": "accepts",
                    "basis": "own",
                    "target_type": "issue",
                    "target_id": issue.pk,
                }
            ],
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert Position.objects.filter(actor=subject, target_id=issue.pk).exists()
    assert response.status_code == 201, response.content
    assert "Data version not bumped after a commit" in caplog.text

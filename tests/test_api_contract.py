"""The API keeps the contract its OpenAPI schema states.

Three layers: the schema itself is valid (drf-spectacular, warnings are
errors); schemathesis sends generated requests for every operation over real
HTTP to a live server holding the demo negotiation; and a client generated from
the schema by openapi-python-client reads statements and a matrix as typed
models. Nothing here needs PostgreSQL or Redis.
"""

from __future__ import annotations

import datetime
import importlib
import itertools
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.throttling import AnonRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from actors.models import Actor
from negotiations import positions
from negotiations.models import Claim, Demand, Issue, Negotiation, Proposal, Source, Statement

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Bounded for CI (2 cores, the whole suite in a few minutes) and reproducible:
# derandomize draws the same examples on every run, and no example database
# carries failures over from an earlier run. The database fixtures are
# function-scoped, which Hypothesis's health checks would flag.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# What a path parameter names, by the path segment in front of it.
LOOKUPS = {
    "actors": (Actor, "slug"),
    "negotiations": (Negotiation, "slug"),
    "issues": (Issue, "slug"),
    "proposals": (Proposal, "slug"),
    "claims": (Claim, "pk"),
    "demands": (Demand, "pk"),
    "sources": (Source, "pk"),
    "statements": (Statement, "pk"),
}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)
    positions.rebuild()


@pytest.fixture
def unthrottled(monkeypatch):
    # The anonymous rate (API_ANON_RATE, 600/minute by default) is copied into
    # the throttle classes when DRF is imported, so the `settings` fixture
    # cannot lift it. The fuzzer sends more than that in a minute and would
    # then see nothing but 429s, which hide the real answers. Throttling is not
    # what this file tests; the live server runs in this process, so the patch
    # reaches it.
    monkeypatch.setattr(AnonRateThrottle, "rate", "1000000/minute", raising=False)


@pytest.fixture
def superuser_token(transactional_db) -> str:
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    user = get_user_model().objects.create_superuser("contract", "contract@example.org", "pw")
    _, token = AuthToken.objects.create(user)
    return token


def existing_values(path: str) -> dict[str, list]:
    """For each parameter of a path template, the values that name demo rows."""
    parts = path.strip("/").split("/")
    values = {}
    for owner, part in itertools.pairwise(parts):
        if part.startswith("{") and owner in LOOKUPS:
            model, field = LOOKUPS[owner]
            values[part[1:-1]] = sorted(model.objects.values_list(field, flat=True))
    return values


@pytest.fixture
def api_schema(request, caplog, live_server, demo, unthrottled):
    # Thousands of expected 4xx would each log a warning into the report of a
    # failure; server errors (with their tracebacks) are logged as errors.
    caplog.set_level(logging.ERROR, logger="django.request")
    # schemathesis 4.32.5 renames the running item through `node._nodeid`,
    # which pytest 9.2 no longer has (it keeps the id in `node._id`). Give it
    # the attribute; only the operation names in the progress line are lost,
    # failures still carry them in their label.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid

    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    schema.config.update(base_url=live_server.url)
    # The coverage phase sends every boundary and type-confusion variant of
    # every parameter: some 3,400 requests, a minute and a half on PostgreSQL.
    # Examples and fuzzing (max_examples per operation, below) find the same
    # kinds of failure here in about a third of the time.
    schema.config.phases.update(phases=["examples", "fuzzing"])

    # Random slugs and ids almost never name a row, so most requests would end
    # in a 404 before any serializer or query runs. Half of the generated path
    # parameters therefore name demo rows (read here, before any request).
    existing = {
        operation.ok().path: existing_values(operation.ok().path)
        for operation in schema.get_all_operations()
    }

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        values = existing.get(context.operation.path)
        if not values:
            return strategy
        rows = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in values.items()})
        return st.one_of(strategy, rows)

    return schema


live_schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_schema_validates_without_warnings(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    assert path.read_text().startswith("openapi: 3.")


@FUZZ
@live_schema.include(method="GET").parametrize()
def test_anonymous_reads_keep_the_contract(case):
    case.call_and_validate(checks=CHECKS)


@FUZZ
@(
    live_schema.include(method=["POST", "PUT", "PATCH", "DELETE"])
    .exclude(
        # Exchanges a password (HTTP Basic) or a session for a token: a token
        # cannot call it, and fuzzing it would only mint tokens.
        path="/api/v1/auth/token/",
    )
    .exclude(
        # Revokes the very token the fuzzer writes with; every later case would 401.
        path="/api/v1/auth/token/revoke/",
    )
    .parametrize()
)
def test_superuser_writes_keep_the_contract(case, superuser_token):
    case.call_and_validate(headers={"Authorization": f"Token {superuser_token}"}, checks=CHECKS)


def endpoint(package: Path, operation: str):
    """The generated module for an operation, wherever the generator put it.

    Without SCHEMA_PATH_PREFIX every operation is tagged `v1` and lands in
    api/v1/v1_<operation>.py; with a prefix, in api/<tag>/<operation>.py.
    """
    [module] = package.glob(f"api/*/*{operation}.py")
    name = ".".join(module.relative_to(package.parent).with_suffix("").parts)
    return importlib.import_module(name)


@pytest.fixture
def generated_client(tmp_path, live_server, demo, unthrottled):
    schema = tmp_path / "schema.json"
    response = requests.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=30)
    response.raise_for_status()
    schema.write_bytes(response.content)
    # No post hooks: they run ruff over the generated code, which adds time and
    # needs ruff on PATH, and formatting does not change what the code does.
    config = tmp_path / "generator.yaml"
    config.write_text("post_hooks: []\n")
    package = tmp_path / "parley_client"
    generator = Path(sys.executable).with_name("openapi-python-client")
    command = [generator, "generate", "--path", schema, "--output-path", package]
    command += ["--meta", "none", "--config", config, "--fail-on-warning"]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    sys.path.insert(0, str(tmp_path))
    try:
        yield package
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.partition(".")[0] == "parley_client"]:
            del sys.modules[name]


def test_a_generated_client_lists_statements_and_reads_a_matrix(generated_client, live_server):
    client_module = importlib.import_module("parley_client")
    models = importlib.import_module("parley_client.models")
    # Closing the client closes its kept-alive connection, which the live
    # server's request thread would otherwise still hold at interpreter exit.
    with client_module.Client(base_url=live_server.url, raise_on_unexpected_status=True) as client:
        page = endpoint(generated_client, "statements_list").sync(
            client=client, negotiation="gaza-2024"
        )
        assert isinstance(page, models.PaginatedStatementList), page
        assert page.results
        for statement in page.results:
            assert isinstance(statement, models.Statement)
            assert statement.negotiation == "gaza-2024"
            assert isinstance(statement.speaker, str) and statement.speaker
            assert isinstance(statement.date, str) and statement.date
            assert isinstance(statement.date_earliest, datetime.date)
            assert statement.date_earliest <= statement.date_latest
            assert isinstance(statement.source_detail, models.Source)
            assert statement.status == models.StatusEnum.PUBLISHED
            for claim in statement.claims:
                assert isinstance(claim, models.NestedClaim)
                assert isinstance(claim.stance, models.StanceEnum)
        speakers = {statement.speaker for statement in page.results}
        assert "benjamin-netanyahu" in speakers

        as_of = datetime.date(2024, 8, 20)
        matrix = endpoint(generated_client, "negotiations_matrix_retrieve").sync(
            "gaza-2024", client=client, as_of=as_of
        )
        assert isinstance(matrix, models.Matrix), matrix
        assert matrix.as_of == as_of
        assert {"israel", "hamas"} <= set(matrix.parties)
        assert len(matrix.cells) == len(matrix.parties) * len(matrix.issues)
        assert all(isinstance(cell, models.MatrixCell) for cell in matrix.cells)
        taken = [cell.position for cell in matrix.cells if cell.position is not None]
        assert taken
        assert all(isinstance(position, models.Position) for position in taken)
        assert all(isinstance(position.stance, models.StanceEnum) for position in taken)
        assert all(position.date_earliest <= as_of for position in taken)
        convergence = matrix.convergence.additional_properties
        assert set(convergence) == set(matrix.issues)
        assert all(
            isinstance(value, models.MatrixConvergenceAdditionalProperty)
            for value in convergence.values()
        )

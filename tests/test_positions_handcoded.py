"""Derived positions against negotiations coded by hand, read through the API.

Each tests/fixtures/handcoded/<name>.yaml is an invented negotiation (in
load_demo's format); <name>-expected.yaml is what a careful analyst derived from
it with nothing but the rules in negotiations.positions' docstring, written
before any code ran on it (by someone who had not seen the code). The test loads
the negotiation and compares, through the public API: the set of (actor,
target) pairs, every position of each pair (day, stance, basis, statement,
change, contesting claims), and the matrix at the coded dates (stances,
contested marks, packages, convergence). Every difference is listed.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from core.dates import parse_fuzzy_date

pytestmark = pytest.mark.django_db

HANDCODED = Path(__file__).parent / "fixtures" / "handcoded"
EXPECTED = sorted(HANDCODED.glob("*-expected.yaml"))
FAR_FUTURE = "2100-01-01"


def read_all(client, url: str) -> list[dict]:
    """Every row of a paginated API list, following its next links."""
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        if isinstance(body, list):
            return body
        rows += body["results"]
        url = body.get("next")
    return rows


class Names:
    """Translate between the fixture's names and the API's ids, through the API."""

    def __init__(self, client, fixture: dict) -> None:
        slug = fixture["negotiation"]["slug"]
        base = f"/api/v1/negotiations/{slug}"
        self.issue_id = {row["slug"]: row["id"] for row in read_all(client, f"{base}/issues/")}
        self.proposal_id, self.provision_id = {}, {}
        for proposal in read_all(client, f"{base}/proposals/"):
            self.proposal_id[proposal["slug"]] = proposal["id"]
            for provision in proposal["provisions"]:
                key = (proposal["slug"], provision["phase"], provision["order"])
                self.provision_id[key] = provision["id"]
        demands = {
            (row["actor"], row["issue"], row["text"]): row["id"]
            for row in read_all(client, "/api/v1/demands/?page_size=500")
        }
        self.demand_id = {
            entry["key"]: demands[entry["actor"], self.issue_id[entry["issue"]], entry["text"]]
            for entry in fixture.get("demands") or []
        }
        # Published statements only: the expected file refers to no other.
        self.statement = {
            row["id"]: (row["speaker"], row["date_earliest"], row["date_latest"])
            for row in read_all(client, f"/api/v1/statements/?negotiation={slug}&page_size=500")
        }
        self.slug = slug

    def target(self, target: dict) -> tuple[str, int]:
        [(kind, name)] = target.items()
        match kind:
            case "issue":
                return kind, self.issue_id[name]
            case "proposal":
                return kind, self.proposal_id[name]
            case "demand":
                return kind, self.demand_id[name]
            case "provision":
                return kind, self.provision_id[name["proposal"], name["phase"], name["order"]]
        raise AssertionError(f"unknown target {target}")

    def target_name(self, kind: str, target_id: int) -> str:
        tables = {
            "issue": self.issue_id,
            "proposal": self.proposal_id,
            "demand": self.demand_id,
            "provision": self.provision_id,
        }
        names = {pk: name for name, pk in tables[kind].items()}
        return f"{kind} {names.get(target_id, target_id)}"


def statement_ref(names: Names, statement_id: int) -> tuple[str, str, str]:
    return names.statement[statement_id]


def coded_statement(ref: dict) -> tuple[str, str, str]:
    date = parse_fuzzy_date(str(ref["date"]))
    return (ref["speaker"], date.earliest.isoformat(), date.latest.isoformat())


def contest_of(names: Names, claim: dict) -> tuple:
    return (
        names.statement[claim["statement"]],
        claim["basis"],
        claim["stance"],
    )


def coded_contest(claim: dict) -> tuple:
    return (coded_statement(claim), claim["basis"], claim["stance"])


def derived_history(client, names: Names, actor: str, kind: str, target_id: int) -> list[tuple]:
    response = client.get(f"/api/v1/actors/{actor}/history/?{kind}={target_id}")
    assert response.status_code == 200, response.content[:300]
    return [
        (
            row["date_latest"],
            row["stance"],
            row["basis"],
            statement_ref(names, row["statement"]),
            row["change"] or None,
            sorted(contest_of(names, claim) for claim in row["contested_by"]),
        )
        for row in response.json()
    ]


def coded_history(entries: list[dict]) -> list[tuple]:
    return [
        (
            str(entry["day"]),
            entry["stance"],
            entry["basis"],
            coded_statement(entry["statement"]),
            entry.get("change"),
            sorted(coded_contest(claim) for claim in entry.get("contested_by") or []),
        )
        for entry in entries
    ]


@pytest.fixture(params=EXPECTED, ids=lambda path: path.name.removesuffix("-expected.yaml"))
def handcoded(request, client, django_capture_on_commit_callbacks):
    expected = yaml.safe_load(request.param.read_text(encoding="utf-8"))
    path = request.param.with_name(request.param.name.replace("-expected", ""))
    fixture = yaml.safe_load(path.read_text(encoding="utf-8"))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", path=path, verbosity=0)
    return Names(client, fixture), expected


def test_the_fixtures_are_there():
    assert len(EXPECTED) >= 2


def test_every_pair_and_position_is_as_coded_by_hand(client, handcoded):
    names, expected = handcoded
    differences = []
    coded_pairs = {}
    for entry in expected["positions"]:
        kind, target_id = names.target(entry["target"])
        coded_pairs[entry["actor"], kind, target_id] = entry["history"]
    derived_pairs = {
        (row["actor"], row["target_type"], row["target_id"])
        for row in read_all(
            client, f"/api/v1/negotiations/{names.slug}/positions/?as_of={FAR_FUTURE}"
        )
    }
    for actor, kind, target_id in sorted(derived_pairs - set(coded_pairs)):
        differences.append(f"not coded: {actor} on {names.target_name(kind, target_id)}")
    for actor, kind, target_id in sorted(set(coded_pairs) - derived_pairs):
        differences.append(f"not derived: {actor} on {names.target_name(kind, target_id)}")
    for (actor, kind, target_id), history in coded_pairs.items():
        derived = derived_history(client, names, actor, kind, target_id)
        coded = coded_history(history)
        if derived != coded:
            differences.append(
                f"{actor} on {names.target_name(kind, target_id)}:\n"
                f"  coded   {coded}\n  derived {derived}"
            )
    assert not differences, "\n".join(differences)


def test_the_matrix_is_as_coded_by_hand(client, handcoded):
    names, expected = handcoded
    differences = []
    proposal_slug = {pk: slug for slug, pk in names.proposal_id.items()}
    for coded in expected["matrix"]:
        as_of = coded["as_of"]
        if isinstance(as_of, datetime.date):
            as_of = as_of.isoformat()
        response = client.get(f"/api/v1/negotiations/{names.slug}/matrix/?as_of={as_of}")
        assert response.status_code == 200
        matrix = response.json()
        cells = {(cell["party"], cell["issue"]): cell for cell in matrix["cells"]}
        assert len(cells) == len(coded["cells"]), as_of
        for cell in coded["cells"]:
            got = cells[cell["party"], cell["issue"]]
            position = got["position"]
            derived = (
                position["stance"] if position else None,
                bool(position and position["contested"]),
                sorted((p["proposal"], p["stance"]) for p in got["packages"]),
            )
            wanted = (
                cell["stance"],
                cell["contested"],
                sorted((p["proposal"], p["stance"]) for p in cell.get("packages") or []),
            )
            if derived != wanted:
                differences.append(
                    f"{as_of} {cell['party']} × {cell['issue']}: coded {wanted}, derived {derived}"
                )
        if matrix["convergence"] != coded["convergence"]:
            differences.append(
                f"{as_of} convergence: coded {coded['convergence']}, "
                f"derived {matrix['convergence']}"
            )
        assert proposal_slug  # the names were read
    assert not differences, "\n".join(differences)

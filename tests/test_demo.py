"""The demo negotiation loads, loads again without change, and tells the story it should."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from actors.models import Actor, Affiliation, Alias
from negotiations.management.commands.load_demo import DEFAULT_PATH
from negotiations.models import (
    Basis,
    Claim,
    Demand,
    Issue,
    Negotiation,
    Participant,
    Proposal,
    Provision,
    Source,
    Stance,
    Statement,
    StatementStatus,
)

pytestmark = pytest.mark.django_db

SEED_ARTICLE = Path(settings.BASE_DIR).parent / "shared/seed/article-2024-08-gaza-talks.txt"
MAY_31 = datetime.date(2024, 5, 31)
DEMO_MODELS = [
    Actor,
    Alias,
    Affiliation,
    Negotiation,
    Participant,
    Issue,
    Proposal,
    Provision,
    Demand,
    Source,
    Statement,
    Claim,
]


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo() -> None:
    load("--verbosity", "0")


def own_claims(subject: str, **target) -> list[Claim]:
    return list(
        Claim.objects.filter(subject__slug=subject, basis=Basis.OWN, **target)
        .select_related("statement")
        .order_by("statement__date_latest", "statement__date_earliest")
    )


def snapshot() -> dict[str, list[dict]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in DEMO_MODELS}


def test_it_loads_at_least_the_minimum_the_demo_promises(demo):
    assert Actor.objects.count() >= 14
    assert Actor.objects.persons().count() >= 8
    assert Issue.objects.count() >= 9
    assert Proposal.objects.count() == 3
    assert Statement.objects.count() >= 30
    assert Claim.objects.count() >= 40
    assert Claim.objects.exclude(basis=Basis.OWN).count() >= 3
    for person in Actor.objects.persons():
        assert person.affiliations.exists(), person


def test_it_prints_a_line_per_section_and_a_summary():
    output = load()
    assert "Statements:" in output
    assert re.search(r"\d+ actors, .*\d+ issues, .*\d+ statements", output)


def test_it_prints_nothing_at_verbosity_zero():
    assert load("--verbosity", "0") == ""


def test_loading_twice_changes_nothing(demo):
    before = snapshot()
    output = load()
    assert snapshot() == before
    assert "0 rows created or changed" in output


def test_a_claim_dropped_from_the_file_is_deleted_and_nothing_else_moves(demo, tmp_path):
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    last = next(s for s in reversed(data["statements"]) if "proposal" in str(s.get("claims")))
    dropped = next(c for c in last["claims"] if "proposal" in c)
    last["claims"].remove(dropped)
    path = tmp_path / "demo.yaml"
    # safe_dump sorts the keys: the order of actors in the file must not matter.
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    statements = list(Statement.objects.order_by("pk").values())
    claims = Claim.objects.count()
    same = Claim.objects.filter(
        statement__speaker__slug=last["speaker"],
        subject__slug=dropped["subject"],
        proposal__slug=dropped["proposal"],
        basis=dropped["basis"],
    )
    matching = same.count()

    load("--path", str(path), "--verbosity", "0")

    assert Claim.objects.count() == claims - 1
    assert same.count() == matching - 1
    after = list(Statement.objects.order_by("pk").values())
    moved = [(a, b) for a, b in zip(statements, after, strict=True) if a != b]
    # Only the statement that lost a claim changed: its version moved on by one.
    [(old, new)] = moved
    assert new["version"] == old["version"] + 1
    ignore = {"version", "updated_at"}
    assert {k: v for k, v in old.items() if k not in ignore} == {
        k: v for k, v in new.items() if k not in ignore
    }


def test_every_statement_is_published_with_a_source_and_a_date(demo):
    for statement in Statement.objects.all():
        assert statement.status == StatementStatus.PUBLISHED
        assert statement.source_id is not None
        assert statement.date_earliest <= statement.date_latest
        assert statement.quote or statement.summary


def test_relative_dates_are_read_against_the_source(demo):
    hamdan = Statement.objects.get(speaker__slug="osama-hamdan")
    assert hamdan.date_earliest == hamdan.date_latest == datetime.date(2024, 8, 19)
    cairo = Statement.objects.get(speaker__slug="khalil-al-hayya")
    assert cairo.date_earliest == datetime.date(2024, 8, 24)


def test_quotes_in_arabic_and_hebrew_carry_an_english_translation(demo):
    foreign = Statement.objects.filter(quote_language__in=["ar", "he"])
    assert {s.quote_language for s in foreign} == {"ar", "he"}
    for statement in foreign:
        assert statement.translation.startswith("[English translation]")


def test_blinken_speaks_for_the_united_states_and_hamdan_for_hamas(demo):
    blinken = Statement.objects.filter(speaker__slug="antony-blinken")
    assert blinken.exists()
    assert set(blinken.values_list("on_behalf_of__slug", flat=True)) == {"united-states"}
    hamdan = Statement.objects.filter(speaker__slug="osama-hamdan")
    assert set(hamdan.values_list("on_behalf_of__slug", flat=True)) == {"hamas"}


def test_israel_hardens_on_the_philadelphi_corridor(demo):
    claims = own_claims("israel", issue__slug="philadelphi-corridor")
    stances = [claim.stance for claim in claims]
    assert stances == sorted(stances, reverse=True)
    assert stances[0] >= Stance.CONDITIONAL
    assert claims[0].statement.date_latest <= datetime.date(2024, 6, 10)
    assert stances[-1] == Stance.REJECTS
    assert claims[-1].statement.date_earliest >= datetime.date(2024, 8, 1)


def test_israel_accepted_withdrawal_in_the_31_may_framework(demo):
    withdrawal = own_claims("israel", provision__proposal__slug="may-31-framework")
    assert {c.stance for c in withdrawal} <= {Stance.CONDITIONAL, Stance.ACCEPTS}
    assert any(c.provision.issue.slug == "withdrawal" for c in withdrawal)


def test_egypt_rejects_israels_demand_to_stay_in_the_corridor(demo):
    stay = Demand.objects.get(actor__slug="israel", text__icontains="Philadelphi")
    assert own_claims("israel", demand=stay)[-1].stance == Stance.ACCEPTS
    assert own_claims("egypt", demand=stay)[-1].stance == Stance.REJECTS


def test_israels_acceptance_of_the_bridging_proposal_is_contested(demo):
    bridging = Claim.objects.filter(subject__slug="israel", proposal__slug="bridging-proposal")
    assert bridging.filter(
        basis=Basis.ATTRIBUTED,
        stance=Stance.ACCEPTS,
        statement__speaker__slug="antony-blinken",
        statement__date_earliest=datetime.date(2024, 8, 19),
    ).exists()
    assert bridging.exclude(basis=Basis.OWN).filter(stance__lt=Stance.AMBIGUOUS).exists()
    own = bridging.filter(basis=Basis.OWN)
    assert own.count() <= 1
    assert set(own.values_list("stance", flat=True)) <= {Stance.ACCEPTS}


def test_hamas_moves_from_conditional_to_accepting_the_framework(demo):
    for slug in ("may-31-framework", "resolution-2735"):
        stances = [c.stance for c in own_claims("hamas", proposal__slug=slug)]
        assert stances[0] == Stance.CONDITIONAL, slug
        assert stances[-1] == Stance.ACCEPTS, slug
    june = own_claims("hamas", proposal__slug="may-31-framework")[0].statement
    assert june.date_earliest.month == 6


def test_hamas_rejects_the_bridging_proposal(demo):
    rejections = own_claims("hamas", proposal__slug="bridging-proposal", stance=Stance.REJECTS)
    days = {c.statement.date_earliest for c in rejections}
    assert days >= {datetime.date(2024, 8, 18), datetime.date(2024, 8, 19)}


@pytest.mark.parametrize("issue", ["return-north", "hostage-list"])
def test_israel_raises_new_demands_after_the_31_may_framework(demo, issue):
    demand = Demand.objects.get(actor__slug="israel", issue__slug=issue)
    claims = own_claims("israel", demand=demand, stance=Stance.ACCEPTS)
    assert claims
    assert all(c.statement.date_earliest > MAY_31 for c in claims)


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", "", text.lower()).split()


def eight_grams(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + 8]) for i in range(len(w) - 7)}


def test_the_yaml_copies_no_sentence_from_the_seed_article():
    if not SEED_ARTICLE.exists():
        pytest.skip(f"the seed article is not at {SEED_ARTICLE}")
    seed = eight_grams(SEED_ARTICLE.read_text(encoding="utf-8"))
    demo = eight_grams(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert seed and demo
    assert not seed & demo, [" ".join(g) for g in seed & demo]


BROKEN = """
negotiation: {slug: broken, title: Broken, start: 2024-01-01}
actors:
  somebody: {name: Somebody, kind: state}
sources:
  - {key: paper, publisher_name: Paper, title: A title, published: 2024-08-25}
statements:
  - {speaker: somebody, source: %(source)s, date: "%(date)s", summary: Said something.}
"""


@pytest.mark.parametrize(
    ("source", "date", "message"),
    [
        ("nowhere", "2024-08-19", "unknown source 'nowhere'"),
        ("paper", "6/10", 'Cannot read "6/10"'),
        ("paper", "on Funday", "statements[0]"),
    ],
)
def test_a_broken_file_raises_and_writes_nothing(tmp_path, source, date, message):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN % {"source": source, "date": date}, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        load("--path", str(path))
    assert not Negotiation.objects.exists()
    assert not Actor.objects.exists()
    assert not Source.objects.exists()


def test_a_person_speaking_for_two_sides_at_once_is_refused(tmp_path):
    path = tmp_path / "ambiguous.yaml"
    path.write_text(
        """
negotiation: {slug: x, title: X, start: 2024-01-01}
actors:
  a: {name: A, kind: state}
  b: {name: B, kind: state}
  p:
    name: P
    kind: person
    affiliations: [{organization: a}, {organization: b}]
sources:
  - {key: s, publisher: a, title: T}
statements:
  - {speaker: p, source: s, date: "2024-08-19", summary: Said something.}
""",
        encoding="utf-8",
    )
    with pytest.raises(
        CommandError, match=r"statements\[0\] \(p, s, 2024-08-19\).*several organisations"
    ):
        load("--path", str(path))
    assert not Actor.objects.exists()


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        # An unquoted text in a {...} mapping is cut at its first comma: the rest
        # becomes a key of its own, which used to vanish without a word.
        (
            "{phase: 1, order: 1, issue: ceasefire, text: Troops leave the north, then the south.}",
            11,
            "provision 1.1 has an unknown key 'then the south.'",
        ),
        ("{phase: 1, order: 1, issue: ceasefire, txt: Troops leave.}", 11, "did you mean 'text'?"),
    ],
)
def test_an_unknown_or_misspelt_key_is_refused_with_the_file_and_line(
    tmp_path, entry, line, message
):
    path = tmp_path / "typo.yaml"
    path.write_text(
        f"""negotiation: {{slug: x, title: X, start: 2024-01-01}}
actors:
  a: {{name: A, kind: state}}
issues:
  - {{slug: ceasefire, title: Ceasefire}}
proposals:
  - slug: plan
    title: Plan
    presented: "2024-05-31"
    provisions:
      - {entry}
""",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as raised:
        load("--path", str(path))
    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert message in str(raised.value)
    assert not Negotiation.objects.exists()


def test_a_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text(
        "negotiation: {slug: x, title: X, start: 2024-01-01}\n"
        "actors:\n  a: {name: A, kind: state, name: B}\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=re.escape(f"{path}:3: 'name' is given twice.")):
        load("--path", str(path))


def test_every_provision_text_of_the_demo_is_whole(demo):
    texts = list(Provision.objects.values_list("text", flat=True))
    assert len(texts) == 28
    assert all(text.endswith(".") for text in texts), [t for t in texts if not t.endswith(".")]
    assert Provision.objects.filter(text__contains="the north included.").count() == 2

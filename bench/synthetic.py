"""Synthetic negotiations at any scale, for benchmarks and load tests.

Each negotiation gets two sides of two parties each, mediators, an observer,
media outlets, people with roles in those organisations, issues (some nested),
proposals in lineages that supersede each other with provisions by phase,
demands, sources, and statements in date order whose claims follow a random
walk of each party's stance on each issue. Most statements are published;
some are drafts, in review or retracted.

Statements, sources and claims are written with PostgreSQL's COPY (ids taken
from the tables' own sequences), so a million statements load in minutes. Bulk
loads write no simple-history rows and send no signals: positions are rebuilt
at the end with `positions.rebuild`, and the planner's statistics refreshed.
"""

from __future__ import annotations

import calendar
import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from actors.models import Actor, ActorKind, Affiliation
from negotiations import positions
from negotiations.models import (
    Basis,
    Claim,
    DataVersion,
    Demand,
    Issue,
    Negotiation,
    Participant,
    ParticipantRole,
    Proposal,
    Provision,
    Source,
    Statement,
    StatementStatus,
)

ISSUES = [
    "Duration of the truce",
    "Withdrawal of forces",
    "Exchange of prisoners",
    "Humanitarian access",
    "Return of displaced people",
    "Border crossings",
    "Monitoring mechanism",
    "Permanent ceasefire",
    "Reconstruction",
    "Disarmament",
    "Sequencing of phases",
    "Guarantees",
]
# Index of the parent issue of some of the issues above (sub-issues).
ISSUE_PARENT = {1: 7, 5: 3, 9: 7}
LINEAGES = ["Framework", "Bridging proposal", "Phased deal"]
ROLES = ["spokesperson", "chief negotiator", "foreign minister", "adviser", "envoy"]
LANGUAGES = [("en", 70), ("ar", 10), ("he", 6), ("fr", 6), ("ru", 4), ("es", 4)]
VERBS = {
    -2: ["rejects outright", "will never accept", "refuses"],
    -1: ["has serious reservations about", "resists", "pushes back on"],
    0: ["is studying", "has not decided on", "is weighing"],
    1: ["could accept, on conditions,", "is open to", "accepts in principle"],
    2: ["accepts", "agrees to", "welcomes"],
}
STATUS_WEIGHTS = [
    (StatementStatus.PUBLISHED, 93),
    (StatementStatus.DRAFT, 4),
    (StatementStatus.IN_REVIEW, 2),
    (StatementStatus.RETRACTED, 1),
]


@dataclass
class Cast:
    """The actors and texts of one synthetic negotiation."""

    negotiation: Negotiation
    parties: list[Actor]
    mediators: list[Actor]
    media: list[Actor]
    # (person, organisation) pairs: who may speak, and for whom.
    speakers: list[tuple[Actor, Actor]]
    issues: list[Issue]
    proposals: list[Proposal]
    provisions: dict[int, list[Provision]]  # by proposal id
    demands: list[Demand]
    stance: dict[tuple[int, int], int] = field(default_factory=dict)


def _weighted(rng: random.Random, pairs: list[tuple]) -> list:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def _reserve_ids(model, count: int) -> int:
    """Take `count` consecutive ids from the table's sequence; return the first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id')", [table]
        )  # identity columns have one too
        (sequence,) = cursor.fetchone()
        # Nobody else inserts into the table until the load commits.
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            "SELECT setval(%s, GREATEST((SELECT coalesce(max(id), 0) + 1 FROM "
            + table
            + "), nextval(%s)) + %s - 1)",
            [sequence, sequence, count],
        )
        (last,) = cursor.fetchone()
    return last - count + 1


def _copy(model, columns: list[str], rows: list[tuple]) -> None:
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _cast(rng: random.Random, tag: str, number: int, start: datetime.date) -> Cast:
    """Create the small tables of one negotiation through the ORM."""
    days = rng.randint(500, 1100)
    end = start + datetime.timedelta(days=days)
    slug = f"{tag}-{number}"
    negotiation = Negotiation.objects.create(
        title=f"Synthetic talks {number} ({tag})",
        slug=slug,
        summary="Generated for benchmarks; every name and statement is made up.",
        start=start,
        end=end if rng.random() < 0.7 else None,
    )

    def actor(name: str, kind: str, suffix: str, country: str = "") -> Actor:
        return Actor(name=name, slug=f"{slug}-{suffix}", kind=kind, country=country)

    organizations = []
    for side in "ab":
        organizations += [
            actor(f"Government of {side.upper()}{number}", ActorKind.GOVERNMENT, f"gov-{side}"),
            actor(f"{side.upper()}{number} Movement", ActorKind.ARMED_GROUP, f"movement-{side}"),
        ]
    organizations += [
        actor(f"Mediator State {number}", ActorKind.STATE, "mediator-state", "QA"),
        actor(f"Regional Union {number}", ActorKind.IGO, "regional-union"),
        actor(f"Relief Network {number}", ActorKind.NGO, "relief-network"),
    ]
    organizations += [
        actor(f"{name} {number}", ActorKind.MEDIA, f"media-{i}")
        for i, name in enumerate(["Daily Wire Service", "Evening Courier", "Radio Free", "Gazette"])
    ]
    Actor.objects.bulk_create(organizations)
    parties, mediators, observer = organizations[:4], organizations[4:6], organizations[6]
    media = organizations[7:]
    Participant.objects.bulk_create(
        [
            Participant(negotiation=negotiation, actor=a, role=ParticipantRole.PARTY, side=side)
            for a, side in zip(parties, ["A", "A", "B", "B"], strict=True)
        ]
        + [
            Participant(negotiation=negotiation, actor=a, role=ParticipantRole.MEDIATOR)
            for a in mediators
        ]
        + [Participant(negotiation=negotiation, actor=observer, role=ParticipantRole.OBSERVER)]
    )
    people = [
        actor(f"Person {number}.{i}", ActorKind.PERSON, f"person-{i}")
        for i in range(3 * len(parties) + 2 * len(mediators))
    ]
    Actor.objects.bulk_create(people)
    homes = [org for org in parties for _ in range(3)] + [m for m in mediators for _ in range(2)]
    affiliations, speakers = [], []
    for person, org in zip(people, homes, strict=True):
        began = start - datetime.timedelta(days=rng.randint(0, 2000))
        affiliations.append(
            Affiliation(person=person, organization=org, role=rng.choice(ROLES), start=began)
        )
        speakers.append((person, org))
    Affiliation.objects.bulk_create(affiliations)
    speakers += [(org, org) for org in parties + mediators]

    issues = [
        Issue(negotiation=negotiation, title=title, slug=f"issue-{i}", order=i)
        for i, title in enumerate(ISSUES)
    ]
    Issue.objects.bulk_create(issues)
    for child, parent in ISSUE_PARENT.items():
        issues[child].parent = issues[parent]
    Issue.objects.bulk_update([issues[c] for c in ISSUE_PARENT], ["parent"])

    proposals: list[Proposal] = []
    for lineage, title in enumerate(LINEAGES):
        previous = None
        for version in range(3):
            presented = start + datetime.timedelta(
                days=int(days * (0.1 + 0.3 * version + 0.08 * lineage + rng.random() * 0.05))
            )
            proposal = Proposal(
                negotiation=negotiation,
                title=f"{title}, version {version + 1}",
                slug=f"lineage-{lineage}-v{version + 1}",
                proposed_by=rng.choice(mediators),
                presented_earliest=presented,
                presented_latest=presented + datetime.timedelta(days=rng.choice([0, 0, 0, 6])),
                supersedes=previous,
                summary=f"Version {version + 1} of the {title.lower()}.",
            )
            proposal.save()  # one by one: each supersedes the one before
            proposals.append(proposal)
            previous = proposal
    provisions: dict[int, list[Provision]] = {}
    rows = []
    for proposal in proposals:
        addressed = rng.sample(issues, 6)
        provisions[proposal.pk] = []
        for phase in (1, 2, 3):
            for order in range(1, rng.randint(2, 4) + 1):
                issue = addressed.pop() if addressed else rng.choice([*issues, None])
                provision = Provision(
                    proposal=proposal,
                    phase=phase,
                    order=order,
                    text=f"Phase {phase}: arrangements on {(issue or issues[0]).title.lower()}.",
                    issue=issue,
                )
                provisions[proposal.pk].append(provision)
                rows.append(provision)
    Provision.objects.bulk_create(rows)
    demands = [
        Demand(actor=party, issue=issue, text=f"{party.name} demands a say on {issue.title}.")
        for party in parties
        for issue in rng.sample(issues, 3)
    ]
    Demand.objects.bulk_create(demands)
    return Cast(
        negotiation=negotiation,
        parties=parties,
        mediators=mediators,
        media=media,
        speakers=speakers,
        issues=issues,
        proposals=proposals,
        provisions=provisions,
        demands=demands,
    )


def _fuzzy(rng: random.Random, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return (earliest, latest) around a day, at the precisions sources give."""
    roll = rng.random()
    if roll < 0.78:
        return day, day
    last = calendar.monthrange(day.year, day.month)[1]
    if roll < 0.88:
        return day.replace(day=1), day.replace(day=last)
    if roll < 0.96:
        first = 1 if day.day <= 10 else 11 if day.day <= 20 else 21
        final = 10 if first == 1 else 20 if first == 11 else last
        return day.replace(day=first), day.replace(day=final)
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def _step(rng: random.Random, cast: Cast, actor_id: int, issue_id: int) -> int:
    """Move an actor's stance on an issue one step now and then, and return it."""
    key = (actor_id, issue_id)
    stance = cast.stance.get(key)
    if stance is None:
        stance = rng.choice([-2, -1, -1, 0, 1])
    elif rng.random() < 0.12:
        stance = max(-2, min(2, stance + rng.choice([-1, 1])))
    cast.stance[key] = stance
    return stance


@dataclass
class Counts:
    negotiations: int = 0
    statements: int = 0
    claims: int = 0
    sources: int = 0


def generate(
    *,
    negotiations: int,
    statements: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Counts:
    """Create `negotiations` synthetic negotiations sharing `statements` statements.

    PostgreSQL only (COPY). All or nothing: one transaction.
    """
    rng = random.Random(seed)  # noqa: S311 (reproducible made-up data, not secrets)
    tag = f"synthetic-{seed}-{rng.randrange(16**6):06x}"
    counts = Counts(negotiations=negotiations)
    with transaction.atomic():
        casts = [
            # Talks that overlap in time, spread over the years 2000-2022.
            _cast(rng, tag, n, datetime.date(2000, 1, 1) + datetime.timedelta(days=97 * n % 8000))
            for n in range(negotiations)
        ]
        shares = [statements // negotiations] * negotiations
        shares[0] += statements - sum(shares)
        first_statement = _reserve_ids(Statement, statements)
        # At most one claim in three statements' worth of ids per statement on average:
        # reserve generously, then move the sequence back to the last id used.
        first_source = _reserve_ids(Source, statements)
        first_claim = _reserve_ids(Claim, 3 * statements)
        ids = {"statement": first_statement, "source": first_source, "claim": first_claim}
        now = timezone.now()
        for cast, share in zip(casts, shares, strict=True):
            # One negotiation at a time: its rows in memory, then one COPY per table
            # (a connection runs one COPY at a time).
            sources, statement_rows, claim_rows = [], [], []
            for source, rows, claims in _statements(rng, cast, share, ids, now):
                sources.append(source)
                statement_rows += rows
                claim_rows += claims
                if progress:
                    progress(len(rows))
            _copy(Source, SOURCE_COLUMNS, sources)
            _copy(Statement, STATEMENT_COLUMNS, statement_rows)
            _copy(Claim, CLAIM_COLUMNS, claim_rows)
            counts.sources += len(sources)
            counts.statements += len(statement_rows)
            counts.claims += len(claim_rows)
        _settle_sequences()
        DataVersion.bump()
    return counts


SOURCE_COLUMNS = ["id", "url", "title", "publisher_id", "publisher_name", "published"]
SOURCE_COLUMNS += ["language", "content_hash", "archive_url"]
STATEMENT_COLUMNS = [
    "id",
    "negotiation_id",
    "speaker_id",
    "on_behalf_of_id",
    "date_earliest",
    "date_latest",
    "source_id",
    "quote",
    "quote_language",
    "translation",
    "summary",
    "status",
    "retraction_reason",
    "version",
    "created_at",
    "updated_at",
]
CLAIM_COLUMNS = [
    "id",
    "statement_id",
    "subject_id",
    "proposal_id",
    "provision_id",
    "demand_id",
    "issue_id",
    "stance",
    "basis",
]


def _statements(
    rng: random.Random, cast: Cast, count: int, ids: dict[str, int], now: datetime.datetime
) -> Iterator[tuple[tuple, list[tuple], list[tuple]]]:
    """Yield (source row, its statement rows, their claim rows), in date order."""
    negotiation = cast.negotiation
    span = negotiation.end or negotiation.start + datetime.timedelta(days=900)
    span_days = (span - negotiation.start).days
    days = sorted(rng.randrange(span_days) for _ in range(count))
    presented = sorted(cast.proposals, key=lambda p: p.presented_latest)
    party_ids = [p.pk for p in cast.parties]
    speakers = cast.speakers
    media = cast.media
    i = 0
    while i < count:
        batch = days[i : i + rng.randint(1, 5)]
        i += len(batch)
        dates = [
            _fuzzy(rng, negotiation.start + datetime.timedelta(days=offset)) for offset in batch
        ]
        published = max(latest for _, latest in dates) + datetime.timedelta(days=rng.randint(0, 2))
        source_id = ids["source"]
        ids["source"] += 1
        outlet = rng.choice(media)
        by_actor = rng.random() < 0.8
        language = _weighted(rng, LANGUAGES)
        source = (
            source_id,
            f"https://news.example/{negotiation.slug}/{published:%Y/%m/%d}/{source_id}",
            f"Talks update, {published:%d %B %Y}",
            outlet.pk if by_actor else None,
            "" if by_actor else "Wire report",
            published,
            language,
            "",
            "",
        )
        on_table = [p for p in presented if p.presented_latest <= published]
        rows, claims = [], []
        for earliest, latest in dates:
            statement_id = ids["statement"]
            ids["statement"] += 1
            if rng.random() < 0.15:
                speaker = org = rng.choice(media)
            else:
                speaker, org = rng.choice(speakers)
            status = _weighted(rng, STATUS_WEIGHTS)
            issue = rng.choice(cast.issues)
            sentences = []
            for _ in range(_weighted(rng, [(1, 60), (2, 30), (3, 10)])):
                own = org.pk in party_ids and rng.random() < 0.8
                subject = org if own else rng.choice(cast.parties)
                if own:
                    basis = Basis.OWN
                elif org.kind == ActorKind.MEDIA:
                    basis = _weighted(rng, [(Basis.REPORTED, 60), (Basis.ANONYMOUS, 40)])
                else:
                    basis = Basis.ATTRIBUTED
                target = [None, None, None, None]  # proposal, provision, demand, issue
                roll = rng.random()
                title = issue.title.lower()
                if roll < 0.2 and on_table:
                    proposal = on_table[-1] if rng.random() < 0.7 else rng.choice(on_table)
                    provision = rng.choice(cast.provisions[proposal.pk])
                    if rng.random() < 0.5:
                        target[0] = proposal.pk
                        title = proposal.title.lower()
                    else:
                        target[1] = provision.pk
                        title = f"phase {provision.phase} of the {proposal.title.lower()}"
                    stance = _step(rng, cast, subject.pk, (provision.issue or issue).pk)
                elif roll < 0.3:
                    demand = rng.choice(cast.demands)
                    target[2] = demand.pk
                    subject = demand.actor if own else subject
                    title = f"the demand on {demand.issue.title.lower()}"
                    stance = 2 if rng.random() < 0.85 else rng.choice([-1, 0, 1])
                else:
                    target[3] = issue.pk
                    stance = _step(rng, cast, subject.pk, issue.pk)
                claims.append((ids["claim"], statement_id, subject.pk, *target, stance, basis))
                ids["claim"] += 1
                verb = rng.choice(VERBS[stance])
                sentences.append(f"{subject.name} {verb} {title}")
            text = "; ".join(sentences) + "."
            quote_language = language if speaker.kind != ActorKind.MEDIA else "en"
            quote = f"“{text}”" if rng.random() < 0.9 else ""
            rows.append(
                (
                    statement_id,
                    negotiation.pk,
                    speaker.pk,
                    org.pk,
                    earliest,
                    latest,
                    source_id,
                    quote if quote_language == "en" or not quote else f"[{quote_language}] {quote}",
                    quote_language if quote else "",
                    quote if quote and quote_language != "en" else "",
                    f"{speaker.name} on {issue.title.lower()}.",
                    status,
                    "Misattributed; corrected by the source." if status == "retracted" else "",
                    1,
                    now,
                    now,
                )
            )
        yield source, rows, claims


def _settle_sequences() -> None:
    """Point each sequence at the table's highest id, giving back ids reserved unused."""
    with connection.cursor() as cursor:
        for model in (Source, Statement, Claim):
            table = model._meta.db_table
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))",
                [table],
            )


def analyze() -> None:
    """Refresh the planner's statistics and the visibility map after a bulk load.

    VACUUM sets the visibility map, without which an index-only scan (the
    loose index scan of latest_positions) still visits the table for each row.
    """
    with connection.cursor() as cursor:
        # VACUUM cannot run inside a transaction (a test's, say): ANALYZE alone there.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


def build_positions(progress: Callable[[int], None] | None = None) -> int:
    return positions.rebuild(progress=progress)

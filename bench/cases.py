"""What `make bench` measures: each endpoint or page, and its limit as one SQL query.

The limit query fetches the rows the response shows (with what it embeds:
claims of a statement, slugs of actors) in one hand-written statement, which
run.py serialises with orjson. It is what the database and the wire cost at
least; the gap to it is what Django, DRF and the templates add.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.db import connection

from negotiations.models import (
    Issue,
    Negotiation,
    ParticipantRole,
    Statement,
    StatementStatus,
    TargetType,
)
from negotiations.positions import queries


@dataclass
class Case:
    name: str
    url: str
    sql: str
    params: list


# A statement row as the API shows it: people by slug, the source, the claims.
STATEMENT_SQL = """
SELECT s.id, n.slug AS negotiation, sp.slug AS speaker, ob.slug AS on_behalf_of,
       s.date_earliest, s.date_latest, s.source_id, src.url, src.title, src.publisher_name,
       pub.name AS publisher, src.published, s.quote, s.quote_language, s.translation,
       s.summary, s.status, s.version, s.created_at, s.updated_at,
       (SELECT json_agg(json_build_object('id', c.id, 'subject', su.slug, 'stance', c.stance,
                'basis', c.basis, 'issue', c.issue_id, 'demand', c.demand_id,
                'provision', c.provision_id, 'proposal', c.proposal_id) ORDER BY c.id)
          FROM negotiations_claim c JOIN actors_actor su ON su.id = c.subject_id
         WHERE c.statement_id = s.id) AS claims
FROM negotiations_statement s
JOIN negotiations_negotiation n ON n.id = s.negotiation_id
JOIN actors_actor sp ON sp.id = s.speaker_id
LEFT JOIN actors_actor ob ON ob.id = s.on_behalf_of_id
JOIN negotiations_source src ON src.id = s.source_id
LEFT JOIN actors_actor pub ON pub.id = src.publisher_id
"""

ISSUE_CLAIMS = """
s.negotiation_id = (SELECT negotiation_id FROM negotiations_issue WHERE id = %(issue)s)
AND EXISTS (SELECT 1 FROM negotiations_claim c WHERE c.statement_id = s.id
            AND (c.issue_id = %(issue)s
                 OR c.demand_id IN (SELECT id FROM negotiations_demand WHERE issue_id = %(issue)s)
                 OR c.provision_id IN (SELECT id FROM negotiations_provision
                                       WHERE issue_id = %(issue)s)
                 OR c.proposal_id IN (SELECT proposal_id FROM negotiations_provision
                                      WHERE issue_id = %(issue)s)))
"""

# The newest position of each pair as of a date, by the same loose index scan
# (or cross product of parties and issues) as negotiations.positions, with the
# actor's slug joined in.
POSITION_COLUMNS = """
SELECT a.slug AS actor, p.target_type, p.target_id, p.seq, p.stance, p.previous_stance,
       p.change, p.basis, p.contesting_claim_ids, p.date_earliest, p.date_latest,
       p.statement_id, p.claim_id
FROM negotiations_position p JOIN actors_actor a ON a.id = p.actor_id
WHERE p.id IN ({newest})
ORDER BY p.actor_id, p.target_type, p.target_id
"""
ALL_PAIRS = POSITION_COLUMNS.format(newest=queries.PAIRS_SKIP_SCAN + queries.NEWEST_OF_EACH_PAIR)
GIVEN_PAIRS = POSITION_COLUMNS.format(newest=queries.PAIRS_GIVEN + queries.NEWEST_OF_EACH_PAIR)


def _cursor(position: datetime.date, offset: int) -> str:
    query = urlencode({"p": position.isoformat(), **({"o": offset} if offset else {})})
    return base64.b64encode(query.encode()).decode()


def build() -> list[Case]:
    """Pick a negotiation, an issue and dates in the middle of things, and list the cases."""
    negotiation = Negotiation.objects.order_by("pk")[1]
    issues = list(Issue.objects.filter(negotiation=negotiation).order_by("order"))
    issue = issues[len(issues) // 2]
    as_of = negotiation.start + datetime.timedelta(days=400)
    since, until = as_of - datetime.timedelta(days=90), as_of
    published = Statement.objects.published()
    ids = {"negotiation": negotiation.pk, "issue": issue.pk, "as_of": as_of}

    # The deep page: where the cursor stands at 90% of the issue's statement list.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.date_earliest, s.id FROM negotiations_statement s WHERE "
            f"s.status = 'published' AND {ISSUE_CLAIMS} ORDER BY s.date_earliest, s.id",
            ids,
        )
        listed = cursor.fetchall()
    # DRF's cursor is (position, offset): rows after the position's date, skipping
    # `offset` of them (ties on the date).
    deep_index = int(len(listed) * 0.9)
    deep_date = listed[deep_index][0]
    first = next(i for i, row in enumerate(listed) if row[0] == deep_date)
    cursor_token = _cursor(listed[first - 1][0], deep_index - first)
    detail = published.filter(negotiation=negotiation).order_by("pk")[1000]
    parties = list(
        negotiation.participants.filter(role=ParticipantRole.PARTY).values_list("actor", flat=True)
    )
    statements_where = f"WHERE s.status = 'published' AND {ISSUE_CLAIMS}"
    slug = negotiation.slug
    # A name, as people search: one side's movement, in one negotiation's statements.
    word = f"A{slug.rsplit('-', 1)[1]} movement"
    return [
        Case(
            "API statements ?issue= (first page)",
            f"/api/v1/statements/?issue={issue.pk}",
            f"{STATEMENT_SQL} {statements_where} ORDER BY s.date_earliest, s.id LIMIT 50",
            ids,
        ),
        Case(
            "API statements ?issue= (deep cursor, 90%)",
            f"/api/v1/statements/?issue={issue.pk}&cursor={quote(cursor_token)}",
            f"{STATEMENT_SQL} {statements_where} AND (s.date_earliest, s.id) >= "
            f"(%(deep_date)s, %(deep_id)s) ORDER BY s.date_earliest, s.id LIMIT 50",
            {**ids, "deep_date": deep_date, "deep_id": listed[deep_index][1]},
        ),
        Case(
            "API statement detail",
            f"/api/v1/statements/{detail.pk}/",
            f"{STATEMENT_SQL} WHERE s.id = %(id)s",
            {"id": detail.pk},
        ),
        Case(
            "API positions ?as_of=",
            f"/api/v1/negotiations/{slug}/positions/?as_of={as_of}",
            ALL_PAIRS + " LIMIT 50",
            [negotiation.pk, negotiation.pk, negotiation.pk, as_of],
        ),
        Case(
            "API matrix ?as_of=",
            f"/api/v1/negotiations/{slug}/matrix/?as_of={as_of}",
            GIVEN_PAIRS,
            ["issue", parties, [i.pk for i in issues], negotiation.pk, as_of],
        ),
        Case(
            "API changes ?since=&until=",
            f"/api/v1/negotiations/{slug}/changes/?since={since}&until={until}",
            """SELECT a.slug AS actor, p.target_type, p.target_id, p.seq, p.stance,
                      p.previous_stance, p.change, p.basis, p.contesting_claim_ids, p.date_earliest,
                      p.date_latest, p.statement_id, p.claim_id
               FROM negotiations_position p JOIN actors_actor a ON a.id = p.actor_id
               WHERE p.negotiation_id = %(negotiation)s AND p.change <> ''
                 AND p.date_latest BETWEEN %(since)s AND %(until)s
               ORDER BY p.date_latest DESC, p.seq DESC, p.id DESC LIMIT 50""",
            {**ids, "since": since, "until": until},
        ),
        Case(
            "page: timeline",
            f"/n/{slug}/timeline/",
            f"""{STATEMENT_SQL} WHERE s.status = 'published' AND s.negotiation_id = %(negotiation)s
                ORDER BY s.date_earliest, s.date_latest, s.id LIMIT 50""",
            ids,
        ),
        Case(
            "page: issue",
            f"/n/{slug}/issues/{issue.slug}/",
            """SELECT p.actor_id, p.seq, p.stance, p.change, p.basis, p.contesting_claim_ids,
                      p.date_earliest, p.date_latest, p.statement_id
               FROM negotiations_position p
               JOIN negotiations_statement s ON s.id = p.statement_id
               WHERE p.target_type = 'issue' AND p.target_id = %(issue)s
                 AND p.actor_id = ANY(%(parties)s) AND s.status = %(published)s
               ORDER BY p.actor_id, p.seq""",
            {**ids, "parties": parties, "published": StatementStatus.PUBLISHED},
        ),
        Case(
            "page: matrix ?as_of=",
            f"/n/{slug}/matrix/?as_of={as_of}",
            GIVEN_PAIRS,
            ["issue", parties, [i.pk for i in issues], negotiation.pk, as_of],
        ),
        Case(
            "page: search",
            f"/search/?q={quote(word)}",
            f"""{STATEMENT_SQL} WHERE s.status = 'published' AND
                to_tsvector('simple'::regconfig, coalesce(s.quote, '') || ' ' ||
                  coalesce(s.translation, '') || ' ' || coalesce(s.summary, ''))
                @@ websearch_to_tsquery('simple'::regconfig, %(word)s)
                ORDER BY s.date_earliest DESC, s.date_latest DESC, s.id DESC LIMIT 20""",
            {"word": word},
        ),
    ]


__all__ = ["TargetType", "build"]

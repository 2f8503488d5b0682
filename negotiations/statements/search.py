"""Full-text search over statements: PostgreSQL's, with a plain fallback elsewhere.

On PostgreSQL the query matches the expression of the GIN index created in
migration 0004 (`statement_search_gin`), so a search is an index scan. The
'simple' configuration neither stems nor drops stop words: quotes come in
many languages.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

DOCUMENT = (
    "to_tsvector('simple'::regconfig, "
    "coalesce(negotiations_statement.quote, '') || ' ' || "
    "coalesce(negotiations_statement.translation, '') || ' ' || "
    "coalesce(negotiations_statement.summary, ''))"
)


def search_statements(statements: QuerySet, text: str) -> QuerySet:
    """Keep the statements whose quote, translation or summary match every word of `text`."""
    text = text.strip()
    if not text:
        return statements
    if connection.vendor == "postgresql":
        # The only parameter is bound; DOCUMENT is a constant.
        match = RawSQL(  # noqa: S611
            f"{DOCUMENT} @@ websearch_to_tsquery('simple'::regconfig, %s)",
            [text],
            output_field=BooleanField(),
        )
        return statements.alias(text_match=match).filter(text_match=True)
    condition = Q()
    for word in text.split():
        condition &= (
            Q(quote__icontains=word) | Q(translation__icontains=word) | Q(summary__icontains=word)
        )
    return statements.filter(condition)

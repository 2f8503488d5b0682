"""Atom feeds of published statements and of position changes."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join

from negotiations import targets
from negotiations.models import (
    ChangeKind,
    Negotiation,
    Position,
    Stance,
    Statement,
)
from negotiations.site.views.overview import get_negotiation_or_404

FEED_LIMIT = 50

STANCE_LABELS = dict(Stance.choices)

# "Israel hardened on Philadelphi Corridor"
CHANGE_PHRASES = {
    ChangeKind.HARDENED: "hardened on",
    ChangeKind.SOFTENED: "softened on",
    ChangeKind.REVERSED: "reversed on",
    ChangeKind.NEW_DEMAND: "raised a new demand:",
    ChangeKind.DROPPED: "dropped",
}


def statement_url(statement_id: int, negotiation: Negotiation) -> str:
    """Return the timeline address that lands on the page holding the statement."""
    timeline = reverse("negotiations:timeline", args=[negotiation.slug])
    return f"{timeline}?statement={statement_id}#statement-{statement_id}"


# The feed objects are shared by every request (urls.py holds one of each), so
# whatever an item needs travels on the item, never on `self`.


class StatementFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Negotiation:
        return get_negotiation_or_404(slug)

    def title(self, negotiation: Negotiation) -> str:
        return f"{negotiation.title}: statements"

    def subtitle(self, negotiation: Negotiation) -> str:
        return f"The latest published statements in {negotiation.title}."

    def link(self, negotiation: Negotiation) -> str:
        return reverse("negotiations:timeline", args=[negotiation.slug])

    def items(self, negotiation: Negotiation):
        return (
            Statement.objects.published()
            .filter(negotiation=negotiation)
            .select_related("negotiation", "speaker")
            .order_by("-date_earliest", "-date_latest", "-pk")[:FEED_LIMIT]
        )

    def item_title(self, statement: Statement) -> str:
        return f"{statement.speaker.name}, {statement.date}"

    def item_description(self, statement: Statement) -> str:
        # Atom carries this as type="html": escape it, or a reader would run the markup.
        parts = [
            (text,) for text in (statement.quote, statement.translation, statement.summary) if text
        ]
        return format_html_join("", "<p>{}</p>", parts)

    def item_link(self, statement: Statement) -> str:
        return statement_url(statement.pk, statement.negotiation)

    def item_author_name(self, statement: Statement) -> str:
        return statement.speaker.name

    def item_updateddate(self, statement: Statement) -> datetime.datetime:
        return statement.updated_at


class ChangeFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Negotiation:
        negotiation = get_negotiation_or_404(slug)
        # Entry ids must be absolute; Feed only makes links absolute.
        negotiation.feed_url = request.build_absolute_uri(
            reverse("negotiations:feed_changes", args=[slug])
        )
        return negotiation

    def title(self, negotiation: Negotiation) -> str:
        return f"{negotiation.title}: position changes"

    def subtitle(self, negotiation: Negotiation) -> str:
        return f"Who hardened, softened or reversed, latest first, in {negotiation.title}."

    def link(self, negotiation: Negotiation) -> str:
        return reverse("negotiations:timeline", args=[negotiation.slug])

    def items(self, negotiation: Negotiation) -> list[Position]:
        # Positions are a cache rebuilt after the fact: a statement retracted a
        # moment ago may still have rows, and must not show.
        rows = list(
            Position.objects.published()
            .changes()
            .filter(negotiation=negotiation)
            .select_related("actor", "statement__speaker")
            .order_by("-date_latest", "-seq", "-pk")[:FEED_LIMIT]
        )
        titled = targets.index(negotiation)
        for row in rows:
            row.negotiation = negotiation
            target = titled.get((row.target_type, row.target_id))
            row.target_title = target.title if target else row.target_type
            row.guid = f"{negotiation.feed_url}#change-{row.pk}"
        return rows

    def item_title(self, row: Position) -> str:
        phrase = CHANGE_PHRASES.get(row.change, row.get_change_display())
        return f"{row.actor.name} {phrase} {row.target_title}"

    def item_description(self, row: Position) -> str:
        stance = STANCE_LABELS[row.stance]
        if row.previous_stance is not None:
            stance = f"{stance} (was {STANCE_LABELS[row.previous_stance]})"
        return format_html(
            "<p>{} {} {}, {}.</p><p>Per {}, {}.</p>",
            row.actor.name,
            stance,
            row.target_title,
            row.date,
            row.statement.speaker.name,
            row.statement.date,
        )

    def item_link(self, row: Position) -> str:
        return statement_url(row.statement_id, row.negotiation)

    def item_guid(self, row: Position) -> str:
        # Several changes can come from one statement: each gets its own id.
        return row.guid

    def item_updateddate(self, row: Position) -> datetime.datetime:
        return datetime.datetime.combine(row.date_latest, datetime.time(), tzinfo=datetime.UTC)

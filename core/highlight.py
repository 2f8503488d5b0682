"""Show an article's text with its candidates' spans marked, safely escaped."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def highlight(text: str, spans: Iterable[tuple[int, int, int]]) -> SafeString:
    """Return ``text`` as HTML with each (start, end, id) span in a ``<mark>``.

    Every piece of the text is escaped; only the marks are markup. Overlapping spans
    are cut at the previous span's end, so marks never nest.
    """
    parts: list[str] = []
    position = 0
    for start, end, key in sorted(spans):
        start = max(start, position)
        end = min(end, len(text))
        if start >= end:
            continue
        parts.append(escape(text[position:start]))
        parts.append(
            format_html('<mark id="candidate-{}" class="candidate">{}</mark>', key, text[start:end])
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def excerpt(text: str, start: int, end: int, key: int, context: int = 240) -> SafeString:
    """The span marked, with up to `context` characters of the article either side."""
    first, last = max(0, start - context), min(len(text), end + context)
    marked = highlight(text[first:last], [(start - first, end - first, key)])
    before = "… " if first > 0 else ""
    after = " …" if last < len(text) else ""
    return format_html("{}{}{}", before, marked, after)

"""Fetch an article over guarded HTTP and keep its main text.

Every hop goes through ``core.http``: http(s) only, no private or loopback
addresses (checked on the connected socket), a timeout, a size limit and a content-type
check. Redirects are followed by hand so that each target is checked the same way.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings

from core import http
from core.http import RefusedURL

__all__ = ["CONTENT_TYPES", "Fetched", "RefusedURL", "TemporaryFetchError", "fetch", "main_text"]

CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
MAX_REDIRECTS = 5
# Answers worth trying again later: the server is busy or briefly broken.
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)


class TemporaryFetchError(OSError):
    """The server answered, but with a status worth retrying (429, 503…)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    title: str
    text: str
    published: datetime.date | None


def fetch(url: str) -> Fetched:
    """Return the main text of the page at ``url``; raise RefusedURL or OSError."""
    for _ in range(MAX_REDIRECTS + 1):
        response = http.request(
            "GET",
            url,
            headers={
                "User-Agent": "Parley article ingestion",
                "Accept": "text/html, text/plain;q=0.9",
            },
            timeout=settings.INGESTION_FETCH_TIMEOUT_SECONDS,
            max_bytes=settings.INGESTION_MAX_BYTES,
            content_types=CONTENT_TYPES,
        )
        if response.status in {301, 302, 303, 307, 308} and response.headers.get("location"):
            url = urljoin(url, response.headers["location"])
            continue
        if response.status in RETRY_STATUSES:
            raise TemporaryFetchError(f"the server answered {response.status}")
        if not 200 <= response.status < 300:
            raise RefusedURL(f"the server answered {response.status}")
        content_type = response.headers.get("content-type", "")
        title, text, published = main_text(response.body, content_type)
        if not text.strip():
            raise RefusedURL("no article text was found on the page")
        return Fetched(url=url, title=title, text=text, published=published)
    raise RefusedURL(f"more than {MAX_REDIRECTS} redirects")


def _decode(body: bytes, content_type: str) -> str:
    match = _CHARSET.search(content_type)
    for encoding in (match.group(1) if match else None, "utf-8", "cp1252"):
        if encoding is None:
            continue
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def main_text(body: bytes, content_type: str) -> tuple[str, str, datetime.date | None]:
    """Return (title, main text, publication date) of an HTML or plain-text body."""
    document = _decode(body, content_type)
    if content_type.split(";")[0].strip().lower() == "text/plain":
        return "", document.strip(), None
    # Imported here: trafilatura pulls in lxml and friends, which only this path needs.
    import trafilatura

    text = trafilatura.extract(
        document,
        include_comments=False,
        include_tables=False,
        favor_recall=True,
        deduplicate=False,
    )
    if not text:
        text = trafilatura.html2txt(document) or ""
    metadata = trafilatura.extract_metadata(document)
    title = (metadata.title or "") if metadata else ""
    published = None
    if metadata and metadata.date:
        try:
            published = datetime.date.fromisoformat(metadata.date[:10])
        except ValueError:
            published = None
    return title[:500], text.strip(), published

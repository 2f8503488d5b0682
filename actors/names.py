"""Name normalisation shared by aliases, search and article matching."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.'’`]+")


def normalise_name(name: str) -> str:
    """Return the form of a name that spelling variants share.

    Case, diacritics, hyphens, apostrophes and repeated spaces are dropped, so
    "Khalil al-Hayya", "khalil al hayya" and "Khalīl al-Ḥayya" compare equal.
    """
    stripped = unicodedata.normalize("NFKD", name.casefold())
    if not stripped.isascii():  # no combining marks otherwise: skip the slow walk
        stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", stripped).strip()

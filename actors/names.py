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
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", stripped).strip()

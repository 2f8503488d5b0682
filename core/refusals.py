"""How a service says no, the same to every surface that called it.

Services raise these; each surface shows them its own way: the API answers 403,
400 (each message with its field and code) or 409; the admin shows a read-only
page or form errors; the importer lists row errors; commands print them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


class Forbidden(PermissionDenied):
    """The user may not do this."""

    code = "forbidden"


class Refused(ValidationError):
    """What was asked breaks a rule. Raise it with a dict: field -> ValidationError(s)."""


class Stale(Refused):
    """The record changed since the version the writer read; nothing was written."""

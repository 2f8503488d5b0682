"""The data version: a counter every write to the record moves, after it commits.

Caches and API ETags are built on it (core.caching, api.base read it through
settings.DATA_VERSION); derived rows (Position) move it from
negotiations.positions.store instead.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save

from negotiations.models import DataVersion

logger = logging.getLogger(__name__)


def current() -> DataVersion:
    """The current data version (number and time of the last change)."""
    return DataVersion.current()


def _bump_version() -> None:
    # If the database goes away right after the commit, the bump fails; raising here
    # would make Django skip the on-commit hooks after this one, among them the
    # recompute of positions. A missed bump only delays ETags until the next write.
    try:
        DataVersion.bump()
    except DatabaseError as error:
        logger.error("Data version not bumped after a commit (%s: %s)", type(error).__name__, error)


def bump_version_on_commit(**kwargs) -> None:
    if not kwargs.get("raw"):
        transaction.on_commit(_bump_version)


def connect_versioned(models) -> None:
    for model in models:
        post_save.connect(bump_version_on_commit, sender=model, dispatch_uid=f"version-{model}")
        post_delete.connect(bump_version_on_commit, sender=model, dispatch_uid=f"version-{model}")

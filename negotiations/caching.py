"""Cached fragments, keyed by the data version so that any write retires them.

`DataVersion` is bumped after every write (negotiations.signals, positions),
so a key that carries the version never serves stale data: after a publish
the next request misses and recomputes. The version rides along in a query
the page makes anyway (`with_data_version`), so a cache costs no extra query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet, Subquery
from django.db.models.functions import Coalesce

from negotiations.models import DataVersion

TIMEOUT = 3600


def with_data_version(queryset: QuerySet) -> QuerySet:
    """Annotate each row with the current data version (`data_version`)."""
    number = DataVersion.objects.filter(pk=1).values("number")[:1]
    return queryset.annotate(data_version=Coalesce(Subquery(number), 0))


def cached(obj: Any, name: str, parts: tuple, compute: Callable[[], Any]) -> Any:
    """Return compute(), cached under name, parts and the version `obj` was read with.

    Nothing is cached without a version (an object not read through
    `with_data_version`), nor while this connection's open transaction has
    written: its writes bump the version only when it commits, so until then
    the version does not describe what it reads.
    """
    version = getattr(obj, "data_version", None)
    if version is None or connection.run_on_commit:
        return compute()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"parley:{name}:{version}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value

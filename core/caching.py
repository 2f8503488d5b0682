"""Cached pages and fragments, keyed by the data version so that any write retires them.

The data version is a counter the project moves after every write to the record;
`settings.DATA_VERSION` names the function that reads it (an object with `number`
and `changed_at`). A key that carries the version never serves stale data: after
a publish the next request misses and recomputes. For fragments the version rides
along in a query the page makes anyway (an annotation, `data_version`), so a
cache costs no extra query.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

TIMEOUT = 3600


def data_version():
    """The current data version (settings.DATA_VERSION reads it)."""
    return import_string(settings.DATA_VERSION)()


def cached(obj: Any, name: str, parts: tuple, compute: Callable[[], Any]) -> Any:
    """Return compute(), cached under name, parts and the version `obj` was read with.

    Nothing is cached without a version (an object read without its
    `data_version` annotation), nor while this connection's open transaction has
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


def public_page(view: Callable) -> Callable:
    """Keep a page's HTML for anonymous readers under the data version.

    A hit costs one query (the version). Signed-in users (who may see the admin
    link or drafts) and responses that set cookies are never cached.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if (
            request.method != "GET"
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or connection.run_on_commit
        ):
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        key = f"parley:page:{data_version().number}:{digest}"
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, response.content, TIMEOUT)
        return response

    return wrapper

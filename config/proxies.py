"""Who is asking: the client's address, read through the reverse proxies we trust.

Behind a proxy every request comes from the proxy's address, so login throttling
(django-axes locks a username from an address) would let anyone lock everyone
out. With TRUSTED_PROXIES = n (the number of proxies in front of the app, each
appending the address it saw to X-Forwarded-For), the client is the n-th address
from the right: what the outermost trusted proxy saw. Addresses further left were
written by the client and prove nothing. With no trusted proxy, REMOTE_ADDR.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXIES
    if not trusted:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        return remote  # not through all the proxies: take what we can see
    return forwarded[-trusted]

"""What every API view shares: conditional GETs and who may see unpublished work."""

from __future__ import annotations

import hashlib

from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

from negotiations.models import DataVersion


def can_see_unpublished(user) -> bool:
    return user.is_authenticated and user.has_perm("negotiations.change_statement")


class ConditionalGetMixin:
    """ETag and Last-Modified on every GET, from the data version; 304 when unchanged.

    The version moves after every write (negotiations.signals), so the check
    costs one indexed query and no response is built when the client is current.
    The tag also covers the URL, the format and whether drafts are visible.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        version = DataVersion.current()
        # Authentication has not run yet; a token or session may reveal drafts,
        # so the audience is part of the tag.
        audience = request.headers.get("Authorization", "") + request.COOKIES.get("sessionid", "")
        key = "|".join(
            [
                str(version.number),
                request.get_full_path(),
                request.headers.get("Accept", ""),
                hashlib.sha256(audience.encode()).hexdigest(),
            ]
        )
        etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
        last_modified = int(version.changed_at.timestamp())
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        response = not_modified or super().dispatch(request, *args, **kwargs)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
        return response

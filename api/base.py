"""What every API view shares: conditional GETs with cached answers, and 409s."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import ProtectedError, RestrictedError
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from core.caching import data_version

# Answers kept under their ETag; any write moves the version and so the tag.
CACHE_SECONDS = 3600


def cached_answer(handler: Callable) -> Callable:
    """Keep a GET handler's data under the ETag ConditionalGetMixin computed for the request.

    Applied to the handler itself (list, retrieve, a GET action), it runs after
    authentication, permissions and throttling, as any handler does: a cached answer
    only ever stands in for the handler, never for those checks.
    """

    @functools.wraps(handler)
    def answer(self, request, *args, **kwargs):
        key = getattr(self, "_cache_key", None)
        if key is None or request.method != "GET" or request.accepted_renderer.format == "api":
            return handler(self, request, *args, **kwargs)
        hit = cache.get(key)
        if hit is not None:
            data, headers = hit
            return Response(data, headers=headers)
        response = handler(self, request, *args, **kwargs)
        if response.status_code == 200 and isinstance(response, Response):
            kept = {name: response[name] for name in ("Link",) if response.has_header(name)}
            cache.set(key, (response.data, kept), CACHE_SECONDS)
        return response

    return answer


class ConditionalGetMixin:
    """ETag and Last-Modified on every GET, from the data version; 304 when unchanged.

    The version moves after every write, so the check costs one indexed query and
    no response is built when the client is current. The tag also covers the URL,
    the format and who is asking (a token or a session may reveal drafts). The data
    of a 200 is kept in the cache under the same tag by the handlers wrapped in
    `cached_answer` (list and retrieve here; GET actions wrap themselves).
    """

    def dispatch(self, request, *args, **kwargs):
        self._cache_key = None
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        version = data_version()
        # Authentication has not run yet; a token or session may reveal drafts,
        # so the audience is part of the tag.
        audience = request.headers.get("Authorization", "") + request.COOKIES.get(
            settings.SESSION_COOKIE_NAME, ""
        )
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
        # An open transaction that has written would see data the version does not describe.
        if not connection.run_on_commit:
            self._cache_key = f"parley:api:{etag.strip('"')}"
        response = not_modified or super().dispatch(request, *args, **kwargs)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
        return response

    @cached_answer
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @cached_answer
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class Conflict(APIException):
    status_code = 409
    default_detail = "Other records depend on this one; it cannot be deleted."
    default_code = "protected"


class StaleVersion(Conflict):
    default_detail = "The record changed since you read it."
    default_code = "stale"


class ConflictErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[("protected", "protected"), ("stale", "stale")])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ConflictResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("client_error", "client_error")])
    errors = ConflictErrorSerializer(many=True)


class ProtectedDestroyMixin:
    """Deleting a row the record still points at is a 409, not a server error."""

    @extend_schema(responses={204: None, 409: ConflictResponseSerializer})
    def destroy(self, request, *args, **kwargs):
        try:
            return super().destroy(request, *args, **kwargs)
        except (ProtectedError, RestrictedError) as error:
            names = sorted(
                {str(type(obj)._meta.verbose_name_plural) for obj in error.protected_objects}
            )
            raise Conflict(
                f"{', '.join(names).capitalize()} still refer to it; it cannot be deleted."
            ) from None


def openapi_index_paths(result, generator, request, public):
    """Let error `attr` paths into lists carry real indexes (claims.0.subject).

    drf-standardized-errors lists them as literal `claims.INDEX.subject`, which
    no real response matches; such enums become patterns with a number there.
    """

    def walk(node):
        if isinstance(node, dict):
            values = node.get("enum") or []
            if any(isinstance(v, str) and "INDEX" in v for v in values):
                alternatives = "|".join(
                    re.escape(v).replace("INDEX", "[0-9]+") for v in values if isinstance(v, str)
                )
                node.pop("enum")
                node["pattern"] = f"^(?:{alternatives})$"
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(result.get("components", {}))
    return result

"""What every API view shares: conditional GETs with cached answers, and 409s."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable

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


def audience(request) -> str:
    """What decides what a client may see: the host its links are built on, and its
    permissions (not its token: a user removed from a group must not keep the answers
    cached for who they were)."""
    user = request.user
    if not user.is_authenticated:
        return f"{request.get_host()}|anonymous"
    permissions = ",".join(sorted(user.get_all_permissions()))
    return f"{request.get_host()}|{hashlib.sha256(permissions.encode()).hexdigest()}"


def cached_answer(handler: Callable) -> Callable:
    """Answer a GET with ETag and Last-Modified from the data version, 304 when the client
    is current, and keep the data of a 200 in the cache under its tag.

    Applied to the handler itself (list, retrieve, a GET action), it runs after
    authentication, permissions and throttling, as any handler does: a cached answer
    only ever stands in for the handler, never for those checks. The tag covers the
    data version, the host, the URL, the format and the client's permissions.
    """

    @functools.wraps(handler)
    def answer(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return handler(self, request, *args, **kwargs)
        version = data_version()
        parts = [
            str(version.number),
            request.get_full_path(),
            request.headers.get("Accept", ""),
            audience(request),
        ]
        etag = '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'
        # Last-Modified says nothing of who asks: only anonymous answers carry it.
        modified = None if request.user.is_authenticated else version.changed_at.timestamp()
        response = get_conditional_response(
            request._request, etag=etag, last_modified=int(modified) if modified else None
        )
        if response is None:
            response = _kept(etag, request, lambda: handler(self, request, *args, **kwargs))
        if response.status_code in (200, 304):
            response["ETag"] = etag
            if modified:
                response["Last-Modified"] = http_date(int(modified))
        return response

    return answer


def _kept(etag: str, request, compute: Callable) -> Response:
    # Not while this connection's open transaction has written: the version does not
    # describe what it reads until it commits. Nor for the browsable API's HTML.
    if connection.run_on_commit or request.accepted_renderer.format == "api":
        return compute()
    key = f"parley:api:{etag.strip('"')}"
    hit = cache.get(key)
    if hit is not None:
        data, headers = hit
        return Response(data, headers=headers)
    response = compute()
    if response.status_code == 200 and isinstance(response, Response):
        kept = {name: response[name] for name in ("Link",) if response.has_header(name)}
        cache.set(key, (response.data, kept), CACHE_SECONDS)
    return response


class ConditionalGetMixin:
    """Conditional GETs and cached answers for list and retrieve (see `cached_answer`;
    GET actions wrap themselves)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie", "Host"])
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

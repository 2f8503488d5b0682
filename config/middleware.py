"""While the database is unreachable, answer 503 with Retry-After instead of a 500.

A PostgreSQL restart or failover drops every open connection; requests in
flight then fail with OperationalError or InterfaceError. That is an outage
the client should wait out, not a bug: it gets a 503 and a Retry-After header
(JSON in the API's error shape under /api/, a short page elsewhere) and the
log gets one line instead of a traceback. The next request reconnects
(`conn_health_checks` in settings), so the app recovers by itself.

Views under /api/ handle their own exceptions (DRF), so the same answer is
given there by `APIExceptionHandler`; the middleware covers pages and whatever
fails before DRF's handler runs.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions
from rest_framework.exceptions import APIException, ErrorDetail
from rest_framework.response import Response

from api.base import StaleVersion
from core.refusals import Forbidden, Refused, Stale

logger = logging.getLogger("parley.database")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
DETAIL = "The database is unavailable for a moment. Try again in a few seconds."


class DatabaseUnavailable(APIException):
    status_code = 503
    default_detail = DETAIL
    default_code = "database_unavailable"
    wait = RETRY_AFTER_SECONDS  # DRF sends it as Retry-After


def _log(request: HttpRequest, error: Exception) -> None:
    logger.error(
        "%s %s: database unavailable, answered 503 (%s: %s)",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        _log(request, exception)
        if request.path.startswith("/api/"):
            error = {"code": DatabaseUnavailable.default_code, "detail": DETAIL, "attr": None}
            response = JsonResponse({"type": "server_error", "errors": [error]}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def refusal_detail(error: Refused) -> dict[str, list[ErrorDetail]]:
    """A service's refusal as DRF error details: each message under its field, with its code."""
    return {
        field: [ErrorDetail(message, code=item.code) for item in items for message in item.messages]
        for field, items in error.error_dict.items()
    }


class TooLarge(APIException):
    status_code = 413
    default_detail = "The request body is larger than this server accepts."
    default_code = "too_large"


class APIExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler, with database errors as a 503, a body over the
    limit as a 413, and the services' refusals as 403 (Forbidden), 409 (Stale) or 400
    (Refused, by field and code)."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, DATABASE_ERRORS):
            return DatabaseUnavailable()
        if isinstance(exc, RequestDataTooBig):
            return TooLarge(
                f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
            )
        if isinstance(exc, Forbidden):
            return exceptions.PermissionDenied(str(exc))
        if isinstance(exc, Stale):
            return StaleVersion(" ".join(exc.messages))
        if isinstance(exc, Refused):
            return exceptions.ValidationError(refusal_detail(exc))
        return super().convert_known_exceptions(exc)

    def report_exception(self, exc: APIException, response: Response) -> None:
        if isinstance(exc, DatabaseUnavailable):
            _log(self.context["request"]._request, self.exc)
            return
        super().report_exception(exc, response)

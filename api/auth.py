"""API tokens: knox stores only a hash of each token, and a user may hold several."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled


class CreateTokenView(knox_views.LoginView):
    """Exchange a username and password (HTTP Basic) or a session for a new API token."""

    authentication_classes = [BasicAuthentication, SessionAuthentication]

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "NewToken",
            {
                "token": serializers.CharField(),
                "expiry": serializers.DateTimeField(allow_null=True),
            },
        ),
    )
    def post(self, request, format=None):
        return super().post(request, format=format)

    def handle_exception(self, exc):
        # django-axes refuses even the right password once a username has
        # failed too often from this address; say so instead of "invalid".
        if isinstance(exc, AuthenticationFailed) and getattr(
            self.request, "axes_locked_out", False
        ):
            exc = Throttled(
                wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                detail="Too many failed logins for this account from your address.",
            )
        return super().handle_exception(exc)


class RevokeTokenView(knox_views.LogoutView):
    """Revoke the token this request is made with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)

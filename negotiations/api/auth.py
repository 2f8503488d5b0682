"""API tokens: knox stores only a hash of each token, and a user may hold several."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication


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


class RevokeTokenView(knox_views.LogoutView):
    """Revoke the token this request is made with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)

"""Serializer fields every app's API uses."""

from __future__ import annotations

from rest_framework import serializers


class SlugField(serializers.SlugRelatedField):
    """A slug naming a row; a NUL character is refused before it reaches the database."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)

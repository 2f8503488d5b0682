"""Page numbers for the small lists, stable cursors for the long ones; both with a Link header."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


def _link_header(response, next_url: str | None, previous_url: str | None):
    # CSV has no body field for the next page: clients follow the Link header.
    links = [
        f'<{url}>; rel="{rel}"' for rel, url in (("next", next_url), ("prev", previous_url)) if url
    ]
    if links:
        response["Link"] = ", ".join(links)
    return response


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        return _link_header(response, self.get_next_link(), self.get_previous_link())


class CursorPagination(pagination.CursorPagination):
    """Stable while rows are added: the ordering ends in the unique primary key.

    A cursor comes back from the client, who may have edited it: its position must
    read as a value of the first ordering field, or the answer is a 400 naming it.
    """

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            if "\x00" in cursor.position:
                raise ValueError("a NUL character")
            field.to_python(cursor.position)
        except (ValueError, DjangoValidationError):
            message = "Invalid cursor: follow the next and previous links of a page."
            raise ValidationError({"cursor": [message]}) from None
        return cursor

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        return _link_header(response, self.get_next_link(), self.get_previous_link())

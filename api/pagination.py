"""Page numbers for the small lists, stable cursors for the long ones; both with a Link header."""

from __future__ import annotations

from rest_framework import pagination


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
    """Stable while rows are added: the ordering ends in the unique primary key."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        return _link_header(response, self.get_next_link(), self.get_previous_link())

"""The cursors of the statement and claim lists: orderings their indexes serve."""

from __future__ import annotations

from api.pagination import CursorPagination


class StatementCursorPagination(CursorPagination):
    # Served by the index statement_negotiation_date (negotiation, date_earliest, id).
    ordering = ("date_earliest", "id")

    def get_ordering(self, request, queryset, view):
        if request.query_params.get("ordering") == "-date":
            return ("-date_earliest", "-id")
        return self.ordering


class ClaimCursorPagination(CursorPagination):
    ordering = ("id",)

"""The data version riding along in a query a page makes anyway (see core.caching)."""

from __future__ import annotations

from django.db.models import QuerySet, Subquery
from django.db.models.functions import Coalesce

from negotiations.models import DataVersion


def with_data_version(queryset: QuerySet) -> QuerySet:
    """Annotate each row with the current data version (`data_version`), for core.caching.cached."""
    number = DataVersion.objects.filter(pk=1).values("number")[:1]
    return queryset.annotate(data_version=Coalesce(Subquery(number), 0))

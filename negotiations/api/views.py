"""The /api/v1/ endpoints for negotiations, what is on the table, statements and positions."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from actors.models import Actor
from api.base import (
    ConditionalGetMixin,
    ConflictResponseSerializer,
    ProtectedDestroyMixin,
    cached_answer,
)
from negotiations import positions, targets
from negotiations.api.pagination import ClaimCursorPagination, StatementCursorPagination
from negotiations.api.serializers import (
    ClaimSerializer,
    DemandSerializer,
    IssueSerializer,
    MatrixSerializer,
    NegotiationSerializer,
    PositionSerializer,
    ProposalSerializer,
    SourceSerializer,
    StatementCSVSerializer,
    StatementSerializer,
)
from negotiations.models import (
    Claim,
    Demand,
    Issue,
    Negotiation,
    Participant,
    Proposal,
    Source,
    Statement,
)
from negotiations.statements import services
from negotiations.statements.filters import ClaimFilter, StatementFilter


def can_see_unpublished(user) -> bool:
    return user.is_authenticated and user.has_perm("negotiations.change_statement")


class DateWindow(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="YYYY-MM-DD; default: the day of the latest published statement."
    )
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError({"until": ["until is before since."]})
        return attrs


def read_window(request: Request) -> dict[str, datetime.date]:
    window = DateWindow(data=request.query_params)
    window.is_valid(raise_exception=True)
    return window.validated_data


AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="Default: the day of the negotiation's latest published statement.",
)


@extend_validation_errors(["invalid"], field_name="as_of", actions=["positions", "matrix"])
@extend_validation_errors(["invalid"], field_name="since", actions=["changes"])
@extend_validation_errors(["invalid"], field_name="until", actions=["changes"])
@extend_validation_errors(["invalid"], field_name="end", methods=["post", "put", "patch"])
class NegotiationViewSet(ConditionalGetMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Negotiations, with their participants; and where the parties stand."""

    serializer_class = NegotiationSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    ordering_fields = ["start", "title"]
    ordering = ["-start"]

    def get_queryset(self):
        participants = Participant.objects.select_related("actor")
        return Negotiation.objects.prefetch_related(Prefetch("participants", queryset=participants))

    @extend_schema(parameters=[AS_OF], responses=PositionSerializer(many=True))
    @action(detail=True, filter_backends=[])
    @cached_answer
    def positions(self, request: Request, slug: str) -> Response:
        """Every actor's latest position on every target, as of a date, with the claims
        that contest it and, on issues, the actor's stances on the proposals addressing it."""
        negotiation = self.get_object()
        as_of = read_window(request).get("as_of") or positions.latest_day(negotiation)
        page = self.paginate_queryset(positions.latest_positions(negotiation, as_of))
        positions.with_contests(page, as_of)
        positions.with_packages(negotiation, page, as_of)
        return self.get_paginated_response(PositionSerializer(page, many=True).data)

    @extend_schema(parameters=[AS_OF], responses=MatrixSerializer)
    @action(detail=True, filter_backends=[], pagination_class=None)
    @cached_answer
    def matrix(self, request: Request, slug: str) -> Response:
        """Parties × issues as of a date, with per-issue convergence; each cell with the
        claims contesting it and the party's stances on proposals addressing the issue."""
        negotiation = self.get_object()
        as_of = read_window(request).get("as_of") or positions.latest_day(negotiation)
        matrix = positions.matrix(negotiation, as_of, with_packages=True)
        issue_slug = {issue.pk: issue.slug for issue in matrix.issues}
        data = {
            "as_of": as_of,
            "parties": [party.slug for party in matrix.parties],
            "issues": [issue.slug for issue in matrix.issues],
            "cells": [
                {
                    "party": party.slug,
                    "issue": issue.slug,
                    "position": matrix.cell(party, issue),
                    "packages": matrix.packages_of(party, issue),
                }
                for party in matrix.parties
                for issue in matrix.issues
            ],
            "convergence": {issue_slug[pk]: value for pk, value in matrix.convergence.items()},
        }
        return Response(MatrixSerializer(data).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
        ],
        responses=PositionSerializer(many=True),
    )
    @action(detail=True, filter_backends=[])
    @cached_answer
    def changes(self, request: Request, slug: str) -> Response:
        """Every position change dated within since..until, newest first."""
        negotiation = self.get_object()
        window = read_window(request)
        rows = positions.changes_queryset(negotiation, window.get("since"), window.get("until"))
        page = positions.with_contests(self.paginate_queryset(rows))
        return self.get_paginated_response(PositionSerializer(page, many=True).data)


HISTORY_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.INT, description=f"The {name}'s id.")
    for name in targets.MODELS
]


@extend_validation_errors(["invalid"], field_name="target", methods=["get"])
@extend_validation_errors(["invalid"], field_name="issue", methods=["get"])
@extend_validation_errors(["invalid"], field_name="proposal", methods=["get"])
@extend_validation_errors(["invalid"], field_name="provision", methods=["get"])
@extend_validation_errors(["invalid"], field_name="demand", methods=["get"])
class ActorHistoryView(ConditionalGetMixin, APIView):
    """/api/v1/actors/{slug}/history/: an actor's positions on one target."""

    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]

    @extend_schema(parameters=HISTORY_PARAMETERS, responses=PositionSerializer(many=True))
    @cached_answer
    def get(self, request: Request, slug: str) -> Response:
        """The actor's positions on one target, oldest first, each with its change and
        the claims that contest it; on an issue, each also with the actor's stances on
        the proposals addressing the issue while it stood (`packages`).

        Give exactly one of issue, proposal, provision or demand.
        """
        actor = get_object_or_404(Actor, slug=slug)
        given = {
            name: request.query_params[name]
            for name in targets.MODELS
            if name in request.query_params
        }
        if len(given) != 1:
            raise serializers.ValidationError(
                {"target": ["Give exactly one of issue, proposal, provision or demand."]}
            )
        [(name, raw)] = given.items()
        if not raw.isdigit():
            raise serializers.ValidationError({name: ["A whole number (the id) is required."]})
        target = targets.get(name, int(raw))
        if target is None:
            raise NotFound(f"No {name} with the id {raw}.")
        rows = positions.history(actor, *targets.target_key(target))
        return Response(PositionSerializer(rows, many=True).data)


class NegotiationChildMixin:
    """Issues and proposals live under their negotiation: /negotiations/{slug}/issues/…"""

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_negotiation(self) -> Negotiation:
        if not hasattr(self, "_negotiation"):
            self._negotiation = get_object_or_404(Negotiation, slug=self.kwargs["negotiation_slug"])
        return self._negotiation

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "negotiation_slug" in self.kwargs and not getattr(self, "swagger_fake_view", False):
            context["negotiation"] = self.get_negotiation()
        return context

    def perform_create(self, serializer):
        serializer.save(negotiation=self.get_negotiation())


@extend_validation_errors(["unique"], field_name="slug", methods=["post", "put", "patch"])
@extend_validation_errors(["invalid"], field_name="parent", methods=["post", "put", "patch"])
class IssueViewSet(
    ConditionalGetMixin, ProtectedDestroyMixin, NegotiationChildMixin, viewsets.ModelViewSet
):
    serializer_class = IssueSerializer
    ordering_fields = ["order", "title"]
    ordering = ["order", "title"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Issue.objects.none()
        return Issue.objects.filter(negotiation=self.get_negotiation()).select_related(
            "negotiation", "parent"
        )


@extend_validation_errors(["unique"], field_name="slug", methods=["post", "put", "patch"])
@extend_validation_errors(
    ["invalid_date", "out_of_range"], field_name="presented", methods=["post", "put", "patch"]
)
@extend_validation_errors(["invalid"], field_name="supersedes", methods=["post", "put", "patch"])
class ProposalViewSet(
    ConditionalGetMixin, ProtectedDestroyMixin, NegotiationChildMixin, viewsets.ModelViewSet
):
    """Proposals with their provisions by phase and their lineage."""

    serializer_class = ProposalSerializer
    ordering_fields = ["presented_earliest", "title"]
    ordering = ["presented_earliest", "title"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Proposal.objects.none()
        return (
            Proposal.objects.filter(negotiation=self.get_negotiation())
            .select_related("negotiation", "proposed_by", "supersedes")
            .prefetch_related("superseded_by", "provisions__issue")
        )


class DemandViewSet(ConditionalGetMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    serializer_class = DemandSerializer
    queryset = Demand.objects.select_related("actor", "issue").order_by("pk")
    filterset_fields = {"actor__slug": ["exact"], "issue": ["exact"]}
    ordering_fields = ["id"]


@extend_validation_errors(
    ["invalid"], field_name="publisher_name", methods=["post", "put", "patch"]
)
class SourceViewSet(ConditionalGetMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Where statements were published. Anonymous clients (and users who may not see
    drafts) see only the sources of published statements: a source used by a draft
    alone, or an article pasted for ingestion, is unpublished work."""

    serializer_class = SourceSerializer
    filterset_fields = {"published": ["gte", "lte"], "language": ["exact"]}
    ordering_fields = ["published", "id"]

    def get_queryset(self):
        sources = Source.objects.select_related("publisher").order_by("-published", "pk")
        if not can_see_unpublished(self.request.user):
            on_record = Statement.objects.published().filter(source=OuterRef("pk"))
            sources = sources.filter(Exists(on_record))
        return sources


VERSION = OpenApiParameter(
    "version",
    OpenApiTypes.INT,
    required=True,
    description="The version of the statement you read: a delete from an older one is a 409.",
)
WRITES = ["post", "put", "patch"]


@extend_validation_errors(["bad_transition"], field_name="status", methods=WRITES)
@extend_validation_errors(["reason_required"], field_name="retraction_reason", methods=WRITES)
@extend_validation_errors(["invalid_date", "implausible"], field_name="date", methods=WRITES)
@extend_validation_errors(
    ["invalid", "no_content", "duplicate"], field_name="quote", methods=WRITES
)
@extend_validation_errors(["invalid", "ambiguous_side"], field_name="on_behalf_of", methods=WRITES)
@extend_validation_errors(["required"], field_name="version", methods=["put", "patch", "delete"])
@extend_validation_errors(
    ["invalid", "read_only", "one_target", "other_negotiation"],
    field_name="claims",
    methods=WRITES,
)
class StatementViewSet(ConditionalGetMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Dated, sourced statements with their claims.

    Anonymous clients and users who cannot edit statements see published ones
    only. Writes follow the editorial rules of negotiations.statements.services:
    a statement sent as published by a user who may not publish is saved as a
    draft; a published statement changes only through reviewers; a retracted one
    not at all; an update names the version it read (409 when it moved since).
    """

    filterset_class = StatementFilter
    pagination_class = StatementCursorPagination
    # The cursor fixes the order (see StatementFilter.ordering): no OrderingFilter.
    filter_backends = [DjangoFilterBackend]

    def get_serializer_class(self):
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "csv" and self.action == "list":
            return StatementCSVSerializer
        return StatementSerializer

    def filter_queryset(self, queryset):
        # The filters narrow the list; a statement addressed by id is not searched for
        # (and building the filter set is a good part of a detail's cost).
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_queryset(self):
        statements = Statement.objects.for_display()
        if not can_see_unpublished(self.request.user):
            statements = statements.published()
        return statements

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        claims = [Claim(**claim) for claim in data.pop("claims", [])]
        serializer.instance = services.statement_save(
            Statement(**data), user=self.request.user, claims=claims
        )

    def perform_update(self, serializer):
        statement, version = edited(serializer)
        services.statement_save(statement, user=self.request.user, version=version)

    @extend_schema(responses={200: StatementSerializer, 409: ConflictResponseSerializer})
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={200: StatementSerializer, 409: ConflictResponseSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(parameters=[VERSION], responses={204: None, 409: ConflictResponseSerializer})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.statement_delete(
            statement=instance, user=self.request.user, version=_version(self.request)
        )


@extend_validation_errors(
    ["invalid", "one_target", "other_negotiation"], field_name="target", methods=WRITES
)
@extend_validation_errors(["invalid"], field_name="target_id", methods=WRITES)
@extend_validation_errors(["required"], field_name="version", methods=[*WRITES, "delete"])
class ClaimViewSet(ConditionalGetMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    """Claims, each the coding of one statement. A write names the `version` of the
    claim's statement that it read (a delete: `?version=`), and moves that version on."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    pagination_class = ClaimCursorPagination
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        claims = Claim.objects.with_targets()
        if not can_see_unpublished(self.request.user):
            claims = claims.published()
        return claims

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = services.claim_save(
            Claim(**data), user=self.request.user, version=version
        )

    def perform_update(self, serializer):
        claim, version = edited(serializer)
        services.claim_save(claim, user=self.request.user, version=version)

    @extend_schema(parameters=[VERSION], responses={204: None, 409: ConflictResponseSerializer})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.claim_delete(instance, user=self.request.user, version=_version(self.request))


def edited(serializer) -> tuple:
    """The instance with the validated changes applied (unsaved), and the version named."""
    data = dict(serializer.validated_data)
    version = data.pop("version", None)
    for name, value in data.items():
        setattr(serializer.instance, name, value)
    return serializer.instance, version


def _version(request: Request) -> int | None:
    """The `?version=` a delete names (None when missing: the service asks for it)."""
    version = request.query_params.get("version", "")
    return int(version) if version.isdigit() else None

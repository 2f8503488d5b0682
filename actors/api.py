"""/api/v1/actors/: actors with their aliases and roles, and a Popolo export of people,
organizations and memberships. (An actor's position history is the negotiations API's.)"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from actors.models import Actor, ActorKind, Affiliation, Alias
from api.base import ConditionalGetMixin, ProtectedDestroyMixin, cached_answer
from api.fields import SlugField


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alias
        fields = ["name", "language"]


class AffiliationSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Affiliation
        fields = ["organization", "organization_name", "role", "start", "end"]


class ActorSerializer(serializers.ModelSerializer):
    parent = SlugField(
        slug_field="slug", queryset=Actor.objects.all(), required=False, allow_null=True
    )
    aliases = AliasSerializer(many=True, read_only=True)
    affiliations = AffiliationSerializer(many=True, read_only=True)

    class Meta:
        model = Actor
        fields = [
            "slug",
            "name",
            "kind",
            "parent",
            "country",
            "wikidata_id",
            "description",
            "aliases",
            "affiliations",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate_parent(self, parent):
        if parent is not None and self.instance is not None and parent.pk == self.instance.pk:
            raise serializers.ValidationError("An organisation cannot be part of itself.")
        return parent


class ActorViewSet(ConditionalGetMixin, ProtectedDestroyMixin, viewsets.ModelViewSet):
    serializer_class = ActorSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"
    filterset_fields = {"kind": ["exact"], "country": ["exact"]}
    search_fields = ["name", "aliases__name"]
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self):
        affiliations = Affiliation.objects.select_related("organization")
        return Actor.objects.select_related("parent").prefetch_related(
            "aliases", Prefetch("affiliations", queryset=affiliations)
        )


class PopoloView(ConditionalGetMixin, APIView):
    """People, organizations and memberships in the Popolo format (popoloproject.com)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @cached_answer
    def get(self, request: Request) -> Response:
        actors = list(Actor.objects.prefetch_related("aliases").order_by("pk"))
        memberships = Affiliation.objects.select_related("person", "organization").order_by("pk")

        def other_names(actor):
            return [
                {"name": alias.name, **({"lang": alias.language} if alias.language else {})}
                for alias in actor.aliases.all()
            ]

        def identifiers(actor):
            if not actor.wikidata_id:
                return []
            return [{"scheme": "wikidata", "identifier": actor.wikidata_id}]

        return Response(
            {
                "persons": [
                    {
                        "id": a.slug,
                        "name": a.name,
                        "other_names": other_names(a),
                        "identifiers": identifiers(a),
                        "summary": a.description,
                    }
                    for a in actors
                    if a.kind == ActorKind.PERSON
                ],
                "organizations": [
                    {
                        "id": a.slug,
                        "name": a.name,
                        "classification": a.get_kind_display(),
                        "parent_id": a.parent.slug if a.parent_id else None,
                        "other_names": other_names(a),
                        "identifiers": identifiers(a),
                        "area_id": a.country or None,
                    }
                    for a in actors
                    if a.kind != ActorKind.PERSON
                ],
                "memberships": [
                    {
                        "id": f"membership-{m.pk}",
                        "person_id": m.person.slug,
                        "organization_id": m.organization.slug,
                        "role": m.role,
                        "start_date": m.start.isoformat() if m.start else None,
                        "end_date": m.end.isoformat() if m.end else None,
                    }
                    for m in memberships
                ],
            }
        )

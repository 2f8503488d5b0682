"""How negotiations, what is on the table, statements and positions look in the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actors.models import Actor
from api.fields import SlugField
from core.dates import FuzzyDate, FuzzyDateError, check_window, parse_fuzzy_date
from negotiations import targets
from negotiations.models import (
    TARGET_FIELDS,
    Basis,
    ChangeKind,
    Claim,
    Demand,
    Issue,
    Negotiation,
    Participant,
    Position,
    Proposal,
    Provision,
    Source,
    Stance,
    Statement,
    StatementStatus,
    TargetType,
)
from negotiations.statements.services import MAX_CLAIMS

STANCE_BY_LABEL = {label: value for value, label in Stance.choices}
STANCE_CHOICES = [(label, label) for _, label in Stance.choices]


class ActorSlugField(SlugField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Actor.objects.all())
        super().__init__(slug_field="slug", **kwargs)


class StanceField(serializers.ChoiceField):
    """A stance as its word ("rejects" … "accepts"); the number is in `stance_value`."""

    def __init__(self, **kwargs):
        super().__init__(choices=STANCE_CHOICES, **kwargs)

    def to_representation(self, value):
        return None if value is None else Stance(value).label

    def to_internal_value(self, data):
        return STANCE_BY_LABEL[super().to_internal_value(data)]


class FuzzyDateTextField(serializers.CharField):
    """A date as sources give it. Read: the date at its precision. Write: any
    accepted form; relative ones ("on Monday") need the source's publication date."""

    def __init__(self, prefix: str = "date", source: str = "*", **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 200)
        super().__init__(source=source, **kwargs)

    def to_representation(self, instance) -> str:
        earliest = getattr(instance, f"{self.prefix}_earliest")
        latest = getattr(instance, f"{self.prefix}_latest")
        return str(FuzzyDate(earliest, latest))

    def to_internal_value(self, data) -> dict:
        return {f"_{self.prefix}_text": super().to_internal_value(data)}


def read_fuzzy_date(attrs: dict, prefix: str, reference=None) -> None:
    """Replace the raw text of a fuzzy date in attrs by its earliest/latest fields."""
    text = attrs.pop(f"_{prefix}_text", None)
    if text is None:
        return
    try:
        value = parse_fuzzy_date(text, reference=reference)
    except FuzzyDateError as error:
        raise serializers.ValidationError({prefix: [str(error)]}, code="invalid_date") from None
    attrs[f"{prefix}_earliest"], attrs[f"{prefix}_latest"] = value.earliest, value.latest


class ParticipantSerializer(serializers.ModelSerializer):
    actor = ActorSlugField()
    actor_name = serializers.CharField(source="actor.name", read_only=True)

    class Meta:
        model = Participant
        fields = ["actor", "actor_name", "role", "side"]


class NegotiationSerializer(serializers.ModelSerializer):
    participants = ParticipantSerializer(many=True, read_only=True)

    class Meta:
        model = Negotiation
        fields = ["slug", "title", "summary", "start", "end", "participants", "updated_at"]
        read_only_fields = ["updated_at"]

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end": ["The end is before the start."]})
        return attrs


def check_slug_free(serializer, model, slug: str | None) -> None:
    """(negotiation, slug) is unique; the negotiation comes from the URL, not the body."""
    negotiation = serializer.context.get("negotiation")
    if slug is None or negotiation is None:
        return
    taken = model.objects.filter(negotiation=negotiation, slug=slug)
    if serializer.instance is not None:
        taken = taken.exclude(pk=serializer.instance.pk)
    if taken.exists():
        raise serializers.ValidationError(
            {"slug": [f"Another {model._meta.verbose_name} here already has this slug."]},
            code="unique",
        )


class NegotiationScopedSlugs:
    """Slug fields naming rows of the negotiation in the URL: slugs repeat across negotiations."""

    scoped_fields: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        negotiation = self.context.get("negotiation")
        for name in self.scoped_fields:
            field = fields[name]
            field.queryset = field.queryset.filter(negotiation=negotiation)
        return fields


class IssueSerializer(NegotiationScopedSlugs, serializers.ModelSerializer):
    scoped_fields = ("parent",)
    negotiation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parent = SlugField(
        slug_field="slug", queryset=Issue.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Issue
        fields = ["id", "negotiation", "slug", "title", "parent", "description", "order"]

    def validate(self, attrs):
        check_slug_free(self, Issue, attrs.get("slug"))
        return attrs

    def validate_parent(self, parent):
        negotiation = self.context.get("negotiation")
        if parent is not None and negotiation and parent.negotiation_id != negotiation.pk:
            raise serializers.ValidationError("The parent issue belongs to another negotiation.")
        return parent


class ProvisionSerializer(serializers.ModelSerializer):
    issue = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    issue_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Provision
        fields = ["id", "phase", "order", "text", "issue", "issue_id"]


class ProposalSerializer(NegotiationScopedSlugs, serializers.ModelSerializer):
    scoped_fields = ("supersedes",)
    negotiation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    proposed_by = ActorSlugField(required=False, allow_null=True)
    presented = FuzzyDateTextField(prefix="presented")
    presented_earliest = serializers.DateField(read_only=True)
    presented_latest = serializers.DateField(read_only=True)
    supersedes = SlugField(
        slug_field="slug", queryset=Proposal.objects.all(), required=False, allow_null=True
    )
    superseded_by = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    provisions = ProvisionSerializer(many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "negotiation",
            "slug",
            "title",
            "proposed_by",
            "presented",
            "presented_earliest",
            "presented_latest",
            "supersedes",
            "superseded_by",
            "summary",
            "document_url",
            "provisions",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def validate(self, attrs):
        check_slug_free(self, Proposal, attrs.get("slug"))
        read_fuzzy_date(attrs, "presented")
        if "presented_earliest" in attrs:
            problem = check_window(attrs["presented_earliest"], attrs["presented_latest"])
            if problem:
                raise serializers.ValidationError({"presented": [problem]}, code="out_of_range")
        supersedes = attrs.get("supersedes")
        negotiation = self.context.get("negotiation")
        if supersedes is not None and negotiation and supersedes.negotiation_id != negotiation.pk:
            raise serializers.ValidationError(
                {"supersedes": ["A proposal can only supersede one in the same negotiation."]}
            )
        if (
            supersedes is not None
            and self.instance is not None
            and self.instance.pk in {p.pk for p in supersedes.lineage()}
        ):
            raise serializers.ValidationError(
                {"supersedes": ["This would make the proposal supersede itself."]}
            )
        return attrs


class DemandSerializer(serializers.ModelSerializer):
    actor = ActorSlugField()
    issue = serializers.PrimaryKeyRelatedField(queryset=Issue.objects.all())

    class Meta:
        model = Demand
        fields = ["id", "actor", "issue", "text"]


class SourceSerializer(serializers.ModelSerializer):
    publisher = ActorSlugField(required=False, allow_null=True)
    publisher_display = serializers.CharField(read_only=True)

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "title",
            "publisher",
            "publisher_name",
            "publisher_display",
            "published",
            "language",
            "content_hash",
            "archive_url",
        ]

    def validate(self, attrs):
        publisher = attrs.get("publisher", getattr(self.instance, "publisher", None))
        name = attrs.get("publisher_name", getattr(self.instance, "publisher_name", ""))
        if publisher is None and not name:
            raise serializers.ValidationError(
                {"publisher_name": ["Name the publisher, or give it as an actor slug."]}
            )
        return attrs


class ClaimSerializer(serializers.ModelSerializer):
    """One coding of a statement: subject takes stance toward (target_type, target_id)."""

    subject = ActorSlugField()
    stance = StanceField()
    stance_value = serializers.IntegerField(source="stance", read_only=True)
    target_type = serializers.ChoiceField(choices=TargetType.choices)
    target_id = serializers.IntegerField(min_value=1)
    target_title = serializers.CharField(source="target", read_only=True)
    version = serializers.IntegerField(
        min_value=1,
        write_only=True,
        help_text="The version of the claim's statement that you read (for a new claim, of "
        "the statement it joins). If the statement changed since, the write is a 409.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "statement",
            "subject",
            "stance",
            "stance_value",
            "basis",
            "target_type",
            "target_id",
            "target_title",
            "version",
        ]

    def validate(self, attrs):
        # Parsing only: which target; the rules live in negotiations.statements.services.
        target_type = attrs.pop("target_type", None)
        target_id = attrs.pop("target_id", None)
        if (target_type is None) != (target_id is None):
            raise serializers.ValidationError(
                {"target_id": ["Give target_type and target_id together."]}
            )
        if target_type is not None:
            target = targets.get(target_type, target_id)
            if target is None:
                raise serializers.ValidationError(
                    {"target_id": [f"No {target_type} with the id {target_id}."]}
                )
            attrs.update({name: None for name in TARGET_FIELDS}, **{target_type: target})
        return attrs


class NestedClaimSerializer(ClaimSerializer):
    """A claim written together with its statement (whose version it shares)."""

    version = None

    class Meta(ClaimSerializer.Meta):
        fields = [f for f in ClaimSerializer.Meta.fields if f not in ("statement", "version")]


class StatementSerializer(serializers.ModelSerializer):
    negotiation = SlugField(slug_field="slug", queryset=Negotiation.objects.all())
    speaker = ActorSlugField()
    on_behalf_of = ActorSlugField(
        required=False,
        allow_null=True,
        help_text="Whom the speaker spoke for. Left out: from the speaker's role on the date.",
    )
    date = FuzzyDateTextField(
        help_text="As the source gives it: 2024-08-19, Aug 19, 2024, late May 2024, "
        "on Monday (read against the source's publication date)…"
    )
    date_earliest = serializers.DateField(read_only=True)
    date_latest = serializers.DateField(read_only=True)
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    source_detail = SourceSerializer(source="source", read_only=True)
    # Refused before each is read: parsing 20,000 claims would hold the worker.
    claims = NestedClaimSerializer(many=True, required=False, max_length=MAX_CLAIMS)
    status = serializers.ChoiceField(choices=StatementStatus.choices, required=False)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="Changes with every save. An update must send the version it started "
        "from; if someone saved in between, the update is refused with a 409.",
    )

    class Meta:
        model = Statement
        fields = [
            "id",
            "negotiation",
            "speaker",
            "on_behalf_of",
            "date",
            "date_earliest",
            "date_latest",
            "source",
            "source_detail",
            "quote",
            "quote_language",
            "translation",
            "summary",
            "status",
            "retraction_reason",
            "version",
            "claims",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        # Parsing only: the rules live in negotiations.statements.services.
        if self.instance is None:
            attrs.pop("version", None)
        elif "claims" in attrs:
            raise serializers.ValidationError(
                {"claims": ["Edit claims through /api/v1/claims/."]}, code="read_only"
            )
        source = attrs.get("source", getattr(self.instance, "source", None))
        read_fuzzy_date(attrs, "date", reference=source.published if source else None)
        return attrs


class StatementCSVSerializer(serializers.Serializer):
    """The flat columns a spreadsheet user expects; the bulk import reads the same."""

    id = serializers.IntegerField()
    negotiation = serializers.CharField(source="negotiation.slug")
    speaker = serializers.CharField(source="speaker.slug")
    on_behalf_of = serializers.SerializerMethodField()
    date = serializers.SerializerMethodField()
    date_earliest = serializers.DateField()
    date_latest = serializers.DateField()
    source_url = serializers.CharField(source="source.url")
    source_title = serializers.CharField(source="source.title")
    source_publisher = serializers.CharField(source="source.publisher_display")
    source_published = serializers.DateField(source="source.published")
    quote = serializers.CharField()
    quote_language = serializers.CharField()
    translation = serializers.CharField()
    summary = serializers.CharField()
    status = serializers.CharField()
    claims = serializers.SerializerMethodField()

    def get_on_behalf_of(self, statement) -> str:
        return statement.on_behalf_of.slug if statement.on_behalf_of_id else ""

    def get_date(self, statement) -> str:
        return str(statement.date)

    def get_claims(self, statement) -> str:
        """`subject stance target_type:target_id basis`, separated by semicolons."""
        return "; ".join(
            f"{c.subject.slug} {Stance(c.stance).label} {c.target_type}:{c.target_id} {c.basis}"
            for c in statement.claims.all()
        )


class ContestSerializer(serializers.Serializer):
    """A claim that disputes a position: who says otherwise, on what basis, when."""

    claim = serializers.IntegerField(source="pk")
    statement = serializers.IntegerField(source="statement_id")
    speaker = serializers.CharField(source="statement.speaker.slug", help_text="Actor slug.")
    speaker_name = serializers.CharField(source="statement.speaker.name")
    basis = serializers.ChoiceField(choices=Basis.choices)
    stance = StanceField()
    stance_value = serializers.IntegerField(source="stance")
    date = FuzzyDateTextField(source="statement")


class PackageSerializer(serializers.Serializer):
    """The actor's stance on a proposal that addresses the issue: context, not a position on it."""

    proposal = serializers.CharField(source="proposal.slug", help_text="Proposal slug.")
    title = serializers.CharField(source="proposal.title")
    stance = StanceField()
    stance_value = serializers.IntegerField(source="stance")
    date = FuzzyDateTextField()
    statement = serializers.IntegerField(source="statement_id")


class PositionSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    stance = StanceField(read_only=True)
    stance_value = serializers.IntegerField(source="stance", read_only=True)
    previous_stance = StanceField(read_only=True, allow_null=True)
    change = serializers.ChoiceField(choices=[("", "none"), *ChangeKind.choices], read_only=True)
    date = FuzzyDateTextField(read_only=True)
    basis = serializers.ChoiceField(choices=Basis.choices, read_only=True)
    contested = serializers.BooleanField(read_only=True)
    contested_by = ContestSerializer(
        many=True,
        read_only=True,
        help_text="The published claims that dispute this position (as of the date asked for).",
    )
    packages = serializers.SerializerMethodField(
        help_text="On an issue: the actor's latest stances on the proposals that address it, "
        "shown beside the position and never counted in it. Null for other targets and in "
        "lists of changes."
    )

    class Meta:
        model = Position
        fields = [
            "actor",
            "target_type",
            "target_id",
            "seq",
            "stance",
            "stance_value",
            "previous_stance",
            "change",
            "basis",
            "contested",
            "contested_by",
            "packages",
            "date",
            "date_earliest",
            "date_latest",
            "statement",
            "claim",
        ]
        read_only_fields = fields

    @extend_schema_field(PackageSerializer(many=True, allow_null=True))
    def get_packages(self, position: Position) -> list | None:
        rows = getattr(position, "packages", None)
        return None if rows is None else PackageSerializer(rows, many=True).data


class MatrixCellSerializer(serializers.Serializer):
    party = serializers.CharField()
    issue = serializers.CharField()
    position = PositionSerializer(allow_null=True)
    packages = PackageSerializer(
        many=True,
        help_text="The party's stances on proposals that address the issue, even when the "
        "cell is empty: context, never counted in the position.",
    )


class MatrixSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    parties = serializers.ListField(child=serializers.CharField())
    issues = serializers.ListField(child=serializers.CharField())
    cells = MatrixCellSerializer(many=True)
    convergence = serializers.DictField(
        child=serializers.ChoiceField(choices=["converged", "narrowing", "apart", "unknown"])
    )

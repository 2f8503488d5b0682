"""Who speaks and who is spoken about: actors, their other names, their roles."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from actors.names import normalise_name


class ActorKind(models.TextChoices):
    STATE = "state", "State"
    GOVERNMENT = "government", "Government or state body"
    ARMED_GROUP = "armed_group", "Armed group"
    PARTY = "political_party", "Political party"
    IGO = "igo", "Intergovernmental body"
    NGO = "ngo", "NGO or civil society group"
    MEDIA = "media", "Media outlet"
    PERSON = "person", "Person"


class ActorQuerySet(models.QuerySet):
    def persons(self) -> ActorQuerySet:
        return self.filter(kind=ActorKind.PERSON)

    def organizations(self) -> ActorQuerySet:
        return self.exclude(kind=ActorKind.PERSON)


class Actor(models.Model):
    name = models.CharField(
        max_length=200, help_text="The name in common English use, e.g. “Osama Hamdan”."
    )
    slug = models.SlugField(
        max_length=200, unique=True, help_text="Used in page and API addresses."
    )
    kind = models.CharField(max_length=20, choices=ActorKind.choices)
    # An organisation inside another: a ministry in a government, a political
    # bureau in a movement. PROTECT: removing the parent would orphan the record.
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The organisation this one is part of, if any.",
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO code such as EG.")],
        help_text="ISO 3166 two-letter code, e.g. IL, QA, US. Leave empty for movements "
        "and international bodies.",
    )
    wikidata_id = models.CharField(
        "Wikidata ID",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata ID looks like Q801.")],
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ActorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ActorKind.values), name="actor_kind_valid"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="actor_not_own_parent"),
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="actor_wikidata_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("actors:detail", args=[self.slug])

    @property
    def is_person(self) -> bool:
        return self.kind == ActorKind.PERSON

    def clean(self) -> None:
        if self.parent_id is not None and self.parent_id == self.pk:
            raise ValidationError(
                {"parent": "An organisation cannot be part of itself."}, code="own_parent"
            )


class Alias(models.Model):
    # An alias means nothing without its actor.
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(
        max_length=200, help_text="Another name or spelling, e.g. “Abu Mazen” or “حماس”."
    )
    language = models.CharField(
        max_length=20, blank=True, help_text="Language tag such as en, ar or he, if known."
    )
    normalised = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "normalised"], name="alias_normalised_unique_per_actor"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.normalised = normalise_name(self.name)
        super().save(*args, **kwargs)

    def validate_unique(self, exclude=None) -> None:
        # The unique constraint is on a field the form does not show; compute it
        # first so a duplicate is a form error instead of an IntegrityError.
        self.normalised = normalise_name(self.name)
        super().validate_unique(exclude)

    def validate_constraints(self, exclude=None) -> None:
        self.normalised = normalise_name(self.name)
        super().validate_constraints(exclude=exclude)


class Affiliation(models.Model):
    # A person's roles go with the person.
    person = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="affiliations")
    # PROTECT: an organisation that people spoke for stays on the record.
    organization = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(
        max_length=200, blank=True, help_text="E.g. “Prime Minister”, “spokesman”."
    )
    start = models.DateField(null=True, blank=True, help_text="Leave empty if unknown.")
    end = models.DateField(null=True, blank=True, help_text="Leave empty while it lasts.")

    class Meta:
        ordering = ["person", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(start__lte=F("end")),
                name="affiliation_start_before_end",
            ),
            models.CheckConstraint(
                condition=~Q(person=F("organization")), name="affiliation_not_self"
            ),
        ]
        indexes = [
            # Resolving who a speaker spoke for on a date: affiliations of one person.
            models.Index(fields=["person", "start"], name="affiliation_person_start_idx"),
        ]

    def __str__(self) -> str:
        role = f"{self.role}, " if self.role else ""
        return f"{self.person} ({role}{self.organization})"

    def clean(self) -> None:
        errors = {}
        if self.start and self.end and self.start > self.end:
            errors["end"] = ValidationError(
                "The end date is before the start date.", code="end_before_start"
            )
        if self.person_id and not self.person.is_person:
            errors["person"] = ValidationError(
                "Only a person can hold a role; %(actor)s is not a person.",
                code="not_a_person",
                params={"actor": self.person},
            )
        if self.organization_id and self.organization.is_person:
            errors["organization"] = ValidationError(
                "%(actor)s is a person, not an organisation.",
                code="not_an_organization",
                params={"actor": self.organization},
            )
        if errors:
            raise ValidationError(errors)

    def held_between(self, earliest: datetime.date, latest: datetime.date) -> bool:
        """Whether the role held on at least one day of earliest..latest (open ends hold)."""
        return (self.start is None or self.start <= latest) and (
            self.end is None or self.end >= earliest
        )


@dataclass(frozen=True)
class Side:
    """Whom a speaker spoke for on a date: one organisation, or a reported ambiguity."""

    organization: Actor | None
    candidates: list[Actor] = field(default_factory=list)

    @property
    def is_ambiguous(self) -> bool:
        return self.organization is None and len(self.candidates) > 1


def resolve_side(speaker: Actor, earliest: datetime.date, latest: datetime.date) -> Side:
    """Return the organisation `speaker` represented between earliest and latest.

    An organisation speaks for itself. A person speaks for the organisation of
    their affiliation on that date. When a person held roles in two different
    organisations then, the answer lists both and picks neither: an editor must
    choose. A person with no affiliation then speaks for nobody but themselves.
    """
    return resolve_sides([(speaker, earliest, latest)])[0]


def resolve_sides(wanted: Sequence[tuple[Actor, datetime.date, datetime.date]]) -> list[Side]:
    """Return resolve_side for each (speaker, earliest, latest), reading the affiliations of
    every person among the speakers in one query."""
    persons = {speaker.pk for speaker, _, _ in wanted if speaker.is_person}
    roles: dict[int, list[Affiliation]] = defaultdict(list)
    if persons:
        for affiliation in Affiliation.objects.filter(person__in=persons).select_related(
            "organization"
        ):
            roles[affiliation.person_id].append(affiliation)
    return [
        _side(speaker, roles[speaker.pk], earliest, latest) for speaker, earliest, latest in wanted
    ]


def _side(
    speaker: Actor, roles: list[Affiliation], earliest: datetime.date, latest: datetime.date
) -> Side:
    if not speaker.is_person:
        return Side(organization=speaker, candidates=[speaker])
    organizations = list(
        {
            role.organization_id: role.organization
            for role in roles
            if role.held_between(earliest, latest)
        }.values()
    )
    if len(organizations) == 1:
        return Side(organization=organizations[0], candidates=organizations)
    return Side(organization=None, candidates=organizations)

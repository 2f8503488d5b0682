"""What a claim can be about: proposals, provisions, demands, issues — the one map.

Everything that differs between the four kinds of target is said here once: the
model, how a target reaches its negotiation, what is searched, its title and its
page. The models hold only their names (`TARGET_FIELDS`, a claim's four foreign
keys, and `TargetType`, a position's kind), which this map must match.

A target is named by a key, "<type>:<id>" (the API's target_type and target_id).
Editors pick a claim's target from one box, searched within one negotiation, so a
claim cannot point into other talks by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q
from django.urls import reverse
from django.utils.text import Truncator

from negotiations.models import TARGET_FIELDS, Demand, Issue, Proposal, Provision, TargetType


@dataclass(frozen=True)
class Kind:
    model: type[Model]
    negotiation: str  # the lookup from a target to its negotiation's id
    related: tuple[str, ...]  # what its title needs, fetched with it
    searched: tuple[str, ...]  # the fields the editors' search box looks in


KINDS: dict[str, Kind] = {
    "proposal": Kind(Proposal, "negotiation_id", (), ("title", "slug", "summary")),
    "provision": Kind(
        Provision, "proposal__negotiation_id", ("proposal",), ("text", "proposal__title")
    ),
    "demand": Kind(
        Demand, "issue__negotiation_id", ("actor", "issue"), ("text", "actor__name", "issue__title")
    ),
    "issue": Kind(Issue, "negotiation_id", (), ("title", "slug")),
}
assert set(KINDS) == set(TARGET_FIELDS) == set(TargetType.values)
MODELS: dict[str, type[Model]] = {name: kind.model for name, kind in KINDS.items()}
GROUPS = {name: f"{name.capitalize()}s" for name in KINDS}
PER_GROUP = 15


class TargetKeyError(ValueError):
    """The key does not name an existing target."""


def target_key(obj: Model) -> tuple[str, int]:
    """Return (target_type, id) of a target: the pair positions and the API name it by."""
    return TargetType(type(obj).__name__.lower()).value, obj.pk


def key(obj: Model) -> str:
    return "{}:{}".format(*target_key(obj))


def negotiation_id(obj: Model) -> int:
    """The id of the negotiation a target belongs to (following KINDS' lookup)."""
    value = obj
    for step in KINDS[target_key(obj)[0]].negotiation.split("__"):
        value = getattr(value, step)
    return value


def title(obj: Model) -> str:
    """How pages, feeds and the API name a target (related rows fetched: `of_negotiation`)."""
    if isinstance(obj, Provision):
        return f"{obj.proposal.title}, phase {obj.phase}.{obj.order}"
    if isinstance(obj, Demand):
        return f"{obj.actor.name}: {obj.text}"
    return obj.title


def label(obj: Model) -> str:
    """The title with enough of the text to choose by, for the editors' search box."""
    if isinstance(obj, Provision):
        return f"{title(obj)}: {Truncator(obj.text).chars(70)}"
    if isinstance(obj, Demand):
        return f"{obj.actor.name}: {Truncator(obj.text).chars(80)}"
    return title(obj)


def of_negotiation(name: str, negotiation_id: int | None):
    """Return the targets of one kind (of one negotiation, when given), ready to title."""
    if name not in KINDS:
        raise TargetKeyError(f"“{name}” is not a kind of target.")
    kind = KINDS[name]
    rows = kind.model.objects.all()
    if kind.related:
        rows = rows.select_related(*kind.related)
    return rows.filter(**{kind.negotiation: negotiation_id}) if negotiation_id else rows


def search(term: str, *, negotiation_id: int | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Targets whose words contain `term`, grouped by type: [(group, [(key, label)])]."""
    groups = []
    for name, kind in KINDS.items():
        rows = of_negotiation(name, negotiation_id)
        for word in term.split():
            match = Q()
            for field in kind.searched:
                match |= Q(**{f"{field}__icontains": word})
            rows = rows.filter(match)
        found = [(key(obj), label(obj)) for obj in rows.order_by("pk")[:PER_GROUP]]
        if found:
            groups.append((GROUPS[name], found))
    return groups


def get(kind: str, pk: int) -> Model | None:
    """The target of that kind and id, with what its title and negotiation need, or None."""
    return of_negotiation(kind, None).filter(pk=pk).first()


def resolve(value: str) -> Model:
    """The target a key names, or TargetKeyError."""
    name, _, pk = value.partition(":")
    if name not in KINDS or not pk.isdigit():
        raise TargetKeyError(f"“{value}” is not a target; pick one from the list.")
    obj = get(name, int(pk))
    if obj is None:
        raise TargetKeyError(f"That {name} no longer exists.")
    return obj


@dataclass(frozen=True)
class Target:
    """A target as pages show it: its title, its page, and the issue it is about."""

    title: str
    url: str
    issue_id: int | None


def index(negotiation) -> dict[tuple[str, int], Target]:
    """Every target of a negotiation by (type, id), titled and linked: one query per kind."""
    slug = negotiation.slug
    rows = {name: list(of_negotiation(name, negotiation.pk)) for name in KINDS}
    proposal_url = {
        p.pk: reverse("negotiations:proposal", args=[slug, p.slug]) for p in rows["proposal"]
    }
    issue_url = {i.pk: reverse("negotiations:issue", args=[slug, i.slug]) for i in rows["issue"]}
    pages = {
        "issue": lambda obj: (issue_url[obj.pk], obj.pk),
        "proposal": lambda obj: (proposal_url[obj.pk], None),
        "provision": lambda obj: (proposal_url[obj.proposal_id], obj.issue_id),
        "demand": lambda obj: (issue_url[obj.issue_id], obj.issue_id),
    }
    found = {}
    for name, objects in rows.items():
        for obj in objects:
            url, issue_id = pages[name](obj)
            found[name, obj.pk] = Target(title(obj), url, issue_id)
    return found

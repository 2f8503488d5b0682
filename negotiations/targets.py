"""What a claim can be about, as one list: proposals, provisions, demands, issues.

Editors pick a claim's target from a single box. A target is named by a key,
"<type>:<id>" (the API's target_type and target_id), and searched within one
negotiation, so a claim cannot point into other talks by mistake.
"""

from __future__ import annotations

from django.db.models import Model, Q
from django.utils.text import Truncator

from negotiations.models import TARGET_FIELDS, Demand, Issue, Proposal, Provision, TargetType

# The one map from target_type to model (API, import, admin, history).
MODELS: dict[str, type[Model]] = {
    "proposal": Proposal,
    "provision": Provision,
    "demand": Demand,
    "issue": Issue,
}
GROUPS = {name: f"{name.capitalize()}s" for name in MODELS}
PER_GROUP = 15


class TargetKeyError(ValueError):
    """The key does not name an existing target."""


def target_key(obj: Model) -> tuple[str, int]:
    """Return (target_type, id) of a target: the pair positions and the API name it by."""
    return TargetType(type(obj).__name__.lower()).value, obj.pk


def key(obj: Model) -> str:
    return "{}:{}".format(*target_key(obj))


def label(obj: Model) -> str:
    if isinstance(obj, Provision):
        text = Truncator(obj.text).chars(70)
        return f"{obj.proposal.title}, phase {obj.phase}.{obj.order}: {text}"
    if isinstance(obj, Demand):
        return f"{obj.actor.name}: {Truncator(obj.text).chars(80)}"
    return str(obj)


def of_negotiation(name: str, negotiation_id: int | None):
    """Return the targets of one kind (of one negotiation, when given), ready to label."""
    match name:
        case "proposal":
            rows, where = Proposal.objects.all(), "negotiation_id"
        case "provision":
            rows, where = Provision.objects.select_related("proposal"), "proposal__negotiation_id"
        case "demand":
            rows, where = Demand.objects.select_related("actor"), "issue__negotiation_id"
        case "issue":
            rows, where = Issue.objects.all(), "negotiation_id"
        case _:
            raise TargetKeyError(f"“{name}” is not a kind of target.")
    return rows.filter(**{where: negotiation_id}) if negotiation_id else rows


_SEARCHED = {
    "proposal": ["title", "slug", "summary"],
    "provision": ["text", "proposal__title"],
    "demand": ["text", "actor__name", "issue__title"],
    "issue": ["title", "slug"],
}


def search(term: str, *, negotiation_id: int | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Targets whose words contain `term`, grouped by type: [(group, [(key, label)])]."""
    groups = []
    for name in TARGET_FIELDS:
        rows = of_negotiation(name, negotiation_id)
        for word in term.split():
            match = Q()
            for field in _SEARCHED[name]:
                match |= Q(**{f"{field}__icontains": word})
            rows = rows.filter(match)
        found = [(key(obj), label(obj)) for obj in rows.order_by("pk")[:PER_GROUP]]
        if found:
            groups.append((GROUPS[name], found))
    return groups


def get(kind: str, pk: int) -> Model | None:
    """The target of that kind and id, with what its label and negotiation need, or None."""
    return of_negotiation(kind, None).filter(pk=pk).first()


def resolve(value: str) -> Model:
    """The target a key names, or TargetKeyError."""
    name, _, pk = value.partition(":")
    if name not in MODELS or not pk.isdigit():
        raise TargetKeyError(f"“{value}” is not a target; pick one from the list.")
    obj = get(name, int(pk))
    if obj is None:
        raise TargetKeyError(f"That {name} no longer exists.")
    return obj

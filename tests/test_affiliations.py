"""A person's words count for the organisation they represented that day."""

from __future__ import annotations

import datetime

import pytest

from actors.models import resolve_side
from tests.factories import ActorFactory, AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db

JUL_1 = datetime.date(2024, 7, 1)
AUG_19 = datetime.date(2024, 8, 19)


def test_an_organisation_speaks_for_itself():
    hamas = ActorFactory(name="Hamas")
    assert resolve_side(hamas, AUG_19, AUG_19).organization == hamas


def test_a_person_speaks_for_their_organisation_on_the_date():
    united_states = ActorFactory(name="United States")
    blinken = PersonFactory(name="Antony Blinken")
    AffiliationFactory(person=blinken, organization=united_states, start=datetime.date(2021, 1, 26))
    side = resolve_side(blinken, AUG_19, AUG_19)
    assert side.organization == united_states
    assert not side.is_ambiguous


def test_a_role_that_ended_before_the_date_does_not_count():
    hamas = ActorFactory(name="Hamas")
    haniyeh = PersonFactory(name="Ismail Haniyeh")
    AffiliationFactory(person=haniyeh, organization=hamas, end=datetime.date(2024, 7, 31))
    assert resolve_side(haniyeh, AUG_19, AUG_19).organization is None
    assert resolve_side(haniyeh, JUL_1, JUL_1).organization == hamas


def test_a_fuzzy_date_counts_every_role_held_on_any_of_its_days():
    old, new = ActorFactory(name="Old party"), ActorFactory(name="New party")
    person = PersonFactory()
    AffiliationFactory(person=person, organization=old, end=datetime.date(2024, 8, 10))
    AffiliationFactory(person=person, organization=new, start=datetime.date(2024, 8, 11))
    side = resolve_side(person, datetime.date(2024, 8, 1), datetime.date(2024, 8, 31))
    assert side.is_ambiguous
    assert set(side.candidates) == {old, new}
    assert resolve_side(person, AUG_19, AUG_19).organization == new


def test_two_organisations_on_the_same_day_are_reported_not_guessed():
    person = PersonFactory()
    first, second = ActorFactory(), ActorFactory()
    AffiliationFactory(person=person, organization=first)
    AffiliationFactory(person=person, organization=second)
    side = resolve_side(person, AUG_19, AUG_19)
    assert side.organization is None
    assert side.is_ambiguous
    assert {actor.pk for actor in side.candidates} == {first.pk, second.pk}


def test_two_roles_in_one_organisation_are_not_ambiguous():
    person, hamas = PersonFactory(), ActorFactory()
    AffiliationFactory(person=person, organization=hamas, role="spokesman")
    AffiliationFactory(person=person, organization=hamas, role="political bureau member")
    assert resolve_side(person, AUG_19, AUG_19).organization == hamas


def test_a_person_without_a_role_speaks_for_nobody_else():
    side = resolve_side(PersonFactory(), AUG_19, AUG_19)
    assert side.organization is None
    assert not side.is_ambiguous

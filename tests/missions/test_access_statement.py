"""The access check's one query, compiled once per connection (missions.access): it must load
exactly what the ORM loads (the mission, the membership and its stakeholder, typed as the
ORM types them, SQLite included) and decide as before for every kind of person.
"""

import datetime

import pytest

from missions.access import NOT_BYPASSED_BY_SUPERUSERS, PERMISSIONS, access_by_code, access_for
from missions.models import Membership, Mission
from missions.services import membership_create
from stakeholders.models import Stakeholder
from tests.factories import StakeholderFactory, UserFactory


def fields_of(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.fixture
def government(mission):
    return StakeholderFactory(
        mission=mission, name="Ministry", kind=Stakeholder.Kind.HOST_GOVERNMENT, is_retired=True
    )


@pytest.fixture
def gov_liaison(mission, site_admin, government):
    user = UserFactory(email="gov@example.org")
    membership_create(
        actor=site_admin, mission=mission, user=user, role="liaison", stakeholder=government
    )
    return user


def test_the_mission_membership_and_stakeholder_are_loaded_as_the_orm_loads_them(
    mission, gov_liaison, django_assert_num_queries
):
    with django_assert_num_queries(1):
        access = access_by_code(gov_liaison, mission.code)
        # The membership's stakeholder and mission come with it: no query more.
        assert access.can_endorse
        assert access.membership.mission is access.mission

    membership = Membership.objects.select_related("stakeholder").get(user=gov_liaison)
    assert fields_of(access.mission) == fields_of(Mission.objects.get(pk=mission.pk))
    assert fields_of(access.membership) == fields_of(membership)
    assert fields_of(access.membership.stakeholder) == fields_of(membership.stakeholder)
    assert type(access.mission.mandate_start) is datetime.date
    assert isinstance(access.mission.created_at, datetime.datetime)
    assert access.membership.stakeholder.is_retired is True
    assert access.role == "liaison"


def test_a_member_without_a_stakeholder_has_no_stakeholder(mission, staff):
    access = access_by_code(staff, mission.code)

    assert access.membership.stakeholder_id is None and access.membership.stakeholder is None
    assert access.has("change_plan") and not access.has("manage_members")


def test_a_site_superuser_without_a_role_has_every_permission_but_endorsing(mission):
    root = UserFactory(is_superuser=True)

    access = access_by_code(root, mission.code)

    assert access.membership is None and access.role is None
    assert access.perms == frozenset(PERMISSIONS) - NOT_BYPASSED_BY_SUPERUSERS
    assert not access.has("endorse_phase")


def test_a_site_superuser_with_a_role_keeps_it(mission, site_admin):
    root = UserFactory(is_superuser=True)
    membership_create(actor=site_admin, mission=mission, user=root, role="observer")

    access = access_for(root, mission)

    assert access.role == "observer" and access.mission is mission
    assert access.has("manage_members")


def test_strangers_inactive_people_and_unknown_codes_get_nothing(
    mission, stranger, staff, django_assert_num_queries
):
    assert access_by_code(stranger, mission.code) is None
    assert access_by_code(staff, "no-such-mission") is None
    staff.is_active = False
    with django_assert_num_queries(0):
        assert access_by_code(staff, mission.code) is None


def test_a_code_that_looks_like_the_statements_stand_in_is_just_unknown(mission, staff):
    assert access_by_code(staff, "<mission code>") is None
    assert access_by_code(staff, mission.code).mission.pk == mission.pk

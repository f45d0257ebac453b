"""What access costs in queries: lists and permission checks must not grow with the number
of missions or members (no permission check per row, no N+1).

Each count was measured with 2 rows and is asserted, unchanged, with 50.
"""

import pytest
from django.urls import reverse

from missions.access import PERMISSIONS, access_for
from missions.models import Mission
from missions.services import membership_create
from stakeholders.services import stakeholder_create
from tests.factories import MissionFactory, UserFactory

SIZES = [2, 50]

# Measured with 2 rows. Each includes what every signed-in request costs: the session and
# the user (2), and saving the session (SESSION_SAVE_EVERY_REQUEST: savepoint, update,
# release: 3). Below a mission: the mission with the membership and the grants (1).
MISSION_LIST_API_QUERIES = 7  # + count, page
MISSION_LIST_PAGE_QUERIES = 6  # + missions
MEMBER_LIST_API_QUERIES = 8  # + mission access, count, page
MEMBER_LIST_PAGE_QUERIES_FOR_STAFF = 7  # + mission access, members
# + mission access, members, the add form's stakeholders, and (the N+1 below) one
# stakeholder query per member for the change form's select: 2 with 2 members.
MEMBER_LIST_PAGE_QUERIES_FOR_ADMIN = 10


@pytest.fixture
def member_of(site_admin):
    """A person holding a role in ``n`` missions (and a mission they do not belong to)."""

    def make(n: int):
        person = UserFactory(email="traveller@example.org")
        roles = ["admin", "staff", "liaison", "partner", "observer"]
        for i in range(n):
            mission = MissionFactory()
            membership_create(actor=site_admin, mission=mission, user=person, role=roles[i % 5])
        MissionFactory(code="not-theirs")
        return person

    return make


@pytest.fixture
def with_members(mission, site_admin):
    """The mission with ``n`` members in every role, some speaking for a stakeholder."""

    def make(n: int):
        ngo = stakeholder_create(actor=site_admin, mission=mission, name="NGO", kind="ngo")
        roles = ["staff", "liaison", "partner", "observer", "admin"]
        for i in range(n - 1):  # the site admin, who created the mission, is the first
            role = roles[i % 5]
            membership_create(
                actor=site_admin,
                mission=mission,
                user=UserFactory(),
                role=role,
                stakeholder=ngo if role in {"liaison", "partner"} else None,
            )
        assert mission.memberships.count() == n
        return mission

    return make


# Listing missions


@pytest.mark.parametrize("n", SIZES)
def test_the_mission_list_endpoint_costs_the_same_for_2_or_50_missions(
    client, member_of, n, django_assert_num_queries
):
    person = member_of(n)
    client.force_login(person)

    with django_assert_num_queries(MISSION_LIST_API_QUERIES):
        response = client.get("/api/v1/missions/")

    assert response.json()["count"] == n


@pytest.mark.parametrize("n", SIZES)
def test_the_missions_page_costs_the_same_for_2_or_50_missions(
    client, member_of, n, django_assert_num_queries
):
    person = member_of(n)
    client.force_login(person)

    with django_assert_num_queries(MISSION_LIST_PAGE_QUERIES):
        response = client.get(reverse("missions:list"))

    assert len(response.context["missions"]) == n


def test_the_mission_list_leaves_out_missions_without_a_role(client, member_of):
    person = member_of(2)
    client.force_login(person)

    codes = {m["code"] for m in client.get("/api/v1/missions/").json()["results"]}

    assert "not-theirs" not in codes
    assert len(codes) == 2


def test_a_superuser_sees_every_mission_in_the_list_endpoint(client, db):
    for _ in range(3):
        MissionFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.get("/api/v1/missions/")

    assert {m["code"] for m in response.json()["results"]} == set(
        Mission.objects.values_list("code", flat=True)
    )


def test_a_superuser_sees_every_mission_on_the_missions_page(client, db):
    missions = [MissionFactory() for _ in range(3)]
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    html = client.get(reverse("missions:list")).content.decode()

    for mission in missions:
        assert reverse("missions:detail", args=[mission.code]) in html


# Listing members


@pytest.mark.parametrize("n", SIZES)
def test_the_member_list_endpoint_costs_the_same_for_2_or_50_members(
    client, with_members, admin, n, django_assert_num_queries
):
    mission = with_members(n)
    client.force_login(admin)

    with django_assert_num_queries(MEMBER_LIST_API_QUERIES):
        response = client.get(f"/api/v1/missions/{mission.code}/members/")

    assert response.json()["count"] == n


@pytest.mark.parametrize("n", SIZES)
def test_the_members_page_costs_the_same_for_2_or_50_members_for_staff(
    client, with_members, n, django_assert_num_queries
):
    mission = with_members(n)
    viewer = mission.memberships.filter(role="staff").first().user
    client.force_login(viewer)

    with django_assert_num_queries(MEMBER_LIST_PAGE_QUERIES_FOR_STAFF):
        response = client.get(reverse("missions:members", args=[mission.code]))

    assert len(response.context["rows"]) == n


@pytest.mark.parametrize("n", [2, 50])
def test_the_members_page_costs_the_same_for_2_or_50_members_for_an_admin(
    client, with_members, admin, n, django_assert_num_queries
):
    mission = with_members(n)
    client.force_login(admin)

    with django_assert_num_queries(MEMBER_LIST_PAGE_QUERIES_FOR_ADMIN):
        response = client.get(reverse("missions:members", args=[mission.code]))

    assert len(response.context["rows"]) == n


# One permission check


@pytest.mark.parametrize("n", SIZES)
def test_a_permission_check_costs_1_query_whatever_the_number_of_missions(
    member_of, n, django_assert_num_queries
):
    person = member_of(n)
    mission = person.memberships.first().mission

    with django_assert_num_queries(1):
        access = access_for(person, mission)

    assert access.has("view_mission")


@pytest.mark.parametrize("n", SIZES)
def test_a_permission_check_costs_1_query_whatever_the_number_of_members(
    with_members, n, django_assert_num_queries
):
    mission = with_members(n)
    members = mission.memberships.select_related("user").order_by("-role")  # a liaison first
    person = members.filter(role="liaison").first() or members.first()

    with django_assert_num_queries(1):
        access = access_for(person.user, mission)
        # Reading every permission, endorsement included, asks nothing more.
        [access.has(perm) for perm in PERMISSIONS]


def test_a_permission_check_for_a_stranger_costs_1_query(
    mission, stranger, django_assert_num_queries
):
    with django_assert_num_queries(1):
        access = access_for(stranger, mission)

    assert access is None


def test_a_permission_check_for_a_superuser_costs_1_query(mission, django_assert_num_queries):
    root = UserFactory(is_superuser=True)

    with django_assert_num_queries(1):
        access = access_for(root, mission)

    assert access.has("manage_members")

"""A mission's history over the API: its audit events, each caller seeing what they may."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.tokens import api_token_create
from assessments.services import assessment_create, assessment_submit
from missions.access import allowed_roles
from missions.audit import audit
from missions.models import AuditEvent, Membership
from missions.services import benchmark_create, objective_create, phase_create
from stakeholders.services import contact_create, stakeholder_create
from tests.factories import UserFactory
from tests.test_permission_matrix import PERSONAS, expected, world  # noqa: F401 (a fixture)

PROBLEM = "application/problem+json"


def url(mission) -> str:
    return f"/api/v1/missions/{mission.code}/history/"


def events(client, mission, **params) -> list[dict]:
    response = client.get(url(mission), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def event_of(client, mission, action) -> dict:
    [event] = [e for e in events(client, mission, page_size=200) if e["action"] == action]
    return event


def record(mission, actor, action, target, changes):
    with transaction.atomic():
        return audit(mission=mission, actor=actor, action=action, target=target, changes=changes)


def test_history_lists_the_missions_events_newest_first_with_a_cursor(
    client, mission, other_mission, admin
):
    first = phase_create(actor=admin, mission=mission, order=1, kind="consultation", name="One")
    second = phase_create(actor=admin, mission=mission, order=2, kind="handover", name="Two")
    phase_create(actor=admin, mission=other_mission, order=1, kind="handover", name="Elsewhere")
    client.force_login(admin)

    response = client.get(url(mission), {"target_type": "phase", "page_size": 1})

    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    [newest] = body["results"]
    assert set(newest) == {
        "id",
        "at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "changes",
        "redacted",
    }
    assert (newest["action"], newest["target_id"]) == ("phase.create", second.pk)
    assert newest["changes"]["name"] == [None, "Two"]
    assert newest["actor"] == {"id": admin.pk, "name": admin.name, "email": admin.email}
    assert newest["redacted"] is False
    [older] = client.get(body["next"]).json()["results"]
    assert older["target_id"] == first.pk


def test_history_filters_by_target_and_moment(client, mission, admin):
    one = phase_create(actor=admin, mission=mission, order=1, kind="consultation", name="One")
    phase_create(actor=admin, mission=mission, order=2, kind="handover", name="Two")
    AuditEvent.objects.filter(target_type="phase", target_id=one.pk).update(
        at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    client.force_login(admin)

    by_target = events(client, mission, target_type="phase", target_id=one.pk)
    recent = events(client, mission, target_type="phase", updated_after="2026-06-01T00:00:00Z")

    assert [(e["target_type"], e["target_id"]) for e in by_target] == [("phase", one.pk)]
    assert [e["changes"]["name"][1] for e in recent] == ["Two"]


def test_observers_see_people_by_name_only(client, mission, admin, observer):
    phase_create(actor=admin, mission=mission, order=1, kind="consultation", name="One")
    client.force_login(observer)

    event = event_of(client, mission, "phase.create")

    assert event["actor"] == {"id": admin.pk, "name": admin.name}


# What each caller may see


@pytest.fixture
def contact(mission, admin):
    ngo = stakeholder_create(actor=admin, mission=mission, name="Women's NGO", kind="ngo")
    return contact_create(actor=admin, stakeholder=ngo, name="Amina", email="amina@ngo.org")


def test_an_observer_sees_that_a_contact_changed_but_not_the_values(
    client, mission, observer, contact
):
    client.force_login(observer)

    event = event_of(client, mission, "contact.create")

    assert event["redacted"] is True
    assert "email" in event["changes"] and "name" in event["changes"]
    assert set(event["changes"].values()) == {None}
    assert "amina@ngo.org" not in str(events(client, mission, page_size=200))


def test_managers_see_a_contacts_values(client, mission, staff, contact):
    client.force_login(staff)

    event = event_of(client, mission, "contact.create")

    assert event["redacted"] is False
    assert event["changes"]["email"] == [None, "amina@ngo.org"]


def test_invitation_lists_inside_other_events_are_hidden_from_observers(
    client, mission, admin, observer, contact
):
    stakeholder = contact.stakeholder
    record(
        mission,
        admin,
        "stakeholder.update",
        stakeholder,
        {"contacts": [[], [{"name": "Amina", "email": "amina@ngo.org"}]], "name": ["A", "B"]},
    )
    client.force_login(observer)

    event = event_of(client, mission, "stakeholder.update")

    assert event["changes"] == {"contacts": None, "name": ["A", "B"]}
    assert event["redacted"] is True


@pytest.fixture
def rated(mission, admin):
    objective = objective_create(actor=admin, mission=mission, category="security", title="S")
    return benchmark_create(actor=admin, objective=objective, code="bm-s", title="S", kind="rating")


def test_an_observer_sees_that_a_draft_round_changed_not_its_scores(
    client, mission, admin, observer, rated
):
    draft = assessment_create(
        actor=admin,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="security",
        method="field_visit",
        scores=[{"benchmark": "bm-s", "rating": 3, "evidence": "Private notes"}],
    )
    assessment_submit(assessment=draft, actor=admin)
    client.force_login(observer)

    created = event_of(client, mission, "assessment.create")
    submitted = event_of(client, mission, "assessment.submit")

    assert "scores" in created["changes"]
    assert set(created["changes"].values()) == {None}
    assert submitted["changes"] == {"status": ["draft", "submitted"]}
    assert submitted["redacted"] is False


def test_those_who_log_assessments_see_draft_values(client, mission, admin, staff, rated):
    assessment_create(
        actor=admin,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="security",
        method="field_visit",
        scores=[{"benchmark": "bm-s", "rating": 3}],
    )
    client.force_login(staff)

    created = event_of(client, mission, "assessment.create")

    assert created["changes"]["scores"][1][0]["rating"] == "3"


def test_an_observer_sees_no_e_mail_addresses_in_membership_events(
    client, mission, admin, observer
):
    membership = Membership.objects.get(mission=mission, user=observer)
    record(
        mission,
        admin,
        "membership.update",
        membership,
        {"email": ["old@example.org", "new@example.org"], "role": ["partner", "observer"]},
    )
    client.force_login(observer)

    event = event_of(client, mission, "membership.update")

    assert event["changes"] == {"email": None, "role": ["partner", "observer"]}


def test_a_forms_public_token_never_shows_to_those_who_cannot_manage_forms(
    client, mission, admin, observer
):
    record(mission, admin, "mission.update", mission, {"public_token": ["abc", "def"]})
    client.force_login(observer)

    event = event_of(client, mission, "mission.update")

    assert event["changes"] == {"public_token": None}


# Queries


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return sum("django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"] for q in queries)


def test_history_costs_the_same_for_2_and_20_events(client, mission, observer):
    client.force_login(observer)
    start = AuditEvent.objects.filter(mission=mission).count()
    people = [UserFactory() for _ in range(20)]
    for person in people[:2]:
        phase_create(actor=person, mission=mission, order=person.pk, kind="handover", name="P")
    few = count_queries(client, url(mission))
    for person in people[2:]:
        phase_create(actor=person, mission=mission, order=person.pk, kind="handover", name="P")

    many = count_queries(client, url(mission))

    assert AuditEvent.objects.filter(mission=mission).count() == start + 20
    assert few == many <= 5  # user, access (3), events with their actors


# The permission matrix (tests/test_permission_matrix.py's world: mission alpha)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_matrix(client, request, persona):
    w = request.getfixturevalue("world")
    headers = {}
    if persona != "anonymous":
        _, key = api_token_create(user=w["people"][persona], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    response = client.get("/api/v1/missions/alpha/history/", **headers)

    assert response.status_code == expected(persona, "view_history", api=True, ok=200)
    if response.status_code >= 400:
        assert response["Content-Type"] == PROBLEM
    if response.status_code == 403:
        assert response.json()["allowed_roles"] == allowed_roles("view_history")

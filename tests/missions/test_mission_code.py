"""A mission's code is in every link to it, so it cannot change once the mission exists."""

import pytest

from accounts.tokens import api_token_create
from missions.models import Mission
from missions.services import mission_create
from tests.factories import UserFactory


@pytest.fixture
def site_admin(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def mission(site_admin):
    return mission_create(
        actor=site_admin,
        code="alpha",
        name="Alpha",
        country="LB",
        timezone="Asia/Beirut",
        mandate_start="2020-01-01",
        status="active",
    )


def _auth(user):
    _, key = api_token_create(user=user, name="code")
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_patching_the_code_is_refused_and_changes_nothing(client, site_admin, mission):
    response = client.patch(
        "/api/v1/missions/alpha/",
        {"code": "renamed", "name": "Alpha renamed"},
        content_type="application/json",
        HTTP_IF_MATCH='"v1"',
        **_auth(site_admin),
    )
    assert response.status_code == 400
    assert "cannot change after it is created" in response.json()["errors"]["code"][0]
    mission.refresh_from_db()
    assert (mission.code, mission.name, mission.version) == ("alpha", "Alpha", 1)


def test_sending_the_same_code_with_other_changes_is_accepted(client, site_admin, mission):
    response = client.patch(
        "/api/v1/missions/alpha/",
        {"code": "alpha", "name": "Alpha renamed"},
        content_type="application/json",
        HTTP_IF_MATCH='"v1"',
        **_auth(site_admin),
    )
    assert response.status_code == 200, response.content
    assert Mission.objects.get(code="alpha").name == "Alpha renamed"


def test_the_admin_shows_the_code_read_only_once_the_mission_exists(client, site_admin, mission):
    client.force_login(site_admin)
    change = client.get(f"/admin/missions/mission/{mission.pk}/change/")
    assert change.status_code == 200
    assert 'name="code"' not in change.content.decode()
    add = client.get("/admin/missions/mission/add/")
    assert 'name="code"' in add.content.decode()

"""The permission matrix: every role, a stranger and an anonymous visitor, against every
action of DESIGN.md's table that has a surface, in the browser and the API, in two missions.

The expected outcome of each cell comes from the policy table in missions.access, and that
table is checked against docs/DESIGN.md's table, so the three cannot drift apart.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.tokens import api_token_create
from missions.access import POLICY, access_for, allowed_roles
from missions.models import Membership, Role
from missions.services import membership_create, mission_create
from stakeholders.services import stakeholder_create
from tests.factories import UserFactory

ROLES = [r.value for r in Role]
PERSONAS = [*ROLES, "stranger", "anonymous"]
DESIGN = Path(__file__).resolve().parent.parent / "docs" / "DESIGN.md"


def design_table() -> dict[str, set[str]]:
    """DESIGN.md's "Roles and permissions" table as permission → roles."""
    text = DESIGN.read_text(encoding="utf-8")
    section = text[text.index("### Roles and permissions") :]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    header = next(line for line in section.splitlines() if line.startswith("| permission"))
    columns = [c.strip() for c in header.strip("|").split("|")][1:]
    table = {}
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        perm = re.match(r"`(\w+)`", cells[0]).group(1)
        table[perm] = {role for role, cell in zip(columns, cells[1:], strict=True) if "✓" in cell}
    return table


def test_policy_is_exactly_the_design_table():
    assert {perm: set(roles) for perm, roles in POLICY.items()} == design_table()


@pytest.fixture
def world(db):
    site_admin = UserFactory(email="root@example.org", is_staff=True)
    missions = {}
    people = {role: UserFactory(email=f"{role}@example.org", name=role.title()) for role in ROLES}
    people["stranger"] = UserFactory(email="stranger@example.org", name="Stranger")
    for code in ("alpha", "bravo"):
        mission = mission_create(
            actor=site_admin,
            code=code,
            name=code.title(),
            country="LB",
            timezone="Asia/Beirut",
            mandate_start="2020-01-01",
            status="active",
        )
        government = stakeholder_create(
            actor=site_admin, mission=mission, name="Government", kind="host_government"
        )
        ngo = stakeholder_create(actor=site_admin, mission=mission, name="NGO", kind="ngo")
        missions[code] = {"mission": mission, "government": government, "ngo": ngo}
    alpha = missions["alpha"]
    for role in ROLES:
        stakeholder = {"liaison": alpha["government"], "partner": alpha["ngo"]}.get(role)
        membership_create(
            actor=site_admin,
            mission=alpha["mission"],
            user=people[role],
            role=role,
            stakeholder=stakeholder,
        )
    # The stranger holds a role in bravo only: a staff member there, nobody in alpha.
    membership_create(
        actor=site_admin,
        mission=missions["bravo"]["mission"],
        user=people["stranger"],
        role="staff",
    )
    # A second admin, so demoting or removing an admin is not blocked by the last-admin rule.
    membership_create(
        actor=site_admin,
        mission=alpha["mission"],
        user=UserFactory(email="admin2@example.org"),
        role="admin",
    )
    target = Membership.objects.get(mission=alpha["mission"], user=people["observer"])
    return {"missions": missions, "people": people, "target": target, "site_admin": site_admin}


def expected(persona: str, perm: str, *, api: bool, ok: int) -> int:
    if persona == "anonymous":
        return 401 if api else 302
    if persona == "stranger":
        return 404
    return ok if persona in allowed_roles(perm) else 403


# (name, permission, method, url builder, payload builder, success status)
def _members(w):
    return f"/api/v1/missions/{w['missions']['alpha']['mission'].code}/members/"


API_ACTIONS = [
    ("read mission", "view_mission", "get", lambda w: "/api/v1/missions/alpha/", None, 200),
    (
        "change mission",
        "change_mission",
        "patch",
        lambda w: "/api/v1/missions/alpha/",
        lambda w: {"name": "Alpha renamed"},
        200,
    ),
    ("list members", "view_members", "get", _members, None, 200),
    (
        "add member",
        "manage_members",
        "post",
        _members,
        lambda w: {"email": "new.person@example.org", "role": "observer"},
        201,
    ),
    (
        "change member",
        "manage_members",
        "patch",
        lambda w: f"{_members(w)}{w['target'].pk}/",
        lambda w: {"role": "partner"},
        200,
    ),
    (
        "remove member",
        "manage_members",
        "delete",
        lambda w: f"{_members(w)}{w['target'].pk}/",
        None,
        204,
    ),
]

PAGE_ACTIONS = [
    (
        "mission page",
        "view_mission",
        "get",
        lambda w: reverse("missions:detail", args=["alpha"]),
        None,
        200,
    ),
    (
        "member page",
        "view_members",
        "get",
        lambda w: reverse("missions:members", args=["alpha"]),
        None,
        200,
    ),
    (
        "add member",
        "manage_members",
        "post",
        lambda w: reverse("missions:members", args=["alpha"]),
        lambda w: {"email": "new.person@example.org", "role": "observer"},
        302,
    ),
    (
        "change member",
        "manage_members",
        "post",
        lambda w: reverse("missions:member-change", args=["alpha", w["target"].pk]),
        lambda w: {f"m{w['target'].pk}-role": "partner", f"m{w['target'].pk}-version": 1},
        302,
    ),
    (
        "remove member",
        "manage_members",
        "post",
        lambda w: reverse("missions:member-remove", args=["alpha", w["target"].pk]),
        lambda w: {"version": 1},
        302,
    ),
]


def _api_client(client, world, persona):
    if persona == "anonymous":
        return {}
    _, key = api_token_create(user=world["people"][persona], name="matrix")
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "url", "payload", "ok"), API_ACTIONS, ids=[a[0] for a in API_ACTIONS]
)
def test_api_matrix(client, world, persona, name, perm, method, url, payload, ok):
    headers = _api_client(client, world, persona)
    if method in {"patch", "delete"}:
        headers["HTTP_IF_MATCH"] = '"v1"'
    response = getattr(client, method)(
        url(world), payload(world) if payload else None, content_type="application/json", **headers
    )
    assert response.status_code == expected(persona, perm, api=True, ok=ok), response.content
    if response.status_code == 403:
        assert response.json()["allowed_roles"] == allowed_roles(perm)
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "url", "payload", "ok"),
    PAGE_ACTIONS,
    ids=[a[0] for a in PAGE_ACTIONS],
)
def test_page_matrix(client, world, persona, name, perm, method, url, payload, ok):
    if persona != "anonymous":
        client.force_login(world["people"][persona])
    response = getattr(client, method)(url(world), payload(world) if payload else None)
    assert response.status_code == expected(persona, perm, api=False, ok=ok)
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ROLES)
def test_roles_in_one_mission_give_nothing_in_the_other(client, world, persona):
    """A role in alpha is no role in bravo: 404 for its pages and endpoints, as for nothing."""
    client.force_login(world["people"][persona])
    assert client.get(reverse("missions:detail", args=["bravo"])).status_code == 404
    assert client.get("/api/v1/missions/bravo/").status_code == 404
    assert client.get("/api/v1/missions/no-such-mission/").status_code == 404


@pytest.mark.parametrize("persona", [*ROLES, "stranger"])
@pytest.mark.parametrize("perm", list(POLICY))
def test_policy_functions_follow_the_table(world, persona, perm):
    access = access_for(world["people"][persona], world["missions"]["alpha"]["mission"])
    if persona == "stranger":
        assert access is None
    else:
        assert access.has(perm) == (persona in design_table()[perm])

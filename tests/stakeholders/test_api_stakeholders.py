"""A mission's stakeholders over the API, with their contacts written as a whole set.

Who may do what is the matrix at the end; the rest is what each change does.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.tokens import api_token_create
from missions.models import AuditEvent, PhaseEndorsement
from missions.services import handover_item_create, membership_create, phase_create, record_update
from stakeholders.models import Contact, Stakeholder
from stakeholders.services import (
    consultation_create,
    contact_create,
    invitation_create,
    stakeholder_create,
)
from tests.factories import UserFactory
from tests.test_permission_matrix import PERSONAS, expected, world  # noqa: F401 (a fixture)

PROBLEM = "application/problem+json"


def url(mission, pk=None) -> str:
    base = f"/api/v1/missions/{mission.code}/stakeholders/"
    return f"{base}{pk}/" if pk else base


@pytest.fixture
def api(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def ngo(mission, admin):
    stakeholder = stakeholder_create(actor=admin, mission=mission, name="Women's NGO", kind="ngo")
    contact_create(actor=admin, stakeholder=stakeholder, name="Amina", email="amina@ngo.org")
    contact_create(actor=admin, stakeholder=stakeholder, name="Bintou", email="bintou@ngo.org")
    return stakeholder


def contacts_of(stakeholder) -> dict[str, Contact]:
    return {c.name: c for c in Contact.objects.filter(stakeholder=stakeholder)}


def patch(api, mission, stakeholder, data, if_match=None):
    if_match = if_match or f'"v{Stakeholder.objects.get(pk=stakeholder.pk).version}"'
    return api.patch(
        url(mission, stakeholder.pk), data, content_type="application/json", HTTP_IF_MATCH=if_match
    )


def invite(contact, actor):
    consultation = consultation_create(
        actor=actor,
        mission=contact.stakeholder.mission,
        kind="meeting",
        title="Town hall",
        starts_at=timezone.now() + datetime.timedelta(days=7),
        ends_at=timezone.now() + datetime.timedelta(days=7, hours=2),
    )
    return invitation_create(actor=actor, consultation=consultation, contact=contact)


# Creating and reading


def test_staff_create_a_stakeholder_with_its_contacts(client, mission, staff):
    client.force_login(staff)

    response = client.post(
        url(mission),
        {
            "name": "Ministry of Interior",
            "kind": "host_government",
            "contacts": [
                {"name": "Director", "email": "director@gov.example", "language": "fr"},
                {"name": "Deputy"},
            ],
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"v1"'
    assert (body["name"], body["kind"], body["version"]) == (
        "Ministry of Interior",
        "host_government",
        1,
    )
    assert [(c["name"], c["email"], c["language"]) for c in body["contacts"]] == [
        ("Director", "director@gov.example", "fr"),
        ("Deputy", "", "en"),
    ]
    assert all(isinstance(c["id"], int) for c in body["contacts"])
    actions = AuditEvent.objects.filter(mission=mission).values_list("action", flat=True)
    assert sorted(a for a in actions if a.startswith(("stakeholder", "contact"))) == [
        "contact.create",
        "contact.create",
        "stakeholder.create",
    ]


def test_a_contact_id_on_a_new_stakeholder_is_400_naming_the_item(api, mission, ngo):
    amina = contacts_of(ngo)["Amina"]

    response = api.post(
        url(mission),
        {
            "name": "Other",
            "kind": "ngo",
            "contacts": [{"name": "X"}, {"id": amina.pk, "name": "Y"}],
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contacts[1].id"]
    assert not Stakeholder.objects.filter(name="Other").exists()


def test_a_contact_without_a_name_is_400_naming_the_item(api, mission):
    response = api.post(
        url(mission),
        {"name": "Other", "kind": "ngo", "contacts": [{"name": "X"}, {"email": "y@example.org"}]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "contacts[1].name" in response.json()["errors"]


def test_a_second_stakeholder_of_the_same_name_in_any_case_is_400_on_name(api, mission, ngo):
    response = api.post(
        url(mission), {"name": "WOMEN'S NGO", "kind": "ngo"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_the_list_filters_by_kind_and_retirement(api, mission, admin, ngo):
    stakeholder_create(actor=admin, mission=mission, name="Government", kind="host_government")
    stakeholder_create(actor=admin, mission=mission, name="Old NGO", kind="ngo", is_retired=True)

    by_kind = api.get(url(mission), {"kind": "ngo"}).json()["results"]
    active_ngos = api.get(url(mission), {"kind": "ngo", "is_retired": "false"}).json()["results"]

    assert [s["name"] for s in by_kind] == ["Women's NGO", "Old NGO"]
    assert [s["name"] for s in active_ngos] == ["Women's NGO"]


def test_a_stakeholder_of_another_mission_is_not_found_here(api, mission, other_mission, admin):
    theirs = stakeholder_create(actor=admin, mission=other_mission, name="Theirs", kind="ngo")

    assert api.get(url(mission, theirs.pk)).status_code == 404
    assert api.get(url(other_mission, theirs.pk)).status_code == 404  # admin has no role there


# Who sees contacts' e-mail addresses


@pytest.mark.parametrize(
    ("persona", "sees_email"),
    [("admin", True), ("staff", True), ("liaison", False), ("partner", False), ("observer", False)],
)
def test_contacts_email_and_user_show_only_with_manage_consultations(
    client, request, mission, ngo, persona, sees_email
):
    client.force_login(request.getfixturevalue(persona))

    listed = client.get(url(mission)).json()["results"][0]["contacts"]
    one = client.get(url(mission, ngo.pk)).json()["contacts"]

    for contacts in (listed, one):
        assert [c["name"] for c in contacts] == ["Amina", "Bintou"]
        assert all(("email" in c) is sees_email for c in contacts)
        assert all(("user" in c) is sees_email for c in contacts)
    if sees_email:
        assert [c["email"] for c in one] == ["amina@ngo.org", "bintou@ngo.org"]


def test_a_contact_may_name_a_member_of_the_mission_as_its_user(api, mission, ngo, partner):
    amina = contacts_of(ngo)["Amina"]

    response = patch(api, mission, ngo, {"contacts": [{"id": amina.pk, "user": partner.pk}]})

    assert response.status_code == 200, response.content
    (contact,) = response.json()["contacts"]
    assert contact["user"] == {"id": partner.pk, "name": partner.name, "email": partner.email}


def test_a_contact_user_who_is_not_a_member_is_400(api, mission, ngo):
    outsider = UserFactory()

    response = patch(api, mission, ngo, {"contacts": [{"name": "New", "user": outsider.pk}]})

    assert response.status_code == 400
    assert "contacts[0].user" in response.json()["errors"]


# Changing contacts: the key present is the whole set


def test_patch_without_contacts_keeps_them(api, mission, ngo):
    response = patch(api, mission, ngo, {"name": "Women's Network"})

    assert response.status_code == 200
    assert [c["name"] for c in response.json()["contacts"]] == ["Amina", "Bintou"]
    assert response.json()["version"] == 2


def test_the_contacts_key_is_the_whole_set_matched_by_id(api, mission, ngo, admin):
    amina, bintou = contacts_of(ngo)["Amina"], contacts_of(ngo)["Bintou"]

    response = patch(
        api,
        mission,
        ngo,
        {"contacts": [{"id": amina.pk, "email": "amina@new.org"}, {"name": "Chiara"}]},
    )

    assert response.status_code == 200, response.content
    contacts = response.json()["contacts"]
    assert [(c["name"], c["email"]) for c in contacts] == [
        ("Amina", "amina@new.org"),
        ("Chiara", ""),
    ]
    assert contacts[0]["id"] == amina.pk and contacts[0]["version"] == 2
    assert not Contact.objects.filter(pk=bintou.pk).exists()
    events = AuditEvent.objects.filter(target_type="contact").exclude(action="contact.create")
    assert sorted(events.values_list("action", "target_id")) == [
        ("contact.delete", bintou.pk),
        ("contact.update", amina.pk),
    ]
    assert AuditEvent.objects.filter(action="contact.create", target_id=contacts[1]["id"]).exists()


def test_a_contact_left_out_is_retired_when_an_invitation_refers_to_it(api, mission, ngo, admin):
    amina, bintou = contacts_of(ngo)["Amina"], contacts_of(ngo)["Bintou"]
    invite(bintou, admin)

    response = patch(api, mission, ngo, {"contacts": [{"id": amina.pk}]})

    assert response.status_code == 200, response.content
    bintou.refresh_from_db()
    assert bintou.is_retired
    assert [(c["name"], c["is_retired"]) for c in response.json()["contacts"]] == [
        ("Amina", False),
        ("Bintou", True),
    ]
    assert AuditEvent.objects.filter(action="contact.retire", target_id=bintou.pk).exists()


def test_an_empty_list_removes_every_contact(api, mission, ngo):
    response = patch(api, mission, ngo, {"contacts": []})

    assert response.status_code == 200
    assert response.json()["contacts"] == []
    assert not Contact.objects.filter(stakeholder=ngo).exists()


def test_editing_only_contacts_bumps_the_stakeholders_version_once(api, mission, ngo):
    amina = contacts_of(ngo)["Amina"]

    response = patch(
        api, mission, ngo, {"contacts": [{"id": amina.pk, "name": "Amina D."}, {"name": "Chiara"}]}
    )

    assert response.status_code == 200
    assert response["ETag"] == '"v2"'
    assert response.json()["version"] == 2


def test_sending_the_same_contacts_again_changes_nothing(api, mission, ngo):
    amina, bintou = contacts_of(ngo)["Amina"], contacts_of(ngo)["Bintou"]
    events = AuditEvent.objects.count()

    response = patch(api, mission, ngo, {"contacts": [{"id": amina.pk}, {"id": bintou.pk}]})

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert AuditEvent.objects.count() == events


def test_changing_contacts_with_a_stale_etag_is_412_and_changes_nothing(api, mission, ngo):
    patch(api, mission, ngo, {"name": "Renamed"})  # now v2

    response = patch(api, mission, ngo, {"contacts": []}, if_match='"v1"')

    assert response.status_code == 412
    assert response["ETag"] == '"v2"'
    assert set(contacts_of(ngo)) == {"Amina", "Bintou"}


def test_a_contact_of_another_stakeholder_is_400_naming_the_item(api, mission, ngo, admin):
    other = stakeholder_create(actor=admin, mission=mission, name="Other", kind="community")
    theirs = contact_create(actor=admin, stakeholder=other, name="Theirs")

    response = patch(api, mission, ngo, {"contacts": [{"name": "Z"}, {"id": theirs.pk}]})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contacts[1].id"]
    assert set(contacts_of(ngo)) == {"Amina", "Bintou"}
    assert Contact.objects.get(pk=theirs.pk).stakeholder == other


def test_every_invalid_contact_is_reported_and_nothing_is_written(api, mission, ngo):
    amina = contacts_of(ngo)["Amina"]

    response = patch(
        api,
        mission,
        ngo,
        {"contacts": [{"id": amina.pk, "email": "not an address"}, {"language": "xx"}]},
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"contacts[0].email", "contacts[1].language"}
    assert set(contacts_of(ngo)) == {"Amina", "Bintou"}


def test_a_misspelt_contact_field_is_400_naming_the_item(api, mission, ngo):
    amina = contacts_of(ngo)["Amina"]

    response = patch(api, mission, ngo, {"contacts": [{"id": amina.pk, "emial": "a@b.org"}]})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contacts[0].emial"]
    assert contacts_of(ngo)["Amina"].email == "amina@ngo.org"


def test_without_if_match_a_change_is_428(api, mission, ngo):
    response = api.patch(url(mission, ngo.pk), {"name": "X"}, content_type="application/json")

    assert response.status_code == 428


# Deleting


def test_deleting_a_stakeholder_nothing_refers_to_deletes_its_contacts(api, mission, ngo):
    contact_ids = [c.pk for c in contacts_of(ngo).values()]

    response = api.delete(url(mission, ngo.pk), HTTP_IF_MATCH='"v1"')

    assert response.status_code == 204
    assert not Stakeholder.objects.filter(pk=ngo.pk).exists()
    assert not Contact.objects.filter(pk__in=contact_ids).exists()
    assert AuditEvent.objects.filter(action="stakeholder.delete", target_id=ngo.pk).exists()
    assert AuditEvent.objects.filter(action="contact.delete").count() == 2


def _membership(mission, ngo, admin):
    membership_create(
        actor=admin, mission=mission, user=UserFactory(), role="partner", stakeholder=ngo
    )


def _endorsement(mission, ngo, admin):
    phase = phase_create(
        actor=admin, mission=mission, order=1, kind="handover", name="Handover", gate_threshold=60
    )
    PhaseEndorsement.objects.create(
        phase=phase,
        stakeholder=ngo,
        endorsed_by=admin,
        endorsed_at=timezone.now(),
        readiness=50,
        gate_threshold=60,
    )


def _handover_item(mission, ngo, admin):
    handover_item_create(
        actor=admin, mission=mission, order=1, function="Policing", receiving_stakeholder=ngo
    )


def _invitation(mission, ngo, admin):
    invite(contacts_of(ngo)["Amina"], admin)


@pytest.mark.parametrize(
    "refer", [_membership, _endorsement, _handover_item, _invitation], ids=lambda f: f.__name__
)
def test_deleting_a_stakeholder_others_refer_to_is_409_and_changes_nothing(
    api, mission, ngo, admin, refer
):
    refer(mission, ngo, admin)
    events = AuditEvent.objects.count()

    response = api.delete(url(mission, ngo.pk), HTTP_IF_MATCH='"v1"')

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert "retire" in response.json()["detail"]
    assert set(contacts_of(ngo)) == {"Amina", "Bintou"}
    assert AuditEvent.objects.count() == events


def test_a_referenced_stakeholder_can_be_retired(api, mission, ngo, admin):
    _membership(mission, ngo, admin)

    response = patch(api, mission, ngo, {"is_retired": True})

    assert response.status_code == 200
    assert response.json()["is_retired"] is True


def test_a_closed_missions_stakeholders_are_read_only(api, mission, ngo, admin):
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    response = patch(api, mission, ngo, {"contacts": []})

    assert response.status_code == 409
    assert api.get(url(mission, ngo.pk)).status_code == 200
    assert set(contacts_of(ngo)) == {"Amina", "Bintou"}


# Cost

# Measured with 2 stakeholders and again with 20: session and user (2), saving the session
# (3), the mission access (1), count, page, and the contacts with their users (1).
LIST_QUERIES = 9


@pytest.mark.parametrize("n", [2, 20])
def test_the_list_costs_the_same_for_2_or_20_stakeholders(
    api, mission, admin, partner, n, django_assert_max_num_queries
):
    for i in range(n):
        stakeholder = stakeholder_create(
            actor=admin,
            mission=mission,
            name=f"Organisation {i}",
            kind="ngo",
            contacts=[{"name": "One", "user": partner}, {"name": "Two"}],
        )
        assert stakeholder.contacts.count() == 2

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(url(mission), {"page_size": 50})

    assert len(response.json()["results"]) == n
    assert response.json()["results"][0]["contacts"][0]["user"]["id"] == partner.pk


# The permission matrix (tests/test_permission_matrix.py's world: mission alpha)

ALPHA = "/api/v1/missions/alpha/stakeholders/"


@pytest.fixture
def alpha_world(request):
    """tests/test_permission_matrix.py's world (its personas in mission alpha)."""
    return request.getfixturevalue("world")


@pytest.fixture
def spare(alpha_world):
    """A stakeholder nothing refers to, so deleting it succeeds for those who may."""
    return stakeholder_create(
        actor=alpha_world["site_admin"],
        mission=alpha_world["missions"]["alpha"]["mission"],
        name="Spare",
        kind="community",
    )


MATRIX = [
    ("list", "view_mission", "get", lambda w, s: ALPHA, None, 200),
    ("retrieve", "view_mission", "get", lambda w, s: f"{ALPHA}{s.pk}/", None, 200),
    ("create", "change_plan", "post", lambda w, s: ALPHA, {"name": "New", "kind": "ngo"}, 201),
    (
        "change",
        "change_plan",
        "patch",
        lambda w, s: f"{ALPHA}{s.pk}/",
        {"contacts": [{"name": "New contact"}]},
        200,
    ),
    ("delete", "change_plan", "delete", lambda w, s: f"{ALPHA}{s.pk}/", None, 204),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "path", "payload", "ok"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_api_matrix(client, alpha_world, spare, persona, name, perm, method, path, payload, ok):
    headers = {"HTTP_IF_MATCH": '"v1"'} if method in {"patch", "delete"} else {}
    if persona != "anonymous":
        _, key = api_token_create(user=alpha_world["people"][persona], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    response = getattr(client, method)(
        path(alpha_world, spare), payload, content_type="application/json", **headers
    )

    assert response.status_code == expected(persona, perm, api=True, ok=ok), response.content
    if response.status_code == 403:
        assert set(response.json()["allowed_roles"]) == {"admin", "staff"}

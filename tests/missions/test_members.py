"""A mission's members, through the API (with If-Match) and the members page: adding people
by e-mail, changing roles and removing them, with the guardian grants following each change.

Which role may do which of these is the permission matrix's business
(tests/test_permission_matrix.py); these tests are about what each change does.
"""

import pytest
from django.core import mail
from django.urls import reverse
from guardian.shortcuts import get_perms

from accounts.models import User
from missions.access import access_for, role_permissions
from missions.models import AuditEvent, Membership, MissionUserObjectPermission
from missions.services import membership_create, record_update
from stakeholders.services import stakeholder_create
from tests.factories import StakeholderFactory, UserFactory

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _site_url(settings):
    # The invitation is sent after the commit, outside the request: its link needs SITE_URL.
    settings.SITE_URL = "https://exitplan.example.org"


def members_url(mission, pk=None) -> str:
    base = f"/api/v1/missions/{mission.code}/members/"
    return f"{base}{pk}/" if pk else base


def membership_of(user, mission) -> Membership:
    return Membership.objects.get(user=user, mission=mission)


def grants(user, mission) -> set[str]:
    return set(
        MissionUserObjectPermission.objects.filter(user=user, content_object=mission).values_list(
            "permission__codename", flat=True
        )
    )


@pytest.fixture
def api(client, admin):
    """The mission admin's API client (session)."""
    client.force_login(admin)
    return client


def add(api, mission, **data):
    return api.post(members_url(mission), data, content_type="application/json")


def patch(api, mission, membership, data, if_match=None):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return api.patch(
        members_url(mission, membership.pk), data, content_type="application/json", **headers
    )


def delete(api, mission, membership, if_match=None):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return api.delete(members_url(mission, membership.pk), **headers)


def close(mission, actor):
    record_update(actor=actor, instance=mission, data={"status": "closed"})


# Adding a member (API)


def test_adding_a_new_address_creates_an_account_that_cannot_sign_in_by_password_yet(api, mission):
    response = add(api, mission, email="Newcomer@Example.org", role="observer", name="Newcomer")

    assert response.status_code == 201
    user = User.objects.get(email="newcomer@example.org")
    assert user.name == "Newcomer"
    assert not user.has_usable_password()


def test_adding_a_member_records_who_invited_them(api, mission, admin):
    response = add(api, mission, email="newcomer@example.org", role="observer")

    membership = Membership.objects.get(mission=mission, user__email="newcomer@example.org")
    assert membership.invited_by == admin
    assert response.json()["invited_by"]["id"] == admin.pk
    assert response.json()["role"] == "observer"


@pytest.mark.parametrize("role", ["admin", "staff", "liaison", "partner", "observer"])
def test_a_new_member_gets_exactly_the_grants_of_their_role(api, mission, role):
    add(api, mission, email="newcomer@example.org", role=role)

    user = User.objects.get(email="newcomer@example.org")
    assert access_for(user, mission).perms == role_permissions(role)
    assert set(get_perms(user, mission)) == role_permissions(role)


def test_adding_a_member_writes_a_membership_create_event(api, mission, admin):
    response = add(api, mission, email="newcomer@example.org", role="partner")

    event = AuditEvent.objects.get(action="membership.create", target_id=response.json()["id"])
    assert (event.mission, event.actor, event.target_type) == (mission, admin, "membership")
    assert event.changes["role"] == [None, "partner"]


def test_a_new_address_gets_one_invitation_sent_after_the_commit(
    api, mission, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add(api, mission, email="newcomer@example.org", role="partner")
        sent_before_commit = len(mail.outbox)

    assert sent_before_commit == 0
    (message,) = mail.outbox
    assert message.to == ["newcomer@example.org"]
    assert mission.name in message.subject


def test_adding_an_existing_account_sends_no_invitation_and_keeps_its_password(
    api, mission, django_capture_on_commit_callbacks
):
    known = UserFactory(email="known@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = add(api, mission, email="KNOWN@example.org", role="staff")

    assert response.status_code == 201
    assert response.json()["user"]["id"] == known.pk
    assert mail.outbox == []
    known.refresh_from_db()
    assert known.has_usable_password()
    assert User.objects.filter(email__iexact="known@example.org").count() == 1


def test_adding_someone_who_is_already_a_member_answers_409_and_changes_nothing(
    api, mission, staff
):
    events = AuditEvent.objects.count()

    response = add(api, mission, email="staff@example.org", role="observer")

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert membership_of(staff, mission).role == "staff"
    assert AuditEvent.objects.count() == events


def test_a_stakeholder_of_another_mission_answers_400_and_creates_no_account(
    api, mission, other_mission
):
    foreign = StakeholderFactory(mission=other_mission)

    response = add(
        api, mission, email="newcomer@example.org", role="partner", stakeholder=foreign.pk
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "stakeholder" in response.json()["errors"]
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_a_member_may_speak_for_a_stakeholder_of_the_mission(api, mission, admin):
    ngo = stakeholder_create(actor=admin, mission=mission, name="NGO", kind="ngo")

    response = add(api, mission, email="newcomer@example.org", role="partner", stakeholder=ngo.pk)

    assert response.status_code == 201
    assert response.json()["stakeholder"] == ngo.pk


# Reading members (API)


def test_the_member_list_shows_each_members_email(api, mission, staff, observer):
    response = api.get(members_url(mission))

    assert response.status_code == 200
    emails = [m["user"]["email"] for m in response.json()["results"]]
    assert emails == ["site-admin@example.org", "staff@example.org", "observer@example.org"]


def test_a_member_answers_with_their_version_as_etag(api, mission, staff):
    membership = membership_of(staff, mission)
    patch(api, mission, membership, {"role": "observer"}, if_match='"v1"')

    response = api.get(members_url(mission, membership.pk))

    assert response.status_code == 200
    assert response["ETag"] == '"v2"'
    assert response.json()["version"] == 2


def test_a_member_of_another_mission_is_not_found_here(api, mission, stranger, other_mission):
    theirs = membership_of(stranger, other_mission)

    response = api.get(members_url(mission, theirs.pk))

    assert response.status_code == 404


# Changing a role (API)


def test_changing_the_role_answers_the_member_with_the_new_etag(api, mission, staff):
    membership = membership_of(staff, mission)

    response = patch(api, mission, membership, {"role": "observer"}, if_match='"v1"')

    assert response.status_code == 200
    assert response.json()["role"] == "observer"
    assert response["ETag"] == '"v2"'


def test_changing_the_role_replaces_the_grants(api, mission, staff):
    membership = membership_of(staff, mission)

    patch(api, mission, membership, {"role": "observer"}, if_match='"v1"')

    assert grants(staff, mission) == role_permissions("observer")
    assert set(get_perms(staff, mission)) == role_permissions("observer")


def test_a_staff_member_demoted_to_observer_loses_change_plan_on_their_next_request(
    client, api, mission, staff
):
    membership = membership_of(staff, mission)
    assert access_for(staff, mission).has("change_plan")

    patch(api, mission, membership, {"role": "observer"}, if_match='"v1"')
    client.force_login(staff)
    response = client.post(
        f"/api/v1/missions/{mission.code}/phases/",
        {"order": 1, "kind": "implementation", "name": "Drawdown", "gate_threshold": 60},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["allowed_roles"] == ["admin", "staff"]
    assert not access_for(staff, mission).has("change_plan")
    assert not mission.phases.exists()


def test_a_weak_etag_matches_like_a_strong_one(api, mission, staff):
    membership = membership_of(staff, mission)

    response = patch(api, mission, membership, {"role": "observer"}, if_match='W/"v1"')

    assert response.status_code == 200


def test_a_change_without_if_match_answers_428_and_changes_nothing(api, mission, staff):
    membership = membership_of(staff, mission)

    response = patch(api, mission, membership, {"role": "observer"})

    assert response.status_code == 428
    assert response["Content-Type"] == PROBLEM
    membership.refresh_from_db()
    assert (membership.role, membership.version) == ("staff", 1)


def test_a_change_with_a_stale_etag_answers_412_with_the_current_one_and_changes_nothing(
    api, mission, staff
):
    membership = membership_of(staff, mission)
    patch(api, mission, membership, {"role": "liaison"}, if_match='"v1"')

    response = patch(api, mission, membership, {"role": "observer"}, if_match='"v1"')

    assert response.status_code == 412
    assert response["Content-Type"] == PROBLEM
    assert response["ETag"] == '"v2"'
    membership.refresh_from_db()
    assert (membership.role, membership.version) == ("liaison", 2)
    assert grants(staff, mission) == role_permissions("liaison")


def test_changing_a_role_writes_a_membership_update_event(api, mission, staff, admin):
    membership = membership_of(staff, mission)

    patch(api, mission, membership, {"role": "observer"}, if_match='"v1"')

    event = AuditEvent.objects.get(action="membership.update", target_id=membership.pk)
    assert event.actor == admin
    assert event.changes == {"role": ["staff", "observer"]}


def test_demoting_the_last_admin_answers_409_and_changes_nothing(api, mission, admin):
    membership = membership_of(admin, mission)

    response = patch(api, mission, membership, {"role": "staff"}, if_match='"v1"')

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    membership.refresh_from_db()
    assert (membership.role, membership.version) == ("admin", 1)
    assert grants(admin, mission) == role_permissions("admin")


def test_an_admin_may_step_down_once_there_is_another_admin(api, mission, admin):
    membership_create(actor=admin, mission=mission, user=UserFactory(), role="admin")
    membership = membership_of(admin, mission)

    response = patch(api, mission, membership, {"role": "staff"}, if_match='"v1"')

    assert response.status_code == 200
    assert grants(admin, mission) == role_permissions("staff")


# Removing a member (API)


def test_removing_a_member_answers_204_and_deletes_the_membership_and_grants(api, mission, staff):
    membership = membership_of(staff, mission)

    response = delete(api, mission, membership, if_match='"v1"')

    assert response.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert grants(staff, mission) == set()
    assert get_perms(staff, mission) == []


def test_a_removed_member_gets_404_for_the_mission_on_their_next_request(
    client, api, mission, staff
):
    membership = membership_of(staff, mission)
    delete(api, mission, membership, if_match='"v1"')
    client.force_login(staff)

    page = client.get(reverse("missions:detail", args=[mission.code]))
    endpoint = client.get(f"/api/v1/missions/{mission.code}/")
    listing = client.get("/api/v1/missions/")

    assert page.status_code == 404
    assert endpoint.status_code == 404
    assert listing.json()["results"] == []


def test_removing_a_member_writes_a_membership_delete_event(api, mission, staff, admin):
    membership = membership_of(staff, mission)

    delete(api, mission, membership, if_match='"v1"')

    event = AuditEvent.objects.get(action="membership.delete", target_id=membership.pk)
    assert event.actor == admin
    assert event.changes["role"] == ["staff", None]


def test_removing_the_last_admin_answers_409_and_changes_nothing(api, mission, admin):
    membership = membership_of(admin, mission)

    response = delete(api, mission, membership, if_match='"v1"')

    assert response.status_code == 409
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert grants(admin, mission) == role_permissions("admin")


def test_removing_without_if_match_answers_428_and_keeps_the_member(api, mission, staff):
    membership = membership_of(staff, mission)

    response = delete(api, mission, membership)

    assert response.status_code == 428
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_removing_with_a_stale_etag_answers_412_and_keeps_the_member(api, mission, staff):
    membership = membership_of(staff, mission)
    patch(api, mission, membership, {"role": "liaison"}, if_match='"v1"')

    response = delete(api, mission, membership, if_match='"v1"')

    assert response.status_code == 412
    assert response["ETag"] == '"v2"'
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert grants(staff, mission) == role_permissions("liaison")


# A closed mission (API)


def test_on_a_closed_mission_adding_a_member_answers_409(api, mission, admin):
    close(mission, admin)

    response = add(api, mission, email="newcomer@example.org", role="observer")

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_on_a_closed_mission_changing_a_role_answers_409(api, mission, admin, staff):
    membership = membership_of(staff, mission)
    close(mission, admin)

    response = patch(api, mission, membership, {"role": "observer"}, if_match='"v1"')

    assert response.status_code == 409
    membership.refresh_from_db()
    assert membership.role == "staff"


def test_on_a_closed_mission_removing_a_member_answers_409(api, mission, admin, staff):
    membership = membership_of(staff, mission)
    close(mission, admin)

    response = delete(api, mission, membership, if_match='"v1"')

    assert response.status_code == 409
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_on_a_closed_mission_the_members_can_still_be_read(api, mission, admin, staff):
    close(mission, admin)

    response = api.get(members_url(mission))

    assert response.status_code == 200
    assert response.json()["count"] == 2


# The members page


def members_page(mission) -> str:
    return reverse("missions:members", args=[mission.code])


def test_the_members_page_shows_each_members_email(client, mission, staff, observer):
    client.force_login(staff)

    response = client.get(members_page(mission))

    assert response.status_code == 200
    for email in ("site-admin@example.org", "staff@example.org", "observer@example.org"):
        assert email in response.content.decode()


def test_the_members_page_offers_an_admin_the_add_change_and_remove_forms(
    client, mission, admin, staff
):
    client.force_login(admin)
    staff_membership = membership_of(staff, mission)

    html = client.get(members_page(mission)).content.decode()

    assert 'name="email"' in html
    assert reverse("missions:member-change", args=[mission.code, staff_membership.pk]) in html
    assert reverse("missions:member-remove", args=[mission.code, staff_membership.pk]) in html


def test_the_members_page_lets_staff_look_but_not_manage(client, mission, admin, staff):
    client.force_login(staff)
    admin_membership = membership_of(admin, mission)

    response = client.get(members_page(mission))

    html = response.content.decode()
    assert response.status_code == 200
    assert "site-admin@example.org" in html
    assert 'name="email"' not in html
    assert reverse("missions:member-change", args=[mission.code, admin_membership.pk]) not in html
    assert reverse("missions:member-remove", args=[mission.code, admin_membership.pk]) not in html


def test_the_members_page_of_a_closed_mission_offers_no_forms(client, mission, admin, staff):
    staff_membership = membership_of(staff, mission)
    close(mission, admin)
    client.force_login(admin)

    html = client.get(members_page(mission)).content.decode()

    assert 'name="email"' not in html
    assert reverse("missions:member-remove", args=[mission.code, staff_membership.pk]) not in html


def test_adding_a_new_address_on_the_page_creates_the_member_and_invites_them(
    client, mission, admin, django_capture_on_commit_callbacks
):
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            members_page(mission), {"email": "newcomer@example.org", "role": "liaison"}
        )

    assert response.status_code == 302
    membership = Membership.objects.get(mission=mission, user__email="newcomer@example.org")
    assert (membership.role, membership.invited_by) == ("liaison", admin)
    assert grants(membership.user, mission) == role_permissions("liaison")
    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]


def test_adding_an_existing_member_on_the_page_shows_the_error(client, mission, admin, staff):
    client.force_login(admin)

    response = client.post(members_page(mission), {"email": "staff@example.org", "role": "admin"})

    assert response.status_code == 400
    assert "already a member" in response.content.decode()
    assert membership_of(staff, mission).role == "staff"


def test_changing_a_role_on_the_page_changes_the_grants(client, mission, admin, staff):
    membership = membership_of(staff, mission)
    client.force_login(admin)

    response = client.post(
        reverse("missions:member-change", args=[mission.code, membership.pk]),
        {f"m{membership.pk}-role": "observer", f"m{membership.pk}-version": 1},
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "observer"
    assert grants(staff, mission) == role_permissions("observer")


def test_a_stale_role_change_on_the_page_changes_nothing(client, mission, admin, staff):
    membership = membership_of(staff, mission)
    record_update(actor=admin, instance=membership, data={"role": "liaison"})
    client.force_login(admin)

    response = client.post(
        reverse("missions:member-change", args=[mission.code, membership.pk]),
        {f"m{membership.pk}-role": "observer", f"m{membership.pk}-version": 1},
        follow=True,
    )

    membership.refresh_from_db()
    assert membership.role == "liaison"
    assert "changed by someone else" in response.content.decode()


def test_demoting_the_last_admin_on_the_page_changes_nothing(client, mission, admin):
    membership = membership_of(admin, mission)
    client.force_login(admin)

    response = client.post(
        reverse("missions:member-change", args=[mission.code, membership.pk]),
        {f"m{membership.pk}-role": "observer", f"m{membership.pk}-version": 1},
        follow=True,
    )

    membership.refresh_from_db()
    assert membership.role == "admin"
    assert grants(admin, mission) == role_permissions("admin")
    assert "last admin" in response.content.decode()


def test_removing_a_member_on_the_page_ends_their_access(client, mission, admin, staff):
    membership = membership_of(staff, mission)
    client.force_login(admin)

    client.post(
        reverse("missions:member-remove", args=[mission.code, membership.pk]), {"version": 1}
    )
    client.force_login(staff)
    response = client.get(reverse("missions:detail", args=[mission.code]))

    assert response.status_code == 404
    assert grants(staff, mission) == set()


def test_removing_the_last_admin_on_the_page_changes_nothing(client, mission, admin):
    membership = membership_of(admin, mission)
    client.force_login(admin)

    response = client.post(
        reverse("missions:member-remove", args=[mission.code, membership.pk]),
        {"version": 1},
        follow=True,
    )

    assert Membership.objects.filter(pk=membership.pk).exists()
    assert "last admin" in response.content.decode()


def test_adding_a_member_on_the_page_of_a_closed_mission_answers_409(client, mission, admin):
    close(mission, admin)
    client.force_login(admin)

    response = client.post(
        members_page(mission), {"email": "newcomer@example.org", "role": "observer"}
    )

    assert response.status_code == 409
    assert not User.objects.filter(email="newcomer@example.org").exists()


def test_removing_a_member_on_the_page_of_a_closed_mission_answers_409(
    client, mission, admin, staff
):
    membership = membership_of(staff, mission)
    close(mission, admin)
    client.force_login(admin)

    response = client.post(
        reverse("missions:member-remove", args=[mission.code, membership.pk]), {"version": 1}
    )

    assert response.status_code == 409
    assert Membership.objects.filter(pk=membership.pk).exists()

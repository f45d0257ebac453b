"""Consultations and their invitations over the API: scheduling, moving, cancelling,
inviting and answering, and who sees which consultation and which invitation.

The reminder e-mails are the reminder jobs' business; here a resend is only recorded.
Who may do what is the matrix at the end.
"""

import datetime

import pytest

from accounts.tokens import api_token_create
from missions.models import AuditEvent, Membership
from missions.services import membership_update, phase_create, record_update
from stakeholders.models import Consultation, Invitation
from stakeholders.services import (
    consultation_cancel,
    consultation_create,
    contact_create,
    invitation_create,
    invitation_rsvp,
    stakeholder_create,
)
from tests import test_permission_matrix as matrix
from tests.factories import (
    ContactFactory,
    FeedbackFormFactory,
    PhaseFactory,
    StakeholderFactory,
)
from tests.test_permission_matrix import PERSONAS, expected

PROBLEM = "application/problem+json"
START = datetime.datetime(2030, 3, 10, 8, tzinfo=datetime.UTC)


def url(mission, pk=None, action=None) -> str:
    base = f"/api/v1/missions/{mission.code}/consultations/"
    if pk is None:
        return base
    return f"{base}{pk}/{action}/" if action else f"{base}{pk}/"


def invitations_url(consultation, pk=None, action=None) -> str:
    base = f"{url(consultation.mission, consultation.pk)}invitations/"
    if pk is None:
        return base
    return f"{base}{pk}/{action}/" if action else f"{base}{pk}/"


def etag(obj) -> str:
    return f'"v{type(obj).objects.get(pk=obj.pk).version}"'


def schedule(actor, mission, **fields) -> Consultation:
    values = {
        "kind": "meeting",
        "title": "Security sector consultation",
        "starts_at": START,
        "ends_at": START + datetime.timedelta(hours=2),
        **fields,
    }
    return consultation_create(actor=actor, mission=mission, **values)


PAYLOAD = {
    "kind": "workshop",
    "title": "Handover of police stations",
    "starts_at": "2030-03-10T09:00:00+01:00",
    "ends_at": "2030-03-10T12:00:00+01:00",
    "location": "Goma, provincial assembly",
    "agenda": "1. Stations\n2. Timeline",
}


@pytest.fixture
def government(mission, admin):
    return stakeholder_create(
        actor=admin, mission=mission, name="Ministry of Interior", kind="host_government"
    )


@pytest.fixture
def ngo(mission, admin):
    return stakeholder_create(actor=admin, mission=mission, name="Women's NGO", kind="ngo")


@pytest.fixture
def speaking_for(mission, admin, liaison, partner, government, ngo):
    """The liaison speaks for the government, the partner for the NGO."""
    for user, stakeholder in ((liaison, government), (partner, ngo)):
        membership_update(
            actor=admin,
            membership=Membership.objects.get(user=user, mission=mission),
            stakeholder=stakeholder,
        )


@pytest.fixture
def liaison_contact(admin, government, liaison):
    return contact_create(
        actor=admin, stakeholder=government, name="Liaison", email="l@gov.cd", user=liaison
    )


@pytest.fixture
def minister(admin, government):
    return contact_create(actor=admin, stakeholder=government, name="Minister", email="m@gov.cd")


@pytest.fixture
def ngo_contact(admin, ngo):
    return contact_create(actor=admin, stakeholder=ngo, name="Amina", email="amina@ngo.org")


@pytest.fixture
def meeting(mission, admin):
    return schedule(admin, mission)


@pytest.fixture
def invited(meeting, admin, speaking_for, liaison_contact, minister):
    """The meeting, with the government's two contacts invited (one of them the liaison)."""
    return {
        "mine": invitation_create(actor=admin, consultation=meeting, contact=liaison_contact),
        "minister": invitation_create(actor=admin, consultation=meeting, contact=minister),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, path, data=None, if_match=None):
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}
    return client.post(path, data or {}, content_type="application/json", **headers)


def patch(client, consultation, data, if_match=None):
    return client.patch(
        url(consultation.mission, consultation.pk),
        data,
        content_type="application/json",
        HTTP_IF_MATCH=if_match or etag(consultation),
    )


# Scheduling


def test_staff_schedule_a_consultation_in_the_missions_time_zone_by_default(client, mission, staff):
    response = post(as_user(client, staff), url(mission), PAYLOAD)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["timezone"] == "Africa/Kinshasa"
    assert body["reminder_offsets"] == [168, 24]
    assert (body["status"], body["sequence"], body["version"]) == ("scheduled", 0, 1)
    assert response["ETag"] == '"v1"'
    assert Consultation.objects.get(pk=body["id"]).starts_at == datetime.datetime(
        2030, 3, 10, 8, tzinfo=datetime.UTC
    )


def test_scheduling_writes_a_consultation_create_event(client, mission, staff):
    response = post(as_user(client, staff), url(mission), PAYLOAD)

    event = AuditEvent.objects.get(action="consultation.create", target_id=response.json()["id"])
    assert (event.actor, event.mission) == (staff, mission)
    assert event.changes["title"] == [None, "Handover of police stations"]


def test_times_are_written_out_in_the_consultations_own_time_zone(client, mission, staff):
    response = post(
        as_user(client, staff),
        url(mission),
        {
            **PAYLOAD,
            "starts_at": "2030-03-10T07:00:00Z",
            "ends_at": "2030-03-10T09:00:00Z",
            "timezone": "Asia/Beirut",
        },
    )

    assert response.json()["starts_at"] == "2030-03-10T09:00:00+02:00"
    assert response.json()["ends_at"] == "2030-03-10T11:00:00+02:00"


def test_a_consultation_may_name_a_phase_and_a_feedback_form_of_its_mission(client, mission, staff):
    phase = PhaseFactory(mission=mission)
    form = FeedbackFormFactory(mission=mission)

    response = post(
        as_user(client, staff),
        url(mission),
        {**PAYLOAD, "phase": phase.pk, "feedback_form": form.pk, "reminder_offsets": [72]},
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["phase"], response.json()["feedback_form"]) == (phase.pk, form.pk)
    assert response.json()["reminder_offsets"] == [72]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2030-03-10T08:00:00+01:00"}, "ends_at"),
        ({"ends_at": "2030-03-10T09:00:00+01:00"}, "ends_at"),
        ({"starts_at": "2030-03-10T09:00:00"}, "starts_at"),
        ({"timezone": "Africa/Atlantis"}, "timezone"),
        ({"kind": "picnic"}, "kind"),
    ],
    ids=["ends-before-start", "ends-at-start", "no-utc-offset", "unknown-zone", "unknown-kind"],
)
def test_invalid_times_and_zones_are_400_on_their_field(client, mission, staff, changes, field):
    response = post(as_user(client, staff), url(mission), {**PAYLOAD, **changes})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"], response.json()
    assert not Consultation.objects.exists()


def test_every_invalid_field_is_reported_at_once(client, mission, staff):
    response = post(
        as_user(client, staff),
        url(mission),
        {**PAYLOAD, "ends_at": "2030-03-10T08:00:00+01:00", "timezone": "Mars/Olympus"},
    )

    assert set(response.json()["errors"]) == {"ends_at", "timezone"}


@pytest.mark.parametrize(
    ("offsets", "errors"),
    [
        ([168, 24, 24], {"reminder_offsets[2]"}),
        ([0, 24], {"reminder_offsets[0]"}),
        ([24, 8761], {"reminder_offsets[1]"}),
        ([-1], {"reminder_offsets[0]"}),
        ([24, "soon"], {"reminder_offsets[1]"}),
        ([2.5], {"reminder_offsets[0]"}),
        (24, {"reminder_offsets"}),
    ],
    ids=["duplicate", "zero", "over-a-year", "negative", "not-a-number", "fraction", "not-a-list"],
)
def test_bad_reminder_offsets_are_400_naming_the_item(client, mission, staff, offsets, errors):
    response = post(as_user(client, staff), url(mission), {**PAYLOAD, "reminder_offsets": offsets})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == errors, response.json()


def test_a_year_and_an_hour_are_the_bounds_of_a_reminder(client, mission, staff):
    response = post(
        as_user(client, staff), url(mission), {**PAYLOAD, "reminder_offsets": [8760, 1]}
    )

    assert response.status_code == 201
    assert response.json()["reminder_offsets"] == [8760, 1]


def test_a_phase_or_form_of_another_mission_is_400(client, mission, other_mission, staff):
    response = post(
        as_user(client, staff),
        url(mission),
        {
            **PAYLOAD,
            "phase": PhaseFactory(mission=other_mission).pk,
            "feedback_form": FeedbackFormFactory(mission=other_mission).pk,
        },
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"phase", "feedback_form"}


def test_the_services_refuse_bad_offsets_too(mission, admin):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        schedule(admin, mission, reminder_offsets=[24, 24])

    assert "reminder_offsets[1]" in error.value.message_dict


# Moving and changing


def test_changing_the_title_does_not_move_the_consultation(client, meeting, staff):
    response = patch(as_user(client, staff), meeting, {"title": "New title"})

    assert response.status_code == 200, response.json()
    assert (response.json()["sequence"], response.json()["version"]) == (0, 2)
    assert response["ETag"] == '"v2"'


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": "2030-03-10T07:00:00Z", "ends_at": "2030-03-10T12:00:00Z"},
        {"ends_at": "2030-03-10T13:00:00Z"},
        {"timezone": "Africa/Lubumbashi"},
        {"location": "Bunia"},
        {"online_url": "https://meet.example.org/abc"},
    ],
    ids=["start", "end", "timezone", "location", "online-link"],
)
def test_moving_a_consultation_bumps_its_sequence(client, meeting, staff, changes):
    response = patch(as_user(client, staff), meeting, changes)

    assert response.status_code == 200, response.json()
    assert response.json()["sequence"] == 1
    assert Consultation.objects.get(pk=meeting.pk).sequence == 1


def test_the_same_moment_written_in_another_offset_is_not_a_move(client, meeting, staff):
    response = patch(
        as_user(client, staff),
        meeting,
        {"starts_at": "2030-03-10T10:00:00+02:00", "title": "Renamed"},
    )

    assert response.json()["sequence"] == 0


def test_a_move_is_recorded_with_the_new_sequence(client, meeting, staff):
    patch(as_user(client, staff), meeting, {"location": "Bunia"})

    event = AuditEvent.objects.get(action="consultation.update", target_id=meeting.pk)
    assert event.changes["sequence"] == [0, 1]
    assert event.changes["location"] == ["", "Bunia"]


def test_moving_the_end_before_the_start_is_400_and_changes_nothing(client, meeting, staff):
    response = patch(as_user(client, staff), meeting, {"ends_at": "2030-03-10T07:00:00Z"})

    assert response.status_code == 400
    assert "ends_at" in response.json()["errors"]
    assert Consultation.objects.get(pk=meeting.pk).version == 1


def test_a_stale_etag_is_412_and_changes_nothing(client, meeting, staff, admin):
    record_update(actor=admin, instance=meeting, data={"title": "Changed elsewhere"})

    response = patch(as_user(client, staff), meeting, {"location": "Bunia"}, if_match='"v1"')

    assert response.status_code == 412
    assert Consultation.objects.get(pk=meeting.pk).location == ""


def test_recording_that_it_was_held_with_its_outcome(client, meeting, staff):
    response = patch(
        as_user(client, staff), meeting, {"status": "held", "outcome": "Agreed a timeline."}
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["outcome"]) == (
        "held",
        "Agreed a timeline.",
    )


def test_cancelling_through_a_change_is_400_pointing_to_the_cancel_action(client, meeting, staff):
    response = patch(as_user(client, staff), meeting, {"status": "cancelled"})

    assert response.status_code == 400
    assert "cancel" in response.json()["errors"]["status"][0]
    assert Consultation.objects.get(pk=meeting.pk).status == "scheduled"


def test_a_cancelled_consultation_cannot_change(client, meeting, staff, admin):
    consultation_cancel(actor=admin, consultation=meeting)

    response = patch(as_user(client, staff), meeting, {"title": "Revived"})

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM


# Cancelling


def test_cancelling_answers_the_cancelled_consultation_with_its_new_etag(client, meeting, staff):
    response = post(
        as_user(client, staff), url(meeting.mission, meeting.pk, "cancel"), None, '"v1"'
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["sequence"]) == ("cancelled", 1)
    assert response["ETag"] == '"v2"'
    assert AuditEvent.objects.filter(action="consultation.cancel", target_id=meeting.pk).exists()


def test_cancelling_twice_is_409(client, meeting, staff):
    api = as_user(client, staff)
    post(api, url(meeting.mission, meeting.pk, "cancel"), None, '"v1"')

    response = post(api, url(meeting.mission, meeting.pk, "cancel"), None, '"v2"')

    assert response.status_code == 409
    assert Consultation.objects.get(pk=meeting.pk).version == 2


def test_a_held_consultation_cannot_be_cancelled(client, meeting, staff, admin):
    record_update(actor=admin, instance=meeting, data={"status": "held"})

    response = post(
        as_user(client, staff), url(meeting.mission, meeting.pk, "cancel"), None, '"v2"'
    )

    assert response.status_code == 409
    assert Consultation.objects.get(pk=meeting.pk).status == "held"


def test_cancelling_needs_if_match(client, meeting, staff):
    response = post(as_user(client, staff), url(meeting.mission, meeting.pk, "cancel"))

    assert response.status_code == 428
    assert Consultation.objects.get(pk=meeting.pk).status == "scheduled"


def test_a_closed_missions_consultations_cannot_be_cancelled(client, meeting, staff, admin):
    record_update(actor=admin, instance=meeting.mission, data={"status": "closed"})

    response = post(
        as_user(client, staff), url(meeting.mission, meeting.pk, "cancel"), None, '"v1"'
    )

    assert response.status_code == 409
    assert Consultation.objects.get(pk=meeting.pk).status == "scheduled"


# Deleting


def test_a_consultation_nobody_is_invited_to_can_be_deleted(client, meeting, staff):
    response = as_user(client, staff).delete(url(meeting.mission, meeting.pk), HTTP_IF_MATCH='"v1"')

    assert response.status_code == 204
    assert not Consultation.objects.filter(pk=meeting.pk).exists()
    assert AuditEvent.objects.filter(action="consultation.delete", target_id=meeting.pk).exists()


def test_deleting_a_consultation_with_invitees_is_409(client, meeting, invited, staff):
    response = as_user(client, staff).delete(url(meeting.mission, meeting.pk), HTTP_IF_MATCH='"v1"')

    assert response.status_code == 409
    assert Invitation.objects.filter(consultation=meeting).count() == 2


# Filters


def test_consultations_filter_by_status_kind_phase_and_start(client, mission, admin, staff):
    phase = phase_create(actor=admin, mission=mission, order=1, kind="consultation", name="Talks")
    early = schedule(admin, mission, title="Early", phase=phase)
    late = schedule(
        admin,
        mission,
        title="Late",
        kind="town_hall",
        starts_at=START + datetime.timedelta(days=30),
        ends_at=START + datetime.timedelta(days=30, hours=1),
    )
    consultation_cancel(actor=admin, consultation=late)
    api = as_user(client, staff)

    def titles(**params):
        return [c["title"] for c in api.get(url(mission), params).json()["results"]]

    assert titles(status="cancelled") == ["Late"]
    assert titles(kind="meeting") == ["Early"]
    assert titles(phase=phase.pk) == ["Early"]
    assert titles(starts_after="2030-03-20T00:00:00Z") == ["Late"]
    assert titles(starts_before="2030-03-20T00:00:00Z") == ["Early"]
    assert titles(starts_after=early.starts_at.isoformat()) == ["Early", "Late"]
    assert titles(ordering="-starts_at") == ["Late", "Early"]


# Who sees which consultation


def test_staff_see_every_consultation(client, mission, admin, staff, invited):
    schedule(admin, mission, title="Nobody invited yet")

    response = as_user(client, staff).get(url(mission))

    assert response.json()["count"] == 2


def test_a_liaison_sees_the_consultations_their_stakeholder_is_invited_to(
    client, mission, admin, liaison, meeting, invited
):
    schedule(admin, mission, title="Not for the government")
    api = as_user(client, liaison)

    listed = api.get(url(mission)).json()
    one = api.get(url(mission, meeting.pk))

    assert [c["id"] for c in listed["results"]] == [meeting.pk]
    assert one.status_code == 200
    assert one["ETag"] == '"v1"'


def test_a_stakeholder_invited_through_another_contact_counts(
    client, mission, admin, liaison, speaking_for, minister, meeting
):
    invitation_create(actor=admin, consultation=meeting, contact=minister)

    response = as_user(client, liaison).get(url(mission, meeting.pk))

    assert response.status_code == 200


def test_a_partner_of_another_stakeholder_gets_404(client, mission, partner, meeting, invited):
    api = as_user(client, partner)

    assert api.get(url(mission, meeting.pk)).status_code == 404
    assert api.get(url(mission)).json()["count"] == 0
    assert api.get(invitations_url(meeting)).status_code == 404


def test_a_partner_whose_own_contact_is_invited_sees_it(
    client, mission, admin, partner, speaking_for, meeting, government
):
    """Invited in person through a contact of another organisation (a joint delegation)."""
    mine = contact_create(actor=admin, stakeholder=government, name="Partner", user=partner)
    invitation_create(actor=admin, consultation=meeting, contact=mine)

    response = as_user(client, partner).get(url(mission, meeting.pk))

    assert response.status_code == 200


def test_a_liaison_speaking_for_nobody_sees_no_consultation(
    client, mission, liaison, meeting, minister, admin
):
    invitation_create(actor=admin, consultation=meeting, contact=minister)

    response = as_user(client, liaison).get(url(mission))

    assert response.json()["count"] == 0


def test_an_observer_sees_every_consultation_but_no_invitees(
    client, mission, admin, observer, meeting, invited
):
    schedule(admin, mission, title="Nobody invited yet")
    api = as_user(client, observer)

    consultations = api.get(url(mission))
    invitations = api.get(invitations_url(meeting))

    assert consultations.json()["count"] == 2
    assert invitations.status_code == 200
    assert invitations.json()["count"] == 0
    assert api.get(invitations_url(meeting, invited["minister"].pk)).status_code == 404


def test_another_missions_consultation_is_404(client, other_mission, staff, admin):
    elsewhere = schedule(admin, other_mission)

    response = as_user(client, staff).get(
        f"/api/v1/missions/monusco-test/consultations/{elsewhere.pk}/"
    )

    assert response.status_code == 404


# Invitations


def test_staff_see_every_invitation_with_the_contacts_addresses(client, staff, meeting, invited):
    response = as_user(client, staff).get(invitations_url(meeting))

    contacts = [i["contact"] for i in response.json()["results"]]
    assert [c["email"] for c in contacts] == ["l@gov.cd", "m@gov.cd"]
    assert [c["name"] for c in contacts] == ["Liaison", "Minister"]
    assert {i["rsvp"] for i in response.json()["results"]} == {"pending"}


def test_a_liaison_sees_only_their_own_invitation_without_addresses(
    client, liaison, meeting, invited
):
    api = as_user(client, liaison)

    listed = api.get(invitations_url(meeting)).json()["results"]
    other = api.get(invitations_url(meeting, invited["minister"].pk))

    assert [i["id"] for i in listed] == [invited["mine"].pk]
    assert listed[0]["contact"] == {
        "id": invited["mine"].contact_id,
        "name": "Liaison",
        "stakeholder": invited["mine"].contact.stakeholder_id,
    }
    assert other.status_code == 404


def test_no_answer_of_the_api_carries_an_rsvp_token(client, staff, liaison, meeting, invited):
    tokens = [i.token for i in Invitation.objects.all()]
    api = as_user(client, staff)
    answers = [
        api.get(invitations_url(meeting)),
        api.get(invitations_url(meeting, invited["mine"].pk)),
        post(api, invitations_url(meeting, invited["mine"].pk, "resend"), None, '"v1"'),
        post(
            api,
            invitations_url(meeting, invited["mine"].pk, "rsvp"),
            {"rsvp": "accepted"},
            '"v2"',
        ),
        api.get(url(meeting.mission, meeting.pk)),
        api.get(f"/api/v1/missions/{meeting.mission.code}/history/"),
    ]

    for answer in answers:
        assert answer.status_code in {200, 404}, answer.content
        assert not any(token in answer.content.decode() for token in tokens)
    assert "token" not in answers[0].json()["results"][0]


def test_the_history_never_keeps_an_rsvp_token(client, staff, meeting, invited):
    as_user(client, staff).delete(
        invitations_url(meeting, invited["minister"].pk), HTTP_IF_MATCH='"v1"'
    )

    events = AuditEvent.objects.filter(target_type="invitation")
    assert {e.action for e in events} == {"invitation.create", "invitation.delete"}
    assert all("token" not in e.changes for e in events)
    assert all(e.changes["contact"] for e in events)


def test_staff_invite_a_contact(client, staff, meeting, ngo_contact):
    response = post(as_user(client, staff), invitations_url(meeting), {"contact": ngo_contact.pk})

    assert response.status_code == 201, response.json()
    assert response.json()["contact"]["email"] == "amina@ngo.org"
    assert (response.json()["rsvp"], response.json()["consultation"]) == ("pending", meeting.pk)
    assert response["ETag"] == '"v1"'
    event = AuditEvent.objects.get(action="invitation.create")
    assert (event.target_id, event.actor) == (response.json()["id"], staff)


def test_inviting_the_same_contact_twice_is_409(client, staff, meeting, invited, minister):
    response = post(as_user(client, staff), invitations_url(meeting), {"contact": minister.pk})

    assert response.status_code == 409
    assert "Minister" in response.json()["detail"]
    assert Invitation.objects.filter(contact=minister).count() == 1


def test_a_contact_of_another_mission_is_400(client, staff, meeting, other_mission):
    stranger_contact = ContactFactory(stakeholder=StakeholderFactory(mission=other_mission))

    response = post(
        as_user(client, staff), invitations_url(meeting), {"contact": stranger_contact.pk}
    )

    assert response.status_code == 400
    assert "contact" in response.json()["errors"]


def test_a_retired_contact_cannot_be_invited(client, staff, admin, meeting, ngo_contact):
    record_update(actor=admin, instance=ngo_contact, data={"is_retired": True})

    response = post(as_user(client, staff), invitations_url(meeting), {"contact": ngo_contact.pk})

    assert response.status_code == 400
    assert "retired" in response.json()["errors"]["contact"][0]


def test_nobody_can_be_invited_to_a_cancelled_consultation(
    client, staff, admin, meeting, ngo_contact
):
    consultation_cancel(actor=admin, consultation=meeting)

    response = post(as_user(client, staff), invitations_url(meeting), {"contact": ngo_contact.pk})

    assert response.status_code == 409
    assert not Invitation.objects.exists()


def test_staff_withdraw_an_invitation(client, staff, meeting, invited):
    target = invited["minister"]

    response = as_user(client, staff).delete(
        invitations_url(meeting, target.pk), HTTP_IF_MATCH='"v1"'
    )

    assert response.status_code == 204
    assert not Invitation.objects.filter(pk=target.pk).exists()
    assert AuditEvent.objects.filter(action="invitation.delete", target_id=target.pk).exists()


def test_an_invitation_cannot_be_edited_in_place(client, staff, meeting, invited):
    response = as_user(client, staff).patch(
        invitations_url(meeting, invited["minister"].pk),
        {"rsvp": "accepted"},
        content_type="application/json",
        HTTP_IF_MATCH='"v1"',
    )

    assert response.status_code == 405


def test_invitations_filter_by_answer(client, staff, liaison, meeting, invited, mission):
    invitation_rsvp(
        actor=liaison,
        access=_access(liaison, mission),
        invitation=invited["mine"],
        rsvp="declined",
    )

    response = as_user(client, staff).get(invitations_url(meeting), {"rsvp": "declined"})

    assert [i["id"] for i in response.json()["results"]] == [invited["mine"].pk]


def _access(user, mission):
    from missions.access import access_for

    return access_for(user, mission)


# Answering


def test_the_invitee_answers_their_own_invitation(client, liaison, meeting, invited):
    mine = invited["mine"]

    response = post(
        as_user(client, liaison),
        invitations_url(meeting, mine.pk, "rsvp"),
        {"rsvp": "accepted"},
        '"v1"',
    )

    assert response.status_code == 200, response.json()
    assert response.json()["rsvp"] == "accepted"
    assert response["ETag"] == '"v2"'
    event = AuditEvent.objects.get(action="invitation.rsvp", target_id=mine.pk)
    assert (event.actor, event.changes["rsvp"]) == (liaison, ["pending", "accepted"])


def test_staff_record_an_answer_for_an_invitee(client, staff, meeting, invited):
    target = invited["minister"]

    response = post(
        as_user(client, staff),
        invitations_url(meeting, target.pk, "rsvp"),
        {"rsvp": "tentative"},
        '"v1"',
    )

    assert response.status_code == 200
    assert Invitation.objects.get(pk=target.pk).rsvp == "tentative"


def test_a_colleague_cannot_answer_someone_elses_invitation(client, liaison, meeting, invited):
    target = invited["minister"]

    response = post(
        as_user(client, liaison),
        invitations_url(meeting, target.pk, "rsvp"),
        {"rsvp": "declined"},
        '"v1"',
    )

    assert response.status_code == 404
    assert Invitation.objects.get(pk=target.pk).rsvp == "pending"


def test_a_partner_of_another_stakeholder_cannot_answer(client, partner, meeting, invited):
    response = post(
        as_user(client, partner),
        invitations_url(meeting, invited["mine"].pk, "rsvp"),
        {"rsvp": "declined"},
        '"v1"',
    )

    assert response.status_code == 404
    assert Invitation.objects.get(pk=invited["mine"].pk).rsvp == "pending"


def test_the_service_refuses_someone_who_is_neither_invitee_nor_staff(mission, observer, invited):
    from missions.access import AccessDenied

    with pytest.raises(AccessDenied):
        invitation_rsvp(
            actor=observer,
            access=_access(observer, mission),
            invitation=invited["minister"],
            rsvp="accepted",
        )

    assert Invitation.objects.get(pk=invited["minister"].pk).rsvp == "pending"


@pytest.mark.parametrize("answer", ["pending", "maybe", ""])
def test_an_answer_must_be_accepted_tentative_or_declined(
    client, liaison, meeting, invited, answer
):
    response = post(
        as_user(client, liaison),
        invitations_url(meeting, invited["mine"].pk, "rsvp"),
        {"rsvp": answer},
        '"v1"',
    )

    assert response.status_code == 400
    assert "rsvp" in response.json()["errors"]


def test_a_cancelled_consultation_takes_no_answers(client, admin, liaison, meeting, invited):
    consultation_cancel(actor=admin, consultation=meeting)

    response = post(
        as_user(client, liaison),
        invitations_url(meeting, invited["mine"].pk, "rsvp"),
        {"rsvp": "accepted"},
        '"v1"',
    )

    assert response.status_code == 409
    assert Invitation.objects.get(pk=invited["mine"].pk).rsvp == "pending"


def test_answering_needs_if_match(client, liaison, meeting, invited):
    response = post(
        as_user(client, liaison),
        invitations_url(meeting, invited["mine"].pk, "rsvp"),
        {"rsvp": "accepted"},
    )

    assert response.status_code == 428


def test_a_read_only_token_cannot_answer(client, liaison, meeting, invited):
    _, key = api_token_create(user=liaison, name="reader", read_only=True)

    response = client.post(
        invitations_url(meeting, invited["mine"].pk, "rsvp"),
        {"rsvp": "accepted"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_IF_MATCH='"v1"',
    )

    assert response.status_code == 403


# Resending


def test_resending_is_recorded_and_answers_the_invitation(client, staff, meeting, invited):
    target = invited["minister"]

    response = post(
        as_user(client, staff), invitations_url(meeting, target.pk, "resend"), None, '"v1"'
    )

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == target.pk
    assert response["ETag"] == '"v2"'
    event = AuditEvent.objects.get(action="invitation.resend", target_id=target.pk)
    assert (event.actor, event.target_type) == (staff, "invitation")


def test_two_resends_from_the_same_etag_send_once(client, staff, meeting, invited):
    target = invited["minister"]
    api = as_user(client, staff)
    post(api, invitations_url(meeting, target.pk, "resend"), None, '"v1"')

    response = post(api, invitations_url(meeting, target.pk, "resend"), None, '"v1"')

    assert response.status_code == 412
    assert AuditEvent.objects.filter(action="invitation.resend").count() == 1


def test_a_contact_without_an_address_cannot_be_sent_anything(
    client, staff, admin, meeting, government
):
    silent = contact_create(actor=admin, stakeholder=government, name="No e-mail")
    invitation = invitation_create(actor=admin, consultation=meeting, contact=silent)

    response = post(
        as_user(client, staff), invitations_url(meeting, invitation.pk, "resend"), None, '"v1"'
    )

    assert response.status_code == 409
    assert "e-mail" in response.json()["detail"]


def test_a_cancelled_consultations_invitations_are_not_resent(
    client, staff, admin, meeting, invited
):
    consultation_cancel(actor=admin, consultation=meeting)

    response = post(
        as_user(client, staff),
        invitations_url(meeting, invited["minister"].pk, "resend"),
        None,
        '"v1"',
    )

    assert response.status_code == 409
    assert not AuditEvent.objects.filter(action="invitation.resend").exists()


# Query counts

# Signing in (session, user, and the session's save: 4), the mission's access (1), the count
# and the page; the invitations add their consultation and (for staff) their deliveries.
CONSULTATION_LIST_QUERIES = 8
INVITATION_LIST_QUERIES = 10


@pytest.mark.parametrize("n", [2, 20])
def test_the_consultation_list_costs_the_same_for_2_or_20(
    client,
    mission,
    admin,
    staff,
    liaison,
    speaking_for,
    liaison_contact,
    n,
    django_assert_max_num_queries,
):
    for i in range(n):
        consultation = schedule(admin, mission, title=f"Consultation {i}")
        invitation_create(actor=admin, consultation=consultation, contact=liaison_contact)

    for user in (staff, liaison):
        api = as_user(client, user)
        with django_assert_max_num_queries(CONSULTATION_LIST_QUERIES):
            response = api.get(url(mission))
        assert response.json()["count"] == n


@pytest.mark.parametrize("n", [2, 20])
def test_the_invitation_list_costs_the_same_for_2_or_20(
    client, mission, admin, staff, meeting, government, n, django_assert_max_num_queries
):
    for i in range(n):
        contact = contact_create(
            actor=admin, stakeholder=government, name=f"Contact {i}", email=f"c{i}@gov.cd"
        )
        invitation_create(actor=admin, consultation=meeting, contact=contact)
    api = as_user(client, staff)

    with django_assert_max_num_queries(INVITATION_LIST_QUERIES):
        response = api.get(invitations_url(meeting))

    assert response.json()["count"] == n


# The permission matrix (tests/test_permission_matrix.py's world: mission alpha, where the
# liaison speaks for the government and the partner for the NGO)

ALPHA = "/api/v1/missions/alpha/consultations/"
world = matrix.world  # the matrix's fixture, used here as it is


@pytest.fixture
def scene(world):
    """In alpha: a consultation the government is invited to (through the liaison's own
    contact), one nobody is invited to, and an NGO contact not invited yet."""
    alpha = world["missions"]["alpha"]
    actor = world["site_admin"]
    mine = contact_create(
        actor=actor,
        stakeholder=alpha["government"],
        name="Liaison",
        email="liaison@gov.lb",
        user=world["people"]["liaison"],
    )
    spare_contact = contact_create(
        actor=actor, stakeholder=alpha["ngo"], name="Amina", email="amina@ngo.lb"
    )
    invited_to = schedule(actor, alpha["mission"], title="Invited")
    empty = schedule(actor, alpha["mission"], title="Nobody invited")
    return {
        "consultation": invited_to,
        "empty": empty,
        "invitation": invitation_create(actor=actor, consultation=invited_to, contact=mine),
        "contact": spare_contact,
    }


def _c(s, *rest):
    return ALPHA + "".join(f"{part}/" for part in (s["consultation"].pk, *rest))


# (name, permission, method, path, payload, success, outcome for roles that hold the
# permission but may not see the object)
MATRIX = [
    ("list", "view_mission", "get", lambda s: ALPHA, None, 200, {}),
    ("retrieve", "view_mission", "get", lambda s: _c(s), None, 200, {"partner": 404}),
    ("create", "manage_consultations", "post", lambda s: ALPHA, lambda s: PAYLOAD, 201, {}),
    (
        "change",
        "manage_consultations",
        "patch",
        lambda s: _c(s),
        lambda s: {"title": "New"},
        200,
        {},
    ),
    (
        "delete",
        "manage_consultations",
        "delete",
        lambda s: f"{ALPHA}{s['empty'].pk}/",
        None,
        204,
        {},
    ),
    ("cancel", "manage_consultations", "post", lambda s: _c(s, "cancel"), None, 200, {}),
    (
        "invitations",
        "view_mission",
        "get",
        lambda s: _c(s, "invitations"),
        None,
        200,
        {"partner": 404},
    ),
    (
        "invitation",
        "view_mission",
        "get",
        lambda s: _c(s, "invitations", s["invitation"].pk),
        None,
        200,
        {"partner": 404, "observer": 404},
    ),
    (
        "invite",
        "manage_consultations",
        "post",
        lambda s: _c(s, "invitations"),
        lambda s: {"contact": s["contact"].pk},
        201,
        {},
    ),
    (
        "uninvite",
        "manage_consultations",
        "delete",
        lambda s: _c(s, "invitations", s["invitation"].pk),
        None,
        204,
        {},
    ),
    (
        "rsvp",
        "view_mission",
        "post",
        lambda s: _c(s, "invitations", s["invitation"].pk, "rsvp"),
        lambda s: {"rsvp": "accepted"},
        200,
        {"partner": 404, "observer": 404},
    ),
    (
        "resend",
        "manage_consultations",
        "post",
        lambda s: _c(s, "invitations", s["invitation"].pk, "resend"),
        None,
        200,
        {},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "path", "payload", "ok", "unseen"),
    MATRIX,
    ids=[m[0] for m in MATRIX],
)
def test_api_matrix(client, world, scene, persona, name, perm, method, path, payload, ok, unseen):
    headers = {"HTTP_IF_MATCH": '"v1"'} if method != "get" else {}
    if persona != "anonymous":
        _, key = api_token_create(user=world["people"][persona], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    response = getattr(client, method)(
        path(scene), payload(scene) if payload else None, content_type="application/json", **headers
    )

    want = expected(persona, perm, api=True, ok=ok)
    assert response.status_code == unseen.get(persona, want), response.content
    if response.status_code == 403:
        assert set(response.json()["allowed_roles"]) == {"admin", "staff"}

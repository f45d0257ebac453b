"""Consultation pages: the list and one consultation for every persona, and what staff do
with them (schedule, move, cancel, invite, resend, withdraw, record the outcome, link a
feedback form) and invitees (answer), each with bad input and a stale version.

Data is built through the services. Query counts are measured with 2 rows and asserted,
exactly the same, with 20. Who may reach which URL is tests/stakeholders/
test_consultation_matrix.py.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from missions.models import AuditEvent, Membership
from missions.services import membership_update, phase_create, record_update
from stakeholders.models import Consultation, Invitation, ReminderDelivery
from stakeholders.services import (
    consultation_cancel,
    consultation_create,
    consultation_update,
    contact_create,
    invitation_create,
    invitation_rsvp,
    stakeholder_create,
)
from tests.factories import ContactFactory, FeedbackFormFactory

START = datetime.datetime(2030, 3, 10, 8, tzinfo=datetime.UTC)  # 09:00 in Kinshasa
SIZES = [2, 20]


def list_url(mission, **query) -> str:
    url = reverse("missions:consultation-list", args=[mission.code])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def page_url(consultation, name="consultation-detail", *extra) -> str:
    return reverse(f"missions:{name}", args=[consultation.mission.code, consultation.pk, *extra])


def schedule(actor, mission, **fields) -> Consultation:
    values = {
        "kind": "meeting",
        "title": "Security sector consultation",
        "starts_at": START,
        "ends_at": START + datetime.timedelta(hours=2),
        "location": "Kinshasa, Primature",
        "agenda": "1. Police stations\n2. Timeline",
        **fields,
    }
    return consultation_create(actor=actor, mission=mission, **values)


def at(year, month=1, day=1, hour=9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=datetime.UTC)


def days_later(days, hours=1) -> dict:
    """A consultation ``days`` after START, ``hours`` long."""
    start = START + datetime.timedelta(days=days)
    return {"starts_at": start, "ends_at": start + datetime.timedelta(hours=hours)}


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


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
        actor=admin, stakeholder=government, name="Liaison Person", email="l@gov.cd", user=liaison
    )


@pytest.fixture
def minister(admin, government):
    return contact_create(
        actor=admin,
        stakeholder=government,
        name="Minister Kabila",
        email="minister@gov.cd",
    )


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


def html_of(response) -> str:
    return response.content.decode()


FORM = {
    "title": "Workshop on police handover",
    "kind": "workshop",
    "phase": "",
    "timezone": "Africa/Kinshasa",
    "starts_at": "2030-04-02T09:00",
    "ends_at": "2030-04-02T12:30",
    "location": "Goma, provincial assembly",
    "online_url": "",
    "agenda": "Stations, then timeline",
    "reminder_offsets": "168, 24",
}


def edit_data(consultation, **changes) -> dict:
    data = {
        **FORM,
        "title": consultation.title,
        "kind": consultation.kind,
        "starts_at": "2030-03-10T09:00",
        "ends_at": "2030-03-10T11:00",
        "location": consultation.location,
        "agenda": consultation.agenda,
        "version": consultation.version,
    }
    data.update(changes)
    return data


# The list ---------------------------------------------------------------------------------


def test_the_list_puts_upcoming_consultations_first_then_past_ones_latest_first(
    client, mission, admin, staff
):
    schedule(admin, mission, title="Long ago", starts_at=at(2020), ends_at=at(2020, hour=10))
    schedule(admin, mission, title="Last year", starts_at=at(2024), ends_at=at(2024, hour=10))
    schedule(admin, mission, title="Later", **days_later(30))
    schedule(admin, mission, title="Soon", **days_later(0))
    client.force_login(staff)

    html = html_of(client.get(list_url(mission)))

    positions = [html.index(title) for title in ("Soon", "Later", "Last year", "Long ago")]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("when", "shown", "hidden"),
    [
        ("upcoming", ["Next one"], ["Old one", "Called off"]),
        ("past", ["Old one"], ["Next one", "Called off"]),
        ("cancelled", ["Called off"], ["Next one", "Old one"]),
    ],
)
def test_the_list_filters_upcoming_past_and_cancelled(
    client, mission, admin, staff, when, shown, hidden
):
    schedule(admin, mission, title="Next one")
    schedule(admin, mission, title="Old one", starts_at=at(2024), ends_at=at(2024, hour=10))
    consultation_cancel(actor=admin, consultation=schedule(admin, mission, title="Called off"))
    client.force_login(staff)

    html = html_of(client.get(list_url(mission, when=when)))

    assert all(title in html for title in shown)
    assert not any(title in html for title in hidden)
    assert f'id="filter-{when}" aria-current="page"' in html


def test_the_list_shows_times_in_each_consultations_own_zone(client, mission, admin, staff):
    schedule(admin, mission, timezone="Asia/Beirut")
    client.force_login(staff)

    html = html_of(client.get(list_url(mission)))

    assert 'datetime="2030-03-10T10:00:00+02:00"' in html
    assert "Asia/Beirut" in html


def test_the_list_is_paginated_by_twenty(client, mission, admin, staff):
    for i in range(25):
        schedule(admin, mission, title=f"Round {i:02}", **days_later(i))
    client.force_login(staff)

    first = html_of(client.get(list_url(mission)))
    second = html_of(client.get(list_url(mission, page=2)))

    assert first.count('class="card consultation-summary"') == 20
    assert second.count('class="card consultation-summary"') == 5
    assert "Round 24" in second and "Round 24" not in first
    assert 'rel="next"' in first and "Page 2 of 2" in second


def test_staff_see_invitation_counts_in_the_list(client, invited, staff):
    invitation_rsvp(
        actor=staff,
        access=None,
        token=invited["minister"].token,
        rsvp="accepted",
    )
    client.force_login(staff)

    html = html_of(client.get(list_url(invited["mine"].consultation.mission)))

    assert "2 invitees" in html
    assert "1 accepted, 1 not answered yet" in html


def test_a_liaison_lists_only_what_their_stakeholder_is_invited_to_with_their_answer(
    client, mission, admin, invited, liaison
):
    schedule(admin, mission, title="Donors only")
    client.force_login(liaison)

    html = html_of(client.get(list_url(mission)))

    assert "Security sector consultation" in html
    assert "Donors only" not in html
    assert "You have not answered yet." in html
    assert "invitees" not in html


def test_an_observer_lists_every_consultation_without_invitation_counts(
    client, mission, admin, invited, observer
):
    schedule(admin, mission, title="Donors only")
    client.force_login(observer)

    html = html_of(client.get(list_url(mission)))

    assert "Security sector consultation" in html and "Donors only" in html
    assert "invitee" not in html


@pytest.mark.parametrize(
    ("persona", "text"),
    [
        ("staff", "No consultation yet. Schedule one"),
        ("observer", "No consultation has been scheduled yet."),
        ("liaison", "You are not invited to any consultation yet."),
        ("partner", "You are not invited to any consultation yet."),
    ],
)
def test_each_role_gets_its_own_empty_state(client, mission, request, persona, text):
    client.force_login(request.getfixturevalue(persona))

    html = html_of(client.get(list_url(mission)))

    assert text in html
    assert ("Schedule a consultation" in html) == (persona == "staff")


def test_a_filter_with_nothing_says_so(client, mission, meeting, staff):
    client.force_login(staff)

    html = html_of(client.get(list_url(mission, when="cancelled")))

    assert "No consultation matches this filter." in html


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill_list(mission, admin, n, contact=None):
    for i in range(n):
        consultation = schedule(admin, mission, title=f"C{i}", **days_later(i))
        if contact is not None:
            invitation_create(actor=admin, consultation=consultation, contact=contact)


@pytest.mark.parametrize("persona", ["staff", "liaison", "observer"])
def test_the_lists_query_count_does_not_grow_with_consultations(
    client, mission, admin, request, persona, speaking_for, liaison_contact
):
    client.force_login(request.getfixturevalue(persona))
    _fill_list(mission, admin, SIZES[0], liaison_contact)
    small = _count_queries(client, list_url(mission))
    _fill_list(mission, admin, SIZES[1] - SIZES[0], liaison_contact)

    large = _count_queries(client, list_url(mission))

    assert small == large == LIST_QUERIES


# Session and user (2); the mission with the membership and grants (1); the page's count and
# its rows (2); the session's save (3).
LIST_QUERIES = 8


# One consultation -------------------------------------------------------------------------


def test_staff_see_invitees_answers_who_has_not_answered_and_every_email(client, invited, staff):
    meeting = invited["mine"].consultation
    invitation_rsvp(token=invited["mine"].token, rsvp="declined")
    ReminderDelivery.objects.filter(invitation=invited["minister"], kind="invitation").update(
        status="failed", attempts=5, error="550 mailbox unavailable"
    )
    client.force_login(staff)

    html = html_of(client.get(page_url(meeting)))

    assert "minister@gov.cd" in html and "l@gov.cd" in html
    assert "Declined" in html
    not_answered = html[html.index('id="not-answered"') :]
    assert "Minister Kabila" in not_answered and "Liaison Person" not in not_answered
    assert "550 mailbox unavailable" in html and "5 attempts" in html
    assert "Reminder" in html and "168 h before" in html
    assert f'id="resend-{invited["minister"].pk}"' in html


def test_the_page_shows_time_place_link_and_agenda_in_the_consultations_zone(
    client, mission, admin, staff
):
    meeting = schedule(
        admin, mission, timezone="Asia/Beirut", online_url="https://meet.example.org/x"
    )
    client.force_login(staff)

    html = html_of(client.get(page_url(meeting)))

    assert 'datetime="2030-03-10T10:00:00+02:00"' in html
    assert "Asia/Beirut" in html
    assert "Kinshasa, Primature" in html
    assert 'href="https://meet.example.org/x"' in html
    assert "Police stations" in html


def test_an_observer_sees_the_consultation_but_no_invitee(client, invited, observer):
    client.force_login(observer)

    html = html_of(client.get(page_url(invited["mine"].consultation)))

    assert "Security sector consultation" in html
    assert "Minister Kabila" not in html and "minister@gov.cd" not in html
    assert "Liaison Person" not in html and "l@gov.cd" not in html
    assert 'id="invitees"' not in html and "Resend" not in html


def test_a_liaison_sees_their_own_answer_and_never_other_contacts(client, invited, liaison):
    client.force_login(liaison)

    html = html_of(client.get(page_url(invited["mine"].consultation)))

    assert 'id="your-answer"' in html and "You have not answered yet." in html
    assert 'value="accepted"' in html
    assert "Minister Kabila" not in html and "minister@gov.cd" not in html
    assert 'id="invitees"' not in html


def test_a_partner_whose_stakeholder_is_not_invited_gets_404(client, invited, partner):
    client.force_login(partner)

    assert client.get(page_url(invited["mine"].consultation)).status_code == 404


def test_a_consultation_of_another_mission_is_404(client, other_mission, admin, staff):
    elsewhere = schedule(admin, other_mission)
    client.force_login(staff)

    response = client.get(
        reverse("missions:consultation-detail", args=["monusco-test", elsewhere.pk])
    )

    assert response.status_code == 404


def test_outcome_notes_and_a_published_form_show_to_invitees(
    client, invited, admin, liaison, mission
):
    form = FeedbackFormFactory(mission=mission, title="After the workshop", status="published")
    meeting = invited["mine"].consultation
    consultation_update(
        actor=admin,
        consultation=meeting,
        data={
            "outcome": "Police take over Bunia in March.",
            "status": "held",
            "feedback_form": form,
        },
    )
    client.force_login(liaison)

    html = html_of(client.get(page_url(meeting)))

    assert "Police take over Bunia in March." in html
    assert "After the workshop" in html
    assert reverse("missions:feedback-detail", args=[mission.code, form.pk]) in html
    assert "This consultation has taken place." in html
    assert 'value="accepted"' not in html  # a held consultation takes no answer


def test_a_draft_feedback_form_is_not_named_to_observers(client, meeting, admin, mission, observer):
    form = FeedbackFormFactory(mission=mission, title="Draft questions")
    consultation_update(actor=admin, consultation=meeting, data={"feedback_form": form})
    client.force_login(observer)

    assert "Draft questions" not in html_of(client.get(page_url(meeting)))


# Session and user (2); mission with membership and grants (1); the consultation (1);
# invitations and their deliveries (2); contacts to invite (1); feedback forms: exists and
# options (2); the session's save (3).
DETAIL_QUERIES = 12


@pytest.mark.parametrize("n", SIZES)
def test_the_pages_query_count_does_not_grow_with_invitations(
    client, meeting, admin, staff, government, n
):
    for i in range(n):
        contact = ContactFactory(stakeholder=government, name=f"Contact {i:02}")
        invitation_create(actor=admin, consultation=meeting, contact=contact)
        ContactFactory(stakeholder=government, name=f"Not invited {i:02}")
    FeedbackFormFactory.create_batch(n, mission=meeting.mission)
    client.force_login(staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_url(meeting))

    assert response.status_code == 200
    assert html_of(response).count('<tr id="invitation-') == n
    assert len(queries) == DETAIL_QUERIES


@pytest.mark.parametrize("n", SIZES)
def test_an_invitees_page_query_count_does_not_grow(
    client, meeting, admin, liaison, speaking_for, government, liaison_contact, n
):
    invitation_create(actor=admin, consultation=meeting, contact=liaison_contact)
    for _ in range(n):
        invitation_create(
            actor=admin, consultation=meeting, contact=ContactFactory(stakeholder=government)
        )
    client.force_login(liaison)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_url(meeting))

    assert response.status_code == 200
    # Session and user (2); mission with membership and grants (1); consultation (1); own
    # invitation (1); the session's save (3).
    assert len(queries) == 8


# Scheduling -------------------------------------------------------------------------------


def test_the_new_form_starts_in_the_missions_time_zone(client, mission, staff):
    client.force_login(staff)

    html = html_of(client.get(reverse("missions:consultation-new", args=[mission.code])))

    assert '<option value="Africa/Kinshasa" selected>' in html
    assert 'value="168, 24"' in html
    assert 'type="datetime-local"' in html


def test_staff_schedule_a_consultation_at_wall_clock_times_of_its_zone(client, mission, staff):
    client.force_login(staff)

    response = client.post(reverse("missions:consultation-new", args=[mission.code]), FORM)

    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(consultation) + "#invite"
    assert consultation.starts_at == datetime.datetime(2030, 4, 2, 8, tzinfo=datetime.UTC)
    assert consultation.ends_at == datetime.datetime(2030, 4, 2, 11, 30, tzinfo=datetime.UTC)
    assert consultation.timezone == "Africa/Kinshasa"
    assert consultation.reminder_offsets == [168, 24]
    assert AuditEvent.objects.filter(action="consultation.create", actor=staff).exists()


def test_a_consultation_may_take_a_phase_of_its_mission(client, mission, admin, staff):
    phase = phase_create(actor=admin, mission=mission, order=1, kind="consultation", name="Talks")
    client.force_login(staff)

    client.post(
        reverse("missions:consultation-new", args=[mission.code]), {**FORM, "phase": phase.pk}
    )

    assert Consultation.objects.get().phase == phase


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2030-04-02T08:00"}, "The end must be later than the start."),
        ({"reminder_offsets": "168, soon"}, "“soon” is not a whole number of hours"),
        ({"reminder_offsets": "24, 24"}, "already in the list"),
        ({"reminder_offsets": "9000"}, "from 1 to 8760"),
        ({"title": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus"}, "Select a valid choice."),
        (
            {"timezone": "Europe/Paris", "starts_at": "2030-03-31T02:30"},
            "This time does not exist in Europe/Paris",
        ),
        ({"online_url": "not a link"}, "Enter a valid URL."),
    ],
)
def test_bad_input_is_400_with_a_specific_error_and_nothing_scheduled(
    client, mission, staff, changes, message
):
    client.force_login(staff)

    response = client.post(
        reverse("missions:consultation-new", args=[mission.code]), {**FORM, **changes}
    )

    assert response.status_code == 400
    assert message in html_of(response)
    assert not Consultation.objects.exists()


# Moving and changing ----------------------------------------------------------------------


def sent_invitations():
    """As if the reminder job had sent every invitation e-mail."""
    ReminderDelivery.objects.filter(kind="invitation").update(
        status="sent", sent_at=datetime.datetime.now(datetime.UTC)
    )


def test_staff_move_a_consultation_and_invitees_are_told(client, invited, staff):
    meeting = invited["mine"].consultation
    sent_invitations()
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-edit"),
        edit_data(meeting, starts_at="2030-03-12T14:00", ends_at="2030-03-12T16:00"),
    )

    moved = fresh(meeting)
    assert response.status_code == 302
    assert moved.starts_at == datetime.datetime(2030, 3, 12, 13, tzinfo=datetime.UTC)
    assert moved.sequence == meeting.sequence + 1
    updates = ReminderDelivery.objects.filter(kind="update", invitation__consultation=meeting)
    assert updates.count() == 2
    followed = html_of(client.get(response["Location"]))
    assert "invitees are told of the new details" in followed
    assert 'datetime="2030-03-12T14:00:00+01:00"' in followed


def test_the_edit_form_shows_the_stored_times_in_the_consultations_zone(client, meeting, staff):
    client.force_login(staff)

    html = html_of(client.get(page_url(meeting, "consultation-edit")))

    assert 'value="2030-03-10T09:00"' in html and 'value="2030-03-10T11:00"' in html
    assert f'name="version" value="{meeting.version}"' in html


def test_changing_only_the_title_does_not_move_it(client, meeting, staff):
    client.force_login(staff)

    client.post(page_url(meeting, "consultation-edit"), edit_data(meeting, title="New title"))

    assert (fresh(meeting).title, fresh(meeting).sequence) == ("New title", meeting.sequence)


def test_a_stale_edit_keeps_what_was_typed_shows_both_and_changes_nothing(
    client, meeting, staff, admin
):
    consultation_update(actor=admin, consultation=meeting, data={"location": "Goma"})
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-edit"),
        edit_data(meeting, location="Bunia stadium", version=meeting.version),
    )

    html = html_of(response)
    assert response.status_code == 409
    assert "changed by someone else" in html
    assert 'value="Bunia stadium"' in html  # the person's input, kept
    assert "Goma" in html  # what is saved now, beside it
    assert f'name="version" value="{fresh(meeting).version}"' in html
    assert fresh(meeting).location == "Goma"


def test_bad_input_on_an_edit_is_400_and_changes_nothing(client, meeting, staff):
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-edit"), edit_data(meeting, ends_at="2030-03-10T08:00")
    )

    assert response.status_code == 400
    assert "The end must be later than the start." in html_of(response)
    assert fresh(meeting).ends_at == meeting.ends_at


def test_an_edit_without_its_version_is_400(client, meeting, staff):
    client.force_login(staff)
    data = edit_data(meeting, title="Other")
    del data["version"]

    response = client.post(page_url(meeting, "consultation-edit"), data)

    assert response.status_code == 400
    assert fresh(meeting).title == meeting.title


def test_a_cancelled_consultation_cannot_be_edited(client, meeting, staff, admin):
    consultation_cancel(actor=admin, consultation=meeting)
    client.force_login(staff)

    response = client.get(page_url(meeting, "consultation-edit"))

    assert response.status_code == 409
    assert "cancelled" in html_of(response)


# Cancelling -------------------------------------------------------------------------------


def test_cancelling_asks_for_confirmation_first(client, meeting, staff):
    client.force_login(staff)

    html = html_of(client.get(page_url(meeting, "consultation-cancel")))

    assert "Cancel the consultation?" in html and 'id="confirm-cancel"' in html
    assert fresh(meeting).status == "scheduled"


def test_confirming_cancels_and_tells_the_invitees(client, invited, staff):
    meeting = invited["mine"].consultation
    sent_invitations()
    client.force_login(staff)

    response = client.post(page_url(meeting, "consultation-cancel"), {"version": meeting.version})

    assert response.status_code == 302
    assert fresh(meeting).status == "cancelled"
    assert ReminderDelivery.objects.filter(kind="cancellation").count() == 2
    html = html_of(client.get(response["Location"]))
    assert "This consultation was cancelled." in html
    assert 'id="edit-consultation"' not in html and 'id="invite"' not in html
    assert 'id="save-outcome"' not in html and 'id="resend-' not in html


def test_a_stale_cancellation_shows_the_consultation_again_and_cancels_nothing(
    client, meeting, staff, admin
):
    consultation_update(actor=admin, consultation=meeting, data={"location": "Goma"})
    client.force_login(staff)

    response = client.post(page_url(meeting, "consultation-cancel"), {"version": meeting.version})

    assert response.status_code == 409
    assert "changed by someone else" in html_of(response)
    assert fresh(meeting).status == "scheduled"


def test_cancelling_a_held_consultation_says_why_not(client, meeting, staff, admin):
    held = record_update(actor=admin, instance=meeting, data={"status": "held"})
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-cancel"), {"version": held.version}, follow=True
    )

    assert "already held" in html_of(response)
    assert fresh(meeting).status == "held"


# The outcome ------------------------------------------------------------------------------


def test_staff_record_the_outcome_which_marks_it_held(client, invited, staff):
    meeting = invited["mine"].consultation
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-outcome"),
        {"outcome": "Agreed: police take over Bunia.", "held": "on", "version": meeting.version},
    )

    assert response.status_code == 302
    assert (fresh(meeting).outcome, fresh(meeting).status) == (
        "Agreed: police take over Bunia.",
        "held",
    )
    rsvp_page = html_of(client.get(reverse("stakeholders:rsvp", args=[invited["mine"].token])))
    assert "Agreed: police take over Bunia." in rsvp_page


def test_empty_outcome_notes_are_refused(client, meeting, staff):
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-outcome"), {"outcome": "", "version": meeting.version}
    )

    assert response.status_code == 400
    assert "This field is required." in html_of(response)
    assert fresh(meeting).version == meeting.version


def test_stale_outcome_notes_are_kept_on_the_page_and_not_saved(client, meeting, staff, admin):
    consultation_update(actor=admin, consultation=meeting, data={"agenda": "Changed"})
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-outcome"),
        {"outcome": "My careful notes", "version": meeting.version},
    )

    html = html_of(response)
    assert response.status_code == 409
    assert "changed by someone else" in html
    assert "My careful notes" in html
    assert fresh(meeting).outcome == ""


def test_an_htmx_error_comes_back_as_200_with_the_page_part(client, meeting, staff):
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-outcome"),
        {"outcome": "", "version": meeting.version},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert 'id="consultation-page"' in html_of(response)
    assert "This field is required." in html_of(response)


# The feedback form ------------------------------------------------------------------------


def test_staff_link_and_unlink_a_feedback_form(client, meeting, staff, mission):
    form = FeedbackFormFactory(mission=mission, title="Perception survey")
    client.force_login(staff)

    client.post(
        page_url(meeting, "consultation-feedback-form"),
        {"feedback_form": form.pk, "version": meeting.version},
    )
    linked = fresh(meeting)
    client.post(
        page_url(meeting, "consultation-feedback-form"),
        {"feedback_form": "", "version": linked.version},
    )

    assert linked.feedback_form == form
    assert fresh(meeting).feedback_form is None


def test_a_form_of_another_mission_cannot_be_linked(client, meeting, staff, other_mission):
    elsewhere = FeedbackFormFactory(mission=other_mission)
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-feedback-form"),
        {"feedback_form": elsewhere.pk, "version": meeting.version},
    )

    assert response.status_code == 400
    assert "Choose one of this mission&#x27;s feedback forms." in html_of(response)
    assert fresh(meeting).feedback_form is None


def test_a_stale_link_changes_nothing(client, meeting, staff, admin, mission):
    form = FeedbackFormFactory(mission=mission)
    consultation_update(actor=admin, consultation=meeting, data={"title": "Renamed"})
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-feedback-form"),
        {"feedback_form": form.pk, "version": meeting.version},
    )

    assert response.status_code == 409
    assert "changed by someone else" in html_of(response)
    assert fresh(meeting).feedback_form is None


# Inviting ---------------------------------------------------------------------------------


def test_the_invite_list_groups_contacts_by_stakeholder_without_those_invited(
    client, invited, staff, ngo_contact, admin, government
):
    retired = contact_create(actor=admin, stakeholder=government, name="Gone", is_retired=True)
    client.force_login(staff)

    html = html_of(client.get(page_url(invited["mine"].consultation)))
    select = html[
        html.index('name="contacts"') : html.index("</select>", html.index('name="contacts"'))
    ]

    assert '<optgroup label="Women&#x27;s NGO">' in select
    assert f'value="{ngo_contact.pk}"' in select
    assert f'value="{invited["minister"].contact_id}"' not in select
    assert f'value="{retired.pk}"' not in select


def test_staff_invite_several_contacts_at_once(client, meeting, staff, ngo_contact, minister):
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-invite"), {"contacts": [ngo_contact.pk, minister.pk]}
    )

    assert response.status_code == 302
    assert set(Invitation.objects.values_list("contact", flat=True)) == {
        ngo_contact.pk,
        minister.pk,
    }
    assert ReminderDelivery.objects.filter(kind="invitation").count() == 2
    followed = html_of(client.get(response["Location"]))
    assert "2 contacts invited; the invitations are on their way" in followed


@pytest.mark.parametrize(
    ("contacts", "message"),
    [
        ([], "Choose at least one contact to invite."),
        (["x"], "Choose contacts from the list."),
        ("elsewhere", "cannot be invited"),
        ("already", "cannot be invited"),
    ],
)
def test_a_bad_invitation_is_400_and_invites_nobody(
    client, invited, staff, ngo_contact, other_mission, contacts, message
):
    meeting = invited["mine"].consultation
    if contacts == "elsewhere":
        contacts = [ngo_contact.pk, ContactFactory(stakeholder__mission=other_mission).pk]
    elif contacts == "already":
        contacts = [ngo_contact.pk, invited["minister"].contact_id]
    client.force_login(staff)

    response = client.post(page_url(meeting, "consultation-invite"), {"contacts": contacts})

    assert response.status_code == 400
    assert message in html_of(response)
    assert Invitation.objects.count() == 2


def test_with_nobody_left_to_invite_the_page_says_so(client, meeting, staff):
    client.force_login(staff)

    html = html_of(client.get(page_url(meeting)))

    assert "No contact left to invite" in html and 'name="contacts"' not in html


def test_a_cancelled_consultation_offers_no_invitation(client, meeting, staff, admin):
    consultation_cancel(actor=admin, consultation=meeting)
    client.force_login(staff)

    assert 'name="contacts"' not in html_of(client.get(page_url(meeting)))


# Withdrawing and resending ----------------------------------------------------------------


def test_staff_withdraw_an_invitation(client, invited, staff):
    invitation = invited["minister"]
    client.force_login(staff)

    response = client.post(
        page_url(invitation.consultation, "consultation-invitation-remove", invitation.pk),
        {"version": invitation.version},
        follow=True,
    )

    assert "The invitation of Minister Kabila was withdrawn." in html_of(response)
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_a_stale_withdrawal_keeps_the_invitation(client, invited, staff):
    invitation = invited["minister"]
    invitation_rsvp(token=invitation.token, rsvp="accepted")
    client.force_login(staff)

    response = client.post(
        page_url(invitation.consultation, "consultation-invitation-remove", invitation.pk),
        {"version": invitation.version},
        follow=True,
    )

    assert "it was not removed" in html_of(response)
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_staff_resend_an_invitation(client, invited, staff):
    invitation = invited["minister"]
    client.force_login(staff)

    response = client.post(
        page_url(invitation.consultation, "consultation-invitation-resend", invitation.pk),
        {"version": invitation.version},
        follow=True,
    )

    assert "will be sent again" in html_of(response)
    assert ReminderDelivery.objects.filter(invitation=invitation, kind="resend").count() == 1
    assert "Resend" in html_of(response)  # the new delivery is listed with its kind


def test_a_stale_resend_sends_nothing(client, invited, staff, admin):
    invitation = invited["minister"]
    client.force_login(staff)
    url = page_url(invitation.consultation, "consultation-invitation-resend", invitation.pk)
    client.post(url, {"version": invitation.version})

    response = client.post(url, {"version": invitation.version}, follow=True)

    assert "nothing was sent" in html_of(response)
    assert ReminderDelivery.objects.filter(invitation=invitation, kind="resend").count() == 1


def test_resending_to_a_contact_without_an_address_says_what_to_do(
    client, meeting, staff, admin, government
):
    nobody = contact_create(actor=admin, stakeholder=government, name="No mail")
    invitation = invitation_create(actor=admin, consultation=meeting, contact=nobody)
    client.force_login(staff)

    response = client.post(
        page_url(meeting, "consultation-invitation-resend", invitation.pk),
        {"version": invitation.version},
        follow=True,
    )

    assert "no e-mail address: add one to the contact first" in html_of(response)
    assert not ReminderDelivery.objects.filter(invitation=invitation, kind="resend").exists()


# Answering --------------------------------------------------------------------------------


def test_a_liaison_answers_their_invitation_on_the_page(client, invited, liaison):
    invitation = invited["mine"]
    client.force_login(liaison)

    response = client.post(
        page_url(invitation.consultation, "consultation-invitation-rsvp", invitation.pk),
        {"rsvp": "tentative", "version": invitation.version},
        follow=True,
    )

    assert fresh(invitation).rsvp == "tentative"
    assert "You answered: Tentative." in html_of(response)
    assert AuditEvent.objects.filter(action="invitation.rsvp", actor=liaison).exists()


def test_a_liaison_cannot_answer_someone_elses_invitation(client, invited, liaison):
    other = invited["minister"]
    client.force_login(liaison)

    response = client.post(
        page_url(other.consultation, "consultation-invitation-rsvp", other.pk),
        {"rsvp": "declined", "version": other.version},
    )

    assert response.status_code == 404
    assert fresh(other).rsvp == "pending"


def test_a_bad_answer_is_400_and_changes_nothing(client, invited, liaison):
    invitation = invited["mine"]
    client.force_login(liaison)

    response = client.post(
        page_url(invitation.consultation, "consultation-invitation-rsvp", invitation.pk),
        {"rsvp": "pending", "version": invitation.version},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in html_of(response)
    assert fresh(invitation).rsvp == "pending"


def test_an_answer_changed_meanwhile_through_the_link_is_not_overwritten(client, invited, liaison):
    invitation = invited["mine"]
    invitation_rsvp(token=invitation.token, rsvp="declined")
    client.force_login(liaison)

    response = client.post(
        page_url(invitation.consultation, "consultation-invitation-rsvp", invitation.pk),
        {"rsvp": "accepted", "version": invitation.version},
        follow=True,
    )

    assert "Your answer changed since you opened the page" in html_of(response)
    assert fresh(invitation).rsvp == "declined"


def test_a_cancelled_consultation_takes_no_answer(client, invited, liaison, admin):
    invitation = invited["mine"]
    consultation_cancel(actor=admin, consultation=invitation.consultation)
    client.force_login(liaison)

    response = client.post(
        page_url(invitation.consultation, "consultation-invitation-rsvp", invitation.pk),
        {"rsvp": "accepted", "version": invitation.version},
        follow=True,
    )

    assert "cancelled, so it takes no answers" in html_of(response)
    assert fresh(invitation).rsvp == "pending"


# The dashboard ----------------------------------------------------------------------------


def test_the_dashboard_links_each_upcoming_consultation_to_its_page(client, mission, staff, admin):
    soon = schedule(admin, mission, starts_at=at(2099), ends_at=at(2099, hour=10))
    client.force_login(staff)

    html = html_of(client.get(reverse("missions:detail", args=[mission.code])))

    assert f'href="{page_url(soon)}"' in html
    assert f'href="{list_url(mission)}"' in html

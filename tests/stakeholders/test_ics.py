"""The .ics attached to consultation e-mails, parsed back with the icalendar library."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from stakeholders.ics import consultation_ics
from stakeholders.models import Invitation
from stakeholders.services import (
    consultation_cancel,
    consultation_create,
    consultation_update,
    contact_create,
    invitation_create,
    stakeholder_create,
)

# 14:00 in New York on a summer day (EDT, UTC−4).
SUMMER = datetime.datetime(2030, 7, 1, 18, tzinfo=datetime.UTC)
RSVP = "https://exitplan.example.org/rsvp/abc/"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://exitplan.example.org"
    settings.DEFAULT_FROM_EMAIL = "exitplan <noreply@exitplan.example.org>"


@pytest.fixture
def consultation(admin, mission):
    return consultation_create(
        actor=admin,
        mission=mission,
        kind="meeting",
        title="Donors' briefing, part 2; questions",
        starts_at=SUMMER,
        ends_at=SUMMER + datetime.timedelta(hours=1, minutes=30),
        timezone="America/New_York",
        location="UN Headquarters, room S-2725",
        online_url="https://meet.example.org/briefing",
        agenda="1. Readiness\n2. Handover, police; justice",
    )


@pytest.fixture
def invitation(admin, mission, consultation):
    donor = stakeholder_create(actor=admin, mission=mission, name="Donor group", kind="donor")
    contact = contact_create(
        actor=admin, stakeholder=donor, name="Ingrid Solberg", email="ingrid@donor.example"
    )
    return invitation_create(actor=admin, consultation=consultation, contact=contact)


def parse(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    (event,) = calendar.events
    return calendar, event


def test_it_is_a_request_with_prodid_and_one_event(consultation, invitation):
    calendar, event = parse(
        consultation_ics(consultation=consultation, invitation=invitation, rsvp_url=RSVP)
    )

    assert str(calendar["PRODID"]) == "-//exitplan//consultations//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    assert str(event["UID"]) == f"consultation-{consultation.pk}@exitplan.example.org"


def test_it_shows_the_consultations_local_time_and_the_right_time_elsewhere(consultation):
    _calendar, event = parse(consultation_ics(consultation=consultation))

    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.start.isoformat() == "2030-07-01T14:00:00-04:00"
    assert event.end.isoformat() == "2030-07-01T15:30:00-04:00"
    assert event.start.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M") == "20:00"
    assert event.start.astimezone(datetime.UTC) == SUMMER


def test_it_carries_the_zones_rules_for_calendars_that_do_not_know_the_zone(consultation):
    calendar, _event = parse(consultation_ics(consultation=consultation))

    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/New_York"
    offsets = {
        (component.name, component["TZOFFSETTO"].to_ical()) for component in zone.subcomponents
    }
    assert {("STANDARD", "-0500"), ("DAYLIGHT", "-0400")} <= offsets


def test_it_names_the_place_the_link_the_agenda_and_how_to_answer(consultation, invitation):
    _calendar, event = parse(
        consultation_ics(consultation=consultation, invitation=invitation, rsvp_url=RSVP)
    )

    assert str(event["SUMMARY"]) == "Donors' briefing, part 2; questions"
    assert str(event["LOCATION"]) == "UN Headquarters, room S-2725"
    assert str(event["URL"]) == "https://meet.example.org/briefing"
    assert str(event["DESCRIPTION"]) == (
        "1. Readiness\n2. Handover, police; justice\n\n"
        f"Tell us whether you will take part (no sign-in needed): {RSVP}"
    )
    assert str(event["ORGANIZER"]) == "mailto:noreply@exitplan.example.org"
    assert str(event["ORGANIZER"].params["CN"]) == "MONUSCO (test)"


def test_the_invitee_is_an_attendee_asked_to_answer_with_their_answer_so_far(
    consultation, invitation
):
    invitation.rsvp = Invitation.Rsvp.TENTATIVE

    _calendar, event = parse(consultation_ics(consultation=consultation, invitation=invitation))

    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ingrid@donor.example"
    assert attendee.params["CN"] == "Ingrid Solberg"
    assert (attendee.params["RSVP"], attendee.params["PARTSTAT"]) == ("TRUE", "TENTATIVE")


def test_an_online_consultation_without_a_place_is_located_at_its_link(admin, consultation):
    online = consultation_update(actor=admin, consultation=consultation, data={"location": ""})

    _calendar, event = parse(consultation_ics(consultation=online))

    assert str(event["LOCATION"]) == "https://meet.example.org/briefing"


def test_a_move_keeps_the_uid_and_raises_the_sequence(admin, consultation):
    before = parse(consultation_ics(consultation=consultation))[1]
    moved = consultation_update(
        actor=admin,
        consultation=consultation,
        data={
            "starts_at": SUMMER + datetime.timedelta(days=180),
            "ends_at": SUMMER + datetime.timedelta(days=180, hours=1),
        },
    )

    after = parse(consultation_ics(consultation=moved))[1]

    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    # Late December: New York is on standard time (UTC−5) by then.
    assert after.start.isoformat() == "2030-12-28T13:00:00-05:00"


def test_a_cancellation_is_method_cancel_with_the_same_uid_and_a_higher_sequence(
    admin, consultation
):
    before = parse(consultation_ics(consultation=consultation))[1]
    cancelled = consultation_cancel(actor=admin, consultation=consultation)

    calendar, event = parse(consultation_ics(consultation=cancelled, cancel=True))

    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["UID"] == before["UID"]
    assert event["SEQUENCE"] == 1

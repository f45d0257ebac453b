"""Consultation e-mails: which delivery rows exist, how they are claimed, sent and recorded.

The e-mails go to Django's locmem backend (real Django, no SMTP server); the calendar
attachments are parsed back with the icalendar library. The clock of a sending run is
fixed with ``now=`` so that a reminder a week ahead can be sent today.
"""

import datetime
import smtplib
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from icalendar import Calendar

from stakeholders import reminders
from stakeholders.models import Delivery, Invitation, ReminderDelivery
from stakeholders.reminders import (
    BACKOFF,
    LEASE,
    MAX_ATTEMPTS,
    Claim,
    deliveries_claim,
    deliveries_process,
    delivery_record_failure,
    delivery_record_sent,
    reminders_send_due,
)
from stakeholders.services import (
    consultation_cancel,
    consultation_create,
    consultation_update,
    contact_create,
    invitation_create,
    invitation_delete,
    invitation_resend,
    invitation_rsvp,
    stakeholder_create,
)

Status = Delivery.Status
Kind = ReminderDelivery.Kind
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
# 09:00 in Kinshasa (UTC+1), the mission's zone; the consultation's own zone is Beirut's.
START = datetime.datetime(2030, 3, 10, 8, tzinfo=datetime.UTC)
SITE = "https://exitplan.example.org"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "exitplan <noreply@exitplan.example.org>"


@pytest.fixture
def ngo(mission, admin):
    return stakeholder_create(actor=admin, mission=mission, name="Women's NGO", kind="ngo")


@pytest.fixture
def amina(admin, ngo):
    return contact_create(
        actor=admin, stakeholder=ngo, name="Amina Diallo", email="amina@ngo.org", language="fr"
    )


@pytest.fixture
def omar(admin, ngo):
    return contact_create(actor=admin, stakeholder=ngo, name="Omar Haidara", email="omar@ngo.org")


def schedule(admin, mission, starts_at=START, **fields):
    values = {
        "kind": "workshop",
        "title": "Handover of police stations",
        "starts_at": starts_at,
        "ends_at": starts_at + 2 * HOUR,
        "timezone": "Asia/Beirut",
        "location": "Goma, provincial assembly",
        "online_url": "https://meet.example.org/handover",
        "agenda": "1. Stations\n2. Timeline",
        **fields,
    }
    return consultation_create(actor=admin, mission=mission, **values)


@pytest.fixture
def workshop(admin, mission):
    return schedule(admin, mission)


def rows(invitation=None, **filters):
    found = ReminderDelivery.objects.filter(**filters)
    if invitation is not None:
        found = found.filter(invitation=invitation)
    return list(found.order_by("due_at", "id"))


def summary(invitation, **filters):
    return [(d.kind, d.offset, d.sequence, d.status) for d in rows(invitation, **filters)]


def calendar_of(message) -> Calendar:
    (part,) = [a for a in message.attachments if a.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def sent_to(address):
    return [m for m in mail.outbox if any(address in to for to in m.to)]


# Scheduling: the rows that exist ------------------------------------------------------------


def test_an_invitation_schedules_the_invitation_now_and_each_reminder_ahead(admin, workshop, amina):
    before = timezone.now()

    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)

    deliveries = rows(invitation)
    assert [(d.kind, d.offset, d.sequence, d.status) for d in deliveries] == [
        (Kind.INVITATION, None, 0, Status.PENDING),
        (Kind.REMINDER, 168, 0, Status.PENDING),
        (Kind.REMINDER, 24, 0, Status.PENDING),
    ]
    assert before <= deliveries[0].due_at <= timezone.now()
    assert deliveries[1].due_at == START - 168 * HOUR
    assert deliveries[2].due_at == START - 24 * HOUR


def test_an_invitee_added_late_gets_only_the_reminders_still_ahead(admin, mission, amina):
    soon = schedule(admin, mission, starts_at=timezone.now() + 3 * 24 * HOUR)

    invitation = invitation_create(actor=admin, consultation=soon, contact=amina)

    assert summary(invitation) == [
        (Kind.INVITATION, None, 0, Status.PENDING),
        (Kind.REMINDER, 24, 0, Status.PENDING),
    ]


def test_an_invitee_added_after_the_last_reminder_gets_only_the_invitation(admin, mission, amina):
    soon = schedule(admin, mission, starts_at=timezone.now() + 5 * HOUR)

    invitation = invitation_create(actor=admin, consultation=soon, contact=amina)

    assert summary(invitation) == [(Kind.INVITATION, None, 0, Status.PENDING)]


def test_a_move_replaces_unsent_reminders_and_updates_whoever_was_told(
    admin, workshop, amina, omar
):
    told = invitation_create(actor=admin, consultation=workshop, contact=amina)
    reminders_send_due(now=START - 200 * HOUR)  # the invitation e-mail goes to Amina
    assert summary(told, kind=Kind.INVITATION) == [(Kind.INVITATION, None, 0, Status.SENT)]

    moved = consultation_update(
        actor=admin,
        consultation=workshop,
        data={"starts_at": START + 48 * HOUR, "ends_at": START + 50 * HOUR},
    )

    assert moved.sequence == 1
    assert summary(told) == [
        (Kind.INVITATION, None, 0, Status.SENT),
        (Kind.UPDATE, None, 1, Status.PENDING),
        (Kind.REMINDER, 168, 0, Status.CANCELLED),
        (Kind.REMINDER, 168, 1, Status.PENDING),
        (Kind.REMINDER, 24, 0, Status.CANCELLED),
        (Kind.REMINDER, 24, 1, Status.PENDING),
    ]
    new = rows(told, kind=Kind.REMINDER, sequence=1)
    assert [d.due_at for d in new] == [START - 120 * HOUR, START + 24 * HOUR]


def test_an_invitation_not_sent_yet_when_the_consultation_moves_carries_the_new_time(
    admin, workshop, amina
):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)

    consultation_update(actor=admin, consultation=workshop, data={"location": "Bukavu"})

    assert summary(invitation, kind__in=[Kind.INVITATION, Kind.UPDATE]) == [
        (Kind.INVITATION, None, 0, Status.PENDING)
    ]
    reminders_send_due(now=START - 200 * HOUR)
    (message,) = mail.outbox
    event = calendar_of(message).events[0]
    assert (str(event["LOCATION"]), event["SEQUENCE"]) == ("Bukavu", 1)


def test_an_edit_that_does_not_move_the_consultation_changes_no_delivery(admin, workshop, amina):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)
    before = summary(invitation)

    consultation_update(actor=admin, consultation=workshop, data={"agenda": "1. Stations"})

    assert summary(invitation) == before


def test_a_new_reminder_list_adds_the_new_offsets_ahead_and_drops_the_others(
    admin, workshop, amina
):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)

    consultation_update(actor=admin, consultation=workshop, data={"reminder_offsets": [48, 24]})

    assert summary(invitation, kind=Kind.REMINDER) == [
        (Kind.REMINDER, 168, 0, Status.CANCELLED),
        (Kind.REMINDER, 48, 0, Status.PENDING),
        (Kind.REMINDER, 24, 0, Status.PENDING),
    ]


def test_a_consultation_marked_held_early_sends_no_more_reminders(admin, workshop, amina):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)

    consultation_update(actor=admin, consultation=workshop, data={"status": "held"})

    assert {d.status for d in rows(invitation, kind=Kind.REMINDER)} == {Status.CANCELLED}


def test_a_cancelled_consultation_sends_one_cancellation_to_each_invitee_told_and_nothing_more(
    admin, workshop, amina, omar
):
    told = invitation_create(actor=admin, consultation=workshop, contact=amina)
    reminders_send_due(now=START - 200 * HOUR)
    not_told = invitation_create(actor=admin, consultation=workshop, contact=omar)

    cancelled = consultation_cancel(actor=admin, consultation=workshop)

    assert summary(told) == [
        (Kind.INVITATION, None, 0, Status.SENT),
        (Kind.CANCELLATION, None, 1, Status.PENDING),
        (Kind.REMINDER, 168, 0, Status.CANCELLED),
        (Kind.REMINDER, 24, 0, Status.CANCELLED),
    ]
    # Omar's invitation never went out: he is told nothing.
    assert {d.status for d in rows(not_told)} == {Status.CANCELLED}
    assert cancelled.sequence == 1


def test_a_declined_invitee_gets_no_more_reminders(admin, workshop, amina):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)

    invitation_rsvp(token=invitation.token, rsvp=Invitation.Rsvp.DECLINED)

    assert summary(invitation, kind=Kind.REMINDER) == [
        (Kind.REMINDER, 168, 0, Status.CANCELLED),
        (Kind.REMINDER, 24, 0, Status.CANCELLED),
    ]
    assert rows(invitation, kind=Kind.REMINDER)[0].error == "The invitee declined."


def test_an_invitee_who_declines_then_accepts_gets_the_reminders_still_ahead_again(
    admin, workshop, amina
):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)
    invitation_rsvp(token=invitation.token, rsvp=Invitation.Rsvp.DECLINED)

    invitation_rsvp(token=invitation.token, rsvp=Invitation.Rsvp.ACCEPTED)

    assert summary(invitation, kind=Kind.REMINDER) == [
        (Kind.REMINDER, 168, 0, Status.PENDING),
        (Kind.REMINDER, 24, 0, Status.PENDING),
    ]


def test_a_resend_adds_one_resend_delivery_due_now(admin, workshop, amina):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)

    invitation_resend(actor=admin, invitation=invitation, version=1)

    (resend,) = rows(invitation, kind=Kind.RESEND)
    assert (resend.status, resend.sequence) == (Status.PENDING, 0)
    assert resend.due_at <= timezone.now()


def test_withdrawing_an_invitation_takes_its_deliveries_with_it(admin, workshop, amina):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=amina)

    invitation_delete(actor=admin, invitation=invitation)

    assert not ReminderDelivery.objects.exists()


# Claiming -------------------------------------------------------------------------------------


@pytest.fixture
def due_rows(admin, workshop, ngo):
    """Five invitations, each with its invitation e-mail due (and two reminders later)."""
    for i in range(5):
        contact = contact_create(
            actor=admin, stakeholder=ngo, name=f"Contact {i}", email=f"c{i}@ngo.org"
        )
        invitation_create(actor=admin, consultation=workshop, contact=contact)
    return list(ReminderDelivery.objects.filter(kind=Kind.INVITATION).order_by("id"))


def test_two_claims_in_a_row_claim_disjoint_rows(due_rows):
    now = timezone.now()

    first = deliveries_claim(ReminderDelivery, now=now, limit=3)
    second = deliveries_claim(ReminderDelivery, now=now, limit=3)

    assert [c.pk for c in first] == [d.pk for d in due_rows[:3]]
    assert [c.pk for c in second] == [d.pk for d in due_rows[3:]]
    claimed = ReminderDelivery.objects.filter(status=Status.SENDING)
    assert claimed.count() == 5
    assert {(d.attempts, d.lease_until) for d in claimed} == {(1, now + LEASE)}
    assert deliveries_claim(ReminderDelivery, now=now) == []


def test_rows_not_due_yet_or_waiting_for_their_retry_are_not_claimed(due_rows):
    now = timezone.now()
    ReminderDelivery.objects.filter(pk=due_rows[0].pk).update(next_attempt_at=now + MINUTE)

    claimed = deliveries_claim(ReminderDelivery, now=now)

    assert [c.pk for c in claimed] == [d.pk for d in due_rows[1:]]


def test_a_row_whose_lease_has_passed_is_claimed_again(due_rows):
    now = timezone.now()
    deliveries_claim(ReminderDelivery, now=now)

    early = deliveries_claim(ReminderDelivery, now=now + LEASE - MINUTE)
    late = deliveries_claim(ReminderDelivery, now=now + LEASE + MINUTE)

    assert early == []
    assert [(c.pk, c.attempts) for c in late] == [(d.pk, 2) for d in due_rows]


def test_a_record_does_not_overwrite_a_row_another_run_took_up(due_rows):
    now = timezone.now()
    (stale,) = deliveries_claim(ReminderDelivery, now=now, limit=1)
    (fresh,) = deliveries_claim(ReminderDelivery, now=now + LEASE + MINUTE, limit=1)
    assert (stale.pk, fresh.attempts) == (fresh.pk, 2)

    recorded = delivery_record_sent(ReminderDelivery, stale, now=now)

    assert recorded is False
    row = ReminderDelivery.objects.get(pk=fresh.pk)
    assert (row.status, row.attempts, row.sent_at) == (Status.SENDING, 2, None)
    assert delivery_record_sent(ReminderDelivery, fresh, now=now) is True


def test_a_failure_waits_longer_before_each_retry_then_fails_for_good(due_rows):
    row = due_rows[0]
    now = timezone.now()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        ReminderDelivery.objects.filter(pk=row.pk).update(status=Status.SENDING, attempts=attempt)
        delivery_record_failure(
            ReminderDelivery, Claim(pk=row.pk, attempts=attempt), error="421", now=now
        )
        row.refresh_from_db()
        waits.append((row.status, row.next_attempt_at and row.next_attempt_at - now))

    assert waits == [
        *[(Status.PENDING, wait) for wait in BACKOFF],
        (Status.FAILED, None),
    ]


def test_a_run_out_of_time_gives_back_what_it_has_not_sent(due_rows):
    def slow(delivery, *, now):
        import time

        time.sleep(0.6)

    counts = deliveries_process(
        ReminderDelivery,
        load=reminders._reminders_load,
        send=slow,
        now=timezone.now(),
        budget=0.5,
    )

    assert counts == {"sent": 1, "released": 4}
    statuses = [
        (d.status, d.attempts)
        for d in ReminderDelivery.objects.filter(kind=Kind.INVITATION).order_by("id")
    ]
    assert statuses == [(Status.SENT, 1)] + [(Status.PENDING, 0)] * 4


# Sending ---------------------------------------------------------------------------------------


def test_the_invitation_email_says_when_where_and_how_to_answer(admin, workshop, omar):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)

    counts = reminders_send_due(now=START - 200 * HOUR)

    assert counts == {"sent": 1}
    (message,) = mail.outbox
    assert message.to == ["Omar Haidara <omar@ngo.org>"]
    assert message.subject == "Invitation: Handover of police stations, March 10, 2030, 10 a.m."
    body = message.body
    # 08:00 UTC is 10:00 in Beirut, the consultation's own zone.
    assert "Sunday, March 10, 2030, 10 a.m. – noon" in body
    assert "(time in Asia/Beirut, UTC+02:00)" in body
    assert "Goma, provincial assembly" in body
    assert "https://meet.example.org/handover" in body
    assert "1. Stations\n2. Timeline" in body
    assert f"{SITE}/rsvp/{invitation.token}/" in body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{SITE}/rsvp/{invitation.token}/"' in html
    assert rows(invitation, kind=Kind.INVITATION)[0].status == Status.SENT


def test_the_calendar_attachment_is_a_request_at_the_right_local_time(admin, workshop, omar):
    invitation_create(actor=admin, consultation=workshop, contact=omar)

    reminders_send_due(now=START - 200 * HOUR)

    (message,) = mail.outbox
    (part,) = message.attachments
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    calendar = calendar_of(message)
    event = calendar.events[0]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event["DTSTART"].params["TZID"] == "Asia/Beirut"
    assert event.start.isoformat() == "2030-03-10T10:00:00+02:00"
    # …which a reader in Tokyo sees at 17:00.
    assert event.start.astimezone(ZoneInfo("Asia/Tokyo")).hour == 17
    assert str(event["UID"]) == f"consultation-{workshop.pk}@exitplan.example.org"
    assert str(event["ATTENDEE"]) == "mailto:omar@ngo.org"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"


def test_the_email_is_written_in_the_contacts_language(admin, workshop, amina):
    invitation_create(actor=admin, consultation=workshop, contact=amina)

    reminders_send_due(now=START - 200 * HOUR)

    (message,) = mail.outbox
    assert "10 mars 2030" in message.subject
    assert "dimanche, 10 mars 2030" in message.body
    assert '<html lang="fr">' in message.alternatives[0][0]


def test_each_reminder_goes_out_at_its_moment_and_once(admin, workshop, omar):
    invitation_create(actor=admin, consultation=workshop, contact=omar)
    reminders_send_due(now=START - 200 * HOUR)

    week = reminders_send_due(now=START - 168 * HOUR + MINUTE)
    again = reminders_send_due(now=START - 100 * HOUR)
    day = reminders_send_due(now=START - 24 * HOUR + MINUTE)

    assert (week, again, day) == ({"sent": 1}, {}, {"sent": 1})
    subjects = [m.subject for m in mail.outbox]
    assert (
        subjects[1:]
        == [
            "Reminder: Handover of police stations, March 10, 2030, 10 a.m.",
        ]
        * 2
    )
    assert "starts in 7 days" in mail.outbox[1].body
    assert "starts in 1 day" in mail.outbox[2].body


def test_a_reminder_missed_while_no_worker_ran_gives_way_to_the_next_one_due(admin, workshop, omar):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)

    counts = reminders_send_due(now=START - 23 * HOUR)

    assert counts == {"sent": 2, "cancelled": 1}
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Invitation", "Reminder"]
    assert "starts in 23 hours" in mail.outbox[1].body
    (week,) = rows(invitation, kind=Kind.REMINDER, offset=168)
    assert week.status == Status.CANCELLED


def test_an_update_keeps_the_uid_and_raises_the_sequence(admin, workshop, omar):
    invitation_create(actor=admin, consultation=workshop, contact=omar)
    reminders_send_due(now=START - 200 * HOUR)
    consultation_update(
        actor=admin,
        consultation=workshop,
        data={"starts_at": START + 2 * HOUR, "ends_at": START + 4 * HOUR},
    )

    reminders_send_due(now=START - 199 * HOUR)

    first, update = mail.outbox
    assert update.subject.startswith("Changed: Handover of police stations, now")
    before, after = calendar_of(first).events[0], calendar_of(update).events[0]
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.start.isoformat() == "2030-03-10T12:00:00+02:00"


def test_a_cancellation_is_a_calendar_cancel_with_the_same_uid(admin, workshop, omar):
    invitation_create(actor=admin, consultation=workshop, contact=omar)
    reminders_send_due(now=START - 200 * HOUR)
    consultation_cancel(actor=admin, consultation=workshop)

    counts = reminders_send_due(now=START - 24 * HOUR + MINUTE)

    assert counts == {"sent": 1}  # the cancellation, and no reminder
    first, cancellation = mail.outbox
    assert cancellation.subject.startswith("Cancelled: Handover of police stations")
    assert "/rsvp/" not in cancellation.body
    (part,) = cancellation.attachments
    assert part.get_param("method") == "CANCEL"
    calendar = calendar_of(cancellation)
    event = calendar.events[0]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["UID"] == calendar_of(first).events[0]["UID"]
    assert event["SEQUENCE"] == 1


def test_a_reminder_for_a_consultation_already_started_is_cancelled_not_sent(admin, workshop, omar):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)

    counts = reminders_send_due(now=START + MINUTE)

    assert counts == {"cancelled": 3}
    assert mail.outbox == []
    assert {(d.status, d.error) for d in rows(invitation)} == {
        (Status.CANCELLED, "The consultation had already started.")
    }


def test_reminders_a_dead_worker_held_when_the_invitee_declined_are_not_sent_later(
    admin, workshop, omar
):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)
    reminders_send_due(now=START - 200 * HOUR)
    now = START - 24 * HOUR + MINUTE
    held = deliveries_claim(ReminderDelivery, now=now)  # then the worker dies
    invitation_rsvp(token=invitation.token, rsvp=Invitation.Rsvp.DECLINED)
    assert {d.status for d in rows(invitation, kind=Kind.REMINDER)} == {Status.SENDING}

    counts = reminders_send_due(now=now + LEASE + MINUTE)

    assert (len(held), counts) == (2, {"cancelled": 2})
    assert len(mail.outbox) == 1  # the invitation only
    assert {d.error for d in rows(invitation, kind=Kind.REMINDER)} == {"The invitee declined."}


def test_a_failed_send_is_retried_after_a_backoff(admin, workshop, omar, monkeypatch):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)
    now = START - 200 * HOUR

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", refuse)
        first = reminders_send_due(now=now)
    too_early = reminders_send_due(now=now + MINUTE - datetime.timedelta(seconds=1))
    retried = reminders_send_due(now=now + MINUTE)

    assert (first, too_early, retried) == ({"retry": 1}, {}, {"sent": 1})
    (row,) = rows(invitation, kind=Kind.INVITATION)
    assert (row.status, row.attempts, row.error) == (Status.SENT, 2, "")
    assert len(mail.outbox) == 1


def test_a_send_that_keeps_failing_ends_failed_with_its_reason(admin, workshop, omar, monkeypatch):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)
    monkeypatch.setattr(
        EmailBackend,
        "send_messages",
        lambda self, messages: (_ for _ in ()).throw(smtplib.SMTPDataError(554, b"Rejected")),
    )
    now = START - 200 * HOUR
    outcomes = []
    for wait in (datetime.timedelta(0), *BACKOFF):
        now += wait
        outcomes.append(reminders_send_due(now=now))

    assert outcomes == [{"retry": 1}] * (MAX_ATTEMPTS - 1) + [{"failed": 1}]
    (row,) = rows(invitation, kind=Kind.INVITATION)
    assert (row.status, row.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert row.error == "SMTPDataError: (554, b'Rejected')"
    assert reminders_send_due(now=now + datetime.timedelta(days=1)) == {}


def test_a_contact_without_an_address_fails_at_once_and_says_why(admin, workshop, ngo):
    silent = contact_create(actor=admin, stakeholder=ngo, name="No e-mail")
    invitation = invitation_create(actor=admin, consultation=workshop, contact=silent)

    counts = reminders_send_due(now=START - 200 * HOUR)

    assert counts == {"failed": 1}
    (row,) = rows(invitation, kind=Kind.INVITATION)
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert "no e-mail address" in row.error


def test_a_row_of_an_invitation_withdrawn_after_the_claim_is_dropped(admin, workshop, omar):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)
    now = START - 200 * HOUR
    claims = deliveries_claim(ReminderDelivery, now=now)
    invitation_delete(actor=admin, invitation=invitation)

    recorded = delivery_record_sent(ReminderDelivery, claims[0], now=now)

    assert recorded is False
    assert mail.outbox == []


# Staff see the deliveries --------------------------------------------------------------------


def test_staff_see_each_invitees_deliveries_and_resend_adds_one(
    client, admin, staff, workshop, omar
):
    invitation = invitation_create(actor=admin, consultation=workshop, contact=omar)
    reminders_send_due(now=START - 200 * HOUR)
    client.force_login(staff)
    base = f"/api/v1/missions/{workshop.mission.code}/consultations/{workshop.pk}/invitations/"

    resent = client.post(
        f"{base}{invitation.pk}/resend/", content_type="application/json", HTTP_IF_MATCH='"v1"'
    )
    listed = client.get(base).json()["results"][0]

    assert resent.status_code == 200
    assert [d["kind"] for d in resent.json()["deliveries"]] == [
        "invitation",
        "resend",
        "reminder",
        "reminder",
    ]
    first = listed["deliveries"][0]
    assert set(first) == {
        "kind",
        "offset",
        "sequence",
        "due_at",
        "status",
        "attempts",
        "sent_at",
        "error",
    }
    assert (first["status"], first["attempts"]) == ("sent", 1)
    assert first["sent_at"] is not None
    assert listed["deliveries"][2]["offset"] == 168


def test_an_invitee_sees_their_invitation_without_its_deliveries(
    client, admin, liaison, workshop, ngo
):
    contact = contact_create(
        actor=admin, stakeholder=ngo, name="Liaison", email="l@gov.cd", user=liaison
    )
    invitation = invitation_create(actor=admin, consultation=workshop, contact=contact)
    client.force_login(liaison)
    base = f"/api/v1/missions/{workshop.mission.code}/consultations/{workshop.pk}/invitations/"

    answer = client.get(f"{base}{invitation.pk}/")

    assert answer.status_code == 200
    assert "deliveries" not in answer.json()

"""Consultations in a real browser: a staff member moves one, and the invitees' pages (the
liaison's consultation page and the RSVP link's page) show the new time; the liaison then
answers on their page.

No Celery worker runs here: the move writes its "update" e-mails as delivery rows, which
the test reads.
"""

import datetime

import pytest
from django.urls import reverse

from missions.models import Membership
from missions.services import membership_update
from stakeholders.models import Consultation, Invitation, ReminderDelivery
from stakeholders.services import (
    consultation_create,
    contact_create,
    invitation_create,
    stakeholder_create,
)

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

START = datetime.datetime(2030, 3, 10, 8, tzinfo=datetime.UTC)  # 09:00 in Kinshasa
MOVED = 'datetime="2030-03-12T14:00:00+01:00"'


@pytest.fixture
def invitation(mission, admin, liaison):
    government = stakeholder_create(
        actor=admin, mission=mission, name="Ministry of Interior", kind="host_government"
    )
    membership_update(
        actor=admin,
        membership=Membership.objects.get(user=liaison, mission=mission),
        stakeholder=government,
    )
    contact = contact_create(
        actor=admin, stakeholder=government, name="Liaison", email=liaison.email, user=liaison
    )
    consultation = consultation_create(
        actor=admin,
        mission=mission,
        kind="workshop",
        title="Handover of police stations",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=3),
        location="Kinshasa, Primature",
    )
    invitation = invitation_create(actor=admin, consultation=consultation, contact=contact)
    # As if the reminder job had sent the invitation: a move then sends an update.
    ReminderDelivery.objects.filter(kind="invitation").update(
        status="sent", sent_at=datetime.datetime.now(datetime.UTC)
    )
    return invitation


def detail_path(consultation) -> str:
    return reverse(
        "missions:consultation-detail", args=[consultation.mission.code, consultation.pk]
    )


def test_staff_move_a_consultation_and_the_invitees_pages_show_the_new_time(
    new_page, mission, staff, liaison, invitation
):
    consultation = invitation.consultation
    mover = new_page()
    sign_in(mover, staff.email)
    mover.goto(reverse("missions:consultation-list", args=[mission.code]))
    mover.get_by_role("link", name="Handover of police stations").click()
    mover.locator("#edit-consultation").click()
    mover.locator("#id_starts_at").fill("2030-03-12T14:00")
    mover.locator("#id_ends_at").fill("2030-03-12T17:00")
    mover.locator("#save-consultation").click()
    mover.get_by_text("invitees are told of the new details").wait_for()

    moved = Consultation.objects.get(pk=consultation.pk)
    assert moved.starts_at == datetime.datetime(2030, 3, 12, 13, tzinfo=datetime.UTC)
    assert moved.sequence == consultation.sequence + 1
    assert ReminderDelivery.objects.filter(invitation=invitation, kind="update").count() == 1

    invitee = new_page(PHONE)
    sign_in(invitee, liaison.email)
    invitee.goto(detail_path(consultation))
    when = invitee.locator("#consultation-when")
    assert MOVED in when.inner_html()
    assert "Africa/Kinshasa" in when.inner_text()
    # Readable on a phone: nothing wider than the screen.
    assert invitee.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    link = new_page()
    link.goto(reverse("stakeholders:rsvp", args=[invitation.token]))
    assert MOVED in link.content()
    assert 'datetime="2030-03-10T09:00:00+01:00"' not in link.content()


def test_a_liaison_answers_on_their_consultation_page(new_page, liaison, invitation):
    page = new_page()
    sign_in(page, liaison.email)
    page.goto(detail_path(invitation.consultation))

    page.get_by_label("Tentative").check()
    page.locator(f"#send-rsvp-{invitation.pk}").click()
    page.get_by_text("You answered: Tentative.").wait_for()

    assert Invitation.objects.get(pk=invitation.pk).rsvp == "tentative"

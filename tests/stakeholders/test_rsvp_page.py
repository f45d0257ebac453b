"""The RSVP page behind an invitation's link: open without signing in, it shows the
consultation and changes the answer only through its form's POST (mail scanners follow
links), with CSRF.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from missions.models import AuditEvent
from missions.services import record_update
from stakeholders.models import Invitation
from stakeholders.services import (
    consultation_cancel,
    consultation_create,
    consultation_update,
    contact_create,
    invitation_create,
    stakeholder_create,
)

START = datetime.datetime(2030, 3, 10, 7, tzinfo=datetime.UTC)


@pytest.fixture
def invitation(mission, admin):
    stakeholder = stakeholder_create(actor=admin, mission=mission, name="Women's NGO", kind="ngo")
    contact = contact_create(
        actor=admin, stakeholder=stakeholder, name="Amina Diallo", email="amina@ngo.org"
    )
    consultation = consultation_create(
        actor=admin,
        mission=mission,
        kind="town_hall",
        title="Town hall on the drawdown",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=2),
        timezone="Asia/Beirut",
        location="Goma, Salle des fêtes",
        online_url="https://meet.example.org/town-hall",
        agenda="Welcome\nThe drawdown timeline",
    )
    return invitation_create(actor=admin, consultation=consultation, contact=contact)


def page(invitation) -> str:
    return reverse("stakeholders:rsvp", args=[invitation.token])


def current(invitation) -> Invitation:
    return Invitation.objects.get(pk=invitation.pk)


def test_the_page_is_open_without_signing_in(client, invitation):
    response = client.get(page(invitation))

    assert response.status_code == 200
    assert response.templates[0].name == "stakeholders/rsvp.html"


def test_the_page_shows_the_consultation_in_its_own_time_zone(client, invitation):
    content = client.get(page(invitation)).content.decode()

    assert "Town hall on the drawdown" in content
    assert 'datetime="2030-03-10T09:00:00+02:00"' in content
    assert 'datetime="2030-03-10T11:00:00+02:00"' in content
    assert "Asia/Beirut" in content
    assert "Goma, Salle des fêtes" in content
    assert 'href="https://meet.example.org/town-hall"' in content
    assert "The drawdown timeline" in content
    assert "Amina Diallo" in content


def test_after_a_move_the_page_shows_the_new_time_and_place(client, invitation, admin):
    consultation_update(
        actor=admin,
        consultation=invitation.consultation,
        data={
            "starts_at": START + datetime.timedelta(days=2, hours=5),
            "ends_at": START + datetime.timedelta(days=2, hours=6),
            "location": "Bukavu, town hall",
        },
    )

    content = client.get(page(invitation)).content.decode()

    assert 'datetime="2030-03-12T14:00:00+02:00"' in content
    assert 'datetime="2030-03-10T09:00:00+02:00"' not in content
    assert "Bukavu, town hall" in content and "Goma" not in content


def test_the_outcome_notes_show_once_recorded(client, invitation, admin):
    assert "Outcome" not in client.get(page(invitation)).content.decode()
    consultation_update(
        actor=admin,
        consultation=invitation.consultation,
        data={"status": "held", "outcome": "The timeline was agreed.\nNext: Bunia."},
    )

    content = client.get(page(invitation)).content.decode()

    assert "Outcome" in content
    assert "The timeline was agreed.<br>Next: Bunia." in content
    assert 'class="consultation-outcome" dir="auto"' in content


def test_the_page_offers_the_three_answers(client, invitation):
    content = client.get(page(invitation)).content.decode()

    for answer in ("accepted", "tentative", "declined"):
        assert f'value="{answer}"' in content
    assert 'value="pending"' not in content
    assert "csrfmiddlewaretoken" in content


def test_opening_the_link_does_not_answer(client, invitation):
    client.get(page(invitation))
    client.get(page(invitation), {"rsvp": "accepted"})

    assert (current(invitation).rsvp, current(invitation).version) == ("pending", 1)
    assert not AuditEvent.objects.filter(action="invitation.rsvp").exists()


def test_posting_the_form_records_the_answer_and_shows_it(client, invitation):
    response = client.post(page(invitation), {"rsvp": "tentative"})

    assert response.status_code == 302
    assert response["Location"] == page(invitation)
    assert current(invitation).rsvp == "tentative"
    followed = client.get(response["Location"]).content.decode()
    assert "Thank you" in followed
    assert "You answered: Tentative." in followed


def test_an_answer_through_the_link_is_recorded_without_an_actor(client, invitation):
    client.post(page(invitation), {"rsvp": "declined"})

    event = AuditEvent.objects.get(action="invitation.rsvp", target_id=invitation.pk)
    assert event.actor is None
    assert event.changes["rsvp"] == ["pending", "declined"]


def test_the_answer_can_be_changed(client, invitation):
    client.post(page(invitation), {"rsvp": "accepted"})

    client.post(page(invitation), {"rsvp": "declined"})

    assert (current(invitation).rsvp, current(invitation).version) == ("declined", 3)


@pytest.mark.parametrize("answer", ["pending", "maybe", ""])
def test_anything_but_the_three_answers_is_400(client, invitation, answer):
    response = client.post(page(invitation), {"rsvp": answer})

    assert response.status_code == 400
    assert current(invitation).rsvp == "pending"


def test_a_post_without_the_csrf_token_is_refused(invitation):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(page(invitation), {"rsvp": "accepted"})

    assert response.status_code == 403
    assert current(invitation).rsvp == "pending"


def test_the_form_works_with_its_csrf_token(invitation):
    browser = Client(enforce_csrf_checks=True)
    browser.get(page(invitation))

    response = browser.post(
        page(invitation),
        {"rsvp": "accepted", "csrfmiddlewaretoken": browser.cookies["csrftoken"].value},
    )

    assert response.status_code == 302
    assert current(invitation).rsvp == "accepted"


def test_an_unknown_token_is_404(client, invitation):
    response = client.get(reverse("stakeholders:rsvp", args=["no-such-token"]))

    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_posting_to_an_unknown_token_is_404(client, invitation):
    response = client.post(
        reverse("stakeholders:rsvp", args=["no-such-token"]), {"rsvp": "accepted"}
    )

    assert response.status_code == 404


def test_a_cancelled_consultation_says_so_and_offers_no_form(client, invitation, admin):
    consultation_cancel(actor=admin, consultation=invitation.consultation)

    content = client.get(page(invitation)).content.decode()

    assert "was cancelled" in content
    assert 'name="rsvp"' not in content


def test_answering_a_cancelled_consultation_is_409_and_changes_nothing(client, invitation, admin):
    consultation_cancel(actor=admin, consultation=invitation.consultation)

    response = client.post(page(invitation), {"rsvp": "accepted"})

    assert response.status_code == 409
    assert "cancelled" in response.content.decode()
    assert current(invitation).rsvp == "pending"


def test_a_held_consultation_offers_no_form(client, invitation, admin):
    record_update(actor=admin, instance=invitation.consultation, data={"status": "held"})

    content = client.get(page(invitation)).content.decode()

    assert "already taken place" in content
    assert 'name="rsvp"' not in content


def test_a_closed_missions_page_offers_no_form(client, invitation, admin, mission):
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    response = client.post(page(invitation), {"rsvp": "accepted"})

    assert response.status_code == 409
    assert 'name="rsvp"' not in response.content.decode()
    assert current(invitation).rsvp == "pending"


def test_the_page_is_not_cached_nor_indexed(client, invitation):
    response = client.get(page(invitation))

    assert "no-store" in response["Cache-Control"]
    assert 'name="robots" content="noindex' in response.content.decode()


def test_the_page_costs_a_handful_of_queries(client, invitation, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        client.get(page(invitation))

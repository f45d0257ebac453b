"""Choosing a language, and everything that follows it: pages, refusals, API errors, e-mails.

A signed-in person reads in their own ``language`` (saved by the switcher and the profile);
an anonymous visitor by the language cookie the switcher sets, else Accept-Language. E-mails
go out in the recipient's language whoever triggered them.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from icalendar import Calendar

from accounts.models import User
from accounts.services import invitation_send
from accounts.tokens import api_token_create
from stakeholders.models import ReminderDelivery
from stakeholders.reminders import reminder_message
from stakeholders.services import consultation_create, invitation_create
from tests.factories import ContactFactory, StakeholderFactory

TRANSLATED = ["fr", "ar"]
SWITCHER = 'class="language-switcher'


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        text = gettext(message)
    assert text != message, f"{message!r} has no {language} translation"
    return text


def test_every_page_offers_the_switcher_with_a_label_and_the_way_back(client, admin, mission):
    anonymous = client.get(reverse("account_login"))
    client.force_login(admin)
    dashboard = client.get(reverse("missions:detail", args=[mission.code]) + "?x=1")

    for response in (anonymous, dashboard):
        html = response.content.decode()
        assert SWITCHER in html
        assert f'action="{reverse("accounts:set-language")}"' in html
        assert '<label for="language-switcher-select"' in html
        assert 'lang="ar"' in html and "العربيّة" in html and "français" in html
    assert f'name="next" value="/missions/{mission.code}/?x=1"' in dashboard.content.decode()


def test_an_anonymous_visitor_switches_and_is_remembered_by_the_cookie(client, db):
    response = client.post(
        reverse("accounts:set-language"), {"language": "fr", "next": "/accounts/login/"}
    )

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert response.cookies["django_language"].value == "fr"
    assert response.cookies["django_language"]["max-age"] == 365 * 24 * 3600  # not just a session
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="fr" dir="ltr">' in page
    assert in_language("fr", "Sign in") in page


def test_a_signed_in_person_switches_and_their_language_is_saved(client, admin, mission):
    client.force_login(admin)

    client.post(reverse("accounts:set-language"), {"language": "ar", "next": "/missions/"})

    admin.refresh_from_db()
    assert admin.language == "ar"
    elsewhere = type(client)()  # another device: no cookie, an English browser
    elsewhere.force_login(admin)
    page = elsewhere.get("/missions/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert in_language("ar", "Missions") in page


def test_the_profile_s_language_takes_effect_on_the_next_page(client, admin):
    client.force_login(admin)

    response = client.post(
        reverse("accounts:profile"),
        {"save_profile": "1", "name": admin.name, "language": "fr"},
        follow=True,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert in_language("fr", "Your profile was saved.") in html


def test_an_unknown_language_changes_nothing(client, admin):
    client.force_login(admin)

    response = client.post(reverse("accounts:set-language"), {"language": "xx", "next": "/"})

    admin.refresh_from_db()
    assert admin.language == "en"
    assert "django_language" not in response.cookies


def test_the_switcher_only_posts(client, db):
    assert client.get(reverse("accounts:set-language")).status_code == 405


@pytest.mark.parametrize("language", TRANSLATED)
def test_accept_language_is_followed_until_one_signs_in(client, admin, language):
    anonymous = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}"' in anonymous

    client.force_login(admin)  # whose language is English
    signed_in = client.get("/missions/", HTTP_ACCEPT_LANGUAGE=language)
    assert '<html lang="en" dir="ltr">' in signed_in.content.decode()
    assert signed_in.headers["Content-Language"] == "en"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_refusal_page_is_in_the_persons_language(client, mission, partner, language):
    partner.language = language
    partner.save(update_fields=["language"])
    client.force_login(partner)

    response = client.get(reverse("missions:members", args=[mission.code]))

    assert response.status_code == 403
    html = response.content.decode()
    assert in_language(language, "Not allowed") in html
    assert "Not allowed" not in html


@pytest.mark.parametrize("language", TRANSLATED)
def test_api_errors_follow_accept_language_then_the_token_owner(client, partner, mission, language):
    anonymous = client.get("/api/v1/missions/", HTTP_ACCEPT_LANGUAGE=language)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] != "Authentication credentials were not provided."
    assert anonymous.headers["Content-Language"] == language

    partner.language = language
    partner.save(update_fields=["language"])
    _token, key = api_token_create(user=partner, name="script")
    refused = client.get(
        f"/api/v1/missions/{mission.code}/members/",
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 403
    with translation.override(language):
        expected = gettext(
            "Your role in this mission does not allow this. Roles that may: {roles}."
        )
    assert refused.json()["detail"].startswith(expected.split("{roles}")[0])
    assert refused.headers["Content-Language"] == language
    assert translation.get_language() == "en"  # the thread is left as it was found


@pytest.mark.parametrize("language", TRANSLATED)
@override_settings(SITE_URL="https://exitplan.example.org")
def test_the_member_invitation_is_in_the_new_members_language(mission, admin, language):
    invitee = User.objects.create_user(email="amina@example.org", name="Amina", language=language)

    invitation_send(user=invitee, mission=mission, invited_by=admin)

    (message,) = mail.outbox
    with translation.override(language):
        subject = gettext("You are invited to the exit plan of %(mission)s") % {
            "mission": mission.name
        }
    assert subject != f"You are invited to the exit plan of {mission.name}"
    assert subject in message.subject
    assert translation.get_language() == "en"


@pytest.mark.parametrize("language", TRANSLATED)
@override_settings(SITE_URL="https://exitplan.example.org")
def test_a_consultation_e_mail_and_its_calendar_speak_the_contacts_language(
    mission, admin, language
):
    contact = ContactFactory(
        stakeholder=StakeholderFactory(mission=mission), name="Idriss", language=language
    )
    starts = timezone.now() + datetime.timedelta(days=8)
    consultation = consultation_create(
        actor=admin,
        mission=mission,
        kind="meeting",
        title="Bunia",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    invitation = invitation_create(actor=admin, consultation=consultation, contact=contact)
    delivery = ReminderDelivery.objects.get(
        invitation=invitation, kind=ReminderDelivery.Kind.INVITATION
    )

    message = reminder_message(delivery)

    with translation.override(language):
        prefix = gettext("Invitation: %(title)s, %(when)s").split("%(title)s")[0]
        answer = gettext("Tell us whether you will take part (no sign-in needed):")
        local = timezone.localtime(starts, ZoneInfo(consultation.timezone))
        weekday = formats.date_format(local, "l")
    assert prefix != "Invitation: "
    assert message.subject.startswith(prefix)
    assert weekday in message.body
    (event,) = Calendar.from_ical(message.attachments[0].get_payload(decode=True)).events
    assert str(event["DESCRIPTION"]).startswith(answer)
    assert translation.get_language() == "en"


@pytest.mark.parametrize("language", TRANSLATED)
def test_dates_and_plurals_are_the_languages_own(client, admin, mission, language):
    admin.language = language
    admin.save(update_fields=["language"])
    client.force_login(admin)

    page = client.get(reverse("missions:history", args=[mission.code])).content.decode()

    with translation.override(language):
        now = timezone.localtime(timezone.now(), ZoneInfo(mission.timezone))
        day_and_month = formats.date_format(now, "MONTH_DAY_FORMAT")  # "26 novembre"
        days = ngettext("%(count)d day", "%(count)d days", 3) % {"count": 3}
    assert day_and_month in page  # the mission's creation, just now, as the language writes it
    assert days not in {"3 day", "3 days"}


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_the_permission_matrix_answers_the_same_in_every_language(
    client, mission, admin, partner, stranger, language
):
    """Anonymous → sign-in, stranger → 404, a role without the permission → 403, else 200."""
    url = reverse("missions:members", args=[mission.code])
    client.cookies["django_language"] = language
    assert client.get(url).status_code == 302
    statuses = {}
    for name, person in {"stranger": stranger, "partner": partner, "admin": admin}.items():
        person.language = language
        person.save(update_fields=["language"])
        client.force_login(person)
        response = client.get(url)
        statuses[name] = response.status_code
        assert response.headers["Content-Language"] == language
    assert statuses == {"stranger": 404, "partner": 403, "admin": 200}


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_server_error_page_is_translated_and_still_extends_nothing(language):
    from django.template.loader import get_template

    template = get_template("500.html")
    with translation.override(language):
        html = template.render()

    assert "{% extends" not in template.template.source
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in html
    assert in_language(language, "Something went wrong") in html


@pytest.fixture
def rsvp_url(mission, admin):
    contact = ContactFactory(stakeholder=StakeholderFactory(mission=mission), language="ar")
    starts = timezone.now() + datetime.timedelta(days=8)
    consultation = consultation_create(
        actor=admin,
        mission=mission,
        kind="meeting",
        title="Bunia",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
    )
    invitation = invitation_create(actor=admin, consultation=consultation, contact=contact)
    return reverse("stakeholders:rsvp", args=[invitation.token])


def test_the_rsvp_page_opens_in_the_invitee_s_language(client, rsvp_url):
    response = client.get(rsvp_url, HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="ar" dir="rtl">' in response.content.decode()
    assert response.headers["Content-Language"] == "ar"
    answered = client.post(rsvp_url, {"rsvp": "accepted"}, follow=True).content.decode()
    assert in_language("ar", "Thank you: your answer is recorded.") in answered


def test_the_rsvp_page_follows_a_language_the_reader_chose(client, rsvp_url):
    client.cookies["django_language"] = "fr"

    response = client.get(rsvp_url)

    assert '<html lang="fr" dir="ltr">' in response.content.decode()
    assert response.headers["Content-Language"] == "fr"

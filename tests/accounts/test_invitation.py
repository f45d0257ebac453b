"""The invitation e-mail: its link sets the new member's password, then they can sign in."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.services import invitation_send
from missions.services import member_add

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)")


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # allauth keeps failed sign-ins and used TOTP codes in the cache; the test settings' file
    # cache is shared with every other test run on the machine, so use one of our own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def invitee(db):
    user = User(email="fatou@example.org", name="Fatou")
    user.set_unusable_password()
    user.save()
    return user


def set_password_through(client, body):
    """Follow the e-mailed link and choose a password, as the invitee would."""
    form_page = client.get(LINK.search(body)[1], follow=True)
    return client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


@override_settings(SITE_URL="https://exitplan.example.org")
def test_invitation_link_lets_the_new_member_set_a_password_and_sign_in(
    client, invitee, mission, admin
):
    invitation_send(user=invitee, mission=mission, invited_by=admin)
    (message,) = mail.outbox
    assert message.to == ["fatou@example.org"]
    assert "MONUSCO (test)" in message.subject
    assert "https://exitplan.example.org/accounts/password/reset/key/" in message.body

    set_password_through(client, message.body)
    response = client.post(
        reverse("account_login"), {"login": "fatou@example.org", "password": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(invitee.pk)


def test_invitation_link_works_only_once(client, invitee, mission, admin, rf):
    invitation_send(user=invitee, mission=mission, invited_by=admin, request=rf.get("/"))
    set_password_through(client, mail.outbox[0].body)
    client.logout()

    response = client.get(LINK.search(mail.outbox[0].body)[1], follow=True)

    assert response.context["token_fail"]


def test_invitation_links_to_the_requests_host(invitee, mission, admin, rf):
    invitation_send(
        user=invitee, mission=mission, invited_by=admin, request=rf.get("/", secure=True)
    )

    assert "https://testserver/accounts/password/reset/key/" in mail.outbox[0].body


@override_settings(SITE_URL="")
def test_invitation_outside_a_request_needs_site_url(invitee, mission, admin):
    with pytest.raises(ImproperlyConfigured, match="SITE_URL"):
        invitation_send(user=invitee, mission=mission, invited_by=admin)


@override_settings(SITE_URL="https://exitplan.example.org")
def test_invitation_marks_the_address_verified(invitee, mission, admin):
    invitation_send(user=invitee, mission=mission, invited_by=admin)

    address = EmailAddress.objects.get(user=invitee)
    assert (address.email, address.verified, address.primary) == ("fatou@example.org", True, True)


@override_settings(SITE_URL="https://exitplan.example.org")
def test_invitation_is_written_in_the_new_members_language(invitee, mission, admin):
    invitee.language = "fr"
    invitee.save(update_fields=["language"])

    invitation_send(user=invitee, mission=mission, invited_by=admin)

    # The link's label as the French sign-in page shows it (allauth's translation).
    assert "Mot de passe oublié ?" in mail.outbox[0].body
    assert translation.get_language() == "en"


@override_settings(SITE_URL="https://exitplan.example.org")
def test_adding_a_new_address_as_member_sends_the_invitation(
    mission, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_add(actor=admin, mission=mission, email="Newcomer@Example.org", role="partner")

    assert [m.to for m in mail.outbox] == [["newcomer@example.org"]]

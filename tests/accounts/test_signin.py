"""Sign-in through allauth's real views: e-mail and password, lockout, closed sign-up, reset."""

import re
import runpy
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialLogin
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from accounts.adapters import SocialAccountAdapter
from accounts.models import User
from tests.factories import UserFactory

PASSWORD = "correct horse battery"
SETTINGS_FILE = Path(settings.BASE_DIR) / "exitplan" / "settings.py"


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # allauth keeps failed sign-ins and used TOTP codes in the cache; the test settings' file
    # cache is shared with every other test run on the machine, so use one of our own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def person(db):
    return UserFactory(email="amina@example.org", name="Amina")


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_it_signs_in_with_email_and_password(client, person):
    response = sign_in(client, "amina@example.org")

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(person.pk)


def test_it_signs_in_whatever_the_case_of_the_email(client, person):
    sign_in(client, "  Amina@EXAMPLE.org ")

    assert client.session["_auth_user_id"] == str(person.pk)


def test_wrong_password_shows_an_error(client, person):
    response = sign_in(client, "amina@example.org", "not the password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b'role="alert"' in response.content
    assert b"not correct" in response.content


def test_account_is_locked_after_five_failures_even_with_the_right_password(client, person):
    for _ in range(5):
        sign_in(client, "amina@example.org", "guess")

    response = sign_in(client, "amina@example.org")

    assert "_auth_user_id" not in client.session
    assert b"Try again later" in response.content


def test_signup_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a long new passphrase",
            "password2": "a long new passphrase",
        },
    )

    assert response.status_code == 200
    assert b"Sign Up Closed" in response.content
    assert not User.objects.filter(email="new@example.org").exists()


def test_anonymous_visit_to_an_account_page_redirects_to_sign_in(client, db):
    response = client.get(reverse("account_email"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=")


def test_sign_out_ends_the_session(client, person):
    client.force_login(person)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password(client, person):
    client.post(reverse("account_reset_password"), {"email": "amina@example.org"})
    assert [m.to for m in mail.outbox] == [["amina@example.org"]]
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+)", mail.outbox[0].body)

    form_page = client.get(link[1], follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "a brand new passphrase", "password2": "a brand new passphrase"},
    )

    person.refresh_from_db()
    assert person.check_password("a brand new passphrase")


def test_password_reset_email_is_in_the_recipients_language(client, person):
    person.language = "fr"
    person.save(update_fields=["language"])

    client.post(reverse("account_reset_password"), {"email": "amina@example.org"})

    assert mail.outbox[0].subject == "[exitplan] E-mail de réinitialisation de mot de passe"


def test_pages_follow_the_language_direction(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="ar")

    assert b'<html lang="ar" dir="rtl">' in response.content
    assert b'<main id="content"' in response.content


# OpenID Connect


def settings_with_env(monkeypatch, **env):
    """The settings module as it would load with these environment variables."""
    for name in ("OIDC_SERVER_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_oidc_provider_comes_from_the_environment(monkeypatch):
    loaded = settings_with_env(
        monkeypatch,
        OIDC_SERVER_URL="https://id.example.org/realms/un",
        OIDC_CLIENT_ID="exitplan",
        OIDC_CLIENT_SECRET="s3cret",
    )

    (app,) = loaded["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["provider_id"] == "organisation"
    assert app["name"] == "Organisation sign-in"
    assert app["settings"]["server_url"] == "https://id.example.org/realms/un"


def test_without_oidc_server_url_there_is_no_provider(monkeypatch):
    assert settings_with_env(monkeypatch)["SOCIALACCOUNT_PROVIDERS"] == {}


def test_oidc_without_client_id_stops_start_up(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="OIDC_CLIENT_ID"):
        settings_with_env(monkeypatch, OIDC_SERVER_URL="https://id.example.org")


@override_settings(
    SOCIALACCOUNT_PROVIDERS={
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "organisation",
                    "name": "UN sign-in",
                    "client_id": "exitplan",
                    "secret": "s3cret",
                    "settings": {"server_url": "https://id.example.org"},
                }
            ]
        }
    }
)
def test_oidc_provider_appears_on_the_sign_in_page(client, db):
    response = client.get(reverse("account_login"))

    assert b"UN sign-in" in response.content
    login_url = reverse("openid_connect_login", kwargs={"provider_id": "organisation"})
    assert f'action="{login_url}?process=login"'.encode() in response.content


def social_login(email, *, verified=True):
    return SocialLogin(
        user=User(email=email), email_addresses=[EmailAddress(email=email, verified=verified)]
    )


@override_settings(OIDC_SIGNUP_DOMAINS=["un.org"])
@pytest.mark.parametrize(
    ("email", "verified", "open"),
    [
        ("amina@un.org", True, True),
        ("Amina@UN.org", True, True),
        ("amina@un.org", False, False),
        ("amina@example.org", True, False),
        ("amina@evil-un.org", True, False),
    ],
)
def test_oidc_sign_up_is_open_only_to_verified_addresses_in_listed_domains(
    rf, email, verified, open
):
    adapter = SocialAccountAdapter(rf.get("/"))

    assert adapter.is_open_for_signup(rf.get("/"), social_login(email, verified=verified)) is open

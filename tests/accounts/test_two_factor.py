"""Two-factor sign-in (TOTP), and the rule that mission admins must use it when required."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.test import override_settings
from django.urls import reverse

from accounts.middleware import RequireTwoFactorForAdminsMiddleware
from stakeholders.reminders import beat_tick_record
from tests.factories import UserFactory

PASSWORD = "correct horse battery"
ACTIVATE_URL = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # allauth keeps failed sign-ins and used TOTP codes in the cache; the test settings' file
    # cache is shared with every other test run on the machine, so use one of our own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


# A tolerance of one period keeps the tests steady when a 30-second boundary falls between
# computing a code and checking it.
@override_settings(MFA_TOTP_TOLERANCE=1)
def test_a_user_activates_totp_and_sign_in_then_asks_for_the_code(client, db):
    person = UserFactory(email="omar@example.org")
    sign_in(client, "omar@example.org")
    # allauth asks for the password again before changing two-factor settings.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert Authenticator.objects.filter(user=person, type="totp").exists()
    client.post(reverse("account_logout"))

    response = sign_in(client, "omar@example.org")

    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


@override_settings(MFA_TOTP_TOLERANCE=1)
def test_a_wrong_code_does_not_sign_in(client, db):
    person = UserFactory(email="omar@example.org")
    TOTP.activate(person, generate_totp_secret())
    sign_in(client, "omar@example.org")

    response = client.post(reverse("mfa_authenticate"), {"code": "000000x"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# REQUIRE_2FA_FOR_ADMINS


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
@pytest.mark.parametrize("path", ["/", "/admin/", "/profile/"])
def test_mission_admin_without_totp_is_sent_to_totp_activation(client, admin, path):
    client.force_login(admin)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url == ACTIVATE_URL


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_htmx_requests_of_an_admin_without_totp_get_a_client_redirect(client, admin):
    client.force_login(admin)

    response = client.get("/", HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == ACTIVATE_URL


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
@pytest.mark.parametrize("path", ["/accounts/2fa/", "/accounts/email/", "/healthz"])
def test_sign_in_pages_and_health_check_stay_open_to_an_admin_without_totp(client, admin, path):
    beat_tick_record()  # /healthz answers 503 while the beat has not ticked
    client.force_login(admin)

    response = client.get(path)

    assert response.status_code == 200


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
@pytest.mark.parametrize("path", ["/f/no-such-token/", "/rsvp/no-such-token/"])
def test_public_links_answer_an_admin_without_totp_themselves(client, admin, path):
    """A feedback form's or an invitation's link answers, not the 2FA set-up (404: unknown)."""
    client.force_login(admin)

    response = client.get(path)

    assert response.status_code == 404
    assert ACTIVATE_URL not in response.get("Location", "")


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_admin_can_still_sign_out_without_totp(client, admin):
    client.force_login(admin)

    client.post(reverse("account_logout"))

    assert "_auth_user_id" not in client.session


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_mission_staff_member_is_not_sent_to_totp_activation(client, staff):
    client.force_login(staff)

    response = client.get("/")

    assert response.status_code == 302
    assert response.url != ACTIVATE_URL


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_admin_with_totp_is_not_sent_to_totp_activation(client, admin):
    TOTP.activate(admin, generate_totp_secret())
    client.force_login(admin)

    response = client.get("/")

    assert response.url != ACTIVATE_URL


@override_settings(REQUIRE_2FA_FOR_ADMINS=False)
def test_with_the_setting_off_admins_are_not_sent_to_totp_activation(client, admin):
    client.force_login(admin)

    response = client.get("/")

    assert response.url != ACTIVATE_URL


def run_middleware(rf, user):
    request = rf.get("/")
    request.user = user
    request._messages = CookieStorage(request)
    middleware = RequireTwoFactorForAdminsMiddleware(lambda request: HttpResponse())
    return middleware.process_view(request, lambda request: HttpResponse(), (), {})


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_the_check_costs_one_query(rf, admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = run_middleware(rf, admin)

    assert response.url == ACTIVATE_URL


@override_settings(REQUIRE_2FA_FOR_ADMINS=True)
def test_the_check_costs_nothing_for_anonymous_visitors(rf, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert run_middleware(rf, AnonymousUser()) is None


@override_settings(REQUIRE_2FA_FOR_ADMINS=False)
def test_the_check_costs_nothing_when_the_setting_is_off(rf, admin, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert run_middleware(rf, admin) is None

"""Personal API tokens: issued for e-mail and password, used as ``Authorization: Token``,
listed and revoked by their owner at /api/v1/me/tokens/, stored only as a SHA-256."""

import datetime
import hashlib

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from accounts.tokens import api_token_authenticate, api_token_create, api_token_revoke
from missions.models import Membership
from tests.factories import UserFactory

PASSWORD = "correct horse battery"  # the factories' password
TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
MY_TOKENS_URL = "/api/v1/me/tokens/"
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _private_cache(settings):
    # allauth counts failed sign-ins in the cache; the test settings' file cache is shared
    # with every other test run on the machine, so each test gets an empty one of its own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def person(db):
    return UserFactory(email="amina@example.org", name="Amina")


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def request_token(client, email, password=PASSWORD, **extra):
    return client.post(
        TOKEN_URL, {"email": email, "password": password, **extra}, content_type="application/json"
    )


def members_url(mission) -> str:
    return f"/api/v1/missions/{mission.code}/members/"


# POST /api/v1/auth/token/


def test_email_and_password_get_a_token_and_its_expiry(client, person):
    response = request_token(client, "amina@example.org")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert datetime.datetime.fromisoformat(body["expires_at"]) > timezone.now()


def test_the_email_may_be_given_in_any_case(client, person):
    response = request_token(client, "AMINA@Example.ORG")

    assert response.status_code == 201
    assert ApiToken.objects.get().user == person


def test_the_issued_token_signs_in_to_the_api_as_its_user(client, person):
    key = request_token(client, "amina@example.org").json()["token"]

    response = client.get(ME_URL, **auth(key))

    assert response.status_code == 200
    assert response.json()["email"] == "amina@example.org"


def test_only_the_sha256_of_the_key_is_stored(client, person):
    key = request_token(client, "amina@example.org").json()["token"]

    row = ApiToken.objects.values().get()
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert not any(key in str(value) for value in row.values())


def test_a_wrong_password_answers_400_problem_details(client, person):
    response = request_token(client, "amina@example.org", "not the password")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 400
    assert not ApiToken.objects.exists()


def test_an_unknown_address_answers_like_a_wrong_password(client, person):
    wrong_password = request_token(client, "amina@example.org", "not the password")
    unknown = request_token(client, "nobody@example.org")

    assert unknown.status_code == 400
    assert unknown.json()["detail"] == wrong_password.json()["detail"]


def test_after_five_failures_it_answers_429_with_retry_after_even_for_the_right_password(
    client, person
):
    failures = [request_token(client, "amina@example.org", "guess").status_code for _ in range(5)]

    response = request_token(client, "amina@example.org")

    assert failures == [400] * 5
    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert int(response["Retry-After"]) > 0
    assert not ApiToken.objects.exists()


def test_failures_count_together_whatever_the_case_of_the_email(client, person):
    cases = ["amina@example.org", "AMINA@example.org", "Amina@Example.org", "AMINA@EXAMPLE.ORG"]
    for email in [*cases, "amina@EXAMPLE.org"]:
        request_token(client, email, "guess")

    response = request_token(client, "amina@example.org")

    assert response.status_code == 429


def test_failures_through_the_api_lock_the_browser_sign_in_too(client, person):
    for _ in range(5):
        request_token(client, "amina@example.org", "guess")

    response = client.post(
        reverse("account_login"), {"login": "amina@example.org", "password": PASSWORD}
    )

    assert "_auth_user_id" not in client.session
    assert b"Try again later" in response.content


def test_an_account_with_two_factor_is_sent_to_the_browser_with_403(client, person):
    TOTP.activate(person, generate_totp_secret())

    response = request_token(client, "amina@example.org")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "browser" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_wrong_password_for_a_two_factor_account_does_not_reveal_two_factor(client, person):
    TOTP.activate(person, generate_totp_secret())

    response = request_token(client, "amina@example.org", "not the password")

    assert response.status_code == 400


def test_a_script_token_can_be_asked_for_as_read_only(client, person):
    key = request_token(client, "amina@example.org", read_only=True).json()["token"]

    response = client.patch(ME_URL, {"name": "X"}, content_type="application/json", **auth(key))

    assert response.status_code == 403


# Using a token


def test_missing_credentials_answer_401_asking_for_a_token(client, db):
    response = client.get(ME_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"] == PROBLEM


def test_an_unknown_key_answers_401(client, person):
    response = client.get(ME_URL, **auth("ep_not-a-real-key"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_answers_401_on_the_next_request(client, person):
    token, key = api_token_create(user=person, name="ci")
    assert client.get(ME_URL, **auth(key)).status_code == 200

    api_token_revoke(token=token)

    assert client.get(ME_URL, **auth(key)).status_code == 401


def test_an_expired_token_answers_401(client, person):
    token, key = api_token_create(
        user=person, name="ci", expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert client.get(ME_URL, **auth(key)).status_code == 401


def test_the_token_of_a_deactivated_account_answers_401(client, person):
    _, key = api_token_create(user=person, name="ci")
    person.is_active = False
    person.save(update_fields=["is_active"])

    assert client.get(ME_URL, **auth(key)).status_code == 401


def test_using_a_token_records_when_it_was_last_used(client, person):
    token, key = api_token_create(user=person, name="ci")
    before = timezone.now()

    client.get(ME_URL, **auth(key))

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert before <= token.last_used_at <= timezone.now()


def test_a_read_only_token_can_read(client, person):
    _, key = api_token_create(user=person, name="dashboard", read_only=True)

    response = client.get(ME_URL, **auth(key))

    assert response.status_code == 200


def test_a_read_only_token_gets_403_changing_the_profile_and_nothing_changes(client, person):
    _, key = api_token_create(user=person, name="dashboard", read_only=True)

    response = client.patch(
        ME_URL, {"name": "Changed"}, content_type="application/json", **auth(key)
    )

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    person.refresh_from_db()
    assert person.name == "Amina"


def test_a_read_only_token_of_an_admin_gets_403_adding_a_member(client, mission, admin):
    _, key = api_token_create(user=admin, name="dashboard", read_only=True)

    response = client.post(
        members_url(mission),
        {"email": "new@example.org", "role": "observer"},
        content_type="application/json",
        **auth(key),
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="new@example.org").exists()


def test_a_read_only_token_cannot_create_a_token_that_may_write(client, person):
    _, key = api_token_create(user=person, name="dashboard", read_only=True)

    response = client.post(
        MY_TOKENS_URL, {"name": "escalated"}, content_type="application/json", **auth(key)
    )

    assert response.status_code == 403
    assert ApiToken.objects.filter(user=person).count() == 1


def test_a_read_write_token_can_change_the_profile(client, person):
    _, key = api_token_create(user=person, name="script")

    response = client.patch(
        ME_URL, {"name": "Amina T."}, content_type="application/json", **auth(key)
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.name == "Amina T."


def test_a_staff_members_token_cannot_add_members_and_is_told_who_may(client, mission, staff):
    _, key = api_token_create(user=staff, name="script")

    response = client.post(
        members_url(mission),
        {"email": "new@example.org", "role": "observer"},
        content_type="application/json",
        **auth(key),
    )

    assert response.status_code == 403
    assert response.json()["allowed_roles"] == ["admin"]
    assert not Membership.objects.filter(user__email="new@example.org").exists()


def test_an_admins_token_adds_members(client, mission, admin, settings):
    settings.SITE_URL = "https://exitplan.example.org"
    _, key = api_token_create(user=admin, name="script")

    response = client.post(
        members_url(mission),
        {"email": "new@example.org", "role": "observer"},
        content_type="application/json",
        **auth(key),
    )

    assert response.status_code == 201
    assert Membership.objects.filter(mission=mission, user__email="new@example.org").exists()


# /api/v1/me/tokens/


def test_my_tokens_lists_only_my_own(client, person):
    api_token_create(user=person, name="mine")
    api_token_create(user=UserFactory(), name="someone else's")
    _, key = api_token_create(user=person, name="lister")

    response = client.get(MY_TOKENS_URL, **auth(key))

    assert response.status_code == 200
    assert [t["name"] for t in response.json()["results"]] == ["mine", "lister"]


def test_creating_a_token_returns_its_key_once(client, person):
    client.force_login(person)

    created = client.post(
        MY_TOKENS_URL, {"name": "etl", "read_only": True}, content_type="application/json"
    )
    listed = client.get(MY_TOKENS_URL)

    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith("ep_")
    assert (body["name"], body["read_only"]) == ("etl", True)
    assert ApiToken.objects.get(pk=body["id"]).key_hash == (
        hashlib.sha256(body["key"].encode()).hexdigest()
    )
    (item,) = listed.json()["results"]
    assert item["id"] == body["id"]
    assert "key" not in item
    assert body["key"] not in listed.content.decode()


def test_a_created_token_works(client, person):
    client.force_login(person)
    key = client.post(MY_TOKENS_URL, {"name": "etl"}, content_type="application/json").json()["key"]
    client.logout()

    response = client.get(ME_URL, **auth(key))

    assert response.status_code == 200
    assert response.json()["id"] == person.pk


def test_a_token_with_an_expiry_in_the_past_is_refused_and_not_created(client, person):
    client.force_login(person)

    response = client.post(
        MY_TOKENS_URL,
        {"name": "etl", "expires_at": "2001-01-01T00:00:00Z"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_is_bad_input_answered_400_on_the_field(client, person):
    client.force_login(person)

    response = client.post(
        MY_TOKENS_URL,
        {"name": "etl", "expires_at": "2001-01-01T00:00:00Z"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "expires_at" in response.json()["errors"]


def test_deleting_a_token_revokes_it_and_it_then_answers_401(client, person):
    token, key = api_token_create(user=person, name="old")
    client.force_login(person)

    response = client.delete(f"{MY_TOKENS_URL}{token.pk}/")

    assert response.status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(ME_URL, **auth(key)).status_code == 401


def test_a_revoked_token_stays_listed_as_revoked(client, person):
    token, _ = api_token_create(user=person, name="old")
    api_token_revoke(token=token)
    client.force_login(person)

    (item,) = client.get(MY_TOKENS_URL).json()["results"]

    assert item["revoked_at"] is not None


def test_deleting_someone_elses_token_answers_404_and_it_keeps_working(client, person):
    other = UserFactory()
    token, key = api_token_create(user=other, name="theirs")
    client.force_login(person)

    response = client.delete(f"{MY_TOKENS_URL}{token.pk}/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    token.refresh_from_db()
    assert token.revoked_at is None
    client.logout()
    assert client.get(ME_URL, **auth(key)).status_code == 200


def test_my_tokens_need_credentials(client, db):
    response = client.get(MY_TOKENS_URL)

    assert response.status_code == 401


# The token service


def test_a_key_carries_the_visible_prefix_and_is_different_each_time(person):
    _, first = api_token_create(user=person, name="a")
    _, second = api_token_create(user=person, name="b")

    assert first.startswith("ep_") and second.startswith("ep_")
    assert first != second


def test_a_token_cannot_be_made_already_expired(person):
    with pytest.raises(ValidationError):
        api_token_create(user=person, name="a", expires_at=timezone.now())

    assert not ApiToken.objects.exists()


def test_authenticate_finds_the_token_by_its_key_only(person):
    token, key = api_token_create(user=person, name="a")

    assert api_token_authenticate(key) == token
    assert api_token_authenticate(key + "x") is None


def test_last_used_at_is_written_at_most_once_a_minute(person):
    token, key = api_token_create(user=person, name="a")
    recent = timezone.now() - datetime.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)

    api_token_authenticate(key)

    token.refresh_from_db()
    assert token.last_used_at == recent


def test_last_used_at_moves_on_after_a_minute(person):
    token, key = api_token_create(user=person, name="a")
    old = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)

    api_token_authenticate(key)

    token.refresh_from_db()
    assert token.last_used_at > old


def test_revoking_twice_keeps_the_first_revocation_time(person):
    token, _ = api_token_create(user=person, name="a")
    api_token_revoke(token=token)
    first = ApiToken.objects.get(pk=token.pk).revoked_at

    api_token_revoke(token=ApiToken.objects.get(pk=token.pk))

    assert ApiToken.objects.get(pk=token.pk).revoked_at == first

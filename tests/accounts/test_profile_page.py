"""The profile page's API tokens: create one (its key shown once), see them listed, revoke."""

import hashlib
import re

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke
from tests.factories import UserFactory

PROFILE = "/profile/"
KEY = re.compile(r'<code class="token">([^<]+)</code>')


@pytest.fixture
def person(db):
    return UserFactory(email="amina@example.org", name="Amina")


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def create_token(client, **data):
    return client.post(PROFILE, {"create_token": "", "name": "laptop script", **data})


def revoke_url(token) -> str:
    return reverse("accounts:token-revoke", args=[token.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/profile/" in response["Location"]


def test_creating_a_token_shows_its_key_which_matches_the_stored_hash(signed_in, person):
    response = create_token(signed_in)

    assert response.status_code == 200
    (key,) = KEY.findall(response.content.decode())
    token = ApiToken.objects.get(user=person)
    assert token.name == "laptop script"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()


def test_the_key_shown_on_the_page_works_on_the_api(signed_in, client):
    key = KEY.search(create_token(signed_in).content.decode())[1]
    client.logout()

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200


def test_the_key_is_not_shown_again(signed_in):
    key = KEY.search(create_token(signed_in).content.decode())[1]

    html = signed_in.get(PROFILE).content.decode()

    assert key not in html
    assert not KEY.search(html)
    assert "laptop script" in html


def test_a_read_only_token_can_be_made_on_the_page(signed_in, person):
    create_token(signed_in, read_only="on")

    assert ApiToken.objects.get(user=person).read_only


def test_a_token_needs_a_name(signed_in, person):
    response = signed_in.post(PROFILE, {"create_token": "", "name": ""})

    assert response.status_code == 400
    assert not KEY.search(response.content.decode())
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_is_refused_with_a_message(signed_in, person):
    response = create_token(signed_in, expires_at="2001-01-01T00:00")

    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_page_lists_only_ones_own_tokens(signed_in, person):
    api_token_create(user=person, name="reporting job")
    api_token_create(user=UserFactory(), name="someone else's job")

    html = signed_in.get(PROFILE).content.decode()

    assert "reporting job" in html
    assert "someone else" not in html


def test_the_page_shows_a_revoked_token_as_revoked_without_a_revoke_button(signed_in, person):
    token, _ = api_token_create(user=person, name="old job")
    api_token_revoke(token=token)

    html = signed_in.get(PROFILE).content.decode()

    assert "Revoked" in html
    assert revoke_url(token) not in html


def test_revoking_a_token_on_the_page_stops_it_working(signed_in, client, person):
    token, key = api_token_create(user=person, name="old job")

    response = signed_in.post(revoke_url(token))

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_someone_elses_token_cannot_be_revoked_from_the_page(signed_in):
    theirs, _ = api_token_create(user=UserFactory(), name="theirs")

    response = signed_in.post(revoke_url(theirs))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_needs_a_post(signed_in, person):
    token, _ = api_token_create(user=person, name="old job")

    response = signed_in.get(revoke_url(token))

    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_anonymous_visitors_cannot_revoke_a_token(client, person):
    token, _ = api_token_create(user=person, name="old job")

    response = client.post(revoke_url(token))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is None

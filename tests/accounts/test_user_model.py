"""The user: signed in by an e-mail address that is unique whatever its case."""

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def new_user(email: str) -> User:
    user = User(email=email, name="Amadou Diallo")
    user.set_password("correct horse battery")
    return user


def test_an_email_differing_only_in_case_is_rejected_by_full_clean():
    UserFactory(email="amadou.diallo@example.org")

    with pytest.raises(ValidationError) as caught:
        new_user("Amadou.Diallo@EXAMPLE.org").full_clean()

    assert caught.value.message_dict == {
        NON_FIELD_ERRORS: ["A user with this e-mail address already exists."]
    }


def test_an_email_differing_only_in_case_is_rejected_by_the_database():
    UserFactory(email="amadou.diallo@example.org")

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        new_user("Amadou.Diallo@EXAMPLE.org").save()

    if connection.vendor == "postgresql":
        assert "user_email_unique_ci" in str(caught.value)
    assert User.objects.filter(email__iexact="amadou.diallo@example.org").count() == 1


def test_full_clean_stores_the_email_lower_cased():
    user = new_user("Awa.Traore@Example.ORG")

    user.full_clean()

    assert user.email == "awa.traore@example.org"


def test_create_user_stores_the_email_lower_cased():
    user = User.objects.create_user("Awa.Traore@Example.ORG", "correct horse battery")

    assert User.objects.get(pk=user.pk).email == "awa.traore@example.org"


def test_a_person_signs_in_with_their_email_in_any_case():
    user = User.objects.create_user("awa.traore@example.org", "correct horse battery")

    signed_in = authenticate(username="AWA.Traore@example.org", password="correct horse battery")

    assert signed_in == user


def test_create_user_refuses_a_missing_email():
    with pytest.raises(ValueError, match="e-mail address is required"):
        User.objects.create_user("", "correct horse battery")


def test_create_superuser_makes_a_site_administrator():
    user = User.objects.create_superuser("root@example.org", "correct horse battery")

    assert (user.is_staff, user.is_superuser) == (True, True)


def test_a_user_without_a_name_is_shown_by_their_email():
    assert str(User(email="awa.traore@example.org")) == "awa.traore@example.org"
    assert str(User(email="awa.traore@example.org", name="Awa Traoré")) == "Awa Traoré"

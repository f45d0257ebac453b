"""The public link of a feedback form: read it and answer it without an account."""

import datetime
import json

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.test import Client, override_settings
from django.utils import timezone

from accounts.tokens import api_token_create
from missions.services import record_update
from stakeholders.models import FeedbackForm, FeedbackSubmission, Question
from stakeholders.public import _known_links
from stakeholders.services import (
    feedback_form_close,
    feedback_form_create,
    feedback_form_publish,
    feedback_form_rotate_link,
)
from stakeholders.services.feedback import RECEIPT_ALPHABET
from tests.test_permission_matrix import PERSONAS, world  # noqa: F401 (a fixture)

PROBLEM = "application/problem+json"
JSON = "application/json"
QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel?", "required": True},
    {"kind": "single_choice", "label": "Were you consulted?", "choices": ["Yes", "No"]},
    {"kind": "multi_choice", "label": "Which services work?", "choices": ["Water", "Schools"]},
    {"kind": "text", "label": "Anything else?"},
]


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    _known_links.clear()
    yield
    cache.clear()


def make_form(mission, actor, *, publish=True, **fields):
    form = feedback_form_create(
        actor=actor, mission=mission, title="Town hall survey", questions=QUESTIONS, **fields
    )
    return feedback_form_publish(actor=actor, form=form) if publish else form


@pytest.fixture
def form(mission, admin):
    return make_form(mission, admin, intro="Tell us how it went.")


def link(form) -> str:
    return f"/api/v1/public/forms/{FeedbackForm.objects.get(pk=form.pk).public_token}/"


def ids(form) -> dict[str, str]:
    return {q.kind: str(q.pk) for q in Question.objects.filter(form=form)}


def good_answers(form) -> dict:
    q = ids(form)
    return {q["scale"]: 4, q["single_choice"]: "Yes", q["multi_choice"]: ["Water"]}


def post(client, form, **data):
    return client.post(link(form), data, content_type=JSON)


# Reading


def test_anyone_reads_a_published_form_without_an_account(client, form):
    response = client.get(link(form))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "title",
        "intro",
        "language",
        "allow_anonymous",
        "opens_at",
        "closes_at",
        "questions",
    }
    assert (body["title"], body["intro"], body["allow_anonymous"]) == (
        "Town hall survey",
        "Tell us how it went.",
        True,
    )
    assert [q["kind"] for q in body["questions"]] == [q["kind"] for q in QUESTIONS]
    assert set(body["questions"][0]) == {"id", "order", "kind", "label", "required", "choices"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_link_is_open_to_everyone_whatever_their_role(client, request, persona):
    """The matrix's personas, strangers and anonymous visitors alike: the token is the key."""
    w = request.getfixturevalue("world")
    alpha = w["missions"]["alpha"]["mission"]
    form = make_form(alpha, w["site_admin"])
    headers = {}
    if persona != "anonymous":
        _, key = api_token_create(user=w["people"][persona], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    read = client.get(link(form), **headers)
    answered = client.post(
        link(form), {"answers": good_answers(form)}, content_type=JSON, **headers
    )

    assert (read.status_code, answered.status_code) == (200, 201)
    assert FeedbackSubmission.objects.get().user is None


def test_credentials_are_neither_needed_nor_checked(client, form):
    response = client.get(link(form), HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_or_replaced_link_is_404(client, mission, admin, form, method):
    old = link(form)
    feedback_form_rotate_link(actor=admin, form=form)

    replaced = getattr(client, method)(old, {}, content_type=JSON)
    unknown = getattr(client, method)("/api/v1/public/forms/nope/", {}, content_type=JSON)

    for response in (replaced, unknown):
        assert response.status_code == 404
        assert response["Content-Type"] == PROBLEM
    assert "current link" in replaced.json()["detail"]


@pytest.mark.parametrize("state", ["draft", "closed", "not yet open", "past its closing"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_form_that_takes_no_answers_is_409_saying_why(client, mission, admin, state, method):
    now = timezone.now()
    fields = {
        "not yet open": {"opens_at": now + datetime.timedelta(days=2)},
        "past its closing": {
            "opens_at": now - datetime.timedelta(days=9),
            "closes_at": now - datetime.timedelta(days=2),
        },
    }.get(state, {})
    form = make_form(mission, admin, publish=state != "draft", **fields)
    if state == "closed":
        feedback_form_close(actor=admin, form=form)

    response = getattr(client, method)(
        link(form), {"answers": good_answers(form)}, content_type=JSON
    )

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    detail = response.json()["detail"]
    assert {
        "draft": "not published",
        "closed": "closed",
        "not yet open": "opens on",
        "past its closing": "closed on",
    }[state] in detail
    assert not FeedbackSubmission.objects.exists()


# Answering


def test_an_answer_is_stored_and_answered_with_a_receipt(client, form):
    q = ids(form)

    response = post(
        client,
        form,
        answers={**good_answers(form), q["text"]: "  More lights on the market road.  "},
        stakeholder_kind="community",
        name="Awa",
        organisation="Market women",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert list(body) == ["receipt"]
    submission = FeedbackSubmission.objects.get()
    assert body["receipt"] == submission.receipt
    assert len(submission.receipt) == 10 and set(submission.receipt) <= set(RECEIPT_ALPHABET)
    assert submission.answers == {
        **good_answers(form),
        q["text"]: "More lights on the market road.",
    }
    assert submission.stakeholder_kind == "community"
    assert submission.user is None
    # The form does not ask for a name (allow_anonymous), so none is kept.
    assert (submission.name, submission.organisation) == ("", "")


def test_a_posted_answer_needs_no_csrf_token(form):
    client = Client(enforce_csrf_checks=True)

    response = client.post(link(form), {"answers": good_answers(form)}, content_type=JSON)

    assert response.status_code == 201


def test_no_ip_address_is_stored_anywhere(client, form):
    address = "203.0.113.77"

    response = client.post(
        link(form),
        {"answers": good_answers(form)},
        content_type=JSON,
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR="198.51.100.5",
    )

    assert response.status_code == 201
    fields = FeedbackSubmission._meta.get_fields()
    assert not any(isinstance(f, models.GenericIPAddressField) for f in fields)
    assert {f.name for f in FeedbackSubmission._meta.concrete_fields} == {
        "id",
        "form",
        "submitted_at",
        "answers",
        "stakeholder_kind",
        "user",
        "name",
        "organisation",
        "receipt",
    }
    row = FeedbackSubmission.objects.values().get()
    assert address not in json.dumps(row, default=str)
    assert not any(address in key for key in cache_keys())


def cache_keys() -> list[str]:
    """Every key in the cache, whether it is the test run's local memory or a real Redis."""
    store = cache._cache
    if isinstance(store, dict):
        return [str(key) for key in store]
    return [key.decode() for key in store.get_client().keys("*")]


def test_a_filled_honeypot_gets_a_receipt_and_stores_nothing(client, form):
    response = post(client, form, answers=good_answers(form), website="http://spam.example")

    assert response.status_code == 201
    assert len(response.json()["receipt"]) == 10
    assert not FeedbackSubmission.objects.exists()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("scale", None, "needs an answer"),
        ("scale", 0, "whole number from 1 to 5"),
        ("scale", 6, "whole number from 1 to 5"),
        ("scale", 2.5, "whole number from 1 to 5"),
        ("scale", "3", "whole number from 1 to 5"),
        ("scale", True, "whole number from 1 to 5"),
        ("single_choice", "Maybe", "Choose one of: Yes, No"),
        ("single_choice", ["Yes"], "Choose one of"),
        ("multi_choice", ["Water", "Roads"], "Choose only from"),
        ("multi_choice", "Water", "list"),
        ("multi_choice", ["Water", "Water"], "once"),
        ("text", 42, "as text"),
        ("text", "x" * 5001, "under 5000"),
    ],
)
def test_a_bad_answer_is_400_keyed_by_its_question(client, form, kind, value, message):
    answers = good_answers(form)
    key = ids(form)[kind]
    answers[key] = value

    response = post(client, form, answers=answers)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert list(errors) == [f"answers.{key}"]
    assert message in " ".join(errors[f"answers.{key}"])
    assert not FeedbackSubmission.objects.exists()


def test_an_answer_to_a_question_the_form_does_not_have_is_400(client, form):
    response = post(client, form, answers={**good_answers(form), "999999": "Hello"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["answers.999999"]


def test_answers_must_be_an_object(client, form):
    response = post(client, form, answers=[4, "Yes"])

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["answers"]


def test_an_unknown_field_is_400_naming_it(client, form):
    response = post(client, form, answers=good_answers(form), email="awa@example.org")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["email"]
    assert not FeedbackSubmission.objects.exists()


def test_an_unknown_stakeholder_kind_is_400(client, form):
    response = post(client, form, answers=good_answers(form), stakeholder_kind="martians")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["stakeholder_kind"]


def test_a_form_without_anonymous_answers_needs_a_name_and_organisation(client, mission, admin):
    form = make_form(mission, admin, allow_anonymous=False)

    missing = post(client, form, answers=good_answers(form), name="  ")
    given = post(client, form, answers=good_answers(form), name="Awa", organisation="Market")

    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"name", "organisation"}
    assert given.status_code == 201
    stored = FeedbackSubmission.objects.get()
    assert (stored.name, stored.organisation) == ("Awa", "Market")


def test_a_closed_missions_forms_take_no_answers(client, mission, admin, form):
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    read = client.get(link(form))
    answered = post(client, form, answers=good_answers(form))

    assert (read.status_code, answered.status_code) == (409, 409)
    assert "mission is closed" in answered.json()["detail"]
    assert not FeedbackSubmission.objects.exists()


# Limits


def _rate(rate):
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public_form": rate}}
    )


def test_answers_are_throttled_per_client_with_retry_after(client, form):
    with _rate("2/hour"):
        accepted = [post(client, form, answers=good_answers(form)) for _ in range(2)]
        refused = post(client, form, answers=good_answers(form))
        still_readable = client.get(link(form))
        elsewhere = client.post(
            link(form), {"answers": good_answers(form)}, content_type=JSON, REMOTE_ADDR="10.9.8.7"
        )

    assert [r.status_code for r in accepted] == [201, 201]
    assert refused.status_code == 429
    assert refused["Content-Type"] == PROBLEM
    assert 3000 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["status"] == 429
    assert "try again later" in refused.json()["detail"]
    assert still_readable.status_code == 200
    assert elsewhere.status_code == 201
    assert FeedbackSubmission.objects.count() == 3


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(client, form):
    with _rate("1/hour"):
        first = post(client, form, answers=good_answers(form))
        forged = client.post(
            link(form),
            {"answers": good_answers(form)},
            content_type=JSON,
            HTTP_X_FORWARDED_FOR="192.0.2.200",
        )

    assert (first.status_code, forged.status_code) == (201, 429)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_a_body_over_the_limit_is_413_and_stores_nothing(client, form):
    answers = {**good_answers(form), ids(form)["text"]: "x" * 4000}

    response = post(client, form, answers=answers)

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 413
    assert not FeedbackSubmission.objects.exists()

"""The public page of a feedback form, /f/<token>/: no account, no script, any language.

Plain form posts as a phone without JavaScript sends them; the abuse limits (size,
throttle, honeypot) and the refusals are checked with what a visitor would see.
"""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from missions.services import record_update
from stakeholders.models import FeedbackSubmission
from stakeholders.services import (
    feedback_form_close,
    feedback_form_create,
    feedback_form_publish,
    feedback_form_rotate_link,
)
from stakeholders.services.feedback import RECEIPT_ALPHABET

QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel at the market?", "required": True},
    {"kind": "single_choice", "label": "Were you consulted?", "choices": ["Yes", "No"]},
    {"kind": "multi_choice", "label": "Which services work?", "choices": ["Water", "Schools"]},
    {"kind": "text", "label": "Anything else?"},
]
SIZES = [2, 20]
# The form with its mission, and its questions; nothing else (no session, no user).
PAGE_QUERIES = 2


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def make_form(mission, actor, *, questions=QUESTIONS, publish=True, **fields):
    fields.setdefault("title", "Town hall survey")
    form = feedback_form_create(actor=actor, mission=mission, questions=questions, **fields)
    return feedback_form_publish(actor=actor, form=form) if publish else form


@pytest.fixture
def form(mission, admin):
    return make_form(mission, admin, intro="Tell us how the town hall went.")


def link(form) -> str:
    form.refresh_from_db()
    return f"/f/{form.public_token}/"


def fields(form) -> dict[str, str]:
    return {q.kind: f"q{q.pk}" for q in form.questions.all()}


def good(form, **extra) -> dict:
    f = fields(form)
    return {f["scale"]: "4", f["single_choice"]: "Yes", f["multi_choice"]: ["Water"], **extra}


# Reading --------------------------------------------------------------------------------


def test_anyone_reads_the_form_without_an_account_and_without_script(client, form):
    response = client.get(link(form))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Town hall survey" in html and "Tell us how the town hall went." in html
    assert "<script" not in html
    assert "Sign in" not in html and "subnav" not in html  # no members' navigation
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'method="post"' in html and 'id="send-answers"' in html
    for q in form.questions.all():
        assert f'id="question-{q.pk}"' in html
    # No session, no CSRF cookie: nothing is set on the visitor's device by reading.
    assert not response.cookies


def test_the_honeypot_is_hidden_from_sight_keyboard_and_screen_readers(client, form):
    html = client.get(link(form)).content.decode()

    block = re.search(r'<div class="hp-field" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'name="website"' in block and 'tabindex="-1"' in block
    assert 'autocomplete="off"' in block


def test_an_arabic_form_is_right_to_left_in_arabic(client, mission, admin):
    form = make_form(mission, admin, language="ar", title="استبيان السوق")

    response = client.get(link(form), HTTP_ACCEPT_LANGUAGE="fr")

    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert response["Content-Language"] == "ar"
    assert 'dir="auto">استبيان السوق</h1>' in html


def test_a_french_form_is_in_french_whatever_the_visitors_language(client, mission, admin):
    form = make_form(mission, admin, language="fr")

    response = client.get(link(form), HTTP_ACCEPT_LANGUAGE="ar")

    assert '<html lang="fr" dir="ltr">' in response.content.decode()
    assert response["Content-Language"] == "fr"


@pytest.mark.parametrize("n", SIZES)
def test_page_queries_do_not_grow_with_questions(
    client, mission, admin, n, django_assert_num_queries
):
    questions = [
        {"kind": "single_choice", "label": f"Question {i}", "choices": ["A", "B", "C"]}
        for i in range(n)
    ]
    form = make_form(mission, admin, questions=questions)
    url = link(form)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(url)

    assert response.content.decode().count('type="radio"') == 3 * n


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_or_replaced_link_is_404_saying_so(client, admin, form, method):
    old = link(form)
    feedback_form_rotate_link(actor=admin, form=form)

    replaced = getattr(client, method)(old)
    unknown = getattr(client, method)("/f/no-such-token/")

    for response in (replaced, unknown):
        assert response.status_code == 404
        assert "it may have been replaced" in response.content.decode()
    assert not FeedbackSubmission.objects.exists()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("draft", "not published yet"),
        ("closed", "closed and no longer takes answers"),
        ("not yet open", "This form opens on"),
        ("past its closing", "This form closed on"),
        ("mission closed", "This mission is closed"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_form_that_takes_no_answers_refuses_with_a_clear_message(
    client, mission, admin, state, message, method
):
    now = timezone.now()
    dates = {
        "not yet open": {"opens_at": now + datetime.timedelta(days=2)},
        "past its closing": {
            "opens_at": now - datetime.timedelta(days=9),
            "closes_at": now - datetime.timedelta(days=2),
        },
    }.get(state, {})
    form = make_form(mission, admin, publish=state != "draft", **dates)
    if state == "closed":
        feedback_form_close(actor=admin, form=form)
    if state == "mission closed":
        record_update(actor=admin, instance=mission, data={"status": "closed"})

    response = getattr(client, method)(link(form), good(form) if method == "post" else None)

    html = response.content.decode()
    assert response.status_code == 409
    assert message in html
    assert 'id="send-answers"' not in html
    assert not FeedbackSubmission.objects.exists()


# Answering ------------------------------------------------------------------------------


def test_an_answer_without_script_redirects_to_its_receipt(client, form):
    f = fields(form)

    response = client.post(link(form), good(form, **{f["text"]: "  More lights, please.  "}))

    submission = FeedbackSubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/f/{form.public_token}/receipt/"
    receipt = client.get(response["Location"])
    html = receipt.content.decode()
    assert receipt.status_code == 200
    assert f'<code id="receipt-code">{submission.receipt}</code>' in html
    assert len(submission.receipt) == 10 and set(submission.receipt) <= set(RECEIPT_ALPHABET)
    # The receipt never travels in an address (servers log those).
    assert submission.receipt not in response["Location"]


def test_the_submission_holds_only_the_answers_and_the_receipt(client, form):
    f = fields(form)
    address = "203.0.113.77"

    client.post(
        link(form),
        good(form, **{f["text"]: "More lights."}),
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR="198.51.100.5",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14)",
    )

    row = FeedbackSubmission.objects.values().get()
    ids = {q.kind: str(q.pk) for q in form.questions.all()}
    assert row.pop("id") and row.pop("submitted_at")
    assert row == {
        "form_id": form.pk,
        "answers": {
            ids["scale"]: 4,
            ids["single_choice"]: "Yes",
            ids["multi_choice"]: ["Water"],
            ids["text"]: "More lights.",
        },
        "stakeholder_kind": "",
        "user_id": None,
        "name": "",
        "organisation": "",
        "receipt": row["receipt"],
    }
    dumped = json.dumps(FeedbackSubmission.objects.values().get(), default=str)
    assert address not in dumped and "Android" not in dumped
    assert not any(address in key for key in cache_keys())


def cache_keys() -> list[str]:
    """Every key in the cache, whether it is the test run's local memory or a real Redis."""
    store = cache._cache
    if isinstance(store, dict):
        return [str(key) for key in store]
    return [key.decode() for key in store.get_client().keys("*")]


def test_who_the_answer_is_for_is_kept_when_given(client, form):
    client.post(link(form), good(form, stakeholder_kind="community"))

    assert FeedbackSubmission.objects.get().stakeholder_kind == "community"


def test_a_signed_in_visitor_still_answers_anonymously(client, form, staff):
    client.force_login(staff)

    response = client.post(link(form), good(form))

    assert response.status_code == 302
    assert FeedbackSubmission.objects.get().user is None


def test_a_post_needs_no_csrf_token_or_cookie(form):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(link(form), good(form))

    assert response.status_code == 302
    assert FeedbackSubmission.objects.count() == 1


def test_a_filled_honeypot_gets_a_receipt_and_stores_nothing(client, form):
    response = client.post(link(form), good(form, website="http://spam.example"))

    receipt = client.get(response["Location"]).content.decode()
    assert response.status_code == 302
    assert re.search(r'<code id="receipt-code">[2-9A-Z]{10}</code>', receipt)
    assert not FeedbackSubmission.objects.exists()


def test_bad_answers_are_shown_beside_each_question_with_the_answers_kept(client, form):
    f = fields(form)
    scale, single = form.questions.get(kind="scale"), form.questions.get(kind="single_choice")
    data = {f["single_choice"]: "Maybe", f["multi_choice"]: ["Schools"], f["text"]: "Kept"}

    response = client.post(link(form), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="answer-errors"' in html
    scale_block = re.search(rf'id="question-{scale.pk}".*?</fieldset>', html, re.S).group(0)
    single_block = re.search(rf'id="question-{single.pk}".*?</fieldset>', html, re.S).group(0)
    assert "This question needs an answer." in scale_block
    assert f'aria-describedby="id_q{scale.pk}_errors"' in scale_block
    assert "Choose one of: Yes, No." in single_block
    assert re.search(r'value="Schools"[^>]*checked', html)
    assert "Kept</textarea>" in html
    assert not FeedbackSubmission.objects.exists()


def test_a_form_that_asks_who_answers_needs_a_name_and_organisation(client, mission, admin):
    form = make_form(mission, admin, allow_anonymous=False)

    missing = client.post(link(form), good(form, name="  ", organisation=""))
    given = client.post(link(form), good(form, name="Awa", organisation="Market women"))

    html = missing.content.decode()
    assert missing.status_code == 400
    assert "This form asks for your name." in html
    assert "This form asks for your organisation." in html
    assert given.status_code == 302
    stored = FeedbackSubmission.objects.get()
    assert (stored.name, stored.organisation) == ("Awa", "Market women")


def test_an_arabic_forms_errors_are_in_its_page_language(client, mission, admin):
    form = make_form(mission, admin, language="ar")

    response = client.post(link(form), {})

    html = response.content.decode()
    assert response.status_code == 400
    assert '<html lang="ar" dir="rtl">' in html


def test_the_receipt_page_without_the_cookie_shows_no_code(client, form):
    response = client.get(f"/f/{form.public_token}/receipt/")

    assert response.status_code == 200
    assert 'id="receipt-code"' not in response.content.decode()


def test_an_arabic_answer_at_full_length_fits_the_size_limit(client, mission, admin):
    form = make_form(mission, admin, questions=[{"kind": "text", "label": "?"}], language="ar")

    response = client.post(link(form), {fields(form)["text"]: "س" * 5000})

    assert response.status_code == 302
    assert FeedbackSubmission.objects.count() == 1


# Limits ---------------------------------------------------------------------------------


def test_a_body_larger_than_the_form_can_need_is_a_413_page_and_stores_nothing(client, form):
    f = fields(form)

    response = client.post(link(form), good(form, **{f["text"]: "x" * 300_000}))

    assert response.status_code == 413
    assert "longer than this form accepts" in response.content.decode()
    assert not FeedbackSubmission.objects.exists()


def _rate(rate):
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"public_form": rate}}
    )


def test_answers_are_throttled_per_client_with_a_429_page(client, form):
    with _rate("2/hour"):
        accepted = [client.post(link(form), good(form)) for _ in range(2)]
        refused = client.post(link(form), good(form))
        still_readable = client.get(link(form))
        elsewhere = client.post(link(form), good(form), REMOTE_ADDR="10.9.8.7")

    assert [r.status_code for r in accepted] == [302, 302]
    assert refused.status_code == 429
    assert 3000 < int(refused["Retry-After"]) <= 3600
    assert "Too many answers from your network" in refused.content.decode()
    assert still_readable.status_code == 200
    assert elsewhere.status_code == 302
    assert FeedbackSubmission.objects.count() == 3


def test_the_page_and_the_api_share_one_throttle(client, form):
    api_answers = {str(q.pk): 3 for q in form.questions.filter(kind="scale")}
    with _rate("1/hour"):
        by_api = client.post(
            f"/api/v1/public/forms/{form.public_token}/",
            {"answers": api_answers},
            content_type="application/json",
        )
        by_page = client.post(link(form), good(form))

    assert (by_api.status_code, by_page.status_code) == (201, 429)
    assert FeedbackSubmission.objects.count() == 1

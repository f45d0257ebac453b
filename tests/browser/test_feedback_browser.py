"""Feedback forms in a real browser: staff build and publish one; the public answer it on a
phone with JavaScript off; a closed form refuses; an Arabic form reads right to left."""

import pytest
from django.core.cache import cache

from stakeholders.models import FeedbackForm, FeedbackSubmission
from stakeholders.services import feedback_form_close, feedback_form_create, feedback_form_publish

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel at the market?", "required": True},
    {"kind": "single_choice", "label": "Were you consulted?", "choices": ["Yes", "No"]},
    {"kind": "text", "label": "Anything else?"},
]


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def phone_without_script(browser, live_server):
    """A phone-sized window with JavaScript disabled, as on a basic phone or a slow link."""
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def published_form(mission, actor, **fields):
    fields.setdefault("title", "Market survey")
    form = feedback_form_create(actor=actor, mission=mission, questions=QUESTIONS, **fields)
    return feedback_form_publish(actor=actor, form=form)


def test_staff_build_and_publish_a_form(new_page, mission, staff):
    page = new_page()
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/")
    page.get_by_role("link", name="Feedback", exact=True).click()
    page.locator("#new-feedback-form").click()

    page.get_by_label("Title").fill("Perception survey: Bunia")
    page.get_by_label("Language of the form").select_option("fr")
    page.locator("#id_questions-0-label").fill("Vous sentez-vous en sécurité au marché ?")
    page.locator("#id_questions-0-kind").select_option("scale")
    page.locator("#id_questions-0-required").check()
    page.locator("#add-question").click()
    page.locator("#id_questions-1-label").fill("Avez-vous été consulté ?")
    page.locator("#id_questions-1-kind").select_option("single_choice")
    page.locator("#id_questions-1-choices").fill("Oui\nNon")
    page.locator("#save-form").click()

    page.locator("#publish-form").click()
    page.locator("#form-status", has_text="Published").wait_for()

    form = FeedbackForm.objects.get()
    assert (form.status, form.language) == ("published", "fr")
    assert [q.label for q in form.questions.order_by("order")] == [
        "Vous sentez-vous en sécurité au marché ?",
        "Avez-vous été consulté ?",
    ]
    public_url = page.locator("#public-url").input_value()
    assert public_url.endswith(f"/f/{form.public_token}/")


def test_a_visitor_answers_on_a_phone_without_javascript_and_gets_a_receipt(
    phone_without_script, mission, admin
):
    form = published_form(mission, admin)
    scale = form.questions.get(kind="scale")
    page = phone_without_script

    page.goto(f"/f/{form.public_token}/")
    page.locator(f"#question-{scale.pk}").get_by_text("4", exact=True).click()
    page.get_by_label("Yes").check()
    page.get_by_label("Anything else?").fill("More light on the market road at night.")
    page.locator("#send-answers").click()
    page.wait_for_url("**/receipt/")

    submission = FeedbackSubmission.objects.get()
    assert page.locator("#receipt-code").inner_text() == submission.receipt
    assert submission.answers[str(scale.pk)] == 4
    assert submission.user is None


def test_the_public_form_fits_a_phone(new_page, mission, admin):
    form = published_form(mission, admin)
    page = new_page(PHONE)

    page.goto(f"/f/{form.public_token}/")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    button = page.locator("#send-answers").bounding_box()
    assert button["width"] > 300  # a full-width button, easy to tap


def test_a_closed_form_refuses_a_submission(phone_without_script, mission, admin):
    form = published_form(mission, admin)
    page = phone_without_script
    scale = form.questions.get(kind="scale")
    page.goto(f"/f/{form.public_token}/")
    page.locator(f"#question-{scale.pk}").get_by_text("2", exact=True).click()
    page.get_by_label("Yes").check()

    feedback_form_close(actor=admin, form=form)
    page.locator("#send-answers").click()
    page.locator(".public-refusal").wait_for()

    assert "closed and no longer takes answers" in page.locator("main").inner_text()
    assert page.locator("#send-answers").count() == 0
    assert not FeedbackSubmission.objects.exists()


def test_an_arabic_form_renders_right_to_left(new_page, mission, admin):
    form = published_form(
        mission,
        admin,
        title="استبيان حول الأمن في السوق",
        language="ar",
        intro="عشرة أسئلة، خمس دقائق.",
    )
    page = new_page(PHONE)

    page.goto(f"/f/{form.public_token}/")

    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    heading = page.locator("h1")
    assert heading.inner_text() == "استبيان حول الأمن في السوق"
    assert heading.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # Right to left: the send button's right edge sits at the page's right margin.
    main = page.locator("main").bounding_box()
    label = page.locator(".question legend").first.bounding_box()
    assert label["x"] + label["width"] > main["x"] + main["width"] - 40
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

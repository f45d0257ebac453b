"""Feedback results in Chromium: what staff and a liaison each see, and perception recorded.

The liaison's page runs with JavaScript off in a phone-sized window: the filters are a plain
GET form, so they work without it.
"""

import pytest

from assessments.selectors import mission_today
from missions.services import benchmark_create, membership_create, objective_create
from stakeholders.models import Question
from stakeholders.services import (
    feedback_form_create,
    feedback_form_publish,
    feedback_submission_create,
)

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

SECRET = "The water point in Mongbwalu has been broken since March"


@pytest.fixture
def benchmark(mission, admin):
    objective = objective_create(
        actor=admin, mission=mission, category="protection", title="Civilians feel protected"
    )
    return benchmark_create(
        actor=admin,
        objective=objective,
        code="perceived-safety",
        title="Perceived safety in Ituri",
        kind="rating",
    )


@pytest.fixture
def form(mission, admin, benchmark):
    form = feedback_form_create(
        actor=admin,
        mission=mission,
        title="Ituri community survey",
        questions=[
            {"kind": "scale", "label": "How safe do you feel?", "benchmark": benchmark.code},
            {"kind": "text", "label": "What should change?"},
        ],
    )
    return feedback_form_publish(actor=admin, form=form)


def answer(form, scale, kind, text=""):
    questions = {q.kind: q for q in Question.objects.filter(form=form)}
    answers = {str(questions["scale"].pk): scale}
    if text:
        answers[str(questions["text"].pk)] = text
    return feedback_submission_create(form=form, answers=answers, stakeholder_kind=kind)


def results_path(form):
    return f"/missions/{form.mission.code}/feedback/{form.pk}/results/"


def test_staff_read_the_written_answer_while_a_liaison_sees_only_figures(
    browser, live_server, new_page, form, staff, liaison
):
    for value in (2, 3, 3, 4, 5):
        answer(form, value, "community")
    answer(form, 1, "ngo", SECRET)

    staff_page = new_page()
    sign_in(staff_page, staff.email)
    staff_page.goto(results_path(form))
    assert staff_page.locator("#results-total").inner_text() == "6"
    assert SECRET in staff_page.locator("#written-answers").inner_text()

    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    try:
        page = context.new_page()
        sign_in(page, liaison.email)
        page.goto(results_path(form))
        assert page.locator("#results-total").inner_text() == "6"
        assert SECRET not in page.content()
        assert page.locator("#written-answers").count() == 0
        table = page.locator(".results-question", has_text="How safe do you feel?")
        assert "fewer than 5 answers" in table.inner_text()
        # Nothing on the page is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.select_option("#id_stakeholder_kind", "ngo")
        page.locator("#apply-filters").click()
        page.wait_for_url("**stakeholder_kind=ngo**")

        withheld = page.locator("#results-withheld")
        assert "Fewer than 5 answers match these filters" in withheld.inner_text()
        assert page.locator("#results-total").count() == 0
        assert page.locator(".results-question").count() == 0
        assert SECRET not in page.content()
    finally:
        context.close()


def test_staff_record_perception_and_the_benchmark_page_shows_the_score(
    new_page, form, staff, benchmark
):
    for value in (1, 2, 5):
        answer(form, value, "community")
    page = new_page()
    sign_in(page, staff.email)
    page.goto(results_path(form))

    page.select_option("#id_question", label="How safe do you feel? → perceived-safety")
    assert page.locator("#id_as_of").input_value() == mission_today(form.mission).isoformat()
    page.locator("#record-perception").click()
    page.wait_for_url("**recorded=**")

    recorded = page.locator("#perception-recorded").inner_text()
    assert "Recorded a rating of 2.25 for benchmark perceived-safety" in recorded
    assert "3 answers, mean 2.67" in recorded
    page.locator("#perception-benchmark-link").click()
    page.wait_for_url(f"**/benchmarks/{benchmark.pk}/")

    row = page.locator("table tbody tr").first.inner_text()
    assert "2.25" in row
    assert "3 answers, mean 2.67" in row
    assert "Survey" in row


def test_a_partner_sees_the_figures_but_cannot_record_perception(
    new_page, form, mission, site_admin
):
    from tests.factories import UserFactory

    partner = UserFactory(email="ngo.partner@example.org", name="NGO Partner")
    membership_create(actor=site_admin, mission=mission, user=partner, role="partner")
    for value in (3, 3, 3, 3, 3):
        answer(form, value, "community")
    page = new_page()
    sign_in(page, partner.email)

    page.goto(results_path(form))

    assert page.locator("#results-total").inner_text() == "5"
    assert "mean 3.00" in page.locator(".results-question").first.inner_text()
    assert page.locator("#record-perception").count() == 0

"""Answers through a public link the process keeps: as cheap as one INSERT, never less safe.

After an answer went through a link, the process keeps its form and questions, and the next
answer costs the INSERT alone; that INSERT checks the form again, so a kept form that has
closed, changed or moved since answers exactly as a fresh read would.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exitplan.errors import Conflict
from missions.services import record_update
from stakeholders import public
from stakeholders.models import FeedbackForm, FeedbackSubmission, Question
from stakeholders.services import (
    feedback_form_close,
    feedback_form_create,
    feedback_form_publish,
    feedback_form_rotate_link,
    feedback_form_update,
    feedback_submission_create,
)

JSON = "application/json"
QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel?", "required": True},
    {"kind": "single_choice", "label": "Were you consulted?", "choices": ["Yes", "No"]},
]


@pytest.fixture(autouse=True)
def nothing_kept():
    cache.clear()
    public._known_links.clear()
    yield
    public._known_links.clear()
    cache.clear()


@pytest.fixture
def form(mission, admin):
    form = feedback_form_create(
        actor=admin, mission=mission, title="Market survey", questions=QUESTIONS
    )
    return feedback_form_publish(actor=admin, form=form)


def link(form) -> str:
    return f"/api/v1/public/forms/{FeedbackForm.objects.get(pk=form.pk).public_token}/"


def answers(form) -> dict:
    scale, choice = Question.objects.filter(form=form).order_by("order", "id")
    return {str(scale.pk): 4, str(choice.pk): "Yes"}


def post(client, url, **data):
    return client.post(url, data, content_type=JSON)


@pytest.mark.django_db(transaction=True)
def test_a_second_answer_through_a_link_costs_one_insert(client, form):
    url, body = link(form), answers(form)
    first = post(client, url, answers=body)

    with CaptureQueriesContext(connection) as queries:
        second = post(client, url, answers=body)

    assert (first.status_code, second.status_code) == (201, 201)
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert FeedbackSubmission.objects.filter(form=form).count() == 2
    assert second.json()["receipt"] == FeedbackSubmission.objects.latest("id").receipt


def test_a_kept_form_closed_since_takes_no_answer(client, admin, form):
    url = link(form)
    assert post(client, url, answers=answers(form)).status_code == 201
    feedback_form_close(actor=admin, form=FeedbackForm.objects.get(pk=form.pk))

    refused = post(client, url, answers=answers(form))
    bot = post(client, url, answers=answers(form), website="http://spam.example")

    assert (refused.status_code, bot.status_code) == (409, 409)
    assert "closed" in refused.json()["detail"]
    assert FeedbackSubmission.objects.count() == 1


def test_a_kept_forms_closed_mission_takes_no_answer(client, admin, mission, form):
    url = link(form)
    assert post(client, url, answers=answers(form)).status_code == 201
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    refused = post(client, url, answers=answers(form))

    assert refused.status_code == 409
    assert "mission is closed" in refused.json()["detail"]
    assert FeedbackSubmission.objects.count() == 1


def test_a_kept_link_replaced_since_is_404_even_for_a_bad_body(client, admin, form):
    url = link(form)
    assert post(client, url, answers=answers(form)).status_code == 201
    feedback_form_rotate_link(actor=admin, form=FeedbackForm.objects.get(pk=form.pk))

    good = post(client, url, answers=answers(form))
    bad = post(client, url, answers=answers(form), email="awa@example.org")

    assert (good.status_code, bad.status_code) == (404, 404)
    assert "current link" in good.json()["detail"]
    assert FeedbackSubmission.objects.count() == 1


def test_a_kept_form_that_now_asks_who_answers_says_so(client, admin, form):
    url = link(form)
    assert post(client, url, answers=answers(form)).status_code == 201
    feedback_form_update(
        actor=admin, form=FeedbackForm.objects.get(pk=form.pk), data={"allow_anonymous": False}
    )

    anonymous = post(client, url, answers=answers(form))
    named = post(client, url, answers=answers(form), name="Awa", organisation="Market")

    assert anonymous.status_code == 400
    assert set(anonymous.json()["errors"]) == {"name", "organisation"}
    assert named.status_code == 201
    stored = FeedbackSubmission.objects.latest("id")
    assert (stored.name, stored.organisation) == ("Awa", "Market")


def test_an_answer_through_a_link_kept_from_before_an_edit_is_stored_once(client, admin, form):
    url = link(form)
    assert post(client, url, answers=answers(form)).status_code == 201
    feedback_form_update(
        actor=admin, form=FeedbackForm.objects.get(pk=form.pk), data={"title": "Market survey 2"}
    )

    response = post(client, url, answers=answers(form))

    assert response.status_code == 201
    assert FeedbackSubmission.objects.count() == 2


def test_bad_answers_through_a_kept_link_are_400_keyed_by_question(client, form):
    url = link(form)
    assert post(client, url, answers=answers(form)).status_code == 201
    bad = {**answers(form), str(Question.objects.filter(form=form).first().pk): 9}

    response = post(client, url, answers=bad)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"answers.{next(iter(bad))}"]
    assert FeedbackSubmission.objects.count() == 1


def test_the_process_keeps_a_bounded_number_of_links(client, mission, admin, monkeypatch):
    monkeypatch.setattr(public, "KNOWN_LINKS_MAX", 2)
    forms = [
        feedback_form_publish(
            actor=admin,
            form=feedback_form_create(
                actor=admin, mission=mission, title=f"Survey {i}", questions=QUESTIONS
            ),
        )
        for i in range(3)
    ]

    statuses = [post(client, link(f), answers=answers(f)).status_code for f in forms]

    assert statuses == [201, 201, 201]
    assert 0 < len(public._known_links) <= 2


def test_an_answer_checked_against_a_form_closed_meanwhile_is_not_stored(admin, form):
    """The race the INSERT's own check closes: the form was read open, then closed."""
    stale = FeedbackForm.objects.select_related("mission").get(pk=form.pk)
    feedback_form_close(actor=admin, form=FeedbackForm.objects.get(pk=form.pk))

    with pytest.raises(Conflict, match="closed"):
        feedback_submission_create(form=stale, answers=answers(form))

    assert not FeedbackSubmission.objects.exists()


def test_an_answer_checked_against_a_mission_closed_meanwhile_is_not_stored(admin, mission, form):
    stale = FeedbackForm.objects.select_related("mission").get(pk=form.pk)
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    with pytest.raises(Conflict, match="mission is closed"):
        feedback_submission_create(form=stale, answers=answers(form))

    assert not FeedbackSubmission.objects.exists()


def test_an_answer_through_a_link_replaced_meanwhile_is_not_stored(admin, form):
    stale = FeedbackForm.objects.select_related("mission").get(pk=form.pk)
    feedback_form_rotate_link(actor=admin, form=FeedbackForm.objects.get(pk=form.pk))

    with pytest.raises(Conflict):
        feedback_submission_create(form=stale, answers=answers(form), token=stale.public_token)

    assert not FeedbackSubmission.objects.exists()


@pytest.mark.django_db
def test_an_answer_through_a_link_replaced_meanwhile_says_the_link_is_gone(form, admin):
    """Sending again through the old link would find nothing: the refusal says so."""
    questions = list(Question.objects.filter(form=form).order_by("order", "id"))
    old_token = FeedbackForm.objects.get(pk=form.pk).public_token
    checked = FeedbackForm.objects.get(pk=form.pk)  # as read when the answer arrived
    feedback_form_rotate_link(actor=admin, form=FeedbackForm.objects.get(pk=form.pk))

    with pytest.raises(Conflict) as refused:
        feedback_submission_create(
            form=checked, answers=answers(form), questions=questions, token=old_token
        )

    assert "may have been replaced" in str(refused.value)
    assert not FeedbackSubmission.objects.filter(form=form).exists()

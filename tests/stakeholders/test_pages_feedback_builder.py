"""Feedback form pages: the list, the builder, preview, the actions, and partners' answers.

Data is built through the services; query counts are measured with 2 and with 20 forms or
questions and must be exactly the same.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from missions.models import AuditEvent, Benchmark
from missions.services import membership_create, plan_item_retire, record_update
from stakeholders.models import FeedbackForm, FeedbackSubmission, Question
from stakeholders.services import (
    feedback_form_close,
    feedback_form_create,
    feedback_form_publish,
    feedback_form_update,
    feedback_submission_create,
)
from tests.factories import BenchmarkFactory, ObjectiveFactory, StakeholderFactory, UserFactory

SIZES = [2, 20]
QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel at the market?", "required": True},
    {"kind": "single_choice", "label": "Were you consulted?", "choices": ["Yes", "No"]},
    {"kind": "multi_choice", "label": "Which services work?", "choices": ["Water", "Schools"]},
    {"kind": "text", "label": "Anything else?"},
]
# Session and user (2), the mission with the membership and grants (1), the session's save in
# a savepoint (3); the page's count and its forms with their answer counts (2).
LIST_QUERIES = 8
# The same start (6); the form with its answer count, its questions with their benchmarks (2).
DETAIL_QUERIES = 8
# The same start (6), the form and its questions (2), rating benchmarks for the editor (1).
EDIT_QUERIES = 9
# The same start (6), the form and its questions (2).
PREVIEW_QUERIES = 8
ANSWER_QUERIES = 8


def url(name, mission, *args):
    return reverse(f"missions:feedback-{name}", args=[mission.code, *args])


def make_form(mission, actor, *, questions=QUESTIONS, publish=False, **fields):
    fields.setdefault("title", "Perception survey: Bunia")
    form = feedback_form_create(actor=actor, mission=mission, questions=questions, **fields)
    return feedback_form_publish(actor=actor, form=form) if publish else form


def builder_data(*, rows=(), initial=0, **fields):
    """The builder's POST: the form's fields and one formset row per question."""
    data = {
        "title": "Perception survey: Bunia",
        "intro": "Five questions.",
        "language": "en",
        "opens_at": "",
        "closes_at": "",
        "allow_anonymous": "on",
        "questions-TOTAL_FORMS": str(len(rows)),
        "questions-INITIAL_FORMS": str(initial),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is True:
                value = "on"
            if value is False:
                continue
            data[f"questions-{i}-{key}"] = value
    return {k: v for k, v in data.items() if v is not None}


def rows_of(form):
    """The formset rows of a form's questions as the edit page shows them."""
    rows = []
    for i, q in enumerate(form.questions.order_by("order", "id")):
        rows.append(
            {
                "id": str(q.pk),
                "kind": q.kind,
                "label": q.label,
                "required": q.required,
                "choices": "\n".join(q.choices),
                "benchmark": q.benchmark.code if q.benchmark_id else "",
                "ORDER": str(i + 1),
            }
        )
    return rows


@pytest.fixture
def rating(mission):
    objective = ObjectiveFactory(mission=mission, category="protection")
    return BenchmarkFactory(
        objective=objective,
        code="bm-perceived-safety",
        title="Perceived safety",
        kind=Benchmark.Kind.RATING,
        baseline=None,
        target=None,
    )


@pytest.fixture
def ngo_partner(mission, site_admin):
    ngo = StakeholderFactory(mission=mission, name="Femmes de Bunia", kind="ngo")
    user = UserFactory(email="ngo@example.org", name="Ngo Partner")
    membership_create(actor=site_admin, mission=mission, user=user, role="partner", stakeholder=ngo)
    return user


# The list -------------------------------------------------------------------------------


def test_list_shows_status_dates_and_answer_counts_and_drafts_only_to_managers(
    client, mission, admin, staff, observer
):
    draft = make_form(mission, admin, title="Draft survey")
    published = make_form(
        mission,
        admin,
        title="Market survey",
        publish=True,
        closes_at=timezone.now() + datetime.timedelta(days=30),
    )
    feedback_submission_create(form=published, answers={str(published.questions.first().pk): 4})
    client.force_login(staff)

    staff_html = client.get(url("list", mission)).content.decode()
    client.force_login(observer)
    observer_html = client.get(url("list", mission)).content.decode()

    assert "Draft survey" in staff_html and "Market survey" in staff_html
    row = re.search(rf'id="feedback-form-{published.pk}".*?</tr>', staff_html, re.S).group(0)
    assert "Published" in row and '<td class="number">1</td>' in row and "<time" in row
    assert "New feedback form" in staff_html
    assert f'id="feedback-form-{draft.pk}"' not in observer_html
    assert "Market survey" in observer_html
    assert "New feedback form" not in observer_html


def test_list_has_an_empty_state(client, mission, staff, observer):
    client.force_login(staff)
    assert "No feedback forms yet" in client.get(url("list", mission)).content.decode()
    client.force_login(observer)
    assert "No feedback forms are published" in client.get(url("list", mission)).content.decode()


@pytest.mark.parametrize("n", SIZES)
def test_list_queries_do_not_grow_with_forms(
    client, mission, admin, staff, n, django_assert_num_queries
):
    for i in range(n):
        form = make_form(mission, admin, title=f"Survey {i}", publish=i % 2 == 0)
        if i % 2 == 0:
            feedback_submission_create(form=form, answers={str(form.questions.first().pk): 3})
    client.force_login(staff)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url("list", mission))

    assert response.content.decode().count('class="feedback-form-row"') == n


def test_list_is_paginated(client, mission, admin, staff):
    for i in range(27):
        make_form(mission, admin, title=f"Survey {i}", questions=QUESTIONS[:1])
    client.force_login(staff)

    first = client.get(url("list", mission)).content.decode()
    second = client.get(url("list", mission), {"page": 2}).content.decode()

    assert first.count('class="feedback-form-row"') == 25
    assert second.count('class="feedback-form-row"') == 2
    assert "Page 2 of 2" in second


# Building -------------------------------------------------------------------------------


def test_staff_build_a_form_with_every_kind_of_question(client, mission, staff, rating):
    client.force_login(staff)
    rows = [
        {"kind": "scale", "label": "How safe?", "required": True, "benchmark": rating.code},
        {"kind": "single_choice", "label": "Consulted?", "choices": "Yes\n No \n\n"},
        {"kind": "multi_choice", "label": "Services?", "choices": "Water\nSchools\nClinics"},
        {"kind": "text", "label": "Anything else?"},
        {"kind": "", "label": ""},  # the empty extra row: ignored
    ]

    response = client.post(
        url("new", mission),
        builder_data(rows=rows, language="fr", closes_at="2027-01-31T18:00"),
    )

    form = FeedbackForm.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", mission, form.pk)
    assert (form.status, form.language, form.allow_anonymous) == ("draft", "fr", True)
    # The time was typed in the mission's time zone (Africa/Kinshasa, UTC+1).
    assert form.closes_at == datetime.datetime(2027, 1, 31, 17, 0, tzinfo=datetime.UTC)
    questions = list(form.questions.order_by("order"))
    assert [(q.order, q.kind, q.label) for q in questions] == [
        (1, "scale", "How safe?"),
        (2, "single_choice", "Consulted?"),
        (3, "multi_choice", "Services?"),
        (4, "text", "Anything else?"),
    ]
    assert questions[0].required and questions[0].benchmark == rating
    assert questions[1].choices == ["Yes", "No"]
    assert AuditEvent.objects.filter(action="feedback_form.create", target_id=form.pk).exists()


def test_the_builder_page_offers_one_empty_question_row(client, mission, staff):
    client.force_login(staff)

    html = client.get(url("new", mission)).content.decode()

    assert html.count('class="card question-row"') == 1
    assert 'name="questions-0-kind"' in html and 'name="questions-0-ORDER"' in html
    assert 'id="add-question"' in html


def test_adding_a_question_without_script_keeps_what_was_typed_and_saves_nothing(
    client, mission, staff
):
    client.force_login(staff)
    rows = [{"kind": "text", "label": "First question"}]

    response = client.post(
        url("new", mission), {**builder_data(rows=rows, title=""), "add_question": "1"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert not FeedbackForm.objects.exists()
    assert html.count('class="card question-row"') == 2
    assert 'value="First question"' in html
    # Not validated yet: the empty title is not an error until the person saves.
    assert "errorlist" not in html and 'id="feedback-errors"' not in html


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required"),
        (
            {"opens_at": "2027-02-01T00:00", "closes_at": "2027-01-01T00:00"},
            None,
            "must close after it opens",
        ),
        ({"language": "xx"}, "language", "Select a valid choice"),
    ],
)
def test_bad_form_fields_are_400_beside_the_field_and_change_nothing(
    client, mission, staff, change, field, message
):
    client.force_login(staff)

    response = client.post(
        url("new", mission), builder_data(rows=[{"kind": "text", "label": "Q"}], **change)
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="feedback-errors"' in html
    assert not FeedbackForm.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"kind": "single_choice", "label": "Pick"}, "needs at least one choice"),
        ({"kind": "single_choice", "label": "Pick", "choices": "A\nA"}, "must be different"),
        ({"kind": "text", "label": "Say", "choices": "A"}, "leave this empty"),
        ({"kind": "text", "label": "Say", "benchmark": "bm-perceived-safety"}, "Only a scale"),
        ({"kind": "scale", "label": ""}, "This field is required"),
    ],
)
def test_a_bad_question_is_400_on_its_row_and_nothing_is_saved(
    client, mission, staff, rating, row, message
):
    client.force_login(staff)

    response = client.post(
        url("new", mission),
        builder_data(rows=[{"kind": "text", "label": "Fine question"}, row]),
    )

    html = response.content.decode()
    assert response.status_code == 400
    second_row = re.search(r'id="question-row-1".*?</li>', html, re.S).group(0)
    assert message in second_row
    assert not FeedbackForm.objects.exists()


def test_edit_reorders_changes_and_removes_questions_with_the_version(
    client, mission, admin, staff
):
    form = make_form(mission, admin)
    client.force_login(staff)
    rows = rows_of(form)
    rows[0]["ORDER"], rows[3]["ORDER"] = "4", "1"  # the text question first, the scale last
    rows[1]["label"] = "Were you consulted before the handover?"
    rows[2]["DELETE"] = True

    response = client.post(
        url("edit", mission, form.pk),
        builder_data(rows=rows, initial=4, title="Renamed", version=str(form.version)),
    )

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.title == "Renamed" and form.version == 2
    assert [(q.kind, q.label) for q in form.questions.order_by("order")] == [
        ("text", "Anything else?"),
        ("single_choice", "Were you consulted before the handover?"),
        ("scale", "How safe do you feel at the market?"),
    ]


def test_edit_page_shows_the_questions_in_the_editor(client, mission, admin, staff):
    form = make_form(mission, admin)
    client.force_login(staff)

    html = client.get(url("edit", mission, form.pk)).content.decode()

    # The four questions and one empty row to add a fifth.
    assert html.count('class="card question-row"') == 5
    assert 'value="How safe do you feel at the market?"' in html
    assert f'name="version" value="{form.version}"' in html


def test_a_stale_edit_is_412_says_so_and_changes_nothing(client, mission, admin, staff):
    form = make_form(mission, admin)
    rows = rows_of(form)
    feedback_form_update(actor=admin, form=form, data={"title": "Changed by the admin"})
    client.force_login(staff)

    response = client.post(
        url("edit", mission, form.pk),
        builder_data(rows=rows, initial=4, title="Mine", version="1"),
    )

    html = response.content.decode()
    assert response.status_code == 412
    assert "changed by someone else" in html
    assert 'value="Mine"' in html  # what the person typed is still there
    assert 'name="version" value="2"' in html  # saving again applies it knowingly
    form.refresh_from_db()
    assert form.title == "Changed by the admin" and form.version == 2


def test_a_published_form_edits_its_fields_but_not_its_questions(client, mission, admin, staff):
    form = make_form(mission, admin, publish=True)
    client.force_login(staff)

    page = client.get(url("edit", mission, form.pk)).content.decode()
    response = client.post(
        url("edit", mission, form.pk),
        builder_data(title="Extended survey", closes_at="2030-01-01T00:00", version="2"),
    )

    assert 'class="card question-row"' not in page
    assert "its questions no longer change" in page
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.title == "Extended survey" and form.questions.count() == 4


@pytest.mark.parametrize("n", SIZES)
def test_edit_page_queries_do_not_grow_with_questions(
    client, mission, admin, staff, rating, n, django_assert_num_queries
):
    questions = [
        {"kind": "scale", "label": f"Q{i}", "benchmark": rating.code if i % 2 else None}
        for i in range(n)
    ]
    form = make_form(mission, admin, questions=questions)
    client.force_login(staff)

    with django_assert_num_queries(EDIT_QUERIES):
        response = client.get(url("edit", mission, form.pk))

    assert response.content.decode().count('class="card question-row"') == n + 1


# One form, preview and actions ----------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_detail_page_queries_do_not_grow_with_questions(
    client, mission, admin, staff, rating, n, django_assert_num_queries
):
    questions = [
        {"kind": "scale", "label": f"Q{i}", "benchmark": rating.code if i % 2 else None}
        for i in range(n)
    ]
    form = make_form(mission, admin, questions=questions)
    client.force_login(staff)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(url("detail", mission, form.pk))

    html = response.content.decode()
    assert html.count("feeds benchmark bm-perceived-safety") == n // 2


def test_detail_shows_managers_the_absolute_public_link(client, mission, admin, staff, settings):
    settings.SITE_URL = "https://exitplan.example.org"
    form = make_form(mission, admin)
    client.force_login(staff)

    html = client.get(url("detail", mission, form.pk)).content.decode()

    link = f"https://exitplan.example.org/f/{form.public_token}/"
    assert f'value="{link}"' in html
    assert "It works once the form is published" in html


def test_without_site_url_the_public_link_comes_from_the_request(
    client, mission, admin, staff, settings
):
    settings.SITE_URL = ""
    form = make_form(mission, admin)
    client.force_login(staff)

    html = client.get(url("detail", mission, form.pk)).content.decode()

    assert f'value="http://testserver/f/{form.public_token}/"' in html


def test_observers_see_a_published_form_without_its_link_or_actions(
    client, mission, admin, observer
):
    form = make_form(mission, admin, publish=True)
    draft = make_form(mission, admin, title="Draft")
    client.force_login(observer)

    html = client.get(url("detail", mission, form.pk)).content.decode()
    draft_response = client.get(url("detail", mission, draft.pk))

    assert "How safe do you feel at the market?" in html
    assert form.public_token not in html
    assert 'id="publish-form"' not in html and 'id="rotate-link"' not in html
    assert draft_response.status_code == 404


@pytest.mark.parametrize("n", SIZES)
def test_preview_is_the_public_page_in_the_forms_language_and_cannot_be_sent(
    client, mission, admin, staff, n, django_assert_num_queries
):
    questions = [
        {"kind": "single_choice", "label": f"Q{i}", "choices": ["A", "B"]} for i in range(n)
    ]
    form = make_form(mission, admin, questions=questions, language="ar", title="استبيان")
    client.force_login(staff)

    with django_assert_num_queries(PREVIEW_QUERIES):
        response = client.get(url("preview", mission, form.pk))

    html = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "استبيان" in html and html.count('class="question"') >= n
    assert "<form" not in html and "disabled" in html
    assert "Preview" in html  # the banner, in the staff member's language


def test_publish_makes_a_draft_answerable(client, mission, admin, staff):
    form = make_form(mission, admin)
    client.force_login(staff)

    response = client.post(url("publish", mission, form.pk), {"version": form.version})

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.status == "published"


def test_publishing_a_form_without_questions_is_409_saying_why(client, mission, admin, staff):
    form = make_form(mission, admin, questions=[])
    client.force_login(staff)

    response = client.post(url("publish", mission, form.pk), {"version": form.version})

    assert response.status_code == 409
    assert "Add at least one question" in response.content.decode()
    form.refresh_from_db()
    assert form.status == "draft"


def test_a_stale_publish_is_412_and_changes_nothing(client, mission, admin, staff):
    form = make_form(mission, admin)
    feedback_form_update(actor=admin, form=form, data={"title": "Changed"})
    client.force_login(staff)

    response = client.post(url("publish", mission, form.pk), {"version": 1})

    assert response.status_code == 412
    assert "changed by someone else" in response.content.decode()
    form.refresh_from_db()
    assert form.status == "draft"


def test_close_asks_first_then_closes(client, mission, admin, staff):
    form = make_form(mission, admin, publish=True)
    client.force_login(staff)

    page = client.get(url("close", mission, form.pk)).content.decode()
    response = client.post(url("close", mission, form.pk), {"version": form.version})

    assert "Close this form?" in page and f'name="version" value="{form.version}"' in page
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.status == "closed"


def test_closing_a_draft_is_409_and_changes_nothing(client, mission, admin, staff):
    form = make_form(mission, admin)
    client.force_login(staff)

    response = client.post(url("close", mission, form.pk), {"version": form.version})

    assert response.status_code == 409
    assert "Only a published form can be closed" in response.content.decode()
    form.refresh_from_db()
    assert form.status == "draft"


def test_a_new_link_retires_the_old_one(client, mission, admin, staff):
    form = make_form(mission, admin, publish=True)
    old = form.public_token
    client.force_login(staff)

    page = client.get(url("rotate-link", mission, form.pk)).content.decode()
    response = client.post(url("rotate-link", mission, form.pk), {"version": form.version})

    assert "stops working at once" in page
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.public_token != old
    client.logout()
    assert client.get(f"/f/{old}/").status_code == 404
    assert client.get(f"/f/{form.public_token}/").status_code == 200


def test_a_stale_rotation_is_412_and_keeps_the_link(client, mission, admin, staff):
    form = make_form(mission, admin, publish=True)
    old = form.public_token
    client.force_login(staff)

    response = client.post(url("rotate-link", mission, form.pk), {"version": 1})

    assert response.status_code == 412
    form.refresh_from_db()
    assert form.public_token == old


def test_delete_asks_first_then_deletes_the_draft(client, mission, admin, staff):
    form = make_form(mission, admin)
    client.force_login(staff)

    page = client.get(url("delete", mission, form.pk)).content.decode()
    response = client.post(url("delete", mission, form.pk), {"version": form.version})

    assert "Delete this draft?" in page
    assert response.status_code == 302 and response["Location"] == url("list", mission)
    assert not FeedbackForm.objects.exists()


def test_a_form_with_answers_cannot_be_deleted(client, mission, admin, staff):
    form = make_form(mission, admin, publish=True)
    feedback_submission_create(form=form, answers={str(form.questions.first().pk): 2})
    client.force_login(staff)

    response = client.post(url("delete", mission, form.pk), {"version": form.version})

    assert response.status_code == 409
    assert "close it instead" in response.content.decode()
    assert FeedbackForm.objects.filter(pk=form.pk).exists()


def test_a_closed_mission_takes_no_changes(client, mission, admin, staff):
    form = make_form(mission, admin)
    record_update(actor=admin, instance=mission, data={"status": "closed"})
    client.force_login(staff)

    created = client.post(url("new", mission), builder_data(rows=[{"kind": "text", "label": "Q"}]))
    published = client.post(url("publish", mission, form.pk), {"version": form.version})
    listing = client.get(url("list", mission)).content.decode()

    assert (created.status_code, published.status_code) == (409, 409)
    assert FeedbackForm.objects.count() == 1
    assert "New feedback form" not in listing


# Partners answer signed in ----------------------------------------------------------------


def answers_data(form, **overrides):
    q = {question.kind: f"q{question.pk}" for question in form.questions.all()}
    data = {q["scale"]: "4", q["single_choice"]: "Yes", q["multi_choice"]: ["Water"]}
    data.update({q[kind]: value for kind, value in overrides.items()})
    return data


def test_a_partner_answers_as_themselves_and_gets_a_receipt(client, mission, admin, ngo_partner):
    form = make_form(mission, admin, publish=True)
    client.force_login(ngo_partner)

    response = client.post(
        url("answer", mission, form.pk), answers_data(form, text="More patrols at night")
    )

    submission = FeedbackSubmission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", mission, form.pk)
    assert submission.user == ngo_partner and submission.stakeholder_kind == "ngo"
    ids = {q.kind: str(q.pk) for q in form.questions.all()}
    assert submission.answers == {
        ids["scale"]: 4,
        ids["single_choice"]: "Yes",
        ids["multi_choice"]: ["Water"],
        ids["text"]: "More patrols at night",
    }
    followed = client.get(response["Location"]).content.decode()
    assert submission.receipt in followed


def test_a_partners_bad_answers_are_400_beside_each_question_and_kept(
    client, mission, admin, ngo_partner
):
    form = make_form(mission, admin, publish=True)
    client.force_login(ngo_partner)
    scale = form.questions.get(kind="scale")
    data = answers_data(form, text="Kept text")
    del data[f"q{scale.pk}"]

    response = client.post(url("answer", mission, form.pk), data)

    html = response.content.decode()
    assert response.status_code == 400
    block = re.search(rf'id="question-{scale.pk}".*?</fieldset>', html, re.S).group(0)
    assert "This question needs an answer." in block
    assert "Kept text</textarea>" in html
    assert re.search(r'value="Yes"[^>]*checked', html)
    assert not FeedbackSubmission.objects.exists()


def test_a_partner_cannot_answer_a_closed_form(client, mission, admin, ngo_partner):
    form = make_form(mission, admin, publish=True)
    feedback_form_close(actor=admin, form=form)
    client.force_login(ngo_partner)

    page = client.get(url("answer", mission, form.pk)).content.decode()
    response = client.post(url("answer", mission, form.pk), answers_data(form))

    assert "closed and no longer takes answers" in page and 'id="send-answers"' not in page
    assert response.status_code == 409
    assert not FeedbackSubmission.objects.exists()


@pytest.mark.parametrize("n", SIZES)
def test_answer_page_queries_do_not_grow_with_questions(
    client, mission, admin, ngo_partner, n, django_assert_num_queries
):
    questions = [
        {"kind": "multi_choice", "label": f"Q{i}", "choices": ["A", "B"]} for i in range(n)
    ]
    form = make_form(mission, admin, questions=questions, publish=True)
    client.force_login(ngo_partner)

    with django_assert_num_queries(ANSWER_QUERIES):
        response = client.get(url("answer", mission, form.pk))

    assert response.content.decode().count('type="checkbox"') == 2 * n


def test_a_partner_sees_the_answer_button_on_an_open_form_only(client, mission, admin, ngo_partner):
    open_form = make_form(mission, admin, publish=True)
    later = make_form(
        mission, admin, publish=True, opens_at=timezone.now() + datetime.timedelta(days=3)
    )
    client.force_login(ngo_partner)

    open_html = client.get(url("detail", mission, open_form.pk)).content.decode()
    later_html = client.get(url("detail", mission, later.pk)).content.decode()

    assert 'id="answer-form"' in open_html
    assert 'id="answer-form"' not in later_html and "This form opens on" in later_html
    assert Question.objects.count() == 8


def test_a_published_form_links_to_its_results_and_a_draft_does_not(
    client, mission, admin, staff, observer
):
    published = make_form(mission, admin, publish=True)
    draft = make_form(mission, admin, title="Draft")
    client.force_login(observer)
    observer_html = client.get(url("detail", mission, published.pk)).content.decode()
    client.force_login(staff)
    draft_html = client.get(url("detail", mission, draft.pk)).content.decode()

    assert f'href="{url("results", mission, published.pk)}" id="form-results"' in observer_html
    assert 'id="form-results"' not in draft_html


def test_a_draft_whose_scale_feeds_a_retired_benchmark_can_still_be_saved(
    client, mission, admin, staff, rating
):
    form = make_form(
        mission, admin, questions=[{"kind": "scale", "label": "Safe?", "benchmark": rating.code}]
    )
    plan_item_retire(actor=admin, instance=rating, version=rating.version)
    client.force_login(staff)

    response = client.post(
        url("edit", mission, form.pk),
        builder_data(rows=rows_of(form), initial=1, title="Renamed", version=str(form.version)),
    )

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.title == "Renamed"
    assert form.questions.get().benchmark == rating


@pytest.mark.parametrize(("action", "publish"), [("close", True), ("delete", False)])
def test_a_stale_close_or_delete_is_412_and_changes_nothing(
    client, mission, admin, staff, action, publish
):
    form = make_form(mission, admin, publish=publish)
    stale = form.version
    feedback_form_update(actor=admin, form=form, data={"title": "Changed meanwhile"})
    client.force_login(staff)

    response = client.post(url(action, mission, form.pk), {"version": stale})

    assert response.status_code == 412
    assert "changed by someone else" in response.content.decode()
    form.refresh_from_db()
    assert form.status == ("published" if publish else "draft")

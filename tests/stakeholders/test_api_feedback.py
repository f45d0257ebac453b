"""Feedback forms over the API: forms with their questions, actions, submissions, results.

Who may do what is the matrix at the end; the rest is what each request does.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tokens import api_token_create
from assessments.models import Assessment, Score
from assessments.selectors import mission_today
from assessments.services import readiness_figures
from missions.access import allowed_roles
from missions.models import AuditEvent, Membership
from missions.services import (
    benchmark_create,
    membership_update,
    objective_create,
    record_update,
)
from stakeholders.models import FeedbackForm, FeedbackSubmission, Question
from stakeholders.services import (
    feedback_form_close,
    feedback_form_create,
    feedback_form_publish,
    feedback_submission_create,
    stakeholder_create,
)
from tests.test_permission_matrix import PERSONAS, expected, world  # noqa: F401 (a fixture)

PROBLEM = "application/problem+json"
JSON = "application/json"


def url(mission, pk=None, tail="") -> str:
    base = f"/api/v1/missions/{mission.code}/feedback-forms/"
    return f"{base}{pk}/{tail}" if pk else base


def if_match(form) -> str:
    return f'"v{FeedbackForm.objects.get(pk=form.pk).version}"'


QUESTIONS = [
    {
        "kind": "scale",
        "label": "How safe do you feel at night?",
        "required": True,
        "benchmark": "bm-perception",
    },
    {"kind": "single_choice", "label": "Were you consulted?", "choices": ["Yes", "No"]},
    {
        "kind": "multi_choice",
        "label": "Which services work?",
        "choices": ["Water", "Schools", "Health"],
    },
    {"kind": "text", "label": "Anything else?"},
]


@pytest.fixture
def perception_benchmark(mission, admin):
    objective = objective_create(
        actor=admin, mission=mission, category="political", title="Trust in institutions"
    )
    return benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-perception",
        title="Perceived safety",
        kind="rating",
    )


def make_form(mission, actor, *, publish=True, questions=QUESTIONS, **fields):
    form = feedback_form_create(
        actor=actor, mission=mission, title="Community survey", questions=questions, **fields
    )
    if publish:
        form = feedback_form_publish(actor=actor, form=form)
    return form


@pytest.fixture
def form(mission, admin, perception_benchmark):
    """A published form: scale (feeds bm-perception), single choice, multi choice, text."""
    return make_form(mission, admin)


@pytest.fixture
def draft(mission, admin, perception_benchmark):
    return make_form(mission, admin, publish=False)


def questions_of(form) -> list[Question]:
    return list(Question.objects.filter(form=form).order_by("order", "id"))


def answer(form, *, scale=3, choice="Yes", services=("Water",), text="", kind="community"):
    q = {q.kind: q for q in questions_of(form)}
    answers = {str(q["scale"].pk): scale, str(q["single_choice"].pk): choice}
    if services:
        answers[str(q["multi_choice"].pk)] = list(services)
    if text:
        answers[str(q["text"].pk)] = text
    return feedback_submission_create(form=form, answers=answers, stakeholder_kind=kind)


@pytest.fixture
def api(client, admin):
    client.force_login(admin)
    return client


# Creating and reading forms


def test_staff_create_a_draft_form_with_its_questions(client, mission, staff, perception_benchmark):
    client.force_login(staff)

    response = client.post(
        url(mission),
        {"title": "Town hall follow-up", "language": "fr", "questions": QUESTIONS},
        content_type=JSON,
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"v1"'
    assert (body["status"], body["language"], body["allow_anonymous"]) == ("draft", "fr", True)
    assert [(q["kind"], q["order"], q["benchmark"]) for q in body["questions"]] == [
        ("scale", 0, "bm-perception"),
        ("single_choice", 1, None),
        ("multi_choice", 2, None),
        ("text", 3, None),
    ]
    assert body["questions"][2]["choices"] == ["Water", "Schools", "Health"]
    token = FeedbackForm.objects.get(pk=body["id"]).public_token
    assert body["public_url"] == f"http://testserver/api/v1/public/forms/{token}/"
    event = AuditEvent.objects.get(action="feedback_form.create", target_id=body["id"])
    assert [q["label"] for q in event.changes["questions"][1]] == [q["label"] for q in QUESTIONS]
    assert "public_token" not in event.changes


@pytest.mark.parametrize(
    ("question", "field", "message"),
    [
        ({"kind": "single_choice", "label": "Q"}, "choices", "at least one choice"),
        ({"kind": "multi_choice", "label": "Q", "choices": ["A", "A"]}, "choices", "different"),
        ({"kind": "text", "label": "Q", "choices": ["A"]}, "choices", "leave this empty"),
        ({"kind": "text", "label": "Q", "benchmark": "bm-perception"}, "benchmark", "scale"),
        ({"kind": "scale", "label": "Q", "benchmark": "bm-counted"}, "benchmark", "rating"),
        ({"kind": "scale", "label": "Q", "benchmark": "bm-nowhere"}, "benchmark", "No benchmark"),
        ({"label": "Q"}, "kind", "required"),
    ],
)
def test_a_bad_question_is_400_naming_the_item(
    api, mission, admin, perception_benchmark, question, field, message
):
    benchmark_create(
        actor=admin,
        objective=perception_benchmark.objective,
        code="bm-counted",
        title="Counted",
        kind="quantitative",
        baseline=0,
        target=10,
    )

    response = api.post(
        url(mission),
        {"title": "Survey", "questions": [{"kind": "text", "label": "Fine"}, question]},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert list(errors) == [f"questions[1].{field}"]
    assert message in " ".join(errors[f"questions[1].{field}"])
    assert not FeedbackForm.objects.exists()


def test_a_form_that_closes_before_it_opens_is_400(api, mission):
    response = api.post(
        url(mission),
        {
            "title": "Survey",
            "opens_at": "2026-12-10T00:00:00Z",
            "closes_at": "2026-12-01T00:00:00Z",
        },
        content_type=JSON,
    )

    assert response.status_code == 400
    assert "close after it opens" in str(response.json()["errors"])


def test_patch_with_questions_replaces_the_whole_set(api, mission, draft):
    scale, choice, multi, text = questions_of(draft)

    response = api.patch(
        url(mission, draft.pk),
        {
            "title": "Renamed",
            "questions": [
                {"id": choice.pk, "label": "Were you invited?", "order": 0},
                {"id": scale.pk},
                {"kind": "text", "label": "What should change?", "order": 5},
            ],
        },
        content_type=JSON,
        HTTP_IF_MATCH='"v1"',
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert response["ETag"] == '"v2"'
    assert [(q["label"], q["order"]) for q in body["questions"]] == [
        ("How safe do you feel at night?", 0),
        ("Were you invited?", 0),
        ("What should change?", 5),
    ]
    assert body["questions"][1]["choices"] == ["Yes", "No"]
    assert not Question.objects.filter(pk__in=[multi.pk, text.pk]).exists()
    assert Question.objects.get(pk=choice.pk).version == 2
    assert Question.objects.get(pk=scale.pk).version == 1
    event = AuditEvent.objects.filter(action="feedback_form.update").get()
    assert event.changes["title"] == ["Community survey", "Renamed"]
    before, after = event.changes["questions"]
    assert len(before) == 4 and len(after) == 3


def test_patch_without_questions_keeps_them(api, mission, draft):
    response = api.patch(
        url(mission, draft.pk), {"intro": "Tell us"}, content_type=JSON, HTTP_IF_MATCH='"v1"'
    )

    assert response.status_code == 200
    assert len(response.json()["questions"]) == 4
    assert response.json()["intro"] == "Tell us"


def test_a_question_id_of_another_form_is_400(api, mission, admin, draft):
    other = make_form(mission, admin, publish=False, questions=[{"kind": "text", "label": "X"}])

    response = api.patch(
        url(mission, draft.pk),
        {"questions": [{"id": questions_of(other)[0].pk, "label": "Mine now"}]},
        content_type=JSON,
        HTTP_IF_MATCH='"v1"',
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["questions[0].id"]
    assert Question.objects.filter(form=draft).count() == 4


def test_questions_of_a_published_form_are_409_and_nothing_changes(api, mission, form):
    response = api.patch(
        url(mission, form.pk),
        {"title": "Renamed", "questions": [{"kind": "text", "label": "New"}]},
        content_type=JSON,
        HTTP_IF_MATCH=if_match(form),
    )

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert "draft" in response.json()["detail"]
    assert FeedbackForm.objects.get(pk=form.pk).title == "Community survey"
    assert Question.objects.filter(form=form).count() == 4


def test_sending_a_published_forms_questions_back_unchanged_is_not_a_change(api, mission, form):
    current = api.get(url(mission, form.pk)).json()

    response = api.patch(
        url(mission, form.pk),
        {"title": "Renamed", "questions": current["questions"]},
        content_type=JSON,
        HTTP_IF_MATCH=if_match(form),
    )

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Renamed"
    assert response.json()["questions"] == current["questions"]


def test_status_is_read_only(api, mission, draft):
    response = api.patch(
        url(mission, draft.pk), {"status": "published"}, content_type=JSON, HTTP_IF_MATCH='"v1"'
    )

    assert response.status_code == 200
    assert FeedbackForm.objects.get(pk=draft.pk).status == "draft"


def test_a_stale_if_match_is_412_and_a_missing_one_428(api, mission, draft):
    stale = api.patch(
        url(mission, draft.pk), {"title": "X"}, content_type=JSON, HTTP_IF_MATCH='"v0"'
    )
    missing = api.patch(url(mission, draft.pk), {"title": "X"}, content_type=JSON)

    assert (stale.status_code, stale["ETag"]) == (412, '"v1"')
    assert missing.status_code == 428
    assert FeedbackForm.objects.get(pk=draft.pk).title == "Community survey"


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_members_see_published_forms_but_neither_drafts_nor_the_link(
    client, mission, form, draft, persona, request
):
    client.force_login(request.getfixturevalue(persona))

    listed = client.get(url(mission))
    hidden = client.get(url(mission, draft.pk))

    assert [f["id"] for f in listed.json()["results"]] == [form.pk]
    assert "public_url" not in listed.json()["results"][0]
    assert hidden.status_code == 404


def test_managers_list_drafts_too_filterable_by_status(api, mission, form, draft):
    everything = api.get(url(mission)).json()["results"]
    drafts = api.get(url(mission), {"status": "draft"}).json()["results"]

    assert [f["id"] for f in everything] == [form.pk, draft.pk]
    assert [f["id"] for f in drafts] == [draft.pk]


def test_a_draft_form_is_deleted_with_its_questions(api, mission, draft):
    response = api.delete(url(mission, draft.pk), HTTP_IF_MATCH='"v1"')

    assert response.status_code == 204
    assert not Question.objects.exists()
    assert AuditEvent.objects.filter(action="feedback_form.delete", target_id=draft.pk).exists()


def test_a_form_with_answers_cannot_be_deleted(api, mission, form):
    answer(form)

    response = api.delete(url(mission, form.pk), HTTP_IF_MATCH=if_match(form))

    assert response.status_code == 409
    assert "close it instead" in response.json()["detail"]
    assert FeedbackForm.objects.filter(pk=form.pk).exists()


def test_a_closed_missions_forms_are_read_only(api, mission, admin, draft):
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    response = api.patch(
        url(mission, draft.pk), {"title": "X"}, content_type=JSON, HTTP_IF_MATCH='"v1"'
    )

    assert response.status_code == 409


# Actions


def test_publish_then_close(api, mission, draft):
    published = api.post(url(mission, draft.pk, "publish/"), HTTP_IF_MATCH='"v1"')
    closed = api.post(url(mission, draft.pk, "close/"), HTTP_IF_MATCH='"v2"')

    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert published["ETag"] == '"v2"'
    assert (closed.status_code, closed.json()["status"], closed["ETag"]) == (200, "closed", '"v3"')
    assert list(
        AuditEvent.objects.filter(target_type="feedback_form", target_id=draft.pk)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["feedback_form.create", "feedback_form.publish", "feedback_form.close"]


def test_a_form_without_questions_cannot_be_published(api, mission, admin):
    empty = make_form(mission, admin, publish=False, questions=[])

    response = api.post(url(mission, empty.pk, "publish/"), HTTP_IF_MATCH='"v1"')

    assert response.status_code == 409
    assert "question" in response.json()["detail"]
    assert FeedbackForm.objects.get(pk=empty.pk).status == "draft"


@pytest.mark.parametrize(("action", "status"), [("publish/", "published"), ("close/", "draft")])
def test_a_transition_from_the_wrong_status_is_409(api, mission, admin, draft, action, status):
    if status == "published":
        feedback_form_publish(actor=admin, form=draft)

    response = api.post(url(mission, draft.pk, action), HTTP_IF_MATCH=if_match(draft))

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM


def test_actions_need_if_match(api, mission, draft):
    response = api.post(url(mission, draft.pk, "publish/"))

    assert response.status_code == 428
    assert FeedbackForm.objects.get(pk=draft.pk).status == "draft"


def test_rotating_the_link_retires_the_old_one(api, client, mission, form):
    old = f"/api/v1/public/forms/{form.public_token}/"

    response = api.post(url(mission, form.pk, "rotate-link/"), HTTP_IF_MATCH=if_match(form))

    assert response.status_code == 200
    new = FeedbackForm.objects.get(pk=form.pk).public_token
    assert new != form.public_token
    assert response.json()["public_url"].endswith(f"/api/v1/public/forms/{new}/")
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(f"/api/v1/public/forms/{new}/").status_code == 200
    event = AuditEvent.objects.get(action="feedback_form.rotate_link")
    assert form.public_token not in str(event.changes) and new not in str(event.changes)


# Community perception


def test_recording_perception_turns_answers_1_2_5_into_a_rating_of_2_25(
    api, mission, form, django_capture_on_commit_callbacks
):
    for value in (1, 2, 5):
        answer(form, scale=value)
    scale = questions_of(form)[0]

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(
            url(mission, form.pk, "record-perception/"),
            {"as_of": mission_today(mission).isoformat(), "question": scale.pk},
            content_type=JSON,
            HTTP_IF_MATCH=if_match(form),
        )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["method"], body["kind"]) == ("submitted", "survey", "political")
    assert response["ETag"] == f'"v{body["version"]}"'
    [score] = body["scores"]
    assert score["benchmark"] == "bm-perception"
    assert Decimal(score["rating"]) == Decimal("2.25")  # m = 8/3; 1 + 3 × (8/3 − 1) / 4
    assert score["evidence"] == "3 answers, mean 2.67"
    assert score["source"] == "Community survey"
    figures = readiness_figures(mission=mission, as_of=mission_today(mission))
    [benchmark] = [b for b in figures["benchmarks"] if b["code"] == "bm-perception"]
    assert Decimal(benchmark["latest"]["rating"]) == Decimal("2.25")
    assert benchmark["progress"] == pytest.approx(0.417)  # (2.25 − 1) / 3
    scheduled = [getattr(c, "func", c).__name__ for c in callbacks]
    assert "readiness_changed" in scheduled  # the stored figure is recomputed after commit


def test_perception_counts_the_answers_given_by_the_end_of_as_of(api, mission, form):
    early, late = answer(form, scale=5), answer(form, scale=1)
    FeedbackSubmission.objects.filter(pk=early.pk).update(
        submitted_at=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)
    )
    FeedbackSubmission.objects.filter(pk=late.pk).update(
        submitted_at=datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC)
    )

    response = api.post(
        url(mission, form.pk, "record-perception/"),
        {"as_of": "2026-03-01", "question": questions_of(form)[0].pk},
        content_type=JSON,
        HTTP_IF_MATCH=if_match(form),
    )

    assert response.status_code == 201, response.content
    assert Decimal(response.json()["scores"][0]["rating"]) == Decimal("4")
    assert response.json()["scores"][0]["evidence"] == "1 answer, mean 5.00"


def test_perception_without_answers_is_409_and_records_nothing(api, mission, form):
    response = api.post(
        url(mission, form.pk, "record-perception/"),
        {"as_of": "2026-06-30", "question": questions_of(form)[0].pk},
        content_type=JSON,
        HTTP_IF_MATCH=if_match(form),
    )

    assert response.status_code == 409
    assert not Assessment.objects.exists() and not Score.objects.exists()


@pytest.mark.parametrize("which", [1, 3])
def test_perception_of_a_question_that_feeds_no_benchmark_is_400(api, mission, form, which):
    answer(form, text="Fine")

    response = api.post(
        url(mission, form.pk, "record-perception/"),
        {"as_of": "2026-06-30", "question": questions_of(form)[which].pk},
        content_type=JSON,
        HTTP_IF_MATCH=if_match(form),
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["question"]


# Submissions


def subs_url(mission, form, pk=None) -> str:
    return f"{url(mission, form.pk)}submissions/" + (f"{pk}/" if pk else "")


def test_managers_read_submissions_newest_first_with_a_cursor(api, mission, form):
    made = [answer(form, scale=v) for v in (1, 2, 3)]

    response = api.get(subs_url(mission, form), {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert [s["id"] for s in body["results"]] == [made[2].pk, made[1].pk]
    rest = api.get(body["next"]).json()
    assert [s["id"] for s in rest["results"]] == [made[0].pk]
    assert set(body["results"][0]) == {
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


def test_submissions_filter_by_stakeholder_kind_and_moment(api, mission, form):
    ngo = answer(form, kind="ngo")
    community = answer(form, kind="community")
    FeedbackSubmission.objects.filter(pk=ngo.pk).update(
        submitted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )

    by_kind = api.get(subs_url(mission, form), {"stakeholder_kind": "ngo"}).json()["results"]
    after = api.get(subs_url(mission, form), {"submitted_after": "2026-06-01T00:00:00Z"})
    before = api.get(subs_url(mission, form), {"submitted_before": "2026-06-01T00:00:00Z"})
    updated = api.get(subs_url(mission, form), {"updated_after": "2026-06-01T00:00:00Z"})

    assert [s["id"] for s in by_kind] == [ngo.pk]
    assert [s["id"] for s in after.json()["results"]] == [community.pk]
    assert [s["id"] for s in before.json()["results"]] == [ngo.pk]
    assert [s["id"] for s in updated.json()["results"]] == [community.pk]


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_only_admins_and_staff_read_individual_submissions(client, mission, form, persona, request):
    submission = answer(form)
    client.force_login(request.getfixturevalue(persona))

    listed = client.get(subs_url(mission, form))
    one = client.get(subs_url(mission, form, submission.pk))

    for response in (listed, one):
        assert response.status_code == 403
        assert response.json()["allowed_roles"] == ["admin", "staff"]


@pytest.fixture
def ngo_partner(mission, admin, partner):
    ngo = stakeholder_create(actor=admin, mission=mission, name="Women's NGO", kind="ngo")
    membership = Membership.objects.get(mission=mission, user=partner)
    membership_update(actor=admin, membership=membership, stakeholder=ngo)
    return partner


def test_a_partner_answers_as_themselves_for_their_stakeholder(client, mission, form, ngo_partner):
    client.force_login(ngo_partner)
    scale = questions_of(form)[0]

    response = client.post(
        subs_url(mission, form), {"answers": {str(scale.pk): 4}}, content_type=JSON
    )

    assert response.status_code == 201, response.content
    submission = FeedbackSubmission.objects.get()
    assert (submission.user, submission.stakeholder_kind) == (ngo_partner, "ngo")
    assert submission.answers == {str(scale.pk): 4}
    assert response.json()["receipt"] == submission.receipt
    assert response.json()["user"] == {"id": ngo_partner.pk, "name": ngo_partner.name}


def test_a_partners_invalid_answer_is_400_keyed_by_question(client, mission, form, ngo_partner):
    client.force_login(ngo_partner)
    scale, choice, *_ = questions_of(form)

    response = client.post(
        subs_url(mission, form),
        {"answers": {str(scale.pk): 9, str(choice.pk): "Maybe"}},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {f"answers.{scale.pk}", f"answers.{choice.pk}"}
    assert not FeedbackSubmission.objects.exists()


def test_a_partner_gets_409_for_a_closed_form_and_404_for_a_draft(
    client, mission, admin, form, draft, ngo_partner
):
    feedback_form_close(actor=admin, form=form)
    client.force_login(ngo_partner)
    answers = {"answers": {str(questions_of(form)[0].pk): 3}}

    closed = client.post(subs_url(mission, form), answers, content_type=JSON)
    hidden = client.post(subs_url(mission, draft), answers, content_type=JSON)

    assert closed.status_code == 409
    assert "closed" in closed.json()["detail"]
    assert hidden.status_code == 404
    assert not FeedbackSubmission.objects.exists()


# Results


def results(client, mission, form, **params):
    response = client.get(url(mission, form.pk, "results/"), params)
    assert response.status_code == 200, response.content
    return response.json()


def by_kind(body) -> dict:
    return {q["kind"]: q for q in body["questions"]}


def test_results_count_choices_and_scales_in_full_for_managers(api, mission, form):
    answer(form, scale=1, choice="Yes", services=["Water", "Health"], text="More patrols")
    answer(form, scale=2, choice="No", services=["Water"], text="Street lights")
    answer(form, scale=5, choice="Yes", services=[])

    body = results(api, mission, form)

    assert (body["form"], body["total"], body["withheld"]) == (form.pk, 3, False)
    q = by_kind(body)
    assert q["single_choice"]["choices"] == [
        {"choice": "Yes", "count": 2, "withheld": False},
        {"choice": "No", "count": 1, "withheld": False},
    ]
    assert q["multi_choice"]["count"] == 2
    assert [(c["choice"], c["count"]) for c in q["multi_choice"]["choices"]] == [
        ("Water", 2),
        ("Schools", 0),
        ("Health", 1),
    ]
    assert q["scale"]["distribution"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1}
    assert q["scale"]["mean"] == pytest.approx(2.667)
    assert (q["text"]["count"], q["text"]["answers"]) == (2, ["Street lights", "More patrols"])


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_results_withhold_everything_under_five_answers_from_non_managers(
    client, mission, form, persona, request
):
    for value in (1, 2, 3, 4):
        answer(form, scale=value)
    client.force_login(request.getfixturevalue(persona))

    body = results(client, mission, form)

    assert (body["total"], body["withheld"]) == (None, True)
    for question in body["questions"]:
        assert question["withheld"] is True
        assert question["count"] is None
    assert by_kind(body)["scale"]["distribution"] is None
    assert by_kind(body)["scale"]["mean"] is None


def test_results_from_five_answers_show_only_groups_of_five_or_more(
    client, mission, form, observer
):
    for value in (1, 2, 3, 4, 5):
        few = value < 3
        answer(form, scale=value, services=["Water"] if few else [], text="Secret" if few else "")
    client.force_login(observer)

    body = results(client, mission, form)

    q = by_kind(body)
    assert (body["total"], body["withheld"]) == (5, False)
    assert (q["scale"]["count"], q["scale"]["mean"]) == (5, 3.0)
    assert q["scale"]["distribution"] == dict.fromkeys(["1", "2", "3", "4", "5"])
    assert q["single_choice"]["choices"] == [
        {"choice": "Yes", "count": 5, "withheld": False},
        {"choice": "No", "count": None, "withheld": True},
    ]
    assert (q["multi_choice"]["withheld"], q["multi_choice"]["choices"]) == (True, None)
    assert q["text"]["withheld"] is True
    assert "answers" not in q["text"]


def test_results_withhold_a_filtered_group_under_five(client, mission, form, observer):
    for _ in range(5):
        answer(form, kind="community")
    answer(form, kind="ngo")
    client.force_login(observer)

    community = results(client, mission, form, stakeholder_kind="community")
    ngo = results(client, mission, form, stakeholder_kind="ngo")

    assert community["total"] == 5
    assert (ngo["total"], ngo["withheld"]) == (None, True)


def test_results_filters_by_moment_for_managers(api, mission, form):
    old = answer(form, scale=1)
    answer(form, scale=5)
    FeedbackSubmission.objects.filter(pk=old.pk).update(
        submitted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )

    before = results(api, mission, form, submitted_before="2026-02-01T00:00:00Z")

    assert before["total"] == 1
    assert by_kind(before)["scale"]["distribution"]["1"] == 1


def test_a_bad_results_filter_is_400(api, mission, form):
    response = api.get(url(mission, form.pk, "results/"), {"submitted_after": "last week"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["submitted_after"]


@pytest.mark.parametrize("pk", ["²", "x1", "99999999999999999999"])
def test_a_form_id_that_is_no_number_is_404_not_500(api, mission, form, pk):
    response = api.get(f"/api/v1/missions/{mission.code}/feedback-forms/{pk}/results/")

    assert response.status_code == 404


def test_results_read_the_form_id_as_its_detail_does(api, mission, form):
    """Django reads any Unicode digits as a number: "١" (Arabic-Indic one) names form 1 in
    the detail and in the results alike, with the form's questions."""
    arabic = "".join(chr(0x0660 + int(d)) for d in str(form.pk))
    detail = api.get(f"/api/v1/missions/{mission.code}/feedback-forms/{arabic}/")
    results = api.get(f"/api/v1/missions/{mission.code}/feedback-forms/{arabic}/results/")

    assert detail.status_code == results.status_code == 200
    assert results.json() == api.get(url(mission, form.pk, "results/")).json()


# Constant number of queries


def count_queries(client, path) -> int:
    """Queries of one GET, leaving out the session's own (read, and saved on every request)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return sum("django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"] for q in queries)


def test_the_form_list_costs_the_same_for_2_and_20_forms(api, mission, admin, form):
    make_form(mission, admin, publish=False)
    few = count_queries(api, url(mission))
    for _ in range(18):
        make_form(mission, admin, publish=False)

    many = count_queries(api, url(mission))

    assert few == many <= 7  # user, access (3), count, forms, questions


def test_the_submission_list_costs_the_same_for_2_and_20_submissions(
    api, mission, form, ngo_partner
):
    for _ in range(2):
        feedback_submission_create(
            form=form,
            answers={str(questions_of(form)[0].pk): 3},
            user=ngo_partner,
            membership=Membership.objects.get(user=ngo_partner, mission=mission),
        )
    few = count_queries(api, subs_url(mission, form))
    for _ in range(18):
        answer(form)

    many = count_queries(api, subs_url(mission, form))

    assert few == many <= 6  # user, access (3), form, submissions


@pytest.mark.parametrize("persona", ["admin", "observer"])
def test_results_cost_the_same_for_2_and_20_submissions(
    client, mission, form, observer, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    for _ in range(2):
        answer(form, text="Hello")
    few = count_queries(client, url(mission, form.pk, "results/"))
    for _ in range(18):
        answer(form, text="Hello")

    many = count_queries(client, url(mission, form.pk, "results/"))

    assert few == many <= 7  # user, access (3), questions with their form, the results


# The permission matrix (tests/test_permission_matrix.py's world: mission alpha)

ALPHA = "/api/v1/missions/alpha/feedback-forms/"


@pytest.fixture
def alpha(request):
    """The matrix world with a draft and a published form (answered once) in alpha."""
    w = request.getfixturevalue("world")
    mission = w["missions"]["alpha"]["mission"]
    objective = objective_create(
        actor=w["site_admin"], mission=mission, category="security", title="Safety"
    )
    benchmark_create(
        actor=w["site_admin"], objective=objective, code="bm-perception", title="P", kind="rating"
    )
    w["draft"] = make_form(mission, w["site_admin"], publish=False)
    w["form"] = make_form(mission, w["site_admin"])
    w["scale"] = questions_of(w["form"])[0]
    answer(w["form"])
    return w


def _answers(w):
    return {"answers": {str(w["scale"].pk): 4}}


MATRIX = [
    # (name, permission, method, path, payload, success, hidden from those without perm)
    ("list", "view_mission", "get", lambda w: ALPHA, None, 200, False),
    (
        "read published",
        "view_mission",
        "get",
        lambda w: f"{ALPHA}{w['form'].pk}/",
        None,
        200,
        False,
    ),
    ("read draft", "manage_feedback", "get", lambda w: f"{ALPHA}{w['draft'].pk}/", None, 200, True),
    ("create", "manage_feedback", "post", lambda w: ALPHA, lambda w: {"title": "New"}, 201, False),
    (
        "change",
        "manage_feedback",
        "patch",
        lambda w: f"{ALPHA}{w['draft'].pk}/",
        lambda w: {"title": "Renamed"},
        200,
        False,
    ),
    ("delete", "manage_feedback", "delete", lambda w: f"{ALPHA}{w['draft'].pk}/", None, 204, False),
    (
        "publish",
        "manage_feedback",
        "post",
        lambda w: f"{ALPHA}{w['draft'].pk}/publish/",
        None,
        200,
        False,
    ),
    (
        "close",
        "manage_feedback",
        "post",
        lambda w: f"{ALPHA}{w['form'].pk}/close/",
        None,
        200,
        False,
    ),
    (
        "rotate link",
        "manage_feedback",
        "post",
        lambda w: f"{ALPHA}{w['form'].pk}/rotate-link/",
        None,
        200,
        False,
    ),
    (
        "record perception",
        "manage_feedback",
        "post",
        lambda w: f"{ALPHA}{w['form'].pk}/record-perception/",
        lambda w: {"as_of": "2030-01-01", "question": w["scale"].pk},
        201,
        False,
    ),
    (
        "results",
        "view_feedback_results",
        "get",
        lambda w: f"{ALPHA}{w['form'].pk}/results/",
        None,
        200,
        False,
    ),
    (
        "list submissions",
        "manage_feedback",
        "get",
        lambda w: f"{ALPHA}{w['form'].pk}/submissions/",
        None,
        200,
        False,
    ),
    (
        "answer as oneself",
        "submit_feedback",
        "post",
        lambda w: f"{ALPHA}{w['form'].pk}/submissions/",
        _answers,
        201,
        False,
    ),
]


def _target_version(w, path) -> str:
    for form in (w["draft"], w["form"]):
        if f"/{form.pk}/" in path:
            return if_match(form)
    return '"v1"'


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "path", "payload", "ok", "hidden"),
    MATRIX,
    ids=[m[0] for m in MATRIX],
)
def test_api_matrix(client, alpha, persona, name, perm, method, path, payload, ok, hidden):
    target = path(alpha)
    headers = {} if method == "get" else {"HTTP_IF_MATCH": _target_version(alpha, target)}
    if persona != "anonymous":
        _, key = api_token_create(user=alpha["people"][persona], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    response = getattr(client, method)(
        target, payload(alpha) if payload else None, content_type=JSON, **headers
    )

    want = expected(persona, perm, api=True, ok=ok)
    if hidden and want == 403:
        want = 404  # a draft does not exist for those who may not manage forms
    assert response.status_code == want, response.content
    if want >= 400:
        assert response["Content-Type"] == PROBLEM
    if want == 403:
        assert response.json()["allowed_roles"] == allowed_roles(perm)


def test_a_small_choice_cannot_be_subtracted_back_from_the_shown_ones(
    client, mission, form, observer
):
    """Yes 6, No 2: showing Yes would give No as 8 - 6, so both are withheld."""
    for choice in ["Yes"] * 6 + ["No"] * 2:
        answer(form, choice=choice)
    client.force_login(observer)

    q = by_kind(results(client, mission, form))

    assert q["single_choice"]["count"] == 8
    assert q["single_choice"]["choices"] == [
        {"choice": "Yes", "count": None, "withheld": True},
        {"choice": "No", "count": None, "withheld": True},
    ]


def test_a_scale_withholds_its_mean_when_it_would_give_hidden_values_back(
    client, mission, form, observer, admin
):
    """1 and 2 hold 3 answers each (6 together, enough), but count and mean would solve them."""
    for value, times in {1: 3, 2: 3, 3: 5, 4: 5, 5: 5}.items():
        for _ in range(times):
            answer(form, scale=value)
    client.force_login(observer)

    scale = by_kind(results(client, mission, form))["scale"]

    assert scale["distribution"] == {"1": None, "2": None, "3": 5, "4": 5, "5": 5}
    assert (scale["count"], scale["mean"]) == (21, None)
    client.force_login(admin)
    assert by_kind(results(client, mission, form))["scale"]["mean"] == pytest.approx(3.286)


def test_withheld_scale_values_hold_five_answers_together(client, mission, form, observer):
    """One answer at 1: the smallest shown value is withheld with it (1 + 5 >= 5)."""
    for value, times in {1: 1, 3: 6, 4: 5, 5: 7}.items():
        for _ in range(times):
            answer(form, scale=value)
    client.force_login(observer)

    scale = by_kind(results(client, mission, form))["scale"]

    assert scale["distribution"] == {"1": None, "2": None, "3": 6, "4": None, "5": 7}
    assert scale["mean"] is not None  # three hidden values: count and mean cannot solve them

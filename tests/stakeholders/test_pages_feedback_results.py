"""Feedback results pages: figures, filters, written answers, exports and perception.

Data is built through the services. Without manage_feedback nobody sees a group of fewer
than 5 answers (after the filters) or a written answer: not on the page, not in an export.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Assessment, Score
from assessments.selectors import mission_today
from assessments.services import readiness_figures
from missions import charts
from missions.models import AuditEvent, Benchmark
from missions.services import benchmark_create, objective_create, record_update
from stakeholders.models import FeedbackForm, FeedbackSubmission, Question
from stakeholders.services import (
    feedback_form_create,
    feedback_form_publish,
    feedback_submission_create,
)

QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel at night?", "benchmark": "bm-perception"},
    {"kind": "single_choice", "label": "Were you consulted?", "choices": ["Yes", "No"]},
    {"kind": "multi_choice", "label": "Which services work?", "choices": ["Water", "Schools"]},
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


def make_form(mission, actor, *, questions=QUESTIONS, publish=True, **fields):
    form = feedback_form_create(
        actor=actor, mission=mission, title="Community survey", questions=questions, **fields
    )
    return feedback_form_publish(actor=actor, form=form) if publish else form


@pytest.fixture
def form(mission, admin, perception_benchmark):
    return make_form(mission, admin)


def questions_of(form) -> dict[str, Question]:
    return {q.kind: q for q in Question.objects.filter(form=form).order_by("order", "id")}


def answer(form, *, scale=3, choice="Yes", services=("Water",), text="", kind="community", **extra):
    q = questions_of(form)
    answers = {str(q["scale"].pk): scale, str(q["single_choice"].pk): choice}
    if services:
        answers[str(q["multi_choice"].pk)] = list(services)
    if text:
        answers[str(q["text"].pk)] = text
    return feedback_submission_create(form=form, answers=answers, stakeholder_kind=kind, **extra)


def results_url(form, name="feedback-results"):
    return reverse(f"missions:{name}", args=[form.mission.code, form.pk])


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def count_queries(client, url, **params) -> int:
    """Queries of one GET (streamed content read), leaving out the session's own."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, response.content
    return sum("django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"] for q in queries)


def at(form, submission, day: datetime.datetime):
    FeedbackSubmission.objects.filter(pk=submission.pk).update(submitted_at=day)


# The page ------------------------------------------------------------------------------


def test_staff_see_counts_distributions_charts_and_written_answers(client, form, staff):
    answer(form, scale=1, choice="Yes", services=["Water", "Schools"], text="More patrols")
    answer(form, scale=2, choice="No", services=["Water"], text="Street lights at night")
    answer(form, scale=5, choice="Yes", services=[])
    client.force_login(staff)

    response = client.get(results_url(form))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="figure-value" id="results-total">3</span>' in html
    assert "mean 2.67 on a scale of 1 to 5" in html
    assert html.count('<svg class="chart bar-chart"') == 3  # scale, single and multi choice
    assert (
        '<th scope="row" dir="auto">Yes</th>\n        \n        <td class="number">2</td>' in html
    )
    assert '<td class="number">67%</td>' in html  # Yes: 2 of 3
    assert "More patrols" in html and "Street lights at night" in html
    assert 'class="results-text-answer">Street lights at night</dd>' in html
    assert html.index("Street lights at night") < html.index("More patrols")  # newest first
    assert "fewer than 5 answers</td>" not in html and "bar-chart-withheld" not in html


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_members_without_manage_feedback_see_aggregates_never_written_answers(
    client, form, persona, request
):
    for value in (1, 2, 3, 4, 5, 5):
        answer(form, scale=value, text="The chief took the money")
    client.force_login(request.getfixturevalue(persona))

    html = client.get(results_url(form)).content.decode()

    assert '<span class="figure-value" id="results-total">6</span>' in html
    assert "The chief took the money" not in html
    assert "Written answers are read by mission staff only." in html
    assert "written-answers" not in html
    assert "Record as perception score" not in html
    # Each scale value was chosen by fewer than 5 people: no number, in the table or chart.
    assert html.count("fewer than 5 answers") >= 5
    assert ">fewer than 5</text>" in html
    assert "mean 3.33" in html  # the question itself has 6 answers


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_a_filtered_group_under_five_shows_no_number(client, form, persona, request):
    for _ in range(5):
        answer(form, kind="community", scale=4)
    for _ in range(2):
        answer(form, kind="ngo", scale=1)
    client.force_login(request.getfixturevalue(persona))

    community = client.get(results_url(form), {"stakeholder_kind": "community"})
    ngo = client.get(results_url(form), {"stakeholder_kind": "ngo"}).content.decode()

    assert '<span class="figure-value" id="results-total">5</span>' in community.content.decode()
    assert 'id="results-withheld"' in ngo and "Fewer than 5 answers match these filters" in ngo
    assert 'id="results-total"' not in ngo
    assert "results-question" not in ngo and "<svg" not in ngo
    assert "selected>NGO</option>" in ngo  # the filter stays as chosen


def test_staff_see_a_small_filtered_group_in_full(client, form, staff):
    answer(form, kind="ngo", text="Only us")
    client.force_login(staff)

    html = client.get(results_url(form), {"stakeholder_kind": "ngo"}).content.decode()

    assert '<span class="figure-value" id="results-total">1</span>' in html
    assert "Only us" in html


def test_filters_by_kind_not_given_and_by_whole_days_in_the_missions_time_zone(client, form, staff):
    # The mission is in Africa/Kinshasa (UTC+1): 23:30 UTC on 1 March is 2 March there.
    early = answer(form, kind="", text="First of March")
    late = answer(form, kind="", text="Second of March")
    other = answer(form, kind="ngo", text="NGO on the second")
    at(form, early, datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC))
    at(form, late, datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC))
    at(form, other, datetime.datetime(2026, 3, 2, 12, tzinfo=datetime.UTC))
    client.force_login(staff)

    second = client.get(
        results_url(form), {"date_from": "2026-03-02", "date_to": "2026-03-02"}
    ).content.decode()
    not_given = client.get(results_url(form), {"stakeholder_kind": "not_given"}).content.decode()

    assert '<span class="figure-value" id="results-total">2</span>' in second
    assert "Second of March" in second and "NGO on the second" in second
    assert "First of March" not in second
    assert '<span class="figure-value" id="results-total">2</span>' in not_given
    assert "NGO on the second" not in not_given


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "on or after the start date"),
        ({"date_from": "last week"}, "Give a date as YYYY-MM-DD."),
        ({"stakeholder_kind": "aliens"}, "Select a valid choice."),
    ],
)
def test_bad_filters_say_what_is_wrong_and_show_no_results(client, form, staff, params, message):
    answer(form)
    client.force_login(staff)

    response = client.get(results_url(form), params)

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'aria-invalid="true"' in html
    assert 'id="results-invalid"' in html and "results-question" not in html


def test_written_answers_are_paginated_and_pages_keep_the_filters(client, form, staff):
    for i in range(23):
        answer(form, kind="community", text=f"Answer number {i:02d}")
    answer(form, kind="ngo", text="From an NGO")
    client.force_login(staff)

    first = client.get(results_url(form), {"stakeholder_kind": "community"}).content.decode()
    second = client.get(
        results_url(form), {"stakeholder_kind": "community", "page": 2}
    ).content.decode()

    assert first.count('class="results-text"') == 20 and second.count('class="results-text"') == 3
    assert "Answer number 22" in first and "Answer number 00" in second
    assert "From an NGO" not in first + second
    assert 'href="?stakeholder_kind=community&amp;page=2"' in first
    assert "Page 2 of 2" in second


def test_an_unanswered_form_has_an_empty_state(client, form, staff):
    client.force_login(staff)

    html = client.get(results_url(form)).content.decode()

    assert 'id="results-empty"' in html
    assert "No written answers match these filters." in html


def test_a_draft_is_hidden_from_members_without_manage_feedback(
    client, mission, admin, liaison, staff, perception_benchmark
):
    draft = make_form(mission, admin, publish=False)

    client.force_login(liaison)
    hidden = client.get(results_url(draft))
    client.force_login(staff)
    shown = client.get(results_url(draft))

    assert hidden.status_code == 404
    assert shown.status_code == 200


def test_a_form_of_another_mission_is_404(client, form, other_mission, site_admin):
    from missions.services import membership_create
    from tests.factories import UserFactory

    outsider = UserFactory()
    membership_create(actor=site_admin, mission=other_mission, user=outsider, role="admin")
    client.force_login(outsider)

    response = client.get(reverse("missions:feedback-results", args=["other", form.pk]))

    assert response.status_code == 404


def test_people_written_content_reads_in_its_own_direction(client, mission, admin, staff):
    form = make_form(
        mission, admin, questions=[{"kind": "text", "label": "هل تشعر بالأمان؟"}], language="ar"
    )
    q = Question.objects.get(form=form)
    feedback_submission_create(form=form, answers={str(q.pk): "نعم، أكثر من قبل"})
    client.force_login(staff)

    html = client.get(results_url(form)).content.decode()

    assert '<dd dir="auto" class="results-text-answer">نعم، أكثر من قبل</dd>' in html
    assert f'<h2 id="question-{q.pk}-title" dir="auto">هل تشعر بالأمان؟</h2>' in html


# Exports -------------------------------------------------------------------------------


def test_staff_csv_has_one_row_per_submission_with_written_answers(
    client, mission, admin, staff, perception_benchmark, partner
):
    form = make_form(mission, admin, allow_anonymous=False)
    answer(
        form, scale=4, services=["Water", "Schools"], text="Fine", name="Awa", organisation="Club"
    )
    client.force_login(staff)

    response = client.get(results_url(form, "feedback-results-csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="monusco-test-feedback-{form.pk}-results.csv"' in response["Content-Disposition"]
    )
    header, row = csv_rows(response)
    assert header[:5] == [
        "Submitted at (Africa/Kinshasa)",
        "Stakeholder kind",
        "Name",
        "Organisation",
        "Answered signed in as",
    ]
    assert header[5:] == [q["label"] for q in QUESTIONS]
    assert row[1:] == ["Community", "Awa", "Club", "", "4", "Yes", "Water; Schools", "Fine"]


def test_public_answers_carry_nothing_about_who_sent_them(client, form, staff):
    answer(form, text="Anonymous")
    client.force_login(staff)

    _, row = csv_rows(client.get(results_url(form, "feedback-results-csv")))

    assert row[2:5] == ["", "", ""]
    assert "127.0.0.1" not in ",".join(row)


def test_a_partners_own_answer_names_their_account_for_managers_only(
    client, mission, form, staff, partner, observer
):
    from missions.models import Membership

    q = questions_of(form)
    membership = Membership.objects.get(user=partner, mission=mission)
    feedback_submission_create(
        form=form, answers={str(q["scale"].pk): 2}, user=partner, membership=membership
    )
    client.force_login(staff)
    managers = csv_rows(client.get(results_url(form, "feedback-results-csv")))
    client.force_login(observer)
    others = csv_rows(client.get(results_url(form, "feedback-results-csv")))

    assert managers[1][4] == "Partner"
    assert "Partner" not in str(others) and partner.email not in str(others)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"])
def test_exports_neutralise_formulas(client, form, staff, text):
    answer(form, text=text)
    client.force_login(staff)

    _, row = csv_rows(client.get(results_url(form, "feedback-results-csv")))
    book = workbook(client.get(results_url(form, "feedback-results-xlsx")))

    assert row[-1] == "'" + text
    cell = book["Answers"].cell(row=2, column=9)
    assert (cell.value, cell.data_type) == ("'" + text, "s")


def test_formulas_in_labels_and_choices_are_neutralised_too(client, mission, admin, liaison):
    form = make_form(
        mission,
        admin,
        questions=[{"kind": "single_choice", "label": "=1+1", "choices": ["-5", "@x"]}],
    )
    q = Question.objects.get(form=form)
    for _ in range(5):
        feedback_submission_create(form=form, answers={str(q.pk): "-5"})
    client.force_login(liaison)

    rows = csv_rows(client.get(results_url(form, "feedback-results-csv")))

    assert ["'=1+1", "Single choice", "'-5", "5", ""] in rows
    assert ["'=1+1", "Single choice", "'@x", "fewer than 5", ""] in rows


def test_liaison_csv_is_the_summary_with_small_groups_withheld(client, form, liaison):
    for value in (1, 2, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5):
        answer(form, scale=value, choice="Yes", services=[], text="Secret words")
    client.force_login(liaison)

    rows = csv_rows(client.get(results_url(form, "feedback-results-csv")))

    scale = "How safe do you feel at night?"
    assert rows[0] == ["Question", "Kind", "Answer", "Count", "Mean"]
    assert rows[1] == ["All submissions", "", "", "13", ""]
    assert [scale, "Scale (1–5)", "(answered)", "13", "3.923"] in rows
    # 1, 2 and 3 hold three answers: 4 (the smallest shown) is withheld too, or 13 - 5 - 5
    # would give them back; the mean stays (three hidden cells, two equations).
    for value in ("1", "2", "3", "4"):
        assert [scale, "Scale (1–5)", value, "fewer than 5", ""] in rows
    assert [scale, "Scale (1–5)", "5", "5", ""] in rows
    assert ["Which services work?", "Multiple choice", "(answered)", "fewer than 5", ""] in rows
    assert ["Anything else?", "Text", "(answered)", "13", ""] in rows
    assert "Secret words" not in str(rows)


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_exports_withhold_a_filtered_group_under_five(client, form, persona, request):
    for _ in range(5):
        answer(form, kind="community")
    for _ in range(3):
        answer(form, kind="ngo", text="Ours")
    client.force_login(request.getfixturevalue(persona))

    rows = csv_rows(
        client.get(results_url(form, "feedback-results-csv"), {"stakeholder_kind": "ngo"})
    )
    book = workbook(
        client.get(results_url(form, "feedback-results-xlsx"), {"stakeholder_kind": "ngo"})
    )

    assert rows[1] == ["All submissions", "", "", "fewer than 5", ""]
    counts = {row[3] for row in rows[1:]}
    assert counts == {"fewer than 5"}  # every question: no number at all
    assert book.sheetnames == ["Summary"]
    assert {row[3] for row in sheet_rows(book["Summary"])[1:]} == {"fewer than 5"}
    assert "Ours" not in str(rows) + str(sheet_rows(book["Summary"]))


def test_staff_xlsx_opens_and_matches_the_page(client, form, staff):
    answer(form, scale=2, services=["Water", "Schools"], text="Roads")
    answer(form, scale=4, choice="No", services=[], kind="ngo")
    client.force_login(staff)

    response = client.get(results_url(form, "feedback-results-xlsx"))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = workbook(response)
    assert book.sheetnames == ["Summary", "Answers"]
    summary = sheet_rows(book["Summary"])
    assert summary[1] == ["All submissions", None, None, 2, None]
    assert ["How safe do you feel at night?", "Scale (1–5)", "(answered)", 2, 3] in summary
    assert ["Were you consulted?", "Single choice", "No", 1, None] in summary
    answers = sheet_rows(book["Answers"])
    assert answers[0][5:] == [q["label"] for q in QUESTIONS]
    assert isinstance(answers[1][0], datetime.datetime)
    assert answers[1][1:] == ["Community", None, None, None, 2, "Yes", "Water; Schools", "Roads"]
    assert answers[2][1:] == ["NGO", None, None, None, 4, "No", None, None]


def test_exports_take_the_pages_filters(client, form, staff):
    answer(form, kind="community", text="A")
    answer(form, kind="ngo", text="B")
    client.force_login(staff)

    rows = csv_rows(
        client.get(results_url(form, "feedback-results-csv"), {"stakeholder_kind": "ngo"})
    )
    book = workbook(
        client.get(results_url(form, "feedback-results-xlsx"), {"stakeholder_kind": "ngo"})
    )

    assert [row[-1] for row in rows[1:]] == ["B"]
    assert [row[-1] for row in sheet_rows(book["Answers"])[1:]] == ["B"]


def test_an_export_with_bad_filters_is_400_saying_why(client, form, staff):
    client.force_login(staff)

    response = client.get(results_url(form, "feedback-results-csv"), {"date_to": "soon"})

    assert response.status_code == 400
    assert "Give a date as YYYY-MM-DD." in response.content.decode()


def test_the_page_links_exports_with_its_filters(client, form, staff):
    client.force_login(staff)

    html = client.get(results_url(form), {"stakeholder_kind": "ngo", "page": 3}).content.decode()

    assert f'href="{results_url(form, "feedback-results-csv")}?stakeholder_kind=ngo"' in html
    assert f'href="{results_url(form, "feedback-results-xlsx")}?stakeholder_kind=ngo"' in html


# A constant number of queries -------------------------------------------------------------


def many_questions(n: int) -> list[dict]:
    kinds = [
        {"kind": "text", "label": "Words"},
        {"kind": "scale", "label": "Scale"},
        {"kind": "single_choice", "label": "One", "choices": ["A", "B"]},
        {"kind": "multi_choice", "label": "Many", "choices": ["A", "B", "C"]},
    ]
    return [{**kinds[i % 4], "label": f"{kinds[i % 4]['label']} {i}"} for i in range(n)]


def fill(form, n: int) -> None:
    questions = list(Question.objects.filter(form=form))
    values = {"scale": 3, "single_choice": "A", "multi_choice": ["A", "C"], "text": "Words"}
    for _ in range(n):
        feedback_submission_create(
            form=form,
            answers={str(q.pk): values[q.kind] for q in questions},
            stakeholder_kind="community",
        )


# Measured: user (1); the mission with its membership and grants (1); the form, questions (2);
# the results: tallies, live count and for managers the newest text answers, all in one (1);
# then for managers a page of written answers (count and rows, 2).
PAGE_QUERIES = {"staff": 7, "liaison": 5}
CSV_QUERIES = {"staff": 5, "liaison": 5}  # after the form: rows (staff) or the results
XLSX_QUERIES = {"staff": 6, "liaison": 5}  # staff: results, rows


@pytest.mark.parametrize("persona", ["staff", "liaison"])
@pytest.mark.parametrize(
    ("name", "budget"),
    [
        ("feedback-results", PAGE_QUERIES),
        ("feedback-results-csv", CSV_QUERIES),
        ("feedback-results-xlsx", XLSX_QUERIES),
    ],
)
def test_queries_do_not_grow_with_submissions_or_questions(
    client, mission, admin, persona, name, budget, request
):
    client.force_login(request.getfixturevalue(persona))
    small = make_form(mission, admin, questions=many_questions(2))
    large = make_form(mission, admin, questions=many_questions(10))
    fill(small, 5)
    fill(large, 50)

    few = count_queries(client, results_url(small, name), stakeholder_kind="community")
    many = count_queries(client, results_url(large, name), stakeholder_kind="community")

    assert few == many == budget[persona]


# Community perception ----------------------------------------------------------------------


def perceive(client, form, **data):
    payload = {
        "question": questions_of(form)["scale"].pk,
        "as_of": mission_today(form.mission).isoformat(),
        "version": FeedbackForm.objects.get(pk=form.pk).version,
        **data,
    }
    return client.post(results_url(form, "feedback-perception"), payload)


def nothing_recorded() -> bool:
    return (
        not Assessment.objects.exists()
        and not Score.objects.exists()
        and not AuditEvent.objects.filter(target_type="assessment").exists()
    )


def test_staff_record_perception_and_see_the_score_with_a_link_to_the_benchmark(
    client, form, staff, perception_benchmark
):
    for value in (1, 2, 5):
        answer(form, scale=value)
    client.force_login(staff)

    response = perceive(client, form)

    score = Score.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{results_url(form)}?recorded={score.pk}#perception"
    assert (score.assessment.status, score.assessment.method) == ("submitted", "survey")
    assert score.rating == Decimal("2.25")  # m = 8/3; 1 + 3 × (8/3 − 1) / 4
    assert score.evidence == "3 answers, mean 2.67"
    html = client.get(response["Location"]).content.decode()
    assert "Recorded a rating of 2.25 for benchmark bm-perception" in html
    assert "3 answers, mean 2.67" in html
    link = reverse("missions:benchmark", args=[form.mission.code, perception_benchmark.pk])
    assert f'href="{link}" id="perception-benchmark-link"' in html
    benchmark_page = client.get(link).content.decode()
    assert "3 answers, mean 2.67" in benchmark_page


def test_perception_recorded_again_moves_the_readiness_input(client, form, staff, mission):
    for value in (1, 1, 1):
        answer(form, scale=value)
    client.force_login(staff)
    perceive(client, form)
    for value in (5, 5, 5, 5, 5):
        answer(form, scale=value)

    response = perceive(client, form)

    assert response.status_code == 302
    assert Assessment.objects.filter(status="submitted").count() == 2
    figures = readiness_figures(mission=mission, as_of=mission_today(mission))
    [benchmark] = [b for b in figures["benchmarks"] if b["code"] == "bm-perception"]
    assert Decimal(benchmark["latest"]["rating"]) == Decimal("2.875")  # m = 28/8 = 3.5


@pytest.mark.parametrize(
    ("question", "data", "field", "message"),
    [
        ("text", {}, "question", "Choose a scale question that feeds a rating benchmark."),
        ("single_choice", {}, "question", "Choose a scale question that feeds a rating benchmark."),
        ("scale", {"as_of": ""}, "as_of", "Give the date of the assessment round (as of)."),
        ("scale", {"as_of": "30/06/2026"}, "as_of", "Give the round&#x27;s date as YYYY-MM-DD."),
        ("scale", {"question": ""}, "question", "Choose the scale question whose mean becomes"),
        ("scale", {"question": 999999}, "question", "This form has no such question."),
    ],
)
def test_bad_perception_input_says_what_is_wrong_and_records_nothing(
    client, form, staff, question, data, field, message
):
    answer(form, scale=4, text="Hi")
    client.force_login(staff)

    response = perceive(client, form, **{"question": questions_of(form)[question].pk, **data})

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert nothing_recorded()


def test_perception_without_the_forms_version_asks_to_reload_and_records_nothing(
    client, form, staff
):
    answer(form, scale=4)
    client.force_login(staff)

    response = perceive(client, form, version="")

    assert response.status_code == 400
    assert "missing the form's version: reload it" in response.content.decode()
    assert nothing_recorded()


def test_perception_of_a_scale_that_feeds_no_benchmark_records_nothing(
    client, mission, admin, staff
):
    form = make_form(mission, admin, questions=[{"kind": "scale", "label": "Unlinked"}])
    q = Question.objects.get(form=form)
    feedback_submission_create(form=form, answers={str(q.pk): 3})
    client.force_login(staff)

    response = perceive(client, form, question=q.pk)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a scale question that feeds a rating benchmark." in html
    assert "No scale question of this form feeds a rating benchmark." in html
    assert nothing_recorded()


def test_perception_of_a_benchmark_no_longer_rated_is_409_and_records_nothing(
    client, form, staff, admin, perception_benchmark
):
    answer(form, scale=4)
    Benchmark.objects.filter(pk=perception_benchmark.pk).update(
        kind="quantitative", baseline=0, target=10
    )
    client.force_login(staff)

    response = perceive(client, form)

    assert response.status_code == 409
    assert "Benchmark bm-perception is no longer rated" in response.content.decode()
    assert nothing_recorded()


def test_perception_without_answers_by_that_day_is_409_and_records_nothing(client, form, staff):
    early = answer(form, scale=4)
    at(form, early, datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC))
    client.force_login(staff)

    response = perceive(client, form, as_of="2026-03-09")

    assert response.status_code == 409
    assert "Nobody has answered this question by 2026-03-09" in response.content.decode()
    assert nothing_recorded()


def test_perception_from_a_stale_page_is_412_and_records_nothing(client, form, staff):
    answer(form, scale=4)
    client.force_login(staff)

    response = perceive(client, form, version=1)

    assert response.status_code == 412
    assert "changed by someone else since you opened the page" in response.content.decode()
    assert nothing_recorded()


def test_perception_in_a_closed_mission_is_409_and_the_form_is_not_offered(
    client, form, staff, admin, mission
):
    answer(form, scale=4)
    record_update(actor=admin, instance=mission, data={"status": "closed"})
    client.force_login(staff)

    refused = perceive(client, form)
    page = client.get(results_url(form)).content.decode()

    assert refused.status_code == 409
    assert "Record as perception score" not in page
    assert nothing_recorded()


def test_a_recorded_score_of_another_mission_is_not_shown(client, form, staff):
    client.force_login(staff)

    html = client.get(results_url(form), {"recorded": "12345"}).content.decode()

    assert 'id="perception-recorded"' not in html


# The chart ----------------------------------------------------------------------------------


def test_bar_chart_draws_withheld_bars_without_a_length():
    svg = charts.bar_chart(
        [charts.Bar("Yes", 6), charts.Bar("No <b>", None)],
        uid="q1",
        title="Were you consulted?",
        desc="Answers",
        format_value=str,
        withheld_label="fewer than 5",
        high=8,
    )

    assert 'role="img"' in svg and '<title id="q1-title">Were you consulted?</title>' in svg
    assert 'class="bar-chart-bar" x="6" y="23" width="249" height="16"' in svg  # 6/8 of 332
    assert svg.count('class="bar-chart-bar"') == 1
    assert 'class="bar-chart-withheld"' in svg and ">fewer than 5</text>" in svg
    assert "No &lt;b&gt;" in svg

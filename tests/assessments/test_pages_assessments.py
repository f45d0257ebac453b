"""Assessment pages: rounds, the grid that saves as you go, actions, evidence files, imports.

Data is built through the services; query counts are measured with 2 benchmarks and
asserted, unchanged, with 50.
"""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import views as assessment_views
from assessments.models import Assessment, Score
from assessments.services import assessment_create, assessment_submit, assessment_update
from missions.models import Mission
from missions.services import benchmark_create, objective_create

SIZES = [2, 50]
# Session and user (2), session save (3); the mission with the membership and grants (1); the
# round, the page of benchmarks with their total, the page's scores (3).
GRID_QUERIES = 9
# + the count and page of rounds with their authors and score counts (2).
LIST_QUERIES = 8


@pytest.fixture
def plan(mission, admin):
    def make(n: int = 2):
        security = objective_create(actor=admin, mission=mission, category="security", title="S")
        political = objective_create(actor=admin, mission=mission, category="political", title="P")
        benchmarks = []
        for i in range(n):
            if i % 2:
                benchmarks.append(
                    benchmark_create(
                        actor=admin,
                        objective=political,
                        code=f"bm-pol-{i}",
                        title=f"Dialogue {i}",
                        kind="rating",
                    )
                )
            else:
                benchmarks.append(
                    benchmark_create(
                        actor=admin,
                        objective=security,
                        code=f"bm-sec-{i}",
                        title=f"Incidents {i}",
                        kind="quantitative",
                        baseline=Decimal(100),
                        target=Decimal(0),
                    )
                )
        return benchmarks

    return make


@pytest.fixture
def draft(mission, staff, plan):
    benchmarks = plan(2)
    assessment = assessment_create(
        actor=staff,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="joint",
        method="field_visit",
        scores=[{"benchmark": benchmarks[0].code, "value": "40", "evidence": "Police"}],
    )
    return assessment, benchmarks


def detail_url(assessment):
    return reverse("assessments:detail", args=[assessment.mission.code, assessment.pk])


def score_url(assessment, benchmark):
    return reverse("assessments:score", args=[assessment.mission.code, assessment.pk, benchmark.pk])


def action_url(assessment, name):
    return reverse(f"assessments:{name}", args=[assessment.mission.code, assessment.pk])


# List and start -------------------------------------------------------------------------


def test_staff_starts_a_round_and_lands_on_its_grid(client, mission, staff, plan):
    plan(2)
    client.force_login(staff)

    response = client.post(
        reverse("assessments:new", args=[mission.code]),
        {"as_of": "2026-06-30", "kind": "joint", "method": "survey", "summary": "Q2"},
    )

    assessment = Assessment.objects.get(mission=mission)
    assert response.status_code == 302 and response["Location"] == detail_url(assessment)
    assert assessment.author == staff and assessment.is_draft


def test_drafts_are_listed_only_for_those_who_log_assessments(client, draft, mission, observer):
    client.force_login(observer)

    html = client.get(reverse("assessments:list", args=[mission.code])).content.decode()
    page = client.get(detail_url(draft[0]))

    assert "No submitted rounds yet" in html
    assert page.status_code == 404


@pytest.mark.parametrize("n", SIZES)
def test_list_renders_in_constant_queries(
    client, mission, staff, plan, n, django_assert_max_num_queries
):
    benchmarks = plan(2)
    for i in range(n):
        assessment_create(
            actor=staff,
            mission=mission,
            as_of=datetime.date(2026, 1, 1) + datetime.timedelta(days=i),
            kind="joint",
            method="survey",
            scores=[{"benchmark": benchmarks[1].code, "rating": 2}],
        )
    client.force_login(staff)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("assessments:list", args=[mission.code]))

    assert response.status_code == 200


# The grid -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_grid_renders_in_constant_queries(
    client, mission, staff, plan, n, django_assert_num_queries
):
    benchmarks = plan(n)
    assessment = assessment_create(
        actor=staff,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="joint",
        method="survey",
        scores=[{"benchmark": b.code, "rating": 2} for b in benchmarks if b.kind == "rating"],
    )
    client.force_login(staff)

    with django_assert_num_queries(GRID_QUERIES):
        response = client.get(detail_url(assessment))

    assert response.content.decode().count('class="score-row') == n


@pytest.fixture
def small_pages(monkeypatch):
    """Two benchmarks a page (50 in the product), so a small plan shows the paging."""
    monkeypatch.setattr(assessment_views, "GRID_PER_PAGE", 2)


def test_grid_is_paged_in_the_plans_order(client, mission, staff, plan, small_pages):
    benchmarks = plan(5)
    assessment = assessment_create(
        actor=staff,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="joint",
        method="survey",
    )
    client.force_login(staff)

    first = client.get(detail_url(assessment)).content.decode()
    last = client.get(detail_url(assessment) + "?page=3").content.decode()
    beyond = client.get(detail_url(assessment) + "?page=9").content.decode()

    # The plan's order: objective S (benchmarks 0, 2, 4), then P (1, 3).
    assert first.count('class="score-row') == 2
    assert f'id="score-row-{benchmarks[0].pk}"' in first
    assert f'id="score-row-{benchmarks[2].pk}"' in first
    assert "Benchmarks 1 to 2 of 5, in the plan" in first and "Page 1 of 3" in first
    assert 'href="?page=2" rel="next"' in first
    assert f'id="score-row-{benchmarks[3].pk}"' in last and last.count('class="score-row') == 1
    assert 'href="?page=2" rel="prev"' in last
    assert "Page 3 of 3" in beyond and f'id="score-row-{benchmarks[3].pk}"' in beyond


def test_grid_pages_keep_the_category_filter(client, mission, staff, plan, small_pages):
    plan(6)
    assessment = assessment_create(
        actor=staff,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="joint",
        method="survey",
    )
    client.force_login(staff)

    html = client.get(detail_url(assessment) + "?category=political").content.decode()

    assert "Page 1 of 2" in html
    assert 'href="?category=political&amp;page=2" rel="next"' in html
    assert "Incidents" not in html


def test_saving_a_page_without_javascript_keeps_the_other_pages_scores(
    client, mission, staff, plan, small_pages
):
    benchmarks = plan(4)
    assessment = assessment_create(
        actor=staff,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="joint",
        method="survey",
        scores=[{"benchmark": benchmarks[0].code, "value": "40", "evidence": "Police"}],
    )
    client.force_login(staff)
    page_two = client.get(detail_url(assessment) + "?page=2").content.decode()

    response = client.post(
        detail_url(assessment) + "?page=2",
        {f"b{benchmarks[1].pk}-rating": "3", "version": assessment.version},
    )

    assert 'action="' + detail_url(assessment) + '?page=2"' in page_two
    assert response.status_code == 302 and response["Location"].endswith("?page=2")
    assert {s.benchmark.code: (s.value, s.rating) for s in assessment.scores.all()} == {
        "bm-sec-0": (Decimal("40"), None),  # on page 1: kept, though not posted
        "bm-pol-1": (None, Decimal("3")),
    }


@pytest.mark.parametrize("n", [4, 20])
def test_a_later_grid_page_costs_the_same_for_a_small_or_large_plan(
    client, mission, staff, plan, n, small_pages, django_assert_num_queries
):
    plan(n)
    assessment = assessment_create(
        actor=staff,
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        kind="joint",
        method="survey",
    )
    client.force_login(staff)

    with django_assert_num_queries(GRID_QUERIES):
        response = client.get(detail_url(assessment) + "?page=2")

    assert response.content.decode().count('class="score-row') == 2


def test_grid_filters_by_category(client, draft, staff):
    assessment, _benchmarks = draft
    client.force_login(staff)

    html = client.get(detail_url(assessment) + "?category=political").content.decode()
    everything = client.get(detail_url(assessment)).content.decode()

    assert "Dialogue 1" in html and "Incidents 0" not in html
    assert "Incidents 0" in everything and 'value="40"' in everything  # as typed, not 4E+1


def test_grid_labels_each_input_with_its_benchmark(client, draft, staff):
    assessment, benchmarks = draft
    client.force_login(staff)

    html = client.get(detail_url(assessment)).content.decode()

    assert (
        f'<label class="visually-hidden" for="id_b{benchmarks[1].pk}-rating">Rating: Dialogue 1'
        in html
    )
    assert f'for="id_b{benchmarks[0].pk}-evidence">Evidence: Incidents 0' in html


def test_saving_a_row_keeps_the_other_scores_and_answers_the_row(client, draft, staff):
    assessment, benchmarks = draft
    client.force_login(staff)
    prefix = f"b{benchmarks[1].pk}"

    response = client.post(
        score_url(assessment, benchmarks[1]),
        {
            f"{prefix}-rating": "3",
            f"{prefix}-evidence": "Interviews",
            "version": assessment.version,
        },
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert "<tr" not in html  # the inputs are left as they are, typing may go on
    assert f'id="score-status-{benchmarks[1].pk}" hx-swap-oob="true"' in html and "Saved" in html
    assert f'id="score-file-{benchmarks[1].pk}" hx-swap-oob="true"' in html
    assert 'id="round-version" value="2" hx-swap-oob="true"' in html
    scores = {s.benchmark.code: s for s in Score.objects.filter(assessment=assessment)}
    assert scores["bm-sec-0"].value == Decimal("40")
    assert scores["bm-pol-1"].rating == 3 and scores["bm-pol-1"].evidence == "Interviews"


def test_a_row_with_a_bad_rating_shows_an_inline_error_and_saves_nothing(client, draft, staff):
    assessment, benchmarks = draft
    client.force_login(staff)
    prefix = f"b{benchmarks[1].pk}"

    html = client.post(
        score_url(assessment, benchmarks[1]),
        {f"{prefix}-rating": "7", "version": assessment.version},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert 'aria-invalid="true"' in html
    assert f'aria-describedby="id_{prefix}-rating_error"' in html
    assert f'id="id_{prefix}-rating_error"' in html and "Give a rating from 1 to 4." in html
    assert not Score.objects.filter(benchmark=benchmarks[1]).exists()


def test_a_row_needing_a_value_gets_the_service_error_beside_it(client, draft, staff):
    assessment, benchmarks = draft
    client.force_login(staff)
    prefix = f"b{benchmarks[0].pk}"

    html = client.post(
        score_url(assessment, benchmarks[0]),
        {f"{prefix}-value": "", f"{prefix}-evidence": "Only words", "version": 1},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "This benchmark is quantitative: give a value." in html
    assert Score.objects.get(benchmark=benchmarks[0]).evidence == "Police"


def test_a_row_saved_after_an_error_comes_back_whole_without_the_error(client, draft, staff):
    assessment, benchmarks = draft
    client.force_login(staff)
    prefix = f"b{benchmarks[1].pk}"

    html = client.post(
        score_url(assessment, benchmarks[1]),
        {f"{prefix}-rating": "2", f"{prefix}-shown_invalid": "1", "version": 1},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert html.lstrip().startswith("<tr") and "Saved" in html
    assert "aria-invalid" not in html


def test_a_stale_row_is_reshown_with_what_is_saved_now(client, draft, staff, admin):
    assessment, benchmarks = draft
    assessment_update(
        actor=admin,
        assessment=assessment,
        data={},
        scores=[{"benchmark": benchmarks[0].code, "value": "55", "evidence": "Theirs"}],
    )
    client.force_login(staff)
    prefix = f"b{benchmarks[0].pk}"

    html = client.post(
        score_url(assessment, benchmarks[0]),
        {f"{prefix}-value": "60", f"{prefix}-evidence": "Mine", "version": 1},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "changed by someone else since you opened it" in html
    assert "55" in html and "Theirs" in html and 'value="60"' in html and "Mine" in html
    assert 'id="round-version" value="2"' in html
    assert Score.objects.get(benchmark=benchmarks[0]).value == Decimal("55")


def test_the_whole_grid_saves_without_javascript(client, draft, staff):
    assessment, benchmarks = draft
    client.force_login(staff)

    response = client.post(
        detail_url(assessment),
        {
            f"b{benchmarks[0].pk}-value": "30",
            f"b{benchmarks[1].pk}-rating": "4",
            "version": assessment.version,
        },
    )

    assert response.status_code == 302
    assert {s.benchmark.code: (s.value, s.rating) for s in assessment.scores.all()} == {
        "bm-sec-0": (Decimal("30"), None),
        "bm-pol-1": (None, Decimal("4")),
    }


def test_a_stale_grid_save_is_reshown_with_what_is_saved_now_and_saves_nothing(
    client, draft, staff, admin
):
    assessment, benchmarks = draft
    assessment_update(
        actor=admin,
        assessment=assessment,
        data={},
        scores=[{"benchmark": benchmarks[0].code, "value": "55", "evidence": "Theirs"}],
    )
    client.force_login(staff)

    response = client.post(
        detail_url(assessment),
        {f"b{benchmarks[0].pk}-value": "30", f"b{benchmarks[0].pk}-evidence": "Mine", "version": 1},
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else since you opened it" in html
    assert "Not saved: yours differs from this." in html and "Theirs" in html
    assert 'value="30"' in html and "Mine" in html
    assert Score.objects.get(benchmark=benchmarks[0]).value == Decimal("55")


def test_an_xlsx_import_goes_through_the_same_service(client, mission, staff, plan):
    from openpyxl import Workbook

    plan(2)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["benchmark", "as_of", "value", "rating", "evidence"])
    sheet.append(["bm-sec-0", "2026-03-31", 80, None, "UNDSS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(staff)

    response = client.post(
        reverse("assessments:import", args=[mission.code]),
        {"label": "UNDSS", "file": SimpleUploadedFile("s.xlsx", buffer.getvalue())},
    )

    assert response.status_code == 302
    assert Score.objects.get().evidence == "UNDSS"


# Permissions and actions ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["observer", "liaison", "partner"])
def test_readers_see_no_grid_inputs_and_get_403_naming_roles(
    client, draft, mission, request, persona
):
    assessment, benchmarks = draft
    assessment_submit(actor=assessment.author, assessment=assessment)
    client.force_login(request.getfixturevalue(persona))

    html = client.get(detail_url(assessment)).content.decode()
    response = client.post(
        score_url(assessment, benchmarks[1]), {f"b{benchmarks[1].pk}-rating": "2"}
    )

    assert "<input" not in html.split('id="grid-title"')[1].split("</table>")[0]
    assert "Approve the round" not in html and "Submit the round" not in html
    assert response.status_code == 403
    assert "Admin" in response.content.decode() and "Staff" in response.content.decode()


def test_stranger_gets_404_and_anonymous_is_sent_to_sign_in(client, draft, stranger):
    assessment, _ = draft

    anonymous = client.get(detail_url(assessment))
    client.force_login(stranger)
    strange = client.get(detail_url(assessment))

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert strange.status_code == 404


def test_closed_mission_answers_409_to_a_row_save(client, draft, staff):
    assessment, benchmarks = draft
    Mission.objects.filter(pk=assessment.mission_id).update(status=Mission.Status.CLOSED)
    client.force_login(staff)

    response = client.post(
        score_url(assessment, benchmarks[1]), {f"b{benchmarks[1].pk}-rating": "2", "version": 1}
    )

    assert response.status_code == 409


def test_four_eyes_hides_approve_from_the_author_and_refuses_it_forced(client, draft, staff, admin):
    assessment, _ = draft
    assessment = assessment_submit(actor=staff, assessment=assessment)
    client.force_login(staff)

    own = client.get(detail_url(assessment)).content.decode()
    forced = client.post(action_url(assessment, "approve"), {"version": assessment.version})
    client.force_login(admin)
    other = client.get(detail_url(assessment)).content.decode()

    assert "Approve the round" not in own and "Someone other than you" in own
    assert forced.status_code == 403
    assert "Approve the round" in other
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


def test_submit_then_approve_by_another(client, draft, staff, admin):
    assessment, _ = draft
    client.force_login(staff)
    client.post(action_url(assessment, "submit"), {"version": assessment.version})
    client.force_login(admin)

    response = client.post(action_url(assessment, "approve"), {"version": 2})

    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == "approved"


def test_return_needs_a_reason_and_sends_the_round_back(client, draft, staff, admin):
    assessment, _ = draft
    assessment = assessment_submit(actor=staff, assessment=assessment)
    client.force_login(admin)

    client.post(action_url(assessment, "return"), {"reason": "", "version": assessment.version})
    unchanged = Assessment.objects.get(pk=assessment.pk).status
    client.post(action_url(assessment, "return"), {"reason": "Cite the source", "version": 2})

    returned = Assessment.objects.get(pk=assessment.pk)
    assert unchanged == "submitted"
    assert returned.status == "draft" and returned.returned_reason == "Cite the source"


def test_deleting_a_draft(client, draft, staff):
    assessment, _ = draft
    client.force_login(staff)

    response = client.post(action_url(assessment, "delete"), {"version": assessment.version})

    assert response.status_code == 302
    assert not Assessment.objects.filter(pk=assessment.pk).exists()


# Evidence files -------------------------------------------------------------------------


def attachment_url(assessment, benchmark, download=False):
    name = "assessments:attachment-download" if download else "assessments:attachment"
    return reverse(name, args=[assessment.mission.code, assessment.pk, benchmark.pk])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_an_evidence_file_is_stored_and_served_only_as_a_download(
    client, draft, staff, partner, stranger, media
):
    assessment, benchmarks = draft
    client.force_login(staff)

    upload = client.post(
        attachment_url(assessment, benchmarks[0]),
        {"file": SimpleUploadedFile("report.pdf", b"%PDF-1.4 report"), "version": 1},
    )
    download = client.get(attachment_url(assessment, benchmarks[0], download=True))

    assert upload.status_code == 302
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
    assert Assessment.objects.get(pk=assessment.pk).version == 2  # the round was bumped
    client.force_login(stranger)
    assert client.get(attachment_url(assessment, benchmarks[0], download=True)).status_code == 404
    client.force_login(partner)  # drafts are not theirs to see
    assert client.get(attachment_url(assessment, benchmarks[0], download=True)).status_code == 404


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("script.html", 10, "is not a file type we accept here"),
        ("huge.pdf", 10 * 1024 * 1024 + 1, "the limit is 10.0"),
    ],
)
def test_evidence_files_of_a_wrong_type_or_size_are_refused_clearly(
    client, draft, staff, media, name, size, message
):
    assessment, benchmarks = draft
    client.force_login(staff)

    response = client.post(
        attachment_url(assessment, benchmarks[0]),
        {"file": SimpleUploadedFile(name, b"x" * size), "version": 1},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Score.objects.get(benchmark=benchmarks[0]).attachment


# Import ---------------------------------------------------------------------------------


def test_import_errors_are_shown_beside_their_rows_and_nothing_is_written(
    client, mission, staff, plan
):
    plan(2)
    client.force_login(staff)
    content = (
        b"benchmark,as_of,value,rating\n"
        b"bm-sec-0,2026-03-31,80,\n"
        b"bm-nope,2026-03-31,1,\n"
        b"bm-pol-1,2026-03-31,,9\n"
    )

    response = client.post(
        reverse("assessments:import", args=[mission.code]),
        {"label": "UNDSS", "file": SimpleUploadedFile("scores.csv", content)},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "nothing was imported" in html
    table = html.split('class="import-errors"')[1]
    assert ">2</th>" in table and "bm-nope" in table and ">3</th>" in table
    assert ">1</th>" not in table
    assert not Assessment.objects.exists()


def test_a_good_import_creates_rounds(client, mission, staff, plan):
    plan(2)
    client.force_login(staff)
    content = b"benchmark,as_of,value,rating\nbm-sec-0,2026-03-31,80,\nbm-pol-1,2026-03-31,,3\n"

    response = client.post(
        reverse("assessments:import", args=[mission.code]),
        {"label": "UNDSS", "submit": "on", "file": SimpleUploadedFile("s.csv", content)},
    )

    assert response.status_code == 302
    assert Assessment.objects.get(label="UNDSS").status == "submitted"


# Every write URL of the pages, for every persona that may not write ---------------------

WRITES = ["new", "import", "detail", "score", "attachment", "submit", "approve", "return", "delete"]


def _write_url(name, assessment, benchmark):
    code = assessment.mission.code
    if name in ("new", "import"):
        return reverse(f"assessments:{name}", args=[code])
    if name in ("score", "attachment"):
        return reverse(f"assessments:{name}", args=[code, assessment.pk, benchmark.pk])
    return reverse(f"assessments:{name}", args=[code, assessment.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [("observer", 403), ("liaison", 403), ("partner", 403), ("stranger", 404), (None, 302)],
)
@pytest.mark.parametrize("name", WRITES)
def test_assessment_writes_follow_the_permission_matrix(
    client, draft, request, persona, status, name
):
    assessment, benchmarks = draft
    assessment = assessment_submit(actor=assessment.author, assessment=assessment)
    if persona:
        client.force_login(request.getfixturevalue(persona))

    response = client.post(
        _write_url(name, assessment, benchmarks[0]), {"version": 2, "reason": "Why"}
    )

    assert response.status_code == status
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


# Rows kept rendered (exitplan.fragments) ------------------------------------------------


def test_a_kept_grid_row_shows_each_change_at_once(client, draft, staff):
    assessment, benchmarks = draft
    client.force_login(staff)
    client.get(detail_url(assessment))  # every row rendered and kept

    assessment_update(
        actor=staff,
        assessment=assessment,
        data={},
        scores=[{"benchmark": benchmarks[0].code, "value": "35", "evidence": "Police files"}],
    )
    html = client.get(detail_url(assessment)).content.decode()

    assert 'value="35"' in html and "Police files" in html
    assert 'value="40"' not in html


def test_kept_grid_rows_show_inputs_only_while_they_can_be_changed(client, draft, staff):
    assessment, _benchmarks = draft
    client.force_login(staff)
    open_html = client.get(detail_url(assessment)).content.decode()  # inputs, kept
    Mission.objects.filter(pk=assessment.mission_id).update(status=Mission.Status.CLOSED)
    closed_html = client.get(detail_url(assessment)).content.decode()

    assert "<input" in open_html.split('id="grid-title"')[1].split("</table>")[0]
    grid = closed_html.split('id="grid-title"')[1].split("</table>")[0]
    assert "<input" not in grid and "Police" in grid

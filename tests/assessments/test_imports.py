"""The score import service: all or nothing, grouped by date, a rerun changes nothing."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from assessments.imports import (
    MAX_ROWS,
    ImportInvalid,
    rows_from_csv,
    rows_from_xlsx,
    scores_import,
)
from assessments.models import Assessment, Score
from missions.models import AuditEvent
from missions.services import benchmark_create, objective_create, record_update


@pytest.fixture
def plan(mission, admin):
    objective = objective_create(actor=admin, mission=mission, category="security", title="S")
    incidents = benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-incidents",
        title="Incidents",
        kind="quantitative",
        baseline=Decimal(100),
        target=Decimal(20),
    )
    dialogue = benchmark_create(
        actor=admin, objective=objective, code="bm-dialogue", title="Dialogue", kind="rating"
    )
    return {"incidents": incidents, "dialogue": dialogue}


ROWS = [
    {"benchmark": "bm-incidents", "as_of": "2026-03-31", "value": "80", "source": "OCHA"},
    {"benchmark": "bm-dialogue", "as_of": "2026-03-31", "rating": "2"},
    {"benchmark": "bm-incidents", "as_of": "2026-06-30", "value": "60", "evidence": "Q2 report"},
]


def test_it_groups_rows_into_one_joint_dataset_round_per_date(mission, staff, plan):
    result = scores_import(actor=staff, mission=mission, label="UNDSS 2026", rows=ROWS)
    rounds = Assessment.objects.filter(mission=mission, label="UNDSS 2026").order_by("as_of")
    assert [(r.as_of.isoformat(), r.kind, r.method, r.status) for r in rounds] == [
        ("2026-03-31", "joint", "dataset", "draft"),
        ("2026-06-30", "joint", "dataset", "draft"),
    ]
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.assessments == [r.pk for r in rounds]
    assert Score.objects.get(benchmark=plan["incidents"], assessment=rounds[1]).value == 60


def test_a_rerun_of_the_same_rows_changes_nothing(mission, staff, plan):
    scores_import(actor=staff, mission=mission, label="UNDSS 2026", rows=ROWS, submit=True)
    events = AuditEvent.objects.count()
    versions = list(Assessment.objects.values_list("version", flat=True))
    result = scores_import(actor=staff, mission=mission, label="UNDSS 2026", rows=ROWS, submit=True)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.count() == events
    assert list(Assessment.objects.values_list("version", flat=True)) == versions


def test_a_changed_row_updates_a_draft_round(mission, staff, plan):
    scores_import(actor=staff, mission=mission, label="L", rows=ROWS)
    changed = [dict(ROWS[0], value="75"), *ROWS[1:]]
    result = scores_import(actor=staff, mission=mission, label="L", rows=changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert (
        Score.objects.get(benchmark=plan["incidents"], assessment__as_of="2026-03-31").value == 75
    )


def test_changing_a_submitted_round_is_an_error_and_writes_nothing(mission, staff, plan):
    scores_import(actor=staff, mission=mission, label="L", rows=ROWS, submit=True)
    before = list(Score.objects.order_by("id").values_list("value", "rating"))
    with pytest.raises(ImportInvalid) as caught:
        scores_import(
            actor=staff,
            mission=mission,
            label="L",
            rows=[
                dict(ROWS[0], value="50"),
                *ROWS[1:],
                {"benchmark": "bm-dialogue", "as_of": "2026-06-30", "rating": "3"},
            ],
        )
    assert [(e["row"], e["field"]) for e in caught.value.errors] == [(1, "value"), (4, "rating")]
    assert list(Score.objects.order_by("id").values_list("value", "rating")) == before


def test_submit_submits_the_draft_rounds_it_creates(
    mission, staff, plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        scores_import(actor=staff, mission=mission, label="L", rows=ROWS, submit=True)
    assert set(Assessment.objects.filter(label="L").values_list("status", flat=True)) == {
        "submitted"
    }
    assert callbacks, "a readiness recompute is scheduled after commit"


def test_every_error_is_reported_with_its_row_and_nothing_is_written(mission, staff, plan, admin):
    record_update(actor=admin, instance=plan["dialogue"], data={"is_retired": True})
    rows = [
        {"benchmark": "bm-nope", "as_of": "2026-03-31", "value": "1"},
        {"benchmark": "bm-incidents", "as_of": "31/03/2026", "value": "1"},
        {"benchmark": "bm-incidents", "as_of": "2026-03-31", "value": "ten"},
        {"benchmark": "bm-dialogue", "as_of": "2026-03-31", "rating": "2"},
        {"benchmark": "bm-incidents", "as_of": "2026-04-30", "rating": "2"},
        {"benchmark": "bm-incidents", "as_of": "2026-05-31", "value": "1.23456"},
        {"benchmark": "bm-incidents", "as_of": "2026-05-31", "value": "1", "colour": "red"},
        {"benchmark": "bm-incidents", "as_of": "2999-01-01", "value": "1"},
        {"benchmark": "bm-incidents", "as_of": "2026-06-30", "value": "1"},
        {"benchmark": "bm-incidents", "as_of": "2026-06-30", "value": "2"},
    ]
    with pytest.raises(ImportInvalid) as caught:
        scores_import(actor=staff, mission=mission, label="L", rows=rows)
    assert [(e["row"], e["field"]) for e in caught.value.errors] == [
        (1, "benchmark"),
        (2, "as_of"),
        (3, "value"),
        (4, "benchmark"),
        (5, "value"),
        (6, "value"),
        (7, "colour"),
        (8, "as_of"),
        (10, "benchmark"),
    ]
    assert "Row 9 already scores" in caught.value.errors[-1]["detail"]
    assert not Assessment.objects.exists()


def test_a_rating_outside_1_to_4_is_an_error(mission, staff, plan):
    with pytest.raises(ImportInvalid) as caught:
        scores_import(
            actor=staff,
            mission=mission,
            label="L",
            rows=[{"benchmark": "bm-dialogue", "as_of": "2026-01-31", "rating": "5"}],
        )
    assert caught.value.errors == [
        {"row": 1, "field": "rating", "detail": "A rating must be between 1 and 4."}
    ]


def test_more_than_the_limit_is_refused_before_reading_rows(
    mission, staff, plan, django_assert_max_num_queries
):
    rows = [{}] * (MAX_ROWS + 1)
    with django_assert_max_num_queries(4), pytest.raises(ImportInvalid) as caught:
        scores_import(actor=staff, mission=mission, label="L", rows=rows)
    assert caught.value.errors[0]["field"] == "rows"


def test_a_label_is_required(mission, staff, plan):
    with pytest.raises(ImportInvalid) as caught:
        scores_import(actor=staff, mission=mission, label="  ", rows=ROWS)
    assert caught.value.errors[0]["field"] == "label"


@pytest.mark.parametrize("count", [2, 200])
def test_the_query_count_does_not_grow_with_rows(
    mission, staff, plan, count, django_assert_max_num_queries
):
    start = datetime.date(2020, 1, 31)
    rows = [
        {
            "benchmark": "bm-incidents",
            "as_of": (start + datetime.timedelta(days=i)).isoformat(),
            "value": str(i),
        }
        for i in range(count)
    ]
    with django_assert_max_num_queries(10 + 2 * count):  # rounds and audit rows: one per date
        scores_import(actor=staff, mission=mission, label="L", rows=rows)
    assert Score.objects.count() == count


def test_csv_rows_are_read_by_header(mission, staff, plan):
    content = (
        "\ufeffbenchmark,as_of,value,rating,evidence,source\n"
        "bm-incidents,2026-03-31,80,,Q1 report,OCHA\n"
        "bm-dialogue,2026-03-31,,3,,\n"
    ).encode()
    rows = rows_from_csv(content)
    result = scores_import(actor=staff, mission=mission, label="csv", rows=rows)
    assert result.created == 2
    assert Score.objects.get(benchmark=plan["dialogue"]).rating == 3


def test_xlsx_rows_are_read_from_the_first_sheet(mission, staff, plan):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Benchmark", "as_of", "value", "rating"])
    sheet.append(["bm-incidents", datetime.datetime(2026, 3, 31), 80, None])
    sheet.append([None, None, None, None])
    sheet.append(["bm-dialogue", "2026-03-31", None, 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = rows_from_xlsx(buffer.getvalue())
    result = scores_import(actor=staff, mission=mission, label="xlsx", rows=rows)
    assert result.created == 2


def test_a_file_that_is_not_xlsx_is_a_clear_error():
    with pytest.raises(ImportInvalid) as caught:
        rows_from_xlsx(b"not a workbook")
    assert caught.value.errors[0]["field"] == "file"


def test_a_closed_mission_refuses_imports(mission, staff, admin, plan):
    from exitplan.errors import Conflict

    record_update(actor=admin, instance=mission, data={"status": "closed"})
    with pytest.raises(Conflict):
        scores_import(actor=staff, mission=mission, label="L", rows=ROWS)

"""The readiness loader and services on a real database: what counts, query counts, storing."""

import datetime
import importlib
from decimal import Decimal

import pytest
from celery.signals import before_task_publish
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from assessments.models import Assessment, ReadinessSnapshot
from assessments.selectors import (
    every_latest_counted_score,
    latest_counted_scores,
    readiness_inputs,
)
from assessments.services import (
    assessment_create,
    assessment_submit,
    readiness_current,
    readiness_encode,
    readiness_figures,
    readiness_snapshot_create,
    readiness_what_if,
)
from missions.models import PhaseEndorsement
from missions.services import benchmark_create, objective_create, phase_create, record_update
from stakeholders.services import stakeholder_create

D = datetime.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def plan(mission, admin):
    """One objective, two benchmarks: incidents (100 → 20, lower is better), dialogue (rating)."""
    objective = objective_create(
        actor=admin, mission=mission, category="security", title="Security", weight=Decimal(1)
    )
    incidents = benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-incidents",
        title="Incidents",
        kind="quantitative",
        baseline=Decimal(100),
        target=Decimal(20),
        weight=Decimal(3),
        frequency_days=90,
    )
    dialogue = benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-dialogue",
        title="Dialogue",
        kind="rating",
        weight=Decimal(1),
        frequency_days=90,
    )
    return {"objective": objective, "incidents": incidents, "dialogue": dialogue}


def submitted_round(mission, author, as_of, scores):
    assessment = assessment_create(
        actor=author,
        mission=mission,
        as_of=as_of,
        kind="security",
        method="field_visit",
        scores=scores,
    )
    return assessment_submit(assessment=assessment, actor=author)


def test_worked_example_through_the_database(mission, admin, staff, plan):
    # incidents 60: p = (60 - 100) / (20 - 100) = 0.5; dialogue rating 3: p = (3 - 1) / 3 = 2/3
    # objective = (3 × 0.5 + 1 × 2/3) / 4 × 100 = 54.1666… → 54.2
    submitted_round(
        mission,
        staff,
        D,
        [
            {"benchmark": "bm-incidents", "value": Decimal(60)},
            {"benchmark": "bm-dialogue", "rating": Decimal(3)},
        ],
    )
    figures = readiness_figures(mission=mission, as_of=D)
    assert figures["readiness"] == 54.2
    assert figures["confidence"] == 1.0
    assert figures["categories"] == {"security": 54.2}
    # blockers: incidents 3/4 × 0.5 = 0.375; dialogue 1/4 × 1/3 = 0.0833… → 0.083
    assert figures["blockers"] == [
        {"benchmark": "bm-incidents", "share": 0.375, "reason": "below_target"},
        {"benchmark": "bm-dialogue", "share": 0.083, "reason": "below_target"},
    ]
    assert figures["mission"] == mission.code
    assert list(figures)[:4] == ["mission", "as_of", "computed_at", "recomputing"]


# The window (a few benchmarks at a time) and the method's loader (all at once) agree.
LATEST = pytest.mark.parametrize("latest_of", [latest_counted_scores, every_latest_counted_score])


@LATEST
def test_drafts_future_rounds_and_older_scores_do_not_count(mission, admin, staff, plan, latest_of):
    submitted_round(
        mission,
        staff,
        D - datetime.timedelta(days=30),
        [{"benchmark": "bm-incidents", "value": Decimal(90)}],
    )
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])
    submitted_round(
        mission,
        staff,
        D + datetime.timedelta(days=1),
        [{"benchmark": "bm-incidents", "value": Decimal(20)}],
    )
    assessment_create(
        actor=staff,
        mission=mission,
        as_of=D,
        kind="security",
        method="survey",
        scores=[{"benchmark": "bm-incidents", "value": Decimal(20)}],
    )
    latest = {row["benchmark_id"]: row for row in latest_of(mission, D)}
    assert latest[plan["incidents"].pk]["value"] == Decimal(60)
    assert plan["dialogue"].pk not in latest


@LATEST
def test_same_day_tie_goes_to_the_round_created_last(mission, staff, plan, latest_of):
    first = submitted_round(
        mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(90)}]
    )
    second = submitted_round(
        mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(30)}]
    )
    Assessment.objects.filter(pk=first.pk).update(
        created_at=second.created_at + datetime.timedelta(seconds=1)
    )
    latest = {row["benchmark_id"]: row for row in latest_of(mission, D)}
    assert latest[plan["incidents"].pk]["value"] == Decimal(90)


@LATEST
def test_a_full_tie_goes_to_the_higher_round_id(mission, staff, plan, latest_of):
    first = submitted_round(
        mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(90)}]
    )
    second = submitted_round(
        mission,
        staff,
        D,
        [
            {"benchmark": "bm-incidents", "value": Decimal(30)},
            {"benchmark": "bm-dialogue", "rating": Decimal(2)},
        ],
    )
    third = submitted_round(mission, staff, D, [{"benchmark": "bm-dialogue", "rating": Decimal(3)}])
    Assessment.objects.filter(pk__in=[first.pk, third.pk]).update(created_at=second.created_at)

    latest = {row["benchmark_id"]: row for row in latest_of(mission, D)}

    assert latest[plan["incidents"].pk]["assessment_id"] == second.pk
    assert latest[plan["dialogue"].pk]["assessment_id"] == third.pk
    assert latest[plan["dialogue"].pk]["rating"] == Decimal(3)
    assert {row["assessment__status"] for row in latest.values()} == {"submitted"}


def test_retired_items_leave_the_inputs(mission, admin, plan):
    record_update(actor=admin, instance=plan["dialogue"], data={"is_retired": True})
    inputs = readiness_inputs(mission, D)
    assert [b.code for b in inputs.benchmarks] == ["bm-incidents"]


def test_endorsement_dates_are_read_in_the_missions_time_zone(mission, admin, liaison):
    # Kinshasa is UTC+1: 23:30 UTC on 29 June is 30 June there.
    phase = phase_create(
        actor=admin,
        mission=mission,
        order=1,
        kind="handover",
        name="Handover",
        gate_threshold=0,
        requires_endorsement=True,
    )
    government = stakeholder_create(
        actor=admin, mission=mission, name="Gov", kind="host_government"
    )
    PhaseEndorsement.objects.create(
        phase=phase,
        stakeholder=government,
        endorsed_by=liaison,
        endorsed_at=datetime.datetime(2026, 6, 29, 23, 30, tzinfo=datetime.UTC),
        readiness=Decimal("0"),
        gate_threshold=0,
    )
    assert readiness_figures(mission=mission, as_of=datetime.date(2026, 6, 29))["gates"] == [
        {"phase": phase.pk, "open": False, "reasons": ["endorsement_missing"]}
    ]
    assert readiness_figures(mission=mission, as_of=D)["gates"] == [
        {"phase": phase.pk, "open": True, "reasons": []}
    ]


def _grow(mission, admin, staff, benchmarks: int, rounds: int):
    objective = objective_create(actor=admin, mission=mission, category="political", title="Grow")
    for i in range(benchmarks):
        benchmark_create(
            actor=admin,
            objective=objective,
            code=f"bm-grow-{i}",
            title=f"G{i}",
            kind="rating",
            weight=Decimal(1),
        )
    for r in range(rounds):
        submitted_round(
            mission,
            staff,
            D - datetime.timedelta(days=30 * r),
            [
                {"benchmark": f"bm-grow-{i}", "rating": Decimal(1 + (i + r) % 4)}
                for i in range(benchmarks)
            ],
        )


@pytest.mark.parametrize(("benchmarks", "rounds"), [(2, 2), (30, 12)])
def test_loading_costs_the_same_queries_whatever_the_size(
    mission, admin, staff, django_assert_num_queries, benchmarks, rounds
):
    _grow(mission, admin, staff, benchmarks, rounds)
    with django_assert_num_queries(6):
        inputs = readiness_inputs(mission, D)
    assert len(inputs.scores) == benchmarks


def test_a_snapshot_stores_the_figures(mission, staff, plan):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(20)}])
    snapshot = readiness_snapshot_create(mission=mission, as_of=D)
    assert snapshot.readiness == Decimal("75.0")  # 3/4 × 1 + 1/4 × 0 (no data)
    assert snapshot.figures["readiness"] == 75.0
    assert snapshot.figures["benchmarks"][1]["flags"] == ["no_data"]


def test_current_readiness_computes_one_when_there_is_none(mission, plan):
    assert not ReadinessSnapshot.objects.filter(mission=mission).exists()
    figures = readiness_current(mission=mission)
    assert ReadinessSnapshot.objects.filter(mission=mission).count() == 1
    assert figures["recomputing"] is False
    assert figures["readiness"] == 0.0


def test_current_readiness_says_recomputing_after_a_change(
    mission, admin, plan, django_capture_on_commit_callbacks
):
    readiness_current(mission=mission)
    with django_capture_on_commit_callbacks(execute=True):
        record_update(actor=admin, instance=plan["incidents"], data={"target": Decimal(10)})
    assert readiness_current(mission=mission)["recomputing"] is True
    readiness_snapshot_create(mission=mission)
    assert readiness_current(mission=mission)["recomputing"] is False


def test_a_burst_of_edits_enqueues_one_job(
    mission, admin, plan, django_capture_on_commit_callbacks
):
    published = []

    def count(sender=None, **kwargs):
        published.append(sender)

    before_task_publish.connect(count)
    try:
        for target in (30, 25, 21):
            with django_capture_on_commit_callbacks(execute=True):
                record_update(
                    actor=admin, instance=plan["incidents"], data={"target": Decimal(target)}
                )
    finally:
        before_task_publish.disconnect(count)
    assert published == ["assessments.tasks.recompute_readiness"]


def test_what_if_counts_hypothetical_scores_and_stores_nothing(mission, staff, plan):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(100)}])
    before = ReadinessSnapshot.objects.count()
    figures = readiness_what_if(
        mission=mission,
        as_of=D,
        scores=[
            {"benchmark": "bm-incidents", "value": Decimal(20)},
            {"benchmark": "bm-dialogue", "rating": Decimal(4)},
        ],
    )
    assert figures["readiness"] == 100.0
    assert figures["projection"] is None
    assert ReadinessSnapshot.objects.count() == before
    assert readiness_figures(mission=mission, as_of=D)["readiness"] == 0.0


def test_what_if_rejects_unknown_codes_and_wrong_kinds(mission, plan):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        readiness_what_if(
            mission=mission,
            as_of=D,
            scores=[
                {"benchmark": "bm-nope", "value": Decimal(1)},
                {"benchmark": "bm-dialogue", "rating": Decimal(5)},
                {"benchmark": "bm-incidents", "rating": Decimal(2)},
            ],
        )
    assert set(caught.value.message_dict) == {
        "scores[0].benchmark",
        "scores[1].rating",
        "scores[2].value",
    }


def test_snapshot_time_is_now(mission, plan):
    snapshot = readiness_snapshot_create(mission=mission)
    assert abs((timezone.now() - snapshot.computed_at).total_seconds()) < 60


def test_the_migration_encodes_the_snapshots_stored_before_it(mission, plan, monkeypatch):
    from django.apps import apps

    migration = importlib.import_module("assessments.migrations.0005_snapshot_encoded")
    monkeypatch.setattr(migration, "BATCH", 2)  # three snapshots: two batches
    snapshots = [
        readiness_snapshot_create(mission=mission, as_of=D - datetime.timedelta(days=d))
        for d in range(3)
    ]
    ReadinessSnapshot.objects.update(encoded="")

    migration.encode_stored_snapshots(apps, None)

    for snapshot in snapshots:
        stored = ReadinessSnapshot.objects.get(pk=snapshot.pk).encoded
        assert stored == snapshot.encoded
        assert stored == readiness_encode(snapshot.figures)


@pytest.mark.postgres
def test_the_encoded_text_is_stored_with_lz4_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attcompression FROM pg_attribute"
            " WHERE attrelid = 'assessments_readinesssnapshot'::regclass AND attname = 'encoded'"
        )
        assert cursor.fetchone()[0] == "l"

"""The readiness method (DESIGN.md, "Readiness: the method"): worked examples, then properties.

Pure: no database and no Django, so it runs with ``-p no:django``.
"""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.readiness import (
    BenchmarkIn,
    EndorsementIn,
    ObjectiveIn,
    PhaseIn,
    ReadinessInputs,
    ReadinessResult,
    ScoreIn,
    SnapshotIn,
    compute,
    hypothetical_score,
)

D = date(2026, 11, 25)
CREATED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def objective(id, *, weight="1", category="security", order=0, target_phase_id=None, **kw):
    return ObjectiveIn(
        id=id,
        order=order,
        category=category,
        title=f"Objective {id}",
        weight=Decimal(weight),
        target_phase_id=target_phase_id,
        **kw,
    )


def quantitative(id, objective_id, *, baseline, target, weight="1", code=None, **kw):
    return _benchmark(
        id, objective_id, "quantitative", Decimal(baseline), Decimal(target), weight, code, **kw
    )


def rating(id, objective_id, *, weight="1", code=None, **kw):
    return _benchmark(id, objective_id, "rating", None, None, weight, code, **kw)


def _benchmark(id, objective_id, kind, baseline, target, weight, code, **kw):
    kw = {"order": 0, "frequency_days": 90, "critical": False} | kw
    return BenchmarkIn(
        id=id,
        code=code or f"bm-{id}",
        objective_id=objective_id,
        kind=kind,
        baseline=baseline,
        target=target,
        weight=Decimal(weight),
        **kw,
    )


def score(benchmark_id, *, value=None, rating=None, as_of=D, status="approved", **kw):
    return ScoreIn(
        benchmark_id=benchmark_id,
        as_of=as_of,
        value=None if value is None else Decimal(value),
        rating=None if rating is None else Decimal(rating),
        status=status,
        assessment_created_at=kw.get("created_at", CREATED),
        assessment_id=kw.get("assessment_id", 1),
    )


def phase(id, *, threshold=0, order=None, requires_endorsement=False, is_retired=False):
    return PhaseIn(
        id=id,
        order=id if order is None else order,
        gate_threshold=threshold,
        requires_endorsement=requires_endorsement,
        is_retired=is_retired,
    )


def snapshot(day_offset, readiness, *, computed_at=CREATED):
    return SnapshotIn(
        as_of=D + days(day_offset), computed_at=computed_at, readiness=Decimal(readiness)
    )


def run(**kw) -> ReadinessResult:
    return compute(ReadinessInputs(as_of=kw.pop("as_of", D), **kw))


def one_benchmark(bm: BenchmarkIn, *scores: ScoreIn) -> ReadinessResult:
    return run(objectives=[objective(bm.objective_id)], benchmarks=[bm], scores=scores)


def progress_of(result: ReadinessResult, code: str) -> float:
    return next(b for b in result.to_dict()["benchmarks"] if b["code"] == code)["progress"]


# --- worked examples ------------------------------------------------------------------


def test_two_objectives_of_different_weights_give_the_whole_resource():
    result = run(
        objectives=[
            objective(1, weight="3", category="security", order=1),
            objective(2, weight="1", category="political", order=2),
        ],
        benchmarks=[
            quantitative(11, 1, baseline="100", target="200", code="sec-up"),
            rating(12, 1, code="sec-rating"),
            quantitative(21, 2, baseline="800", target="400", code="pol-down"),
        ],
        scores=[score(11, value="150"), score(12, rating="3"), score(21, value="500")],
    )
    p_up = Fraction(150 - 100, 200 - 100)  # 1/2
    p_rating = Fraction(3 - 1, 3)  # 2/3
    p_down = Fraction(500 - 800, 400 - 800)  # 3/4: target below baseline
    security = (p_up + p_rating) / 2 * 100  # 58.333...
    political = p_down * 100  # 75
    assert result.readiness_exact == (3 * security + 1 * political) / 4 == 62.5
    assert result.confidence_exact == 1
    assert result.to_dict() == {
        "as_of": "2026-11-25",
        "readiness": 62.5,
        "confidence": 1.0,
        "flags": [],
        "categories": {"security": 58.3, "political": 75.0},
        "objectives": [
            {
                "id": 1,
                "title": "Objective 1",
                "category": "security",
                "readiness": 58.3,
                "flags": [],
            },
            {
                "id": 2,
                "title": "Objective 2",
                "category": "political",
                "readiness": 75.0,
                "flags": [],
            },
        ],
        "benchmarks": [
            {
                "code": "sec-up",
                "progress": 0.5,
                "met": False,
                "flags": [],
                "latest": {"as_of": "2026-11-25", "value": "150.0000", "rating": None},
            },
            {
                "code": "sec-rating",
                "progress": 0.667,
                "met": False,
                "flags": [],
                "latest": {"as_of": "2026-11-25", "value": None, "rating": "3.0000"},
            },
            {
                "code": "pol-down",
                "progress": 0.75,
                "met": False,
                "flags": [],
                "latest": {"as_of": "2026-11-25", "value": "500.0000", "rating": None},
            },
        ],
        # share = objective_share x benchmark_share x (1 - p), rounded half up:
        "blockers": [
            {"benchmark": "sec-up", "share": 0.188, "reason": "below_target"},  # 3/4*1/2*1/2=0.1875
            {"benchmark": "sec-rating", "share": 0.125, "reason": "below_target"},  # 3/4*1/2*1/3
            {"benchmark": "pol-down", "share": 0.063, "reason": "below_target"},  # 1/4*1*1/4=0.0625
        ],
        "gates": [],
        "projection": {"status": "insufficient_data", "date": None},
    }
    assert sum(b.share_exact for b in result.blockers) == Fraction(375, 1000)  # (100 - 62.5) / 100


@pytest.mark.parametrize(
    ("baseline", "target", "value", "progress"),
    [
        ("100", "200", "250", 1.0),  # past the target: clamped to 1
        ("100", "200", "50", 0.0),  # behind the baseline: clamped to 0
        ("800", "400", "300", 1.0),  # decreasing, past the target: (300-800)/(400-800)=1.25
        ("800", "400", "900", 0.0),  # decreasing, worse than baseline: -0.25
    ],
)
def test_quantitative_progress_is_clamped_to_0_and_1(baseline, target, value, progress):
    result = one_benchmark(
        quantitative(11, 1, baseline=baseline, target=target), score(11, value=value)
    )
    assert progress_of(result, "bm-11") == progress
    assert result.benchmarks[0].met is (progress == 1)


@pytest.mark.parametrize(("given_rating", "progress"), [("1", 0.0), ("2.5", 0.5), ("4", 1.0)])
def test_rating_progress_is_rating_minus_one_over_three(given_rating, progress):
    result = one_benchmark(rating(11, 1), score(11, rating=given_rating))
    assert progress_of(result, "bm-11") == progress


@pytest.mark.parametrize(("value", "met"), [("0", True), ("-3", False), ("5", False)])
def test_equal_baseline_and_target_is_met_only_on_the_target(value, met):
    result = one_benchmark(quantitative(11, 1, baseline="0", target="0"), score(11, value=value))
    assert result.benchmarks[0].met is met
    assert result.readiness == (100 if met else 0)


def test_a_score_older_than_twice_the_frequency_is_stale_and_not_in_confidence():
    result = run(
        objectives=[objective(1)],
        benchmarks=[
            rating(11, 1, frequency_days=30),
            rating(12, 1, frequency_days=30),
        ],
        # d - as_of: 61 > 2 x 30 is stale; 60 is not.
        scores=[
            score(11, rating="2", as_of=D - days(61)),
            score(12, rating="2", as_of=D - days(60)),
        ],
    )
    assert [b["flags"] for b in result.to_dict()["benchmarks"]] == [["stale"], []]
    assert result.readiness_exact == Fraction(1, 3) * 100  # stale scores still count
    assert result.confidence == Decimal("0.500")  # only bm-12: 1 x 1/2
    assert [(b.benchmark, b.reason) for b in result.blockers] == [
        ("bm-11", "stale"),
        ("bm-12", "below_target"),
    ]


def test_a_benchmark_without_a_counted_score_has_no_data():
    result = one_benchmark(rating(11, 1))
    assert result.to_dict()["benchmarks"][0] == {
        "code": "bm-11",
        "progress": 0.0,
        "met": False,
        "flags": ["no_data"],
        "latest": None,
    }
    assert result.confidence == 0
    assert result.to_dict()["blockers"] == [
        {"benchmark": "bm-11", "share": 1.0, "reason": "no_data"}
    ]


def test_blockers_rank_by_the_share_as_shown_then_by_code():
    result = run(
        objectives=[objective(1)],
        benchmarks=[
            rating(11, 1, weight="1001", code="z-heavier"),  # 1001/2001 = 0.50025 -> 0.500
            rating(12, 1, weight="1000", code="a-lighter"),  # 1000/2001 = 0.49975 -> 0.500
        ],
    )
    assert [b.benchmark for b in result.blockers] == ["a-lighter", "z-heavier"]
    assert [b.share for b in result.blockers] == [Decimal("0.500"), Decimal("0.500")]


def test_of_two_scores_on_one_date_the_later_created_assessment_wins():
    later = CREATED + timedelta(hours=1)
    result = one_benchmark(
        rating(11, 1),
        score(11, rating="4", created_at=later, assessment_id=1),
        score(11, rating="2", created_at=CREATED, assessment_id=9),
        score(11, rating="1", as_of=D - days(1), created_at=later + days(9), assessment_id=99),
    )
    assert result.benchmarks[0].latest.rating == Decimal("4")


def test_of_two_scores_created_together_the_higher_assessment_id_wins():
    result = one_benchmark(
        rating(11, 1),
        score(11, rating="3", assessment_id=8),
        score(11, rating="2", assessment_id=7),
    )
    assert result.benchmarks[0].latest.rating == Decimal("3")


def test_a_hypothetical_score_wins_every_tie_on_its_day():
    real = score(
        11, rating="4", created_at=datetime(2026, 11, 25, 23, tzinfo=UTC), assessment_id=10**9
    )
    result = one_benchmark(
        rating(11, 1), real, hypothetical_score(benchmark_id=11, as_of=D, rating=Decimal(2))
    )
    assert result.benchmarks[0].latest.rating == Decimal("2")


def test_naive_and_aware_creation_times_compare_without_error():
    naive = datetime(2026, 1, 1, 10, 0)  # read as UTC: one hour after CREATED
    result = one_benchmark(
        rating(11, 1), score(11, rating="2", created_at=naive), score(11, rating="3")
    )
    assert result.benchmarks[0].latest.rating == Decimal("2")


def test_drafts_and_scores_after_d_never_count():
    result = one_benchmark(
        rating(11, 1),
        score(11, rating="2", as_of=D - days(5), status="submitted"),
        score(11, rating="4", status="draft"),
        score(11, rating="4", as_of=D + days(1)),
    )
    assert result.benchmarks[0].latest.rating == Decimal("2")


def test_a_score_without_its_figure_is_no_score():
    result = one_benchmark(
        quantitative(11, 1, baseline="0", target="10"),
        score(11, value="5", as_of=D - days(3)),
        score(11, value=None, rating="4"),  # a rating on a quantitative benchmark
    )
    assert result.benchmarks[0].latest.value == Decimal("5")


def test_a_quantitative_benchmark_without_a_scale_has_no_data_but_shows_its_score():
    bm = replace(quantitative(11, 1, baseline="0", target="10"), baseline=None)
    result = one_benchmark(bm, score(11, value="10"))
    assert result.to_dict()["benchmarks"][0]["flags"] == ["no_data"]
    assert result.to_dict()["benchmarks"][0]["latest"]["value"] == "10.0000"
    assert (result.readiness, result.confidence) == (0, 0)


def test_figures_round_half_up():
    # p = 62.25 / 100 = 0.6225 exactly: 0.623 and 62.3 (half-even would give 0.622, 62.2)
    result = one_benchmark(
        quantitative(11, 1, baseline="0", target="100"), score(11, value="62.25")
    )
    data = result.to_dict()
    assert (data["benchmarks"][0]["progress"], data["readiness"]) == (0.623, 62.3)
    assert data["categories"] == {"security": 62.3}
    assert data["objectives"][0]["readiness"] == 62.3


def test_a_gate_compares_the_readiness_as_shown():
    result = run(
        objectives=[objective(1)],
        benchmarks=[quantitative(11, 1, baseline="0", target="100")],
        scores=[score(11, value="59.95")],  # readiness 59.95, shown 60.0
        phases=[phase(1, threshold=60), phase(2, threshold=61)],
    )
    assert result.to_dict()["gates"] == [
        {"phase": 1, "open": True, "reasons": []},
        {"phase": 2, "open": False, "reasons": ["below_threshold"]},
    ]


def test_a_critical_benchmark_closes_its_target_phase_and_every_later_one():
    result = run(
        objectives=[objective(1, target_phase_id=2), objective(2)],  # objective 2: last phase
        benchmarks=[
            rating(11, 1, critical=True),
            rating(21, 2, critical=True),
            rating(12, 1, critical=False),
        ],
        scores=[score(11, rating="3"), score(21, rating="4")],
        phases=[phase(1), phase(2), phase(3)],
    )
    assert [(g.phase, g.reasons) for g in result.gates] == [
        (1, ()),
        (2, ("critical_not_met",)),
        (3, ("critical_not_met",)),
    ]


def test_an_objective_without_a_target_phase_counts_at_the_last_phase():
    result = run(
        objectives=[objective(1), objective(2, target_phase_id=9)],  # 9 is retired
        benchmarks=[rating(11, 1, critical=True), rating(21, 2, critical=True)],
        phases=[phase(1), phase(2), phase(9, order=0, is_retired=True)],
    )
    assert [(g.phase, g.open) for g in result.gates] == [(1, True), (2, False)]


@pytest.mark.parametrize(
    ("endorsement", "is_open"),
    [
        (None, False),
        (EndorsementIn(1, "host_government", D, None), True),  # recorded on d
        (EndorsementIn(1, "host_government", D + days(1), None), False),  # after d
        (EndorsementIn(1, "host_government", D - days(9), D), False),  # withdrawn by d
        (EndorsementIn(1, "host_government", D - days(9), D + days(1)), True),  # withdrawn after d
        (EndorsementIn(1, "ngo", D - days(9), None), False),  # not the host government
        (EndorsementIn(2, "host_government", D - days(9), None), False),  # another phase
    ],
)
def test_a_gate_that_requires_it_needs_a_host_government_endorsement(endorsement, is_open):
    result = run(
        phases=[phase(1, requires_endorsement=True), phase(2, requires_endorsement=True)],
        endorsements=[endorsement] if endorsement else [],
    )
    assert result.to_dict()["gates"][0] == {
        "phase": 1,
        "open": is_open,
        "reasons": [] if is_open else ["endorsement_missing"],
    }


def test_a_gate_lists_every_reason_it_is_shut():
    result = run(
        objectives=[objective(1)],
        benchmarks=[rating(11, 1, critical=True)],
        phases=[phase(1, threshold=50, requires_endorsement=True)],
    )
    assert result.gates[0].reasons == ("below_threshold", "critical_not_met", "endorsement_missing")


def test_a_mission_without_objectives_reads_zero_and_still_has_gates():
    result = run(phases=[phase(1, threshold=0), phase(2, threshold=10)])
    data = result.to_dict()
    assert (data["readiness"], data["confidence"], data["flags"]) == (0.0, 0.0, ["no_objectives"])
    assert (data["categories"], data["objectives"], data["blockers"]) == ({}, [], [])
    assert data["gates"] == [
        {"phase": 1, "open": True, "reasons": []},
        {"phase": 2, "open": False, "reasons": ["below_threshold"]},
    ]


def test_an_objective_without_benchmarks_reads_zero():
    result = run(
        objectives=[objective(1), objective(2, category="political")],
        benchmarks=[rating(11, 1)],
        scores=[score(11, rating="4")],
    )
    data = result.to_dict()
    assert [o["flags"] for o in data["objectives"]] == [[], ["no_benchmarks"]]
    assert data["categories"] == {"security": 100.0, "political": 0.0}
    assert (data["readiness"], data["confidence"], data["blockers"]) == (50.0, 0.5, [])


def test_a_mission_without_phases_has_no_gates_and_no_projection():
    snapshots = [snapshot(-120, "40"), snapshot(-60, "50"), snapshot(0, "60")]
    result = run(snapshots=snapshots)
    assert result.to_dict()["gates"] == []
    assert result.to_dict()["projection"] == {"status": "insufficient_data", "date": None}


def test_retired_items_never_count():
    result = run(
        objectives=[
            objective(1),
            objective(2, category="political", is_retired=True),
        ],
        benchmarks=[
            rating(11, 1),
            rating(12, 1, is_retired=True, critical=True),
            rating(21, 2, critical=True),  # active, but its objective is retired
        ],
        scores=[score(11, rating="4"), score(21, rating="1")],
        phases=[phase(1, threshold=100), phase(2, threshold=100, is_retired=True)],
    )
    data = result.to_dict()
    assert (data["readiness"], data["categories"]) == (100.0, {"security": 100.0})
    assert [b["code"] for b in data["benchmarks"]] == ["bm-11"]
    assert data["gates"] == [{"phase": 1, "open": True, "reasons": []}]


# --- projection -----------------------------------------------------------------------

RISING = [snapshot(-120, "40"), snapshot(-60, "50"), snapshot(0, "60")]  # 1/6 a day, 60 at d


@pytest.mark.parametrize(
    ("planned_exit", "status"),
    [(D + days(120), "on_track"), (D + days(119), "at_risk"), (None, "at_risk")],
)
def test_projection_finds_the_day_the_line_reaches_the_last_threshold(planned_exit, status):
    # (80 - 60) / (1/6) = 120 days after d
    result = run(planned_exit=planned_exit, phases=[phase(1, threshold=80)], snapshots=RISING)
    assert result.to_dict()["projection"] == {"status": status, "date": "2027-03-25"}


def test_projection_rounds_up_to_the_first_whole_day():
    # x = -120, -60, 0; y = 40, 50, 61: slope 1260/7200 = 0.175, at d 151/3 + 0.175*60 = 60.833
    points = [snapshot(-120, "40"), snapshot(-60, "50"), snapshot(0, "61")]
    result = run(planned_exit=D + days(365), phases=[phase(1, threshold=80)], snapshots=points)
    assert result.projection.date == D + days(110)  # (80 - 60.833) / 0.175 = 109.5


def test_projection_is_d_when_the_line_is_already_there():
    result = run(planned_exit=D, phases=[phase(1, threshold=60)], snapshots=RISING)
    assert result.to_dict()["projection"] == {"status": "on_track", "date": "2026-11-25"}


@pytest.mark.parametrize("last", ["50", "20"], ids=["flat", "declining"])
def test_projection_is_at_risk_without_a_date_when_the_line_never_gets_there(last):
    points = [snapshot(-120, "50"), snapshot(-60, "50"), snapshot(0, last)]
    result = run(planned_exit=D + days(999), phases=[phase(1, threshold=80)], snapshots=points)
    assert result.to_dict()["projection"] == {"status": "at_risk", "date": None}


@pytest.mark.parametrize(
    "points",
    [
        [snapshot(-120, "40"), snapshot(0, "60")],  # two days
        [snapshot(-59, "40"), snapshot(-30, "50"), snapshot(0, "60")],  # span 59 days
        [snapshot(-181, "40"), snapshot(-60, "50"), snapshot(0, "60")],  # one outside 180 days
        [snapshot(-120, "40"), snapshot(0, "50"), snapshot(0, "60", computed_at=CREATED + days(1))],
        [snapshot(-120, "40"), snapshot(-60, "50"), snapshot(1, "60")],  # one after d
    ],
)
def test_projection_needs_three_days_spanning_sixty(points):
    result = run(phases=[phase(1, threshold=80)], snapshots=points)
    assert result.to_dict()["projection"] == {"status": "insufficient_data", "date": None}


def test_projection_uses_the_latest_snapshot_of_each_day():
    later = CREATED + timedelta(hours=5)
    points = [snapshot(-60, "50", computed_at=later), snapshot(-60, "10"), *RISING[::2]]
    result = run(planned_exit=D + days(120), phases=[phase(1, threshold=80)], snapshots=points)
    assert result.projection.date == D + days(120)  # the same line as RISING


def test_projection_is_left_out_when_not_asked_for():
    result = compute(
        ReadinessInputs(as_of=D, phases=[phase(1)], snapshots=RISING), include_projection=False
    )
    assert result.projection is None
    assert result.to_dict()["projection"] is None


# --- properties -----------------------------------------------------------------------

CATEGORIES = ["security", "political", "rule_of_law"]
WEIGHTS = st.sampled_from(["1", "2", "3", "0.5", "2.25", "10"]).map(Decimal)
PROPERTY_SETTINGS = settings(max_examples=120, deadline=None)


@st.composite
def plans(draw, *, min_objectives=0, every_objective_has_benchmarks=False):
    """A random but legal plan with scores, phases, endorsements and snapshots."""
    phase_ids = list(range(1, draw(st.integers(0, 3)) + 1))
    phases = [
        phase(i, threshold=draw(st.integers(0, 100)), requires_endorsement=draw(st.booleans()))
        for i in phase_ids
    ]
    endorsements = [
        EndorsementIn(
            phase_id=draw(st.sampled_from(phase_ids)),
            stakeholder_kind=draw(st.sampled_from(["host_government", "ngo"])),
            endorsed_on=D - days(draw(st.integers(-5, 30))),
            withdrawn_on=draw(st.none() | st.integers(-5, 5).map(lambda n: D + days(n))),
        )
        for _ in range(draw(st.integers(0, 3) if phase_ids else st.just(0)))
    ]
    objectives, benchmarks, scores = [], [], []
    for o_id in range(1, draw(st.integers(min_objectives, 4)) + 1):
        objectives.append(
            objective(
                o_id,
                order=draw(st.integers(0, 3)),
                category=draw(st.sampled_from(CATEGORIES)),
                weight=draw(WEIGHTS),
                target_phase_id=draw(st.sampled_from([None, *phase_ids])),
            )
        )
        for _ in range(draw(st.integers(1 if every_objective_has_benchmarks else 0, 3))):
            b_id = len(benchmarks) + 100
            common = {
                "weight": draw(WEIGHTS),
                "order": draw(st.integers(0, 2)),
                "frequency_days": draw(st.integers(1, 60)),
                "critical": draw(st.booleans()),
            }
            if draw(st.booleans()):
                ends = st.integers(-50, 50).map(str)
                bm = quantitative(b_id, o_id, baseline=draw(ends), target=draw(ends), **common)
                figure = {"value": st.integers(-100, 100).map(str)}
            else:
                bm = rating(b_id, o_id, **common)
                figure = {"rating": st.integers(4, 16).map(lambda q: str(Decimal(q) / 4))}
            benchmarks.append(bm)
            for _ in range(draw(st.integers(0, 2))):
                scores.append(
                    score(
                        b_id,
                        as_of=D - days(draw(st.integers(0, 150))),
                        status=draw(st.sampled_from(["submitted", "approved", "draft"])),
                        created_at=CREATED + timedelta(hours=draw(st.integers(0, 3))),
                        assessment_id=draw(st.integers(1, 5)),
                        **{k: draw(v) for k, v in figure.items()},
                    )
                )
    snapshots = [
        snapshot(-draw(st.integers(0, 200)), str(Decimal(draw(st.integers(0, 1000))) / 10))
        for _ in range(draw(st.integers(0, 6)))
    ]
    return ReadinessInputs(
        as_of=D,
        planned_exit=draw(st.none() | st.integers(0, 400).map(lambda n: D + days(n))),
        objectives=objectives,
        benchmarks=benchmarks,
        scores=scores,
        phases=phases,
        endorsements=endorsements,
        snapshots=snapshots,
    )


def figures(result: ReadinessResult) -> list[Fraction]:
    """Every readiness figure and the confidence, exact, in a fixed order."""
    return [
        result.readiness_exact,
        result.confidence_exact,
        *result.categories_exact.values(),
        *(o.readiness_exact for o in result.objectives),
    ]


@PROPERTY_SETTINGS
@given(plans())
def test_figures_stay_within_their_ranges(inputs):
    result = compute(inputs)
    assert 0 <= result.readiness_exact <= 100
    assert all(0 <= v <= 100 for v in result.categories_exact.values())
    assert all(0 <= o.readiness_exact <= 100 for o in result.objectives)
    assert 0 <= result.confidence_exact <= 1
    assert all(0 <= b.progress_exact <= 1 for b in result.benchmarks)
    assert all(0 <= b.share_exact <= 1 for b in result.blockers)
    assert [(-b.share, b.benchmark) for b in result.blockers] == sorted(
        (-b.share, b.benchmark) for b in result.blockers
    )
    json.dumps(result.to_dict())


@PROPERTY_SETTINGS
@given(plans(min_objectives=1, every_objective_has_benchmarks=True), st.data())
def test_moving_a_score_toward_its_target_never_lowers_a_figure(inputs, data):
    before = compute(inputs)
    scored = [b for b in before.benchmarks if b.latest is not None]
    if not scored:
        return
    chosen = data.draw(st.sampled_from(scored))
    bm = next(b for b in inputs.benchmarks if b.id == chosen.id)
    step = Decimal(data.draw(st.integers(0, 4))) / 4
    if bm.kind == "quantitative":
        old = chosen.latest.value
        moved = {"value": old + (bm.target - old) * step}
    else:
        old = chosen.latest.rating
        moved = {"rating": old + (4 - old) * step}
    better = hypothetical_score(benchmark_id=bm.id, as_of=chosen.latest.as_of, **moved)
    after = compute(replace(inputs, scores=[*inputs.scores, better]))
    assert all(a >= b for a, b in zip(figures(after), figures(before), strict=True))
    assert after.confidence_exact == before.confidence_exact


@PROPERTY_SETTINGS
@given(plans(), st.sampled_from(["0.5", "3", "7.25"]).map(Decimal))
def test_scaling_every_weight_changes_nothing(inputs, factor):
    scaled = replace(
        inputs,
        objectives=[replace(o, weight=o.weight * factor) for o in inputs.objectives],
        benchmarks=[replace(b, weight=b.weight * factor) for b in inputs.benchmarks],
    )
    before, after = compute(inputs), compute(scaled)
    assert figures(after) == figures(before)
    assert after.to_dict() == before.to_dict()


@PROPERTY_SETTINGS
@given(plans(min_objectives=1, every_objective_has_benchmarks=True))
def test_a_plan_with_every_benchmark_met_reads_100(inputs):
    on_target = [
        score(b.id, value=b.target) if b.kind == "quantitative" else score(b.id, rating="4")
        for b in inputs.benchmarks
    ]
    result = compute(replace(inputs, scores=on_target))
    assert result.readiness_exact == 100
    assert set(figures(result)) == {100, 1}  # and confidence 1
    assert result.blockers == ()
    assert not any("critical_not_met" in g.reasons for g in result.gates)


@PROPERTY_SETTINGS
@given(plans(), st.data())
def test_adding_drafts_or_scores_after_d_changes_nothing(inputs, data):
    ids = [b.id for b in inputs.benchmarks] or [1]
    ignored = [
        score(
            data.draw(st.sampled_from(ids)),
            value="1000",
            rating="4",
            as_of=as_of,
            status=status,
            created_at=CREATED + days(400),
            assessment_id=10**6,
        )
        for as_of, status in data.draw(
            st.lists(
                st.one_of(
                    st.tuples(st.integers(-150, 30).map(lambda n: D + days(n)), st.just("draft")),
                    st.tuples(
                        st.integers(1, 30).map(lambda n: D + days(n)),
                        st.sampled_from(["submitted", "approved"]),
                    ),
                ),
                max_size=4,
            )
        )
    ]
    with_ignored = replace(inputs, scores=[*inputs.scores, *ignored])
    assert compute(with_ignored).to_dict() == compute(inputs).to_dict()


@PROPERTY_SETTINGS
@given(plans(), plans(min_objectives=1))
def test_adding_retired_items_changes_nothing(inputs, other):
    """Everything from ``other``, retired (or under a retired objective), changes nothing."""
    shift = 10_000
    retired_objectives = [
        replace(o, id=o.id + shift, is_retired=True, target_phase_id=None) for o in other.objectives
    ]
    own_objective_ids = [o.id for o in inputs.objectives]
    retired_benchmarks = [
        replace(b, id=b.id + shift, code=f"retired-{b.id}", objective_id=b.objective_id + shift)
        for b in other.benchmarks
    ] + [  # retired benchmarks on the objectives that count
        replace(
            b,
            id=b.id + 2 * shift,
            code=f"gone-{b.id}",
            objective_id=own_objective_ids[b.id % len(own_objective_ids)],
            is_retired=True,
        )
        for b in other.benchmarks
        if own_objective_ids
    ]
    retired_scores = [
        replace(s, benchmark_id=s.benchmark_id + k * shift) for s in other.scores for k in (1, 2)
    ]
    retired_phases = [
        replace(p, id=p.id + shift, order=p.order * 2 - 3, is_retired=True) for p in other.phases
    ]
    retired_endorsements = [replace(e, phase_id=e.phase_id + shift) for e in other.endorsements]
    with_retired = replace(
        inputs,
        objectives=[*inputs.objectives, *retired_objectives],
        benchmarks=[*inputs.benchmarks, *retired_benchmarks],
        scores=[*inputs.scores, *retired_scores],
        phases=[*inputs.phases, *retired_phases],
        endorsements=[*inputs.endorsements, *retired_endorsements],
    )
    assert compute(with_retired).to_dict() == compute(inputs).to_dict()


@PROPERTY_SETTINGS
@given(plans(min_objectives=1, every_objective_has_benchmarks=True))
def test_blockers_share_out_exactly_what_readiness_lacks(inputs):
    result = compute(inputs)
    assert sum(b.share_exact for b in result.blockers) == (100 - result.readiness_exact) / 100

"""The readiness method of DESIGN.md ("Readiness: the method"), as a pure function.

Plain inputs in, figures out: no Django, no I/O. A thin loader fills the input dataclasses
from the database (or from a what-if request) and stores or serialises the result, so the
arithmetic can be tested exhaustively without a database.

All arithmetic is exact (``fractions.Fraction``): the properties the tests assert (shares of
the blockers summing to what is missing, scaling weights changing nothing) hold exactly, and
figures are rounded only once, at output, half up.

Decisions DESIGN.md leaves open, taken here:

- A score whose figure is missing for its benchmark's kind (a quantitative score without
  ``value``, a rating score without ``rating``) is not a score: the latest *usable* counted
  score is chosen, as if the empty one were not there.
- A quantitative benchmark without ``baseline`` or ``target`` (the database forbids it) has
  no scale to measure progress on: progress 0, flagged ``no_data``, no confidence, blocker
  reason ``no_data``; its latest score is still reported, because it exists.
- A rating outside 1-4 (the database forbids it too) is clamped like a quantitative value,
  so progress stays in [0, 1].
- An objective whose target phase is retired, or unknown to the inputs, counts at the last
  phase (the highest-order phase that is not retired), like one without a target phase.
- Naive datetimes (``assessment_created_at``, ``computed_at``) are read as UTC, so they can
  be compared with aware ones instead of raising.
- Exact ties between scores or between snapshots of one day (only hypothetical scores can
  tie) go to the one given last.
- The projection's "readiness at d" is the fitted line's value at ``d``; a line that would
  reach the threshold only after ``date.max`` never reaches it (``at_risk``, date null).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, Final

QUANTITATIVE: Final = "quantitative"
RATING: Final = "rating"
COUNTED_STATUSES: Final = frozenset({"submitted", "approved"})
HOST_GOVERNMENT: Final = "host_government"

# Flags and reasons, as the readiness resource names them.
NO_DATA: Final = "no_data"
STALE: Final = "stale"
BELOW_TARGET: Final = "below_target"
NO_BENCHMARKS: Final = "no_benchmarks"
NO_OBJECTIVES: Final = "no_objectives"
BELOW_THRESHOLD: Final = "below_threshold"
CRITICAL_NOT_MET: Final = "critical_not_met"
ENDORSEMENT_MISSING: Final = "endorsement_missing"
ON_TRACK: Final = "on_track"
AT_RISK: Final = "at_risk"
INSUFFICIENT_DATA: Final = "insufficient_data"

PROJECTION_WINDOW_DAYS: Final = 180
PROJECTION_MIN_DAYS: Final = 3
PROJECTION_MIN_SPAN_DAYS: Final = 60

# A what-if score must win every tie against real scores of the same day.
HYPOTHETICAL_CREATED_AT: Final = datetime.max.replace(tzinfo=UTC)
HYPOTHETICAL_ASSESSMENT_ID: Final = 2**63 - 1

_ZERO: Final = Fraction(0)
_ONE: Final = Fraction(1)
_HUNDRED: Final = Fraction(100)
# Enough digits for any DecimalField the models declare; quantize must never overflow.
_DECIMAL_CONTEXT: Final = Context(prec=60)
_FOUR_PLACES: Final = Decimal("0.0001")


# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectiveIn:
    id: int
    order: int
    category: str
    title: str
    weight: Decimal
    target_phase_id: int | None
    is_retired: bool = False


@dataclass(frozen=True, slots=True)
class BenchmarkIn:
    id: int
    code: str
    objective_id: int
    order: int
    kind: str  # QUANTITATIVE or RATING
    baseline: Decimal | None
    target: Decimal | None
    weight: Decimal
    frequency_days: int
    critical: bool
    is_retired: bool = False


@dataclass(frozen=True, slots=True)
class ScoreIn:
    """One candidate score; ``compute`` picks each benchmark's latest counted one itself."""

    benchmark_id: int
    as_of: date
    value: Decimal | None
    rating: Decimal | None
    status: str  # the assessment's: "draft", "submitted" or "approved"
    assessment_created_at: datetime
    assessment_id: int


@dataclass(frozen=True, slots=True)
class PhaseIn:
    id: int
    order: int
    gate_threshold: int
    requires_endorsement: bool
    is_retired: bool = False


@dataclass(frozen=True, slots=True)
class EndorsementIn:
    """An endorsement; its dates are already in the mission's timezone."""

    phase_id: int
    stakeholder_kind: str
    endorsed_on: date
    withdrawn_on: date | None


@dataclass(frozen=True, slots=True)
class SnapshotIn:
    as_of: date
    computed_at: datetime
    readiness: Decimal


@dataclass(frozen=True, slots=True)
class ReadinessInputs:
    as_of: date
    planned_exit: date | None = None
    objectives: Sequence[ObjectiveIn] = ()
    benchmarks: Sequence[BenchmarkIn] = ()
    scores: Sequence[ScoreIn] = ()
    phases: Sequence[PhaseIn] = ()
    endorsements: Sequence[EndorsementIn] = ()
    snapshots: Sequence[SnapshotIn] = ()


def hypothetical_score(
    *,
    benchmark_id: int,
    as_of: date,
    value: Decimal | None = None,
    rating: Decimal | None = None,
) -> ScoreIn:
    """A what-if score: counted as submitted and after every real score of its day."""
    return ScoreIn(
        benchmark_id=benchmark_id,
        as_of=as_of,
        value=value,
        rating=rating,
        status="submitted",
        assessment_created_at=HYPOTHETICAL_CREATED_AT,
        assessment_id=HYPOTHETICAL_ASSESSMENT_ID,
    )


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LatestScore:
    as_of: date
    value: Decimal | None
    rating: Decimal | None


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    id: int
    title: str
    category: str
    readiness_exact: Fraction
    readiness: Decimal
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BenchmarkResult:
    id: int
    code: str
    objective_id: int
    progress_exact: Fraction
    progress: Decimal
    met: bool
    flags: tuple[str, ...]
    latest: LatestScore | None
    # objective_share * benchmark_share: what this benchmark weighs in the mission figure.
    effective_weight: Fraction


@dataclass(frozen=True, slots=True)
class Blocker:
    benchmark: str  # the benchmark's code
    share_exact: Fraction
    share: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Gate:
    phase: int  # the phase's id
    open: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Projection:
    status: str
    date: date | None


@dataclass(frozen=True, slots=True)
class ReadinessResult:
    as_of: date
    readiness_exact: Fraction
    readiness: Decimal
    confidence_exact: Fraction
    confidence: Decimal
    flags: tuple[str, ...]
    categories_exact: dict[str, Fraction]
    categories: dict[str, Decimal]
    objectives: tuple[ObjectiveResult, ...]
    benchmarks: tuple[BenchmarkResult, ...]
    blockers: tuple[Blocker, ...]
    gates: tuple[Gate, ...]
    projection: Projection | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """The readiness resource, without ``mission``, ``computed_at`` and ``recomputing``."""
        return {
            "as_of": self.as_of.isoformat(),
            "readiness": float(self.readiness),
            "confidence": float(self.confidence),
            "flags": list(self.flags),
            "categories": {name: float(value) for name, value in self.categories.items()},
            "objectives": [
                {
                    "id": o.id,
                    "title": o.title,
                    "category": o.category,
                    "readiness": float(o.readiness),
                    "flags": list(o.flags),
                }
                for o in self.objectives
            ],
            "benchmarks": [
                {
                    "code": b.code,
                    "progress": float(b.progress),
                    "met": b.met,
                    "flags": list(b.flags),
                    "latest": None
                    if b.latest is None
                    else {
                        "as_of": b.latest.as_of.isoformat(),
                        "value": _decimal_string(b.latest.value),
                        "rating": _decimal_string(b.latest.rating),
                    },
                }
                for b in self.benchmarks
            ],
            "blockers": [
                {"benchmark": b.benchmark, "share": float(b.share), "reason": b.reason}
                for b in self.blockers
            ],
            "gates": [
                {"phase": g.phase, "open": g.open, "reasons": list(g.reasons)} for g in self.gates
            ],
            "projection": None
            if self.projection is None
            else {
                "status": self.projection.status,
                "date": None if self.projection.date is None else self.projection.date.isoformat(),
            },
        }


# --- the computation ------------------------------------------------------------------


def compute(inputs: ReadinessInputs, *, include_projection: bool = True) -> ReadinessResult:
    """Compute every readiness figure for ``inputs.as_of`` (steps 1-7 of the method).

    ``include_projection`` is False for what-if answers, whose ``projection`` is null.
    """
    d = inputs.as_of
    phases = sorted((p for p in inputs.phases if not p.is_retired), key=lambda p: (p.order, p.id))
    phase_by_id = {p.id: p for p in phases}
    last_phase = phases[-1] if phases else None

    objectives = sorted(
        (o for o in inputs.objectives if not o.is_retired), key=lambda o: (o.order, o.id)
    )
    objective_rank = {o.id: rank for rank, o in enumerate(objectives)}
    benchmarks = sorted(
        (b for b in inputs.benchmarks if not b.is_retired and b.objective_id in objective_rank),
        key=lambda b: (objective_rank[b.objective_id], b.order, b.id),
    )
    benchmarks_by_objective: dict[int, list[BenchmarkIn]] = {o.id: [] for o in objectives}
    for benchmark in benchmarks:
        benchmarks_by_objective[benchmark.objective_id].append(benchmark)

    latest = _latest_counted_scores(benchmarks, inputs.scores, d)

    # Each Decimal weight made exact once (Fraction(Decimal) is not cheap on 300 benchmarks).
    objective_weight = {o.id: Fraction(o.weight) for o in objectives}
    benchmark_weight = {b.id: Fraction(b.weight) for b in benchmarks}
    total_objective_weight = sum(objective_weight.values(), _ZERO)
    objective_results: list[ObjectiveResult] = []
    benchmark_results: list[BenchmarkResult] = []
    objective_share: dict[int, Fraction] = {}
    for objective in objectives:
        share = _ratio(objective_weight[objective.id], total_objective_weight)
        objective_share[objective.id] = share
        own = benchmarks_by_objective[objective.id]
        total_benchmark_weight = sum((benchmark_weight[b.id] for b in own), _ZERO)
        weighted_progress = _ZERO
        for benchmark in own:
            weight = benchmark_weight[benchmark.id]
            measured = _benchmark_result(
                benchmark,
                latest.get(benchmark.id),
                d,
                share * _ratio(weight, total_benchmark_weight),
            )
            benchmark_results.append(measured)
            weighted_progress += weight * measured.progress_exact
        objective_readiness = _ratio(weighted_progress, total_benchmark_weight) * _HUNDRED
        objective_results.append(
            ObjectiveResult(
                id=objective.id,
                title=objective.title,
                category=objective.category,
                readiness_exact=objective_readiness,
                readiness=_round_half_up(objective_readiness, 1),
                flags=() if own else (NO_BENCHMARKS,),
            )
        )

    readiness = sum((objective_share[o.id] * o.readiness_exact for o in objective_results), _ZERO)
    categories_exact = _category_readiness(objectives, objective_results)
    # Confidence counts what is measured and fresh: no flag means neither no_data nor stale.
    confidence = sum((b.effective_weight for b in benchmark_results if not b.flags), _ZERO)
    rounded_readiness = _round_half_up(readiness, 1)
    return ReadinessResult(
        as_of=d,
        readiness_exact=readiness,
        readiness=rounded_readiness,
        confidence_exact=confidence,
        confidence=_round_half_up(confidence, 3),
        flags=() if objectives else (NO_OBJECTIVES,),
        categories_exact=categories_exact,
        categories={name: _round_half_up(v, 1) for name, v in categories_exact.items()},
        objectives=tuple(objective_results),
        benchmarks=tuple(benchmark_results),
        blockers=_blockers(benchmark_results),
        gates=_gates(
            phases=phases,
            rounded_readiness=rounded_readiness,
            objectives=objectives,
            benchmarks_by_objective=benchmarks_by_objective,
            met={b.id for b in benchmark_results if b.met},
            target_order={o.id: _target_order(o, phase_by_id, last_phase) for o in objectives},
            endorsements=inputs.endorsements,
            d=d,
        ),
        projection=_projection(inputs, last_phase) if include_projection else None,
    )


def _latest_counted_scores(
    benchmarks: Iterable[BenchmarkIn], scores: Iterable[ScoreIn], d: date
) -> dict[int, ScoreIn]:
    """Each benchmark's latest counted, usable score: by as_of, created_at, assessment id."""
    kind_of = {b.id: b.kind for b in benchmarks}
    latest: dict[int, ScoreIn] = {}
    for score in scores:
        kind = kind_of.get(score.benchmark_id)
        if kind is None or score.status not in COUNTED_STATUSES or score.as_of > d:
            continue
        if (score.value if kind == QUANTITATIVE else score.rating) is None:
            continue
        current = latest.get(score.benchmark_id)
        if current is None or _score_key(score) >= _score_key(current):
            latest[score.benchmark_id] = score
    return latest


def _score_key(score: ScoreIn) -> tuple[date, datetime, int]:
    return (score.as_of, _aware(score.assessment_created_at), score.assessment_id)


def _benchmark_result(
    benchmark: BenchmarkIn, score: ScoreIn | None, d: date, effective_weight: Fraction
) -> BenchmarkResult:
    measured = _progress(benchmark, score)
    if score is None or measured is None:
        flags: tuple[str, ...] = (NO_DATA,)
        progress = _ZERO
    else:
        stale = (d - score.as_of).days > 2 * benchmark.frequency_days
        flags = (STALE,) if stale else ()
        progress = measured
    return BenchmarkResult(
        id=benchmark.id,
        code=benchmark.code,
        objective_id=benchmark.objective_id,
        progress_exact=progress,
        progress=_round_half_up(progress, 3),
        met=progress == _ONE,
        flags=flags,
        latest=None if score is None else LatestScore(score.as_of, score.value, score.rating),
        effective_weight=effective_weight,
    )


def _progress(benchmark: BenchmarkIn, score: ScoreIn | None) -> Fraction | None:
    """Progress p in [0, 1], or None when there is nothing to measure it from."""
    if score is None:
        return None
    if benchmark.kind == QUANTITATIVE:
        if score.value is None or benchmark.baseline is None or benchmark.target is None:
            return None
        value, baseline, target = (
            Fraction(score.value),
            Fraction(benchmark.baseline),
            Fraction(benchmark.target),
        )
        if target == baseline:
            return _ONE if value == target else _ZERO
        return _clamp((value - baseline) / (target - baseline))
    if score.rating is None:
        return None
    return _clamp((Fraction(score.rating) - 1) / 3)


def _category_readiness(
    objectives: Sequence[ObjectiveIn], results: Sequence[ObjectiveResult]
) -> dict[str, Fraction]:
    """Weighted mean per category; keys in order of first appearance in the plan."""
    weighted: dict[str, Fraction] = {}
    weights: dict[str, Fraction] = {}
    for objective, result in zip(objectives, results, strict=True):
        weight = Fraction(objective.weight)
        weighted[objective.category] = weighted.get(objective.category, _ZERO) + (
            weight * result.readiness_exact
        )
        weights[objective.category] = weights.get(objective.category, _ZERO) + weight
    return {name: _ratio(weighted[name], weights[name]) for name in weighted}


def _blockers(benchmarks: Iterable[BenchmarkResult]) -> tuple[Blocker, ...]:
    """Benchmarks short of their target, by what they cost the mission figure."""
    blockers = []
    for b in benchmarks:
        if b.met:
            continue
        share = b.effective_weight * (_ONE - b.progress_exact)
        reason = b.flags[0] if b.flags else BELOW_TARGET
        blockers.append(Blocker(b.code, share, _round_half_up(share, 3), reason))
    # Ranked by the share as shown, so the order never contradicts the figures a user sees.
    blockers.sort(key=lambda b: (-b.share, b.benchmark))
    return tuple(blockers)


def _target_order(
    objective: ObjectiveIn, phase_by_id: dict[int, PhaseIn], last_phase: PhaseIn | None
) -> tuple[int, int] | None:
    """The (order, id) of the phase an objective counts at; None when there is no phase."""
    phase = last_phase
    if objective.target_phase_id is not None:
        phase = phase_by_id.get(objective.target_phase_id, last_phase)
    return None if phase is None else (phase.order, phase.id)


def _gates(
    *,
    phases: Sequence[PhaseIn],
    rounded_readiness: Decimal,
    objectives: Sequence[ObjectiveIn],
    benchmarks_by_objective: dict[int, list[BenchmarkIn]],
    met: set[int],
    target_order: dict[int, tuple[int, int] | None],
    endorsements: Iterable[EndorsementIn],
    d: date,
) -> tuple[Gate, ...]:
    endorsed = {
        e.phase_id
        for e in endorsements
        if e.stakeholder_kind == HOST_GOVERNMENT
        and e.endorsed_on <= d
        and (e.withdrawn_on is None or e.withdrawn_on > d)
    }
    gates = []
    for phase in phases:
        reasons = []
        # Compared as shown: a gate never opens or shuts on a digit the user cannot see.
        if rounded_readiness < phase.gate_threshold:
            reasons.append(BELOW_THRESHOLD)
        due = (phase.order, phase.id)
        if any(
            b.critical and b.id not in met
            for o in objectives
            if (order := target_order[o.id]) is not None and order <= due
            for b in benchmarks_by_objective[o.id]
        ):
            reasons.append(CRITICAL_NOT_MET)
        if phase.requires_endorsement and phase.id not in endorsed:
            reasons.append(ENDORSEMENT_MISSING)
        gates.append(Gate(phase=phase.id, open=not reasons, reasons=tuple(reasons)))
    return tuple(gates)


def _projection(inputs: ReadinessInputs, last_phase: PhaseIn | None) -> Projection:
    """Step 7: a least-squares line through stored snapshots, towards the last gate."""
    d = inputs.as_of
    start = d - timedelta(days=PROJECTION_WINDOW_DAYS)
    latest_of_day: dict[date, SnapshotIn] = {}
    for snapshot in inputs.snapshots:
        if not start <= snapshot.as_of <= d:
            continue
        current = latest_of_day.get(snapshot.as_of)
        if current is None or _aware(snapshot.computed_at) >= _aware(current.computed_at):
            latest_of_day[snapshot.as_of] = snapshot
    days = sorted(latest_of_day)
    if (
        last_phase is None
        or len(days) < PROJECTION_MIN_DAYS
        or (days[-1] - days[0]).days < PROJECTION_MIN_SPAN_DAYS
    ):
        return Projection(INSUFFICIENT_DATA, None)

    # Day numbers relative to d, so the intercept is the line's value at d.
    xs = [Fraction((day - d).days) for day in days]
    ys = [Fraction(latest_of_day[day].readiness) for day in days]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    at_d = mean_y - slope * mean_x
    threshold = Fraction(last_phase.gate_threshold)
    if at_d >= threshold:
        reached = d
    elif slope <= 0:
        return Projection(AT_RISK, None)
    else:
        days_needed = math.ceil((threshold - at_d) / slope)
        if days_needed > (date.max - d).days:
            return Projection(AT_RISK, None)
        reached = d + timedelta(days=days_needed)
    on_track = inputs.planned_exit is not None and reached <= inputs.planned_exit
    return Projection(ON_TRACK if on_track else AT_RISK, reached)


# --- small helpers --------------------------------------------------------------------


def _ratio(part: Fraction, whole: Fraction) -> Fraction:
    """part / whole, 0 when whole is 0 (weights are > 0, but a bad row must not crash)."""
    return part / whole if whole else _ZERO


def _clamp(value: Fraction) -> Fraction:
    return min(max(value, _ZERO), _ONE)


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value half up (away from zero), as Decimal's ROUND_HALF_UP would.

    Done on the fraction itself: converting to Decimal first could round twice. In integers,
    floor(|n|/d × 10^p + 1/2) = (2|n|·10^p + d) // 2d: no Fraction arithmetic (the method
    rounds a few values per benchmark, which was a third of its time on 300 benchmarks).
    """
    numerator, denominator = value.numerator, value.denominator  # an int has both too
    digits = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    if numerator < 0:
        digits = -digits
    return Decimal(digits).scaleb(-places, _DECIMAL_CONTEXT)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _decimal_string(value: Decimal | None) -> str | None:
    """Like DRF writes a DecimalField(decimal_places=4): "412.0000"."""
    if value is None:
        return None
    return format(value.quantize(_FOUR_PLACES, context=_DECIMAL_CONTEXT), "f")

"""Reads for readiness: the method's inputs for one mission, in a constant number of queries."""

import datetime
from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, F, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone

from missions.models import Benchmark, Mission, Objective, Phase, PhaseEndorsement

from . import readiness as method
from .models import Assessment, ReadinessSnapshot, Score


def mission_today(mission: Mission) -> datetime.date:
    """Today in the mission's time zone: the default evaluation date."""
    return timezone.now().astimezone(ZoneInfo(mission.timezone)).date()


# What the latest counted scores give of each score and its round.
LATEST_SCORE_FIELDS = (
    *("benchmark_id", "value", "rating", "assessment_id"),
    *("assessment__as_of", "assessment__status", "assessment__created_at"),
)


def latest_counted_scores(mission: Mission, as_of: datetime.date):
    """Each benchmark's latest counted score on or before ``as_of``, chosen in the database.

    Counted: in a submitted or approved round. Latest: by the round's ``as_of``, then the
    round created last, then the higher round id (DESIGN.md, "Readiness: the method").
    """
    # By the round's mission (a score's benchmark is always of its round's mission): the
    # rounds' index (mission, status, as_of) then narrows the scores, with no join on the
    # benchmarks.
    return (
        Score.objects.filter(
            assessment__mission=mission,
            assessment__status__in=Assessment.COUNTED,
            assessment__as_of__lte=as_of,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("benchmark_id")],
                order_by=[
                    F("assessment__as_of").desc(),
                    F("assessment__created_at").desc(),
                    F("assessment_id").desc(),
                ],
            )
        )
        .filter(rank=1)
        .values(*LATEST_SCORE_FIELDS)
    )


# Each benchmark's latest counted score without sorting every score: the rounds are ranked
# once (``pos``, by as_of, then created last, then the higher id: a few hundred rows), each
# benchmark keeps its best-ranked round (one pass over the scores, grouped, no sort), and
# that round's score comes by the (assessment, benchmark) unique index.
_LATEST_SCORE_IDS_SQL = """
WITH rounds AS (
  SELECT id, ROW_NUMBER() OVER (ORDER BY as_of DESC, created_at DESC, id DESC) AS pos
  FROM {assessment} WHERE mission_id = %s AND status IN ({statuses}) AND as_of <= %s
), latest AS (
  SELECT s.benchmark_id, MIN(r.pos) AS pos
  FROM {score} s JOIN rounds r ON r.id = s.assessment_id
  GROUP BY s.benchmark_id
)
SELECT (SELECT s.id FROM {score} s
        WHERE s.assessment_id = r.id AND s.benchmark_id = l.benchmark_id)
FROM latest l JOIN rounds r ON r.pos = l.pos
"""


def every_latest_counted_score(mission: Mission, as_of: datetime.date):
    """``latest_counted_scores`` for all the mission's benchmarks at once (the method's input).

    The same rows, chosen by ``_LATEST_SCORE_IDS_SQL``: about twice as fast as the window,
    which sorts all the mission's scores (36,000 on a large mission) by round. The window
    stays for a few benchmarks at a time, where a filter narrows it to their scores.
    """
    sql = _LATEST_SCORE_IDS_SQL.format(
        assessment=Assessment._meta.db_table,
        score=Score._meta.db_table,
        statuses=", ".join(["%s"] * len(Assessment.COUNTED)),
    )
    return Score.objects.filter(
        id__in=RawSQL(sql, (mission.pk, *Assessment.COUNTED, as_of))
    ).values(*LATEST_SCORE_FIELDS)


def readiness_inputs(
    mission: Mission,
    as_of: datetime.date,
    *,
    extra_scores: tuple[method.ScoreIn, ...] = (),
    with_snapshots: bool = True,
) -> method.ReadinessInputs:
    """Everything the method needs for ``mission`` at ``as_of``: six queries whatever the size."""
    tz = ZoneInfo(mission.timezone)
    objectives = [
        method.ObjectiveIn(
            id=o["id"],
            order=o["order"],
            category=o["category"],
            title=o["title"],
            weight=o["weight"],
            target_phase_id=o["target_phase_id"],
        )
        for o in Objective.objects.filter(mission=mission, is_retired=False).values(
            "id", "order", "category", "title", "weight", "target_phase_id"
        )
    ]
    benchmarks = [
        method.BenchmarkIn(
            id=b["id"],
            code=b["code"],
            objective_id=b["objective_id"],
            order=b["order"],
            kind=b["kind"],
            baseline=b["baseline"],
            target=b["target"],
            weight=b["weight"],
            frequency_days=b["frequency_days"],
            critical=b["critical"],
        )
        for b in Benchmark.objects.filter(
            mission=mission, is_retired=False, objective__is_retired=False
        ).values(
            "id",
            "code",
            "objective_id",
            "order",
            "kind",
            "baseline",
            "target",
            "weight",
            "frequency_days",
            "critical",
        )
    ]
    scores = [
        method.ScoreIn(
            benchmark_id=s["benchmark_id"],
            as_of=s["assessment__as_of"],
            value=s["value"],
            rating=s["rating"],
            status=s["assessment__status"],
            assessment_created_at=s["assessment__created_at"],
            assessment_id=s["assessment_id"],
        )
        for s in every_latest_counted_score(mission, as_of)
    ]
    phases = [
        method.PhaseIn(
            id=p["id"],
            order=p["order"],
            gate_threshold=p["gate_threshold"],
            requires_endorsement=p["requires_endorsement"],
        )
        for p in Phase.objects.filter(mission=mission, is_retired=False).values(
            "id", "order", "gate_threshold", "requires_endorsement"
        )
    ]
    endorsements = [
        method.EndorsementIn(
            phase_id=e["phase_id"],
            stakeholder_kind=e["stakeholder__kind"],
            endorsed_on=e["endorsed_at"].astimezone(tz).date(),
            withdrawn_on=e["withdrawn_at"].astimezone(tz).date() if e["withdrawn_at"] else None,
        )
        for e in PhaseEndorsement.objects.filter(phase__mission=mission).values(
            "phase_id", "stakeholder__kind", "endorsed_at", "withdrawn_at"
        )
    ]
    snapshots = []
    if with_snapshots:
        snapshots = [
            method.SnapshotIn(
                as_of=s["as_of"], computed_at=s["computed_at"], readiness=s["readiness"]
            )
            for s in ReadinessSnapshot.objects.filter(
                mission=mission,
                as_of__gte=as_of - datetime.timedelta(days=method.PROJECTION_WINDOW_DAYS),
                as_of__lte=as_of,
            ).values("as_of", "computed_at", "readiness")
        ]
    return method.ReadinessInputs(
        as_of=as_of,
        planned_exit=mission.planned_exit,
        objectives=objectives,
        benchmarks=benchmarks,
        scores=[*scores, *extra_scores],
        phases=phases,
        endorsements=endorsements,
        snapshots=snapshots,
    )


def latest_snapshot(mission: Mission) -> ReadinessSnapshot | None:
    """The latest snapshot with its figures (not their JSON text: see latest_snapshot_encoded)."""
    return (
        ReadinessSnapshot.objects.filter(mission=mission)
        .defer("encoded")
        .order_by("-computed_at", "-id")
        .first()
    )


def with_encoded(snapshots: QuerySet[ReadinessSnapshot]) -> QuerySet[ReadinessSnapshot]:
    """Snapshots with their stored JSON text (``encoded``) and not their figures (see
    ``services.readiness_snapshots_encoded`` for one stored without that text)."""
    return snapshots.only("id", "computed_at", "encoded")


def snapshot_figures_by_id(ids: list[int]) -> dict[int, dict]:
    """The figures of some snapshots by id: for those stored without their JSON text."""
    return dict(ReadinessSnapshot.objects.filter(pk__in=ids).values_list("pk", "figures"))


def latest_snapshot_encoded(mission: Mission) -> ReadinessSnapshot | None:
    """``latest_snapshot`` for ``services.readiness_current_encoded`` (see ``with_encoded``)."""
    return (
        with_encoded(ReadinessSnapshot.objects.filter(mission=mission))
        .order_by("-computed_at", "-id")
        .first()
    )


def grid_benchmarks_page(
    *, mission: Mission, category: str, number: str | int | None, per_page: int
) -> Page:
    """One page of the benchmarks a round's grid scores, in the plan's order.

    The page's rows carry the total in a window column, so paging costs no count query
    (one only when asked for a page past the end).
    """
    rows = Benchmark.objects.filter(mission=mission, is_retired=False, objective__is_retired=False)
    if category:
        rows = rows.filter(objective__category=category)
    ordered = rows.annotate(total=Window(Count("id"))).order_by(
        "objective__order", "objective_id", "order", "id"
    )
    try:
        wanted = max(int(number or 1), 1)
    except (TypeError, ValueError):
        wanted = 1
    found = list(ordered[(wanted - 1) * per_page : wanted * per_page])
    if found:
        total = found[0].total
    elif wanted == 1:
        total = 0
    else:  # a page past the end: count, then show the last page
        total = rows.count()
    page = Paginator(range(total), per_page).get_page(wanted)
    if page.number != wanted:
        found = list(ordered[(page.number - 1) * per_page : page.number * per_page])
    page.object_list = found
    return page


# Each benchmark's latest counted score, for a query of benchmarks: the rounds' index
# (mission, as_of) walked newest first, each step probing the (assessment, benchmark) unique
# index, so it stops at the first round that scored the benchmark. "value|rating|as_of" as
# text (exact figures; the same text on PostgreSQL and SQLite).
_LATEST_OF_ROW_SQL = """(
SELECT COALESCE(CAST(s.value AS TEXT), '') || '|' || COALESCE(CAST(s.rating AS TEXT), '')
       || '|' || CAST(a.as_of AS TEXT)
FROM {score} s INNER JOIN {assessment} a ON a.id = s.assessment_id
WHERE s.benchmark_id = {benchmark}.id AND a.mission_id = %s AND a.status IN (%s, %s)
  AND a.as_of <= %s
ORDER BY a.as_of DESC, a.created_at DESC, a.id DESC
LIMIT 1)"""


def latest_counted_score_of_row(mission_id: int, as_of: datetime.date) -> RawSQL:
    """For a query of benchmarks: each one's latest counted score on or before ``as_of``, as
    ``"value|rating|as_of"`` text (``latest_score_parts`` reads it), or None.

    Chosen as ``latest_counted_scores`` chooses (DESIGN.md, "Readiness: the method"), inside
    the benchmarks' own query: a page showing a few dozen benchmarks asks for theirs alone,
    with no query of its own. Written out because the same subquery built with the ORM took
    a large plan page a millisecond of CPU to build and compile, on every view.
    """
    sql = _LATEST_OF_ROW_SQL.format(
        score=Score._meta.db_table,
        assessment=Assessment._meta.db_table,
        benchmark=Benchmark._meta.db_table,
    )
    return RawSQL(sql, (mission_id, *Assessment.COUNTED, as_of), output_field=CharField())


def latest_score_parts(text: str | None) -> dict[str, str] | None:
    """``latest_counted_score_of_row``'s text as ``{"value", "rating", "as_of"}``, or None;
    the absent figure is None."""
    if not text:
        return None
    value, rating, as_of = text.split("|")
    return {"value": value or None, "rating": rating or None, "as_of": as_of}

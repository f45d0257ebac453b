"""Reads for the mission pages: each joins or aggregates in a fixed number of queries.

The readiness figures come from ``assessments.services.readiness_current`` (one snapshot
read; the dashboard's, cut in the database, from ``dashboard_figures``); the functions here
turn them into rows a template can print without looking anything up, and load what the
figures name (phases, benchmarks) once per page, never once per row.
"""

import datetime
import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, router
from django.db.models import CharField, DateTimeField, F, OuterRef, QuerySet, Subquery, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, ReadinessSnapshot, Score
from assessments.services import _dirty_key
from exitplan.db import Compiled, JSONParts, instances, model_columns
from stakeholders.models import Comment, Consultation
from stakeholders.selectors import consultations_visible, sees_every_consultation

from .access import MissionAccess
from .api.history import hidden_keys
from .audit import target_type_of
from .models import (
    AuditEvent,
    Benchmark,
    Category,
    HandoverItem,
    Membership,
    Mission,
    Objective,
    Phase,
    PhaseEndorsement,
    Role,
)
from .services import phase_plan_changed_at

# How many snapshots the missions list's sparkline draws, and days the dashboard's trend.
SPARKLINE_POINTS = 12
TREND_DAYS = 60
UPCOMING_CONSULTATIONS = 5
LATEST_COMMENTS = 5
TOP_BLOCKERS = 5
SCORE_CHART_POINTS = 200

BLOCKER_REASONS = {
    "no_data": _("No score yet"),
    "stale": _("Latest score is out of date"),
    "below_target": _("Below target"),
}
GATE_REASONS = {
    "below_threshold": _("Readiness is below the gate's threshold"),
    "critical_not_met": _("A critical benchmark is not met"),
    "endorsement_missing": _("No host-government endorsement yet"),
}
BENCHMARK_FLAGS = {
    "no_data": _("no score yet"),
    "stale": _("out of date"),
}
# The audit trail's words: what was changed, and how.
TARGET_TYPES = {
    "mission": _("Mission"),
    "membership": _("Membership"),
    "phase": _("Phase"),
    "objective": _("Objective"),
    "benchmark": _("Benchmark"),
    "handover_item": _("Handover item"),
    "phase_endorsement": _("Endorsement"),
    "assessment": _("Assessment"),
    "score": _("Score"),
    "stakeholder": _("Stakeholder"),
    "contact": _("Contact"),
    "consultation": _("Consultation"),
    "invitation": _("Invitation"),
    "comment": _("Comment"),
    "feedback_form": _("Feedback form"),
    "question": _("Question"),
}
VERBS = {
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "retire": _("retired"),
    "submit": _("submitted"),
    "approve": _("approved"),
    "return": _("returned"),
    "import": _("imported"),
    "endorse": _("endorsed"),
    "withdraw_endorsement": _("endorsement withdrawn"),
    "answer": _("answered"),
    "resolve": _("resolved"),
    "cancel": _("cancelled"),
    "rsvp": _("RSVP changed"),
    "resend": _("reminder resent"),
    "publish": _("published"),
    "close": _("closed"),
    "rotate_link": _("link rotated"),
}


def person_name(user) -> str:
    """A person as pages show them to everyone: their name, never their e-mail address."""
    if user is None:
        return str(_("the system"))
    return user.name or user.email.split("@")[0]


def decimal_text(value: Any) -> str:
    """A stored decimal ("5960.0000") as people write it ("5960")."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", ""} else text


# Missions list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MissionRow:
    mission: Mission
    current_phase: str | None
    readiness: Decimal | None
    confidence: Decimal | None
    trend: list[float]  # the last snapshots' readiness, oldest first


def mission_list_rows(*, user) -> list[MissionRow]:
    """The missions a person may see, with current phase, latest readiness and recent trend.

    One query whatever the number of missions: the current phase and each of the last
    snapshots are correlated subqueries, each an index look-up (``snapshot_latest``) rather
    than a window over every snapshot of every mission.
    """
    snapshots = ReadinessSnapshot.objects.filter(mission=OuterRef("pk")).order_by(
        "-computed_at", "-id"
    )
    current_phase = (
        Phase.objects.filter(mission=OuterRef("pk"), is_retired=False)
        .exclude(status=Phase.Status.COMPLETED)
        .order_by("order", "id")
    )
    trend = {
        f"trend_{i}": Subquery(snapshots.values("readiness")[i : i + 1])
        for i in range(SPARKLINE_POINTS)
    }
    missions = (
        Mission.objects.visible_to(user)
        .annotate(
            current_phase_name=Subquery(current_phase.values("name")[:1]),
            latest_confidence=Subquery(snapshots.values("confidence")[:1]),
            **trend,
        )
        .order_by("name", "id")
    )
    rows = []
    for mission in missions:
        values = [getattr(mission, f"trend_{i}") for i in range(SPARKLINE_POINTS)]
        values = [float(v) for v in reversed(values) if v is not None]
        rows.append(
            MissionRow(
                mission=mission,
                current_phase=mission.current_phase_name,
                readiness=mission.trend_0,
                confidence=mission.latest_confidence,
                trend=values,
            )
        )
    return rows


# Dashboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    as_of: datetime.date
    readiness: float
    confidence: float


def readiness_trend(*, mission: Mission, days: int = TREND_DAYS) -> list[TrendPoint]:
    """The last ``days`` days with a snapshot, oldest first: each day's latest snapshot.

    Several snapshots of one day (each recompute stores one) would draw a comb; the
    projection counts days the same way.
    """
    rows = (
        ReadinessSnapshot.objects.filter(mission=mission)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("as_of")],
                order_by=[F("computed_at").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
        .order_by("-as_of")
        .values("as_of", "readiness", "confidence")[:days]
    )
    return [
        TrendPoint(r["as_of"], float(r["readiness"]), float(r["confidence"]))
        for r in reversed(rows)
    ]


# The dashboard's reads run on every view of it, each with the same shape: they are built
# and compiled once per connection (exitplan.db.Compiled), with this stand-in where the
# mission goes; the ORM's building and compiling cost more than the database's answer.
_MISSION_STANDIN = -7_340_031
_PHASE_COLUMNS = model_columns(Phase)
_PHASES = Compiled(
    lambda mission: (
        Phase.objects.filter(mission=mission, is_retired=False)
        .order_by("order", "id")
        .values_list(*_PHASE_COLUMNS)
    ),
    mission=_MISSION_STANDIN,
)


def plan_phases(*, mission: Mission) -> list[Phase]:
    """The mission's phases in order (retired ones drop out of readiness and of the page)."""
    return instances(Phase, _PHASES.rows(router.db_for_read(Phase), mission=mission.pk))


@dataclass(frozen=True)
class PlanObjective:
    pk: int
    title: str


@dataclass(frozen=True)
class PlanBenchmark:
    """What the dashboard shows of a benchmark: a plain record, cheaper than a model by 300."""

    pk: int
    code: str
    title: str
    kind: str
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    objective: PlanObjective

    @property
    def objective_id(self) -> int:
        return self.objective.pk


_PLAN_BENCHMARKS = Compiled(
    lambda mission: (
        Benchmark.objects.filter(mission=mission, is_retired=False, objective__is_retired=False)
        .order_by("objective__order", "objective_id", "order", "id")
        .values_list(
            "id",
            "code",
            "title",
            "kind",
            "unit",
            "baseline",
            "target",
            "objective_id",
            "objective__title",
        )
    ),
    mission=_MISSION_STANDIN,
)


def plan_benchmarks(*, mission: Mission) -> list[PlanBenchmark]:
    """The benchmarks that count for readiness, with their objective, in the plan's order."""
    rows = _PLAN_BENCHMARKS.rows(router.db_for_read(Benchmark), mission=mission.pk)
    objectives: dict[int, PlanObjective] = {}
    benchmarks = []
    for pk, code, title, kind, unit, baseline, target, objective_id, objective_title in rows:
        objective = objectives.get(objective_id)
        if objective is None:
            objective = objectives[objective_id] = PlanObjective(objective_id, objective_title)
        benchmarks.append(PlanBenchmark(pk, code, title, kind, unit, baseline, target, objective))
    return benchmarks


# The dashboard reads the latest snapshot cut in the database: the per-objective and
# per-benchmark lists are most of a large plan's snapshot (60 KB for 300 benchmarks), and
# the page shows five blockers.
DASHBOARD_OMITS = ("objectives", "benchmarks", "blockers")


def _latest_snapshot_parts(mission, *, with_benchmarks: bool) -> QuerySet:
    return (
        ReadinessSnapshot.objects.filter(mission=mission)
        .order_by("-computed_at", "-id")
        .values_list("id", "computed_at")
        .annotate(
            parts=JSONParts(
                "figures",
                omit=DASHBOARD_OMITS,
                heads={"blockers": TOP_BLOCKERS},
                lengths=("blockers", "benchmarks"),
                whole=("benchmarks",) if with_benchmarks else (),
            )
        )[:1]
    )


_DASHBOARD_FIGURES = {
    with_benchmarks: Compiled(
        functools.partial(_latest_snapshot_parts, with_benchmarks=with_benchmarks),
        mission=_MISSION_STANDIN,
    )
    for with_benchmarks in (False, True)
}


def dashboard_figures(*, mission: Mission, with_benchmarks: bool = False) -> dict | None:
    """The latest snapshot's figures as the dashboard shows them, or None when there is none.

    Without the objectives, the first ``TOP_BLOCKERS`` blockers only, the lists' lengths in
    ``blocker_count`` and ``benchmark_count``, and ``snapshot_id``; ``with_benchmarks``,
    the benchmarks too (their latest scores: the what-if form's); ``recomputing`` as
    ``readiness_current`` says it. One query.
    """
    rows = _DASHBOARD_FIGURES[with_benchmarks].rows(
        router.db_for_read(ReadinessSnapshot), mission=mission.pk
    )
    if not rows:
        return None
    snapshot_id, computed_at, parts = rows[0]
    mark = cache.get(_dirty_key(mission.pk))  # set by readiness_changed
    figures = parts["rest"]
    figures.update(
        snapshot_id=snapshot_id,
        computed=computed_at,
        recomputing=bool(mark and mark > computed_at.timestamp()),
        blockers=(parts["blockers"] or [])[:TOP_BLOCKERS],
        blocker_count=parts["blockers_count"] or 0,
        benchmark_count=parts["benchmarks_count"] or 0,
    )
    if with_benchmarks:
        figures["benchmarks"] = parts["benchmarks"] or []
    return figures


def latest_by_code(figures: dict) -> dict[str, dict]:
    """Each benchmark's entry of the readiness figures (progress, flags, latest score)."""
    return {row["code"]: row for row in figures.get("benchmarks", [])}


@dataclass(frozen=True)
class CategoryRow:
    code: str
    label: str
    readiness: float


@dataclass(frozen=True)
class BlockerRow:
    code: str
    benchmark: PlanBenchmark | None
    share: float
    points: float  # readiness points it costs: share × 100
    reason: str
    reason_label: str


@dataclass(frozen=True)
class EndorsementRow:
    stakeholder: str
    endorser: str
    endorsed_at: datetime.datetime
    readiness: Decimal
    gate_threshold: int
    plan_changed: bool  # the gate's threshold or critical benchmarks changed since


@dataclass(frozen=True)
class GateRow:
    phase: Phase
    known: bool  # False for a phase added after the snapshot was computed
    open: bool
    reasons: list[str]
    endorsements: list[EndorsementRow] = field(default_factory=list)


@dataclass(frozen=True)
class Projection:
    status: str | None
    date: datetime.date | None
    threshold: int | None
    planned_exit: datetime.date | None


@dataclass
class Dashboard:
    figures: dict
    computed_at: datetime.datetime | None
    recomputing: bool
    categories: list[CategoryRow]
    blockers: list[BlockerRow]
    blocker_count: int
    gates: list[GateRow]
    threshold: int | None
    projection: Projection
    consultations: list[Consultation] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def category_rows(figures: dict) -> list[CategoryRow]:
    """Readiness per category in the categories' own order; absent ones have no objectives."""
    values = figures.get("categories", {})
    return [CategoryRow(c.value, str(c.label), values[c.value]) for c in Category if c in values]


def endorsements_by_phase(
    *, mission: Mission, phases: list[Phase]
) -> dict[int, list[EndorsementRow]]:
    """The active endorsements of the gates that require one, by phase id.

    One query (none when no gate requires one); when there is any endorsement,
    ``phase_plan_changed_at`` reads from the audit trail whether each gate's terms changed
    since (a fixed number more, whatever the plan's size).
    """
    if not any(phase.requires_endorsement for phase in phases):
        return {}
    endorsements = list(
        PhaseEndorsement.objects.filter(
            phase__mission=mission,
            phase__is_retired=False,
            phase__requires_endorsement=True,
            withdrawn_at__isnull=True,
        )
        .select_related("stakeholder", "endorsed_by")
        .order_by("endorsed_at", "id")
    )
    changed_at = phase_plan_changed_at(mission=mission) if endorsements else {}
    rows: dict[int, list[EndorsementRow]] = {}
    for e in endorsements:
        changed = changed_at.get(e.phase_id)
        rows.setdefault(e.phase_id, []).append(
            EndorsementRow(
                stakeholder=e.stakeholder.name,
                endorser=person_name(e.endorsed_by),
                endorsed_at=e.endorsed_at,
                readiness=e.readiness,
                gate_threshold=e.gate_threshold,
                plan_changed=changed is not None and changed > e.endorsed_at,
            )
        )
    return rows


def gate_rows(
    figures: dict,
    phases: list[Phase],
    endorsements: dict[int, list[EndorsementRow]] | None = None,
) -> list[GateRow]:
    """Each phase with its gate from the figures (gates name phases by id) and, where the
    gate requires one, its active endorsements."""
    gates = {gate["phase"]: gate for gate in figures.get("gates", [])}
    endorsements = endorsements or {}
    rows = []
    for phase in phases:
        gate = gates.get(phase.pk)
        reasons = [str(GATE_REASONS.get(r, r)) for r in (gate or {}).get("reasons", [])]
        rows.append(
            GateRow(
                phase,
                gate is not None,
                bool(gate and gate["open"]),
                reasons,
                endorsements.get(phase.pk, []) if phase.requires_endorsement else [],
            )
        )
    return rows


def blocker_rows(
    figures: dict, benchmarks: list[PlanBenchmark], limit: int = TOP_BLOCKERS
) -> list[BlockerRow]:
    """The largest blockers first, as the figures rank them, with their benchmark."""
    by_code = {b.code: b for b in benchmarks}
    return [
        BlockerRow(
            code=row["benchmark"],
            benchmark=by_code.get(row["benchmark"]),
            share=row["share"],
            points=round(row["share"] * 100, 1),
            reason=row["reason"],
            reason_label=str(BLOCKER_REASONS.get(row["reason"], row["reason"])),
        )
        for row in figures.get("blockers", [])[:limit]
    ]


def choice_label(labels: dict, value: Any) -> str:
    """What ``get_FOO_display`` says, from ``labels = dict(field.flatchoices)`` built once
    for a list: that method hashes, so translates, every choice's label on every call."""
    return str(labels.get(value, value))


_CONSULTATION_COLUMNS = model_columns(Consultation)
_CONSULTATION_STANDINS = {
    "mission": _MISSION_STANDIN,
    "user": -7_340_032,
    "stakeholder": -7_340_033,
    "now": "1901-02-03 04:05:06",
}


@functools.cache
def _upcoming_consultations(limit: int, sees_all: bool, invited_as_stakeholder: bool) -> Compiled:
    """The next consultations one kind of caller may see: all of them, or those they or
    their stakeholder are invited to (``consultations_visible``, with stand-ins)."""
    standins = _CONSULTATION_STANDINS
    # A caller of that kind, with stand-ins: observers see all, partners where invited.
    user_model = get_user_model()
    membership = Membership(
        role=Role.OBSERVER if sees_all else Role.PARTNER,
        stakeholder_id=standins["stakeholder"] if invited_as_stakeholder else None,
    )
    access = MissionAccess(
        user=user_model(pk=standins["user"]),
        mission=Mission(pk=standins["mission"]),
        perms=frozenset(),
        membership=membership,
    )
    # The moment as a parameter of its own, written as the database compares it.
    now = RawSQL("%s", (standins["now"],), output_field=DateTimeField())

    def build(**_standins) -> QuerySet:
        return (
            consultations_visible(access)
            .filter(status=Consultation.Status.SCHEDULED, ends_at__gte=now)
            .order_by("starts_at", "id")
            .values_list(*_CONSULTATION_COLUMNS)[:limit]
        )

    names = ["mission", "now"]
    if not sees_all:
        names.append("user")
        if invited_as_stakeholder:
            names.append("stakeholder")
    return Compiled(build, **{name: standins[name] for name in names})


def consultations_upcoming(
    *, access: MissionAccess, now: datetime.datetime, limit: int = UPCOMING_CONSULTATIONS
) -> list[Consultation]:
    """The next scheduled consultations this caller may see (DESIGN.md: who sees what),
    each with its kind's label (``kind_label``)."""
    using = router.db_for_read(Consultation)
    invited_as = access.membership.stakeholder_id if access.membership else None
    query = _upcoming_consultations(limit, sees_every_consultation(access), bool(invited_as))
    values = {
        "mission": access.mission.pk,
        "user": access.user.pk,
        "stakeholder": invited_as,
        "now": connections[using].ops.adapt_datetimefield_value(now),
    }
    rows = query.rows(using, **{name: values[name] for name in query.standins})
    consultations = instances(Consultation, rows)
    kinds = dict(Consultation._meta.get_field("kind").flatchoices)
    for consultation in consultations:
        consultation.kind_label = choice_label(kinds, consultation.kind)
    return consultations


# What names each kind of item a comment is on.
_ITEM_TITLES = {
    Comment.TargetType.PHASE: (Phase, "name"),
    Comment.TargetType.OBJECTIVE: (Objective, "title"),
    Comment.TargetType.BENCHMARK: (Benchmark, "title"),
    Comment.TargetType.HANDOVER_ITEM: (HandoverItem, "function"),
}


@functools.cache
def _item_title_sql() -> str:
    """A comment's item title as a CASE of one look-up by primary key per kind of item.

    Written out: built with the ORM (a Case of four Subquery), it took longer to build and
    compile on each page than the database took to run it.
    """
    comment = f'"{Comment._meta.db_table}"'
    lookups = " ".join(
        f'WHEN %s THEN (SELECT "{model._meta.get_field(name).column}" '
        f'FROM "{model._meta.db_table}" WHERE "{model._meta.pk.column}" = {comment}."target_id")'
        for model, name in _ITEM_TITLES.values()
    )
    return f"CASE {comment}.\"target_type\" {lookups} ELSE '' END"


_COMMENT_COLUMNS = model_columns(Comment)
# What ``person_name`` reads of the author, in the model's order (as ``from_db`` takes them).
_AUTHOR_COLUMNS = tuple(
    f.attname
    for f in Comment.author.field.related_model._meta.concrete_fields
    if f.attname in {"id", "name", "email"}
)


@functools.cache
def _latest_comments(limit: int) -> Compiled:
    """The latest conversations' columns, their author's name and e-mail, their item's title."""
    item_title = RawSQL(_item_title_sql(), tuple(_ITEM_TITLES), output_field=CharField())
    return Compiled(
        lambda mission: (
            Comment.objects.filter(mission=mission, parent__isnull=True)
            .annotate(item_title=item_title)
            .order_by("-created_at", "-id")
            .values_list(
                *_COMMENT_COLUMNS, *(f"author__{name}" for name in _AUTHOR_COLUMNS), "item_title"
            )[:limit]
        ),
        mission=_MISSION_STANDIN,
    )


def comments_latest(*, mission: Mission, limit: int = LATEST_COMMENTS) -> list[Comment]:
    """The latest conversations (comments that start a thread), each with its item's title
    and the labels of its kind of item and status (``target_label``, ``status_label``).

    The title comes from a look-up per item kind inside the same query, so the page costs
    one query however many kinds of items the comments are on.
    """
    using = router.db_for_read(Comment)
    author_model = Comment.author.field.related_model
    comments = []
    for row in _latest_comments(limit).rows(using, mission=mission.pk):
        comment = Comment.from_db(using, _COMMENT_COLUMNS, row[: len(_COMMENT_COLUMNS)])
        author, comment.item_title = row[len(_COMMENT_COLUMNS) : -1], row[-1]
        if comment.author_id is not None:
            comment.author = author_model.from_db(using, _AUTHOR_COLUMNS, author)
        comment.author_name = person_name(comment.author if comment.author_id else None)
        comments.append(comment)
    targets = dict(Comment._meta.get_field("target_type").flatchoices)
    statuses = dict(Comment._meta.get_field("status").flatchoices)
    for comment in comments:
        comment.target_label = choice_label(targets, comment.target_type)
        comment.status_label = choice_label(statuses, comment.status)
    return comments


def _parse_date(value: str | None) -> datetime.date | None:
    return parse_date(value) if value else None


def mission_dashboard(
    *,
    access: MissionAccess,
    figures: dict,
    phases: list[Phase],
    benchmarks: list[PlanBenchmark],
    now: datetime.datetime,
) -> Dashboard:
    """Everything the dashboard shows beside the trend and the what-if panel: consultations,
    comments (two queries) and, when a gate requires one, endorsements (one more, and four
    when there is any)."""
    mission = access.mission
    last_phase = phases[-1] if phases else None
    threshold = last_phase.gate_threshold if last_phase else None
    projection = figures.get("projection") or {}
    computed_at = figures.get("computed_at")
    return Dashboard(
        figures=figures,
        computed_at=parse_datetime(computed_at) if computed_at else None,
        recomputing=figures["recomputing"],
        categories=category_rows(figures),
        blockers=blocker_rows(figures, benchmarks),
        blocker_count=figures["blocker_count"],
        gates=gate_rows(figures, phases, endorsements_by_phase(mission=mission, phases=phases)),
        threshold=threshold,
        projection=Projection(
            status=projection.get("status"),
            date=_parse_date(projection.get("date")),
            threshold=threshold,
            planned_exit=mission.planned_exit,
        ),
        consultations=consultations_upcoming(access=access, now=now),
        comments=comments_latest(mission=mission),
    )


@dataclass(frozen=True)
class Comparison:
    label: str
    now: float | None
    then: float | None

    @property
    def change(self) -> float | None:
        if self.now is None or self.then is None:
            return None
        return round(self.then - self.now, 1)


@dataclass(frozen=True)
class GateComparison:
    phase: Phase
    now_open: bool | None
    then_open: bool
    reasons: list[str]


@dataclass
class WhatIf:
    readiness: Comparison
    confidence: Comparison
    categories: list[Comparison]
    gates: list[GateComparison]
    changed: list[PlanBenchmark]


def what_if_comparison(
    *, current: dict, what_if: dict, phases: list[Phase], changed: list[PlanBenchmark]
) -> WhatIf:
    """The what-if figures beside the current ones: readiness, categories and gates."""
    now_categories = current.get("categories", {})
    then_categories = what_if.get("categories", {})
    now_gates = {g["phase"]: g for g in current.get("gates", [])}
    then_gates = {g["phase"]: g for g in what_if.get("gates", [])}
    return WhatIf(
        readiness=Comparison(str(_("Readiness")), current["readiness"], what_if["readiness"]),
        confidence=Comparison(
            str(_("Confidence")), current["confidence"] * 100, what_if["confidence"] * 100
        ),
        categories=[
            Comparison(str(c.label), now_categories.get(c.value), then_categories[c.value])
            for c in Category
            if c in then_categories
        ],
        gates=[
            GateComparison(
                phase=phase,
                now_open=now_gates[phase.pk]["open"] if phase.pk in now_gates else None,
                then_open=then_gates[phase.pk]["open"],
                reasons=[str(GATE_REASONS.get(r, r)) for r in then_gates[phase.pk]["reasons"]],
            )
            for phase in phases
            if phase.pk in then_gates
        ],
        changed=changed,
    )


# Benchmark page --------------------------------------------------------------------------


def benchmark_for_page(*, mission: Mission, pk: int) -> Benchmark | None:
    """One benchmark of this mission (retired ones too: their history stays readable)."""
    return (
        Benchmark.objects.filter(mission=mission, pk=pk)
        .select_related("objective", "objective__target_phase", "responsible")
        .first()
    )


def benchmark_scores(*, benchmark: Benchmark, with_drafts: bool) -> QuerySet[Score]:
    """A benchmark's scores, newest first: counted ones, and drafts for who may see them."""
    statuses = (
        [Assessment.Status.DRAFT, *Assessment.COUNTED] if with_drafts else list(Assessment.COUNTED)
    )
    return (
        Score.objects.filter(benchmark=benchmark, assessment__status__in=statuses)
        .select_related("assessment", "assessment__author")
        .order_by("-assessment__as_of", "-assessment__created_at", "-assessment_id")
    )


def benchmark_score_points(*, benchmark: Benchmark) -> list[tuple[datetime.date, float]]:
    """The counted scores to chart, oldest first (the last ``SCORE_CHART_POINTS``)."""
    field_name = "value" if benchmark.kind == Benchmark.Kind.QUANTITATIVE else "rating"
    rows = (
        Score.objects.filter(
            benchmark=benchmark,
            assessment__status__in=Assessment.COUNTED,
            **{f"{field_name}__isnull": False},
        )
        .order_by("-assessment__as_of", "-assessment__created_at", "-assessment_id")
        .values_list("assessment__as_of", field_name)[:SCORE_CHART_POINTS]
    )
    return [(as_of, float(number)) for as_of, number in reversed(rows)]


# History ---------------------------------------------------------------------------------


@functools.cache
def _history_models() -> dict[str, Any]:
    """target_type → model, so the history can say a field's translated name."""
    return {
        target_type_of(model): model
        for model in apps.get_models()
        if model._meta.app_label in {"missions", "assessments", "stakeholders"}
    }


def history_events(
    *, mission: Mission, target_type: str | None = None, target_id: int | None = None
) -> QuerySet[AuditEvent]:
    """The mission's audit trail, newest first, optionally of one item."""
    events = AuditEvent.objects.filter(mission=mission).select_related("actor")
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id is not None:
        events = events.filter(target_id=target_id)
    return events.order_by("-at", "-id")


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    before: list[str]  # lines: a list of scores reads one score a line
    after: list[str]
    hidden: bool


@dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    actor: str
    what: str
    target: str
    changes: list[ChangeRow]
    redacted: bool


# Never worth a line: every event of the page is about this mission.
HISTORY_SKIPPED_FIELDS = frozenset({"mission"})


def _field(model, name: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # A reverse relation (an assessment's "scores") is a list the change spells out itself.
    return field if field.concrete else None


def _field_label(model, name: str) -> str:
    field = _field(model, name)
    label = getattr(field, "verbose_name", None)
    if field is not None and field.is_relation and label == name.replace("_", " "):
        # Django's default verbose name ("user") is not translated; the model's is.
        label = field.related_model._meta.verbose_name
    elif field is None and model is not None:
        # A reverse relation (an assessment's "scores") has no verbose name of its own.
        try:
            relation = model._meta.get_field(name)
        except FieldDoesNotExist:
            relation = None
        if relation is not None and relation.is_relation and relation.related_model:
            label = relation.related_model._meta.verbose_name_plural
    return str(label) if label else name.replace("_", " ")


def _references(events, hidden_by_event, models) -> dict[Any, dict[int, str]]:
    """Names for the ids the page's changes refer to: one query per model referred to.

    Values the caller may not see are not looked up. People are named as everywhere else
    (never by e-mail address); a score list names its benchmarks.
    """
    wanted: dict[Any, set[int]] = {}
    for event in events:
        model = models.get(event.target_type)
        for name, values in (event.changes or {}).items():
            if name in hidden_by_event[event.pk] or not isinstance(values, list | tuple):
                continue
            field = _field(model, name)
            for value in values:
                if field is not None and field.many_to_one and isinstance(value, int):
                    wanted.setdefault(field.related_model, set()).add(value)
                elif field is None and isinstance(value, list):
                    ids = {
                        item["benchmark"]
                        for item in value
                        if isinstance(item, dict) and isinstance(item.get("benchmark"), int)
                    }
                    wanted.setdefault(Benchmark, set()).update(ids)
    names: dict[Any, dict[int, str]] = {}
    for model, ids in wanted.items():
        if model is Mission or not ids:
            continue
        if model is get_user_model():
            names[model] = {u.pk: person_name(u) for u in model.objects.filter(pk__in=ids)}
        elif model is Benchmark:
            names[model] = dict(model.objects.filter(pk__in=ids).values_list("pk", "code"))
        else:
            names[model] = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}
    return names


def _score_line(item: dict, benchmarks: dict[int, str]) -> str:
    code = benchmarks.get(item.get("benchmark"), f"#{item.get('benchmark')}")
    figure = item.get("value") if item.get("value") is not None else item.get("rating")
    return f"{code}: {decimal_text(figure) or '—'}"


def _value_lines(field, value: Any, references: dict[Any, dict[int, str]]) -> list[str]:
    if value is None or value == "":
        return ["—"]
    if isinstance(value, bool):
        return [str(_("yes") if value else _("no"))]
    if field is not None and field.many_to_one and isinstance(value, int):
        return [references.get(field.related_model, {}).get(value, f"#{value}")]
    if field is not None and field.choices:
        return [str(dict(field.flatchoices).get(value, value))]
    if field is not None and field.get_internal_type() == "DecimalField":
        return [decimal_text(value)]
    if isinstance(value, list) and all(isinstance(i, dict) and "benchmark" in i for i in value):
        return [_score_line(item, references.get(Benchmark, {})) for item in value] or ["—"]
    if isinstance(value, list | dict):
        return [json.dumps(value, ensure_ascii=False, sort_keys=True)]
    return [str(value)]


def history_rows(events, access: MissionAccess) -> list[HistoryRow]:
    """Events as rows of who, what, when and before → after, hiding what the caller may not
    see (DESIGN.md: an observer sees *that* a contact or a draft changed, not the values).

    Ids become names and choice values their labels, with one query per kind of object the
    page refers to (people, benchmarks, objectives…), never one per event.
    """
    models = _history_models()
    events = list(events)
    hidden_by_event = {event.pk: hidden_keys(event, access) for event in events}
    references = _references(events, hidden_by_event, models)
    rows = []
    for event in events:
        hidden = hidden_by_event[event.pk]
        model = models.get(event.target_type)
        verb = event.action.rpartition(".")[2]
        type_label = TARGET_TYPES.get(event.target_type, event.target_type.replace("_", " "))
        changes = []
        for name, values in sorted((event.changes or {}).items()):
            if name in HISTORY_SKIPPED_FIELDS or not (
                isinstance(values, list | tuple) and len(values) == 2
            ):
                continue
            if name in hidden:
                changes.append(ChangeRow(name, _field_label(model, name), [], [], True))
                continue
            field = _field(model, name)
            before = _value_lines(field, values[0], references)
            after = _value_lines(field, values[1], references)
            if before != after:  # "" became None: nothing a reader would call a change
                changes.append(ChangeRow(name, _field_label(model, name), before, after, False))
        rows.append(
            HistoryRow(
                event=event,
                actor=person_name(event.actor),
                what=str(VERBS.get(verb, verb.replace("_", " "))),
                target=f"{type_label} #{event.target_id}" if event.target_id else str(type_label),
                changes=changes,
                redacted=bool(hidden),
            )
        )
    return rows


def history_target_title(*, mission: Mission, target_type: str, target_id: int) -> str | None:
    """The title of the plan item a filtered history is about, when it is one (one query)."""
    titles = {
        "phase": (Phase, "name"),
        "objective": (Objective, "title"),
        "benchmark": (Benchmark, "title"),
        "handover_item": (HandoverItem, "function"),
    }
    if target_type not in titles:
        return None
    model, title_field = titles[target_type]
    return (
        model.objects.filter(mission=mission, pk=target_id)
        .values_list(title_field, flat=True)
        .first()
    )

"""Writes to assessment rounds and their scores."""

import datetime
from functools import partial
from typing import Any

from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from exitplan.errors import Conflict, StaleVersion
from missions.audit import audit, diff, snapshot
from missions.models import Benchmark, Mission
from missions.services import ensure_writable

from . import readiness, selectors
from .models import Assessment, ReadinessSnapshot, Score


@transaction.atomic
def assessment_create(
    *, actor, mission: Mission, scores: list[dict[str, Any]] | None = None, **fields: Any
) -> Assessment:
    """Create a draft round with its scores (each names its benchmark by ``code``)."""
    ensure_writable(mission)
    assessment = Assessment(mission=mission, author=actor, **fields)
    assessment.full_clean()
    assessment.save()
    codes = {row["benchmark"] for row in scores or []}
    benchmarks = {b.code: b for b in Benchmark.objects.filter(mission=mission, code__in=codes)}
    made = []
    for index, row in enumerate(scores or []):
        row = dict(row)
        benchmark = benchmarks.get(row.pop("benchmark"))
        if benchmark is None:
            raise ValidationError({f"scores[{index}].benchmark": _("No such benchmark here.")})
        if any(earlier.benchmark_id == benchmark.pk for earlier in made):
            duplicate = _("This round already has a score for this benchmark.")
            raise ValidationError({f"scores[{index}].benchmark": duplicate})
        score = Score(assessment=assessment, benchmark=benchmark, **row)
        try:
            score.full_clean(exclude=["assessment"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                {
                    f"scores[{index}]" if k == NON_FIELD_ERRORS else f"scores[{index}].{k}": v
                    for k, v in error.message_dict.items()
                }
            ) from None
        made.append(score)
    Score.objects.bulk_create(made)
    audit(
        actor=actor,
        action="assessment.create",
        target=assessment,
        changes={
            **diff({}, snapshot(assessment)),
            "scores": [None, [snapshot(s, ["benchmark", "value", "rating"]) for s in made]],
        },
    )
    return assessment


def _transition(
    *, assessment: Assessment, actor, version: int | None, source: str, verb: str, **values: Any
) -> Assessment:
    ensure_writable(assessment.mission)
    rows = Assessment.objects.filter(pk=assessment.pk, status=source)
    if version is not None:
        rows = rows.filter(version=version)
    if not rows.update(**values, version=F("version") + 1, updated_at=timezone.now()):
        current = Assessment.objects.get(pk=assessment.pk)
        if version is not None and current.version != version:
            raise StaleVersion(current.version)
        raise Conflict(
            _("This round is %(status)s; it cannot be %(verb)s.")
            % {"status": current.get_status_display().lower(), "verb": verb}
        )
    changes = {"status": [source, values["status"]]}
    audit(actor=actor, action=f"assessment.{verb}", target=assessment, changes=changes)
    readiness_changed_on_commit(assessment.mission_id)
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor, version: int | None = None) -> Assessment:
    """Submit a draft round: from now on its scores count and no longer change."""
    return _transition(
        assessment=assessment,
        actor=actor,
        version=version,
        source=Assessment.Status.DRAFT,
        verb="submit",
        status=Assessment.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


@transaction.atomic
def assessment_approve(*, assessment: Assessment, actor, version: int | None = None) -> Assessment:
    """Approve a submitted round; approved rounds are final (four-eyes: never one's own)."""
    if assessment.author_id == actor.pk:
        raise PermissionDenied(_("Someone other than the author must approve a round."))
    return _transition(
        assessment=assessment,
        actor=actor,
        version=version,
        source=Assessment.Status.SUBMITTED,
        verb="approve",
        status=Assessment.Status.APPROVED,
        approved_by=actor,
        approved_at=timezone.now(),
    )


# Readiness -----------------------------------------------------------------------------

# A burst of edits costs a handful of runs: at most one job per mission in this window.
RECOMPUTE_DELAY_SECONDS = 5


def _dirty_key(mission_id: int) -> str:
    return f"readiness:dirty:{mission_id}"


def readiness_changed(mission_id: int) -> None:
    """An input of the method changed (call after commit): mark it and schedule one job.

    The mark lets the API say ``recomputing`` until the job stores a newer snapshot; the
    ``cache.add`` makes concurrent edits share one job instead of queueing one each.
    """
    from .tasks import recompute_readiness

    cache.set(_dirty_key(mission_id), timezone.now().timestamp(), timeout=3600)
    if cache.add(f"readiness:scheduled:{mission_id}", 1, timeout=RECOMPUTE_DELAY_SECONDS):
        recompute_readiness.apply_async(args=[mission_id], countdown=RECOMPUTE_DELAY_SECONDS)


def readiness_changed_on_commit(mission_id: int) -> None:
    transaction.on_commit(partial(readiness_changed, mission_id))


def _figures(mission: Mission, result: readiness.ReadinessResult, computed_at, recomputing: bool):
    return {
        "mission": mission.code,
        **result.to_dict(),
        "computed_at": computed_at.isoformat().replace("+00:00", "Z"),
        "recomputing": recomputing,
    }


def _ordered(figures: dict) -> dict:
    keys = ["mission", "as_of", "computed_at", "recomputing"]
    return {**{k: figures[k] for k in keys}, **{k: v for k, v in figures.items() if k not in keys}}


def readiness_compute(
    *, mission: Mission, as_of: datetime.date | None = None
) -> readiness.ReadinessResult:
    """The figures for ``as_of`` (default: today in the mission's time zone), storing nothing."""
    as_of = as_of or selectors.mission_today(mission)
    return readiness.compute(selectors.readiness_inputs(mission, as_of))


def readiness_figures(*, mission: Mission, as_of: datetime.date) -> dict:
    """The readiness resource for a date, computed on the spot and not stored."""
    result = readiness_compute(mission=mission, as_of=as_of)
    return _ordered(_figures(mission, result, timezone.now(), recomputing=False))


@transaction.atomic
def readiness_snapshot_create(
    *, mission: Mission, as_of: datetime.date | None = None
) -> ReadinessSnapshot:
    """Compute the figures and store them as a snapshot (the trend and projection read these)."""
    computed_at = timezone.now()
    result = readiness_compute(mission=mission, as_of=as_of)
    return ReadinessSnapshot.objects.create(
        mission=mission,
        as_of=result.as_of,
        computed_at=computed_at,
        readiness=result.readiness,
        confidence=result.confidence,
        figures=_figures(mission, result, computed_at, recomputing=False),
    )


def readiness_current(*, mission: Mission) -> dict:
    """The latest snapshot, computing and storing one when there is none."""
    snapshot = selectors.latest_snapshot(mission) or readiness_snapshot_create(mission=mission)
    dirty = cache.get(_dirty_key(mission.pk))
    figures = dict(snapshot.figures)
    figures["recomputing"] = bool(dirty and dirty > snapshot.computed_at.timestamp())
    return _ordered(figures)


def readiness_what_if(
    *, mission: Mission, as_of: datetime.date, scores: list[dict[str, Any]]
) -> dict:
    """Figures as if ``scores`` were submitted on ``as_of`` after every real one; stores nothing.

    Each score names its benchmark by ``code`` and gives ``value`` or ``rating`` as its
    benchmark's kind needs. The projection is left out (it would mix real and imagined data).
    """
    codes = [row.get("benchmark") for row in scores]
    benchmarks = {
        b.code: b
        for b in Benchmark.objects.filter(mission=mission, code__in=codes, is_retired=False)
    }
    errors: dict[str, list[str]] = {}
    hypothetical = []
    for index, row in enumerate(scores):
        benchmark = benchmarks.get(row.get("benchmark"))
        if benchmark is None:
            errors[f"scores[{index}].benchmark"] = [
                _("No benchmark of this mission has this code.")
            ]
            continue
        value, rating = row.get("value"), row.get("rating")
        if benchmark.kind == Benchmark.Kind.QUANTITATIVE and (value is None or rating is not None):
            errors[f"scores[{index}].value"] = [_("This benchmark is quantitative: give a value.")]
        elif benchmark.kind == Benchmark.Kind.RATING and (
            rating is None or value is not None or not 1 <= rating <= 4
        ):
            errors[f"scores[{index}].rating"] = [
                _("This benchmark is rated: give a rating from 1 to 4.")
            ]
        else:
            hypothetical.append(
                readiness.hypothetical_score(
                    benchmark_id=benchmark.pk, as_of=as_of, value=value, rating=rating
                )
            )
    if errors:
        raise ValidationError(errors)
    inputs = selectors.readiness_inputs(
        mission, as_of, extra_scores=tuple(hypothetical), with_snapshots=False
    )
    result = readiness.compute(inputs, include_projection=False)
    return _ordered(_figures(mission, result, timezone.now(), recomputing=False))


def readiness_recompute_all() -> int:
    """Store a fresh snapshot for every mission that is not closed (the nightly run)."""
    count = 0
    for mission in Mission.objects.open().order_by("id"):
        readiness_snapshot_create(mission=mission)
        count += 1
    return count

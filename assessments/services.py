"""Writes to assessment rounds and their scores."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from exitplan.errors import Conflict, StaleVersion
from missions.audit import audit, diff, snapshot
from missions.models import Benchmark, Mission
from missions.services import ensure_writable

from .models import Assessment, Score


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
        score = Score(assessment=assessment, benchmark=benchmark, **row)
        try:
            score.full_clean(exclude=["assessment"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                {f"scores[{index}].{k}": v for k, v in error.message_dict.items()}
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

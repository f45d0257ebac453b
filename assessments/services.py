"""Writes to assessment rounds and their scores."""

import datetime
import logging
import os
from functools import partial
from typing import Any

from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exitplan.errors import Conflict, StaleVersion
from exitplan.renderers import encode_json
from missions.audit import audit, diff, snapshot
from missions.models import Benchmark, Mission
from missions.services import bump_version, ensure_writable

from . import readiness, selectors
from .models import Assessment, ReadinessSnapshot, Score

# Scores are written with their round: these are the fields a score row may give.
SCORE_FIELDS = ("value", "rating", "evidence", "source")
# What the audit trail records of each score that was added, changed or removed.
SCORE_AUDIT_FIELDS = ["benchmark", "value", "rating", "evidence", "source"]
# The round's own fields that can be edited while it is a draft.
EDITABLE_FIELDS = frozenset({"as_of", "kind", "method", "summary", "label"})


def _score_rows(
    *,
    mission: Mission,
    assessment: Assessment,
    scores: list[dict[str, Any]],
    existing: dict[str, Score] | None = None,
) -> tuple[list[Score], dict[str, list]]:
    """Validate score rows (each naming its benchmark by ``code``) into unsaved Score objects.

    Each row is the whole score: a field it leaves out is emptied (the attachment stays).
    A row whose benchmark already has a score in ``existing`` fills that score, so the
    caller can tell changed rows from new ones. Errors are keyed by position, e.g.
    ``scores[1].rating``, all of them at once, so a client fixes the set in one go.
    """
    existing = existing or {}
    codes = {row.get("benchmark") for row in scores}
    benchmarks = {b.code: b for b in Benchmark.objects.filter(mission=mission, code__in=codes)}
    errors: dict[str, list] = {}
    made: list[Score] = []
    seen: set[str] = set()
    for index, row in enumerate(scores):
        code = row.get("benchmark")
        benchmark = benchmarks.get(code)
        if benchmark is None:
            errors[f"scores[{index}].benchmark"] = [
                _("No such benchmark here: use the code of one of this mission's benchmarks.")
            ]
            continue
        if code in seen:
            errors[f"scores[{index}].benchmark"] = [
                _("This round already has a score for this benchmark.")
            ]
            continue
        seen.add(code)
        values = {"value": None, "rating": None, "evidence": "", "source": ""}
        values.update({k: v for k, v in row.items() if k != "benchmark"})
        score = existing.get(code)
        if score is None:
            score = Score(assessment=assessment, benchmark=benchmark)
        else:
            score = Score(
                pk=score.pk,
                assessment=assessment,
                benchmark=benchmark,
                attachment=score.attachment,
                version=score.version,
                created_at=score.created_at,
            )
        for name, value in values.items():
            setattr(score, name, value)
        try:
            score.full_clean(exclude=["assessment"], validate_unique=False)
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                name = f"scores[{index}]" if key == NON_FIELD_ERRORS else f"scores[{index}].{key}"
                errors.setdefault(name, []).extend(messages)
            continue
        made.append(score)
    return made, errors


def _score_summary(scores: list[Score]) -> list[dict[str, Any]]:
    return [snapshot(s, SCORE_AUDIT_FIELDS) for s in sorted(scores, key=lambda s: s.benchmark_id)]


@transaction.atomic
def assessment_create(
    *, actor, mission: Mission, scores: list[dict[str, Any]] | None = None, **fields: Any
) -> Assessment:
    """Create a draft round with its scores (each names its benchmark by ``code``).

    The round's fields and every score row are validated before anything is written;
    all errors are reported together.
    """
    ensure_writable(mission)
    assessment = Assessment(mission=mission, author=actor, **fields)
    errors: dict[str, list] = {}
    try:
        assessment.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    made, score_errors = _score_rows(mission=mission, assessment=assessment, scores=scores or [])
    errors.update(score_errors)
    if errors:
        raise ValidationError(errors)
    assessment.save()
    for score in made:
        score.assessment = assessment
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


def _same_score(score: Score, row: dict[str, Any]) -> bool:
    """Whether a row says exactly what a stored score says (numbers compared as numbers)."""
    for name in SCORE_FIELDS:
        given = row.get(name, None if name in ("value", "rating") else "")
        stored = getattr(score, name)
        if name in ("value", "rating") and given is not None:
            try:
                given = Score._meta.get_field(name).to_python(given)
            except ValidationError:
                return False
        if given != stored:
            return False
    return True


def _scores_differ(current: dict[str, Score], scores: list[dict[str, Any]]) -> bool:
    codes = [row.get("benchmark") for row in scores]
    if len(set(codes)) != len(codes) or set(codes) != set(current):
        return True
    return any(not _same_score(current[row["benchmark"]], row) for row in scores)


def _fields_differ(assessment: Assessment, data: dict[str, Any]) -> bool:
    probe = Assessment(**{k: getattr(assessment, k) for k in EDITABLE_FIELDS})
    try:
        for name, value in data.items():
            setattr(probe, name, Assessment._meta.get_field(name).to_python(value))
    except ValidationError:
        return True
    return any(getattr(probe, name) != getattr(assessment, name) for name in data)


@transaction.atomic
def assessment_update(
    *,
    actor,
    assessment: Assessment,
    data: dict[str, Any],
    scores: list[dict[str, Any]] | None = None,
    version: int | None = None,
) -> Assessment:
    """Change a draft round's fields and, when ``scores`` is given, replace its whole set.

    Scores are matched by benchmark code: new codes are added, missing ones removed,
    changed ones updated. Any change bumps the round's version (one conditional UPDATE,
    so a lost update is refused). A submitted or approved round changes no more (409);
    a request that changes nothing is accepted and bumps nothing.
    """
    ensure_writable(assessment.mission)
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            {name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    assessment = Assessment.objects.select_related("mission").get(pk=assessment.pk)
    if version is not None and version != assessment.version:
        raise StaleVersion(assessment.version)
    current = {s.benchmark.code: s for s in assessment.scores.select_related("benchmark")}
    if not assessment.is_draft:
        if scores is not None and _scores_differ(current, scores):
            raise Conflict(
                _(
                    "Scores change only while the round is a draft: this one is %(status)s. "
                    "Ask an approver to return it, or log a new round."
                )
                % {"status": assessment.get_status_display().lower()}
            )
        if _fields_differ(assessment, data):
            raise Conflict(
                _(
                    "Only a draft round can be edited: this one is %(status)s. "
                    "Ask an approver to return it, or log a new round."
                )
                % {"status": assessment.get_status_display().lower()}
            )
        return assessment

    before = snapshot(assessment)
    for name, value in data.items():
        setattr(assessment, name, value)
    errors: dict[str, list] = {}
    try:
        assessment.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    added: list[Score] = []
    changed: list[tuple[Score, Score]] = []
    removed: list[Score] = []
    if scores is not None:
        made, score_errors = _score_rows(
            mission=assessment.mission, assessment=assessment, scores=scores, existing=current
        )
        errors.update(score_errors)
        kept = {s.benchmark.code for s in made}
        removed = [s for code, s in current.items() if code not in kept]
        for score in made:
            old = current.get(score.benchmark.code)
            if old is None:
                added.append(score)
            elif any(getattr(old, f) != getattr(score, f) for f in SCORE_FIELDS):
                changed.append((old, score))
    if errors:
        raise ValidationError(errors)

    changes = diff(before, snapshot(assessment))
    if added or changed or removed:
        changes["scores"] = [
            _score_summary([old for old, _new in changed] + removed),
            _score_summary([new for _old, new in changed] + added),
        ]
    if not changes:
        return assessment

    now = timezone.now()
    values = {name: getattr(assessment, name) for name in changes if name in EDITABLE_FIELDS}
    updated = Assessment.objects.filter(
        pk=assessment.pk, version=assessment.version, status=Assessment.Status.DRAFT
    ).update(**values, version=F("version") + 1, updated_at=now)
    if not updated:
        raise StaleVersion(
            Assessment.objects.filter(pk=assessment.pk).values_list("version", flat=True).first()
            or 0
        )
    if removed:
        Score.objects.filter(pk__in=[s.pk for s in removed]).delete()
    for _old, score in changed:
        score.version += 1
        score.updated_at = now
    if changed:
        Score.objects.bulk_update(
            [new for _old, new in changed], [*SCORE_FIELDS, "version", "updated_at"]
        )
    if added:
        Score.objects.bulk_create(added)
    audit(actor=actor, action="assessment.update", target=assessment, changes=changes)
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def assessment_delete(*, actor, assessment: Assessment, version: int | None = None) -> None:
    """Delete a draft round with its scores; submitted and approved rounds stay (409)."""
    ensure_writable(assessment.mission)
    current = Assessment.objects.filter(pk=assessment.pk).first()
    if current is None:
        return
    if version is not None and version != current.version:
        raise StaleVersion(current.version)
    if not current.is_draft:
        raise Conflict(
            _(
                "Only a draft round can be deleted: this one is %(status)s and its scores "
                "are part of the record. Log a new round to correct it."
            )
            % {"status": current.get_status_display().lower()}
        )
    scores = list(current.scores.all())
    audit(
        actor=actor,
        action="assessment.delete",
        target=current,
        changes={
            **diff(snapshot(current), {}),
            "scores": [[snapshot(s, ["benchmark", "value", "rating"]) for s in scores], None],
        },
    )
    deleted, _by_model = Assessment.objects.filter(
        pk=current.pk, version=current.version, status=Assessment.Status.DRAFT
    ).delete()
    if not deleted:
        raise StaleVersion(
            Assessment.objects.filter(pk=current.pk).values_list("version", flat=True).first() or 0
        )


# What each transition says when the round is in the wrong state: what to do next.
_TRANSITION_CONFLICTS = {
    "submit": gettext_lazy("This round is %(status)s, so it cannot be submitted again."),
    "approve": gettext_lazy(
        "This round is %(status)s, so it cannot be approved: only a submitted round can be."
    ),
    "return": gettext_lazy(
        "This round is %(status)s, so it cannot be returned: only a submitted round can be."
    ),
}


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
            str(_TRANSITION_CONFLICTS[verb]) % {"status": current.get_status_display().lower()}
        )
    changes = {"status": [source, values["status"]]}
    if "returned_reason" in values:
        changes["returned_reason"] = [assessment.returned_reason, values["returned_reason"]]
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


def _four_eyes(assessment: Assessment, actor, verb: str) -> None:
    """Never one's own round, site superusers included (DESIGN.md, approve_assessment)."""
    if assessment.author_id == actor.pk:
        messages = {
            "approve": _("Someone other than the author must approve a round."),
            "return": _("Someone other than the author must return a round."),
        }
        raise PermissionDenied(messages[verb])


@transaction.atomic
def assessment_approve(*, assessment: Assessment, actor, version: int | None = None) -> Assessment:
    """Approve a submitted round; approved rounds are final (four-eyes: never one's own)."""
    _four_eyes(assessment, actor, "approve")
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


@transaction.atomic
def assessment_return(
    *, actor, assessment: Assessment, reason: str, version: int | None = None
) -> Assessment:
    """Send a submitted round back to draft with a reason; its scores stop counting.

    Four-eyes like approval (DESIGN.md: "approve or return a submitted round, never one's
    own"): the author cannot return their own round, site superusers included.
    """
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": [_("Say why the round goes back, so its author knows what to fix.")]}
        )
    _four_eyes(assessment, actor, "return")
    return _transition(
        assessment=assessment,
        actor=actor,
        version=version,
        source=Assessment.Status.SUBMITTED,
        verb="return",
        status=Assessment.Status.DRAFT,
        submitted_at=None,
        returned_reason=reason.strip(),
    )


@transaction.atomic
def score_attachment_store(*, actor, score: Score, upload, version: int | None) -> Score:
    """Store a score's evidence file: only while its round is a draft; bumps the round."""
    assessment = score.assessment
    ensure_writable(assessment.mission)
    if not Assessment.objects.filter(pk=assessment.pk, status=Assessment.Status.DRAFT).exists():
        raise Conflict(_("Evidence changes only while the round is a draft."))
    bump_version(assessment, version)
    before = score.attachment.name or None
    score.attachment.save(get_valid_filename(os.path.basename(upload.name)), upload, save=False)
    Score.objects.filter(pk=score.pk).update(
        attachment=score.attachment.name, version=F("version") + 1, updated_at=timezone.now()
    )
    audit(
        actor=actor,
        action="score.update",
        target=score,
        changes={"attachment": [before, score.attachment.name]},
    )
    return score


logger = logging.getLogger(__name__)

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
        try:
            recompute_readiness.apply_async(
                args=[mission_id], countdown=RECOMPUTE_DELAY_SECONDS, retry=False
            )
        except Exception:
            # The change is committed; the figure stays marked as recomputing and the
            # nightly run catches up. A broker outage must not fail the user's write.
            logger.exception("Could not enqueue the readiness recompute of mission %s", mission_id)
            cache.delete(f"readiness:scheduled:{mission_id}")


def readiness_changed_on_commit(mission_id: int) -> None:
    transaction.on_commit(partial(readiness_changed, mission_id))


def _figures(mission: Mission, result: readiness.ReadinessResult, computed_at, recomputing: bool):
    return {
        "mission": mission.code,
        **result.to_dict(),
        "computed_at": computed_at.isoformat().replace("+00:00", "Z"),
        "recomputing": recomputing,
    }


# The readiness resource's keys in DESIGN.md's order, at each level.
_RESOURCE_KEYS = [
    "mission",
    "as_of",
    "computed_at",
    "recomputing",
    "readiness",
    "confidence",
    "flags",
    "categories",
    "objectives",
    "benchmarks",
    "blockers",
    "gates",
    "projection",
]
_ITEM_KEYS = {
    "objectives": ["id", "title", "category", "readiness", "flags"],
    "benchmarks": ["code", "progress", "met", "flags", "latest"],
    "blockers": ["benchmark", "share", "reason"],
    "gates": ["phase", "open", "reasons"],
}


def _in_order(values: dict, keys: list[str]) -> dict:
    return {**{k: values[k] for k in keys if k in values}, **values}


def _ordered(figures: dict) -> dict:
    """The figures with DESIGN.md's key order, also after a round trip through PostgreSQL's
    jsonb (which stores keys sorted by length): categories follow the objectives."""
    figures = _in_order(figures, _RESOURCE_KEYS)
    for name, keys in _ITEM_KEYS.items():
        if isinstance(figures.get(name), list):
            figures[name] = [_in_order(item, keys) for item in figures[name]]
    for item in figures.get("benchmarks") or []:
        if isinstance(item.get("latest"), dict):
            item["latest"] = _in_order(item["latest"], ["as_of", "value", "rating"])
    if isinstance(figures.get("projection"), dict):
        figures["projection"] = _in_order(figures["projection"], ["status", "date"])
    if isinstance(figures.get("categories"), dict):
        first_seen = list(dict.fromkeys(o.get("category") for o in figures.get("objectives", [])))
        figures["categories"] = _in_order(figures["categories"], first_seen)
    return figures


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
    figures = _figures(mission, result, computed_at, recomputing=False)
    return ReadinessSnapshot.objects.create(
        mission=mission,
        as_of=result.as_of,
        computed_at=computed_at,
        readiness=result.readiness,
        confidence=result.confidence,
        figures=figures,
        encoded=readiness_encode(figures),
    )


def readiness_encode(figures: dict) -> str:
    """A snapshot's figures as the API's JSON text, in the resource's key order.

    Stored with the snapshot (``encoded``) so that the API sends it without parsing the
    figures and encoding them again; ``recomputing`` is false in it, as in ``figures``.
    """
    return encode_json(_ordered(dict(figures))).decode()


def _recomputing(mission: Mission, snapshot: ReadinessSnapshot) -> bool:
    """Whether a change made after ``snapshot`` waits for the job (``readiness_changed``)."""
    dirty = cache.get(_dirty_key(mission.pk))
    return bool(dirty and dirty > snapshot.computed_at.timestamp())


def readiness_current(*, mission: Mission) -> dict:
    """The latest snapshot, computing and storing one when there is none."""
    snapshot = selectors.latest_snapshot(mission) or readiness_snapshot_create(mission=mission)
    figures = dict(snapshot.figures)
    figures["recomputing"] = _recomputing(mission, snapshot)
    return _ordered(figures)


def _recomputing_json(value: bool) -> str:
    """The ``recomputing`` member as ``readiness_encode`` writes it (with its separators)."""
    return encode_json({"recomputing": value})[1:-1].decode()


def readiness_current_encoded(*, mission: Mission) -> bytes:
    """``readiness_current`` as the API's JSON, from the stored text (the API's path).

    Only ``recomputing`` depends on the moment: the stored text says false, and the first
    ``"recomputing":false`` in it is the resource's own member (it follows the mission's
    code and two dates, and a quote inside a JSON string is always escaped).
    """
    snapshot = selectors.latest_snapshot_encoded(mission) or readiness_snapshot_create(
        mission=mission
    )
    [encoded] = readiness_snapshots_encoded([snapshot])
    if _recomputing(mission, snapshot):
        encoded = encoded.replace(_recomputing_json(False), _recomputing_json(True), 1)
    return encoded.encode()


def readiness_snapshots_encoded(snapshots: list[ReadinessSnapshot]) -> list[str]:
    """Stored snapshots (read with ``selectors.with_encoded``) as the API's JSON texts.

    A snapshot stored without its text (before the migration that fills it, or by older
    code during a deploy) is encoded from its figures, read for all such at once: one more
    query, only while there are any.
    """
    missing = [snapshot.pk for snapshot in snapshots if not snapshot.encoded]
    figures = selectors.snapshot_figures_by_id(missing) if missing else {}
    return [snapshot.encoded or readiness_encode(figures[snapshot.pk]) for snapshot in snapshots]


def readiness_snapshot_figures(snapshot: ReadinessSnapshot) -> dict:
    """A snapshot read with ``figures_summary`` (its figures without the per-benchmark
    lists, annotated in place of ``figures``) as the resource, in its key order (history).
    """
    return _ordered(dict(snapshot.figures_summary))


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

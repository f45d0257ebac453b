"""Feedback results: counted from per-day tallies plus a live count of the rest.

Scanning every submission made reading results grow with their number (195,000 answers:
0.13 s). A form's submissions are instead rolled up into cumulative tallies per UTC day
(``FeedbackTally``) up to a moment (``FeedbackTallyMark.until``), outside the public POST:
by the beat every minute, and by a reader that finds many not yet rolled up. Results are
then the tallies of the whole days inside the filters (two rows apart, the tallies being
cumulative) plus one live count, with exactly the scan's expressions, of what the tallies
leave out: submissions sent since the mark and those of the partial days at the filters'
edges (the form's index on the moment finds both).

A submission is stored with the moment it is sent, and its transaction commits within
seconds; a run rolls up only those sent more than TALLY_MARGIN ago, so no commit can come
late under the mark. Submissions are append-only (no path edits or deletes one but a
form's or a mission's deletion, which takes the tallies with it), and the questions of a
form with answers never change; tallies made for other questions are ignored and rebuilt
all the same (``feedback_tallies_reset`` throws a form's away).
"""

import datetime
import functools
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from operator import or_
from typing import Any, NamedTuple

from django.db import DatabaseError, connection, connections, transaction
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Least, TruncDate
from django.db.models.lookups import Exact
from django.utils import timezone

from ..models import (
    FeedbackForm,
    FeedbackSubmission,
    FeedbackTally,
    FeedbackTallyMark,
    Question,
)
from .feedback import (
    CHOICE_KINDS,
    MIN_GROUP,
    TEXT_ANSWERS_LIMIT,
    AnswerIncludes,
    AnswerOf,
    _answered,
    _decimal,
)

__all__ = [
    "SubmissionScope",
    "feedback_results",
    "feedback_tallies_reset",
    "feedback_tallies_roll_up",
    "feedback_tallies_roll_up_all",
]

logger = logging.getLogger(__name__)

# Only submissions sent longer ago than this are rolled up: any transaction inserting one
# has committed by then (a request is cut off long before), so none can appear under a mark.
# The live count covers at least this much.
TALLY_MARGIN = datetime.timedelta(minutes=2)
# A reader who counts at least this many submissions since the mark (and older than the
# margin) rolls them up after answering, so the next reader need not count them again.
ROLL_UP_AT = 500
DAY = datetime.timedelta(days=1)
BATCH = 500
# Before and after any submission: the mark of a form without tallies, the end of time.
EPOCH = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
NEVER = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class SubmissionScope:
    """Which of a form's submissions results count: a stakeholder kind and a time window.

    ``kind`` None is every kind, "" those who gave none. ``start`` is inclusive, ``after``
    strict (the API's submitted_after), ``until`` strict (before).
    """

    kind: str | None = None
    start: datetime.datetime | None = None
    after: datetime.datetime | None = None
    until: datetime.datetime | None = None

    @property
    def q(self) -> Q:
        q = Q()
        if self.kind is not None:
            q &= Q(stakeholder_kind=self.kind)
        if self.start is not None:
            q &= Q(submitted_at__gte=self.start)
        if self.after is not None:
            q &= Q(submitted_at__gt=self.after)
        if self.until is not None:
            q &= Q(submitted_at__lt=self.until)
        return q

    def submissions(self, form: FeedbackForm) -> QuerySet[FeedbackSubmission]:
        return FeedbackSubmission.objects.filter(form=form).filter(self.q)

    def whole_days(self) -> tuple[datetime.date | None, datetime.date | None]:
        """The UTC days [first, end) that lie wholly inside the window (None: unbounded)."""
        first = None
        if self.start is not None:
            moment = self.start.astimezone(datetime.UTC)
            first = moment.date() if _is_midnight(moment) else moment.date() + DAY
        if self.after is not None:  # strict: even a midnight's own day is partly out
            after = self.after.astimezone(datetime.UTC).date() + DAY
            first = after if first is None else max(first, after)
        end = self.until.astimezone(datetime.UTC).date() if self.until is not None else None
        return first, end


def _is_midnight(moment: datetime.datetime) -> bool:
    return moment.time() == datetime.time.min


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, datetime.UTC)


# Counting -------------------------------------------------------------------------------


class _Shape(NamedTuple):
    """What counting needs of a question (hashable, to key compiled queries)."""

    pk: int
    kind: str
    choices: tuple[str, ...]


def _shapes(questions: Iterable[Question]) -> tuple[_Shape, ...]:
    return tuple(sorted(_Shape(q.pk, q.kind, tuple(q.choices or ())) for q in questions))


def _aggregates(questions: Iterable[Question | _Shape]) -> dict[str, Any]:
    """The counts results need, as SQL aggregates keyed as in the tallies."""
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for q in questions:
        aggregates[f"q{q.pk}"] = Count("pk", filter=_answered(q.pk))
        if q.kind == Question.Kind.SINGLE_CHOICE:
            for i, choice in enumerate(q.choices):
                aggregates[f"q{q.pk}c{i}"] = Count("pk", filter=Q(Exact(AnswerOf(q.pk), choice)))
        elif q.kind == Question.Kind.MULTI_CHOICE:
            for i, choice in enumerate(q.choices):
                aggregates[f"q{q.pk}c{i}"] = Count("pk", filter=Q(AnswerIncludes(q.pk, choice)))
        elif q.kind == Question.Kind.SCALE:
            value = Cast(AnswerOf(q.pk), IntegerField())
            for v in range(1, 6):
                aggregates[f"q{q.pk}v{v}"] = Count("pk", filter=Q(Exact(value, v)))
    return aggregates


def results_scan(questions: list[Question], submissions: QuerySet) -> dict[str, int]:
    """The counts over ``submissions`` in one scan of them all: the tallies' reference."""
    return submissions.order_by().aggregate(**_aggregates(questions))


def _fingerprint(questions: Iterable[Question | _Shape]) -> str:
    """What the tallies' keys depend on: each question's id, kind and choices."""
    shape = sorted([q.pk, q.kind, list(q.choices or [])] for q in questions)
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()


def _add(into: dict[str, dict[str, int]], counts: dict[str, dict[str, int]]) -> None:
    for kind, values in counts.items():
        mine = into.setdefault(kind, {})
        for key, n in values.items():
            mine[key] = mine.get(key, 0) + n


def _of_kind(counts: dict | None, kind: str | None) -> dict[str, int]:
    """One kind's counts from a tally row, or every kind's summed (kind None)."""
    if not counts:
        return {}
    if kind is not None:
        return counts.get(kind, {})
    summed: dict[str, int] = {}
    for values in counts.values():
        for key, n in values.items():
            summed[key] = summed.get(key, 0) + n
    return summed


def _counts(
    form: FeedbackForm, questions: list[Question], scope: SubmissionScope, full: bool
) -> tuple[dict[str, int], bool, dict[int, list[str]]]:
    """The counts of results over ``scope``, whether a roll-up is due, and (``full``) the
    text answers, in one query.

    One statement reads the mark, the two tally rows and the live count, so they agree
    (a roll-up committing meanwhile is seen by all of them or by none).
    """
    # Building and compiling ~20 filtered aggregates costs more than running them: the
    # SQL is kept per form, questions, scope and minute (the margin's cutoff).
    cutoff = timezone.now().replace(second=0, microsecond=0) - TALLY_MARGIN
    texts = tuple(q.pk for q in questions if q.kind == Question.Kind.TEXT) if full else ()
    sql, params = _counts_sql(connection.alias, form.pk, _shapes(questions), scope, cutoff, texts)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        counted = dict(zip(names, cursor.fetchone(), strict=True))
    answers = _json(counted.pop("_texts", None)) or []
    mark, plus, minus = counted.pop("_until"), counted.pop("_upper"), counted.pop("_lower")
    due = counted.pop("_due") >= ROLL_UP_AT
    del counted["_one"]
    if isinstance(mark, str):  # SQLite: UTC, as text or naive
        mark = datetime.datetime.fromisoformat(mark)
    if mark is not None and mark.tzinfo is None:
        mark = mark.replace(tzinfo=datetime.UTC)
    first, end = scope.whole_days()
    low = _midnight(first) if first is not None else None
    high = _midnight(end) if end is not None else None
    if mark is not None and (low is None or low < (mark if high is None else min(mark, high))):
        plus, minus = _of_kind(_json(plus), scope.kind), _of_kind(_json(minus), scope.kind)
        for key in counted:
            counted[key] += plus.get(key, 0) - minus.get(key, 0)
    return counted, due, _texts(texts, answers)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@functools.lru_cache(maxsize=256)
def _counts_sql(
    alias: str,
    form_id: int,
    questions: tuple[_Shape, ...],
    scope: SubmissionScope,
    cutoff: datetime.datetime,
    texts: tuple[int, ...],
) -> tuple[str, tuple]:
    """The SQL of ``_counts``: its columns are _one, _until, _upper, _lower, the counts,
    _due, and with ``texts`` (text questions' ids) _texts, the newest answers as JSON."""
    first, end = scope.whole_days()
    low = _midnight(first) if first is not None else None
    high = _midnight(end) if end is not None else None
    marks = FeedbackTallyMark.objects.filter(form_id=form_id, questions=_fingerprint(questions))
    until = Subquery(marks.values("until")[:1], output_field=DateTimeField())
    # The tallies hold what was sent before ``until`` (none: nothing); the whole days of the
    # window before ``top`` come from them, the rest is counted live.
    since = Coalesce(until, Value(EPOCH, output_field=DateTimeField()))
    top = since if high is None else Least(since, Value(high, output_field=DateTimeField()))
    # A closed range: PostgreSQL plans an index scan for a range from a value it learns
    # only while running (the mark), where an open one would look like a third of the rows.
    live = Q(submitted_at__gte=top, submitted_at__lt=NEVER)
    if low is not None:
        live |= Q(submitted_at__lt=low)
    tallies = FeedbackTally.objects.filter(form_id=form_id).order_by("-day").values("counts")
    upper = tallies if end is None else tallies.filter(day__lt=end)
    lower = None if first is None else tallies.filter(day__lt=first)
    query = (
        FeedbackSubmission.objects.filter(form_id=form_id)
        .filter(scope.q, live)
        .order_by()
        .annotate(
            # Constants, not groups: the query stays one row, whatever is counted.
            _one=Value(1),
            _until=until,
            _upper=Subquery(upper[:1], output_field=JSONField()),
            _lower=Value(None, output_field=JSONField())
            if lower is None
            else Subquery(lower[:1], output_field=JSONField()),
        )
        .values("_one", "_until", "_upper", "_lower")
        .annotate(
            **_aggregates(questions),
            _due=Count("pk", filter=Q(submitted_at__gte=since, submitted_at__lt=cutoff)),
        )
        .query
    )
    sql, params = query.get_compiler(alias).as_sql()
    if not texts:
        return sql, tuple(params)
    text_sql, text_params = _text_answers_query(form_id, texts, scope).get_compiler(alias).as_sql()
    if connections[alias].vendor == "postgresql":
        newest = "JSON_AGG(t.answers ORDER BY t.submitted_at DESC, t.id DESC)"
    else:  # SQLite keeps the subquery's order
        newest = "JSON_GROUP_ARRAY(JSON(t.answers))"
    sql = f"SELECT c.*, (SELECT {newest} FROM ({text_sql}) t) AS _texts FROM ({sql}) c"
    return sql, (*text_params, *params)


# Rolling up -----------------------------------------------------------------------------


def feedback_tallies_roll_up(form: FeedbackForm, questions: list[Question] | None = None) -> int:
    """Roll the form's submissions sent over TALLY_MARGIN ago into its tallies; how many.

    One run at a time per form: a run finding another under way (the mark row locked)
    returns 0 at once. Tallies made for other questions are thrown away and rebuilt.
    """
    if questions is None:
        questions = list(Question.objects.filter(form=form))
    fingerprint = _fingerprint(questions)
    cutoff = timezone.now() - TALLY_MARGIN
    with transaction.atomic():
        FeedbackTallyMark.objects.bulk_create(
            [FeedbackTallyMark(form=form, questions=fingerprint)], ignore_conflicts=True
        )
        marks = FeedbackTallyMark.objects.select_for_update(skip_locked=True)
        mark = marks.filter(form=form).first()
        if mark is None:  # another run holds it
            return 0
        before = (mark.until, mark.questions)
        if mark.questions != fingerprint:
            FeedbackTally.objects.filter(form=form).delete()
            mark.until, mark.questions = None, fingerprint
        if mark.until is not None and mark.until >= cutoff:
            return 0
        pending = FeedbackSubmission.objects.filter(form=form, submitted_at__lt=cutoff)
        if mark.until is not None:
            pending = pending.filter(submitted_at__gte=mark.until)
        rolled = _roll_up(form, questions, pending)
        claimed = FeedbackTallyMark.objects.filter(
            form=form, until=before[0], questions=before[1]
        ).update(until=cutoff, questions=fingerprint, updated_at=timezone.now())
        if not claimed:  # moved under us (no row locks on SQLite): count nothing twice
            transaction.set_rollback(True)
            return 0
    return rolled


def feedback_tallies_reset(form: FeedbackForm) -> None:
    """Throw the form's tallies away: results count live until they are rolled up again."""
    with transaction.atomic():
        FeedbackTallyMark.objects.filter(form=form).delete()
        FeedbackTally.objects.filter(form=form).delete()


def _roll_up(form: FeedbackForm, questions: list[Question], submissions: QuerySet) -> int:
    """Add ``submissions`` to the form's cumulative tallies; how many there were."""
    delta: dict[datetime.date, dict[str, dict[str, int]]] = {}
    grouped = (
        submissions.annotate(day=TruncDate("submitted_at", tzinfo=datetime.UTC))
        .values("day", "stakeholder_kind")
        .annotate(**_aggregates(questions))
        .order_by()
    )
    rolled = 0
    for row in grouped:
        day, kind = row.pop("day"), row.pop("stakeholder_kind")
        rolled += row["total"]
        _add(delta.setdefault(day, {}), {kind: {k: n for k, n in row.items() if n}})
    if not delta:
        return 0
    first = min(delta)
    tallies = FeedbackTally.objects.filter(form=form)
    previous = tallies.filter(day__lt=first).order_by("-day").values_list("counts", flat=True)
    previous = previous.first() or {}
    existing = {t.day: t for t in tallies.filter(day__gte=first)}
    running: dict[str, dict[str, int]] = {}
    created, updated = [], []
    for day in sorted(delta.keys() | existing.keys()):
        _add(running, delta.get(day, {}))
        counts: dict[str, dict[str, int]] = {}
        if day in existing:
            tally = existing[day]
            previous = tally.counts
            _add(counts, tally.counts)
            _add(counts, running)
            tally.counts = counts
            updated.append(tally)
        else:
            _add(counts, previous)
            _add(counts, running)
            created.append(FeedbackTally(form=form, day=day, counts=counts))
    FeedbackTally.objects.bulk_create(created, batch_size=BATCH)
    FeedbackTally.objects.bulk_update(updated, ["counts"], batch_size=BATCH)
    return rolled


def feedback_tallies_roll_up_all() -> int:
    """Roll up every form with submissions sent since its mark and over the margin ago."""
    cutoff = timezone.now() - TALLY_MARGIN
    waiting = FeedbackSubmission.objects.filter(form=OuterRef("pk"), submitted_at__lt=cutoff)
    forms = FeedbackForm.objects.filter(
        Exists(waiting.filter(submitted_at__gte=OuterRef("tally_mark__until")))
        | Q(Exists(waiting), tally_mark__until__isnull=True)
    )
    return sum(feedback_tallies_roll_up(form) for form in forms)


# Results --------------------------------------------------------------------------------


def feedback_results(
    *,
    form: FeedbackForm,
    full: bool,
    scope: SubmissionScope | None = None,
    questions: list[Question] | None = None,
) -> dict[str, Any]:
    """Aggregates per question over the form's submissions in ``scope``.

    Counted from the tallies and a live count of the rest, in one query whatever the
    number of submissions (managers' text answers included): per question the number
    of answers, per choice its count, per scale the distribution 1..5 and the mean. Without
    ``full`` (manage_feedback), any group of fewer than MIN_GROUP answers is withheld: the
    total, a question's numbers, and each choice's or scale value's count (null, and
    ``withheld``); text answers are left out. Where the cells add up to the question's count
    (one choice, a scale), withholding one small cell would let anyone subtract it back:
    more cells are withheld until those withheld hold MIN_GROUP answers together, and a
    scale with one or two withheld values withholds its mean too (count and mean are two
    equations: they would give those cells back). ``questions``, when given, are the
    form's, in order (else read from ``form.questions``).
    """
    scope = scope or SubmissionScope()
    if questions is None:  # in order
        questions = list(form.questions.all())
    row, due, texts = _counts(form, questions, scope, full)
    if due:
        try:
            feedback_tallies_roll_up(form, questions)
        except DatabaseError:  # the answer stands; the beat rolls up later
            logger.exception("Rolling up the tallies of feedback form %s failed", form.pk)
    return _presented(form, questions, row, texts, full)


def _presented(
    form: FeedbackForm,
    questions: list[Question],
    row: dict[str, int],
    texts: dict[int, list[str]],
    full: bool,
) -> dict[str, Any]:
    total = row["total"]
    withheld_all = not full and total < MIN_GROUP

    def shown(n: int) -> int | None:
        """A choice's or a scale value's count, or None for a group too small to show."""
        return n if full or n >= MIN_GROUP else None

    def partition(counts: list[int]) -> list[int | None]:
        """Cells adding up to a shown total: withheld ones must hold MIN_GROUP together."""
        cells = [shown(n) for n in counts]
        if full:
            return cells
        hidden = sum(n for n, cell in zip(counts, cells, strict=True) if cell is None)
        while 0 < hidden < MIN_GROUP:
            open_cells = [i for i, cell in enumerate(cells) if cell is not None]
            if not open_cells:
                break
            smallest = min(open_cells, key=lambda i: counts[i])
            cells[smallest] = None
            hidden += counts[smallest]
        return cells

    items = []
    for q in questions:
        count = row[f"q{q.pk}"]
        withheld = withheld_all or (not full and count < MIN_GROUP)
        item: dict[str, Any] = {
            "id": q.pk,
            "order": q.order,
            "kind": q.kind,
            "label": q.label,
            "count": None if withheld else count,
            "withheld": withheld,
        }
        if q.kind in CHOICE_KINDS:
            item["choices"] = None
            if not withheld:
                counts = [row[f"q{q.pk}c{i}"] for i in range(len(q.choices))]
                if q.kind == Question.Kind.SINGLE_CHOICE:
                    cells = partition(counts)
                else:  # several choices per answer: the counts do not add up to the total
                    cells = [shown(n) for n in counts]
                item["choices"] = [
                    {"choice": c, "count": cell, "withheld": cell is None}
                    for c, cell in zip(q.choices, cells, strict=True)
                ]
        elif q.kind == Question.Kind.SCALE:
            item["distribution"] = item["mean"] = None
            if not withheld:
                distribution = {v: row[f"q{q.pk}v{v}"] for v in range(1, 6)}
                cells = partition(list(distribution.values()))
                item["distribution"] = dict(zip(map(str, distribution), cells, strict=True))
                # Count and mean are two equations: they give back one or two hidden cells.
                if count and cells.count(None) not in (1, 2):
                    mean = Fraction(sum(v * n for v, n in distribution.items()), count)
                    item["mean"] = float(_decimal(mean, "0.001"))
        elif full:
            item["answers"] = texts.get(q.pk, [])
        items.append(item)
    return {
        "form": form.pk,
        "total": None if withheld_all else total,
        "withheld": withheld_all,
        "questions": items,
    }


def _text_answers_query(form_id: int, texts: tuple[int, ...], scope: SubmissionScope):
    """The newest TEXT_ANSWERS_LIMIT matching submissions with a text answer."""
    any_answered = reduce(or_, (_answered(pk) for pk in texts))
    return (
        FeedbackSubmission.objects.filter(form_id=form_id)
        .filter(scope.q, any_answered)
        .order_by("-submitted_at", "-id")
        .values_list("answers", "submitted_at", "id")[:TEXT_ANSWERS_LIMIT]
        .query
    )


def _texts(texts: tuple[int, ...], rows: list[dict]) -> dict[int, list[str]]:
    """Text answers per question, newest first, from the newest submissions' answers."""
    found: dict[int, list[str]] = {pk: [] for pk in texts}
    for answers in rows:
        answers = _json(answers)
        for pk in texts:
            value = answers.get(str(pk))
            if value:
                found[pk].append(value)
    return found

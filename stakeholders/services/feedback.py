"""Writes to feedback forms, their questions and submissions, and their aggregates.

Questions change only while a form is a draft, so a draft never has submissions and the
answers of a published form always refer to the questions it was published with.
"""

import datetime
import json
import secrets
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Count, F, Func, IntegerField, Q, Sum, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import Assessment
from exitplan.errors import Conflict, StaleVersion
from missions.audit import audit, diff, snapshot
from missions.models import Benchmark, Membership, Mission
from missions.services import ensure_writable, full_clean

from ..models import FeedbackForm, FeedbackSubmission, Question, new_token

__all__ = [
    "MIN_GROUP",
    "feedback_form_close",
    "feedback_form_closed_reason",
    "feedback_form_create",
    "feedback_form_delete",
    "feedback_form_publish",
    "feedback_form_rotate_link",
    "feedback_form_update",
    "feedback_perception_record",
    "feedback_submission_create",
]

# Without manage_feedback, no group of fewer answers than this is shown (DESIGN.md).
MIN_GROUP = 5
# Results show managers the text answers of this many of the newest matching submissions;
# the submissions list has every one.
TEXT_ANSWERS_LIMIT = 100
TEXT_MAX_LENGTH = 5000
# No 0/O, 1/I: a receipt is read aloud and copied by hand.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10

CHOICE_KINDS = frozenset({Question.Kind.SINGLE_CHOICE, Question.Kind.MULTI_CHOICE})
# The audit trail never holds public_token: the history is read by observers.
FORM_FIELDS = ["title", "intro", "language", "status", "opens_at", "closes_at", "allow_anonymous"]


# Answers in SQL -------------------------------------------------------------------------
# ``answers`` maps question ids ("12") to values. Django's key lookups read a numeric key
# as an array index on both SQLite and PostgreSQL, so these spell the object key out.


class AnswerOf(Func):
    """One answer as text (NULL when the question was not answered)."""

    output_field = TextField()

    def __init__(self, question_id: int):
        super().__init__(F("answers"))
        self.key = str(question_id)

    def as_sql(self, compiler, connection, **extra):  # SQLite (and MySQL) JSON paths
        lhs, params = compiler.compile(self.source_expressions[0])
        return f"JSON_EXTRACT({lhs}, %s)", (*params, f'$."{self.key}"')

    def as_postgresql(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        return f"({lhs} ->> %s)", (*params, self.key)


class AnswerIncludes(Func):
    """Whether a multiple-choice answer (a JSON list) includes ``choice``."""

    output_field = BooleanField()

    def __init__(self, question_id: int, choice: str):
        super().__init__(F("answers"))
        self.key = str(question_id)
        self.choice = choice

    def as_sql(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        return (
            f"EXISTS (SELECT 1 FROM JSON_EACH({lhs}, %s) WHERE JSON_EACH.value = %s)",
            (*params, f'$."{self.key}"', self.choice),
        )

    def as_postgresql(self, compiler, connection, **extra):
        lhs, params = compiler.compile(self.source_expressions[0])
        return f"(({lhs} -> %s) @> %s::jsonb)", (*params, self.key, json.dumps([self.choice]))


def _answered(question_id: int) -> Q:
    return Q(IsNull(AnswerOf(question_id), False))


# Forms and questions --------------------------------------------------------------------


def _form_state(form: FeedbackForm) -> dict[str, Any]:
    return snapshot(form, FORM_FIELDS)


def _question_state(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "order": question.order,
        "kind": question.kind,
        "label": question.label,
        "required": question.required,
        "choices": list(question.choices or []),
        "benchmark": question.benchmark.code if question.benchmark_id else None,
    }


def _questions_of(form: FeedbackForm) -> dict[int, Question]:
    if form.pk is None:
        return {}
    rows = Question.objects.filter(form=form).select_related("benchmark").order_by("order", "id")
    return {q.pk: q for q in rows}


def _question_errors(question: Question, at: str) -> dict[str, list[str]]:
    """The rules of one question, keyed ``questions[i].field``."""
    errors: dict[str, list[str]] = {}
    choices = question.choices
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        errors[f"{at}.choices"] = [_("Give the choices as a list of texts.")]
    elif question.kind in CHOICE_KINDS:
        if not choices:
            errors[f"{at}.choices"] = [_("A choice question needs at least one choice.")]
        elif any(not c.strip() for c in choices):
            errors[f"{at}.choices"] = [_("A choice cannot be blank.")]
        elif len(set(choices)) != len(choices):
            errors[f"{at}.choices"] = [_("Each choice must be different.")]
    elif choices:
        errors[f"{at}.choices"] = [
            _("Only single- and multiple-choice questions have choices; leave this empty.")
        ]
    benchmark = question.benchmark if question.benchmark_id else None
    if benchmark is not None and question.kind != Question.Kind.SCALE:
        errors[f"{at}.benchmark"] = [_("Only a scale question can feed a benchmark.")]
    elif benchmark is not None and benchmark.kind != Benchmark.Kind.RATING:
        errors[f"{at}.benchmark"] = [_("Choose a rating benchmark: a scale feeds a rating.")]
    try:
        question.full_clean(exclude=["form", "benchmark", "choices"], validate_unique=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(f"{at}.{name}", []).extend(messages)
    return errors


def _questions_apply(
    form: FeedbackForm, rows: list[dict[str, Any]], existing: dict[int, Question]
) -> tuple[list[Question], dict[str, list[str]]]:
    """The whole set ``rows`` applied to the form's questions (not saved), and the errors.

    Rows with an ``id`` change that question; rows without one are new; questions left out
    are removed. Benchmarks are named by code.
    """
    codes = {row["benchmark"] for row in rows if row.get("benchmark")}
    benchmarks = (
        {b.code: b for b in Benchmark.objects.filter(mission_id=form.mission_id, code__in=codes)}
        if codes
        else {}
    )
    errors: dict[str, list[str]] = {}
    result: list[Question] = []
    seen: set[int] = set()
    for index, row in enumerate(rows):
        at = f"questions[{index}]"
        question_id = row.get("id")
        if question_id is not None:
            question = existing.get(question_id)
            if question is None or question_id in seen:
                errors[f"{at}.id"] = [
                    _("This form has no such question; leave out the id to add a new one.")
                    if question is None
                    else _("This question is listed twice.")
                ]
                continue
            seen.add(question_id)
        else:
            question = Question(form=form, order=index)
        missing = {
            f"{at}.{name}": [_("This field is required.")]
            for name in ("kind", "label")
            if question_id is None and name not in row
        }
        for name in ("order", "kind", "label", "required", "choices"):
            if name in row:
                setattr(question, name, row[name])
        if "benchmark" in row:
            code = row["benchmark"]
            question.benchmark = benchmarks.get(code) if code else None
            if code and question.benchmark is None:
                missing[f"{at}.benchmark"] = [_("No benchmark of this mission has this code.")]
        errors.update(missing or _question_errors(question, at))
        result.append(question)
    return result, errors


def _questions_changed(existing: dict[int, Question], before: dict[int, dict], after) -> bool:
    if len(after) != len(existing) or any(q.pk is None for q in after):
        return True
    return any(_question_state(q) != before[q.pk] for q in after)


def _questions_save(
    existing: dict[int, Question], before: dict[int, dict], after: list[Question]
) -> None:
    kept = {q.pk for q in after if q.pk is not None}
    removed = [pk for pk in existing if pk not in kept]
    if removed:
        Question.objects.filter(pk__in=removed).delete()
    now = timezone.now()
    for question in after:
        if question.pk is None:
            question.save()
        elif _question_state(question) != before[question.pk]:
            Question.objects.filter(pk=question.pk).update(
                order=question.order,
                kind=question.kind,
                label=question.label,
                required=question.required,
                choices=question.choices,
                benchmark=question.benchmark,
                version=F("version") + 1,
                updated_at=now,
            )


def _clean(instance, *, exclude=None) -> dict[str, list[str]]:
    try:
        if exclude is None:
            full_clean(instance)
        else:
            instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        return {k: list(v) for k, v in error.message_dict.items()}
    return {}


@transaction.atomic
def feedback_form_create(
    *, actor, mission: Mission, questions: list[dict[str, Any]] | None = None, **fields: Any
) -> FeedbackForm:
    """Create a draft form with its questions (benchmarks named by code)."""
    ensure_writable(mission)
    fields.pop("status", None)
    form = FeedbackForm(mission=mission, **fields)
    errors = _clean(form)
    built, question_errors = _questions_apply(form, questions or [], {})
    errors.update(question_errors)
    if errors:
        raise ValidationError(errors)
    form.save()
    for question in built:
        question.form = form
        question.save()
    changes = diff({}, _form_state(form))
    if built:
        changes["questions"] = [None, [_question_state(q) for q in built]]
    audit(actor=actor, action="feedback_form.create", target=form, changes=changes)
    return form


@transaction.atomic
def feedback_form_update(
    *,
    actor,
    form: FeedbackForm,
    data: dict[str, Any],
    questions: list[dict[str, Any]] | None = None,
    version: int | None = None,
) -> FeedbackForm:
    """Change a form's fields and, when ``questions`` is given, its whole set of questions.

    Questions change only while the form is a draft (409 otherwise); sending a published
    form's questions back unchanged is not a change. Bumps the form's version once.
    """
    ensure_writable(form.mission)
    if version is not None and version != form.version:
        raise StaleVersion(form.version)
    before = _form_state(form)
    existing = _questions_of(form)
    before_questions = {pk: _question_state(q) for pk, q in existing.items()}
    for name, value in data.items():
        if name in FORM_FIELDS and name != "status":
            setattr(form, name, value)
    errors = _clean(form)
    after: list[Question] | None = None
    if questions is not None:
        after, question_errors = _questions_apply(form, questions, existing)
        errors.update(question_errors)
    if errors:
        raise ValidationError(errors)
    changes = diff(before, _form_state(form))
    questions_changed = after is not None and _questions_changed(existing, before_questions, after)
    if questions_changed and form.status != FeedbackForm.Status.DRAFT:
        raise Conflict(
            _("This form is %(status)s: its questions change only while it is a draft.")
            % {"status": form.get_status_display().lower()}
        )
    if not changes and not questions_changed:
        return form
    rows = FeedbackForm.objects.filter(pk=form.pk)
    if version is not None:
        rows = rows.filter(version=version)
    values = {name: getattr(form, name) for name in changes}
    if not rows.update(**values, version=F("version") + 1, updated_at=timezone.now()):
        current = FeedbackForm.objects.filter(pk=form.pk).values_list("version", flat=True)
        raise StaleVersion(current.first() or 0)
    if questions_changed:
        _questions_save(existing, before_questions, after)
        changes["questions"] = [
            list(before_questions.values()),
            [_question_state(q) for q in sorted(after, key=lambda q: (q.order, q.pk))],
        ]
    audit(actor=actor, action="feedback_form.update", target=form, changes=changes)
    form.refresh_from_db()
    return form


@transaction.atomic
def feedback_form_delete(*, actor, form: FeedbackForm, version: int | None = None) -> None:
    """Delete a form nobody has answered; one with submissions is closed instead (409)."""
    ensure_writable(form.mission)
    if version is not None and version != form.version:
        raise StaleVersion(form.version)
    if form.submissions.exists():
        raise Conflict(_("This form has answers, which would be lost: close it instead."))
    before = {
        **_form_state(form),
        "questions": [_question_state(q) for q in _questions_of(form).values()],
    }
    audit(actor=actor, action="feedback_form.delete", target=form, changes=diff(before, {}))
    form.delete()


def _form_transition(
    *,
    actor,
    form: FeedbackForm,
    version: int | None,
    source: tuple[str, ...],
    verb: str,
    refusal: str,
    changes: dict[str, list[Any]],
    **values: Any,
) -> FeedbackForm:
    ensure_writable(form.mission)
    rows = FeedbackForm.objects.filter(pk=form.pk, status__in=source)
    if version is not None:
        rows = rows.filter(version=version)
    if not rows.update(**values, version=F("version") + 1, updated_at=timezone.now()):
        current = FeedbackForm.objects.get(pk=form.pk)
        if version is not None and current.version != version:
            raise StaleVersion(current.version)
        raise Conflict(refusal % {"status": current.get_status_display().lower()})
    audit(actor=actor, action=f"feedback_form.{verb}", target=form, changes=changes)
    form.refresh_from_db()
    return form


@transaction.atomic
def feedback_form_publish(*, actor, form: FeedbackForm, version: int | None = None) -> FeedbackForm:
    """Publish a draft form: its public link and partners' accounts may now answer it."""
    if not form.questions.exists():
        raise Conflict(_("Add at least one question before publishing the form."))
    return _form_transition(
        actor=actor,
        form=form,
        version=version,
        source=(FeedbackForm.Status.DRAFT,),
        verb="publish",
        refusal=_("Only a draft form can be published; this one is %(status)s."),
        changes={"status": [FeedbackForm.Status.DRAFT, FeedbackForm.Status.PUBLISHED]},
        status=FeedbackForm.Status.PUBLISHED,
    )


@transaction.atomic
def feedback_form_close(*, actor, form: FeedbackForm, version: int | None = None) -> FeedbackForm:
    """Close a published form: it takes no more answers; its results stay."""
    return _form_transition(
        actor=actor,
        form=form,
        version=version,
        source=(FeedbackForm.Status.PUBLISHED,),
        verb="close",
        refusal=_("Only a published form can be closed; this one is %(status)s."),
        changes={"status": [FeedbackForm.Status.PUBLISHED, FeedbackForm.Status.CLOSED]},
        status=FeedbackForm.Status.CLOSED,
    )


@transaction.atomic
def feedback_form_rotate_link(
    *, actor, form: FeedbackForm, version: int | None = None
) -> FeedbackForm:
    """Replace the form's public token: the old link stops working at once.

    The audit event records that the link changed, never the tokens themselves.
    """
    return _form_transition(
        actor=actor,
        form=form,
        version=version,
        source=tuple(FeedbackForm.Status.values),
        verb="rotate_link",
        refusal="",
        changes={},
        public_token=new_token(),
    )


# Submissions ----------------------------------------------------------------------------


def _moment(form: FeedbackForm, at: datetime.datetime) -> str:
    local = at.astimezone(ZoneInfo(form.mission.timezone))
    return f"{local:%Y-%m-%d %H:%M} ({form.mission.timezone})"


def feedback_form_closed_reason(form: FeedbackForm, at: datetime.datetime) -> str | None:
    """Why the form takes no answers at ``at``, or None when it does."""
    if form.mission.status == Mission.Status.CLOSED:
        return _("This mission is closed: its forms no longer take answers.")
    if form.status == FeedbackForm.Status.DRAFT:
        return _("This form is not published yet.")
    if form.status == FeedbackForm.Status.CLOSED:
        return _("This form is closed and no longer takes answers.")
    if form.opens_at and at < form.opens_at:
        return _("This form opens on %(moment)s; come back then.") % {
            "moment": _moment(form, form.opens_at)
        }
    if form.closes_at and at >= form.closes_at:
        return _("This form closed on %(moment)s and no longer takes answers.") % {
            "moment": _moment(form, form.closes_at)
        }
    return None


def _receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def _is_blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _clean_answer(question: Question, value: Any) -> Any:
    kind = question.kind
    if kind == Question.Kind.TEXT:
        if not isinstance(value, str):
            raise ValidationError(_("Give this answer as text."))
        if len(value) > TEXT_MAX_LENGTH:
            raise ValidationError(
                _("Keep this answer under %(limit)s characters.") % {"limit": TEXT_MAX_LENGTH}
            )
        return value.strip()
    if kind == Question.Kind.SCALE:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError(_("Give a whole number from 1 to 5."))
        return value
    options = ", ".join(question.choices)
    if kind == Question.Kind.SINGLE_CHOICE:
        if value not in question.choices:
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": options})
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Give a list of the chosen answers."))
    if any(v not in question.choices for v in value):
        raise ValidationError(_("Choose only from: %(choices)s.") % {"choices": options})
    if len(set(value)) != len(value):
        raise ValidationError(_("Choose each answer once."))
    return value


def _clean_answers(questions: list[Question], answers: Any) -> tuple[dict, dict]:
    if not isinstance(answers, dict):
        return {}, {"answers": [_("Give the answers as an object: question id → answer.")]}
    by_id = {str(q.pk): q for q in questions}
    errors: dict[str, list[str]] = {
        f"answers.{key}": [_("This form has no such question.")]
        for key in answers
        if str(key) not in by_id
    }
    cleaned: dict[str, Any] = {}
    for key, question in by_id.items():
        value = answers.get(key)
        if _is_blank(value):
            if question.required:
                errors[f"answers.{key}"] = [_("This question needs an answer.")]
            continue
        try:
            cleaned[key] = _clean_answer(question, value)
        except ValidationError as error:
            errors[f"answers.{key}"] = error.messages
    return cleaned, errors


def feedback_submission_create(
    *,
    form: FeedbackForm,
    answers: Any,
    questions: list[Question] | None = None,
    token: str | None = None,
    user=None,
    membership: Membership | None = None,
    stakeholder_kind: str = "",
    name: str = "",
    organisation: str = "",
    honeypot: str = "",
) -> FeedbackSubmission:
    """Record one answer to a published, open form, from a partner's account or the link.

    A signed-in submitter is the ``user`` and speaks for their membership's stakeholder. A
    public one gives a name and organisation only when the form asks (allow_anonymous off);
    nothing else about them is kept. A filled ``honeypot`` (a field people never see) means
    a bot: it gets an ordinary-looking receipt and nothing is stored.

    ``questions`` are the form's when the caller holds them already (the public link keeps
    them cached); ``token``, from the public link, must still be the form's link. ``form``
    may be older than the database: one conditional INSERT stores the answer only if the
    form is still the version it was checked against and its mission open, so nothing is
    stored against a form that closed, changed or moved meanwhile (409 instead).
    """
    now = timezone.now()
    reason = feedback_form_closed_reason(form, now)
    if reason:
        raise Conflict(reason)
    if honeypot:
        return FeedbackSubmission(form=form, submitted_at=now, receipt=_receipt())
    if questions is None:
        questions = list(form.questions.all())
    cleaned, errors = _clean_answers(questions, answers)
    if user is not None:
        stakeholder = membership.stakeholder if membership and membership.stakeholder_id else None
        stakeholder_kind = stakeholder.kind if stakeholder else ""
        name = organisation = ""
    elif form.allow_anonymous:
        name = organisation = ""
    else:
        name, organisation = (name or "").strip(), (organisation or "").strip()
        if not name:
            errors["name"] = [_("This form asks for your name.")]
        if not organisation:
            errors["organisation"] = [_("This form asks for your organisation.")]
    submission = FeedbackSubmission(
        form=form,
        submitted_at=now,
        answers=cleaned,
        stakeholder_kind=stakeholder_kind or "",
        user=user,
        name=name,
        organisation=organisation,
    )
    if not cleaned and not any(k == "answers" or k.startswith("answers.") for k in errors):
        errors["answers"] = [_("Answer at least one question.")]
    excluded = ["form", "user", "receipt", "answers"]
    for field, messages in _clean(submission, exclude=excluded).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    attempts = 5
    while True:
        submission.receipt = _receipt()
        try:
            stored = _submission_insert(submission, form=form, token=token)
            break
        except IntegrityError:  # another submission drew the same receipt: draw again
            attempts -= 1
            if not attempts:
                raise
    if not stored:
        current = FeedbackForm.objects.select_related("mission").filter(pk=form.pk).first()
        reason = current and feedback_form_closed_reason(current, timezone.now())
        if not reason and (current is None or (token and current.public_token != token)):
            # Sending again through this link would find nothing: say so, not "again".
            reason = _(
                "This link does not lead to a form; it may have been replaced. "
                "Ask whoever sent it for the current link."
            )
        raise Conflict(
            reason or _("This form changed while your answers were on their way: send them again.")
        )
    return submission


def _submission_insert(
    submission: FeedbackSubmission, *, form: FeedbackForm, token: str | None
) -> bool:
    """Insert ``submission`` only if its form is still as it was checked: False if not.

    One statement, so no transaction (nor its round trips) is needed and the check cannot
    go stale before the write: the form still has the ``version`` the answer was checked
    against (any edit, closing or new link bumps it; questions change only in a draft), its
    link is ``token`` when given, and its mission is open. Inside a caller's transaction, a
    savepoint keeps a clashing receipt from spoiling it.
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = [f for f in FeedbackSubmission._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(getattr(submission, f.attname), connection) for f in fields]
    conditions = ["f.id = %s", "f.version = %s", "m.status <> %s"]
    params = [form.pk, form.version, Mission.Status.CLOSED]
    if token is not None:
        conditions.append("f.public_token = %s")
        params.append(token)
    sql = (
        f"INSERT INTO {quote(FeedbackSubmission._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT {', '.join(['%s'] * len(fields))} WHERE EXISTS (SELECT 1 FROM "
        f"{quote(FeedbackForm._meta.db_table)} f INNER JOIN {quote(Mission._meta.db_table)} m "
        f"ON m.id = f.mission_id WHERE {' AND '.join(conditions)}) "
        f"RETURNING {quote(FeedbackSubmission._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            with transaction.atomic(using=connection.alias):
                cursor.execute(sql, [*values, *params])
                row = cursor.fetchone()
        else:
            cursor.execute(sql, [*values, *params])
            row = cursor.fetchone()
    if row is None:
        return False
    submission.pk = row[0]
    submission._state.adding = False
    submission._state.db = connection.alias
    return True


# Perception and results -----------------------------------------------------------------


def _decimal(value: Fraction, places: str) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


@transaction.atomic
def feedback_perception_record(
    *, actor, form: FeedbackForm, question_id: int, as_of: datetime.date
) -> Assessment:
    """Turn a scale question's answers into a submitted perception score for its benchmark.

    The mean ``m`` of the answers given up to the end of ``as_of`` (in the mission's time
    zone) becomes a rating ``1 + 3 × (m − 1) / 4`` in a new submitted round of method
    ``survey``; community perception enters readiness only this way (DESIGN.md).
    """
    from assessments.services import assessment_create, assessment_submit

    question = form.questions.select_related("benchmark__objective").filter(pk=question_id).first()
    if question is None:
        raise ValidationError({"question": [_("This form has no such question.")]})
    if question.kind != Question.Kind.SCALE or question.benchmark_id is None:
        raise ValidationError(
            {"question": [_("Choose a scale question that feeds a rating benchmark.")]}
        )
    benchmark = question.benchmark
    if benchmark.kind != Benchmark.Kind.RATING:
        raise Conflict(
            _("Benchmark %(code)s is no longer rated, so a perception cannot score it.")
            % {"code": benchmark.code}
        )
    day_after = as_of + datetime.timedelta(days=1)
    until = datetime.datetime.combine(
        day_after, datetime.time.min, tzinfo=ZoneInfo(form.mission.timezone)
    )
    answered = _answered(question.pk)
    figures = form.submissions.filter(answered, submitted_at__lt=until).aggregate(
        count=Count("pk"), total=Sum(Cast(AnswerOf(question.pk), IntegerField()))
    )
    count = figures["count"]
    if not count:
        raise Conflict(
            _("Nobody has answered this question by %(date)s: there is nothing to record yet.")
            % {"date": as_of.isoformat()}
        )
    mean = Fraction(figures["total"], count)
    rating = 1 + 3 * (mean - 1) / 4
    mean_text = f"{_decimal(mean, '0.01')}"
    evidence = ngettext(
        "%(count)s answer, mean %(mean)s", "%(count)s answers, mean %(mean)s", count
    ) % {"count": count, "mean": mean_text}
    assessment = assessment_create(
        actor=actor,
        mission=form.mission,
        as_of=as_of,
        kind=benchmark.objective.category,
        method=Assessment.Method.SURVEY,
        summary=_("Community perception from the feedback form “%(form)s”: %(question)s")
        % {"form": form.title, "question": question.label},
        scores=[
            {
                "benchmark": benchmark.code,
                "rating": _decimal(rating, "0.0001"),
                "evidence": evidence,
                "source": form.title,
            }
        ],
    )
    return assessment_submit(assessment=assessment, actor=actor)

"""Reads behind feedback results, for the pages, the exports and the API alike.

Who gets full results (individual answers, text, groups under five) is decided here once:
the results page, its CSV and XLSX exports and the API's results endpoint all ask
``results_are_full``, so the three cannot drift apart.
"""

import datetime
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet

from exitplan.db import Compiled
from missions.access import MissionAccess
from missions.models import Benchmark

from .models import FeedbackForm, FeedbackSubmission, Question
from .services.feedback import _answered
from .services.feedback_tallies import SubmissionScope

# A public submitter may leave their kind of organisation out; the filter can ask for those.
KIND_NOT_GIVEN = "not_given"
QUESTIONS = Prefetch(
    "questions", queryset=Question.objects.select_related("benchmark").order_by("order", "id")
)


def results_are_full(access: MissionAccess) -> bool:
    """Whether the caller sees full results; without it, aggregates of five answers or more."""
    return access.has("manage_feedback")


def feedback_forms_visible(*, access: MissionAccess) -> QuerySet[FeedbackForm]:
    """The mission's forms the caller may know of: drafts only with manage_feedback."""
    forms = FeedbackForm.objects.filter(mission=access.mission)
    if not access.has("manage_feedback"):
        forms = forms.exclude(status=FeedbackForm.Status.DRAFT)
    return forms


_QUESTION_COLUMNS = tuple(f.attname for f in Question._meta.concrete_fields)
_FORM_COLUMNS = tuple(f.attname for f in FeedbackForm._meta.concrete_fields)


def _questions_of_visible_form(mission: int, pk: int, *, drafts: bool) -> QuerySet:
    rows = Question.objects.filter(form_id=pk, form__mission_id=mission)
    if not drafts:  # the rule of feedback_forms_visible
        rows = rows.exclude(form__status=FeedbackForm.Status.DRAFT)
    columns = (*_QUESTION_COLUMNS, *(f"form__{name}" for name in _FORM_COLUMNS))
    return rows.order_by("order", "id").values_list(*columns)


# Read on every results request: compiled once per connection (its ORM build cost three
# times its run), with or without drafts.
_QUESTIONS_WITH_FORM = {
    drafts: Compiled(
        lambda mission, pk, drafts=drafts: _questions_of_visible_form(mission, pk, drafts=drafts),
        mission=-7_340_031,
        pk=-7_340_032,
    )
    for drafts in (False, True)
}


def feedback_form_questions(
    *, access: MissionAccess, pk: int
) -> tuple[FeedbackForm | None, list[Question]]:
    """A visible form's questions in order, with the form (one query); (None, []) when the
    form has no question or is not visible (the caller tells those apart)."""
    rows = _QUESTIONS_WITH_FORM[access.has("manage_feedback")].rows(
        mission=access.mission.pk, pk=pk
    )
    if not rows:
        return None, []
    split = len(_QUESTION_COLUMNS)
    form = FeedbackForm.from_db("default", _FORM_COLUMNS, rows[0][split:])
    questions = []
    for row in rows:
        question = Question.from_db("default", _QUESTION_COLUMNS, row[:split])
        question.form = form
        questions.append(question)
    return form, questions


def feedback_form_for_results(*, access: MissionAccess, pk: int) -> FeedbackForm | None:
    """One form with its questions and their benchmarks (two queries), or None if not visible."""
    return (
        feedback_forms_visible(access=access)
        .select_related("mission")
        .prefetch_related(QUESTIONS)
        .filter(pk=pk)
        .first()
    )


def day_bounds(
    *, mission, date_from: datetime.date | None, date_to: datetime.date | None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """Whole days in the mission's time zone as [start, end) moments; both days included."""
    zone = ZoneInfo(mission.timezone)
    start = datetime.datetime.combine(date_from, datetime.time.min, zone) if date_from else None
    end = (
        datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, zone)
        if date_to
        else None
    )
    return start, end


def submission_scope(
    *,
    stakeholder_kind: str = "",
    submitted_from: datetime.datetime | None = None,
    submitted_until: datetime.datetime | None = None,
) -> SubmissionScope:
    """Submissions of one stakeholder kind (or none given) within [from, until).

    A scope, not a query: results count it from tallies; ``scope.submissions(form)`` is
    the rows, for written answers and exports.
    """
    kind = "" if stakeholder_kind == KIND_NOT_GIVEN else stakeholder_kind or None
    return SubmissionScope(kind=kind, start=submitted_from, until=submitted_until)


def text_questions(form: FeedbackForm) -> list[Question]:
    """The form's free-text questions, in order (from the prefetched questions)."""
    return [q for q in form.questions.all() if q.kind == Question.Kind.TEXT]


def feedback_text_answers(
    *, submissions: QuerySet[FeedbackSubmission], questions: list[Question]
) -> QuerySet:
    """Submissions that answered any of ``questions`` in writing, newest first.

    Only what a page of written answers needs (moment, kind, answers): never who answered.
    """
    if not questions:
        return submissions.none().values("id")
    answered = reduce(or_, (_answered(q.pk) for q in questions))
    return (
        submissions.filter(answered)
        .order_by("-submitted_at", "-id")
        .values("id", "submitted_at", "stakeholder_kind", "answers")
    )


def feedback_export_rows(*, submissions: QuerySet[FeedbackSubmission]) -> QuerySet:
    """Every matching submission for a manager's export, oldest first, in one query.

    The account's name appears only for partners who answered signed in; a public
    submitter is what the form asked of them (name and organisation, or nothing).
    """
    return (
        submissions.order_by("submitted_at", "id")
        .select_related("user")
        .only(
            "id",
            "submitted_at",
            "stakeholder_kind",
            "answers",
            "name",
            "organisation",
            "user__name",
            "user__email",
        )
    )


def perception_questions(form: FeedbackForm) -> list[Question]:
    """Scale questions that feed a rating benchmark: those a perception score can come from."""
    return [
        q
        for q in form.questions.all()
        if q.kind == Question.Kind.SCALE
        and q.benchmark_id
        and q.benchmark.kind == Benchmark.Kind.RATING
        and not q.benchmark.is_retired
    ]


def query_without_page(params) -> str:
    """The filters of a results URL (``page`` left out), for exports and pagination links."""
    query = params.copy()
    query.pop("page", None)
    query.pop("recorded", None)
    return query.urlencode()

"""A feedback form's results: counts, charts and tables, written answers, exports, perception.

Everyone who may see the mission reads the aggregates; without manage_feedback no group
under five answers (after the filters) shows a number, and written answers never show
(``feedback_selectors.results_are_full`` decides, for the API too). Filters are a GET form,
so they work without JavaScript and the exports take the same query string. Recording a
perception score is a POST of its own (manage_feedback) through the service, then back here.
"""

from itertools import chain
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from assessments.models import Score
from assessments.selectors import mission_today
from exitplan.errors import Conflict
from missions import charts
from missions.access import MissionAccess, mission_required
from missions.selectors import decimal_text

from . import feedback_exports as exports
from . import feedback_selectors as selectors
from . import services
from .models import FeedbackForm, Question, Stakeholder

RESULTS_PAGE = "stakeholders/feedback_results.html"
TEXTS_PER_PAGE = 20
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ResultsFilterForm(forms.Form):
    stakeholder_kind = forms.ChoiceField(
        label=gettext_lazy("Stakeholder kind"),
        required=False,
        choices=[
            ("", gettext_lazy("All kinds")),
            *Stakeholder.Kind.choices,
            (selectors.KIND_NOT_GIVEN, gettext_lazy("Not given")),
        ],
    )
    date_from = forms.DateField(
        label=gettext_lazy("Answered from"),
        required=False,
        widget=DATE,
        error_messages={"invalid": gettext_lazy("Give a date as YYYY-MM-DD.")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("Answered until (included)"),
        required=False,
        widget=DATE,
        error_messages={"invalid": gettext_lazy("Give a date as YYYY-MM-DD.")},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Choose an end date on or after the start date."))
        return data


class PerceptionForm(forms.Form):
    question = forms.IntegerField(
        label=gettext_lazy("Scale question"),
        widget=forms.Select,
        error_messages={
            "required": gettext_lazy("Choose the scale question whose mean becomes the score."),
            "invalid": gettext_lazy("Choose one of the listed questions."),
        },
    )
    as_of = forms.DateField(
        label=gettext_lazy("As of (the date of the new assessment round)"),
        widget=DATE,
        error_messages={
            "required": gettext_lazy("Give the date of the assessment round (as of)."),
            "invalid": gettext_lazy("Give the round's date as YYYY-MM-DD."),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].widget.choices = [
            ("", _("Choose a question")),
            *((q.pk, f"{q.label} → {q.benchmark.code}") for q in questions),
        ]


# Loading ---------------------------------------------------------------------------------


def _form_or_404(access: MissionAccess, form_id: int) -> FeedbackForm:
    form = selectors.feedback_form_for_results(access=access, pk=form_id)
    if form is None:
        raise Http404(_("No such feedback form in this mission."))
    return form


def _filtered(form: FeedbackForm, params) -> tuple[ResultsFilterForm, Any]:
    """The filter form and, when it is valid, the scope of the matching submissions."""
    filters = ResultsFilterForm(params)
    if not filters.is_valid():
        return filters, None
    data = filters.cleaned_data
    start, end = selectors.day_bounds(
        mission=form.mission, date_from=data["date_from"], date_to=data["date_to"]
    )
    scope = selectors.submission_scope(
        stakeholder_kind=data["stakeholder_kind"], submitted_from=start, submitted_until=end
    )
    return filters, scope


# Presenting ------------------------------------------------------------------------------


def _share(count: int | None, of: int | None) -> str:
    if count is None or not of:
        return ""
    return f"{round(100 * count / of)}%"


def _question_view(question: Question, item: dict[str, Any]) -> dict[str, Any]:
    """One question's figures for the page: its rows (table) and the same as a chart."""
    count, withheld = item["count"], item["withheld"]
    rows: list[dict[str, Any]] = []
    if not withheld:
        for choice in item.get("choices") or []:
            rows.append(
                {
                    "label": choice["choice"],
                    "count": choice["count"],
                    "withheld": choice["withheld"],
                }
            )
        for value, n in (item.get("distribution") or {}).items():
            rows.append({"label": value, "count": n, "withheld": n is None})
    for row in rows:
        row["share"] = _share(row["count"], count)
    chart = None
    if count and any(row["count"] is not None for row in rows):
        chart = charts.bar_chart(
            [charts.Bar(row["label"], row["count"]) for row in rows],
            uid=f"question-{question.pk}-chart",
            title=question.label,
            desc=_("Answers to this question; the table below gives the same numbers."),
            format_value=str,
            withheld_label=exports.fewer_than_label(),
            high=count,
        )
    return {
        "question": question,
        "count": count,
        "withheld": withheld,
        "rows": rows,
        "mean": item.get("mean"),
        "chart": chart,
        "is_text": question.kind == Question.Kind.TEXT,
        "is_scale": question.kind == Question.Kind.SCALE,
    }


def _text_page(submissions, page_number, questions: list[Question]):
    kinds = dict(Stakeholder.Kind.choices)
    page = Paginator(
        selectors.feedback_text_answers(submissions=submissions, questions=questions),
        TEXTS_PER_PAGE,
    ).get_page(page_number)
    page.rows = [
        {
            "submitted_at": row["submitted_at"],
            "kind": kinds.get(row["stakeholder_kind"], ""),
            "answers": [
                (q.label, row["answers"][str(q.pk)])
                for q in questions
                if row["answers"].get(str(q.pk))
            ],
        }
        for row in page.object_list
    ]
    return page


def _recorded_score(form: FeedbackForm, raw: str | None) -> Score | None:
    """The perception score just recorded from this form's questions, to show and link."""
    if not raw or not raw.isdigit():
        return None
    benchmarks = [q.benchmark_id for q in form.questions.all() if q.benchmark_id]
    return (
        Score.objects.select_related("assessment", "benchmark")
        .filter(pk=int(raw), assessment__mission=form.mission, benchmark_id__in=benchmarks)
        .first()
    )


def _render(
    request,
    access: MissionAccess,
    form: FeedbackForm,
    *,
    params,
    perception_form: PerceptionForm | None = None,
    status: int = 200,
):
    full = selectors.results_are_full(access)
    filters, scope = _filtered(form, params)
    questions = list(form.questions.all())
    context: dict[str, Any] = {
        "access": access,
        "mission": access.mission,
        "form": form,
        "filters": filters,
        "full": full,
        "filter_query": selectors.query_without_page(params),
        "min_group": services.MIN_GROUP,
        "results": None,
    }
    if scope is not None:
        results = services.feedback_results(form=form, scope=scope, full=full)
        by_id = {q.pk: q for q in questions}
        context["results"] = results
        context["questions"] = [_question_view(by_id[i["id"]], i) for i in results["questions"]]
        texts = selectors.text_questions(form)
        if full and texts:
            context["texts"] = _text_page(scope.submissions(form), params.get("page"), texts)
    else:
        status = max(status, 400)
    if full and not access.mission.is_closed:
        eligible = selectors.perception_questions(form)
        context["perception_questions"] = eligible
        initial = {"as_of": mission_today(access.mission), "version": form.version}
        if len(eligible) == 1:
            initial["question"] = eligible[0].pk
        context["perception_form"] = perception_form or PerceptionForm(
            initial=initial, questions=eligible
        )
        context["recorded"] = _recorded_score(form, params.get("recorded"))
        if context["recorded"] is not None:
            context["recorded_rating"] = decimal_text(context["recorded"].rating)
    return render(request, RESULTS_PAGE, context, status=status)


# Pages -----------------------------------------------------------------------------------


@require_safe
@mission_required("view_feedback_results")
def feedback_results(request, access, form_id):
    """The results, filtered by the GET form; managers also see written answers, paginated."""
    form = _form_or_404(access, form_id)
    return _render(request, access, form, params=request.GET)


def _export_name(form: FeedbackForm, extension: str) -> str:
    return f"{form.mission.code}-feedback-{form.pk}-results.{extension}"


def _export_inputs(request, access, form_id):
    form = _form_or_404(access, form_id)
    filters, scope = _filtered(form, request.GET)
    if scope is None:
        errors = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in filters.errors.items())
        return (
            form,
            None,
            HttpResponse(
                _("These filters are not valid: %(errors)s") % {"errors": errors},
                status=400,
                content_type="text/plain; charset=utf-8",
            ),
        )
    return form, scope, None


@require_safe
@mission_required("view_feedback_results")
def feedback_results_csv(request, access, form_id):
    """CSV with the page's filters: one row per submission for managers, else the summary."""
    form, scope, refusal = _export_inputs(request, access, form_id)
    if refusal:
        return refusal
    if selectors.results_are_full(access):
        questions = list(form.questions.all())
        rows = selectors.feedback_export_rows(submissions=scope.submissions(form)).iterator(
            chunk_size=exports.ITERATOR_CHUNK
        )

        def table():
            yield exports.answers_header(form, questions)
            yield from exports.answers_rows(form, questions, rows)

        return exports.csv_response(table(), _export_name(form, "csv"))
    results = services.feedback_results(form=form, scope=scope, full=False)
    return exports.csv_response(exports.summary_rows(results), _export_name(form, "csv"))


@require_safe
@mission_required("view_feedback_results")
def feedback_results_xlsx(request, access, form_id):
    """XLSX with the page's filters: the summary, and for managers one row per submission."""
    form, scope, refusal = _export_inputs(request, access, form_id)
    if refusal:
        return refusal
    full = selectors.results_are_full(access)
    results = services.feedback_results(form=form, scope=scope, full=full)
    sheets: list[tuple[str, Any]] = [(_("Summary"), exports.summary_rows(results))]
    if full:
        questions = list(form.questions.all())
        rows = selectors.feedback_export_rows(submissions=scope.submissions(form)).iterator(
            chunk_size=exports.ITERATOR_CHUNK
        )
        answers = chain(
            [exports.answers_header(form, questions)],
            exports.answers_rows(form, questions, rows),
        )
        sheets.append((_("Answers"), answers))
    return exports.xlsx_response(sheets, _export_name(form, "xlsx"))


@require_POST
@mission_required("manage_feedback", write=True)
def feedback_perception(request, access, form_id):
    """Record a scale question's mean as a perception score, then show it on the results."""
    form = _form_or_404(access, form_id)
    perception = PerceptionForm(request.POST, questions=selectors.perception_questions(form))
    status = 400
    if perception.is_valid():
        data = perception.cleaned_data
        if data["version"] != form.version:
            perception.add_error(
                None,
                _(
                    "This form was changed by someone else since you opened the page. "
                    "Check the results below, then record again if you still mean to."
                ),
            )
            status = 412
        else:
            try:
                assessment = services.feedback_perception_record(
                    actor=request.user, form=form, question_id=data["question"], as_of=data["as_of"]
                )
            except ValidationError as error:
                _add_errors(perception, error)
            except Conflict as conflict:
                perception.add_error(None, str(conflict.detail))
                status = 409
            else:
                score = assessment.scores.order_by("id").first()
                url = reverse("missions:feedback-results", args=[access.mission.code, form.pk])
                return redirect(f"{url}?recorded={score.pk}#perception")
    return _render(
        request, access, form, params=request.GET, perception_form=perception, status=status
    )


def _add_errors(perception: PerceptionForm, error: ValidationError) -> None:
    """The service's errors beside the field they name; the others above the form."""
    if not hasattr(error, "error_dict"):
        perception.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        field = name if name in ("question", "as_of") else None
        for message in messages:
            perception.add_error(field, message)

"""Feedback form pages of a mission: the list, the builder, the actions, partners' answers.

Everyone who sees the mission sees its published and closed forms; drafts, the builder,
the preview, the public link and every action need ``manage_feedback``; partners
(``submit_feedback``) answer open forms signed in. Every page works without JavaScript:
the question editor is a formset, and actions that cannot be undone (close, a new link,
delete) ask on a page of their own first. Edits and actions carry the version the person
saw: a stale one says so and changes nothing.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from exitplan.errors import Conflict, StaleVersion
from missions.access import MissionAccess, mission_required
from missions.models import Benchmark

from . import services
from .feedback_forms import AnswerForm, FeedbackFormForm, QuestionForm, QuestionFormSet, VersionForm
from .models import FeedbackForm
from .public import QUESTIONS, public_form_url

FORMS_PER_PAGE = 25
PREFIX = "questions"
STALE = gettext_lazy(
    "This form was changed by someone else since you opened the page: here it is as it is now. "
    "Check it, then try again if you still mean to."
)


# Reads ------------------------------------------------------------------------------------


def feedback_forms_of_mission(*, access: MissionAccess):
    """The mission's forms with their answer counts, newest first; drafts only for managers."""
    forms = (
        FeedbackForm.objects.filter(mission=access.mission)
        .annotate(answer_count=Count("submissions"))
        .order_by("-created_at", "-id")
    )
    if not access.has("manage_feedback"):
        forms = forms.exclude(status=FeedbackForm.Status.DRAFT)
    return forms


def _form(access: MissionAccess, pk: int) -> FeedbackForm:
    """One form of the mission with its questions; 404 for a draft without manage_feedback."""
    form = (
        feedback_forms_of_mission(access=access)
        .select_related("mission")
        .prefetch_related(QUESTIONS)
        .filter(pk=pk)
        .first()
    )
    if form is None:
        raise Http404(_("No such feedback form in this mission."))
    return form


def _benchmark_choices(mission, form: FeedbackForm | None = None) -> list[tuple[str, str]]:
    """Rating benchmarks a scale question may feed, by code (one query for the whole editor).

    Benchmarks the form's questions already feed stay choosable even once retired, so the
    form can still be saved as it is.
    """
    kept = [q.benchmark.code for q in form.questions.all() if q.benchmark_id] if form else []
    rows = Benchmark.objects.filter(
        Q(is_retired=False) | Q(code__in=kept), mission=mission, kind=Benchmark.Kind.RATING
    ).order_by("code")
    return [(b.code, f"{b.code} — {b.title}") for b in rows.only("code", "title")]


# The list and one form --------------------------------------------------------------------


@mission_required()
def feedback_list(request, access):
    """The mission's feedback forms with their status, dates and number of answers."""
    page = Paginator(feedback_forms_of_mission(access=access), FORMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stakeholders/feedback_list.html",
        {
            "access": access,
            "mission": access.mission,
            "page": page,
            "can_manage": access.has("manage_feedback") and not access.mission.is_closed,
        },
    )


def _detail_context(request, access: MissionAccess, form: FeedbackForm) -> dict[str, Any]:
    manage = access.has("manage_feedback")
    writable = not access.mission.is_closed
    return {
        "access": access,
        "mission": access.mission,
        "form": form,
        "questions": list(form.questions.all()),
        "can_manage": manage and writable,
        "public_url": public_form_url(form, request) if manage else "",
        "closed_reason": services.feedback_form_closed_reason(form, timezone.now()),
        "can_answer": access.has("submit_feedback") and writable,
        "results_url": reverse("missions:feedback-results", args=[access.mission.code, form.pk])
        if access.has("view_feedback_results") and form.status != FeedbackForm.Status.DRAFT
        else None,
    }


def _render_detail(request, access, pk: int, *, error: str = "", status: int = 200):
    form = _form(access, pk)
    context = _detail_context(request, access, form)
    context["error"] = error
    return render(request, "stakeholders/feedback_form_detail.html", context, status=status)


@mission_required()
def feedback_detail(request, access, pk):
    """One form: its facts and questions; for managers its link and actions."""
    return _render_detail(request, access, pk)


# The builder ------------------------------------------------------------------------------


def _formset(access, data=None, *, form: FeedbackForm | None = None, initial=None):
    """The question editor: bound to ``data``, else the form's questions (or ``initial``)."""
    if data is None and initial is None and form is not None:
        initial = [QuestionForm.initial_from(q) for q in form.questions.all()]
    return QuestionFormSet(
        data,
        prefix=PREFIX,
        initial=initial,
        form_kwargs={"benchmarks": _benchmark_choices(access.mission, form)},
    )


def _with_one_more_row(access, data, form: FeedbackForm | None):
    """The builder as posted, unsaved and without errors, plus an empty question row.

    "Add a question" without script: what the person typed becomes the initial values of
    unbound forms, so nothing is validated yet, and the formset's extra row is the new one.
    """
    posted = FeedbackFormForm(data)
    main = FeedbackFormForm(initial={name: posted[name].value() for name in posted.fields})
    bound = _formset(access, data, form=form)
    rows = [
        {name: row[name].value() for name in row.fields}
        for index, row in enumerate(bound.forms)
        if index < bound.initial_form_count() or row.has_changed()
    ]
    return main, _formset(access, form=form, initial=rows)


def _apply_errors(main, formset, rows_forms, error: ValidationError) -> None:
    """The service's errors beside the fields they are about (``questions[i].label``…)."""
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for key, messages_ in errors.items():
        if key.startswith("questions[") and formset is not None:
            index_text, _dot, field = key[len("questions[") :].partition("].")
            target = rows_forms[int(index_text)]
            field = {"order": "ORDER", "id": None}.get(field, field)
            target.add_error(field if field in target.fields else None, messages_)
        else:
            main.add_error(key if key in main.fields else None, messages_)


def _builder(request, access, *, main, formset, form=None, conflict="", status=200):
    return render(
        request,
        "stakeholders/feedback_form_edit.html",
        {
            "access": access,
            "mission": access.mission,
            "form": form,
            "main": main,
            "formset": formset,
            "conflict": conflict,
            "time_zone": access.mission.timezone,
        },
        status=status,
    )


def _save(request, access, form: FeedbackForm | None):
    """Validate the builder's POST and call the service; the response to send."""
    editing_questions = form is None or form.status == FeedbackForm.Status.DRAFT
    data = request.POST
    if "add_question" in data and editing_questions:
        main, formset = _with_one_more_row(access, data, form)
        return _builder(request, access, main=main, formset=formset, form=form)
    main = FeedbackFormForm(data)
    formset = _formset(access, data, form=form) if editing_questions else None
    valid = main.is_valid() and (formset is None or formset.is_valid())
    if not valid:
        return _builder(request, access, main=main, formset=formset, form=form, status=400)
    rows_forms = list(formset.ordered_forms) if formset is not None else []
    questions = [f.row_for_service(i) for i, f in enumerate(rows_forms, start=1)]
    try:
        if form is None:
            form = services.feedback_form_create(
                actor=request.user,
                mission=access.mission,
                questions=questions,
                **main.data_for_service(),
            )
        else:
            form = services.feedback_form_update(
                actor=request.user,
                form=form,
                data=main.data_for_service(),
                questions=questions if formset is not None else None,
                version=main.cleaned_data["version"],
            )
    except StaleVersion:
        current = _form(access, form.pk)
        # The version now carries the current one: saving again applies what the person
        # typed over the other change, knowingly.
        main.data = main.data.copy()
        main.data["version"] = current.version
        if current.status != FeedbackForm.Status.DRAFT:
            formset = None
        conflict = _(
            "This form was changed by someone else since you opened it. Your changes are not "
            "saved yet: check the form as it is now, then save again to apply yours over theirs."
        )
        return _builder(
            request, access, main=main, formset=formset, form=current, conflict=conflict, status=412
        )
    except Conflict as error:
        main.add_error(None, str(error.detail))
        return _builder(request, access, main=main, formset=formset, form=form, status=409)
    except ValidationError as error:
        _apply_errors(main, formset, rows_forms, error)
        return _builder(request, access, main=main, formset=formset, form=form, status=400)
    messages.success(request, _("The form “%(title)s” was saved.") % {"title": form.title})
    return redirect("missions:feedback-detail", access.mission.code, form.pk)


@require_http_methods(["GET", "POST"])
@mission_required("manage_feedback", write=True)
def feedback_new(request, access):
    """Build a new draft form: its fields and its questions."""
    access.require_writable()
    with timezone.override(access.mission.timezone):
        if request.method == "POST":
            return _save(request, access, None)
        language = getattr(request.user, "language", "") or "en"
        main = FeedbackFormForm(initial={"language": language, "allow_anonymous": True})
        return _builder(request, access, main=main, formset=_formset(access))


@require_http_methods(["GET", "POST"])
@mission_required("manage_feedback", write=True)
def feedback_edit(request, access, pk):
    """Change a form; its questions only while it is a draft (the service's rule)."""
    access.require_writable()
    form = _form(access, pk)
    with timezone.override(access.mission.timezone):
        if request.method == "POST":
            return _save(request, access, form)
        main = FeedbackFormForm(initial=FeedbackFormForm.initial_from(form))
        formset = _formset(access, form=form) if form.status == FeedbackForm.Status.DRAFT else None
        return _builder(request, access, main=main, formset=formset, form=form)


@mission_required("manage_feedback")
def feedback_preview(request, access, pk):
    """The form exactly as its public page shows it, in its language; nothing can be sent."""
    form = _form(access, pk)
    staff_language = translation.get_language()
    with translation.override(form.language), timezone.override(form.mission.timezone):
        answer_form = AnswerForm(questions=list(form.questions.all()), form=form, public=True)
        return render(
            request,
            "stakeholders/public_form.html",
            {
                "form": form,
                "answer_form": answer_form,
                "preview": True,
                "staff_language": staff_language,
                "back_url": reverse("missions:feedback-detail", args=[access.mission.code, pk]),
            },
        )


# Actions ----------------------------------------------------------------------------------


def _act(request, access, pk, service, done: str, *, to_list: bool = False):
    """Call an action's service with the version the person saw; back to the form (or list)."""
    form = _form(access, pk)
    version = VersionForm(request.POST)
    try:
        service(
            actor=request.user,
            form=form,
            version=version.cleaned_data["version"] if version.is_valid() else None,
        )
    except StaleVersion:
        return _render_detail(request, access, pk, error=str(STALE), status=412)
    except Conflict as error:
        return _render_detail(request, access, pk, error=str(error.detail), status=409)
    messages.success(request, done)
    if to_list:
        return redirect("missions:feedback-list", access.mission.code)
    return redirect("missions:feedback-detail", access.mission.code, pk)


@require_POST
@mission_required("manage_feedback", write=True)
def feedback_publish(request, access, pk):
    """Publish a draft: its public link and partners may answer it (within its dates)."""
    return _act(
        request,
        access,
        pk,
        services.feedback_form_publish,
        _("The form is published: share its public link, and partners can answer it."),
    )


CONFIRMATIONS = {
    "close": {
        "title": gettext_lazy("Close this form?"),
        "text": gettext_lazy(
            "Nobody can answer it any more, through its link or signed in. Its answers and "
            "results stay. A closed form cannot be opened again."
        ),
        "button": gettext_lazy("Close the form"),
        "done": gettext_lazy("The form is closed: it takes no more answers."),
        "service": services.feedback_form_close,
    },
    "rotate-link": {
        "title": gettext_lazy("Give this form a new public link?"),
        "text": gettext_lazy(
            "The current link stops working at once: anyone who opens it is told the link was "
            "replaced. Share the new link with the people who should answer."
        ),
        "button": gettext_lazy("Replace the link"),
        "done": gettext_lazy("The form has a new public link; the old one no longer works."),
        "service": services.feedback_form_rotate_link,
    },
    "delete": {
        "title": gettext_lazy("Delete this draft?"),
        "text": gettext_lazy("The form and its questions are deleted for good."),
        "button": gettext_lazy("Delete the draft"),
        "danger": True,
        "done": gettext_lazy("The draft was deleted."),
        "service": services.feedback_form_delete,
    },
}


def _confirm(request, access, pk, action: str):
    """A page that asks first (GET), then does it (POST): works without script."""
    step = CONFIRMATIONS[action]
    access.require_writable()
    if request.method == "POST":
        return _act(request, access, pk, step["service"], step["done"], to_list=action == "delete")
    form = _form(access, pk)
    return render(
        request,
        "stakeholders/feedback_form_confirm.html",
        {
            "access": access,
            "mission": access.mission,
            "form": form,
            "step": step,
            "action_url": reverse(f"missions:feedback-{action}", args=[access.mission.code, pk]),
        },
    )


@require_http_methods(["GET", "POST"])
@mission_required("manage_feedback", write=True)
def feedback_close(request, access, pk):
    """Close a published form (asks first)."""
    return _confirm(request, access, pk, "close")


@require_http_methods(["GET", "POST"])
@mission_required("manage_feedback", write=True)
def feedback_rotate_link(request, access, pk):
    """Replace the public link (asks first): the old link dies at once."""
    return _confirm(request, access, pk, "rotate-link")


@require_http_methods(["GET", "POST"])
@mission_required("manage_feedback", write=True)
def feedback_delete(request, access, pk):
    """Delete a form nobody has answered (asks first)."""
    return _confirm(request, access, pk, "delete")


# Partners answer signed in ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@mission_required("submit_feedback", write=True)
def feedback_answer(request, access, pk):
    """A partner answers an open form as themselves; their stakeholder's kind goes with it."""
    form = _form(access, pk)
    questions = list(form.questions.all())
    reason = services.feedback_form_closed_reason(form, timezone.now())
    answer_form = AnswerForm(request.POST or None, questions=questions, form=form, public=False)
    status = 200
    if reason:
        status = 409 if request.method == "POST" else 200
    elif request.method == "POST":
        status = 400
        if answer_form.is_valid():
            try:
                submission = services.feedback_submission_create(
                    form=form,
                    answers=answer_form.answers(),
                    user=request.user,
                    membership=access.membership,
                )
            except ValidationError as error:
                answer_form.add_service_errors(error.message_dict)
            except Conflict as error:
                reason, status = str(error.detail), 409
            else:
                messages.success(
                    request,
                    _("Thank you: your answers are recorded. Your receipt: %(receipt)s")
                    % {"receipt": submission.receipt},
                )
                return redirect("missions:feedback-detail", access.mission.code, pk)
    return render(
        request,
        "stakeholders/feedback_form_answer.html",
        {
            "access": access,
            "mission": access.mission,
            "form": form,
            "answer_form": answer_form,
            "closed_reason": reason,
        },
        status=status,
    )

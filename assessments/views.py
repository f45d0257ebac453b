"""Assessment pages: the rounds, the score grid that saves as you go, actions, imports.

The grid is one form for the whole round (a Save button, no JavaScript needed); with htmx
each row posts itself on change to ``score_save``, which replaces that benchmark's score in
the round's full set through ``assessment_update`` and answers the row, plus the round's new
version out of band so the next row's save is not refused as stale.
"""

import os
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from exitplan.db import Compiled, instances, model_columns
from exitplan.errors import Conflict, StaleVersion
from exitplan.fragments import Fragment, fields_of, render_fragments
from missions import selectors as mission_selectors
from missions.access import mission_required
from missions.models import Benchmark, Category

from . import selectors, services
from .forms import (
    AssessmentStartForm,
    AttachmentForm,
    ImportForm,
    ReturnForm,
    ScoreRowForm,
    VersionForm,
)
from .imports import ImportInvalid, rows_from_csv, rows_from_xlsx, scores_import
from .models import Assessment, Score

ROUNDS_PER_PAGE = 25
# Benchmarks per page of a round's grid: a large plan (300 benchmarks) is scored a page at a
# time, so the page stays quick to render and to read; "Save all" saves the page shown.
GRID_PER_PAGE = 50
SCORE_ROW = "assessments/_score_row.html"
DETAIL = "assessments/assessment_detail.html"
ROUND_CONTENT = f"{DETAIL}#round-content"
SCORE_KEY = re.compile(r"^scores\[(\d+)\](?:\.(\w+))?$")


def _stale_text() -> str:
    return _(
        "This round was changed by someone else since you opened it. Nothing of yours was "
        "saved: the current values are shown beside what you typed; change the field again "
        "to apply yours."
    )


# Loading --------------------------------------------------------------------------------


_ROUND_COLUMNS = model_columns(Assessment)
_AUTHOR = Assessment.author.field.related_model
# Read by every page of a round: compiled once per connection (exitplan.db.Compiled).
_ROUND = Compiled(
    lambda mission, pk: Assessment.objects.filter(mission_id=mission, pk=pk).values_list(
        *_ROUND_COLUMNS, *(f"author__{name}" for name in model_columns(_AUTHOR))
    ),
    mission=-7_340_051,
    pk=-7_340_052,
)


def _round(access, pk: int) -> Assessment:
    """A round of this mission; drafts only for log_assessment (404 otherwise, like nothing).

    With its author, whom the round's page names (no page shows who approved it)."""
    assessment = None
    for row in _ROUND.rows(mission=access.mission.pk, pk=pk):
        split = len(_ROUND_COLUMNS)
        assessment = instances(Assessment, [row[:split]])[0]
        if assessment.author_id is not None:
            assessment.author = instances(_AUTHOR, [row[split:]])[0]
    if assessment is None or (assessment.is_draft and not access.has("log_assessment")):
        raise Http404(_("No such assessment round in this mission."))
    return assessment


def _benchmark(access, pk: int) -> Benchmark:
    benchmark = (
        Benchmark.objects.filter(mission=access.mission, pk=pk, is_retired=False)
        .select_related("objective")
        .first()
    )
    if benchmark is None:
        raise Http404(_("No such benchmark in this mission."))
    return benchmark


def _can_log(access) -> bool:
    return access.has("log_assessment") and not access.mission.is_closed


def _grid_query(category: str = "", page: int = 1) -> str:
    query = {"category": category} if category else {}
    if page > 1:
        query["page"] = page
    return urlencode(query)


def _detail_url(assessment: Assessment, category: str = "", page: int = 1) -> str:
    url = reverse("assessments:detail", args=[assessment.mission.code, assessment.pk])
    query = _grid_query(category, page)
    return f"{url}?{query}" if query else url


# List and start -------------------------------------------------------------------------


@mission_required()
def assessment_list(request, access):
    """The mission's rounds, newest first; drafts only for those who log assessments."""
    rounds = Assessment.objects.filter(mission=access.mission)
    if not access.has("log_assessment"):
        rounds = rounds.exclude(status=Assessment.Status.DRAFT)
    rounds = (
        rounds.select_related("author")
        .annotate(score_count=Count("scores"))
        .order_by("-as_of", "-id")
    )
    page = Paginator(rounds, ROUNDS_PER_PAGE).get_page(request.GET.get("page"))
    return _list_page(request, access, page=page, form=None)


def _list_page(request, access, *, page, form, status=200):
    can_log = _can_log(access)
    if can_log and form is None:
        form = AssessmentStartForm(initial={"as_of": timezone.localdate(), "kind": "joint"})
    return render(
        request,
        "assessments/assessment_list.html",
        {
            "access": access,
            "mission": access.mission,
            "page": page,
            "rows": [(a, mission_selectors.person_name(a.author)) for a in page.object_list],
            "form": form,
            "can_log": can_log,
        },
        status=status,
    )


@mission_required("log_assessment", write=True)
def assessment_new(request, access):
    """Start a round (POST); GET shows the form on its own page."""
    access.require_writable()
    form = AssessmentStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_create(
                actor=request.user, mission=access.mission, **form.cleaned_data
            )
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, _("The round was started: enter its scores below."))
            return redirect(_detail_url(assessment))
    return render(
        request,
        "assessments/assessment_new.html",
        {"access": access, "mission": access.mission, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# The round and its grid -----------------------------------------------------------------


def _scores_by_benchmark(assessment: Assessment, benchmarks) -> dict[int, Score]:
    """The round's scores of these benchmarks (the grid's page), by benchmark id."""
    ids = [b.pk for b in benchmarks]
    return {s.benchmark_id: s for s in assessment.scores.filter(benchmark_id__in=ids)}


def _field(bound) -> dict[str, Any]:
    value = bound.value()
    return {
        "id": bound.auto_id,
        "name": bound.html_name,
        "label": bound.label,
        "value": "" if value is None else str(value),
        "errors": bound.errors or None,
    }


def _ready(row: dict[str, Any]) -> dict[str, Any]:
    """What the row template prints, as plain values: the grid writes its inputs out itself
    (no widget templates), and a dict is the cheapest thing for a template to look into."""
    form = row["form"]
    row["invalid"] = bool(form.errors or row.get("stale_message"))
    row["non_field_errors"] = form.non_field_errors() if form.is_bound else None
    if row["editable"]:
        row["figure_field"] = _field(form[form.figure_name])
        row["evidence_field"] = _field(form["evidence"])
        row["source_field"] = _field(form["source"])
        row["rated"] = form.figure_name == "rating"
    return row


# A benchmark id no row has: each row URL is reversed once with it, then filled in per row.
_URL_SLOT = "2147483647"


class GridUrls:
    """The URLs of a round's grid rows, each reversed once per page, not once per row."""

    NAMES = {
        "score": "assessments:score",
        "attachment": "assessments:attachment",
        "download": "assessments:attachment-download",
    }

    def __init__(self, assessment: Assessment, mission):
        code = mission.code
        self._patterns = {
            key: reverse(name, args=[code, assessment.pk, _URL_SLOT]).rpartition(_URL_SLOT)
            for key, name in self.NAMES.items()
        }
        self._patterns["benchmark"] = reverse(
            "missions:benchmark", args=[code, _URL_SLOT]
        ).rpartition(_URL_SLOT)

    def for_benchmark(self, pk: int) -> dict[str, str]:
        return {key: f"{head}{pk}{tail}" for key, (head, _s, tail) in self._patterns.items()}


def _row(
    benchmark, score, *, urls: GridUrls, data=None, editable: bool, status: str = "", stale=None
):
    form = ScoreRowForm(data, benchmark=benchmark, initial=ScoreRowForm.initial_from(score))
    if data is not None:
        form.is_valid()
    return {
        "benchmark": benchmark,
        "pk": str(benchmark.pk),  # ids as text: a template localises every number it prints
        "urls": urls.for_benchmark(benchmark.pk),
        "score": score,
        "form": form,
        "editable": editable,
        "figure": mission_selectors.decimal_text(
            (score.value if score.value is not None else score.rating) if score else None
        ),
        "status": status,
        "stale": stale,
    }


def _row_fragments(rows: list[tuple[tuple, Callable[[], dict[str, Any]]]]) -> list[Fragment]:
    """The grid's rows, each kept under everything it shows (the key given with it), else
    built and rendered (exitplan.fragments): fifty rows of inputs were most of a grid
    page's time."""
    return [
        Fragment((SCORE_ROW,), key, lambda build=build: {"row": _ready(build())})
        for key, build in rows
    ]


def _save_rows(*, actor, assessment: Assessment, forms: list[ScoreRowForm], version) -> bool:
    """Replace these benchmarks' scores in the round's full set; errors go to their form.

    The set sent is the stored one with only these rows changed, so other rows (and rows
    the category filter hides) stay as they are. True when saved.
    """
    current = list(assessment.scores.select_related("benchmark").order_by("id"))
    rows: dict[str, dict[str, Any]] = {
        s.benchmark.code: {
            "benchmark": s.benchmark.code,
            "value": s.value,
            "rating": s.rating,
            "evidence": s.evidence,
            "source": s.source,
        }
        for s in current
    }
    by_code = {form.benchmark.code: form for form in forms}
    for code, form in by_code.items():
        row = form.score_row()
        if row is None:
            rows.pop(code, None)
        else:
            rows[code] = row
    scores = list(rows.values())
    try:
        services.assessment_update(
            actor=actor, assessment=assessment, data={}, scores=scores, version=version
        )
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            match = SCORE_KEY.match(key)
            form = by_code.get(scores[int(match[1])]["benchmark"]) if match else None
            if form is None:
                form = forms[0]
            name = match[2] if match and match[2] in form.fields else None
            for problem in problems:
                form.add_error(name, problem)
        return False
    return True


def _differs(form: ScoreRowForm, score: Score | None) -> bool:
    """Whether what was typed in a row differs from the score stored now (for conflicts)."""
    typed = form.score_row() if form.is_valid() else {}
    stored = ScoreRowForm.initial_from(score)
    if typed is None:
        return score is not None
    figure = form.figure_name
    return (
        mission_selectors.decimal_text(typed.get(figure))
        != mission_selectors.decimal_text(stored.get(figure))
        or typed.get("evidence", "") != stored.get("evidence", "")
        or typed.get("source", "") != stored.get("source", "")
    )


def _version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@vary_on_headers("HX-Request")
@mission_required()
def assessment_detail(request, access, pk):
    """The round: its facts, actions, and the grid of benchmarks (?category= filters it,
    ?page= pages it).

    POST saves the grid's page at once (the form without JavaScript).
    """
    assessment = _round(access, pk)
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    grid = selectors.grid_benchmarks_page(
        mission=access.mission,
        category=category,
        number=request.GET.get("page"),
        per_page=GRID_PER_PAGE,
    )
    benchmarks = grid.object_list
    urls = GridUrls(assessment, access.mission)
    editable = assessment.is_draft and _can_log(access)
    code = access.mission.code
    status = 200
    conflict = None
    if request.method == "POST":
        access.require("log_assessment")
        access.require_writable()
        if not assessment.is_draft:
            raise Conflict(_("Scores change only while the round is a draft."))
        forms = [ScoreRowForm(request.POST, benchmark=b) for b in benchmarks]
        if all(form.is_valid() for form in forms):
            try:
                saved = _save_rows(
                    actor=request.user,
                    assessment=assessment,
                    forms=forms,
                    version=_version(request),
                )
            except StaleVersion:
                saved = False
                conflict = _stale_text()
            if saved:
                messages.success(request, _("The scores were saved."))
                return redirect(_detail_url(assessment, category, grid.number))
        assessment.refresh_from_db()
        scores = _scores_by_benchmark(assessment, benchmarks)
        rows = []
        for form in forms:
            score = scores.get(form.benchmark.pk)
            row = _row(form.benchmark, score, urls=urls, editable=True) | {"form": form}
            if conflict and _differs(form, score):
                row.update(stale=score, stale_message=_("Not saved: yours differs from this."))
            rows.append(row)
        # What was typed, with its errors: shown this once, never kept.
        fragments = _row_fragments([((), partial(dict, row)) for row in rows])
        render_fragments(request, fragments, cached=False)
        rows = [fragment.html for fragment in fragments]
        status = 409 if conflict else 400
    else:
        scores = _scores_by_benchmark(assessment, benchmarks)
        rows = _row_fragments(
            [
                (
                    (assessment.pk, code, editable, fields_of(b), fields_of(scores.get(b.pk))),
                    partial(_row, b, scores.get(b.pk), urls=urls, editable=editable),
                )
                for b in benchmarks
            ]
        )
    context = {
        "access": access,
        "mission": access.mission,
        "assessment": assessment,
        "author": mission_selectors.person_name(assessment.author),
        "rows": rows,
        "editable": editable,
        "category": category,
        "grid": grid,
        "grid_query": _grid_query(category, grid.number),
        "filter_query": _grid_query(category),
        "categories": Category.choices,
        "can_submit": editable,
        "can_approve": assessment.status == Assessment.Status.SUBMITTED
        and access.can_approve(assessment)
        and not access.mission.is_closed,
        "can_delete": editable,
        "return_form": ReturnForm(initial={"version": assessment.version}),
        "conflict": conflict,
    }
    if request.method == "POST":
        return render(request, DETAIL, context, status=status)

    def content_context() -> dict[str, Any]:
        return context | {"rows": [fragment.html for fragment in rows]}

    # The page's content with its rows, kept whole: one read of the cache when nothing
    # changed. Its key: what the rows do not show (the round, who may do what with it,
    # the grid's filter and page).
    four_eyes = access.user.pk == assessment.author_id and "approve_assessment" in access.perms
    content = Fragment(
        (ROUND_CONTENT,),
        (
            code,
            access.mission.is_closed,
            fields_of(assessment),
            context["author"],
            editable,
            context["can_approve"],
            four_eyes,
            category,
            grid.number,
            grid.paginator.count,
        ),
        content_context,
        children=rows,
    )
    render_fragments(request, [content])
    return render(request, DETAIL, context | {"round_content": content.html})


@require_POST
@mission_required("log_assessment", write=True)
def score_save(request, access, pk, benchmark_pk):
    """Save one row of the grid (htmx, on change) and answer the row with what was stored."""
    assessment = _round(access, pk)
    benchmark = _benchmark(access, benchmark_pk)
    if not assessment.is_draft:
        raise Conflict(_("Scores change only while the round is a draft."))
    form = ScoreRowForm(request.POST, benchmark=benchmark)
    status_text, stale = "", None
    if form.is_valid():
        try:
            saved = _save_rows(
                actor=request.user, assessment=assessment, forms=[form], version=_version(request)
            )
        except StaleVersion:
            saved = False
            stale = True
        if saved:
            status_text = _("Saved")
    assessment.refresh_from_db()
    score = Score.objects.filter(assessment=assessment, benchmark=benchmark).first()
    row = _row(
        benchmark,
        score,
        urls=GridUrls(assessment, access.mission),
        editable=True,
        status=status_text,
    )
    if not status_text:  # not saved: keep what was typed, with its errors
        row["form"] = form
        row["stale"] = score if stale else None
        row["stale_message"] = _stale_text() if stale else ""
    _ready(row)
    context = {
        "row": row,
        "assessment": assessment,
        "mission": access.mission,
        "access": access,
        "oob_version": True,
    }
    if status_text and not request.POST.get(f"{form.prefix}-shown_invalid"):
        # The inputs already hold what was saved (and maybe what is being typed next):
        # leave them alone; refresh the file cell, the status and the round's version.
        context["oob"] = True
        html = "".join(
            render_to_string(f"{SCORE_ROW}#{name}", context, request=request)
            for name in ("file-cell", "status-cell", "versions")
        )
        response = HttpResponse(html)
        response["HX-Reswap"] = "none"
        return response
    return render(request, SCORE_ROW, context)


# Actions --------------------------------------------------------------------------------


def _action(request, assessment, call, done: str):
    try:
        call()
    except StaleVersion:
        messages.error(
            request,
            _(
                "This round was changed by someone else since you opened it: "
                "check it and try again."
            ),
        )
    else:
        messages.success(request, done)
    return redirect(_detail_url(assessment))


@require_POST
@mission_required("log_assessment", write=True)
def assessment_submit(request, access, pk):
    """Submit a draft: its scores count from now on and change no more."""
    assessment = _round(access, pk)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    return _action(
        request,
        assessment,
        lambda: services.assessment_submit(
            actor=request.user, assessment=assessment, version=version
        ),
        _("The round was submitted: its scores now count for readiness."),
    )


@require_POST
@mission_required("approve_assessment", write=True)
def assessment_approve(request, access, pk):
    """Approve a submitted round; never one's own (the service refuses it: 403)."""
    assessment = _round(access, pk)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    return _action(
        request,
        assessment,
        lambda: services.assessment_approve(
            actor=request.user, assessment=assessment, version=version
        ),
        _("The round was approved."),
    )


@require_POST
@mission_required("approve_assessment", write=True)
def assessment_return(request, access, pk):
    """Send a submitted round back to its author as a draft, with the reason."""
    assessment = _round(access, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the round goes back, so its author knows what to fix."))
        return redirect(_detail_url(assessment))
    try:
        return _action(
            request,
            assessment,
            lambda: services.assessment_return(
                actor=request.user,
                assessment=assessment,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            ),
            _("The round was returned to its author as a draft."),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_detail_url(assessment))


@require_POST
@mission_required("log_assessment", write=True)
def assessment_delete(request, access, pk):
    """Delete a draft round with its scores (submitted and approved rounds stay: 409)."""
    assessment = _round(access, pk)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.assessment_delete(actor=request.user, assessment=assessment, version=version)
    except StaleVersion:
        messages.error(
            request,
            _(
                "This round was changed by someone else since you opened it: "
                "check it and try again."
            ),
        )
        return redirect(_detail_url(assessment))
    messages.success(request, _("The draft round was deleted."))
    return redirect("assessments:list", code=access.mission.code)


# Evidence attachments -------------------------------------------------------------------


def _score(access, pk: int, benchmark_pk: int) -> Score:
    assessment = _round(access, pk)
    score = (
        Score.objects.filter(assessment=assessment, benchmark_id=benchmark_pk)
        .select_related("benchmark", "assessment", "assessment__mission")
        .first()
    )
    if score is None:
        raise Http404(_("This round has no score for this benchmark yet."))
    return score


@mission_required()
def score_attachment(request, access, pk, benchmark_pk):
    """A score's evidence file: see it, and (drafts, log_assessment) upload or replace it."""
    score = _score(access, pk, benchmark_pk)
    can_upload = score.assessment.is_draft and _can_log(access)
    form = AttachmentForm(initial={"version": score.assessment.version})
    status = 200
    if request.method == "POST":
        access.require("log_assessment")
        access.require_writable()
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.score_attachment_store(
                    actor=request.user,
                    score=score,
                    upload=form.cleaned_data["file"],
                    version=form.cleaned_data["version"],
                )
            except StaleVersion:
                form.add_error(None, _stale_text())
            else:
                messages.success(request, _("The evidence file was attached."))
                return redirect(_detail_url(score.assessment))
        status = 400
    return render(
        request,
        "assessments/score_attachment.html",
        {
            "access": access,
            "mission": access.mission,
            "score": score,
            "assessment": score.assessment,
            "form": form,
            "can_upload": can_upload,
            "file_name": os.path.basename(score.attachment.name) if score.attachment else "",
        },
        status=status,
    )


@mission_required()
def score_attachment_download(request, access, pk, benchmark_pk):
    """The evidence file, always as a download: never rendered inline from our origin."""
    score = _score(access, pk, benchmark_pk)
    if not score.attachment:
        raise Http404(_("This score has no evidence file."))
    response = FileResponse(
        score.attachment.open("rb"),
        as_attachment=True,
        filename=os.path.basename(score.attachment.name),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# Import ---------------------------------------------------------------------------------


def _import_rows(upload) -> list[dict[str, Any]]:
    content = upload.read()
    if upload.name.lower().endswith(".xlsx"):
        return rows_from_xlsx(content)
    return rows_from_csv(content)


@mission_required("log_assessment", write=True)
def score_import(request, access):
    """Upload a CSV or XLSX of scores through the API's import: all rows or none.

    On errors the rows are shown with their problems beside them, and nothing is written.
    """
    access.require_writable()
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"access": access, "mission": access.mission, "form": form}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            rows: list[dict[str, Any]] = []
            try:
                rows = _import_rows(form.cleaned_data["file"])
                result = scores_import(
                    actor=request.user,
                    mission=access.mission,
                    label=form.cleaned_data["label"],
                    rows=rows,
                    submit=form.cleaned_data["submit"],
                )
            except ImportInvalid as invalid:
                context.update(_import_errors(invalid.errors, rows))
            else:
                messages.success(
                    request,
                    _(
                        "Imported: %(created)s scores created, %(updated)s updated, "
                        "%(unchanged)s unchanged."
                    )
                    % result.as_dict(),
                )
                return redirect("assessments:list", code=access.mission.code)
    return render(request, "assessments/score_import.html", context, status=status)


def _import_errors(errors: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows that have errors, each beside its problems; file-wide problems apart."""
    general = [e for e in errors if not e.get("row")]
    by_row: dict[int, list[dict[str, Any]]] = {}
    for error in errors:
        if error.get("row"):
            by_row.setdefault(error["row"], []).append(error)
    shown = []
    for number in sorted(by_row):
        data = rows[number - 1] if 0 < number <= len(rows) else {}
        shown.append({"number": number, "data": data, "errors": by_row[number]})
    return {"general_errors": general, "error_rows": shown, "error_count": len(errors)}

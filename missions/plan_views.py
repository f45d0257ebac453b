"""The transition plan page: phases → objectives → benchmarks, and the handover register.

Staff (change_plan) create, edit, reorder and retire items. With htmx an edit swaps the
item's row for its form and back; creating and moving re-render the plan's body (the view
redirects and htmx selects ``#plan-body``). Without JavaScript the same URLs take plain
form posts and redirect. Every edit carries the item's ``version``: a stale one re-shows
the form with the current values beside what the person typed.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from assessments.selectors import latest_counted_scores, latest_snapshot, mission_today
from assessments.services import _dirty_key
from exitplan.errors import StaleVersion
from stakeholders.models import Comment

from . import selectors, services
from .access import mission_required
from .models import Benchmark, HandoverItem, Mission, Objective, Phase
from .plan_forms import (
    BenchmarkForm,
    HandoverItemForm,
    MoveForm,
    ObjectiveForm,
    PhaseForm,
    PlanItemForm,
    VersionForm,
)

PAGE = "missions/plan.html"
# Up to this many benchmarks the plan shows them all; beyond, objectives open one at a time.
EXPANDED_BENCHMARKS = 60
ROW = "missions/_plan_row.html"
EDIT = "missions/_plan_edit.html"


@dataclass(frozen=True)
class Kind:
    slug: str  # in URLs and element ids
    target_type: str  # comments and history name items by this
    model: type
    form: type[PlanItemForm]
    label: Any
    add_title: Any

    def siblings(self, item) -> Any:
        """The items an item moves among: same mission, same parent, not retired."""
        rows = self.model._default_manager.filter(is_retired=False)
        if self.model is Benchmark:
            return rows.filter(objective_id=item.objective_id)
        if self.model is Objective:
            return rows.filter(mission_id=item.mission_id, target_phase_id=item.target_phase_id)
        return rows.filter(mission_id=item.mission_id)


KINDS = {
    k.slug: k
    for k in (
        Kind(
            "phase", "phase", Phase, PhaseForm, gettext_lazy("phase"), gettext_lazy("Add a phase")
        ),
        Kind(
            "objective",
            "objective",
            Objective,
            ObjectiveForm,
            gettext_lazy("objective"),
            gettext_lazy("Add an objective"),
        ),
        Kind(
            "benchmark",
            "benchmark",
            Benchmark,
            BenchmarkForm,
            gettext_lazy("benchmark"),
            gettext_lazy("Add a benchmark"),
        ),
        Kind(
            "handover-item",
            "handover_item",
            HandoverItem,
            HandoverItemForm,
            gettext_lazy("handover item"),
            gettext_lazy("Add a handover item"),
        ),
    )
}


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404(_("No such kind of plan item."))
    return KINDS[slug]


def _item(kind: Kind, mission: Mission, pk: int):
    """One live item of this mission, else 404 (retired items are edited no more)."""
    item = kind.model._default_manager.filter(mission=mission, pk=pk, is_retired=False).first()
    if item is None:
        raise Http404(_("No such item in this mission's plan."))
    return item


# Reads -----------------------------------------------------------------------------------


# An id no row has: URLs are reversed once with it, then each row's id takes its place.
_URL_SLOT = "2147483647"


class RowUrls:
    """The URLs of the plan's rows, each pattern reversed once per page rather than once per
    row (eight reversals a row made a 300-benchmark plan spend most of its time in reverse)."""

    def __init__(self, mission: Mission):
        self.code = mission.code
        self._patterns: dict[tuple[str, ...], tuple[str, str]] = {}

    def _url(self, name: str, *args: str, pk: int) -> str:
        key = (name, *args)
        if key not in self._patterns:
            url = reverse(name, args=[self.code, *args, _URL_SLOT])
            head, _slot, tail = url.rpartition(_URL_SLOT)
            self._patterns[key] = (head, tail)
        head, tail = self._patterns[key]
        return f"{head}{pk}{tail}"

    def for_item(self, kind: "Kind", pk: int) -> dict[str, str]:
        urls = {
            "edit": self._url("missions:plan-edit", kind.slug, pk=pk),
            "move": self._url("missions:plan-move", kind.slug, pk=pk),
            "retire": self._url("missions:plan-retire", kind.slug, pk=pk),
            "comments": self._url("missions:comments-item", kind.target_type, pk=pk),
        }
        if kind.model is Benchmark:
            urls["page"] = self._url("missions:benchmark", pk=pk)
        return urls


def _comment_counts(mission: Mission, benchmarks: list[Benchmark]) -> dict[tuple[str, int], int]:
    """Comments per plan item, replies included: one aggregate query for the whole plan.

    Of the benchmarks, only those shown: a large mission's comments are mostly on its
    benchmarks (10,000 of 11,000), and a collapsed plan shows one objective's.
    """
    others = [k.target_type for k in KINDS.values() if k.model is not Benchmark]
    shown = Q(target_type=KINDS["benchmark"].target_type, target_id__in=[b.pk for b in benchmarks])
    rows = (
        Comment.objects.filter(mission=mission)
        .filter(Q(target_type__in=others) | shown)
        .values("target_type", "target_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {(r["target_type"], r["target_id"]): r["count"] for r in rows}


def _snapshot_latest(mission: Mission, today) -> dict[str, dict] | None:
    """Each benchmark's latest counted score by code, from today's stored readiness snapshot
    when nothing changed since it was computed (one query); None when it may be out of date.

    The snapshot already holds what a window over every score of the mission would choose
    (36,000 scores in ten years of a large mission): reading it is the cheap path.
    """
    snapshot = latest_snapshot(mission)
    if snapshot is None or snapshot.as_of != today:
        return None
    dirty = cache.get(_dirty_key(mission.pk))
    if dirty and dirty > snapshot.computed_at.timestamp():
        return None  # a change waits for the recompute: choose in the database instead
    return {
        row["code"]: row["latest"]
        for row in snapshot.figures.get("benchmarks", [])
        if row.get("latest")
    }


def _latest_scores(mission: Mission, benchmarks: list[Benchmark]) -> dict[int, dict]:
    """Each benchmark's latest counted score today: from the current snapshot, else one
    query (a window function) — two queries at most, whatever the plan's size."""
    today = mission_today(mission)
    stored = _snapshot_latest(mission, today)
    if stored is not None:
        latest = {}
        for benchmark in benchmarks:
            row = stored.get(benchmark.code)
            if row:
                figure = row["value"] if row.get("value") is not None else row.get("rating")
                latest[benchmark.pk] = {
                    "figure": selectors.decimal_text(figure),
                    "as_of": parse_date(row["as_of"]),
                }
        return latest
    rows = latest_counted_scores(mission, today)
    if benchmarks:
        # Only the benchmarks shown: the window then ranks their scores alone, not the
        # 36,000 of a large mission's every benchmark (partitioned by benchmark, so the
        # choice for each is the same).
        rows = rows.filter(benchmark_id__in=[b.pk for b in benchmarks])
    return {
        row["benchmark_id"]: {
            "figure": selectors.decimal_text(
                row["value"] if row["value"] is not None else row["rating"]
            ),
            "as_of": row["assessment__as_of"],
        }
        for row in rows
    }


def row_text() -> dict[str, str]:
    """The rows' fixed words, translated once per page rather than once in each of its rows
    (five to ten {% translate %} a row were a tenth of a large plan's render)."""
    return {
        "on": pgettext("comments on a plan item", "on"),
        "edit": _("Edit"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "retire": _("Retire"),
        "critical": _("critical"),
        "no_score": _("No counted score yet."),
        "needs_endorsement": _("needs endorsement"),
        "to": _("to"),
        "no_receiver": _("receiver not named yet"),
    }


# The choice fields each kind of row shows as words.
DISPLAYED = {
    "phase": ("kind", "status"),
    "objective": ("category",),
    "benchmark": ("kind",),
    "handover-item": ("status",),
}


def _display(item, kind: Kind, memo: dict) -> dict[str, str]:
    """The row's choices as words (``get_FOO_display``), each value's words found once a
    page: rows mostly share a few values, and each lookup rebuilds the field's choices."""
    words = {}
    for name in DISPLAYED[kind.slug]:
        key = (kind.slug, name, getattr(item, name))
        if key not in memo:
            memo[key] = getattr(item, f"get_{name}_display")()
        words[name] = memo[key]
    return words


def _annotate(items, kind: Kind, counts, latest, urls: RowUrls, memo: dict) -> None:
    for item in items:
        item.plan_kind = kind
        item.display = _display(item, kind, memo)
        item.dom_id = f"{kind.slug}-{item.pk}"
        item.urls = urls.for_item(kind, item.pk)
        item.comment_count = counts.get((kind.target_type, item.pk), 0)
        if kind.model is Benchmark:
            item.latest = latest.get(item.pk)


def plan_contents(mission: Mission, expand: int | None = None) -> dict[str, Any]:
    """The live plan of a mission, grouped for the page, in six or seven queries whatever its
    size (seven when the latest scores cannot be read from the readiness snapshot).

    A plan with more than ``EXPANDED_BENCHMARKS`` benchmarks shows one objective's
    benchmarks (``expand``, else the first) and the others collapsed, and loads only those
    shown: a page of 300 benchmarks with their controls weighed 800 kB and took most of a
    second to render.
    """
    phases = list(Phase.objects.filter(mission=mission, is_retired=False).order_by("order", "id"))
    objectives = list(
        Objective.objects.filter(mission=mission, is_retired=False)
        .annotate(benchmark_count=Count("benchmarks", filter=Q(benchmarks__is_retired=False)))
        .order_by("order", "id")
    )
    benchmark_count = sum(o.benchmark_count for o in objectives)
    collapsed = benchmark_count > EXPANDED_BENCHMARKS
    if collapsed and expand not in {o.pk for o in objectives if o.benchmark_count}:
        # The first objective with benchmarks is open, so the page shows some at once (and
        # costs the same queries whichever objective is open).
        expand = next(o.pk for o in objectives if o.benchmark_count)
    for objective in objectives:
        objective.expanded = not collapsed or objective.pk == expand
    shown_objectives = [o.pk for o in objectives if o.expanded]
    benchmarks = list(
        Benchmark.objects.filter(
            mission=mission, is_retired=False, objective_id__in=shown_objectives
        ).order_by("order", "id")
    )
    handover = list(
        HandoverItem.objects.filter(mission=mission, is_retired=False)
        .select_related("receiving_stakeholder")
        .order_by("order", "id")
    )
    by_objective: dict[int, list] = {}
    for benchmark in benchmarks:
        by_objective.setdefault(benchmark.objective_id, []).append(benchmark)
    for objective in objectives:
        objective.plan_benchmarks = by_objective.get(objective.pk, [])
    shown = benchmarks
    counts = _comment_counts(mission, shown)
    latest = _latest_scores(mission, shown)
    urls = RowUrls(mission)
    memo: dict = {}
    _annotate(phases, KINDS["phase"], counts, latest, urls, memo)
    _annotate(objectives, KINDS["objective"], counts, latest, urls, memo)
    _annotate(shown, KINDS["benchmark"], counts, latest, urls, memo)
    _annotate(handover, KINDS["handover-item"], counts, latest, urls, memo)
    phase_ids = {p.pk for p in phases}
    groups = [
        {"phase": phase, "objectives": [o for o in objectives if o.target_phase_id == phase.pk]}
        for phase in phases
    ]
    groups.append(
        {
            "phase": None,
            "objectives": [o for o in objectives if o.target_phase_id not in phase_ids],
        }
    )
    return {
        "phases": phases,
        "objectives": objectives,
        "groups": [g for g in groups if g["objectives"]],
        "handover_items": handover,
        "benchmark_count": benchmark_count,
        "collapsed": collapsed,
    }


def _one_row(kind: Kind, item, mission: Mission) -> None:
    """Comment count and latest score of a single re-rendered row (a few small queries)."""
    item.plan_kind = kind
    item.display = _display(item, kind, {})
    item.dom_id = f"{kind.slug}-{item.pk}"
    item.urls = RowUrls(mission).for_item(kind, item.pk)
    item.comment_count = Comment.objects.filter(
        mission_id=item.mission_id, target_type=kind.target_type, target_id=item.pk
    ).count()
    if kind.model is Benchmark:
        item.latest = _latest_scores(mission, [item]).get(item.pk)


# Pages -----------------------------------------------------------------------------------


def _can_edit(access) -> bool:
    return access.has("change_plan") and not access.mission.is_closed


def _new_form(kind: Kind, access, request) -> PlanItemForm:
    """An empty "add" form: a new phase goes last, a benchmark under ?objective= if given."""
    mission = access.mission
    initial = None
    if kind.model is Phase:
        last = Phase.objects.filter(mission=mission).order_by("-order").first()
        initial = {"order": (last.order if last else 0) + 1}
    elif kind.model is Benchmark and request.GET.get("objective", "").isdigit():
        initial = {"objective": request.GET["objective"]}
    return kind.form(mission=mission, prefix=f"new-{kind.slug}", initial=initial)


def _new_forms(access, request, open_kind, forms) -> dict[str, PlanItemForm]:
    """The "add" form that is open, if any. The closed ones load when opened (htmx), or
    open on a page of their own without JavaScript: four forms' choices cost five queries
    and a fifth of a large plan's render on every view."""
    kind = KINDS.get(open_kind or "") or next(
        (k for k in KINDS.values() if k.target_type == open_kind), None
    )
    shown = dict(forms or {})
    if kind is not None and kind.target_type not in shown:
        shown[kind.target_type] = _new_form(kind, access, request)
    return shown


def _expanded(request, item=None) -> int | None:
    """The objective whose benchmarks a collapsed plan shows: ?objective=, else the one of
    the benchmark just added, moved or edited."""
    if isinstance(item, Benchmark):
        return item.objective_id
    raw = request.GET.get("objective", "")
    return int(raw) if raw.isdigit() else None


def _render_page(
    request, access, *, forms=None, open_kind=None, status=200, note=None, expand=None
):
    context = {
        "access": access,
        "mission": access.mission,
        "can_edit": _can_edit(access),
        "note": note,
        "plan_path": reverse("missions:plan", args=[access.mission.code]),
        "row_text": row_text(),
    }
    context.update(plan_contents(access.mission, expand=expand or _expanded(request)))
    context["open_kind"] = open_kind or request.GET.get("add")
    if context["can_edit"]:
        context["new_forms"] = _new_forms(access, request, context["open_kind"], forms)
    return render(request, PAGE, context, status=status)


@vary_on_headers("HX-Request")
@mission_required()
def plan(request, access):
    """The transition plan; staff see the controls to change it (not on a closed mission).

    An htmx request for ?objective= (opening a collapsed objective) gets that objective's
    benchmarks alone; without JavaScript the link reloads the plan with them shown.
    """
    expand = _expanded(request)
    if expand is not None and request.htmx and not request.htmx.boosted:
        contents = plan_contents(access.mission, expand=expand)
        objective = next((o for o in contents["objectives"] if o.pk == expand), None)
        if objective is None:
            raise Http404(_("No such objective in this mission's plan."))
        context = {
            "access": access,
            "mission": access.mission,
            "can_edit": _can_edit(access),
            "item": objective,
            "row_text": row_text(),
        }
        return render(request, f"{PAGE}#objective-benchmarks", context)
    return _render_page(request, access)


def _plan_url(mission: Mission, anchor: str = "", item=None) -> str:
    """The plan, at an item; a benchmark's objective is shown open when the plan collapses."""
    url = reverse("missions:plan", args=[mission.code])
    if isinstance(item, Benchmark):
        url = f"{url}?{urlencode({'objective': item.objective_id})}"
    return f"{url}#{anchor}" if anchor else url


def _add_errors(form: PlanItemForm, error: ValidationError) -> None:
    for name, problems in error.message_dict.items():
        target = name if name in form.fields else None
        for problem in problems:
            form.add_error(target, problem)


def _create(kind: Kind, *, actor, mission: Mission, data: dict[str, Any]):
    if data.get("order") is None:
        last = (
            kind.model._default_manager.filter(mission=mission)
            .order_by("-order")
            .values_list("order", flat=True)
            .first()
        )
        data["order"] = (last or 0) + 1
    if kind.model is Phase:
        return services.phase_create(actor=actor, mission=mission, **data)
    if kind.model is Objective:
        return services.objective_create(actor=actor, mission=mission, **data)
    if kind.model is Benchmark:
        return services.benchmark_create(actor=actor, **data)
    return services.handover_item_create(actor=actor, mission=mission, **data)


@mission_required("change_plan", write=True)
def plan_item_new(request, access, kind):
    """Add a phase, objective, benchmark or handover item (GET: the plan with its form open)."""
    kind = _kind(kind)
    if request.method != "POST":
        access.require_writable()
        if request.htmx and not request.htmx.boosted:  # a closed "add" section, opened
            context = {
                "mission": access.mission,
                "slug": kind.slug,
                "title": kind.add_title,
                "form": _new_form(kind, access, request),
            }
            return render(request, "missions/_plan_new.html#add-form", context)
        return _render_page(request, access, open_kind=kind.slug)
    form = kind.form(request.POST, mission=access.mission, prefix=f"new-{kind.slug}")
    if form.is_valid():
        data = form.data_for_service()
        try:
            item = _create(kind, actor=request.user, mission=access.mission, data=data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            text = _("The %(kind)s “%(name)s” was added.") % {"kind": kind.label, "name": item}
            if request.htmx:  # the plan's body is swapped in place; say so inside it
                return _render_page(request, access, note=text, expand=_expanded(request, item))
            messages.success(request, text)
            return redirect(_plan_url(access.mission, f"{kind.slug}-{item.pk}", item))
    # htmx swaps only 2xx answers: the form comes back with its errors in the plan's body.
    return _render_page(
        request,
        access,
        forms={kind.target_type: form},
        open_kind=kind.slug,
        status=200 if request.htmx else 400,
    )


def _row(request, kind: Kind, item, access, *, status=200, note=None) -> HttpResponse:
    _one_row(kind, item, access.mission)
    context = {
        "item": item,
        "kind": kind,
        "mission": access.mission,
        "access": access,
        "can_edit": _can_edit(access),
        "note": note,
        "row_text": row_text(),
    }
    return render(request, ROW, context, status=status)


@mission_required()
def plan_item(request, access, kind, pk):
    """One item's row (htmx: "Cancel" on an edit form); without htmx, the plan at the item."""
    kind = _kind(kind)
    item = _item(kind, access.mission, pk)
    if not request.htmx:
        return redirect(_plan_url(access.mission, f"{kind.slug}-{item.pk}", item))
    return _row(request, kind, item, access)


def _conflict_rows(form: PlanItemForm, current) -> list[dict[str, str]]:
    """Field by field, the value stored now beside the one the person typed, where they differ."""
    stored = form.initial_from(current)
    rows = []
    for name in form.field_names:
        yours, theirs = form.cleaned_data.get(name), stored[name]
        if str(_key(yours)) == str(_key(theirs)):
            continue
        rows.append(
            {
                "label": form.fields[name].label,
                "current": form.display(name, theirs),
                "yours": form.display(name, yours),
            }
        )
    return rows


def _key(value: Any) -> Any:
    value = getattr(value, "pk", value)
    if isinstance(value, Decimal):
        return selectors.decimal_text(value)
    return "" if value is None else value


def _edit_response(request, access, kind: Kind, item, form, *, conflict=None, status=200):
    context = {
        "item": item,
        "kind": kind,
        "form": form,
        "mission": access.mission,
        "access": access,
        "conflict": conflict,
    }
    if request.htmx:
        return render(request, EDIT, context, status=200)
    return render(request, "missions/plan_edit_page.html", context, status=status)


@mission_required("change_plan", write=True)
def plan_item_edit(request, access, kind, pk):
    """Edit one item: GET the form (htmx: in place of its row), POST the change with its version."""
    kind = _kind(kind)
    access.require_writable()
    item = _item(kind, access.mission, pk)
    prefix = f"{kind.slug}-{item.pk}"
    if request.method != "POST":
        form = kind.form(
            mission=access.mission, prefix=prefix, initial=kind.form.initial_from(item)
        )
        return _edit_response(request, access, kind, item, form)
    form = kind.form(request.POST, mission=access.mission, prefix=prefix)
    if form.is_valid():
        data = form.data_for_service()
        try:
            item = services.record_update(
                actor=request.user, instance=item, data=data, version=form.cleaned_data["version"]
            )
        except StaleVersion:
            current = _item(kind, access.mission, pk)
            # The version field now carries the current version: saving again applies what
            # the person typed over the other change, knowingly.
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = current.version
            conflict = {
                "message": _(
                    "This %(kind)s was changed by someone else since you opened it. Your "
                    "changes are not saved yet: compare them with the current values below, "
                    "then save again to apply yours, or cancel to keep theirs."
                )
                % {"kind": kind.label},
                "rows": _conflict_rows(form, current),
            }
            return _edit_response(
                request, access, kind, current, form, conflict=conflict, status=409
            )
        except ValidationError as error:
            item = _item(kind, access.mission, pk)
            _add_errors(form, error)
        else:
            if request.htmx:
                return _row(request, kind, item, access, note=_("Saved."))
            messages.success(request, _("Your changes were saved."))
            return redirect(_plan_url(access.mission, f"{kind.slug}-{item.pk}", item))
    return _edit_response(request, access, kind, item, form, status=400)


@require_POST
@mission_required("change_plan", write=True)
def plan_item_move(request, access, kind, pk):
    """Move an item up or down among its siblings; the plan comes back re-ordered."""
    kind = _kind(kind)
    item = _item(kind, access.mission, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Say which way to move the item."), status=400)
    try:
        moved = services.plan_item_move(
            actor=request.user,
            item=item,
            siblings=kind.siblings(item),
            direction=form.cleaned_data["direction"],
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        text = _(
            "This %(kind)s was changed by someone else since you opened the page: "
            "here is the plan as it is now."
        ) % {"kind": kind.label}
    else:
        text = "" if moved else _("The %(kind)s is already at that end.") % {"kind": kind.label}
    if request.htmx:
        return _render_page(request, access, note=text, expand=_expanded(request, item))
    if text:
        messages.info(request, text)
    return redirect(_plan_url(access.mission, f"{kind.slug}-{item.pk}", item))


@require_POST
@mission_required("change_plan", write=True)
def plan_item_retire(request, access, kind, pk):
    """Retire an item: it leaves readiness and the plan, and stays in history."""
    kind = _kind(kind)
    item = _item(kind, access.mission, pk)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.plan_item_retire(actor=request.user, instance=item, version=version)
    except StaleVersion:
        text = _(
            "This %(kind)s was changed by someone else since you opened the page. "
            "Check it and retire it again if you still mean to."
        ) % {"kind": kind.label}
        if request.htmx:
            item = _item(kind, access.mission, pk)
            return _row(request, kind, item, access, note=text)
        messages.error(request, text)
        return redirect(_plan_url(access.mission, f"{kind.slug}-{item.pk}", item))
    text = _(
        "The %(kind)s “%(name)s” was retired. "
        "It no longer counts for readiness and stays in history."
    ) % {
        "kind": kind.label,
        "name": item,
    }
    if request.htmx:
        return render(
            request, "missions/_plan_retired.html", {"kind": kind, "item": item, "text": text}
        )
    messages.success(request, text)
    return redirect(_plan_url(access.mission))

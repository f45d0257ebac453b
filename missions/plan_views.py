"""The transition plan page: phases → objectives → benchmarks, and the handover register.

Staff (change_plan) create, edit, reorder and retire items. With htmx an edit swaps the
item's row for its form and back; creating and moving re-render the plan's body (the view
redirects and htmx selects ``#plan-body``). Without JavaScript the same URLs take plain
form posts and redirect. Every edit carries the item's ``version``: a stale one re-shows
the form with the current values beside what the person typed.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from assessments.selectors import (
    latest_counted_score_of_row,
    latest_score_parts,
    mission_today,
)
from exitplan.db import Compiled, instances, model_columns
from exitplan.errors import StaleVersion
from exitplan.fragments import Fragment, fields_of, render_fragments
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
PLAN_BODY = f"{PAGE}#plan-body"
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


# Counted in each item's own row of its query, written out: the ORM's subqueries cost a
# large plan's page more to build and compile than the queries took to run.
_COMMENT_COUNT_SQL = """(
SELECT COUNT(*) FROM {comment} c
WHERE c.mission_id = %s AND c.target_type = %s AND c.target_id = {item}.id)"""
_BENCHMARK_COUNT_SQL = """(
SELECT COUNT(*) FROM {benchmark} b WHERE b.objective_id = {objective}.id AND NOT b.is_retired)"""


def _comment_count(mission_id: int, kind: Kind) -> RawSQL:
    """Comments on each item of a query of ``kind`` (replies included): the (mission,
    target_type, target_id) index answers each row, with no query of its own."""
    sql = _COMMENT_COUNT_SQL.format(comment=Comment._meta.db_table, item=kind.model._meta.db_table)
    return RawSQL(sql, (mission_id, kind.target_type), output_field=IntegerField())


def _benchmark_count() -> RawSQL:
    """Live benchmarks of each objective of a query (a join and GROUP BY instead would
    count the comments' subquery once per benchmark joined)."""
    sql = _BENCHMARK_COUNT_SQL.format(
        benchmark=Benchmark._meta.db_table, objective=Objective._meta.db_table
    )
    return RawSQL(sql, (), output_field=IntegerField())


def _latest_of(benchmarks: list[Benchmark]) -> list[Benchmark]:
    """Each benchmark's latest counted score today (``latest``) from the text its query
    chose (``latest_counted_score_of_row``: a one-row subquery per shown benchmark that
    stops at the newest round scoring it, exact whether or not readiness was recomputed)."""
    for benchmark in benchmarks:
        found = latest_score_parts(benchmark.latest_score)
        benchmark.latest = None
        if found:
            figure = found["value"] if found.get("value") is not None else found.get("rating")
            benchmark.latest = {
                "figure": selectors.decimal_text(figure),
                "as_of": parse_date(str(found["as_of"])),
            }
    return benchmarks


# The plan's items, each kind in one query of a fixed shape, compiled once per connection
# (exitplan.db.Compiled): building and compiling them with the ORM cost a large plan's page
# more CPU than running them. Rows come back as model instances with their counts.
_MISSION, _OBJECTIVE, _DAY = -7_340_041, -7_340_042, datetime.date(1, 1, 2)
_PHASE_EXTRAS = ("comment_count",)
_OBJECTIVE_EXTRAS = ("benchmark_count", "comment_count")
_BENCHMARK_EXTRAS = ("comment_count", "latest_score")


def _items(model, extras: tuple[str, ...], rows: QuerySet) -> QuerySet:
    return rows.order_by("order", "id").values_list(*model_columns(model), *extras)


def _phases_query(mission: int) -> QuerySet:
    rows = Phase.objects.filter(mission_id=mission, is_retired=False).annotate(
        comment_count=_comment_count(mission, KINDS["phase"])
    )
    return _items(Phase, _PHASE_EXTRAS, rows)


def _objectives_query(mission: int) -> QuerySet:
    rows = Objective.objects.filter(mission_id=mission, is_retired=False).annotate(
        benchmark_count=_benchmark_count(),
        comment_count=_comment_count(mission, KINDS["objective"]),
    )
    return _items(Objective, _OBJECTIVE_EXTRAS, rows)


def _benchmarks_query(mission: int, day: datetime.date, objective: int | None = None) -> QuerySet:
    """The live benchmarks of live objectives, or of one objective (a collapsed plan)."""
    rows = Benchmark.objects.filter(mission_id=mission, is_retired=False)
    if objective is None:
        rows = rows.filter(objective__is_retired=False)
    else:
        rows = rows.filter(objective_id=objective)
    rows = rows.annotate(
        comment_count=_comment_count(mission, KINDS["benchmark"]),
        latest_score=latest_counted_score_of_row(mission, day),
    )
    return _items(Benchmark, _BENCHMARK_EXTRAS, rows)


_PHASES = Compiled(_phases_query, mission=_MISSION)
_OBJECTIVES = Compiled(_objectives_query, mission=_MISSION)
_ALL_BENCHMARKS = Compiled(_benchmarks_query, mission=_MISSION, day=_DAY)
_BENCHMARKS_OF = Compiled(_benchmarks_query, mission=_MISSION, day=_DAY, objective=_OBJECTIVE)


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


def _annotate(items, kind: Kind) -> None:
    """What each row's cache key and the page around the rows read: cheap, for every row."""
    for item in items:
        item.plan_kind = kind
        item.dom_id = f"{kind.slug}-{item.pk}"


def _dress(item, urls: RowUrls, memo: dict) -> None:
    """What only a row's template reads (its words and URLs): for the rows not in the cache."""
    item.display = _display(item, item.plan_kind, memo)
    item.urls = urls.for_item(item.plan_kind, item.pk)


def plan_contents(mission: Mission, expand: int | None = None) -> dict[str, Any]:
    """The live plan of a mission, grouped for the page, in four queries whatever its size:
    the comment counts and the benchmarks' latest scores come in the items' own queries.

    A plan with more than ``EXPANDED_BENCHMARKS`` benchmarks shows one objective's
    benchmarks (``expand``, else the first) and the others collapsed, and loads only those
    shown: a page of 300 benchmarks with their controls weighed 800 kB and took most of a
    second to render.
    """
    phases = instances(Phase, _PHASES.rows(mission=mission.pk), _PHASE_EXTRAS)
    objectives = instances(Objective, _OBJECTIVES.rows(mission=mission.pk), _OBJECTIVE_EXTRAS)
    benchmark_count = sum(o.benchmark_count for o in objectives)
    collapsed = benchmark_count > EXPANDED_BENCHMARKS
    if collapsed and expand not in {o.pk for o in objectives if o.benchmark_count}:
        # The first objective with benchmarks is open, so the page shows some at once (and
        # costs the same queries whichever objective is open).
        expand = next(o.pk for o in objectives if o.benchmark_count)
    for objective in objectives:
        objective.expanded = not collapsed or objective.pk == expand
    today = mission_today(mission)
    if collapsed:
        rows = _BENCHMARKS_OF.rows(mission=mission.pk, day=today, objective=expand)
    else:
        rows = _ALL_BENCHMARKS.rows(mission=mission.pk, day=today)
    benchmarks = _latest_of(instances(Benchmark, rows, _BENCHMARK_EXTRAS))
    handover = list(
        HandoverItem.objects.filter(mission=mission, is_retired=False)
        .select_related("receiving_stakeholder")
        .annotate(comment_count=_comment_count(mission.pk, KINDS["handover-item"]))
        .order_by("order", "id")
    )
    by_objective: dict[int, list] = {}
    for benchmark in benchmarks:
        by_objective.setdefault(benchmark.objective_id, []).append(benchmark)
    for objective in objectives:
        objective.plan_benchmarks = by_objective.get(objective.pk, [])
    _annotate(phases, KINDS["phase"])
    _annotate(objectives, KINDS["objective"])
    _annotate(benchmarks, KINDS["benchmark"])
    _annotate(handover, KINDS["handover-item"])
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
    item.comment_count = Comment.objects.filter(
        mission_id=item.mission_id, target_type=kind.target_type, target_id=item.pk
    ).count()
    if kind.model is Benchmark:
        scored = Benchmark.objects.filter(pk=item.pk).annotate(
            latest_score=latest_counted_score_of_row(mission.pk, mission_today(mission))
        )
        item.latest = _latest_of(list(scored))[0].latest
    _annotate([item], kind)
    _dress(item, RowUrls(mission), {})


# The text of templates the rows include: a change to it changes the rows' cache keys.
ROW_INCLUDES = ("missions/_endorsement_slot.html",)
# After an objective's row: its benchmarks collapsed, or the note that it has none.
OBJECTIVE_TAIL = "missions/_plan_objective_tail.html"


def _row_key(item, *, mission: Mission, can_edit: bool) -> tuple:
    """Everything a row of the page shows: the item's stored values and what is counted or
    joined for it (exitplan.fragments keeps the rendered row under it)."""
    kind = item.plan_kind
    key = (kind.slug, mission.code, can_edit, str(item), fields_of(item), item.comment_count)
    if kind.model is Benchmark:
        return (*key, item.latest)
    if kind.model is HandoverItem:
        receiver = item.receiving_stakeholder
        return (*key, receiver.name if receiver else None)
    if kind.model is Objective:
        return (*key, item.benchmark_count, item.expanded)
    return key


def _row_fragments(items, *, mission: Mission, can_edit: bool) -> list[Fragment]:
    """The items' rows, to be read from the cache or rendered (exitplan.fragments)."""
    urls = RowUrls(mission)
    memo: dict = {}
    words: dict[str, str] = {}
    plan_path = reverse("missions:plan", args=[mission.code])

    def context_of(item):
        def build() -> dict[str, Any]:
            _dress(item, urls, memo)
            if not words:
                words.update(row_text())
            return {
                "item": item,
                "kind": item.plan_kind,
                "mission": mission,
                "can_edit": can_edit,
                "row_text": words,
                "plan_path": plan_path,
            }

        return build

    return [
        Fragment(
            (ROW, OBJECTIVE_TAIL) if item.plan_kind.model is Objective else (ROW,),
            _row_key(item, mission=mission, can_edit=can_edit),
            context_of(item),
            includes=ROW_INCLUDES,
        )
        for item in items
    ]


def _show_rows(items, fragments: list[Fragment]) -> None:
    for item, fragment in zip(items, fragments, strict=True):
        item.html = fragment.html


def plan_rows_render(request, items, *, mission: Mission, can_edit: bool) -> None:
    """Set each item's row (``item.html``), read from the cache, the missing ones rendered:
    a large plan's sixty-odd rows were most of its page's time."""
    fragments = _row_fragments(items, mission=mission, can_edit=can_edit)
    render_fragments(request, fragments)
    _show_rows(items, fragments)


def _body_key(contents: dict[str, Any], *, mission: Mission, can_edit: bool) -> tuple:
    """What the plan's body shows besides its rows (whose keys its own key holds)."""
    groups = tuple(
        (g["phase"].pk if g["phase"] else None, tuple(o.pk for o in g["objectives"]))
        for g in contents["groups"]
    )
    return (mission.code, can_edit, contents["collapsed"], contents["benchmark_count"], groups)


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
    mission = access.mission
    can_edit = _can_edit(access)
    context = {"access": access, "mission": mission, "can_edit": can_edit, "note": note}
    contents = plan_contents(mission, expand=expand or _expanded(request))
    context.update(contents)
    context["open_kind"] = open_kind or request.GET.get("add")
    context["new_forms"] = (
        _new_forms(access, request, context["open_kind"], forms) if can_edit else {}
    )
    items = [
        *contents["phases"],
        *contents["objectives"],
        *(b for o in contents["objectives"] for b in o.plan_benchmarks),
        *contents["handover_items"],
    ]
    rows = _row_fragments(items, mission=mission, can_edit=can_edit)
    if note or context["new_forms"]:  # what this response alone shows: not kept
        render_fragments(request, rows)
        _show_rows(items, rows)
        return render(request, PAGE, context, status=status)

    def body_context() -> dict[str, Any]:
        _show_rows(items, rows)  # rendered or read just before, being missing too
        return context

    # The body with its rows, kept whole: one read of the cache when nothing changed.
    body = Fragment(
        (PLAN_BODY,),
        _body_key(contents, mission=mission, can_edit=can_edit),
        body_context,
        includes=("missions/_plan_new.html",),
        children=rows,
    )
    render_fragments(request, [body])
    context["plan_body"] = body.html
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
        can_edit = _can_edit(access)
        plan_rows_render(
            request, objective.plan_benchmarks, mission=access.mission, can_edit=can_edit
        )
        context = {"mission": access.mission, "item": objective}
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

import copy
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.vary import vary_on_headers

from assessments.selectors import mission_today
from assessments.services import readiness_current, readiness_what_if
from exitplan.errors import Conflict, StaleVersion
from exitplan.fragments import Fragment, fields_of, render_fragments

from . import charts, selectors, services
from .access import mission_required
from .forms import MemberAddForm, MemberChangeForm, VersionForm
from .models import Benchmark, Membership

DASHBOARD = "missions/mission_detail.html"
TREND = "missions/_dashboard_trend.html"
SCORES_PER_PAGE = 25
EVENTS_PER_PAGE = 50
# Up to this many benchmarks the what-if form is part of the dashboard; beyond, it opens on
# demand (300 inputs were half of a large mission's dashboard, for a tool used now and then).
WHAT_IF_INLINE_BENCHMARKS = 60
# The what-if service names an error by the score's position: scores[2].rating.
SCORE_KEY = re.compile(r"^scores\[(\d+)\]")


def _sparkline(row: selectors.MissionRow) -> dict[str, str]:
    values = row.trend
    if not values:
        return {"svg": "", "text": ""}
    text = _("Readiness over the last %(count)s computations: from %(first)s to %(last)s.") % {
        "count": len(values),
        "first": number_format(values[0], 1),
        "last": number_format(values[-1], 1),
    }
    svg = charts.sparkline(
        values,
        uid=f"spark-{row.mission.pk}",
        title=_("Readiness trend of %(mission)s") % {"mission": row.mission.name},
        desc=text,
    )
    return {"svg": svg, "text": text}


@login_required
def mission_list(request):
    """The missions the signed-in person holds a role in, each with its readiness at a glance."""
    rows = selectors.mission_list_rows(user=request.user)
    return render(
        request,
        "missions/mission_list.html",
        {"missions": [(row, _sparkline(row)) for row in rows]},
    )


def _date_label(span_days: int):
    """Month and year over long spans (ticks months apart), the full short date otherwise."""
    form = "M Y" if span_days > 180 else "SHORT_DATE_FORMAT"
    return lambda day: date_format(day, form)


def _trend_chart(trend: list[selectors.TrendPoint], threshold: int | None, mission) -> str:
    points = [(p.as_of, p.readiness) for p in trend]
    if not points:
        return ""
    references = []
    if threshold is not None:
        references.append(
            charts.Reference(threshold, _("Last gate: %(threshold)s") % {"threshold": threshold})
        )
    first, last = points[0], points[-1]
    return charts.line_chart(
        points,
        uid="trend",
        title=_("Readiness of %(mission)s over time") % {"mission": mission.name},
        desc=ngettext(
            "%(count)s date from %(first_date)s (%(first)s) to %(last_date)s (%(last)s), "
            "on a scale of 0 to 100.",
            "%(count)s dates from %(first_date)s (%(first)s) to %(last_date)s (%(last)s), "
            "on a scale of 0 to 100.",
            len(points),
        )
        % {
            "count": len(points),
            "first_date": date_format(first[0], "DATE_FORMAT"),
            "first": number_format(first[1], 1),
            "last_date": date_format(last[0], "DATE_FORMAT"),
            "last": number_format(last[1], 1),
        },
        y_ticks=[0, 25, 50, 75, 100],
        format_x=_date_label((last[0] - first[0]).days),
        format_y=lambda value: number_format(value, 0),
        references=references,
    )


def _trend_rows(trend: list[selectors.TrendPoint]) -> list[dict[str, Any]]:
    """The trend's table, newest first, each value formatted once."""
    return [
        {
            "date": date_format(p.as_of, "DATE_FORMAT"),
            "readiness": floatformat(p.readiness, 1),
            "confidence": round(p.confidence * 100),
        }
        for p in reversed(trend)
    ]


def _dashboard_fragments(request, access, figures: dict, dashboard: selectors.Dashboard):
    """The dashboard's cards but the what-if panel, kept rendered in the fragments' cache
    (exitplan.fragments) under keys of what they show.

    Readiness, the trend and projection, the gates and blockers are the latest snapshot's
    (append-only: its id names the trend's snapshots too); the other rows are keyed by all
    their stored values and what other rows lend them. The trend's query runs only when
    its card is missing.
    """
    mission = access.mission
    snapshot = (figures["snapshot_id"], figures["computed"])
    card = {
        "d": dashboard,
        "mission": mission,
        "access": access,
        "confidence_percent": round(figures["confidence"] * 100),
        "as_of": parse_date(figures["as_of"]),
    }

    def trend_context() -> dict[str, Any]:
        trend = selectors.readiness_trend(mission=mission)
        return card | {
            "trend_rows": _trend_rows(trend),
            "trend_chart": _trend_chart(trend, dashboard.threshold, mission),
            "threshold": dashboard.threshold,
        }

    shown = {
        "readiness": (snapshot, dashboard.recomputing),
        "blockers": (snapshot, dashboard.blockers, dashboard.blocker_count),
        "phases": (snapshot, [(fields_of(g.phase), g) for g in dashboard.gates]),
        "consultations": (
            [fields_of(c) for c in dashboard.consultations],
            "manage_consultations" in access.perms,
        ),
        "comments": [(fields_of(c), c.author_name, c.item_title) for c in dashboard.comments],
    }
    fragments = {
        "trend": Fragment(
            [TREND],
            key=(fields_of(mission), snapshot, dashboard.threshold),
            context=trend_context,
        )
    }
    for name, values in shown.items():
        fragments[name] = Fragment(
            [f"missions/_dashboard_{name}.html"],
            key=(fields_of(mission), values),
            context=lambda: card,
        )
    render_fragments(request, list(fragments.values()))
    return {name: fragment.html for name, fragment in fragments.items()}


class WhatIfForm(forms.Form):
    """One optional field per benchmark, filled with its latest counted score.

    Only the fields changed from that score are sent to ``readiness_what_if``: sending an
    unchanged score again would date it today and hide that the real one is out of date.
    """

    def __init__(
        self, *args, benchmarks: list[selectors.PlanBenchmark], latest: dict[str, dict], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.benchmarks = benchmarks
        self.latest: dict[int, Decimal | None] = {}
        # A plan may have 300 benchmarks: each field is a shallow copy of one of two built
        # here, the hints' words are translated once, and each score date formatted once.
        prototypes = {True: self._prototype(quantitative=True), False: self._prototype()}
        self._words = {
            "scale": _("Baseline %(baseline)s, target %(target)s %(unit)s."),
            "rating": _("A rating from 1 (not at all) to 4 (fully)."),
            "none": _("No score yet."),
            "latest": _("Latest: %(value)s on %(date)s."),
        }
        self._dates: dict[str, str] = {}
        for benchmark in benchmarks:
            entry = (latest.get(benchmark.code) or {}).get("latest") or {}
            quantitative = benchmark.kind == Benchmark.Kind.QUANTITATIVE
            stored = entry.get("value" if quantitative else "rating")
            self.latest[benchmark.pk] = Decimal(stored) if stored is not None else None
            field = copy.copy(prototypes[quantitative])
            field.label = benchmark.title
            field.initial = selectors.decimal_text(stored)
            field.help_text = self._hint(benchmark, stored, self._date(entry.get("as_of")))
            field.benchmark = benchmark
            self.fields[self.field_name(benchmark)] = field

    @staticmethod
    def _prototype(*, quantitative: bool = False) -> forms.DecimalField:
        attrs = {"step": "any", "inputmode": "decimal"}
        if quantitative:
            field = forms.DecimalField(max_digits=18, decimal_places=4)
        else:
            attrs.update(min="1", max="4")
            field = forms.DecimalField(
                max_digits=6,
                decimal_places=4,
                min_value=1,
                max_value=4,
                error_messages={
                    "min_value": gettext_lazy("Give a rating from 1 to 4."),
                    "max_value": gettext_lazy("Give a rating from 1 to 4."),
                },
            )
        field.required = False
        field.rated = not quantitative
        field.widget = forms.NumberInput(attrs=attrs)
        return field

    @staticmethod
    def field_name(benchmark: selectors.PlanBenchmark) -> str:
        return f"benchmark-{benchmark.pk}"

    def _date(self, as_of: str | None) -> str:
        if not as_of:
            return "—"
        if as_of not in self._dates:
            self._dates[as_of] = date_format(parse_date(as_of), "DATE_FORMAT")
        return self._dates[as_of]

    def _hint(self, benchmark: selectors.PlanBenchmark, stored, as_of: str) -> str:
        if benchmark.kind == Benchmark.Kind.QUANTITATIVE:
            scale = self._words["scale"] % {
                "baseline": selectors.decimal_text(benchmark.baseline),
                "target": selectors.decimal_text(benchmark.target),
                "unit": benchmark.unit,
            }
        else:
            scale = self._words["rating"]
        if stored is None:
            return f"{self._words['none']} {scale}"
        latest = self._words["latest"] % {"value": selectors.decimal_text(stored), "date": as_of}
        return f"{latest} {scale}"

    def groups(self) -> list[tuple[Any, list[dict[str, Any]]]]:
        """The fields grouped by objective, in the plan's order, as what the template writes
        out (plain values: a template looks a dict up fastest, and a plan may have 300)."""
        groups: list[tuple[Any, list[dict[str, Any]]]] = []
        for benchmark in self.benchmarks:
            if not groups or groups[-1][0].pk != benchmark.objective_id:
                groups.append((benchmark.objective, []))
            bound = self[self.field_name(benchmark)]
            value = bound.value()
            groups[-1][1].append(
                {
                    "id": bound.auto_id,
                    "name": bound.html_name,
                    "label": bound.label,
                    "help": bound.help_text,
                    "value": "" if value is None else str(value),
                    "errors": bound.errors if self.is_bound else None,
                    "rated": bound.field.rated,
                }
            )
        return groups

    def changed_scores(self) -> list[tuple[selectors.PlanBenchmark, dict[str, Any]]]:
        """(benchmark, score row) for each field whose value differs from the latest score."""
        rows = []
        for benchmark in self.benchmarks:
            given = self.cleaned_data.get(self.field_name(benchmark))
            if given is None or given == self.latest[benchmark.pk]:
                continue
            key = "value" if benchmark.kind == Benchmark.Kind.QUANTITATIVE else "rating"
            rows.append((benchmark, {"benchmark": benchmark.code, key: given}))
        return rows

    def clean(self):
        data = super().clean()
        if not self.errors and not self.changed_scores():
            raise ValidationError(_("Change at least one value to see what it would do."))
        return data


def _what_if(form: WhatIfForm, *, mission, figures, phases):
    """Run the what-if for the changed fields; service errors go back to their field."""
    changed = form.changed_scores()
    try:
        result = readiness_what_if(
            mission=mission, as_of=mission_today(mission), scores=[row for _b, row in changed]
        )
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            match = SCORE_KEY.match(key)
            index = int(match[1]) if match else -1
            name = form.field_name(changed[index][0]) if 0 <= index < len(changed) else None
            for problem in problems:
                form.add_error(name, problem)
        return None
    return selectors.what_if_comparison(
        current=figures, what_if=result, phases=phases, changed=[b for b, _row in changed]
    )


def _what_if_partial(request, context: dict[str, Any], form: WhatIfForm | None) -> HttpResponse:
    """The ``#what-if-result`` partial; the form comes along out of band when its inline
    errors change (it has some now, or showed some before this request)."""
    html = render_to_string(f"{DASHBOARD}#what-if-result", context, request=request)
    if form is not None and (form.errors or request.POST.get("had_errors")):
        html += render_to_string(
            f"{DASHBOARD}#what-if-form", {**context, "oob": True}, request=request
        )
    return HttpResponse(html)


def _dashboard_figures(mission, *, with_benchmarks: bool) -> dict:
    """The latest snapshot as the dashboard shows it; the first visit computes and stores it."""
    figures = selectors.dashboard_figures(mission=mission, with_benchmarks=with_benchmarks)
    if figures is None:
        readiness_current(mission=mission)
        figures = selectors.dashboard_figures(mission=mission, with_benchmarks=with_benchmarks)
    return figures


@vary_on_headers("HX-Request")
@mission_required()
def mission_detail(request, access):
    """The mission's dashboard: readiness, trend, projection, blockers, gates, what if.

    A POST runs the what-if panel and stores nothing (readers may use it, closed missions
    too). An htmx request that is not boosted gets the ``#what-if-result`` partial; without
    JavaScript the POST renders the whole page with the result.
    """
    mission = access.mission
    # A large plan's what-if form (an input per benchmark) opens on demand: ?what_if=open,
    # loaded by htmx when its section is opened, or as the whole page without JavaScript.
    benchmarks = selectors.plan_benchmarks(mission=mission)
    opened = (
        request.method == "POST"
        or len(benchmarks) <= WHAT_IF_INLINE_BENCHMARKS
        or "what_if" in request.GET
    )
    phases = selectors.plan_phases(mission=mission)
    # The snapshot's per-benchmark list is most of it: read only for the what-if form.
    figures = _dashboard_figures(mission, with_benchmarks=opened)
    form = None
    if opened:
        form = WhatIfForm(
            request.POST if request.method == "POST" else None,
            benchmarks=benchmarks,
            latest=selectors.latest_by_code(figures),
        )
    what_if = None
    if request.method == "POST" and form.is_valid():
        what_if = _what_if(form, mission=mission, figures=figures, phases=phases)
    context = {
        "access": access,
        "mission": mission,
        "form": form,
        "what_if": what_if,
        "benchmark_count": len(benchmarks),
    }
    if request.htmx and not request.htmx.boosted:
        if request.method == "GET" and form is not None and "what_if" in request.GET:
            return HttpResponse(
                render_to_string(f"{DASHBOARD}#what-if-form", context, request=request)
            )
        return _what_if_partial(request, context, form)
    dashboard = selectors.mission_dashboard(
        access=access, figures=figures, phases=phases, benchmarks=benchmarks, now=timezone.now()
    )
    context.update(
        dashboard=dashboard, fragments=_dashboard_fragments(request, access, figures, dashboard)
    )
    return render(request, DASHBOARD, context, status=400 if form and form.errors else 200)


def _tick_label(value: float) -> str:
    """A tick as people write it: 2,500 and 0.5, not 2500.0 and 0.5000."""
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(value, 4), force_grouping=True)


def _score_chart(benchmark: Benchmark, points) -> str:
    if not points:
        return ""
    quantitative = benchmark.kind == Benchmark.Kind.QUANTITATIVE
    references = []
    if quantitative:
        values = [v for _d, v in points] + [float(benchmark.baseline), float(benchmark.target)]
        ticks = charts.nice_ticks(min(values), max(values))
        references = [
            charts.Reference(float(benchmark.target), _("Target"), "target"),
            charts.Reference(float(benchmark.baseline), _("Baseline"), "baseline"),
        ]
    else:
        ticks = [1, 2, 3, 4]
    first, last = points[0], points[-1]
    return charts.line_chart(
        points,
        uid="scores",
        title=_("Scores of %(benchmark)s over time") % {"benchmark": benchmark.title},
        desc=ngettext(
            "%(count)s counted score from %(first_date)s (%(first)s) to %(last_date)s (%(last)s).",
            "%(count)s counted scores from %(first_date)s (%(first)s) to %(last_date)s (%(last)s).",
            len(points),
        )
        % {
            "count": len(points),
            "first_date": date_format(first[0], "DATE_FORMAT"),
            "first": selectors.decimal_text(first[1]),
            "last_date": date_format(last[0], "DATE_FORMAT"),
            "last": selectors.decimal_text(last[1]),
        },
        y_ticks=ticks,
        format_x=_date_label((last[0] - first[0]).days),
        format_y=_tick_label,
        references=references,
    )


@mission_required()
def benchmark_detail(request, access, pk):
    """One benchmark: its fields, and its scores as a chart and a paginated table.

    Everyone who may see the mission sees the counted scores; drafts only with
    log_assessment (DESIGN.md).
    """
    benchmark = selectors.benchmark_for_page(mission=access.mission, pk=pk)
    if benchmark is None:
        raise Http404(_("No such benchmark in this mission."))
    with_drafts = access.has("log_assessment")
    scores = Paginator(
        selectors.benchmark_scores(benchmark=benchmark, with_drafts=with_drafts), SCORES_PER_PAGE
    ).get_page(request.GET.get("page"))
    quantitative = benchmark.kind == Benchmark.Kind.QUANTITATIVE
    score_rows = [
        {
            "score": score,
            "figure": selectors.decimal_text(score.value if quantitative else score.rating),
            "author": selectors.person_name(score.assessment.author),
        }
        for score in scores.object_list
    ]
    entry = selectors.latest_by_code(readiness_current(mission=access.mission)).get(benchmark.code)
    flags = [
        {"code": flag, "label": selectors.BENCHMARK_FLAGS.get(flag, flag)}
        for flag in (entry or {}).get("flags", [])
    ]
    return render(
        request,
        "missions/benchmark_detail.html",
        {
            "access": access,
            "mission": access.mission,
            "benchmark": benchmark,
            "baseline": selectors.decimal_text(benchmark.baseline),
            "target": selectors.decimal_text(benchmark.target),
            "lower_is_better": quantitative and benchmark.target < benchmark.baseline,
            "weight": selectors.decimal_text(benchmark.weight),
            "responsible": selectors.person_name(benchmark.responsible)
            if benchmark.responsible_id
            else None,
            "readiness": entry,
            "progress_percent": round(entry["progress"] * 100) if entry else None,
            "flags": flags,
            "chart": _score_chart(benchmark, selectors.benchmark_score_points(benchmark=benchmark)),
            "scores": scores,
            "score_rows": score_rows,
            "with_drafts": with_drafts,
        },
    )


def _history_filter(query) -> tuple[str | None, int | None]:
    target_type = query.get("target_type") or None
    if target_type and not target_type.replace("_", "").isalpha():
        target_type = None
    raw_id = query.get("target_id") or ""
    target_id = int(raw_id) if raw_id.isdigit() else None
    return target_type, target_id


@mission_required("view_history")
def mission_history(request, access):
    """The audit trail, newest first: the mission's, or one item's (?target_type=&target_id=)."""
    target_type, target_id = _history_filter(request.GET)
    events = selectors.history_events(
        mission=access.mission, target_type=target_type, target_id=target_id
    )
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    title = (
        selectors.history_target_title(
            mission=access.mission, target_type=target_type, target_id=target_id
        )
        if target_type and target_id is not None
        else None
    )
    query = {"target_type": target_type, "target_id": target_id}
    return render(
        request,
        "missions/mission_history.html",
        {
            "access": access,
            "mission": access.mission,
            "page": page,
            "rows": selectors.history_rows(page.object_list, access),
            "target_type": target_type,
            "target_type_label": selectors.TARGET_TYPES.get(target_type or "", target_type),
            "target_id": target_id,
            "target_title": title,
            "filter_query": urlencode({k: v for k, v in query.items() if v is not None}),
        },
    )


def _member_rows(access):
    return (
        Membership.objects.filter(mission=access.mission)
        .select_related("user", "invited_by", "stakeholder")
        .order_by("user__name", "user__email")
    )


@mission_required("view_members")
def member_list(request, access):
    """Who belongs to the mission; admins add, change and remove members here."""
    form = MemberAddForm(request.POST or None, mission=access.mission)
    if request.method == "POST":
        access.require("manage_members")
        access.require_writable()
        if form.is_valid():
            try:
                membership = services.member_add(
                    actor=request.user, mission=access.mission, **form.cleaned_data
                )
            except (Conflict, ValidationError) as error:
                form.add_error(
                    None,
                    error.messages if isinstance(error, ValidationError) else str(error.detail),
                )
            else:
                messages.success(request, _("%(name)s was added.") % {"name": membership.user})
                return redirect("missions:members", code=access.mission.code)
    rows = [
        (
            m,
            MemberChangeForm(
                initial={"role": m.role, "stakeholder": m.stakeholder_id, "version": m.version},
                mission=access.mission,
                prefix=f"m{m.pk}",
            ),
        )
        for m in _member_rows(access)
    ]
    can_manage = access.has("manage_members") and not access.mission.is_closed
    if can_manage:
        # One query for the stakeholder choices, shared by every row's form (not one each).
        choices = list(form.fields["stakeholder"].choices)
        for _member, change_form in rows:
            change_form.fields["stakeholder"].choices = choices
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "missions/member_list.html",
        {
            "access": access,
            "mission": access.mission,
            "rows": rows,
            "form": form,
            "can_manage": can_manage,
        },
        status=status,
    )


@mission_required("manage_members", write=True)
def member_change(request, access, pk):
    """Change one member's role (POST only)."""
    membership = get_object_or_404(Membership, pk=pk, mission=access.mission)
    if request.method != "POST":
        return redirect("missions:members", code=access.mission.code)
    form = MemberChangeForm(request.POST, mission=access.mission, prefix=f"m{pk}")
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.membership_update(
                actor=request.user, membership=membership, version=version, **data
            )
        except (Conflict, StaleVersion) as error:
            messages.error(request, str(getattr(error, "detail", error)))
        else:
            messages.success(
                request, _("The role of %(name)s was changed.") % {"name": membership.user}
            )
    else:
        messages.error(request, _("Choose a role and try again."))
    return redirect("missions:members", code=access.mission.code)


@mission_required("manage_members", write=True)
def member_remove(request, access, pk):
    """Remove a member (POST only): their access ends on their next request."""
    membership = get_object_or_404(Membership, pk=pk, mission=access.mission)
    if request.method != "POST":
        return redirect("missions:members", code=access.mission.code)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.membership_delete(actor=request.user, membership=membership, version=version)
    except (Conflict, StaleVersion) as error:
        messages.error(request, str(getattr(error, "detail", error)))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": membership.user})
    return redirect("missions:members", code=access.mission.code)

from functools import cache

from django.apps import apps
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from exitplan.admin import (
    SAVE_ERRORS,
    ReadOnlyAdmin,
    ReadOnlyInline,
    RetirableAdminMixin,
    ServiceAdmin,
    ServiceInline,
    error_text,
    fields_of,
    people_of,
    pretty_json,
)

from .audit import target_type_of
from .models import (
    AuditEvent,
    Benchmark,
    HandoverItem,
    Membership,
    Mission,
    Objective,
    Phase,
    PhaseEndorsement,
    Subscription,
)
from .services import (
    benchmark_create,
    handover_item_create,
    membership_create,
    membership_delete,
    membership_update,
    mission_create,
    objective_create,
    phase_create,
)

RECORD = (
    _("Record"),
    {"fields": ("version", "created_at", "updated_at"), "classes": ("collapse",)},
)


def create_mission(*, actor, instance):
    return mission_create(actor=actor, **fields_of(instance))


def create_membership(*, actor, instance):
    return membership_create(
        actor=actor,
        mission=instance.mission,
        user=instance.user,
        role=instance.role,
        stakeholder=instance.stakeholder,
    )


def update_membership(*, actor, instance, data, version):
    return membership_update(actor=actor, membership=instance, version=version, **data)


def delete_membership(*, actor, instance):
    membership_delete(actor=actor, membership=instance)


def create_phase(*, actor, instance):
    return phase_create(
        actor=actor, mission=instance.mission, **fields_of(instance, exclude={"mission"})
    )


def create_objective(*, actor, instance):
    return objective_create(
        actor=actor, mission=instance.mission, **fields_of(instance, exclude={"mission"})
    )


def create_benchmark(*, actor, instance):
    return benchmark_create(
        actor=actor, objective=instance.objective, **fields_of(instance, exclude={"objective"})
    )


def create_handover_item(*, actor, instance):
    return handover_item_create(
        actor=actor, mission=instance.mission, **fields_of(instance, exclude={"mission"})
    )


class PhaseInline(ServiceInline):
    model = Phase
    create_service = staticmethod(create_phase)
    fields = (
        "order",
        "kind",
        "name",
        "planned_start",
        "planned_end",
        "status",
        "gate_threshold",
        "requires_endorsement",
        "is_retired",
    )
    readonly_fields = ("is_retired",)


class ObjectiveInline(ServiceInline):
    model = Objective
    create_service = staticmethod(create_objective)
    fields = ("order", "category", "title", "weight", "target_phase", "is_retired")
    readonly_fields = ("is_retired",)
    scoped_choices = {"target_phase": lambda mission: Phase.objects.filter(mission=mission)}


@admin.register(Mission)
class MissionAdmin(ServiceAdmin):
    """Missions; whoever creates one here becomes its first admin."""

    create_service = staticmethod(create_mission)
    list_display = (
        "code",
        "name",
        "country",
        "status",
        "exit_approach",
        "mandate_start",
        "planned_exit",
    )
    list_display_links = ("code", "name")
    list_filter = ("status", "exit_approach", "country")
    search_fields = ("code", "name", "country")
    ordering = ("code",)
    date_hierarchy = "mandate_start"
    fieldsets = (
        (None, {"fields": ("code", "name", "country", "timezone")}),
        (_("Exit"), {"fields": ("mandate_start", "planned_exit", "status", "exit_approach")}),
        RECORD,
    )
    inlines = [PhaseInline, ObjectiveInline]

    def get_readonly_fields(self, request, obj=None):
        # The code is in every link to the mission: fixed once the mission exists.
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "code") if obj is not None else fields


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """Who has which role in a mission; the permission grants follow through the services.

    Demoting or removing a mission's last admin is refused (the services' rule).
    """

    create_service = staticmethod(create_membership)
    update_service = staticmethod(update_membership)
    delete_service = staticmethod(delete_membership)
    list_display = ("user", "mission", "role", "stakeholder", "invited_by", "created_at")
    list_filter = ("mission", "role")
    list_select_related = ("user", "mission", "stakeholder", "invited_by")
    search_fields = ("user__email", "user__name", "mission__code", "stakeholder__name")
    autocomplete_fields = ("user", "mission", "stakeholder")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("user", "mission", "role", "stakeholder", "invited_by")}),
        RECORD,
    )
    actions = ["remove_selected"]

    def get_readonly_fields(self, request, obj=None):
        # Another person or mission is another membership.
        fixed = ("user", "mission") if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed, "invited_by")

    @admin.action(description=_("Remove selected members"), permissions=["delete"])
    def remove_selected(self, request, queryset):
        done = 0
        for membership in queryset.select_related("user", "mission"):
            try:
                membership_delete(actor=request.user, membership=membership)
            except SAVE_ERRORS as error:
                messages.error(
                    request,
                    gettext("%(member)s was not removed: %(reason)s")
                    % {"member": membership, "reason": error_text(error)},
                )
            else:
                done += 1
        if done:
            messages.success(
                request,
                ngettext("Removed %(count)d member.", "Removed %(count)d members.", done)
                % {"count": done},
            )


class EndorsementInline(ReadOnlyInline):
    model = PhaseEndorsement
    fields = ("stakeholder", "endorsed_by", "endorsed_at", "readiness", "withdrawn_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("phase", "stakeholder", "endorsed_by")


@admin.register(Phase)
class PhaseAdmin(RetirableAdminMixin, ServiceAdmin):
    create_service = staticmethod(create_phase)
    list_display = (
        "name",
        "order",
        "mission",
        "kind",
        "status",
        "planned_start",
        "planned_end",
        "gate_threshold",
        "requires_endorsement",
        "is_retired",
    )
    list_filter = ("mission", "kind", "status", "requires_endorsement", "is_retired")
    list_select_related = ("mission",)
    search_fields = ("name", "mission__code", "mission__name")
    autocomplete_fields = ("mission",)
    date_hierarchy = "planned_start"
    ordering = ("mission__code", "order", "id")
    fieldsets = (
        (None, {"fields": ("mission", "order", "kind", "name", "status")}),
        (_("Dates"), {"fields": ("planned_start", "planned_end", "actual_start", "actual_end")}),
        (_("Gate"), {"fields": ("gate_threshold", "requires_endorsement")}),
        (_("Record"), {"fields": ("is_retired", "version", "created_at", "updated_at")}),
    )
    inlines = [EndorsementInline]


class BenchmarkInline(ServiceInline):
    model = Benchmark
    create_service = staticmethod(create_benchmark)
    fields = (
        "order",
        "code",
        "title",
        "kind",
        "unit",
        "baseline",
        "target",
        "weight",
        "frequency_days",
        "critical",
        "responsible",
        "is_retired",
    )
    readonly_fields = ("is_retired",)
    scoped_choices = {
        "responsible": lambda objective: people_of(
            objective.mission_id, responsible_for__objective=objective
        )
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("responsible")


@admin.register(Objective)
class ObjectiveAdmin(RetirableAdminMixin, ServiceAdmin):
    create_service = staticmethod(create_objective)
    list_display = (
        "title",
        "order",
        "mission",
        "category",
        "weight",
        "target_phase",
        "benchmark_count",
        "is_retired",
    )
    list_filter = ("mission", "category", "is_retired")
    list_select_related = ("mission", "target_phase")
    search_fields = ("title", "description", "mission__code")
    autocomplete_fields = ("mission", "target_phase")
    ordering = ("mission__code", "order", "id")
    fieldsets = (
        (None, {"fields": ("mission", "order", "category", "title", "description")}),
        (_("Weight and gate"), {"fields": ("weight", "target_phase")}),
        (_("Record"), {"fields": ("is_retired", "version", "created_at", "updated_at")}),
    )
    inlines = [BenchmarkInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(benchmark_total=Count("benchmarks"))

    @admin.display(description=_("benchmarks"), ordering="benchmark_total")
    def benchmark_count(self, objective: Objective) -> int:
        return objective.benchmark_total


@admin.register(Benchmark)
class BenchmarkAdmin(RetirableAdminMixin, ServiceAdmin):
    create_service = staticmethod(create_benchmark)
    list_display = (
        "code",
        "title",
        "mission",
        "objective",
        "kind",
        "baseline",
        "target",
        "weight",
        "critical",
        "responsible",
        "is_retired",
    )
    list_display_links = ("code", "title")
    list_filter = ("mission", "kind", "critical", "is_retired", "objective__category")
    list_select_related = ("mission", "objective", "responsible")
    search_fields = ("code", "title", "data_source", "mission__code")
    autocomplete_fields = ("objective", "responsible")
    ordering = ("mission__code", "order", "id")
    fieldsets = (
        (None, {"fields": ("objective", "order", "code", "title", "kind")}),
        (
            _("Measure"),
            {"fields": ("unit", "baseline", "target", "weight", "frequency_days", "critical")},
        ),
        (_("Source"), {"fields": ("data_source", "responsible")}),
        (
            _("Record"),
            {"fields": ("mission", "is_retired", "version", "created_at", "updated_at")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "mission")


@admin.register(HandoverItem)
class HandoverItemAdmin(RetirableAdminMixin, ServiceAdmin):
    create_service = staticmethod(create_handover_item)
    list_display = (
        "function",
        "order",
        "mission",
        "receiving_stakeholder",
        "planned_date",
        "status",
        "is_retired",
    )
    list_filter = ("mission", "status", "is_retired")
    list_select_related = ("mission", "receiving_stakeholder")
    search_fields = ("function", "notes", "receiving_stakeholder__name", "mission__code")
    autocomplete_fields = ("mission", "receiving_stakeholder")
    date_hierarchy = "planned_date"
    ordering = ("mission__code", "order", "id")
    fieldsets = (
        (None, {"fields": ("mission", "order", "function", "receiving_stakeholder")}),
        (_("Progress"), {"fields": ("planned_date", "status", "notes")}),
        (_("Record"), {"fields": ("is_retired", "version", "created_at", "updated_at")}),
    )


class EndorsementStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("withdrawn", _("Withdrawn"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(withdrawn_at__isnull=True)
        if self.value() == "withdrawn":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset


@admin.register(PhaseEndorsement)
class PhaseEndorsementAdmin(ReadOnlyAdmin):
    """Read-only: endorsing is a host-government liaison's act, which no superuser bypasses."""

    list_display = (
        "phase",
        "stakeholder",
        "endorsed_by",
        "endorsed_at",
        "readiness",
        "gate_threshold",
        "is_active",
    )
    list_filter = ("phase__mission", EndorsementStateFilter)
    list_select_related = ("phase", "stakeholder", "endorsed_by")
    search_fields = ("phase__name", "stakeholder__name", "statement")
    date_hierarchy = "endorsed_at"

    @admin.display(boolean=True, description=_("active"))
    def is_active(self, endorsement: PhaseEndorsement) -> bool:
        return endorsement.is_active


@cache
def _models_by_target_type() -> dict:
    return {target_type_of(model): model for model in apps.get_models()}


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The history: append-only, so nobody adds, changes or deletes an event here."""

    list_display = ("at", "action", "mission", "actor", "target", "changed_fields")
    list_filter = ("mission", "action", "target_type")
    list_select_related = ("mission", "actor")
    search_fields = ("action",)
    date_hierarchy = "at"
    # The full count is a second COUNT(*) over the whole history on every page.
    show_full_result_count = False
    fields = ("at", "mission", "actor", "action", "target", "changes_as_json")
    readonly_fields = fields

    @admin.display(description=_("target"), ordering="target_type")
    def target(self, event: AuditEvent):
        model = _models_by_target_type().get(event.target_type)
        label = f"{event.target_type} #{event.target_id}"
        if model is None or event.target_id is None or not self.admin_site.is_registered(model):
            return label
        opts = model._meta
        url = reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
            args=[event.target_id],
        )
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("changed fields"))
    def changed_fields(self, event: AuditEvent) -> str:
        return ", ".join(sorted(event.changes)) if isinstance(event.changes, dict) else ""

    @admin.display(description=_("changes"))
    def changes_as_json(self, event: AuditEvent):
        return pretty_json(event.changes)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    """Who follows which plan item; people follow and unfollow items themselves."""

    list_display = ("user", "mission", "target_type", "target_id", "created_at")
    list_filter = ("mission", "target_type")
    list_select_related = ("user", "mission")
    search_fields = ("user__email", "user__name")
    date_hierarchy = "created_at"

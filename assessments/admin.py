from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from exitplan.admin import (
    SERVICE_ERRORS,
    ReadOnlyAdmin,
    ServiceAdmin,
    ServiceInline,
    ServiceModelForm,
    error_text,
    fields_of,
    pretty_json,
)
from missions.models import Benchmark

from .models import Assessment, ReadinessSnapshot, Score
from .services import assessment_approve, assessment_create, assessment_submit

RECORD = (
    _("Record"),
    {"fields": ("version", "created_at", "updated_at"), "classes": ("collapse",)},
)


def create_assessment(*, actor, instance):
    return assessment_create(
        actor=actor, mission=instance.mission, **fields_of(instance, exclude={"mission", "author"})
    )


def _is_draft(assessment: Assessment | None) -> bool:
    return assessment is None or assessment.is_draft


class ScoreForm(ServiceModelForm):
    def check_writable(self, instance):
        super().check_writable(instance)
        if not instance.assessment.is_draft:
            raise ValidationError(
                _("This round is %(status)s: its scores change only while it is a draft."),
                code="round_not_draft",
                params={"status": instance.assessment.get_status_display().lower()},
            )


class ScoreInline(ServiceInline):
    model = Score
    form = ScoreForm
    nested_in = "assessment"
    fields = ("benchmark", "value", "rating", "evidence", "source", "attachment")
    scoped_choices = {
        "benchmark": lambda assessment: Benchmark.objects.filter(mission=assessment.mission_id)
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("benchmark")

    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)


@admin.register(Assessment)
class AssessmentAdmin(ServiceAdmin):
    """Rounds of scores. A draft is edited here; submitted and approved rounds are final.

    Submitting and approving go through the actions, which keep four-eyes.
    """

    create_service = staticmethod(create_assessment)
    list_display = (
        "__str__",
        "as_of",
        "mission",
        "kind",
        "method",
        "label",
        "status",
        "author",
        "approved_by",
        "score_count",
    )
    list_filter = ("mission", "status", "kind", "method")
    list_select_related = ("mission", "author", "approved_by")
    search_fields = ("label", "summary", "mission__code")
    autocomplete_fields = ("mission",)
    date_hierarchy = "as_of"
    fieldsets = (
        (None, {"fields": ("mission", "as_of", "kind", "method", "label", "summary")}),
        (
            _("Review"),
            {
                "fields": (
                    "status",
                    "author",
                    "submitted_at",
                    "approved_by",
                    "approved_at",
                    "returned_reason",
                )
            },
        ),
        RECORD,
    )
    inlines = [ScoreInline]
    actions = ["submit_selected", "approve_selected"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ("mission",) if obj is not None else ()
        review = ("status", "author", "submitted_at", "approved_by", "approved_at")
        return (*super().get_readonly_fields(request, obj), *fixed, *review, "returned_reason")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(score_total=Count("scores"))

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    @admin.display(description=_("scores"), ordering="score_total")
    def score_count(self, assessment: Assessment) -> int:
        return assessment.score_total

    @admin.action(description=_("Submit selected draft rounds"), permissions=["change"])
    def submit_selected(self, request, queryset):
        self._transition(request, queryset, assessment_submit, submitted=True)

    @admin.action(description=_("Approve selected submitted rounds"), permissions=["change"])
    def approve_selected(self, request, queryset):
        self._transition(request, queryset, assessment_approve, submitted=False)

    def _transition(self, request, queryset, service, *, submitted: bool) -> None:
        done = 0
        for assessment in queryset.select_related("mission"):
            try:
                service(assessment=assessment, actor=request.user)
            except SERVICE_ERRORS as error:
                messages.error(
                    request,
                    gettext("%(round)s (%(mission)s) was not changed: %(reason)s")
                    % {
                        "round": assessment,
                        "mission": assessment.mission.code,
                        "reason": error_text(error),
                    },
                )
            else:
                done += 1
        if done and submitted:
            text = ngettext("Submitted %(count)d round.", "Submitted %(count)d rounds.", done)
            messages.success(request, text % {"count": done})
        elif done:
            text = ngettext("Approved %(count)d round.", "Approved %(count)d rounds.", done)
            messages.success(request, text % {"count": done})


@admin.register(Score)
class ScoreAdmin(ServiceAdmin):
    form = ScoreForm
    nested_in = "assessment"
    list_display = ("benchmark", "assessment", "mission", "value", "rating", "source")
    list_filter = ("assessment__mission", "assessment__status", "benchmark__kind")
    list_select_related = ("benchmark", "assessment__mission")
    search_fields = ("benchmark__code", "benchmark__title", "evidence", "source")
    autocomplete_fields = ("assessment", "benchmark")
    fieldsets = (
        (None, {"fields": ("assessment", "benchmark", "value", "rating")}),
        (_("Evidence"), {"fields": ("evidence", "source", "attachment")}),
        RECORD,
    )

    def get_readonly_fields(self, request, obj=None):
        fixed = ("assessment", "benchmark") if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.assessment.is_draft)

    @admin.display(description=_("mission"), ordering="assessment__mission__code")
    def mission(self, score: Score):
        return score.assessment.mission


@admin.register(ReadinessSnapshot)
class ReadinessSnapshotAdmin(ReadOnlyAdmin):
    """Append-only figures of each readiness computation (the trend reads these)."""

    list_display = ("mission", "as_of", "computed_at", "readiness", "confidence")
    list_filter = ("mission",)
    list_select_related = ("mission",)
    search_fields = ("mission__code", "mission__name")
    date_hierarchy = "computed_at"
    fields = ("mission", "as_of", "computed_at", "readiness", "confidence", "figures_as_json")
    readonly_fields = fields

    @admin.display(description=_("figures"))
    def figures_as_json(self, snapshot: ReadinessSnapshot):
        return pretty_json(snapshot.figures)

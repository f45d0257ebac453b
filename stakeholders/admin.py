import zoneinfo

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from exitplan.admin import (
    ReadOnlyAdmin,
    RetirableAdminMixin,
    ServiceAdmin,
    ServiceInline,
    ServiceModelForm,
    fields_of,
    people_of,
    pretty_json,
)
from missions.models import Benchmark
from missions.services import record_create

from .models import (
    Comment,
    Consultation,
    Contact,
    FeedbackForm,
    FeedbackSubmission,
    Invitation,
    OverdueNotice,
    Question,
    ReminderDelivery,
    Stakeholder,
)
from .services import (
    consultation_create,
    consultation_update,
    contact_create,
    invitation_create,
    stakeholder_create,
)

RECORD = (
    _("Record"),
    {"fields": ("version", "created_at", "updated_at"), "classes": ("collapse",)},
)


def create_stakeholder(*, actor, instance):
    return stakeholder_create(
        actor=actor, mission=instance.mission, **fields_of(instance, exclude={"mission"})
    )


def create_contact(*, actor, instance):
    return contact_create(
        actor=actor,
        stakeholder=instance.stakeholder,
        **fields_of(instance, exclude={"stakeholder"}),
    )


def create_consultation(*, actor, instance):
    return consultation_create(
        actor=actor, mission=instance.mission, **fields_of(instance, exclude={"mission"})
    )


def update_consultation(*, actor, instance, data, version):
    # Through the consultation's own service, so a move bumps ``sequence`` as in the API.
    return consultation_update(actor=actor, consultation=instance, data=data, version=version)


def create_invitation(*, actor, instance):
    return invitation_create(
        actor=actor, consultation=instance.consultation, contact=instance.contact
    )


def create_comment(*, actor, instance):
    instance.author = actor
    return record_create(actor=actor, instance=instance)


class ContactInline(ServiceInline):
    model = Contact
    create_service = staticmethod(create_contact)
    nested_in = "stakeholder"
    fields = ("name", "email", "language", "user", "is_retired")
    readonly_fields = ("is_retired",)
    scoped_choices = {
        "user": lambda stakeholder: people_of(
            stakeholder.mission_id, contacts__stakeholder=stakeholder
        )
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Stakeholder)
class StakeholderAdmin(RetirableAdminMixin, ServiceAdmin):
    create_service = staticmethod(create_stakeholder)
    list_display = ("name", "mission", "kind", "contact_count", "is_retired")
    list_filter = ("mission", "kind", "is_retired")
    list_select_related = ("mission",)
    search_fields = ("name", "mission__code", "mission__name")
    autocomplete_fields = ("mission",)
    ordering = ("mission__code", "name")
    fieldsets = (
        (None, {"fields": ("mission", "name", "kind")}),
        (_("Record"), {"fields": ("is_retired", "version", "created_at", "updated_at")}),
    )
    inlines = [ContactInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(contact_total=Count("contacts"))

    @admin.display(description=_("contacts"), ordering="contact_total")
    def contact_count(self, stakeholder: Stakeholder) -> int:
        return stakeholder.contact_total


@admin.register(Contact)
class ContactAdmin(RetirableAdminMixin, ServiceAdmin):
    create_service = staticmethod(create_contact)
    nested_in = "stakeholder"
    list_display = ("name", "email", "stakeholder", "mission", "language", "user", "is_retired")
    list_filter = ("stakeholder__mission", "stakeholder__kind", "language", "is_retired")
    list_select_related = ("stakeholder__mission", "user")
    search_fields = ("name", "email", "stakeholder__name")
    autocomplete_fields = ("stakeholder", "user")
    ordering = ("stakeholder__name", "name", "id")
    fieldsets = (
        (None, {"fields": ("stakeholder", "name", "email", "language", "user")}),
        (_("Record"), {"fields": ("is_retired", "version", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Invitations and endorsements point at the contact through its organisation.
        fixed = ("stakeholder",) if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed)

    @admin.display(description=_("mission"), ordering="stakeholder__mission__code")
    def mission(self, contact: Contact):
        return contact.stakeholder.mission


class QuestionForm(ServiceModelForm):
    def check_writable(self, instance):
        super().check_writable(instance)
        if instance.form.status != FeedbackForm.Status.DRAFT:
            raise ValidationError(
                _("“%(form)s” is %(status)s: its questions change only while it is a draft."),
                code="form_not_draft",
                params={"form": instance.form, "status": instance.form.get_status_display()},
            )


def _form_is_draft(form: FeedbackForm | None) -> bool:
    return form is None or form.status == FeedbackForm.Status.DRAFT


class QuestionInline(ServiceInline):
    model = Question
    form = QuestionForm
    nested_in = "form"
    fields = ("order", "kind", "label", "required", "choices", "benchmark")
    scoped_choices = {
        "benchmark": lambda form: Benchmark.objects.filter(
            mission=form.mission_id, kind=Benchmark.Kind.RATING
        )
    }

    def has_add_permission(self, request, obj=None):
        return _form_is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _form_is_draft(obj) and super().has_change_permission(request, obj)


@admin.register(FeedbackForm)
class FeedbackFormAdmin(ServiceAdmin):
    list_display = (
        "title",
        "mission",
        "language",
        "status",
        "opens_at",
        "closes_at",
        "allow_anonymous",
        "submission_count",
    )
    list_filter = ("mission", "status", "language", "allow_anonymous")
    list_select_related = ("mission",)
    search_fields = ("title", "intro", "mission__code")
    autocomplete_fields = ("mission",)
    date_hierarchy = "opens_at"
    fieldsets = (
        (None, {"fields": ("mission", "title", "intro", "language")}),
        (_("Publication"), {"fields": ("status", "opens_at", "closes_at", "allow_anonymous")}),
        RECORD,
    )
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(submission_total=Count("submissions"))

    @admin.display(description=_("submissions"), ordering="submission_total")
    def submission_count(self, form: FeedbackForm) -> int:
        return form.submission_total


@admin.register(Question)
class QuestionAdmin(ServiceAdmin):
    form = QuestionForm
    nested_in = "form"
    list_display = ("label", "form", "order", "kind", "required", "benchmark")
    list_filter = ("form__mission", "kind", "required")
    list_select_related = ("form", "benchmark")
    search_fields = ("label", "form__title")
    autocomplete_fields = ("form", "benchmark")
    ordering = ("form", "order", "id")
    fieldsets = (
        (None, {"fields": ("form", "order", "kind", "label", "required", "choices", "benchmark")}),
        RECORD,
    )

    def get_readonly_fields(self, request, obj=None):
        fixed = ("form",) if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.form.status == FeedbackForm.Status.DRAFT)


@admin.register(FeedbackSubmission)
class FeedbackSubmissionAdmin(ReadOnlyAdmin):
    """Append-only answers; a public submitter is stored only as the form asked."""

    list_display = ("receipt", "form", "submitted_at", "stakeholder_kind", "user", "organisation")
    list_filter = ("form__mission", "form", "stakeholder_kind")
    list_select_related = ("form", "user")
    search_fields = ("receipt", "name", "organisation")
    date_hierarchy = "submitted_at"
    fields = (
        "receipt",
        "form",
        "submitted_at",
        "stakeholder_kind",
        "user",
        "name",
        "organisation",
        "answers_as_json",
    )
    readonly_fields = fields

    @admin.display(description=_("answers"))
    def answers_as_json(self, submission: FeedbackSubmission):
        return pretty_json(submission.answers)


class InvitationForm(ServiceModelForm):
    def clean(self):
        cleaned = super().clean()
        if not self.instance._state.adding and "contact" in self.edited_fields():
            # The RSVP link and the reminders belong to the person invited.
            self.add_error(
                "contact", _("Invite the other contact in a new row; this invitation stays theirs.")
            )
        return cleaned


class InvitationInline(ServiceInline):
    model = Invitation
    form = InvitationForm
    create_service = staticmethod(create_invitation)
    fields = ("contact", "rsvp")
    # The invitee answers (signed in or through the RSVP link), not the planner.
    readonly_fields = ("rsvp",)
    scoped_choices = {
        "contact": lambda consultation: Contact.objects.filter(
            stakeholder__mission=consultation.mission_id
        ).order_by("name", "id")
    }

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact", "consultation")


@admin.register(Consultation)
class ConsultationAdmin(ServiceAdmin):
    create_service = staticmethod(create_consultation)
    update_service = staticmethod(update_consultation)
    list_display = (
        "title",
        "mission",
        "kind",
        "local_start",
        "status",
        "phase",
        "invitation_count",
    )
    list_filter = ("mission", "kind", "status")
    list_select_related = ("mission", "phase")
    search_fields = ("title", "location", "agenda", "mission__code")
    autocomplete_fields = ("mission", "phase", "feedback_form")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at", "id")
    fieldsets = (
        (None, {"fields": ("mission", "phase", "kind", "title", "agenda", "feedback_form")}),
        (
            _("When and where"),
            {
                "fields": (
                    "starts_at",
                    "ends_at",
                    "timezone",
                    "local_start",
                    "location",
                    "online_url",
                )
            },
        ),
        (_("Reminders"), {"fields": ("reminder_offsets", "sequence")}),
        (_("Outcome"), {"fields": ("status", "outcome")}),
        RECORD,
    )
    inlines = [InvitationInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "sequence", "local_start")

    @admin.display(description=_("local start"), ordering="starts_at")
    def local_start(self, consultation: Consultation) -> str:
        """The start in the consultation's own time zone, as its invitations show it."""
        if consultation.starts_at is None:
            return ""
        local = consultation.starts_at.astimezone(zoneinfo.ZoneInfo(consultation.timezone))
        return f"{local:%Y-%m-%d %H:%M} ({consultation.timezone})"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(invitation_total=Count("invitations"))

    @admin.display(description=_("invitations"), ordering="invitation_total")
    def invitation_count(self, consultation: Consultation) -> int:
        return consultation.invitation_total


@admin.register(Invitation)
class InvitationAdmin(ServiceAdmin):
    create_service = staticmethod(create_invitation)
    list_display = ("contact", "consultation", "rsvp", "created_at")
    list_filter = ("consultation__mission", "rsvp")
    list_select_related = ("contact", "consultation")
    search_fields = ("contact__name", "contact__email", "consultation__title")
    autocomplete_fields = ("consultation", "contact")
    date_hierarchy = "created_at"
    fieldsets = ((None, {"fields": ("consultation", "contact", "rsvp")}), RECORD)

    def get_readonly_fields(self, request, obj=None):
        fixed = ("consultation", "contact") if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed, "rsvp")


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdmin):
    """The record that makes each e-mail go out once; the reminder jobs write it."""

    list_display = ("invitation", "kind", "offset", "sequence", "status", "due_at", "sent_at")
    list_filter = ("status", "kind", "invitation__consultation__mission")
    list_select_related = ("invitation__contact", "invitation__consultation")
    search_fields = (
        "invitation__contact__name",
        "invitation__contact__email",
        "invitation__consultation__title",
    )
    date_hierarchy = "due_at"
    ordering = ("-due_at", "-id")


@admin.register(OverdueNotice)
class OverdueNoticeAdmin(ReadOnlyAdmin):
    """That an overdue assessment was signalled once per benchmark and period."""

    list_display = ("benchmark", "period_start", "status", "due_at", "sent_at", "attempts")
    list_filter = ("status", "benchmark__mission")
    list_select_related = ("benchmark",)
    search_fields = ("benchmark__code", "benchmark__title")
    date_hierarchy = "due_at"
    ordering = ("-due_at", "-id")


@admin.register(Comment)
class CommentAdmin(ServiceAdmin):
    create_service = staticmethod(create_comment)
    list_display = (
        "__str__",
        "mission",
        "target_type",
        "target_id",
        "author",
        "status",
        "is_official",
        "created_at",
    )
    list_filter = ("mission", "status", "target_type", "is_official")
    list_select_related = ("mission", "author")
    search_fields = ("body", "author__email", "author__name")
    autocomplete_fields = ("mission", "parent")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("mission", "target_type", "target_id", "parent", "author")}),
        (_("Comment"), {"fields": ("body", "status", "is_official")}),
        RECORD,
    )

    def get_readonly_fields(self, request, obj=None):
        fixed = ("mission", "target_type", "target_id", "parent") if obj is not None else ()
        return (*super().get_readonly_fields(request, obj), *fixed, "author")

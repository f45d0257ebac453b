"""What every app's admin shares: writes through the services, read-only system records.

The admin is one more client of the services, not a way around them. A save in the admin
creates through the model's ``*_create`` service (or ``record_create``) and changes through
``record_update`` (or the model's own update service), so it validates, bumps ``version``
and writes an AuditEvent with the person as actor, in the admin's transaction. Only models
with a delete service (memberships) are deleted here; plan items, stakeholders and contacts
are retired with an action, and the system's own records are read-only.

Lost updates: each form carries the ``version`` it was shown with in a hidden field
(``seen_version``). A form whose fields were edited while someone else moved the row on
gets a form error asking to reopen it; the service's conditional UPDATE catches the last
race between that check and the write, which then shows as an error message.
"""

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from exitplan.errors import Conflict, StaleVersion
from missions.services import (
    bump_version,
    mission_of_record,
    plan_item_retire,
    record_create,
    record_update,
)

SEEN = "seen_version"

#: What a service may refuse a save with; the admin shows these as messages, never a 500.
SAVE_ERRORS = (Conflict, StaleVersion, ValidationError)
#: Actions also meet the services' own permission rules (four-eyes).
SERVICE_ERRORS = (*SAVE_ERRORS, PermissionDenied)

Creator = Callable[..., models.Model]


def error_text(error: Exception) -> str:
    """One line for a message, from any of SERVICE_ERRORS."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, Conflict):
        return str(error.detail)
    return str(error) or gettext("You may not do this.")


def fields_of(instance: models.Model, *, exclude: set[str] = frozenset()) -> dict[str, Any]:
    """The instance's editable column values by attname, for a ``*_create(**fields)`` call."""
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key and field.name not in exclude
    }


def adopt(target: models.Model, source: models.Model) -> None:
    """Make the admin's unsaved object the row a service created from its values.

    The admin keeps using its own instance after save_model (the response, the log entry,
    the inlines' foreign key), so the created row's id and values are copied onto it.
    """
    if target is source:
        return
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def pretty_json(value: Any):
    """A JSON value as an indented block, for read-only fields (``changes``, ``figures``)."""
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return format_html('<pre style="margin: 0; white-space: pre-wrap">{}</pre>', text)


def cache_choices(field: forms.ModelChoiceField, queryset: models.QuerySet) -> None:
    """Limit a select to ``queryset`` and evaluate it once for all the rows of a formset.

    Each inline row deep-copies its fields; without a fixed list every row's select runs
    its own query.
    """
    field.queryset = queryset
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.choices = empty + [(obj.pk, field.label_from_instance(obj)) for obj in queryset]


def touch_parent(instance: models.Model, parent_field: str | None) -> None:
    """Bump the version of the row a nested child belongs to (a score's round, ...).

    DESIGN: editing a nested child bumps its parent's ``version``, so the parent's ETag
    changes with its nested list. ``parent_field`` None: ``instance`` is the parent. Runs in
    the transaction of the child's write.
    """
    bump_version(instance if parent_field is None else getattr(instance, parent_field), None)


def people_of(mission_id: int, **already):
    """The mission's members and whoever ``already`` holds the field, for an inline's select.

    One query for the whole formset, where an autocomplete would run one per row; someone
    chosen before they left the mission stays selectable.
    """
    return (
        get_user_model()
        ._default_manager.filter(Q(memberships__mission=mission_id) | Q(**already))
        .distinct()
        .order_by("name", "email")
    )


class ServiceModelForm(forms.ModelForm):
    """A model form that remembers the version it was shown with and refuses stale edits."""

    seen_version = forms.IntegerField(
        label=_("version shown"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.initial.setdefault(SEEN, self.instance.version)

    def edited_fields(self) -> list[str]:
        """The model fields the person changed (the hidden version is not an edit)."""
        if not self.has_changed():
            return []
        return [name for name in self.changed_data if name != SEEN]

    def check_writable(self, instance: models.Model) -> None:
        """Raise ValidationError when the row may not be written (a closed mission, ...).

        Runs on the stored row for a change and on the new row for an addition; forms of
        nested children extend it with their parent's state (a draft round, a draft form).
        """
        mission = mission_of_record(instance)
        if mission.pk is not None and mission.is_closed:
            raise ValidationError(
                _("%(mission)s is closed: its plan and records are read-only."),
                code="closed",
                params={"mission": mission},
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding or not self.edited_fields():
            return cleaned
        # Before _post_clean copies the form onto the instance: this is the stored row.
        self.check_writable(self.instance)
        seen = cleaned.get(SEEN)
        if seen is not None and seen != self.instance.version:
            raise ValidationError(
                _(
                    "Someone else changed this %(name)s while you were editing it (it is "
                    "now at version %(version)s). Open it again to see their changes, then "
                    "make yours."
                ),
                code="stale",
                params={"name": self.instance._meta.verbose_name, "version": self.instance.version},
            )
        return cleaned

    def _post_clean(self):
        # The only point where a new row's parent (and so its mission) is known for both a
        # change form and an inline row; Django's own BaseUserCreationForm hooks here too.
        super()._post_clean()
        if not self.instance._state.adding or self.errors:
            return
        try:
            self.check_writable(self.instance)
        except ObjectDoesNotExist:
            return
        except ValidationError as error:
            self.add_error(None, error)


class ServiceWritesMixin:
    """What a ModelAdmin and an inline share: create and change a row through the services.

    ``create_service(actor=, instance=)`` returns the created row (default:
    ``record_create``); ``update_service(actor=, instance=, data=, version=)`` changes one
    (default: ``record_update``); ``delete_service(actor=, instance=)``, where a model has
    one, is the only way the admin deletes. ``nested_in`` names the parent field of a nested
    child (a score's ``assessment``) whose version each write bumps.
    """

    form = ServiceModelForm
    create_service: Creator | None = None
    update_service: Creator | None = None
    delete_service: Callable[..., None] | None = None
    nested_in: str | None = None

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != SEEN]})
            for name, opts in super().get_fieldsets(request, obj)
        ]
        if fieldsets and self.can_write(request, obj):
            name, opts = fieldsets[0]
            fieldsets[0] = (name, {**opts, "fields": [*opts["fields"], SEEN]})
        return fieldsets

    def can_write(self, request, obj) -> bool:
        raise NotImplementedError

    def has_delete_permission(self, request, obj=None):
        # No delete goes around the services: plan items are retired, the rest stays.
        return self.delete_service is not None and super().has_delete_permission(request, obj)

    def create_record(self, request, obj: models.Model) -> None:
        if self.create_service is None:
            record_create(actor=request.user, instance=obj)
        else:
            adopt(obj, self.create_service(actor=request.user, instance=obj))

    def update_record(self, request, obj: models.Model, form: forms.ModelForm) -> bool:
        """Send the edited fields to record_update; False when nothing was edited."""
        model_fields = {
            field.name: field
            for field in obj._meta.concrete_fields
            if field.editable and not field.primary_key
        }
        names = [name for name in form.changed_data if name in model_fields]
        if not names:
            return False
        for name in names:
            if isinstance(model_fields[name], models.FileField):
                # record_update writes with UPDATE, which does not store an upload.
                model_fields[name].pre_save(obj, add=False)
        # The form has already copied its values onto ``obj``; the service needs the row
        # as stored to know what changed and to audit before and after.
        stored = type(obj)._default_manager.get(pk=obj.pk)
        updated = (self.update_service or record_update)(
            actor=request.user,
            instance=stored,
            data={name: getattr(obj, name) for name in names},
            version=form.cleaned_data.get(SEEN),
        )
        adopt(obj, updated)
        return True


class ServiceAdmin(ServiceWritesMixin, admin.ModelAdmin):
    """A ModelAdmin whose saves (and its inlines' saves) go through the services."""

    readonly_fields = ("version", "created_at", "updated_at")
    list_per_page = 50

    def can_write(self, request, obj) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            self.create_record(request, obj)
        elif not self.update_record(request, obj, form):
            return
        if self.nested_in:
            touch_parent(obj, self.nested_in)

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "inline_admin", None)
        if isinstance(inline, ServiceInline):
            inline.save_formset_through_services(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    def get_actions(self, request):
        # Django's bulk delete reports success after delete_queryset whatever happened in
        # it; models with a delete service get their own action instead.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        self.delete_service(actor=request.user, instance=obj)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except SAVE_ERRORS as error:
            messages.error(
                request,
                gettext("Nothing was deleted: %(reason)s") % {"reason": error_text(error)},
            )
            opts = self.opts
            return HttpResponseRedirect(
                reverse(
                    f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                )
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The forms catch a closed mission and a stale version before anything is written;
        # what a service still refuses (a race, a rule the form cannot see) rolls the whole
        # save back (the admin's transaction) and comes back as a message.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SAVE_ERRORS as error:
            messages.error(
                request, gettext("Nothing was saved: %(reason)s") % {"reason": error_text(error)}
            )
            return HttpResponseRedirect(request.get_full_path())


class ServiceInline(ServiceWritesMixin, admin.TabularInline):
    """A tabular inline whose rows are created and changed through the services.

    ``scoped_choices`` maps a foreign key to a function of the parent giving its choices
    (the parent mission's phases, benchmarks, contacts), evaluated once per page.
    """

    extra = 0
    show_change_link = True
    scoped_choices: dict[str, Callable[[models.Model], models.QuerySet]] = {}

    def can_write(self, request, obj) -> bool:
        return self.has_add_permission(request, obj) or self.has_change_permission(request, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.inline_admin = self
        if obj is not None and obj.pk is not None:
            for name, choices_of in self.scoped_choices.items():
                field = formset.form.base_fields.get(name)
                if isinstance(field, forms.ModelChoiceField):
                    cache_choices(field, choices_of(obj))
        return formset

    def save_formset_through_services(self, request, formset) -> None:
        # The attributes construct_change_message reads after formset.save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.initial_forms:
            if form.has_changed() and self.update_record(request, form.instance, form):
                formset.changed_objects.append((form.instance, form.edited_fields()))
        for form in formset.extra_forms:
            if not form.has_changed():
                continue
            obj = formset.save_new(form, commit=False)
            self.create_record(request, obj)
            form.save_m2m()
            formset.new_objects.append(obj)
        if self.nested_in and (formset.new_objects or formset.changed_objects):
            # One bump of the parent for the whole formset, however many rows changed.
            touch_parent(formset.instance, None)


class RetirableAdminMixin:
    """Retire (and restore) through the service instead of deleting."""

    actions = ["retire_selected", "restore_selected"]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "is_retired")

    @admin.action(description=_("Retire selected %(verbose_name_plural)s"), permissions=["change"])
    def retire_selected(self, request, queryset):
        self._set_retired(request, queryset, retired=True)

    @admin.action(description=_("Restore selected %(verbose_name_plural)s"), permissions=["change"])
    def restore_selected(self, request, queryset):
        self._set_retired(request, queryset, retired=False)

    def _set_retired(self, request, queryset, *, retired: bool) -> None:
        done = failed = 0
        for item in queryset.filter(is_retired=not retired):
            try:
                with transaction.atomic():
                    if retired:
                        plan_item_retire(actor=request.user, instance=item)
                    else:
                        record_update(
                            actor=request.user,
                            instance=item,
                            data={"is_retired": False},
                            verb="restore",
                        )
                    if self.nested_in:
                        touch_parent(item, self.nested_in)
            except SERVICE_ERRORS as error:
                failed += 1
                messages.error(
                    request,
                    gettext("%(item)s was not changed: %(reason)s")
                    % {"item": item, "reason": error_text(error)},
                )
            else:
                done += 1
        name = self.opts.verbose_name if done == 1 else self.opts.verbose_name_plural
        if done and retired:
            messages.success(
                request,
                ngettext("Retired %(count)d %(name)s.", "Retired %(count)d %(name)s.", done)
                % {"count": done, "name": name},
            )
        elif done:
            messages.success(
                request,
                ngettext("Restored %(count)d %(name)s.", "Restored %(count)d %(name)s.", done)
                % {"count": done, "name": name},
            )
        elif not failed:
            messages.info(request, gettext("Nothing to change: all of them already were."))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only and system records: listed and shown, never added, changed or deleted."""

    list_per_page = 100

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent, read-only."""

    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

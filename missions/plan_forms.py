"""Forms of the transition plan page: they read and check input; the services write.

Plain forms built from the models' fields rather than ModelForms: a ModelForm sets the
fields on the instance while validating, which would hide the change from
``record_update`` (it diffs the instance before and after) and from the conflict check.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Stakeholder

from .models import Benchmark, HandoverItem, Objective, Phase
from .selectors import decimal_text

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanItemForm(forms.Form):
    """A plan item's editable fields, plus the ``version`` it was read at (edits only)."""

    model: type = Phase
    field_names: tuple[str, ...] = ()
    widgets: dict[str, forms.Widget] = {}

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.mission = mission
        fields = fields_for_model(self.model, fields=self.field_names, widgets=self.widgets)
        version = self.fields.pop("version")
        self.fields.update(fields)
        self.fields["version"] = version
        for field in fields.values():
            if isinstance(field.widget, (forms.TextInput, forms.Textarea)):
                field.widget.attrs.setdefault("dir", "auto")  # user content, any script
        if "order" in self.fields:
            self.fields["order"].required = False
            self.fields["order"].help_text = _("Leave empty to put it last.")
        self.limit_choices()

    def limit_choices(self) -> None:
        """Choices of related items come from this mission only."""

    @classmethod
    def initial_from(cls, instance) -> dict[str, Any]:
        data = {}
        for name in cls.field_names:
            field = instance._meta.get_field(name)
            value = getattr(instance, field.attname)
            # 800, not 800.0000: the stored scale is not what people typed.
            data[name] = decimal_text(value) if isinstance(value, Decimal) else value
        data["version"] = instance.version
        return data

    def data_for_service(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if data.get("order") is None:
            data.pop("order", None)  # kept as it is; a new item goes last
        return data

    def display(self, name: str, value: Any) -> str:
        """A value as the page shows it, for the conflict table (choices by label)."""
        field = self.fields[name]
        if value in (None, ""):
            return "—"
        if isinstance(field, forms.ModelChoiceField):
            pk = getattr(value, "pk", value)
            for choice_value, label in field.choices:
                if str(choice_value) == str(pk):
                    return str(label)
            return str(value)
        if isinstance(field, forms.BooleanField):
            return str(_("Yes") if value else _("No"))
        choices = getattr(field, "choices", None)
        if choices:
            return str(dict(choices).get(value, value))
        return str(value)


class PhaseForm(PlanItemForm):
    model = Phase
    field_names = (
        "order",
        "name",
        "kind",
        "status",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "gate_threshold",
        "requires_endorsement",
    )
    widgets = {
        "planned_start": DATE,
        "planned_end": DATE,
        "actual_start": DATE,
        "actual_end": DATE,
    }


class ObjectiveForm(PlanItemForm):
    model = Objective
    field_names = ("title", "category", "description", "weight", "target_phase", "order")
    widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def limit_choices(self) -> None:
        field = self.fields["target_phase"]
        field.queryset = Phase.objects.filter(mission=self.mission, is_retired=False).order_by(
            "order"
        )
        field.empty_label = _("No target phase (the last phase)")


class BenchmarkForm(PlanItemForm):
    model = Benchmark
    field_names = (
        "objective",
        "code",
        "title",
        "kind",
        "unit",
        "baseline",
        "target",
        "weight",
        "frequency_days",
        "critical",
        "data_source",
        "responsible",
        "order",
    )
    widgets = {"data_source": forms.Textarea(attrs={"rows": 2})}

    def limit_choices(self) -> None:
        self.fields["objective"].queryset = Objective.objects.filter(
            mission=self.mission, is_retired=False
        ).order_by("order", "id")
        self.fields["responsible"].queryset = (
            get_user_model()
            .objects.filter(memberships__mission=self.mission)
            .order_by("name", "email")
        )
        self.fields["responsible"].label_from_instance = lambda u: u.name or u.email


class HandoverItemForm(PlanItemForm):
    model = HandoverItem
    field_names = ("function", "receiving_stakeholder", "planned_date", "status", "notes", "order")
    widgets = {"planned_date": DATE, "notes": forms.Textarea(attrs={"rows": 2})}

    def limit_choices(self) -> None:
        self.fields["receiving_stakeholder"].queryset = Stakeholder.objects.filter(
            mission=self.mission, is_retired=False
        ).order_by("name")


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])
    version = forms.IntegerField(required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False)

from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Stakeholder

from .models import Role


class _MissionStakeholderMixin:
    def __init__(self, *args, mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = Stakeholder.objects.filter(
            mission=mission, is_retired=False
        ).order_by("name")


class MemberAddForm(_MissionStakeholderMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    stakeholder = forms.ModelChoiceField(
        label=_("Speaks for"),
        queryset=Stakeholder.objects.none(),
        required=False,
        help_text=_("For liaisons and partners: the organisation they speak for."),
    )


class MemberChangeForm(_MissionStakeholderMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    stakeholder = forms.ModelChoiceField(
        label=_("Speaks for"), queryset=Stakeholder.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

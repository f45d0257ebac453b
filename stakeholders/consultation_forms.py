"""Forms of the consultation pages: they read and check input; the services write.

Times are typed as wall-clock times in the consultation's own time zone (chosen in the same
form) and turned into moments here, so a planner in New York schedules a meeting in Bamako
at Bamako's 09:00.
"""

import datetime
import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from missions.models import Mission, Phase

from .models import Consultation, FeedbackForm
from .selectors import contact_groups
from .services import RSVP_ANSWERS

LOCAL = "%Y-%m-%dT%H:%M"
LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL)
# The form's fields in the order the service takes them (and the conflict table lists them).
FIELD_NAMES = (
    "title",
    "kind",
    "phase",
    "timezone",
    "starts_at",
    "ends_at",
    "location",
    "online_url",
    "agenda",
    "reminder_offsets",
)


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def local_time(moment: datetime.datetime, zone_name: str) -> datetime.datetime:
    """A stored moment as the wall-clock time of ``zone_name`` (naive, for the input)."""
    return moment.astimezone(zoneinfo.ZoneInfo(zone_name)).replace(tzinfo=None)


class ConsultationForm(forms.Form):
    """Schedule or change a consultation; ``version`` is the one the person read (edits)."""

    title = forms.CharField(label=_("Title"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=Consultation.Kind.choices)
    phase = forms.ModelChoiceField(
        label=_("Phase"), queryset=Phase.objects.none(), required=False, empty_label=_("No phase")
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("The start and end are times in this zone; invitees see them in it."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL_INPUT, input_formats=[LOCAL])
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LOCAL_INPUT, input_formats=[LOCAL])
    location = forms.CharField(label=_("Place"), max_length=255, required=False)
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        assume_scheme="https",
        help_text=_("For a meeting people may also join online."),
    )
    agenda = forms.CharField(
        label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    reminder_offsets = forms.CharField(
        label=_("Reminders (hours before the start)"),
        required=False,
        help_text=_(
            "Whole hours separated by commas, e.g. 168, 24 for a week and a day before. "
            "Leave empty for no reminders."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, mission: Mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.mission = mission
        self.fields["phase"].queryset = Phase.objects.filter(
            mission=mission, is_retired=False
        ).order_by("order", "id")
        self.fields["timezone"].choices = timezone_choices()
        for name in ("title", "location", "agenda"):
            self.fields[name].widget.attrs["dir"] = "auto"  # people's words, any script
        self.fields["online_url"].widget.attrs["dir"] = "ltr"

    @classmethod
    def initial_for(cls, mission: Mission) -> dict[str, Any]:
        return {"timezone": mission.timezone, "reminder_offsets": "168, 24", "kind": "meeting"}

    @classmethod
    def initial_from(cls, consultation: Consultation) -> dict[str, Any]:
        zone = consultation.timezone
        return {
            "title": consultation.title,
            "kind": consultation.kind,
            "phase": consultation.phase_id,
            "timezone": zone,
            "starts_at": local_time(consultation.starts_at, zone),
            "ends_at": local_time(consultation.ends_at, zone),
            "location": consultation.location,
            "online_url": consultation.online_url,
            "agenda": consultation.agenda,
            "reminder_offsets": ", ".join(str(h) for h in consultation.reminder_offsets),
            "version": consultation.version,
        }

    def clean_reminder_offsets(self) -> list[int]:
        text = self.cleaned_data["reminder_offsets"].replace(";", ",")
        hours = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(
                    _("“%(value)s” is not a whole number of hours: write e.g. 168, 24."),
                    params={"value": part},
                )
            hours.append(int(part))
        return hours

    def _localise(self, name: str, zone: zoneinfo.ZoneInfo) -> None:
        value = self.cleaned_data.get(name)
        if value is None:
            return
        wall = timezone.make_naive(value) if timezone.is_aware(value) else value
        moment = wall.replace(tzinfo=zone)
        # A wall-clock time skipped by a clock change does not survive the round trip.
        if moment.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None) != wall:
            self.add_error(
                name,
                _("This time does not exist in %(zone)s (the clocks change then): pick another.")
                % {"zone": zone.key},
            )
            return
        self.cleaned_data[name] = moment

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        zone_name = data.get("timezone")
        if zone_name:
            zone = zoneinfo.ZoneInfo(zone_name)
            self._localise("starts_at", zone)
            self._localise("ends_at", zone)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if (
            starts
            and ends
            and timezone.is_aware(starts)
            and timezone.is_aware(ends)
            and ends <= starts
        ):
            self.add_error("ends_at", _("The end must be later than the start."))
        return data

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FIELD_NAMES}

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's errors on their fields (``reminder_offsets[1]`` on the offsets)."""
        for key, messages in error.message_dict.items():
            name = key.split("[")[0]
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)

    def display(self, name: str, value: Any) -> str:
        """A value as the page shows it, for the "changed by someone else" table."""
        if value in (None, "", []):
            return "—"
        if name == "phase":
            pk = getattr(value, "pk", value)
            return next((str(p.name) for p in self.fields["phase"].queryset if p.pk == pk), "—")
        if name == "kind":
            return str(Consultation.Kind(value).label)
        if name == "reminder_offsets" and isinstance(value, list):
            return ", ".join(str(h) for h in value)
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = value.astimezone(zoneinfo.ZoneInfo(self.cleaned_data["timezone"]))
            return value.strftime("%Y-%m-%d %H:%M")
        return str(value)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class OutcomeForm(VersionForm):
    outcome = forms.CharField(
        label=_("Outcome notes"),
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        max_length=50_000,
        help_text=_("What was decided, heard or agreed; invitees can read these notes."),
    )
    held = forms.BooleanField(
        label=_("The consultation took place"),
        required=False,
        initial=True,
        help_text=_("Marks it as held: invitees can then no longer answer the invitation."),
    )


class FeedbackFormLinkForm(VersionForm):
    """Link one of the mission's feedback forms, or none."""

    feedback_form = forms.ModelChoiceField(
        label=_("Feedback form"),
        queryset=FeedbackForm.objects.none(),
        required=False,
        empty_label=_("No feedback form"),
        error_messages={"invalid_choice": _("Choose one of this mission's feedback forms.")},
    )

    def __init__(self, *args, mission: Mission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feedback_form"].queryset = FeedbackForm.objects.filter(
            mission=mission
        ).order_by("title", "id")


class GroupedContactField(forms.ModelMultipleChoiceField):
    """Contacts as options grouped by their stakeholder (an optgroup each)."""

    def label_from_instance(self, contact) -> str:
        if contact.email:
            return f"{contact.name} <{contact.email}>"
        return str(
            _("%(name)s (no e-mail address: no invitation is sent)") % {"name": contact.name}
        )

    @property
    def grouped_choices(self) -> list[tuple[str, list[tuple[int, str]]]]:
        return [
            (group.stakeholder.name, [(c.pk, self.label_from_instance(c)) for c in group.contacts])
            for group in contact_groups(self.queryset)
        ]


class InviteForm(forms.Form):
    contacts = GroupedContactField(
        label=_("Contacts to invite"),
        queryset=None,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "Each invitee receives the invitation by e-mail with a link to answer it. "
            "Hold Ctrl (⌘ on a Mac) to choose several."
        ),
        error_messages={
            "required": _("Choose at least one contact to invite."),
            "invalid_choice": _(
                "One of the chosen contacts cannot be invited (already invited, retired or "
                "not of this mission): choose again from the list."
            ),
            "invalid_pk_value": _("Choose contacts from the list."),
        },
    )

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["contacts"]
        field.queryset = contacts
        field.choices = field.grouped_choices


class RsvpForm(VersionForm):
    rsvp = forms.ChoiceField(
        label=_("Will you take part?"),
        label_suffix="",  # a question: no colon after it
        choices=[(answer.value, answer.label) for answer in RSVP_ANSWERS],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose accepted, tentative or declined.")},
    )

"""Forms of the feedback pages: they read and check input; the feedback services write.

The question editor is a formset, so it works without JavaScript: each question is a row
(kind, label, required, choices one per line, the benchmark a scale feeds), ordered by a
position field and removed by a checkbox; "Add a question" posts the page back with one
more empty row. Answers are plain fields named ``q<question id>``; the service checks them.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeedbackForm, Question, Stakeholder

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
FORM_FIELDS = ("title", "intro", "language", "opens_at", "closes_at", "allow_anonymous")
SCALE = [(value, str(value)) for value in range(1, 6)]


class FeedbackFormForm(forms.Form):
    """A form's own fields, plus the ``version`` it was read at (edits only).

    Dates are read and shown in the current time zone: the views activate the mission's.
    """

    title = forms.CharField(label=_("Title"), max_length=255)
    intro = forms.CharField(
        label=_("Introduction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown above the questions: who asks, why, and what happens to answers."),
    )
    language = forms.ChoiceField(
        label=_("Language of the form"),
        choices=FeedbackForm._meta.get_field("language").choices,
        help_text=_("The public page is shown in this language (Arabic right to left)."),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens at"), required=False, widget=DATETIME, help_text=_("Empty: at once.")
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"), required=False, widget=DATETIME, help_text=_("Empty: when closed.")
    )
    allow_anonymous = forms.BooleanField(
        label=_("Allow anonymous answers"),
        required=False,
        help_text=_(
            "When off, people answering through the public link give a name and organisation."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "intro"):
            self.fields[name].widget.attrs["dir"] = "auto"

    @staticmethod
    def initial_from(form: FeedbackForm) -> dict[str, Any]:
        data = {name: getattr(form, name) for name in FORM_FIELDS}
        data["version"] = form.version
        return data

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in FORM_FIELDS}


class QuestionForm(forms.Form):
    """One question of the editor; ``benchmarks`` are the mission's rating benchmark codes."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A blank first choice, so an untouched empty row is "unchanged" and ignored.
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Choose a kind")), *Question.Kind.choices]
    )
    label = forms.CharField(label=_("Question"), max_length=500)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    choices = forms.CharField(
        label=_("Choices, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Single- and multiple-choice questions only."),
    )
    benchmark = forms.ChoiceField(
        label=_("Rating benchmark this scale feeds"),
        required=False,
        help_text=_("Scale questions only (1 = lowest, 5 = highest); optional."),
    )

    def __init__(self, *args, benchmarks: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benchmark"].choices = [("", _("None")), *benchmarks]
        self.fields["label"].widget.attrs["dir"] = "auto"
        self.fields["choices"].widget.attrs["dir"] = "auto"

    @staticmethod
    def initial_from(question: Question) -> dict[str, Any]:
        return {
            "id": question.pk,
            "kind": question.kind,
            "label": question.label,
            "required": question.required,
            "choices": "\n".join(question.choices or []),
            "benchmark": question.benchmark.code if question.benchmark_id else "",
        }

    def row_for_service(self, order: int) -> dict[str, Any]:
        data = self.cleaned_data
        choices = [line.strip() for line in data["choices"].splitlines() if line.strip()]
        row = {
            "order": order,
            "kind": data["kind"],
            "label": data["label"],
            "required": data["required"],
            "choices": choices,
            "benchmark": data["benchmark"] or None,
        }
        if data.get("id") is not None:
            row["id"] = data["id"]
        return row


class BaseQuestionFormSet(forms.BaseFormSet):
    def get_ordering_widget(self):
        return forms.NumberInput(attrs={"min": 1, "class": "question-position"})

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].label = _("Position")
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this question")


QuestionFormSet = forms.formset_factory(
    QuestionForm,
    formset=BaseQuestionFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=200,
    validate_max=True,
)


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False)


# Answers ---------------------------------------------------------------------------------


def answer_field_name(question: Question) -> str:
    return f"q{question.pk}"


class PostedAnswer(forms.Field):
    """Hands the posted value to the service as it came: the service checks every answer,
    so a person sees all the problems at once, each in the service's words."""

    def to_python(self, value):
        if isinstance(value, str) and self.whole_number and value.strip().isdigit():
            return int(value)
        return value

    def __init__(self, *, whole_number: bool = False, **kwargs):
        self.whole_number = whole_number
        super().__init__(**kwargs)


def _answer_field(question: Question) -> forms.Field:
    """The field for one question; required-ness is the service's to check (its messages)."""
    common = {"label": question.label, "required": False}
    # The browser may stop an empty required answer before a round trip; a group of
    # checkboxes cannot say "at least one" in HTML, so the service alone checks those.
    attrs = {"required": True} if question.required else {}
    if question.kind == Question.Kind.TEXT:
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4, "dir": "auto", **attrs}), strip=False, **common
        )
    if question.kind == Question.Kind.SCALE:
        widget = forms.RadioSelect(attrs=attrs, choices=SCALE)
        return PostedAnswer(widget=widget, whole_number=True, **common)
    choices = [(choice, choice) for choice in question.choices or []]
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return PostedAnswer(widget=forms.RadioSelect(attrs=attrs, choices=choices), **common)
    return PostedAnswer(widget=forms.CheckboxSelectMultiple(choices=choices), **common)


class AnswerForm(forms.Form):
    """One field per question; ``public`` adds the fields of the public link.

    The public fields: a name and an organisation (only when the form does not allow
    anonymous answers), who the person answers for (optional), and ``website``, a honeypot
    people never see.
    """

    def __init__(self, *args, questions: list[Question], form: FeedbackForm, public: bool, **kw):
        super().__init__(*args, **kw)
        self.questions = questions
        for question in questions:
            field = _answer_field(question)
            field.question = question
            self.fields[answer_field_name(question)] = field
        if public:
            if not form.allow_anonymous:
                # Required, but the service's message says why ("This form asks for…").
                for name, label, length in (
                    ("name", _("Your name"), 200),
                    ("organisation", _("Your organisation"), 255),
                ):
                    self.fields[name] = forms.CharField(
                        label=label,
                        max_length=length,
                        required=False,
                        widget=forms.TextInput(attrs={"required": True, "dir": "auto"}),
                    )
            self.fields["stakeholder_kind"] = forms.ChoiceField(
                label=_("Who are you answering for?"),
                required=False,
                choices=[("", _("Prefer not to say")), *Stakeholder.Kind.choices],
            )
            self.fields["website"] = forms.CharField(
                label=_("Leave this field empty"),
                required=False,
                strip=False,
                widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
            )

    def question_fields(self):
        return [self[answer_field_name(q)] for q in self.questions]

    def answers(self) -> dict[str, Any]:
        """Question id → answer, blanks left out (the service says which are required)."""
        answers = {}
        for question in self.questions:
            value = self.cleaned_data.get(answer_field_name(question))
            if value in (None, "", []):
                continue
            answers[str(question.pk)] = value
        return answers

    def full_clean(self):
        super().full_clean()
        self._describe_errors()

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """The service's errors (``answers.<id>``, ``name``…) beside the fields they are about."""
        for key, messages in errors.items():
            name = f"q{key.split('.', 1)[1]}" if key.startswith("answers.") else key
            self.add_error(name if name in self.fields else None, messages)
        self._describe_errors()

    def _describe_errors(self) -> None:
        """Inputs with an error point at it, so a screen reader reads it with the field."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}_errors"

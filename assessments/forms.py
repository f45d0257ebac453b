"""Forms of the assessment pages: they check input; the services write."""

import os
from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from missions.models import Benchmark
from missions.selectors import decimal_text

from .models import Assessment

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".csv")
IMPORT_MAX_BYTES = 20 * 1024 * 1024  # as the API's import
IMPORT_TYPES = (".csv", ".xlsx")


def _check_file(upload, *, types: tuple[str, ...], max_bytes: int) -> None:
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in types:
        raise forms.ValidationError(
            _("“%(name)s” is not a file type we accept here. Use one of: %(types)s."),
            params={"name": upload.name, "types": ", ".join(t.lstrip(".") for t in types)},
            code="file_type",
        )
    if upload.size > max_bytes:
        raise forms.ValidationError(
            _("This file is %(size)s; the limit is %(limit)s. Compress or split it."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes)},
            code="file_size",
        )


class AssessmentStartForm(forms.Form):
    """Start a round: its date, kind, method and summary (scores come on the round's page)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(
            fields_for_model(
                Assessment,
                fields=("as_of", "kind", "method", "summary"),
                widgets={
                    "as_of": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                    "summary": forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
                },
            )
        )


class ScoreRowForm(forms.Form):
    """One benchmark's row of the grid: a value or a rating, evidence and source.

    Labels name the benchmark (shown to screen readers; the column headers show them to
    everyone), so each input is announced as "Rating: <benchmark>" when tabbing row by row.
    """

    evidence = forms.CharField(required=False, max_length=10_000)
    source = forms.CharField(required=False, max_length=255)

    def __init__(self, *args, benchmark: Benchmark, **kwargs):
        kwargs.setdefault("prefix", f"b{benchmark.pk}")
        super().__init__(*args, **kwargs)
        self.benchmark = benchmark
        title = benchmark.title
        if benchmark.kind == Benchmark.Kind.QUANTITATIVE:
            figure = forms.DecimalField(
                required=False,
                max_digits=18,
                decimal_places=4,
                label=_("Value: %(benchmark)s") % {"benchmark": title},
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
            self.figure_name = "value"
        else:
            figure = forms.IntegerField(
                required=False,
                min_value=1,
                max_value=4,
                label=_("Rating: %(benchmark)s") % {"benchmark": title},
                error_messages={
                    "min_value": _("Give a rating from 1 to 4."),
                    "max_value": _("Give a rating from 1 to 4."),
                    "invalid": _("Give a rating from 1 to 4."),
                },
                widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
            )
            self.figure_name = "rating"
        self.fields = {self.figure_name: figure, **self.fields}
        self.fields["evidence"].label = _("Evidence: %(benchmark)s") % {"benchmark": title}
        self.fields["evidence"].widget = forms.Textarea(attrs={"rows": 2, "dir": "auto"})
        self.fields["source"].label = _("Source: %(benchmark)s") % {"benchmark": title}
        self.fields["source"].widget.attrs["dir"] = "auto"

    @staticmethod
    def initial_from(score) -> dict[str, Any]:
        if score is None:
            return {}
        return {
            "value": decimal_text(score.value) or None,
            "rating": decimal_text(score.rating) or None,
            "evidence": score.evidence,
            "source": score.source,
        }

    def score_row(self) -> dict[str, Any] | None:
        """The score row for ``assessment_update``, or None when the row is left empty."""
        data = self.cleaned_data
        figure = data.get(self.figure_name)
        if figure is None and not data.get("evidence") and not data.get("source"):
            return None
        return {
            "benchmark": self.benchmark.code,
            self.figure_name: figure,
            "evidence": data.get("evidence", ""),
            "source": data.get("source", ""),
        }


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("PDF, PNG, JPG, DOCX, XLSX or CSV, up to 10 MB."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_file(upload, types=ATTACHMENT_TYPES, max_bytes=ATTACHMENT_MAX_BYTES)
        return upload


class ImportForm(forms.Form):
    label = forms.CharField(
        label=_("Data set"),
        max_length=200,
        help_text=_(
            "The data set's name. Importing the same data set again updates its draft rounds."
        ),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    submit = forms.BooleanField(
        label=_("Submit the rounds this import creates or changes"), required=False
    )
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "A header row naming the columns benchmark, as_of, value or rating, evidence, "
            "source; up to 20 MB."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _check_file(upload, types=IMPORT_TYPES, max_bytes=IMPORT_MAX_BYTES)
        return upload


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it goes back"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("Its author sees this and knows what to fix."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

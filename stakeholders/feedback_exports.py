"""Feedback results as CSV and XLSX, with exactly the visibility of the results page.

Without manage_feedback an export is the summary only: the aggregates of
``feedback_results`` with every group under five answers written as "fewer than 5", never a
number. With it, the CSV is one row per submission (text answers included) and the XLSX
holds the summary and those rows on two sheets. A public submitter appears only as what the
form asked of them; nothing else about them exists to export.

Every text cell is neutralised against formula injection: a spreadsheet runs a cell that
starts with = + - @ (or a tab or carriage return) as a formula, so those get a leading
apostrophe. Rows are read in one query and written as they come (the CSV is streamed).
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .models import FeedbackForm, Question, Stakeholder
from .services.feedback import MIN_GROUP

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Submissions fetched per round trip while exporting (one query, read in chunks).
ITERATOR_CHUNK = 500


def safe_cell(value: Any) -> Any:
    """A cell value a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def fewer_than_label() -> str:
    """What a withheld count reads, on the page's charts and in exports."""
    return _("fewer than %(n)s") % {"n": MIN_GROUP}


def answer_text(value: Any) -> Any:
    """One stored answer as a cell: a list of choices joined, a scale as its number."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value if value is not None else ""


# The summary --------------------------------------------------------------------------------


def summary_rows(results: dict[str, Any]) -> list[list[Any]]:
    """The aggregates of ``feedback_results`` as a table, withheld groups as words."""

    def shown(count: int | None, withheld: bool) -> Any:
        return fewer_than_label() if withheld or count is None else count

    kinds = dict(Question.Kind.choices)
    rows: list[list[Any]] = [[_("Question"), _("Kind"), _("Answer"), _("Count"), _("Mean")]]
    rows.append([_("All submissions"), "", "", shown(results["total"], results["withheld"]), ""])
    for item in results["questions"]:
        label, kind = item["label"], str(kinds.get(item["kind"], item["kind"]))
        withheld = item["withheld"]
        mean = item.get("mean")
        rows.append(
            [
                label,
                kind,
                _("(answered)"),
                shown(item["count"], withheld),
                "" if mean is None else mean,
            ]
        )
        if withheld:
            continue
        for choice in item.get("choices") or []:
            rows.append(
                [label, kind, choice["choice"], shown(choice["count"], choice["withheld"]), ""]
            )
        for value, count in (item.get("distribution") or {}).items():
            rows.append([label, kind, value, shown(count, count is None), ""])
    return rows


# One row per submission (managers) ----------------------------------------------------------


def answers_header(form: FeedbackForm, questions: list[Question]) -> list[str]:
    return [
        _("Submitted at (%(zone)s)") % {"zone": form.mission.timezone},
        _("Stakeholder kind"),
        _("Name"),
        _("Organisation"),
        _("Answered signed in as"),
        *[q.label for q in questions],
    ]


def answers_rows(
    form: FeedbackForm, questions: list[Question], submissions: Iterable
) -> Iterator[list[Any]]:
    """Each submission's moment (mission time, no zone), kind, what the form asked, answers."""
    zone = ZoneInfo(form.mission.timezone)
    kinds = dict(Stakeholder.Kind.choices)
    for submission in submissions:
        local = submission.submitted_at.astimezone(zone).replace(tzinfo=None, microsecond=0)
        user = submission.user
        yield [
            local,
            str(kinds.get(submission.stakeholder_kind, "")),
            submission.name,
            submission.organisation,
            (user.name or user.email) if user is not None else "",
            *[answer_text(submission.answers.get(str(q.pk))) for q in questions],
        ]


# Writers --------------------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written to it, for a streamed csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return safe_cell(value)


def csv_response(rows: Iterable[list[Any]], filename: str) -> StreamingHttpResponse:
    """Stream ``rows`` as UTF-8 CSV with a byte-order mark (spreadsheets then read Arabic)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([_csv_value(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def xlsx_response(sheets: list[tuple[str, Iterable[list[Any]]]], filename: str) -> HttpResponse:
    """A workbook with one sheet per (title, rows), written in one pass."""
    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

"""The score import: many rows in, rounds of kind ``joint`` by date, all or nothing.

Shared by the API (`scores/import/`) and the staff page's upload. Every row is validated
before anything is written; any error answers every error found, each with its row number
(from 1), and writes nothing. A rerun of the same file changes nothing.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from missions.audit import audit
from missions.models import Benchmark, Mission
from missions.services import ensure_writable

from .models import Assessment, Score

MAX_ROWS = 50_000
COLUMNS = ("benchmark", "as_of", "value", "rating", "evidence", "source")
REQUIRED_COLUMNS = ("benchmark", "as_of")
LIMITS = {"evidence": 10_000, "source": 255, "label": 200}
# The key under which a file's row keeps values beyond the header's columns.
EXTRA = "\x00extra"


class ImportInvalid(Exception):
    """Rows with errors: ``errors`` is a list of {"row", "field", "detail"}."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the import")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    assessments: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "assessments": self.assessments,
        }


def rows_from_csv(content: bytes) -> list[dict[str, Any]]:
    """CSV with a header row naming the columns (UTF-8, a BOM tolerated)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1  # the header is line 1, row 0
        raise ImportInvalid(
            [
                {
                    "row": line - 1,
                    "field": "file",
                    "detail": _(
                        "The file is not UTF-8 text (line %(line)s): save it as "
                        "“CSV UTF-8” and send it again."
                    )
                    % {"line": line},
                }
            ]
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=EXTRA)
    _check_header(reader.fieldnames or [])
    return [_clean_keys(row) for row in reader]


def rows_from_xlsx(content: bytes) -> list[dict[str, Any]]:
    """The first sheet of an XLSX workbook; its first row names the columns."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ImportInvalid(
            [{"row": 0, "field": "file", "detail": _("The file is not a readable XLSX workbook.")}]
        ) from None
    sheet = workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(lines, ())]
    _check_header(header)
    rows = []
    for values in lines:
        if values is None or all(v is None or v == "" for v in values):
            continue
        row = dict(zip(header, values, strict=False))
        extra = [v for v in values[len(header) :] if v is not None and v != ""]
        if extra:
            row[EXTRA] = extra
        rows.append(_clean_keys(row))
    workbook.close()
    return rows


def _check_header(names: list[str]) -> None:
    """A file's first line names its columns: the required ones, each once, no others."""
    names = [str(n).strip().lower() for n in names if n is not None and str(n).strip()]
    columns = ", ".join(COLUMNS)
    if not set(REQUIRED_COLUMNS) <= set(names):
        raise ImportInvalid(
            [
                {
                    "row": 0,
                    "field": "header",
                    "detail": _(
                        "The first line must name the columns (%(columns)s): it names "
                        "%(names)s. Add the header line."
                    )
                    % {"columns": columns, "names": ", ".join(names) or _("nothing")},
                }
            ]
        )
    errors = [
        {
            "row": 0,
            "field": name,
            "detail": _("Unknown column; the columns are: %(columns)s.") % {"columns": columns},
        }
        for name in dict.fromkeys(names)
        if name not in COLUMNS
    ]
    errors += [
        {"row": 0, "field": name, "detail": _("This column is named twice in the header.")}
        for name in dict.fromkeys(names)
        if names.count(name) > 1
    ]
    if errors:
        raise ImportInvalid(errors)


def _clean_keys(row: dict) -> dict[str, Any]:
    return {
        k if k == EXTRA else str(k).strip().lower(): v
        for k, v in row.items()
        if k is not None and str(k).strip()
    }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(_text(value))
    except ValueError:
        return None


def _decimal(value) -> Decimal | None:
    text = _text(value)
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite() or -number.as_tuple().exponent > 4:
        raise ValueError(text)
    return number


@dataclass(frozen=True)
class _Row:
    number: int
    benchmark: Benchmark
    as_of: datetime.date
    value: Decimal | None
    rating: Decimal | None
    evidence: str
    source: str


def _validate(mission: Mission, rows: list[dict[str, Any]]) -> list[_Row]:
    errors: list[dict[str, Any]] = []

    def error(number, name, detail):
        errors.append({"row": number, "field": name, "detail": str(detail)})

    if not rows:
        raise ImportInvalid([{"row": 0, "field": "rows", "detail": _("There are no rows.")}])
    if len(rows) > MAX_ROWS:
        raise ImportInvalid(
            [
                {
                    "row": MAX_ROWS + 1,
                    "field": "rows",
                    "detail": _("At most %(max)s rows per import; split the file.")
                    % {"max": f"{MAX_ROWS:,}"},
                }
            ]
        )
    codes = {_text(r.get("benchmark")) for r in rows if isinstance(r, dict)}
    benchmarks = {
        b.code: b
        for b in Benchmark.objects.filter(mission=mission, code__in=codes).select_related(
            "objective"
        )
    }
    today = timezone.now().date() + datetime.timedelta(days=1)
    seen: dict[tuple[str, datetime.date], int] = {}
    valid: list[_Row] = []
    for number, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            error(number, "row", _("Each row must be an object with named columns."))
            continue
        if raw.get(EXTRA):
            error(
                number,
                "row",
                _(
                    "This row has more values than the header names columns: remove them, "
                    "or name their column."
                ),
            )
        unknown = sorted(set(raw) - set(COLUMNS) - {EXTRA})
        for name in unknown:
            error(
                number,
                name,
                _("Unknown column; the columns are: %(columns)s.")
                % {"columns": ", ".join(COLUMNS)},
            )
        code = _text(raw.get("benchmark"))
        benchmark = benchmarks.get(code)
        if not code:
            error(number, "benchmark", _("Give the benchmark's code."))
        elif benchmark is None:
            error(
                number,
                "benchmark",
                _("No benchmark of this mission has the code %(code)s.") % {"code": code},
            )
        elif benchmark.is_retired or benchmark.objective.is_retired:
            error(number, "benchmark", _("Benchmark %(code)s is retired.") % {"code": code})
            benchmark = None
        as_of = _date(raw.get("as_of"))
        if as_of is None:
            error(number, "as_of", _("Give the date as YYYY-MM-DD."))
        elif as_of > today:
            error(number, "as_of", _("The date is in the future."))
        try:
            value = _decimal(raw.get("value"))
        except ValueError:
            error(number, "value", _("Not a number with at most 4 decimal places."))
            value = benchmark = None
        try:
            rating = _decimal(raw.get("rating"))
        except ValueError:
            error(number, "rating", _("Not a number with at most 4 decimal places."))
            rating = benchmark = None
        if benchmark is not None:
            if benchmark.kind == Benchmark.Kind.QUANTITATIVE:
                if value is None or rating is not None:
                    error(
                        number,
                        "value",
                        _("%(code)s is quantitative: give a value, no rating.") % {"code": code},
                    )
                elif abs(value) >= Decimal(10) ** 14:
                    error(number, "value", _("The value is too large."))
            elif rating is None or value is not None:
                error(
                    number,
                    "rating",
                    _("%(code)s is rated: give a rating from 1 to 4, no value.") % {"code": code},
                )
            elif not Decimal(1) <= rating <= Decimal(4):
                error(number, "rating", _("A rating must be between 1 and 4."))
        evidence, source = _text(raw.get("evidence")), _text(raw.get("source"))
        for name, text in (("evidence", evidence), ("source", source)):
            if len(text) > LIMITS[name]:
                error(number, name, _("At most %(max)s characters.") % {"max": LIMITS[name]})
        if benchmark is not None and as_of is not None:
            first = seen.setdefault((code, as_of), number)
            if first != number:
                error(
                    number,
                    "benchmark",
                    _("Row %(first)s already scores %(code)s on %(date)s.")
                    % {"first": first, "code": code, "date": as_of.isoformat()},
                )
        if not errors or errors[-1]["row"] != number:
            valid.append(_Row(number, benchmark, as_of, value, rating, evidence, source))
    if errors:
        raise ImportInvalid(errors)
    return valid


@transaction.atomic
def scores_import(
    *, actor, mission: Mission, label: str, rows: list[dict[str, Any]], submit: bool = False
) -> ImportResult:
    """Import scores into rounds of kind ``joint`` and method ``dataset``, one per date.

    The round with the same label and date is reused whatever its status, else a new draft
    is made. A row that would change a score of a submitted or approved round is an error; a
    row equal to the stored score is unchanged. With ``submit``, the draft rounds the import
    creates or changes are submitted. Raises ImportInvalid (nothing written) on any error.
    """
    from .services import readiness_changed_on_commit

    label = (label or "").strip()
    if not label:
        raise ImportInvalid([{"row": 0, "field": "label", "detail": _("Name the data set.")}])
    if len(label) > LIMITS["label"]:
        raise ImportInvalid([{"row": 0, "field": "label", "detail": _("At most 200 characters.")}])
    ensure_writable(mission)
    valid = _validate(mission, rows)
    dates = {row.as_of for row in valid}
    rounds = {
        a.as_of: a
        for a in Assessment.objects.select_for_update()
        .filter(mission=mission, label=label, as_of__in=dates)
        .order_by("as_of", "id")
    }
    existing = {
        (s.assessment_id, s.benchmark_id): s
        for s in Score.objects.filter(assessment__in=list(rounds.values()))
    }
    errors = []
    result = ImportResult()
    to_create: list[tuple[_Row, datetime.date]] = []
    to_update: list[Score] = []
    touched: set[datetime.date] = set()
    for row in valid:
        assessment = rounds.get(row.as_of)
        score = existing.get((assessment.pk, row.benchmark.pk)) if assessment else None
        if score is not None and (score.value, score.rating, score.evidence, score.source) == (
            row.value,
            row.rating,
            row.evidence,
            row.source,
        ):
            result.unchanged += 1
            continue
        if assessment is not None and not assessment.is_draft:
            errors.append(
                {
                    "row": row.number,
                    "field": "value" if row.value is not None else "rating",
                    "detail": _(
                        "The %(date)s round of %(label)s is %(status)s: its scores no longer "
                        "change. Import into a new data set label instead."
                    )
                    % {
                        "date": row.as_of.isoformat(),
                        "label": label,
                        "status": assessment.get_status_display().lower(),
                    },
                }
            )
            continue
        touched.add(row.as_of)
        if score is None:
            to_create.append((row, row.as_of))
        else:
            score.value, score.rating = row.value, row.rating
            score.evidence, score.source = row.evidence, row.source
            score.version += 1
            to_update.append(score)
    if errors:
        raise ImportInvalid(errors)
    now = timezone.now()
    for as_of in sorted(touched - set(rounds)):
        rounds[as_of] = Assessment.objects.create(
            mission=mission,
            as_of=as_of,
            kind="joint",
            method=Assessment.Method.DATASET,
            label=label,
            author=actor,
            summary=_("Imported from the data set %(label)s.") % {"label": label},
        )
    Score.objects.bulk_create(
        [
            Score(
                assessment=rounds[as_of],
                benchmark=row.benchmark,
                value=row.value,
                rating=row.rating,
                evidence=row.evidence,
                source=row.source,
            )
            for row, as_of in to_create
        ],
        batch_size=2000,
    )
    if to_update:
        for score in to_update:
            score.updated_at = now  # bulk_update skips auto_now
        Score.objects.bulk_update(
            to_update,
            ["value", "rating", "evidence", "source", "version", "updated_at"],
            batch_size=2000,
        )
    result.created = len(to_create)
    result.updated = len(to_update)
    changed = [rounds[d] for d in sorted(touched)]
    if changed:
        Assessment.objects.filter(pk__in=[a.pk for a in changed]).update(
            version=F("version") + 1, updated_at=now
        )
    if submit and changed:
        Assessment.objects.filter(
            pk__in=[a.pk for a in changed], status=Assessment.Status.DRAFT
        ).update(status=Assessment.Status.SUBMITTED, submitted_at=now)
        readiness_changed_on_commit(mission.pk)
    for assessment in changed:
        audit(
            mission=mission,
            actor=actor,
            action="assessment.import",
            target=assessment,
            changes={
                "label": [None, label],
                "scores": [
                    None,
                    sum(1 for r, d in to_create if d == assessment.as_of)
                    + sum(1 for s in to_update if s.assessment_id == assessment.pk),
                ],
                **({"status": ["draft", "submitted"]} if submit else {}),
            },
        )
    result.assessments = sorted(a.pk for a in rounds.values() if a.as_of in dates)
    return result

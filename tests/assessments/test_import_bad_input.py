"""Bad input to POST …/scores/import/: a clear error naming the row and field, nothing written.

Every bad input of issue 7 goes through the endpoint, as an integrator's file would: wrong
encoding, a missing header, extra columns, unknown benchmark codes, a value for a rated
benchmark, dates out of range, a row that would change a submitted round, duplicate rows,
one row over the limit. A BOM and Windows line ends are not bad input: they must work.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.imports import MAX_ROWS
from assessments.models import Assessment, Score
from missions.models import AuditEvent
from missions.services import benchmark_create, objective_create

HEADER = "benchmark,as_of,value,rating,evidence,source"


@pytest.fixture
def plan(mission, admin):
    objective = objective_create(actor=admin, mission=mission, category="security", title="S")
    benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-incidents",
        title="Security incidents",
        kind="quantitative",
        baseline=Decimal(400),
        target=Decimal(100),
    )
    benchmark_create(
        actor=admin, objective=objective, code="bm-dialogue", title="Dialogue", kind="rating"
    )


@pytest.fixture
def upload(client, mission, staff, plan):
    """POST a CSV file (bytes, or lines joined with \\n) to the import; the response."""
    client.force_login(staff)

    def post(content, *, label="UNDSS incidents", submit=False, name="scores.csv"):
        if isinstance(content, list):
            content = "\n".join(content).encode()
        data = {"label": label, "submit": "true" if submit else "false"}
        data["file"] = SimpleUploadedFile(name, content, "text/csv")
        return client.post(f"/api/v1/missions/{mission.code}/scores/import/", data)

    return post


@pytest.fixture
def written(db):
    """What the database holds that an import writes: rounds, scores, audit events."""

    def count():
        return (Assessment.objects.count(), Score.objects.count(), AuditEvent.objects.count())

    return count


def row_errors(response) -> list[tuple[int, str]]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["detail"].endswith("nothing was imported.")
    assert all(error["detail"] for error in body["errors"])
    return [(error["row"], error["field"]) for error in body["errors"]]


def test_a_latin_1_file_names_the_first_line_that_is_not_utf_8(upload, written):
    before = written()
    content = (
        f"{HEADER}\n"
        "bm-incidents,2026-03-31,380,,Q1 report,UNDSS\n"
        "bm-incidents,2026-06-30,350,,Rapport de sécurité,UNDSS\n"
    ).encode("latin-1")

    response = upload(content)

    assert row_errors(response) == [(2, "file")]
    assert "UTF-8" in response.json()["errors"][0]["detail"]
    assert written() == before


def test_a_file_without_its_header_line_says_to_add_it(upload, written):
    before = written()

    response = upload(["bm-incidents,2026-03-31,380,,,", "bm-dialogue,2026-03-31,,2,,"])

    assert row_errors(response) == [(0, "header")]
    assert "Add the header line" in response.json()["errors"][0]["detail"]
    assert written() == before


def test_an_extra_column_in_the_header_is_named_once(upload, written):
    before = written()
    lines = [f"{HEADER},colour"] + [f"bm-incidents,2026-0{m}-01,380,,,,red" for m in (1, 2, 3)]

    response = upload(lines)

    assert row_errors(response) == [(0, "colour")]
    assert written() == before


def test_a_row_with_more_values_than_the_header_has_columns_is_an_error(upload, written):
    before = written()

    response = upload(
        [HEADER, "bm-incidents,2026-03-31,380,,,UNDSS", "bm-incidents,2026-06-30,350,,,UNDSS,??"]
    )

    assert row_errors(response) == [(2, "row")]
    assert written() == before


def test_a_column_named_twice_is_an_error(upload, written):
    before = written()

    response = upload(["benchmark,as_of,value,value", "bm-incidents,2026-03-31,380,350"])

    assert row_errors(response) == [(0, "value")]
    assert written() == before


def test_a_utf_8_file_with_a_bom_and_windows_line_ends_is_imported(upload):
    content = (
        "\ufeff" + HEADER + "\r\n"
        "bm-incidents,2026-03-31,380,,Q1 report,UNDSS\r\n"
        'bm-dialogue,2026-03-31,,3,"Dialogue resumed,\r\nnot yet in Ituri",OCHA\r\n'
    ).encode()

    response = upload(content)

    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2
    assert Score.objects.get(benchmark__code="bm-incidents").source == "UNDSS"
    assert Score.objects.get(benchmark__code="bm-dialogue").evidence == (
        "Dialogue resumed,\r\nnot yet in Ituri"
    )


def test_unknown_benchmark_codes_are_named_with_their_rows(upload, written):
    before = written()

    response = upload(
        [HEADER, "bm-incidents,2026-03-31,380,,,", "bm-sec-incident,2026-03-31,380,,,"]
    )

    assert row_errors(response) == [(2, "benchmark")]
    assert "bm-sec-incident" in response.json()["errors"][0]["detail"]
    assert written() == before


def test_a_value_for_a_rated_benchmark_asks_for_a_rating(upload, written):
    before = written()

    response = upload([HEADER, "bm-dialogue,2026-03-31,3,,,"])

    assert row_errors(response) == [(1, "rating")]
    assert "bm-dialogue is rated" in response.json()["errors"][0]["detail"]
    assert written() == before


@pytest.mark.parametrize(
    "as_of", ["2999-01-01", "2026-02-30", "2026-13-01", "31/03/2026", "", "0000-01-01"]
)
def test_a_date_out_of_range_or_not_a_date_is_an_error(upload, written, as_of):
    before = written()

    response = upload([HEADER, "bm-incidents,2026-03-31,380,,,", f"bm-incidents,{as_of},350,,,"])

    assert row_errors(response) == [(2, "as_of")]
    assert written() == before


def test_a_row_that_would_change_a_submitted_round_is_an_error(upload, written):
    first = upload([HEADER, "bm-incidents,2026-03-31,380,,,"], submit=True)
    assert first.status_code == 201
    before = written()

    response = upload([HEADER, "bm-incidents,2026-06-30,350,,,", "bm-incidents,2026-03-31,370,,,"])

    assert row_errors(response) == [(2, "value")]
    assert "submitted" in response.json()["errors"][0]["detail"]
    assert written() == before


def test_duplicate_rows_within_the_file_name_the_first_one(upload, written):
    before = written()

    first, other = "bm-incidents,2026-03-31,380,,,", "bm-dialogue,2026-03-31,,2,,"

    response = upload([HEADER, first, other, first])

    assert row_errors(response) == [(3, "benchmark")]
    assert "Row 1 already scores bm-incidents" in response.json()["errors"][0]["detail"]
    assert written() == before


def test_one_row_over_the_limit_is_refused_naming_that_row(upload, written):
    before = written()
    lines = [HEADER] + ["bm-incidents,2026-03-31,380,,,"] * (MAX_ROWS + 1)

    response = upload(lines)

    assert row_errors(response) == [(MAX_ROWS + 1, "rows")]
    assert "split the file" in response.json()["errors"][0]["detail"]
    assert written() == before


def test_a_rerun_of_the_same_file_answers_200_and_changes_nothing(upload, written):
    lines = [HEADER, "bm-incidents,2026-03-31,380,,,", "bm-dialogue,2026-06-30,,2,,"]
    first = upload(lines, submit=True)
    assert first.status_code == 201
    before = written()

    again = upload(lines, submit=True)

    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": 0, "unchanged": 2}
    assert written() == before


def test_an_error_in_the_last_row_leaves_nothing_of_the_rows_before_it(upload, written):
    before = written()
    lines = [HEADER] + [
        f"bm-incidents,2025-{m:02d}-28,{400 - m * 10},,,UNDSS" for m in range(1, 13)
    ]
    lines.append("bm-dialogue,2025-12-28,,5,,")  # a rating from 1 to 4

    response = upload(lines, submit=True)

    assert row_errors(response) == [(13, "rating")]
    assert written() == before


def test_a_conflict_found_after_validation_also_leaves_nothing(upload, written):
    upload([HEADER, "bm-dialogue,2026-03-31,,2,,"], submit=True)
    before = written()
    lines = [HEADER] + [f"bm-incidents,2025-{m:02d}-28,{400 - m * 10},,," for m in range(1, 13)]
    lines.append("bm-dialogue,2026-03-31,,3,,")  # the submitted round of 31 March

    response = upload(lines, submit=True)

    assert row_errors(response) == [(13, "rating")]
    assert written() == before

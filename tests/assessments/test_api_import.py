"""POST …/scores/import/: JSON or a file, 201/200, list-shaped row errors, nothing half-done."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from accounts.tokens import api_token_create
from assessments.models import Assessment, Score
from missions.services import benchmark_create, objective_create


@pytest.fixture
def plan(mission, admin):
    objective = objective_create(actor=admin, mission=mission, category="security", title="S")
    benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-incidents",
        title="Incidents",
        kind="quantitative",
        baseline=Decimal(100),
        target=Decimal(20),
    )
    benchmark_create(actor=admin, objective=objective, code="bm-dialogue", title="D", kind="rating")


def url(mission):
    return f"/api/v1/missions/{mission.code}/scores/import/"


BODY = {
    "label": "UNDSS",
    "rows": [
        {"benchmark": "bm-incidents", "as_of": "2026-03-31", "value": "80"},
        {"benchmark": "bm-dialogue", "as_of": "2026-06-30", "rating": 3},
    ],
}


def test_json_rows_are_imported_and_a_rerun_answers_200_with_nothing_changed(
    client, mission, staff, plan
):
    client.force_login(staff)
    first = client.post(url(mission), BODY, content_type="application/json")
    assert first.status_code == 201
    assert first.json()["created"] == 2 and len(first.json()["assessments"]) == 2
    again = client.post(url(mission), BODY, content_type="application/json")
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created": 0, "unchanged": 2}


def test_row_errors_are_a_list_with_row_numbers_and_nothing_is_written(
    client, mission, staff, plan
):
    client.force_login(staff)
    body = {
        "label": "L",
        "rows": [BODY["rows"][0], {"benchmark": "bm-x", "as_of": "2026-01-01", "value": 1}],
    }
    response = client.post(url(mission), body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "row": 2,
            "field": "benchmark",
            "detail": "No benchmark of this mission has the code bm-x.",
        }
    ]
    assert not Score.objects.exists()


def test_a_csv_file_is_imported_and_submitted(client, mission, staff, plan):
    client.force_login(staff)
    csv = b"benchmark,as_of,value,rating\nbm-incidents,2026-03-31,80,\nbm-dialogue,2026-03-31,,2\n"
    response = client.post(
        url(mission),
        {
            "label": "csv",
            "submit": "true",
            "file": SimpleUploadedFile("scores.csv", csv, "text/csv"),
        },
    )
    assert response.status_code == 201, response.json()
    assert Assessment.objects.get(label="csv").status == "submitted"


def test_an_xlsx_file_is_imported(client, mission, staff, plan):
    workbook = Workbook()
    workbook.active.append(["benchmark", "as_of", "value"])
    workbook.active.append(["bm-incidents", "2026-03-31", 70])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(staff)
    upload = SimpleUploadedFile("scores.xlsx", buffer.getvalue())
    response = client.post(url(mission), {"label": "xlsx", "file": upload})
    assert response.status_code == 201
    assert Score.objects.get().value == 70


def test_neither_rows_nor_file_is_a_400_on_rows(client, mission, staff, plan):
    client.force_login(staff)
    response = client.post(url(mission), {"label": "L"}, content_type="application/json")
    assert response.status_code == 400
    assert "rows" in response.json()["errors"]


def test_an_idempotency_key_replays_the_first_answer(client, mission, staff, plan):
    client.force_login(staff)
    first = client.post(
        url(mission), BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    replay = client.post(
        url(mission), BODY, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 201),
        ("staff", 201),
        ("liaison", 403),
        ("partner", 403),
        ("observer", 403),
        ("stranger", 404),
        ("anonymous", 401),
    ],
)
def test_who_may_import(request, client, mission, plan, persona, status):
    headers = {}
    if persona != "anonymous":
        user = request.getfixturevalue(persona)
        _, key = api_token_create(user=user, name="t")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"
    response = client.post(url(mission), BODY, content_type="application/json", **headers)
    assert response.status_code == status
    if status == 403:
        assert response.json()["allowed_roles"] == ["admin", "staff"]


def test_a_read_only_token_cannot_import(client, mission, staff, plan):
    _, key = api_token_create(user=staff, name="ro", read_only=True)
    response = client.post(
        url(mission), BODY, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 403

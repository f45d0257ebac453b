"""The published OpenAPI schema: valid, complete, honest about errors, with examples.

Integrators generate clients from /api/schema/ and read /api/docs/: the schema must
validate with a standard validator, hold every path of DESIGN.md, describe every error as
problem details, and show an example of each resource; the docs must work offline.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from openapi_spec_validator import validate

PROBLEM = "application/problem+json"
CHECK_API_PATHS = Path(__file__).resolve().parents[2] / "shared/tools/check_api_paths.py"
MISSION = "/api/v1/missions/{mission_code}"


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    """The schema as an anonymous client reads it (generated once for this module)."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_the_schema_is_open_without_signing_in_and_validates_as_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)  # raises on the first error


def test_the_schema_generates_without_any_drf_spectacular_warning(db, tmp_path, capsys):
    # --fail-on-warn raises on any warning or error the generator reports.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", tmp_path / "s.yaml")
    assert "Warning" not in capsys.readouterr().err


def test_check_api_paths_finds_every_path_of_design_md(schema, tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))

    run = subprocess.run(
        [sys.executable, str(CHECK_API_PATHS), str(path)], capture_output=True, text=True
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^(\d+) of \1 paths of DESIGN.md present$", run.stdout, re.M), run.stdout


def test_every_error_response_is_documented_as_problem_details(schema):
    assert set(schema["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
        "detail",
    }
    undocumented = [
        (method, path, code)
        for method, path, operation in operations(schema)
        for code, response in operation["responses"].items()
        if code.startswith("4") and PROBLEM not in response.get("content", {})
    ]
    assert undocumented == []


def test_every_operation_documents_the_errors_that_apply_to_it(schema):
    missing = []
    for method, path, operation in operations(schema):
        codes = set(operation["responses"])
        params = {(p["in"], p["name"]): p for p in operation.get("parameters", [])}
        want = set()
        if operation.get("security") not in (None, [{}]):
            want |= {"401", "403"}
        if any(where == "path" for where, _ in params):
            want.add("404")
        if method != "get":
            want.add("400")
            if path.startswith(MISSION):
                want.add("409")
        if ("header", "If-Match") in params:
            assert params["header", "If-Match"]["required"], (method, path)
            want |= {"412", "428"}
        if want - codes:
            missing.append((method, path, sorted(want - codes)))
    assert missing == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", f"{MISSION}/phases/{{id}}/"),
        ("put", f"{MISSION}/benchmarks/{{id}}/"),
        ("delete", f"{MISSION}/objectives/{{id}}/"),
        ("post", f"{MISSION}/assessments/{{id}}/submit/"),
        ("post", f"{MISSION}/assessments/{{id}}/approve/"),
        ("post", f"{MISSION}/phases/{{id}}/endorse/"),
        ("post", f"{MISSION}/feedback-forms/{{id}}/record-perception/"),
        ("patch", "/api/v1/missions/{mission_code}/"),
    ],
)
def test_changes_and_actions_require_if_match(schema, method, path):
    operation = schema["paths"][path][method]
    names = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert names["If-Match"]["required"] is True
    assert {"412", "428"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["412"]["headers"]


def test_posts_that_create_take_an_idempotency_key_and_others_do_not(schema):
    def headers(method, path):
        operation = schema["paths"][path][method]
        return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}

    assert "Idempotency-Key" in headers("post", f"{MISSION}/assessments/")
    assert "Idempotency-Key" in headers("post", f"{MISSION}/scores/import/")
    assert "Idempotency-Key" in headers("post", f"{MISSION}/comments/{{id}}/answer/")
    assert "Idempotency-Key" not in headers("post", f"{MISSION}/readiness/what-if/")
    assert "Idempotency-Key" not in headers("post", "/api/v1/me/tokens/")


def test_the_rate_limited_operations_document_429_with_retry_after(schema):
    for path in ("/api/v1/auth/token/", "/api/v1/public/forms/{token}/"):
        response = schema["paths"][path]["post"]["responses"]["429"]
        assert "Retry-After" in response["headers"]


def test_import_row_errors_are_documented_as_a_list(schema):
    response = schema["paths"][f"{MISSION}/scores/import/"]["post"]["responses"]["400"]
    shapes = response["content"][PROBLEM]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/ImportProblem"} in shapes
    errors = schema["components"]["schemas"]["ImportProblem"]["properties"]["errors"]
    assert errors["items"] == {"$ref": "#/components/schemas/ImportRowError"}


def test_readiness_is_one_object_and_what_if_answers_200(schema):
    readiness = schema["paths"][f"{MISSION}/readiness/"]["get"]["responses"]["200"]
    assert readiness["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Readiness"
    }
    assert "200" in schema["paths"][f"{MISSION}/readiness/what-if/"]["post"]["responses"]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("FeedbackForm", "public_url"),  # manage_feedback only
        ("Invitation", "deliveries"),  # manage_consultations only
        ("Contact", "email"),  # manage_consultations only
        ("Contact", "user"),
    ],
)
def test_a_field_some_callers_do_not_get_is_documented_and_never_required(schema, component, field):
    component = schema["components"]["schemas"][component]
    assert field in component["properties"]
    assert field not in component.get("required", [])


def test_a_member_invited_by_no_one_is_documented(schema):
    invited_by = schema["components"]["schemas"]["Member"]["properties"]["invited_by"]
    assert invited_by.get("nullable") or {"type": "null"} in invited_by.get("oneOf", [])


def test_every_id_in_a_path_is_an_integer(schema):
    kinds = {
        (name, json.dumps(parameter["schema"]))
        for _, path, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and (name := parameter["name"]).endswith(("id", "pk"))
    }
    assert {kind for _, kind in kinds} == {'{"type": "integer"}'}, kinds


# (resource, the operation that reads one, the operation that writes one or None)
RESOURCES = [
    ("mission", ("get", "/api/v1/missions/{mission_code}/"), ("post", "/api/v1/missions/")),
    ("phase", ("get", f"{MISSION}/phases/{{id}}/"), ("post", f"{MISSION}/phases/")),
    ("objective", ("get", f"{MISSION}/objectives/{{id}}/"), ("post", f"{MISSION}/objectives/")),
    ("benchmark", ("get", f"{MISSION}/benchmarks/{{id}}/"), ("post", f"{MISSION}/benchmarks/")),
    (
        "handover item",
        ("get", f"{MISSION}/handover-items/{{id}}/"),
        ("post", f"{MISSION}/handover-items/"),
    ),
    (
        "stakeholder",
        ("get", f"{MISSION}/stakeholders/{{id}}/"),
        ("post", f"{MISSION}/stakeholders/"),
    ),
    (
        "assessment",
        ("get", f"{MISSION}/assessments/{{id}}/"),
        ("post", f"{MISSION}/assessments/"),
    ),
    ("comment", ("get", f"{MISSION}/comments/{{id}}/"), ("post", f"{MISSION}/comments/")),
    (
        "consultation",
        ("get", f"{MISSION}/consultations/{{id}}/"),
        ("post", f"{MISSION}/consultations/"),
    ),
    (
        "feedback form",
        ("get", f"{MISSION}/feedback-forms/{{id}}/"),
        ("post", f"{MISSION}/feedback-forms/"),
    ),
    ("readiness", ("get", f"{MISSION}/readiness/"), None),
]


def _examples(content: dict) -> list:
    return [e["value"] for e in content["application/json"].get("examples", {}).values()]


@pytest.mark.parametrize(("resource", "read", "write"), RESOURCES, ids=[r[0] for r in RESOURCES])
def test_every_resource_shows_an_example(schema, resource, read, write):
    method, path = read
    answers = _examples(schema["paths"][path][method]["responses"]["200"]["content"])
    assert answers, f"no example answer for a {resource}"
    if write:
        method, path = write
        requests = _examples(schema["paths"][path][method]["requestBody"]["content"])
        assert requests, f"no example request for a {resource}"


def test_the_assessment_example_has_its_scores_named_by_benchmark_code(schema):
    body = schema["paths"][f"{MISSION}/assessments/"]["post"]["requestBody"]["content"]
    (example,) = _examples(body)
    assert {score["benchmark"] for score in example["scores"]} >= {"bm-sec-ddr-demobilised"}
    assert any("rating" in score for score in example["scores"])


def test_the_docs_are_served_without_any_external_url(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not shipped"
    # Swagger UI's default badge asks validator.swagger.io about the schema's address.
    assert '"validatorUrl": null' in html

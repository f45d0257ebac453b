"""A Python client generated from the live schema works, end to end, as an integrator's would.

openapi-python-client generates a package from /api/schema/ served by live_server; it is
installed, offline, into a throwaway virtualenv, whose python then runs a scenario against
the same server: get a token, create a benchmark, post an assessment with its scores,
submit it, approve it as a second person (four-eyes), read the mission's readiness.
"""

import datetime
import json
import subprocess
import sys
import sysconfig
from decimal import Decimal

import httpx
import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIRequestHandler
from django.utils import timezone

from missions.services import membership_create, objective_create
from tests.factories import UserFactory

pytestmark = [pytest.mark.client, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's

# Runs in the throwaway virtualenv: nothing from the project is importable there, only the
# generated package and its runtime dependencies (httpx, attrs, python-dateutil).
SCENARIO = """
import json
import sys

from exitplan_client import AuthenticatedClient, Client
from exitplan_client.api.auth import auth_token_create
from exitplan_client.api.missions import (
    missions_assessments_approve_create as approve,
    missions_assessments_create as create_assessment,
    missions_assessments_retrieve as get_assessment,
    missions_assessments_submit_create as submit,
    missions_benchmarks_create as create_benchmark,
    missions_readiness_list as readiness,
)
from exitplan_client.models import (
    AssessmentKindEnum,
    AssessmentRequest,
    BenchmarkKindEnum,
    BenchmarkRequest,
    MethodEnum,
    Problem,
    ScoreRequest,
    TokenIssued,
    TokenRequest,
)

base_url, mission, objective, as_of, staff_email, admin_email, password = sys.argv[1:]


def sign_in(email):
    issued = auth_token_create.sync(
        client=Client(base_url=base_url), body=TokenRequest(email=email, password=password)
    )
    assert isinstance(issued, TokenIssued), issued
    return AuthenticatedClient(base_url=base_url, token=issued.token, prefix="Token")


staff, admin = sign_in(staff_email), sign_in(admin_email)
benchmark = create_benchmark.sync(
    mission_code=mission,
    client=staff,
    body=BenchmarkRequest(
        objective=int(objective),
        code="bm-sec-ddr-demobilised",
        title="Combatants demobilised (P-DDRCS)",
        kind=BenchmarkKindEnum.QUANTITATIVE,
        unit="combatants",
        baseline="4600",
        target="8000",
    ),
)
assert not isinstance(benchmark, Problem), benchmark.to_dict()
draft = create_assessment.sync(
    mission_code=mission,
    client=staff,
    body=AssessmentRequest.from_dict(
        {
            "as_of": as_of,
            "kind": AssessmentKindEnum.SECURITY.value,
            "method": MethodEnum.DATASET.value,
            "summary": "P-DDRCS register",
            "scores": [ScoreRequest(benchmark=benchmark.code, value="6300").to_dict()],
        }
    ),
)
assert not isinstance(draft, Problem), draft.to_dict()


def etag(client, assessment_id):
    return get_assessment.sync_detailed(
        mission_code=mission, id=assessment_id, client=client
    ).headers["ETag"]


submitted = submit.sync(
    mission_code=mission, id=draft.id, client=staff, if_match=etag(staff, draft.id)
)
own = approve.sync_detailed(
    mission_code=mission, id=draft.id, client=staff, if_match=etag(staff, draft.id)
)
approved = approve.sync(
    mission_code=mission, id=draft.id, client=admin, if_match=etag(admin, draft.id)
)
figures = readiness.sync(mission_code=mission, client=staff)
print(
    json.dumps(
        {
            "benchmark": benchmark.code,
            "scores": [(s.benchmark, s.value) for s in draft.scores],
            "submitted": submitted.status.value,
            "own_approval": own.status_code,
            "own_approval_detail": own.parsed.detail,
            "approved": approved.status.value,
            "approved_by": approved.approved_by.id,
            "readiness": figures.readiness,
            "progress": {b.code: b.progress for b in figures.benchmarks},
            "recomputing": figures.recomputing,
        }
    )
)
"""


@pytest.fixture
def people(mission, site_admin):
    """A staff member who logs the round and the mission's admin who approves it."""
    staff = UserFactory(email="me-officer@example.org")
    membership_create(actor=site_admin, mission=mission, user=staff, role="staff")
    return {"staff": staff, "admin": site_admin}


@pytest.fixture
def client_venv(tmp_path_factory):
    """An empty virtualenv that sees the project's packages (for httpx, attrs, dateutil).

    A virtualenv made from this one's python would see the base interpreter's packages
    with --system-site-packages, not this virtualenv's: a .pth file adds them.
    """
    root = tmp_path_factory.mktemp("client-venv")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(root)],
        check=True,
    )
    python = root / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (root / site.removeprefix(str(root) + "/") / "project-venv.pth").write_text("\n".join(paths))
    return python


def test_a_generated_client_logs_a_round_and_reads_the_readiness(
    live_server, tmp_path, client_venv, mission, people, admin, monkeypatch
):
    cache.clear()  # sign-in lockouts of earlier tests
    # Without it the test server answers a kept-alive connection ~40 ms late (Nagle).
    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)
    objective = objective_create(
        actor=admin, mission=mission, category="security", title="Armed groups", weight=Decimal(1)
    )
    base_url = live_server.url.replace("localhost", "127.0.0.1")
    schema = tmp_path / "schema.json"
    schema.write_bytes(httpx.get(f"{base_url}/api/schema/?format=json").raise_for_status().content)
    (tmp_path / "generator.yml").write_text(
        "project_name_override: exitplan-client\n"
        "package_name_override: exitplan_client\n"
        "post_hooks: []\n"  # no ruff over the generated code: it is not ours to lint
    )

    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--config",
            str(tmp_path / "generator.yml"),
            "--meta",
            "setup",
            "--output-path",
            str(tmp_path / "client"),
        ],
        capture_output=True,
        text=True,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # Anything the generator could not read in the schema is reported as a warning.
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout

    pip = [sys.executable, "-m", "pip", "--python", str(client_venv), "install", "--quiet"]
    offline = ["--no-deps", "--no-index", "--no-build-isolation"]
    installed = subprocess.run(
        [*pip, *offline, str(tmp_path / "client")],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    (tmp_path / "scenario.py").write_text(SCENARIO)
    as_of = timezone.localdate() - datetime.timedelta(days=30)

    arguments = [base_url, mission.code, str(objective.pk), as_of.isoformat()]
    arguments += [people["staff"].email, people["admin"].email, PASSWORD]
    run = subprocess.run(
        [client_venv, tmp_path / "scenario.py", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # not the project: nothing of it may be imported by accident
    )

    assert run.returncode == 0, run.stdout + run.stderr
    outcome = json.loads(run.stdout)
    assert outcome["scores"] == [["bm-sec-ddr-demobilised", "6300.0000"]]
    assert outcome["submitted"] == "submitted"
    assert outcome["own_approval"] == 403
    assert outcome["own_approval_detail"].startswith("Someone other than the author")
    assert (outcome["approved"], outcome["approved_by"]) == ("approved", people["admin"].pk)
    # (6300 − 4600) / (8000 − 4600) = 0.5 of the only benchmark of the only objective.
    assert outcome["progress"] == {"bm-sec-ddr-demobilised": 0.5}
    assert outcome["readiness"] == 50.0

"""Schemathesis against the live schema, as every role and anonymous: the API holds.

Each role runs `schemathesis run` (the CLI of schemathesis 4, in a subprocess) against the
schema that live_server serves, with deterministic generation (derandomized, no example
database) and no shrinking, so a run is repeatable and bounded. It fails on any 5xx, any
status, content type, header or body the schema does not document, a required header that
is not enforced (If-Match: 428), auth that is ignored, and the stateful inconsistencies
schemathesis finds by chaining operations through the links it infers (a resource just
created that is not there, one deleted that still is).

Two checks stay off, on purpose: ``negative_data_rejection`` (DRF and django-filter ignore
a malformed optional query parameter such as ``?page_size=x``, by design) and
``positive_data_acceptance`` (a schema cannot say that a consultation ends after it starts,
so a schema-valid request may rightly answer 400 or 409).

The run is PostgreSQL's (marked ``postgres``): it is the database of production, and the
run is among the slowest of the suite. The demo data is seeded through the services
first; the operations that would end a run early (revoking the caller's own token,
renaming or closing the mission under test, demoting the caller) are aimed at throwaway
objects. What the fuzzing found is pinned below by plain tests that run on both databases.
"""

import datetime
import logging
import subprocess
import sys
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import WSGIRequestHandler

from accounts.models import User
from accounts.tokens import api_token_create, api_token_revoke
from missions.demo import demo_seed
from missions.models import Mission
from missions.services import membership_create
from stakeholders.services import consultation_create
from tests.factories import UserFactory

MISSION = "monusco"
# The mission whose own fields the fuzzer may change: renaming or closing MONUSCO would turn
# the rest of the run into 404s and 409s.
SCRATCH_MISSION = "unifil"


@dataclass(frozen=True)
class Plan:
    phases: str
    fuzzing: int  # examples per operation
    stateful: int  # examples of the stateful phase (each a chain of calls)


# Admin holds every permission but four-eyes and endorsement: the full run, with the
# coverage phase (the boundary values, valid and not, of every parameter and body). The
# others reach fewer code paths past their 403s: fuzzing and stateful chains are enough.
PLANS = {
    "admin": Plan("examples,coverage,fuzzing,stateful", fuzzing=8, stateful=60),
    "staff": Plan("examples,fuzzing,stateful", fuzzing=8, stateful=60),
    "liaison": Plan("examples,fuzzing,stateful", fuzzing=5, stateful=30),
    "partner": Plan("examples,fuzzing,stateful", fuzzing=5, stateful=30),
    "observer": Plan("fuzzing,stateful", fuzzing=4, stateful=10),
    "anonymous": Plan("fuzzing", fuzzing=3, stateful=0),
}


def config(plan: Plan, *, token_id: int | None, member_id: int) -> str:
    """schemathesis.toml for one run.

    Each include-* key of an [[operations]] table is a filter of its own (they are OR-ed),
    so an operation is named whole, as "METHOD /path".
    """
    own_token = f"""
[[operations]]
include-name = "DELETE /api/v1/me/tokens/{{id}}/"
parameters = {{ "path.id" = {token_id} }}
"""
    return f"""
[parameters]
"path.mission_code" = "{MISSION}"

[phases.fuzzing]
generation.max-examples = {plan.fuzzing}

[phases.stateful]
generation.max-examples = {max(plan.stateful, 1)}

[checks]
negative_data_rejection.enabled = false
positive_data_acceptance.enabled = false
# 428 is the answer to a missing If-Match (RFC 6585); a role without the permission, a
# closed mission, or an object deleted earlier in the run (the pinned ids) answer first.
missing_required_header.expected-statuses = [400, 401, 403, 404, 409, 428]

[[operations]]
include-path = "/api/v1/missions/{{mission_code}}/"
parameters = {{ "path.mission_code" = "{SCRATCH_MISSION}" }}

[[operations]]
include-name = [
    "PATCH /api/v1/missions/{{mission_code}}/members/{{id}}/",
    "DELETE /api/v1/missions/{{mission_code}}/members/{{id}}/",
]
parameters = {{ "path.id" = {member_id} }}
{own_token if token_id else ""}"""


@pytest.fixture
def fast_live_server(live_server, monkeypatch):
    """live_server without Nagle's algorithm.

    The test server writes an answer's headers and body apart; with Nagle on, each answer
    on a kept-alive connection then waits ~40 ms for the client's delayed ACK, which made
    this file four times slower.
    """
    monkeypatch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)
    return live_server.url.replace("localhost", "127.0.0.1")


@pytest.fixture
def seeded(fast_live_server):
    """The demo missions, a throwaway member, and each role's token (plus one to revoke)."""
    cache.clear()  # idempotency keys and sign-in lockouts of earlier runs
    demo_seed()
    throwaway = membership_create(
        actor=User.objects.get(email="siteadmin@demo.exitplan.org"),
        mission=Mission.objects.get(code=MISSION),
        user=UserFactory(email="fuzz-target@example.org"),
        role="observer",
    )
    tokens = {"anonymous": (None, None)}
    for role in PLANS.keys() - {"anonymous"}:
        user = User.objects.get(email=f"{role}@demo.exitplan.org")
        _, key = api_token_create(user=user, name="fuzz")
        spare, _ = api_token_create(user=user, name="fuzz: may be revoked")
        tokens[role] = (key, spare.pk)
    yield {"tokens": tokens, "member_id": throwaway.pk}
    cache.clear()


def failures(output: str) -> str:
    """The part of schemathesis's report worth reading in a failed test."""
    start = output.find("FAILURES")
    return (output[start:] if start >= 0 else output)[-20_000:]


@pytest.mark.fuzz
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(PLANS))
def test_the_api_answers_as_its_schema_says(role, seeded, fast_live_server, tmp_path, caplog):
    caplog.set_level(logging.ERROR, logger="django.request")  # thousands of 4xx, on purpose
    key, token_id = seeded["tokens"][role]
    plan = PLANS[role]
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config(plan, token_id=token_id, member_id=seeded["member_id"]))
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(settings)]
    command += ["--no-color", "run", f"{fast_live_server}/api/schema/?format=json"]
    command += ["--phases", plan.phases, "--workers", "1", "--request-timeout", "30"]
    command += ["--generation-deterministic", "--no-shrink"]
    command += ["--generation-with-security-parameters", "false"]
    if key:
        command += ["--header", f"Authorization: Token {key}"]

    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    (tmp_path / "schemathesis.log").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, f"schemathesis as {role}:\n{failures(run.stdout + run.stderr)}"


# What the fuzzing found, pinned on both databases -------------------------------------


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "moment",
    [
        "2026-06-16T02:29:32+16:19",  # valid ISO 8601; PostgreSQL stops at ±15:59 (was a 500)
        "2026-06-16T02:29:32-23:59",
    ],
)
def test_updated_after_with_any_utc_offset_is_read_in_utc(as_staff, mission, moment):
    response = as_staff.get(f"/api/v1/missions/{mission.code}/phases/", {"updated_after": moment})

    assert response.status_code == 200


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:29:32+10:00",  # before the first moment Python can hold (was a 500)
        "9999-12-31T23:29:32-10:00",  # after the last
        "2026-02-30T10:00:00Z",  # well formed, no such day (was a 500)
        "2026-06-16T02:29:32+24:00",  # no such offset (was a 500)
    ],
)
def test_updated_after_out_of_range_is_a_400_on_the_parameter(as_staff, mission, moment):
    response = as_staff.get(f"/api/v1/missions/{mission.code}/history/", {"updated_after": moment})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_after"]


def test_datetime_filters_read_any_utc_offset_and_refuse_what_overflows(as_staff, mission):
    url = f"/api/v1/missions/{mission.code}/consultations/"

    far_east = as_staff.get(url, {"starts_after": "2026-06-16T02:29:32+16:19"})
    overflow = as_staff.get(url, {"starts_before": "0001-01-01T00:00:00+05:00"})

    assert far_east.status_code == 200
    assert overflow.status_code == 400
    assert list(overflow.json()["errors"]) == ["starts_before"]


@pytest.mark.parametrize("path", ["members/null,null/", "members/7.5/"])
def test_a_member_id_that_is_no_number_is_a_404(as_staff, mission, path):
    response = as_staff.get(f"/api/v1/missions/{mission.code}/{path}")  # was a 500

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_token_id_that_is_no_number_is_a_404(as_staff):
    response = as_staff.delete("/api/v1/me/tokens/null,null/")  # was a 500

    assert response.status_code == 404


def test_my_tokens_take_updated_after_and_show_a_revocation(as_staff, staff):
    api_token_create(user=staff, name="kept")
    revoked, _ = api_token_create(user=staff, name="revoked")
    since = revoked.created_at.isoformat()
    api_token_revoke(token=revoked)

    response = as_staff.get("/api/v1/me/tokens/", {"updated_after": since})  # was a 500

    assert response.status_code == 200
    assert [token["name"] for token in response.json()["results"]] == ["revoked"]


def test_a_consultation_before_1900_shows_its_times_in_utc(as_staff, mission, admin):
    # Before standard time, Africa/Kinshasa is local mean time, +01:01:12: not RFC 3339.
    starts_at = datetime.datetime(688, 5, 30, 17, 10, 26, tzinfo=datetime.UTC)
    consultation = consultation_create(
        actor=admin,
        mission=mission,
        kind="meeting",
        title="Joint Working Group (the year typed wrong)",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=2),
    )

    response = as_staff.get(f"/api/v1/missions/{mission.code}/consultations/{consultation.pk}/")

    assert response.json()["starts_at"] == "0688-05-30T17:10:26Z"

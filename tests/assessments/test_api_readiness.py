"""Readiness over the API: the latest snapshot, figures for another date, the history of
snapshots and what-if figures that store nothing (so read-only tokens and closed missions
may ask for them).
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tokens import api_token_create
from assessments.models import Assessment, ReadinessSnapshot, Score
from assessments.selectors import mission_today
from assessments.services import assessment_create, assessment_submit, readiness_snapshot_create
from missions.models import AuditEvent
from missions.services import benchmark_create, objective_create, phase_create, record_update
from tests.test_permission_matrix import PERSONAS, _api_client, expected
from tests.test_permission_matrix import world as _world

world = _world  # the permission matrix's fixture: every persona in missions alpha and bravo

PROBLEM = "application/problem+json"
D = datetime.date(2026, 6, 30)
# DESIGN.md's readiness resource, key by key.
KEYS = [
    "mission",
    "as_of",
    "computed_at",
    "recomputing",
    "readiness",
    "confidence",
    "flags",
    "categories",
    "objectives",
    "benchmarks",
    "blockers",
    "gates",
    "projection",
]

ITEM_KEYS = {
    "objectives": ["id", "title", "category", "readiness", "flags"],
    "benchmarks": ["code", "progress", "met", "flags", "latest"],
    "blockers": ["benchmark", "share", "reason"],
    "gates": ["phase", "open", "reasons"],
}


def assert_design_shape(body):
    """Every key of DESIGN.md's readiness resource, in its order, at every level."""
    assert list(body) == KEYS
    for name, keys in ITEM_KEYS.items():
        assert body[name], name
        assert all(list(item) == keys for item in body[name]), name
    latest = [b["latest"] for b in body["benchmarks"] if b["latest"]]
    assert all(list(item) == ["as_of", "value", "rating"] for item in latest)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def make_plan(mission, actor):
    """Incidents 100 → 20 (weight 3) and dialogue (rating, weight 1); one phase at 50."""
    objective = objective_create(actor=actor, mission=mission, category="security", title="Safety")
    benchmark_create(
        actor=actor,
        objective=objective,
        code="bm-incidents",
        title="Incidents",
        kind="quantitative",
        baseline=Decimal(100),
        target=Decimal(20),
        weight=Decimal(3),
    )
    benchmark_create(
        actor=actor,
        objective=objective,
        code="bm-dialogue",
        title="Dialogue",
        kind="rating",
        weight=Decimal(1),
    )
    phase_create(
        actor=actor, mission=mission, order=1, kind="handover", name="Handover", gate_threshold=50
    )


@pytest.fixture
def plan(mission, admin):
    make_plan(mission, admin)


def submitted_round(mission, author, as_of, scores):
    assessment = assessment_create(
        actor=author,
        mission=mission,
        as_of=as_of,
        kind="security",
        method="field_visit",
        scores=scores,
    )
    return assessment_submit(assessment=assessment, actor=author)


def base(mission) -> str:
    return f"/api/v1/missions/{mission.code}/readiness/"


def as_user(client, user):
    client.force_login(user)
    return client


def close(mission, admin):
    record_update(actor=admin, instance=mission, data={"status": "closed"})


def token_header(user, *, read_only):
    _, key = api_token_create(user=user, name="script", read_only=read_only)
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


# GET readiness/


def test_readiness_has_the_designs_shape_and_computes_a_snapshot_when_there_is_none(
    client, mission, observer, plan
):
    response = as_user(client, observer).get(base(mission))

    assert response.status_code == 200
    body = response.json()
    assert list(body) == KEYS
    assert (body["mission"], body["recomputing"], body["readiness"]) == (mission.code, False, 0.0)
    assert [b["code"] for b in body["benchmarks"]] == ["bm-incidents", "bm-dialogue"]
    assert ReadinessSnapshot.objects.filter(mission=mission).count() == 1


def test_readiness_answers_the_latest_snapshot_without_storing_another(
    client, mission, staff, observer, plan
):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])
    readiness_snapshot_create(mission=mission, as_of=D - datetime.timedelta(days=1))
    latest = readiness_snapshot_create(mission=mission, as_of=D)

    response = as_user(client, observer).get(base(mission))

    assert_design_shape(response.json())  # also after a round trip through the database
    assert response.json()["as_of"] == D.isoformat()
    assert response.json()["computed_at"] == latest.figures["computed_at"]
    assert ReadinessSnapshot.objects.filter(mission=mission).count() == 2


def test_readiness_says_recomputing_after_a_round_is_submitted(
    client, mission, staff, observer, plan, django_capture_on_commit_callbacks
):
    readiness_snapshot_create(mission=mission)
    with django_capture_on_commit_callbacks(execute=True):
        submitted_round(mission, staff, D, [{"benchmark": "bm-dialogue", "rating": Decimal(4)}])

    response = as_user(client, observer).get(base(mission))

    assert response.json()["recomputing"] is True


def test_readiness_for_a_date_is_computed_for_it_and_not_stored(client, mission, staff, plan):
    # incidents 60: p = 0.5; dialogue none → (3 × 0.5 + 1 × 0) / 4 = 37.5
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])
    as_user(client, staff)

    before = client.get(f"{base(mission)}?as_of=2026-06-29").json()
    on_the_day = client.get(f"{base(mission)}?as_of=2026-06-30").json()

    assert list(on_the_day) == KEYS
    assert (before["as_of"], before["readiness"]) == ("2026-06-29", 0.0)
    assert (on_the_day["as_of"], on_the_day["readiness"]) == ("2026-06-30", 37.5)
    assert on_the_day["benchmarks"][0]["latest"] == {
        "as_of": "2026-06-30",
        "value": "60.0000",
        "rating": None,
    }
    assert not ReadinessSnapshot.objects.exists()


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "30/06/2026"])
def test_a_bad_date_answers_400_as_problem_details(client, mission, observer, plan, bad):
    response = as_user(client, observer).get(f"{base(mission)}?as_of={bad}")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == ["as_of"]


def test_readiness_cannot_be_written(client, mission, admin, plan):
    response = as_user(client, admin).post(base(mission), {}, content_type="application/json")

    assert response.status_code == 405


# GET readiness/history/


def test_history_lists_one_item_per_snapshot_newest_first_with_the_same_shape(
    client, mission, staff, observer, plan
):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])
    snapshots = [
        readiness_snapshot_create(mission=mission, as_of=D - datetime.timedelta(days=d))
        for d in (2, 1, 0)
    ]

    response = as_user(client, observer).get(f"{base(mission)}history/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert [item["computed_at"] for item in body["results"]] == [
        s.figures["computed_at"] for s in reversed(snapshots)
    ]
    for item in body["results"]:
        assert_design_shape(item)


def test_history_pages_follow_each_other(client, mission, observer, plan):
    for d in range(5):
        readiness_snapshot_create(mission=mission, as_of=D - datetime.timedelta(days=d))
    as_user(client, observer)
    seen, next_url = [], f"{base(mission)}history/?page_size=2"

    while next_url:
        body = client.get(next_url).json()
        seen.extend(item["as_of"] for item in body["results"])
        next_url = body["next"]

    # Newest first by computed_at: the last one stored (as of D - 4) comes first.
    assert seen == [(D - datetime.timedelta(days=d)).isoformat() for d in (4, 3, 2, 1, 0)]


def test_history_takes_updated_after_on_computed_at(client, mission, observer, plan):
    readiness_snapshot_create(mission=mission, as_of=D - datetime.timedelta(days=1))
    moment = timezone.now()
    ReadinessSnapshot.objects.update(computed_at=moment - datetime.timedelta(minutes=1))
    later = readiness_snapshot_create(mission=mission, as_of=D)
    stamp = moment.isoformat().replace("+00:00", "Z")

    response = as_user(client, observer).get(f"{base(mission)}history/?updated_after={stamp}")

    assert [item["computed_at"] for item in response.json()["results"]] == [
        later.figures["computed_at"]
    ]


def test_history_shows_only_this_missions_snapshots(client, mission, other_mission, observer):
    readiness_snapshot_create(mission=other_mission)

    response = as_user(client, observer).get(f"{base(mission)}history/")

    assert response.json()["results"] == []


@pytest.mark.parametrize("count", [2, 20])
def test_history_costs_the_same_queries_whatever_its_length(
    client, mission, observer, plan, django_assert_max_num_queries, count
):
    for d in range(count):
        readiness_snapshot_create(mission=mission, as_of=D - datetime.timedelta(days=d))
    as_user(client, observer)

    with django_assert_max_num_queries(9):
        response = client.get(f"{base(mission)}history/")

    assert len(response.json()["results"]) == count


# The stored JSON text (ReadinessSnapshot.encoded) the API sends as it is


def test_a_snapshot_stores_its_figures_as_the_apis_json_text(mission, staff, plan):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])

    snapshot = readiness_snapshot_create(mission=mission, as_of=D)

    stored = json.loads(snapshot.encoded)
    assert_design_shape(stored)
    assert stored == snapshot.figures
    assert snapshot.encoded == json.dumps(stored, separators=(",", ":"), ensure_ascii=False)


def test_readiness_and_history_send_the_stored_text_byte_for_byte(
    client, mission, staff, observer, plan
):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])
    older = readiness_snapshot_create(mission=mission, as_of=D - datetime.timedelta(days=1))
    latest = readiness_snapshot_create(mission=mission, as_of=D)
    as_user(client, observer)

    current = client.get(base(mission))
    history = client.get(f"{base(mission)}history/")

    assert current["Content-Type"] == "application/json"
    assert current.content == latest.encoded.encode()
    assert history.content == (
        b'{"next":null,"previous":null,"results":['
        + latest.encoded.encode()
        + b","
        + older.encoded.encode()
        + b"]}"
    )


def test_a_snapshot_stored_without_its_text_answers_the_same(
    client, mission, staff, observer, plan
):
    """Stored by code older than ``encoded`` (e.g. during a deploy): encoded on each read,
    from its figures read in one more query."""
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])
    snapshot = readiness_snapshot_create(mission=mission, as_of=D)
    as_user(client, observer)
    client.get(base(mission))  # warm the session alike for both
    paths = (base(mission), f"{base(mission)}history/")

    def answers():
        with CaptureQueriesContext(connection) as queries:
            bodies = [client.get(path).content for path in paths]
        return bodies, len(queries)

    (bodies, queries) = answers()
    ReadinessSnapshot.objects.filter(pk=snapshot.pk).update(encoded="")

    assert answers() == (bodies, queries + len(paths))


def test_recomputing_is_set_in_the_stored_text_only_in_the_answer(
    client, mission, staff, observer, plan, django_capture_on_commit_callbacks
):
    snapshot = readiness_snapshot_create(mission=mission)
    with django_capture_on_commit_callbacks(execute=True):
        submitted_round(mission, staff, D, [{"benchmark": "bm-dialogue", "rating": Decimal(4)}])
    as_user(client, observer)

    body = client.get(base(mission)).json()

    assert body["recomputing"] is True
    assert list(body) == KEYS
    assert {**body, "recomputing": False} == json.loads(snapshot.encoded)
    assert client.get(f"{base(mission)}history/").json()["results"][0]["recomputing"] is False


def test_an_indented_answer_is_still_negotiated(client, mission, observer, plan):
    readiness_snapshot_create(mission=mission)
    as_user(client, observer)

    for path in (base(mission), f"{base(mission)}history/"):
        compact = client.get(path)
        indented = client.get(path, HTTP_ACCEPT="application/json; indent=2")

        assert indented.content.startswith(b'{\n  "')
        assert indented.json() == compact.json()


def test_readiness_answers_only_json(client, mission, observer, plan):
    readiness_snapshot_create(mission=mission)
    as_user(client, observer)

    for path in (base(mission), f"{base(mission)}history/"):
        assert client.get(path, HTTP_ACCEPT="text/html").status_code == 406


# POST readiness/what-if/

WHAT_IF = {
    "as_of": "2026-06-30",
    "scores": [
        {"benchmark": "bm-incidents", "value": "20"},
        {"benchmark": "bm-dialogue", "rating": 4, "evidence": "Imagined"},
    ],
}


def stored_rows() -> tuple[int, ...]:
    return (
        ReadinessSnapshot.objects.count(),
        Assessment.objects.count(),
        Score.objects.count(),
        AuditEvent.objects.count(),
    )


def test_what_if_counts_the_hypothetical_scores_and_stores_nothing(
    client, mission, staff, observer, plan, django_capture_on_commit_callbacks
):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(100)}])
    before = stored_rows()

    with django_capture_on_commit_callbacks() as callbacks:
        response = as_user(client, observer).post(
            f"{base(mission)}what-if/", WHAT_IF, content_type="application/json"
        )

    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body) == KEYS
    assert (body["readiness"], body["projection"], body["as_of"]) == (100.0, None, "2026-06-30")
    assert body["gates"][0]["open"] is True
    assert stored_rows() == before
    assert callbacks == []
    assert "ETag" not in response


def test_what_if_defaults_to_today_in_the_missions_time_zone(client, mission, observer, plan):
    response = as_user(client, observer).post(
        f"{base(mission)}what-if/", {"scores": []}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["as_of"] == mission_today(mission).isoformat()


def test_what_if_is_allowed_with_a_read_only_token(client, mission, observer, plan):
    response = client.post(
        f"{base(mission)}what-if/",
        WHAT_IF,
        content_type="application/json",
        **token_header(observer, read_only=True),
    )

    assert response.status_code == 200, response.content
    assert response.json()["readiness"] == 100.0


def test_what_if_is_allowed_on_a_closed_mission(client, mission, admin, observer, plan):
    close(mission, admin)
    before = stored_rows()

    response = as_user(client, observer).post(
        f"{base(mission)}what-if/", WHAT_IF, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert stored_rows() == before


def test_a_read_only_token_still_may_not_write_a_round(client, mission, observer, staff, plan):
    # The contrast that makes the what-if case meaningful: real writes stay refused.
    response = client.post(
        f"/api/v1/missions/{mission.code}/assessments/",
        {"as_of": "2026-06-30", "kind": "security", "method": "survey"},
        content_type="application/json",
        **token_header(staff, read_only=True),
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("scores", "key"),
    [
        ([{"benchmark": "bm-nope", "value": "1"}], "scores[0].benchmark"),
        ([WHAT_IF["scores"][0], {"benchmark": "bm-dialogue", "rating": 5}], "scores[1].rating"),
        ([{"benchmark": "bm-dialogue", "value": "3"}], "scores[0].rating"),
        ([{"benchmark": "bm-incidents", "value": "many"}], "scores[0].value"),
    ],
    ids=["unknown_code", "rating_5", "value_on_rating", "not_a_number"],
)
def test_a_bad_what_if_score_answers_400_naming_its_position(
    client, mission, observer, plan, scores, key
):
    response = as_user(client, observer).post(
        f"{base(mission)}what-if/",
        {"as_of": "2026-06-30", "scores": scores},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == [key]


def test_a_misspelt_what_if_field_is_refused(client, mission, observer, plan):
    response = as_user(client, observer).post(
        f"{base(mission)}what-if/",
        {"as_of": "2026-06-30", "scores": [{"benchmark": "bm-dialogue", "ratng": 3}]},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scores[0].ratng"]


def test_what_if_needs_a_list_of_scores(client, mission, observer, plan):
    response = as_user(client, observer).post(
        f"{base(mission)}what-if/", {"as_of": "2026-06-30"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scores"]


# The permission matrix for readiness (tests/test_permission_matrix.py).


@pytest.fixture
def alpha_plan(world):
    make_plan(world["missions"]["alpha"]["mission"], world["site_admin"])


ALPHA = "/api/v1/missions/alpha/readiness/"
READINESS_ACTIONS = [
    ("current", "view_mission", "get", ALPHA, None, 200),
    ("for a date", "view_mission", "get", f"{ALPHA}?as_of=2026-06-30", None, 200),
    ("history", "view_mission", "get", f"{ALPHA}history/", None, 200),
    ("what-if", "view_mission", "post", f"{ALPHA}what-if/", WHAT_IF, 200),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "path", "payload", "ok"),
    READINESS_ACTIONS,
    ids=[a[0] for a in READINESS_ACTIONS],
)
def test_readiness_api_matrix(
    client, world, alpha_plan, persona, name, perm, method, path, payload, ok
):
    headers = _api_client(client, world, persona)

    response = getattr(client, method)(path, payload, content_type="application/json", **headers)

    assert response.status_code == expected(persona, perm, api=True, ok=ok), response.content
    if response.status_code == 200 and name == "history":
        assert set(response.json()) == {"next", "previous", "results"}
    elif response.status_code == 200:
        assert list(response.json()) == KEYS


def test_history_summary_leaves_out_the_per_benchmark_lists_and_keeps_the_rest(
    client, mission, observer, plan, staff
):
    submitted_round(mission, staff, D, [{"benchmark": "bm-incidents", "value": Decimal(60)}])
    snapshot = readiness_snapshot_create(mission=mission, as_of=D)
    as_user(client, observer)

    full = client.get(f"{base(mission)}history/").json()["results"][0]
    summary = client.get(f"{base(mission)}history/?summary=true").json()["results"][0]

    assert full["benchmarks"] and "blockers" in full
    assert "benchmarks" not in summary and "blockers" not in summary
    expected = {k: v for k, v in full.items() if k not in ("benchmarks", "blockers")}
    assert summary == expected
    assert list(summary) == list(expected)  # the resource's key order, after the database
    assert summary["readiness"] == snapshot.figures["readiness"]


def test_history_summary_takes_only_a_boolean(client, mission, observer, plan):
    response = as_user(client, observer).get(f"{base(mission)}history/?summary=maybe")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["summary"]

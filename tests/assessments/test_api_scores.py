"""The flat, read-only list of scores: every counted score (plus drafts for those who log
assessments), newest first by its round's as_of then id, cursor-paginated and filterable.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assessments.models import Assessment, Score
from assessments.services import (
    assessment_approve,
    assessment_create,
    assessment_return,
    assessment_submit,
)
from missions.access import allowed_roles
from missions.services import benchmark_create, objective_create
from tests.factories import UserFactory
from tests.test_permission_matrix import PERSONAS, ROLES, _api_client, expected
from tests.test_permission_matrix import world as _world

world = _world  # the permission matrix's fixture: every persona in missions alpha and bravo

PROBLEM = "application/problem+json"
MARCH = datetime.date(2026, 3, 31)
JUNE = datetime.date(2026, 6, 30)
SEPTEMBER = datetime.date(2026, 9, 30)


def make_plan(mission, actor):
    objective = objective_create(actor=actor, mission=mission, category="security", title="Safety")
    incidents = benchmark_create(
        actor=actor,
        objective=objective,
        code="bm-incidents",
        title="Incidents",
        kind="quantitative",
        baseline=Decimal(500),
        target=Decimal(100),
    )
    dialogue = benchmark_create(
        actor=actor, objective=objective, code="bm-dialogue", title="Dialogue", kind="rating"
    )
    return {"incidents": incidents, "dialogue": dialogue}


@pytest.fixture
def plan(mission, admin):
    return make_plan(mission, admin)


def a_round(mission, author, as_of, *, submit=True, value=Decimal(400), rating=Decimal(2)):
    assessment = assessment_create(
        actor=author,
        mission=mission,
        as_of=as_of,
        kind="security",
        method="field_visit",
        scores=[
            {"benchmark": "bm-incidents", "value": value, "evidence": "Logs", "source": "Police"},
            {"benchmark": "bm-dialogue", "rating": rating},
        ],
    )
    return assessment_submit(assessment=assessment, actor=author) if submit else assessment


@pytest.fixture
def rounds(mission, staff, plan):
    """March and June submitted; September a draft."""
    return {
        "march": a_round(mission, staff, MARCH),
        "june": a_round(mission, staff, JUNE, value=Decimal(300)),
        "september": a_round(mission, staff, SEPTEMBER, submit=False),
    }


def url(mission, query="") -> str:
    return f"/api/v1/missions/{mission.code}/scores/{'?' + query if query else ''}"


def as_user(client, user):
    client.force_login(user)
    return client


def ids_of(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def expected_ids(*assessments) -> list[int]:
    """Scores of these rounds, newest first by the round's as_of, then id."""
    scores = Score.objects.filter(assessment__in=assessments).select_related("assessment")
    return [s.pk for s in sorted(scores, key=lambda s: (s.assessment.as_of, s.pk), reverse=True)]


def test_an_item_is_the_score_with_its_rounds_date_and_status(client, mission, staff, rounds):
    score = Score.objects.get(assessment=rounds["june"], benchmark__code="bm-incidents")

    response = as_user(client, staff).get(url(mission, "benchmark=bm-incidents&as_of=2026-06-30"))

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item == {
        "id": score.pk,
        "assessment": rounds["june"].pk,
        "benchmark": "bm-incidents",
        "as_of": "2026-06-30",
        "value": "300.0000",
        "rating": None,
        "evidence": "Logs",
        "source": "Police",
        "status": "submitted",
        "version": 1,
        "updated_at": item["updated_at"],
    }
    # The later of the score's and its round's change: submitting touched the round.
    round_changed = Assessment.objects.get(pk=rounds["june"].pk).updated_at
    assert round_changed > score.updated_at
    assert parse_datetime(item["updated_at"]) == round_changed


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_without_log_assessment_only_counted_scores_are_listed_newest_first(
    client, mission, rounds, persona, request
):
    response = as_user(client, request.getfixturevalue(persona)).get(url(mission))

    assert ids_of(response) == expected_ids(rounds["june"], rounds["march"])
    assert set(response.json()) == {"next", "previous", "results"}


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_a_draft_score_is_not_found_without_log_assessment(
    client, mission, rounds, persona, request
):
    score = rounds["september"].scores.first()

    response = as_user(client, request.getfixturevalue(persona)).get(
        f"/api/v1/missions/{mission.code}/scores/{score.pk}/"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize("persona", ["admin", "staff"])
def test_with_log_assessment_draft_scores_are_listed_too(client, mission, rounds, persona, request):
    response = as_user(client, request.getfixturevalue(persona)).get(url(mission))

    assert ids_of(response) == expected_ids(rounds["september"], rounds["june"], rounds["march"])
    statuses = [row["status"] for row in response.json()["results"]]
    assert statuses == ["draft"] * 2 + ["submitted"] * 4


def test_a_score_is_read_with_its_etag(client, mission, staff, rounds):
    score = rounds["june"].scores.first()

    response = as_user(client, staff).get(f"/api/v1/missions/{mission.code}/scores/{score.pk}/")

    assert response.status_code == 200
    assert response["ETag"] == '"v1"'
    assert response.json()["as_of"] == "2026-06-30"


def test_pages_follow_each_other_without_gaps_or_repeats(client, mission, staff, rounds):
    as_user(client, staff)
    seen, next_url = [], url(mission, "page_size=4")

    while next_url:
        body = client.get(next_url).json()
        seen.extend(row["id"] for row in body["results"])
        next_url = body["next"]

    assert seen == expected_ids(rounds["september"], rounds["june"], rounds["march"])


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("as_of=2026-06-30", ["june"]),
        ("as_of_after=2026-06-30", ["september", "june"]),
        ("as_of_before=2026-06-30", ["june", "march"]),
        ("as_of_after=2026-04-01&as_of_before=2026-07-01", ["june"]),
        ("status=draft", ["september"]),
        ("status=submitted", ["june", "march"]),
    ],
)
def test_scores_filter_by_their_rounds_date_and_status(
    client, mission, staff, rounds, query, names
):
    response = as_user(client, staff).get(url(mission, query))

    assert ids_of(response) == expected_ids(*[rounds[n] for n in names])


def test_scores_filter_by_benchmark_code(client, mission, staff, rounds):
    response = as_user(client, staff).get(url(mission, "benchmark=bm-dialogue"))

    assert {row["benchmark"] for row in response.json()["results"]} == {"bm-dialogue"}
    assert len(response.json()["results"]) == 3


def test_updated_after_returns_scores_whose_round_changed_since(
    client, mission, staff, admin, rounds
):
    moment = timezone.now()
    assessment_approve(assessment=rounds["march"], actor=admin)

    response = as_user(client, staff).get(
        url(mission, "updated_after=" + moment.isoformat().replace("+00:00", "Z"))
    )

    assert ids_of(response) == expected_ids(rounds["march"])
    assert {row["status"] for row in response.json()["results"]} == {"approved"}


def test_a_returned_rounds_scores_leave_the_counted_list(
    client, mission, staff, admin, liaison, rounds
):
    assessment_return(actor=admin, assessment=rounds["june"], reason="Check the logs.")

    response = as_user(client, liaison).get(url(mission))

    assert ids_of(response) == expected_ids(rounds["march"])


def test_a_bad_updated_after_answers_400(client, mission, staff, plan):
    response = as_user(client, staff).get(url(mission, "updated_after=last-tuesday"))

    assert response.status_code == 400
    assert "updated_after" in response.json()["errors"]


def test_scores_of_another_mission_are_not_listed(client, mission, other_mission, staff, rounds):
    other_author = UserFactory()
    make_plan(other_mission, other_author)
    a_round(other_mission, other_author, JUNE)

    response = as_user(client, staff).get(url(mission))

    assert len(ids_of(response)) == 6
    assert Score.objects.count() == 8


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_the_list_is_read_only(client, mission, staff, rounds, method):
    score = rounds["june"].scores.first()
    target = url(mission) if method == "post" else f"{url(mission)}{score.pk}/"

    response = getattr(as_user(client, staff), method)(
        target, {"value": "1"}, content_type="application/json", headers={"If-Match": '"v1"'}
    )

    assert response.status_code == 405
    assert Score.objects.get(pk=score.pk).value == Decimal(300)


@pytest.mark.parametrize("count", [2, 20])
def test_listing_scores_costs_the_same_queries_whatever_their_number(
    client, mission, staff, plan, django_assert_max_num_queries, count
):
    for i in range(count // 2):
        a_round(mission, staff, JUNE - datetime.timedelta(days=i))
    as_user(client, staff)

    with django_assert_max_num_queries(7):
        response = client.get(url(mission))

    assert len(response.json()["results"]) == count


# The permission matrix for the scores list (tests/test_permission_matrix.py).


@pytest.fixture
def scores_in_alpha(world):
    mission = world["missions"]["alpha"]["mission"]
    make_plan(mission, world["site_admin"])
    submitted = a_round(mission, world["site_admin"], JUNE)
    draft = a_round(mission, world["site_admin"], SEPTEMBER, submit=False)
    return {"submitted": submitted.scores.first(), "draft": draft.scores.first()}


ALPHA = "/api/v1/missions/alpha/scores/"
# (name, permission, url, hidden from those without the permission)
SCORE_ACTIONS = [
    ("list", "view_mission", lambda s: ALPHA, False),
    ("read a counted score", "view_mission", lambda s: f"{ALPHA}{s['submitted'].pk}/", False),
    ("read a draft score", "log_assessment", lambda s: f"{ALPHA}{s['draft'].pk}/", True),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "path", "hidden"), SCORE_ACTIONS, ids=[a[0] for a in SCORE_ACTIONS]
)
def test_scores_api_matrix(client, world, scores_in_alpha, persona, name, perm, path, hidden):
    headers = _api_client(client, world, persona)

    response = client.get(path(scores_in_alpha), **headers)

    want = expected(persona, perm, api=True, ok=200)
    if hidden and want == 403:
        want = 404
    assert response.status_code == want, response.content


@pytest.mark.parametrize("persona", ROLES)
def test_draft_scores_are_listed_exactly_for_roles_with_log_assessment(
    client, world, scores_in_alpha, persona
):
    headers = _api_client(client, world, persona)

    response = client.get(ALPHA, **headers)

    ids = {row["id"] for row in response.json()["results"]}
    assert (scores_in_alpha["draft"].pk in ids) == (persona in allowed_roles("log_assessment"))
    assert scores_in_alpha["submitted"].pk in ids

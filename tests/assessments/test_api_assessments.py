"""Assessment rounds over the API: a draft with its scores, edited as a whole set, submitted,
approved or returned by someone else, with ETags, If-Match and drafts hidden from those who
may not log assessments.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from accounts.tokens import api_token_create
from assessments.models import Assessment, Score
from assessments.services import assessment_approve, assessment_create, assessment_submit
from missions.access import allowed_roles
from missions.models import AuditEvent
from missions.services import benchmark_create, objective_create, record_update
from tests.factories import UserFactory
from tests.test_permission_matrix import PERSONAS, _api_client, expected
from tests.test_permission_matrix import world as _world

world = _world  # the permission matrix's fixture: every persona in missions alpha and bravo

PROBLEM = "application/problem+json"
D = datetime.date(2026, 6, 30)
ROUND = {"as_of": "2026-06-30", "kind": "security", "method": "field_visit", "summary": "Visits."}
SCORES = [
    {"benchmark": "bm-sec-incidents", "value": "412", "evidence": "Police logs"},
    {"benchmark": "bm-pol-dialogue", "rating": 3, "evidence": "Interviews"},
]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # Idempotency-Key answers and readiness marks live there


def make_plan(mission, actor):
    objective = objective_create(
        actor=actor, mission=mission, category="security", title="Protection of civilians"
    )
    incidents = benchmark_create(
        actor=actor,
        objective=objective,
        code="bm-sec-incidents",
        title="Security incidents per month",
        kind="quantitative",
        baseline=Decimal("500"),
        target=Decimal("100"),
    )
    dialogue = benchmark_create(
        actor=actor, objective=objective, code="bm-pol-dialogue", title="Dialogue", kind="rating"
    )
    justice = benchmark_create(
        actor=actor, objective=objective, code="bm-justice", title="Courts", kind="rating"
    )
    return {"incidents": incidents, "dialogue": dialogue, "justice": justice}


@pytest.fixture
def plan(mission, admin):
    return make_plan(mission, admin)


def url(mission, pk=None, action=None) -> str:
    base = f"/api/v1/missions/{mission.code}/assessments/"
    if pk is not None:
        base += f"{pk}/"
    if action:
        base += f"{action}/"
    return base


def as_user(client, user):
    client.force_login(user)
    return client


def draft(mission, author, scores=None, **fields):
    rows = [
        {"benchmark": "bm-sec-incidents", "value": Decimal("412"), "evidence": "Police logs"},
        {"benchmark": "bm-pol-dialogue", "rating": Decimal(3), "evidence": "Interviews"},
    ]
    return assessment_create(
        actor=author,
        mission=mission,
        scores=rows if scores is None else scores,
        **{"as_of": D, "kind": "security", "method": "field_visit", **fields},
    )


def submitted(mission, author, **fields):
    return assessment_submit(assessment=draft(mission, author, **fields), actor=author)


def approved(mission, author, approver):
    return assessment_approve(assessment=submitted(mission, author), actor=approver)


def post(client, path, data=None, if_match=None, **headers):
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.post(path, data or {}, content_type="application/json", headers=headers)


def patch(client, path, data, if_match=None):
    headers = {"If-Match": if_match} if if_match else {}
    return client.patch(path, data, content_type="application/json", headers=headers)


def stored(assessment):
    return Assessment.objects.get(pk=assessment.pk)


def scores_of(assessment) -> dict[str, Score]:
    return {s.benchmark.code: s for s in Score.objects.filter(assessment=assessment)}


def events(assessment):
    return list(
        AuditEvent.objects.filter(target_type="assessment", target_id=assessment.pk).order_by("id")
    )


# Creating and reading


def test_staff_creates_a_draft_round_with_its_scores_and_is_its_author(
    client, mission, staff, plan
):
    response = post(as_user(client, staff), url(mission), {**ROUND, "scores": SCORES})

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"v1"'
    assert (body["status"], body["version"], body["author"]["id"]) == ("draft", 1, staff.pk)
    assert [
        (s["benchmark"], s["value"], s["rating"], s["evidence"], s["attachment"])
        for s in body["scores"]
    ] == [
        ("bm-sec-incidents", "412.0000", None, "Police logs", None),
        ("bm-pol-dialogue", None, "3.0000", "Interviews", None),
    ]
    assert all(isinstance(s["id"], int) for s in body["scores"])
    assessment = Assessment.objects.get(pk=body["id"])
    assert (assessment.author, assessment.mission) == (staff, mission)
    assert [e.action for e in events(assessment)] == ["assessment.create"]


def test_a_round_is_read_back_with_its_etag(client, mission, staff, plan):
    assessment = draft(mission, staff)

    response = as_user(client, staff).get(url(mission, assessment.pk))

    assert response.status_code == 200
    assert response["ETag"] == '"v1"'
    body = response.json()
    assert body["id"] == assessment.pk
    assert body["as_of"] == "2026-06-30"
    assert [s["benchmark"] for s in body["scores"]] == ["bm-sec-incidents", "bm-pol-dialogue"]


def test_the_same_idempotency_key_creates_one_round(client, mission, staff, plan):
    as_user(client, staff)

    first = post(client, url(mission), {**ROUND, "scores": SCORES}, **{"Idempotency-Key": "k1"})
    again = post(client, url(mission), {**ROUND, "scores": SCORES}, **{"Idempotency-Key": "k1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Assessment.objects.count() == 1


def test_a_round_without_scores_is_a_draft_with_an_empty_set(client, mission, staff, plan):
    response = post(as_user(client, staff), url(mission), ROUND)

    assert response.status_code == 201
    assert response.json()["scores"] == []


# Bad input


@pytest.mark.parametrize(
    ("scores", "key", "text"),
    [
        (
            [SCORES[0], {"benchmark": "bm-pol-dialogue", "rating": 5}],
            "scores[1].rating",
            "less than or equal to 4",
        ),
        (
            [SCORES[0], {"benchmark": "bm-pol-dialogue", "value": "3"}],
            "scores[1].rating",
            "give a rating",
        ),
        (
            [SCORES[0], {"benchmark": "bm-no-such-code", "rating": 2}],
            "scores[1].benchmark",
            "No such benchmark",
        ),
        ([{"benchmark": "bm-sec-incidents", "rating": 2}], "scores[0].value", "give a value"),
        ([{"benchmark": "bm-pol-dialogue", "rating": "three"}], "scores[0].rating", "number"),
        ([SCORES[1], SCORES[1]], "scores[1].benchmark", "already has a score"),
    ],
    ids=[
        "rating_5",
        "value_on_rating_benchmark",
        "unknown_code",
        "rating_on_quantitative",
        "not_a_number",
        "same_code_twice",
    ],
)
def test_a_bad_score_answers_400_naming_its_position_and_writes_nothing(
    client, mission, staff, plan, scores, key, text
):
    response = post(as_user(client, staff), url(mission), {**ROUND, "scores": scores})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert list(errors) == [key]
    assert any(text in message for message in errors[key]), errors
    assert not Assessment.objects.exists()
    assert not Score.objects.exists()


def test_every_bad_score_and_field_is_reported_at_once(client, mission, staff, plan):
    response = post(
        as_user(client, staff),
        url(mission),
        {
            **ROUND,
            "scores": [
                {"benchmark": "bm-no-such-code", "rating": 2},
                {"benchmark": "bm-pol-dialogue", "rating": 5},
            ],
        },
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"scores[0].benchmark", "scores[1].rating"}


def test_a_benchmark_of_another_mission_is_not_found(client, mission, other_mission, staff, plan):
    stranger = UserFactory()
    elsewhere = objective_create(
        actor=stranger, mission=other_mission, category="security", title="Elsewhere"
    )
    benchmark_create(
        actor=stranger, objective=elsewhere, code="bm-only-there", title="There", kind="rating"
    )

    response = post(
        as_user(client, staff),
        url(mission),
        {**ROUND, "scores": [{"benchmark": "bm-only-there", "rating": 2}]},
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scores[0].benchmark"]
    assert not Assessment.objects.exists()


def test_a_misspelt_score_field_is_reported_by_its_position(client, mission, staff, plan):
    response = post(
        as_user(client, staff),
        url(mission),
        {**ROUND, "scores": [SCORES[0], {"benchmark": "bm-pol-dialogue", "ratnig": 3}]},
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scores[1].ratnig"]
    assert not Assessment.objects.exists()


def test_an_unknown_kind_is_reported_on_its_field(client, mission, staff, plan):
    response = post(as_user(client, staff), url(mission), {**ROUND, "kind": "vibes"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["kind"]


# Editing a draft


def test_patch_changes_a_drafts_fields_and_bumps_its_version(client, mission, staff, plan):
    assessment = draft(mission, staff)

    response = patch(
        as_user(client, staff),
        url(mission, assessment.pk),
        {"summary": "Revised", "as_of": "2026-07-01"},
        '"v1"',
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v2"'
    assert (response.json()["summary"], response.json()["as_of"]) == ("Revised", "2026-07-01")
    event = events(assessment)[-1]
    assert (event.action, event.actor) == ("assessment.update", staff)
    assert event.changes["summary"] == ["", "Revised"]
    assert event.changes["as_of"] == ["2026-06-30", "2026-07-01"]
    assert "scores" not in event.changes


def test_patch_with_scores_replaces_the_whole_set_matched_by_benchmark_code(
    client, mission, staff, plan
):
    assessment = draft(mission, staff)
    before = scores_of(assessment)

    response = patch(
        as_user(client, staff),
        url(mission, assessment.pk),
        {
            "scores": [
                {"benchmark": "bm-sec-incidents", "value": "300", "evidence": "New logs"},
                {"benchmark": "bm-justice", "rating": 2, "source": "Court records"},
            ]
        },
        '"v1"',
    )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v2"'
    after = scores_of(assessment)
    assert set(after) == {"bm-sec-incidents", "bm-justice"}  # dialogue was left out: removed
    incidents = after["bm-sec-incidents"]
    assert incidents.pk == before["bm-sec-incidents"].pk  # the same score, changed
    assert (incidents.value, incidents.evidence, incidents.version) == (
        Decimal("300"),
        "New logs",
        2,
    )
    assert (after["bm-justice"].rating, after["bm-justice"].source) == (Decimal(2), "Court records")
    assert not Score.objects.filter(pk=before["bm-pol-dialogue"].pk).exists()
    assert [s["benchmark"] for s in response.json()["scores"]] == [
        "bm-sec-incidents",
        "bm-justice",
    ]


def test_a_score_replacement_is_audited_as_what_changed(client, mission, staff, plan):
    assessment = draft(mission, staff)
    new_set = [
        {"benchmark": "bm-sec-incidents", "value": "300", "evidence": "Police logs"},
        {"benchmark": "bm-justice", "rating": 2},
    ]

    patch(as_user(client, staff), url(mission, assessment.pk), {"scores": new_set}, '"v1"')

    event = events(assessment)[-1]
    assert event.action == "assessment.update"
    removed_and_changed, changed_and_added = event.changes["scores"]
    incidents, dialogue, justice = plan["incidents"], plan["dialogue"], plan["justice"]
    assert [(s["benchmark"], s["value"], s["rating"]) for s in removed_and_changed] == [
        (incidents.pk, "412.0000", None),
        (dialogue.pk, None, "3.0000"),
    ]
    assert [(s["benchmark"], s["value"], s["rating"]) for s in changed_and_added] == [
        (incidents.pk, "300.0000", None),
        (justice.pk, None, "2.0000"),
    ]


def test_patch_without_scores_keeps_the_set(client, mission, staff, plan):
    assessment = draft(mission, staff)

    patch(as_user(client, staff), url(mission, assessment.pk), {"summary": "x"}, '"v1"')

    assert set(scores_of(assessment)) == {"bm-sec-incidents", "bm-pol-dialogue"}


def test_an_empty_scores_list_removes_every_score(client, mission, staff, plan):
    assessment = draft(mission, staff)

    response = patch(as_user(client, staff), url(mission, assessment.pk), {"scores": []}, '"v1"')

    assert response.status_code == 200
    assert response.json()["scores"] == []
    assert scores_of(assessment) == {}
    assert stored(assessment).version == 2


def test_a_patch_that_changes_nothing_keeps_the_version_and_writes_no_event(
    client, mission, staff, plan
):
    assessment = draft(mission, staff)

    response = patch(
        as_user(client, staff),
        url(mission, assessment.pk),
        {
            "summary": "",
            "scores": [
                {"benchmark": "bm-sec-incidents", "value": "412.0", "evidence": "Police logs"},
                {"benchmark": "bm-pol-dialogue", "rating": "3", "evidence": "Interviews"},
            ],
        },
        '"v1"',
    )

    assert response.status_code == 200
    assert response["ETag"] == '"v1"'
    assert [e.action for e in events(assessment)] == ["assessment.create"]


def test_a_bad_score_in_a_patch_answers_400_and_changes_nothing(client, mission, staff, plan):
    assessment = draft(mission, staff)

    response = patch(
        as_user(client, staff),
        url(mission, assessment.pk),
        {
            "summary": "Changed",
            "scores": [SCORES[0], {"benchmark": "bm-pol-dialogue", "rating": 5}],
        },
        '"v1"',
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["scores[1].rating"]
    assert (stored(assessment).version, stored(assessment).summary) == (1, "")
    assert scores_of(assessment)["bm-pol-dialogue"].rating == Decimal(3)


def test_editing_a_draft_schedules_no_readiness_recompute(
    client, mission, staff, plan, django_capture_on_commit_callbacks
):
    assessment = draft(mission, staff)

    with django_capture_on_commit_callbacks() as callbacks:
        patch(as_user(client, staff), url(mission, assessment.pk), {"scores": []}, '"v1"')

    assert callbacks == []  # drafts never count


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_changing_scores_of_a_submitted_or_approved_round_is_a_conflict(
    client, mission, staff, admin, plan, state
):
    assessment = submitted(mission, staff)
    if state == "approved":
        assessment = assessment_approve(assessment=assessment, actor=admin)
    version = stored(assessment).version

    response = patch(
        as_user(client, staff),
        url(mission, assessment.pk),
        {"scores": [{"benchmark": "bm-sec-incidents", "value": "1"}]},
        f'"v{version}"',
    )

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert "Scores change only while the round is a draft" in response.json()["detail"]
    assert stored(assessment).version == version
    assert set(scores_of(assessment)) == {"bm-sec-incidents", "bm-pol-dialogue"}


def test_editing_fields_of_a_submitted_round_is_a_conflict(client, mission, staff, plan):
    assessment = submitted(mission, staff)

    response = patch(as_user(client, staff), url(mission, assessment.pk), {"summary": "x"}, '"v2"')

    assert response.status_code == 409
    assert stored(assessment).summary == ""


# Deleting


def test_deleting_a_draft_removes_it_and_its_scores_with_an_event(client, mission, staff, plan):
    assessment = draft(mission, staff)

    response = as_user(client, staff).delete(
        url(mission, assessment.pk), headers={"If-Match": '"v1"'}
    )

    assert response.status_code == 204
    assert not Assessment.objects.filter(pk=assessment.pk).exists()
    assert not Score.objects.exists()
    assert events(assessment)[-1].action == "assessment.delete"


def test_deleting_a_submitted_round_is_a_conflict(client, mission, staff, plan):
    assessment = submitted(mission, staff)

    response = as_user(client, staff).delete(
        url(mission, assessment.pk), headers={"If-Match": '"v2"'}
    )

    assert response.status_code == 409
    assert Assessment.objects.filter(pk=assessment.pk).exists()


# Actions


def test_submitting_a_draft_answers_the_round_with_its_new_etag(
    client, mission, staff, plan, django_capture_on_commit_callbacks
):
    assessment = draft(mission, staff)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(
            as_user(client, staff), url(mission, assessment.pk, "submit"), if_match='"v1"'
        )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v2"'
    assert (response.json()["status"], response.json()["version"]) == ("submitted", 2)
    assert response.json()["submitted_at"]
    assert len(callbacks) == 1  # its scores count now: readiness is recomputed


def test_another_member_approves_a_submitted_round(client, mission, staff, admin, plan):
    assessment = submitted(mission, staff)

    response = post(as_user(client, admin), url(mission, assessment.pk, "approve"), if_match='"v2"')

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v3"'
    body = response.json()
    assert (body["status"], body["approved_by"]["id"]) == ("approved", admin.pk)
    assert body["approved_at"]


def test_the_author_may_not_approve_their_own_round(client, mission, staff, plan):
    assessment = submitted(mission, staff)

    response = post(as_user(client, staff), url(mission, assessment.pk, "approve"), if_match='"v2"')

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "Someone other than the author" in response.json()["detail"]
    assert stored(assessment).status == "submitted"


def test_a_superuser_may_not_approve_their_own_round_either(client, mission, plan):
    root = UserFactory(is_staff=True, is_superuser=True)
    assessment = submitted(mission, root)

    response = post(as_user(client, root), url(mission, assessment.pk, "approve"), if_match='"v2"')

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert stored(assessment).status == "submitted"


def test_approving_a_draft_is_a_conflict(client, mission, staff, admin, plan):
    assessment = draft(mission, staff)

    response = post(as_user(client, admin), url(mission, assessment.pk, "approve"), if_match='"v1"')

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert (stored(assessment).status, stored(assessment).version) == ("draft", 1)


def test_returning_a_submitted_round_sends_it_back_to_draft_with_the_reason(
    client, mission, staff, admin, plan, django_capture_on_commit_callbacks
):
    assessment = submitted(mission, staff)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post(
            as_user(client, admin),
            url(mission, assessment.pk, "return"),
            {"reason": "The incident figure lacks a source."},
            if_match='"v2"',
        )

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"v3"'
    body = response.json()
    assert (body["status"], body["returned_reason"], body["submitted_at"]) == (
        "draft",
        "The incident figure lacks a source.",
        None,
    )
    event = events(assessment)[-1]
    assert (event.action, event.actor) == ("assessment.return", admin)
    assert event.changes["status"] == ["submitted", "draft"]
    assert len(callbacks) == 1  # its scores stop counting


def test_a_returned_round_can_be_edited_and_submitted_again(client, mission, staff, admin, plan):
    assessment = submitted(mission, staff)
    post(as_user(client, admin), url(mission, assessment.pk, "return"), {"reason": "Fix"}, '"v2"')
    as_user(client, staff)

    edited = patch(client, url(mission, assessment.pk), {"scores": [SCORES[0]]}, '"v3"')
    resubmitted = post(client, url(mission, assessment.pk, "submit"), if_match='"v4"')

    assert (edited.status_code, resubmitted.status_code) == (200, 200)
    assert resubmitted.json()["status"] == "submitted"
    assert set(scores_of(assessment)) == {"bm-sec-incidents"}


def test_returning_needs_a_reason(client, mission, staff, admin, plan):
    assessment = submitted(mission, staff)

    response = post(as_user(client, admin), url(mission, assessment.pk, "return"), {}, '"v2"')

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert stored(assessment).status == "submitted"


def test_a_misspelt_reason_is_refused(client, mission, staff, admin, plan):
    assessment = submitted(mission, staff)

    response = post(
        as_user(client, admin), url(mission, assessment.pk, "return"), {"raeson": "x"}, '"v2"'
    )

    assert response.status_code == 400
    assert "raeson" in response.json()["errors"]
    assert stored(assessment).status == "submitted"


def test_the_author_may_not_return_their_own_round(client, mission, staff, plan):
    assessment = submitted(mission, staff)

    response = post(
        as_user(client, staff), url(mission, assessment.pk, "return"), {"reason": "Oops"}, '"v2"'
    )

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert stored(assessment).status == "submitted"


def test_returning_an_approved_round_is_a_conflict(client, mission, staff, admin, plan):
    assessment = approved(mission, staff, admin)

    response = post(
        as_user(client, admin), url(mission, assessment.pk, "return"), {"reason": "Late"}, '"v3"'
    )

    assert response.status_code == 409
    assert stored(assessment).status == "approved"


def test_submitting_a_submitted_round_is_a_conflict(client, mission, staff, plan):
    assessment = submitted(mission, staff)

    response = post(as_user(client, staff), url(mission, assessment.pk, "submit"), if_match='"v2"')

    assert response.status_code == 409


# Lost updates


@pytest.mark.parametrize(
    ("method", "action", "payload"),
    [
        ("patch", None, {"summary": "Mine"}),
        ("delete", None, None),
        ("post", "submit", None),
    ],
)
def test_a_stale_if_match_answers_412_with_the_current_etag_and_changes_nothing(
    client, mission, staff, plan, method, action, payload
):
    assessment = draft(mission, staff)
    patch(as_user(client, staff), url(mission, assessment.pk), {"summary": "Theirs"}, '"v1"')

    response = getattr(client, method)(
        url(mission, assessment.pk, action),
        payload,
        content_type="application/json",
        headers={"If-Match": '"v1"'},
    )

    assert response.status_code == 412
    assert response["ETag"] == '"v2"'
    after = stored(assessment)
    assert (after.version, after.summary, after.status) == (2, "Theirs", "draft")


def test_a_stale_if_match_on_approval_changes_nothing(client, mission, staff, admin, plan):
    assessment = submitted(mission, staff)

    response = post(as_user(client, admin), url(mission, assessment.pk, "approve"), if_match='"v1"')

    assert response.status_code == 412
    assert (stored(assessment).status, stored(assessment).version) == ("submitted", 2)


@pytest.mark.parametrize(
    ("method", "action"), [("patch", None), ("delete", None), ("post", "submit")]
)
def test_a_missing_if_match_answers_428(client, mission, staff, plan, method, action):
    assessment = draft(mission, staff)

    response = getattr(as_user(client, staff), method)(
        url(mission, assessment.pk, action), {"summary": "x"}, content_type="application/json"
    )

    assert response.status_code == 428
    assert response["Content-Type"] == PROBLEM
    assert stored(assessment).version == 1


def test_a_weak_etag_matches_like_a_strong_one(client, mission, staff, plan):
    assessment = draft(mission, staff)

    response = patch(
        as_user(client, staff), url(mission, assessment.pk), {"summary": "x"}, 'W/"v1"'
    )

    assert response.status_code == 200


# Who sees drafts


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer"])
def test_drafts_are_invisible_without_log_assessment(
    client, mission, staff, plan, persona, request
):
    hidden = draft(mission, staff)
    shown = submitted(mission, staff)
    as_user(client, request.getfixturevalue(persona))

    listed = client.get(url(mission))
    single = client.get(url(mission, hidden.pk))

    assert [row["id"] for row in listed.json()["results"]] == [shown.pk]
    assert listed.json()["count"] == 1
    assert single.status_code == 404
    assert single["Content-Type"] == PROBLEM
    assert client.get(url(mission, shown.pk)).status_code == 200


@pytest.mark.parametrize("persona", ["admin", "staff"])
def test_drafts_are_visible_with_log_assessment(client, mission, staff, plan, persona, request):
    hidden = draft(mission, staff)
    as_user(client, request.getfixturevalue(persona))

    assert [row["id"] for row in client.get(url(mission)).json()["results"]] == [hidden.pk]
    assert client.get(url(mission, hidden.pk)).status_code == 200


def test_a_round_of_another_mission_is_not_found(client, mission, other_mission, staff, plan):
    make_plan(other_mission, UserFactory())
    elsewhere = draft(other_mission, UserFactory())

    response = as_user(client, staff).get(url(mission, elsewhere.pk))

    assert response.status_code == 404


# Filters and ordering


@pytest.fixture
def rounds(mission, staff, admin, plan):
    return {
        "a": submitted(mission, staff, as_of=datetime.date(2026, 3, 31), kind="security"),
        "b": submitted(
            mission, staff, as_of=datetime.date(2026, 6, 30), kind="political", label="ACLED"
        ),
        "c": draft(mission, staff, as_of=datetime.date(2026, 9, 30), method="survey"),
        "d": approved(mission, staff, admin),
    }


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["a", "b", "c", "d"]),
        ("status=draft", ["c"]),
        ("status=submitted", ["a", "b"]),
        ("kind=political", ["b"]),
        ("method=survey", ["c"]),
        ("label=ACLED", ["b"]),
        ("as_of=2026-06-30", ["b", "d"]),
        ("as_of_after=2026-06-30", ["b", "c", "d"]),
        ("as_of_before=2026-06-30", ["a", "b", "d"]),
        ("as_of_after=2026-04-01&as_of_before=2026-07-01", ["b", "d"]),
        ("ordering=-as_of", ["c", "b", "d", "a"]),
    ],
)
def test_rounds_filter_by_status_kind_method_date_and_label(
    client, mission, staff, rounds, query, names
):
    response = as_user(client, staff).get(f"{url(mission)}?{query}")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [rounds[n].pk for n in names]


def test_a_bad_filter_value_answers_400(client, mission, staff, plan):
    response = as_user(client, staff).get(f"{url(mission)}?as_of_after=yesterday")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "as_of_after" in response.json()["errors"]


# Closed missions and read-only tokens


def test_a_closed_mission_refuses_new_rounds_but_shows_its_rounds(
    client, mission, admin, staff, plan
):
    assessment = submitted(mission, staff)
    record_update(actor=admin, instance=mission, data={"status": "closed"})
    as_user(client, staff)

    assert post(client, url(mission), {**ROUND, "scores": SCORES}).status_code == 409
    assert client.get(url(mission, assessment.pk)).status_code == 200


def test_a_read_only_token_may_read_rounds_but_not_write(client, mission, staff, plan):
    _, key = api_token_create(user=staff, name="reader", read_only=True)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}

    assert client.get(url(mission), **auth).status_code == 200
    response = client.post(url(mission), ROUND, content_type="application/json", **auth)
    assert response.status_code == 403
    assert not Assessment.objects.exists()


# Query counts


def _many_rounds(mission, staff, count):
    for i in range(count):
        submitted(mission, staff, as_of=D - datetime.timedelta(days=i))


@pytest.mark.parametrize("count", [2, 20])
def test_listing_rounds_costs_the_same_queries_whatever_their_number(
    client, mission, staff, plan, django_assert_max_num_queries, count
):
    _many_rounds(mission, staff, count)
    as_user(client, staff)

    with django_assert_max_num_queries(9):
        response = client.get(url(mission))

    assert len(response.json()["results"]) == count
    assert all(len(row["scores"]) == 2 for row in response.json()["results"])


# The permission matrix for rounds: each persona × each action (tests/test_permission_matrix.py).


@pytest.fixture
def rounds_in_alpha(world):
    """A draft (v1) and a submitted round (v2) in alpha, both by the site admin."""
    mission = world["missions"]["alpha"]["mission"]
    make_plan(mission, world["site_admin"])
    author = world["site_admin"]
    return {"draft": draft(mission, author), "submitted": submitted(mission, author)}


ALPHA = "/api/v1/missions/alpha/assessments/"

# (name, permission, method, url, payload, If-Match, success status, hidden from others)
ASSESSMENT_ACTIONS = [
    ("list", "view_mission", "get", lambda r: ALPHA, None, None, 200, False),
    (
        "read submitted",
        "view_mission",
        "get",
        lambda r: f"{ALPHA}{r['submitted'].pk}/",
        None,
        None,
        200,
        False,
    ),
    (
        "read draft",
        "log_assessment",
        "get",
        lambda r: f"{ALPHA}{r['draft'].pk}/",
        None,
        None,
        200,
        True,
    ),
    (
        "create",
        "log_assessment",
        "post",
        lambda r: ALPHA,
        {**ROUND, "scores": SCORES},
        None,
        201,
        False,
    ),
    (
        "edit draft",
        "log_assessment",
        "patch",
        lambda r: f"{ALPHA}{r['draft'].pk}/",
        {"summary": "Edited"},
        '"v1"',
        200,
        False,
    ),
    (
        "delete draft",
        "log_assessment",
        "delete",
        lambda r: f"{ALPHA}{r['draft'].pk}/",
        None,
        '"v1"',
        204,
        False,
    ),
    (
        "submit",
        "log_assessment",
        "post",
        lambda r: f"{ALPHA}{r['draft'].pk}/submit/",
        None,
        '"v1"',
        200,
        False,
    ),
    (
        "approve",
        "approve_assessment",
        "post",
        lambda r: f"{ALPHA}{r['submitted'].pk}/approve/",
        None,
        '"v2"',
        200,
        False,
    ),
    (
        "return",
        "approve_assessment",
        "post",
        lambda r: f"{ALPHA}{r['submitted'].pk}/return/",
        {"reason": "Check the sources."},
        '"v2"',
        200,
        False,
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "path", "payload", "if_match", "ok", "hidden"),
    ASSESSMENT_ACTIONS,
    ids=[a[0] for a in ASSESSMENT_ACTIONS],
)
def test_assessment_api_matrix(
    client, world, rounds_in_alpha, persona, name, perm, method, path, payload, if_match, ok, hidden
):
    headers = _api_client(client, world, persona)
    if if_match:
        headers["HTTP_IF_MATCH"] = if_match

    response = getattr(client, method)(
        path(rounds_in_alpha), payload, content_type="application/json", **headers
    )

    want = expected(persona, perm, api=True, ok=ok)
    if hidden and want == 403:
        want = 404  # a draft does not exist for those who may not see drafts
    assert response.status_code == want, response.content
    if response.status_code == 403:
        assert response.json()["allowed_roles"] == allowed_roles(perm)
        assert response["Content-Type"] == PROBLEM

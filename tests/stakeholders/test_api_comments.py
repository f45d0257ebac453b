"""Comments on plan items over the API: threads, official answers, resolving, and who may
do which (the matrix at the end). Notifications to followers are not part of this yet.
"""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.tokens import api_token_create
from missions.access import allowed_roles
from missions.models import AuditEvent, Subscription
from missions.services import (
    benchmark_create,
    handover_item_create,
    objective_create,
    phase_create,
    record_update,
)
from stakeholders.models import Comment
from stakeholders.services import comment_answer, comment_create, comment_resolve
from tests.test_permission_matrix import PERSONAS, expected, world  # noqa: F401 (a fixture)

PROBLEM = "application/problem+json"


def url(mission, pk=None, action=None) -> str:
    base = f"/api/v1/missions/{mission.code}/comments/"
    if pk:
        base = f"{base}{pk}/"
    return f"{base}{action}/" if action else base


@pytest.fixture
def objective(mission, admin):
    return objective_create(
        actor=admin, mission=mission, order=1, category="security", title="Security", weight=1
    )


@pytest.fixture
def items(mission, admin, objective):
    """One plan item of each kind a comment may be about."""
    return {
        "phase": phase_create(
            actor=admin, mission=mission, order=1, kind="handover", name="Handover"
        ),
        "objective": objective,
        "benchmark": benchmark_create(
            actor=admin,
            objective=objective,
            order=1,
            code="bm-incidents",
            title="Incidents",
            kind="quantitative",
            baseline=100,
            target=10,
            weight=1,
            frequency_days=90,
        ),
        "handover_item": handover_item_create(
            actor=admin, mission=mission, order=1, function="Border control"
        ),
    }


def as_(client, user):
    client.force_login(user)
    return client


def post(client, path, data=None, **headers):
    return client.post(path, data or {}, content_type="application/json", **headers)


def comment_on(obj, author, body="Why this target?", **kwargs):
    kind = "handover_item" if obj._meta.model_name == "handoveritem" else obj._meta.model_name
    return comment_create(
        actor=author, mission=obj.mission, body=body, target_type=kind, target_id=obj.pk, **kwargs
    )


# Commenting


@pytest.mark.parametrize("kind", ["phase", "objective", "benchmark", "handover_item"])
def test_a_partner_comments_on_any_plan_item(client, mission, items, partner, kind):
    response = post(
        as_(client, partner),
        url(mission),
        {"body": "Who verifies this?", "target_type": kind, "target_id": items[kind].pk},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"v1"'
    assert (body["target_type"], body["target_id"], body["parent"]) == (kind, items[kind].pk, None)
    assert (body["status"], body["is_official"], body["version"]) == ("open", False, 1)
    assert body["author"] == {"id": partner.pk, "name": partner.name}
    assert AuditEvent.objects.filter(
        action="comment.create", target_type="comment", target_id=body["id"], actor=partner
    ).exists()


def test_commenting_sends_no_email_yet(
    client, mission, objective, partner, staff, django_capture_on_commit_callbacks
):
    comment_on(objective, staff)  # staff follow the objective

    with django_capture_on_commit_callbacks(execute=True):
        post(
            as_(client, partner),
            url(mission),
            {"body": "Hello", "target_type": "objective", "target_id": objective.pk},
        )

    assert mail.outbox == []


def test_an_item_of_another_mission_is_400(client, mission, other_mission, admin, partner):
    theirs = objective_create(
        actor=admin, mission=other_mission, order=1, category="security", title="T", weight=1
    )

    response = post(
        as_(client, partner),
        url(mission),
        {"body": "Hm", "target_type": "objective", "target_id": theirs.pk},
    )

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == ["target_id"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "Hm", "target_type": "objective", "target_id": 999999}, "target_id"),
        ({"body": "Hm", "target_type": "mission", "target_id": 1}, "target_type"),
        ({"body": "Hm"}, "target_type"),
        ({"body": "", "target_type": "objective", "target_id": 0}, "body"),
    ],
)
def test_a_comment_about_nothing_valid_is_400(client, mission, objective, partner, payload, field):
    response = post(as_(client, partner), url(mission), payload)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_misspelt_field_is_400_naming_it(client, mission, objective, partner):
    response = post(
        as_(client, partner),
        url(mission),
        {"body": "Hm", "target_type": "objective", "tagret_id": objective.pk},
    )

    assert response.status_code == 400
    assert "tagret_id" in response.json()["errors"]
    assert not Comment.objects.exists()


def test_an_observer_cannot_comment_and_is_told_who_may(client, mission, objective, observer):
    response = post(
        as_(client, observer),
        url(mission),
        {"body": "Noted", "target_type": "objective", "target_id": objective.pk},
    )

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["allowed_roles"] == ["admin", "staff", "liaison", "partner"]


def test_commenting_on_a_closed_mission_is_409(client, mission, objective, admin, partner):
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    response = post(
        as_(client, partner),
        url(mission),
        {"body": "Late", "target_type": "objective", "target_id": objective.pk},
    )

    assert response.status_code == 409


# Replies


def test_a_reply_inherits_its_threads_item(client, mission, items, partner, liaison):
    thread = comment_on(items["benchmark"], partner)

    response = post(as_(client, liaison), url(mission), {"body": "Agreed", "parent": thread.pk})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["parent"], body["target_type"], body["target_id"]) == (
        thread.pk,
        "benchmark",
        items["benchmark"].pk,
    )


def test_a_reply_naming_another_item_is_400(client, mission, items, partner, liaison):
    thread = comment_on(items["benchmark"], partner)

    response = post(
        as_(client, liaison),
        url(mission),
        {
            "body": "Agreed",
            "parent": thread.pk,
            "target_type": "objective",
            "target_id": items["objective"].pk,
        },
    )

    assert response.status_code == 400
    assert "target_id" in response.json()["errors"]


def test_a_reply_to_a_reply_is_400(client, mission, objective, partner, liaison):
    thread = comment_on(objective, partner)
    reply = comment_create(actor=liaison, mission=mission, body="Agreed", parent=thread)

    response = post(as_(client, partner), url(mission), {"body": "Thanks", "parent": reply.pk})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["parent"]


def test_a_comment_of_another_mission_is_no_parent(
    client, mission, other_mission, admin, partner, objective
):
    theirs_objective = objective_create(
        actor=admin, mission=other_mission, order=1, category="security", title="T", weight=1
    )
    theirs = comment_on(theirs_objective, admin)

    response = post(as_(client, partner), url(mission), {"body": "Hi", "parent": theirs.pk})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["parent"]


def test_a_resolved_thread_takes_no_replies(client, mission, objective, partner, staff):
    thread = comment_on(objective, partner)
    comment_resolve(actor=staff, comment=thread)

    response = post(as_(client, partner), url(mission), {"body": "But…", "parent": thread.pk})

    assert response.status_code == 409


# Answering and resolving


def test_answering_adds_an_official_reply_and_marks_the_thread_answered(
    client, mission, objective, partner, staff
):
    thread = comment_on(objective, partner)

    response = post(
        as_(client, staff),
        url(mission, thread.pk, "answer"),
        {"body": "The police census of 2026."},
        HTTP_IF_MATCH='"v1"',
    )

    assert response.status_code == 201, response.content
    reply = response.json()
    assert (reply["parent"], reply["is_official"], reply["body"]) == (
        thread.pk,
        True,
        "The police census of 2026.",
    )
    assert (reply["target_type"], reply["target_id"]) == ("objective", objective.pk)
    assert reply["author"]["id"] == staff.pk
    thread.refresh_from_db()
    assert (thread.status, thread.version) == ("answered", 2)
    event = AuditEvent.objects.get(action="comment.answer", target_id=thread.pk)
    assert event.changes == {"status": ["open", "answered"], "answer": [None, reply["id"]]}


def test_answering_needs_the_threads_if_match(client, mission, objective, partner, staff):
    thread = comment_on(objective, partner)
    api = as_(client, staff)

    missing = post(api, url(mission, thread.pk, "answer"), {"body": "A"})
    stale = post(api, url(mission, thread.pk, "answer"), {"body": "A"}, HTTP_IF_MATCH='"v7"')

    assert (missing.status_code, stale.status_code) == (428, 412)
    assert stale["ETag"] == '"v1"'
    assert Comment.objects.count() == 1


def test_an_answer_retried_with_its_idempotency_key_is_given_once(
    client, mission, objective, partner, staff
):
    thread = comment_on(objective, partner)
    api = as_(client, staff)
    headers = {"HTTP_IF_MATCH": '"v1"', "HTTP_IDEMPOTENCY_KEY": "answer-1"}

    first = post(api, url(mission, thread.pk, "answer"), {"body": "A"}, **headers)
    retry = post(api, url(mission, thread.pk, "answer"), {"body": "A"}, **headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert Comment.objects.filter(parent=thread).count() == 1


def test_answering_a_reply_is_409(client, mission, objective, partner, staff):
    thread = comment_on(objective, partner)
    reply = comment_create(actor=partner, mission=mission, body="And?", parent=thread)

    response = post(
        as_(client, staff), url(mission, reply.pk, "answer"), {"body": "A"}, HTTP_IF_MATCH='"v1"'
    )

    assert response.status_code == 409


def test_a_liaison_cannot_answer_officially(client, mission, objective, partner, liaison):
    thread = comment_on(objective, partner)

    response = post(
        as_(client, liaison), url(mission, thread.pk, "answer"), {"body": "A"}, HTTP_IF_MATCH='"v1"'
    )

    assert response.status_code == 403
    assert response.json()["allowed_roles"] == ["admin", "staff"]


def test_resolving_closes_the_thread(client, mission, objective, partner, staff):
    thread = comment_on(objective, partner)
    comment_answer(actor=staff, comment=thread, body="Done.")

    response = post(as_(client, staff), url(mission, thread.pk, "resolve"), HTTP_IF_MATCH='"v2"')

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"
    assert response["ETag"] == '"v3"'
    assert AuditEvent.objects.filter(action="comment.resolve", target_id=thread.pk).exists()


def test_resolving_twice_is_409(client, mission, objective, partner, staff):
    thread = comment_on(objective, partner)
    comment_resolve(actor=staff, comment=thread)

    response = post(as_(client, staff), url(mission, thread.pk, "resolve"), HTTP_IF_MATCH='"v2"')

    assert response.status_code == 409


# Editing


def patch(client, mission, comment, data, if_match='"v1"'):
    return client.patch(
        url(mission, comment.pk), data, content_type="application/json", HTTP_IF_MATCH=if_match
    )


def test_the_author_edits_their_comment(client, mission, objective, partner):
    comment = comment_on(objective, partner)

    response = patch(as_(client, partner), mission, comment, {"body": "Who verifies it, and how?"})

    assert response.status_code == 200, response.content
    assert response.json()["body"] == "Who verifies it, and how?"
    assert response["ETag"] == '"v2"'
    assert AuditEvent.objects.get(action="comment.update", target_id=comment.pk).changes == {
        "body": ["Why this target?", "Who verifies it, and how?"]
    }


@pytest.mark.parametrize("persona", ["admin", "staff", "liaison"])
def test_nobody_but_the_author_edits_a_comment(
    request, client, mission, objective, partner, persona
):
    comment = comment_on(objective, partner)

    response = patch(as_(client, request.getfixturevalue(persona)), mission, comment, {"body": "X"})

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    comment.refresh_from_db()
    assert comment.body == "Why this target?"


def test_a_comment_in_a_resolved_thread_no_longer_changes(
    client, mission, objective, partner, liaison, staff
):
    thread = comment_on(objective, partner)
    reply = comment_create(actor=liaison, mission=mission, body="Agreed", parent=thread)
    comment_resolve(actor=staff, comment=thread)

    own_thread = patch(as_(client, partner), mission, thread, {"body": "X"}, '"v2"')
    own_reply = patch(as_(client, liaison), mission, reply, {"body": "X"})

    assert (own_thread.status_code, own_reply.status_code) == (409, 409)


def test_comments_are_never_deleted(client, mission, objective, partner, admin):
    comment = comment_on(objective, partner)

    response = as_(client, admin).delete(url(mission, comment.pk), HTTP_IF_MATCH='"v1"')

    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert Comment.objects.filter(pk=comment.pk).exists()


# Reading


def test_the_author_shows_their_email_only_to_those_who_see_members(
    client, mission, objective, partner, staff
):
    comment_on(objective, partner)

    for_partner = as_(client, partner).get(url(mission)).json()["results"][0]["author"]
    for_staff = as_(client, staff).get(url(mission)).json()["results"][0]["author"]

    assert for_partner == {"id": partner.pk, "name": partner.name}
    assert for_staff == {"id": partner.pk, "name": partner.name, "email": partner.email}


def test_the_list_is_newest_first_in_cursor_pages(client, mission, objective, partner):
    ids = [comment_on(objective, partner, body=f"Comment {i}").pk for i in range(5)]
    api = as_(client, partner)

    first = api.get(url(mission), {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    assert set(first) == {"next", "previous", "results"}
    pages = [[c["id"] for c in page["results"]] for page in (first, second, third)]
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]
    assert third["next"] is None


def test_open_lists_the_threads_not_yet_resolved(
    client, mission, objective, partner, liaison, staff
):
    waiting = comment_on(objective, partner, body="Waiting")
    answered = comment_on(objective, liaison, body="Answered")
    comment_answer(actor=staff, comment=answered, body="Here.")
    resolved = comment_on(objective, partner, body="Resolved")
    comment_resolve(actor=staff, comment=resolved)
    api = as_(client, partner)

    still_open = [c["id"] for c in api.get(url(mission), {"open": "true"}).json()["results"]]
    closed = [c["id"] for c in api.get(url(mission), {"open": "false"}).json()["results"]]

    assert still_open == [answered.pk, waiting.pk]
    assert closed == [resolved.pk]


def test_the_list_filters_by_item_status_parent_and_official(
    client, mission, items, partner, staff
):
    on_phase = comment_on(items["phase"], partner)
    on_objective = comment_on(items["objective"], partner)
    answer = comment_answer(actor=staff, comment=on_objective, body="Answer")
    api = as_(client, partner)

    def ids(**params):
        return [c["id"] for c in api.get(url(mission), params).json()["results"]]

    assert ids(target_type="phase") == [on_phase.pk]
    assert ids(target_type="objective", target_id=items["objective"].pk) == [
        answer.pk,
        on_objective.pk,
    ]
    assert ids(status="answered") == [on_objective.pk]
    assert ids(parent=on_objective.pk) == [answer.pk]
    assert ids(is_official="true") == [answer.pk]
    assert ids(is_reply="false") == [on_objective.pk, on_phase.pk]


def test_comments_of_another_mission_are_not_listed_or_found(
    client, mission, other_mission, admin, partner, objective
):
    theirs_objective = objective_create(
        actor=admin, mission=other_mission, order=1, category="security", title="T", weight=1
    )
    theirs = comment_on(theirs_objective, admin)
    api = as_(client, partner)

    assert api.get(url(mission)).json()["results"] == []
    assert api.get(url(mission, theirs.pk)).status_code == 404


def test_a_comment_answers_with_its_version_as_etag(client, mission, objective, partner, staff):
    thread = comment_on(objective, partner)
    comment_answer(actor=staff, comment=thread, body="A")

    response = as_(client, partner).get(url(mission, thread.pk))

    assert response["ETag"] == '"v2"'
    assert response.json()["status"] == "answered"


def test_updated_after_lists_comments_changed_since(client, mission, objective, partner, staff):
    old = comment_on(objective, partner, body="Old")
    Comment.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=2))
    new = comment_on(objective, partner, body="New")
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    response = as_(client, partner).get(url(mission), {"updated_after": since})

    assert [c["id"] for c in response.json()["results"]] == [new.pk]


# Following


def test_commenting_follows_the_item_once(client, mission, objective, partner):
    api = as_(client, partner)
    payload = {"body": "One", "target_type": "objective", "target_id": objective.pk}

    post(api, url(mission), payload)
    post(api, url(mission), payload)

    (subscription,) = Subscription.objects.filter(user=partner)
    assert (subscription.mission, subscription.target_type, subscription.target_id) == (
        mission,
        "objective",
        objective.pk,
    )


def test_replying_and_answering_follow_the_threads_item(
    client, mission, objective, partner, liaison, staff
):
    thread = comment_on(objective, partner)

    post(as_(client, liaison), url(mission), {"body": "+1", "parent": thread.pk})
    post(as_(client, staff), url(mission, thread.pk, "answer"), {"body": "A"}, HTTP_IF_MATCH='"v1"')

    followers = Subscription.objects.filter(target_type="objective", target_id=objective.pk)
    assert set(followers.values_list("user", flat=True)) == {partner.pk, liaison.pk, staff.pk}


# Cost

# Measured with 2 comments and again with 20: session and user (2), saving the session (3),
# the mission access (1), and the page of comments with their authors (1); no count.
LIST_QUERIES = 7


@pytest.mark.parametrize("n", [2, 20])
def test_the_list_costs_the_same_for_2_or_20_comments(
    client, mission, objective, partner, liaison, staff, n, django_assert_max_num_queries
):
    authors = [partner, liaison, staff]
    for i in range(n):
        comment_on(objective, authors[i % 3], body=f"Comment {i}")
    api = as_(client, staff)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(url(mission), {"page_size": 50})

    assert len(response.json()["results"]) == n


# The permission matrix (tests/test_permission_matrix.py's world: mission alpha)

ALPHA = "/api/v1/missions/alpha/comments/"


@pytest.fixture
def alpha_world(request):
    """tests/test_permission_matrix.py's world (its personas in mission alpha)."""
    return request.getfixturevalue("world")


@pytest.fixture
def thread(alpha_world):
    """An objective of alpha with one open thread by its partner."""
    alpha = alpha_world["missions"]["alpha"]["mission"]
    objective = objective_create(
        actor=alpha_world["site_admin"],
        mission=alpha,
        order=1,
        category="political",
        title="Dialogue",
        weight=1,
    )
    return comment_on(objective, alpha_world["people"]["partner"])


MATRIX = [
    ("list", "view_mission", "get", lambda t: ALPHA, None, 200),
    ("retrieve", "view_mission", "get", lambda t: f"{ALPHA}{t.pk}/", None, 200),
    (
        "comment",
        "comment",
        "post",
        lambda t: ALPHA,
        lambda t: {"body": "Hm", "target_type": "objective", "target_id": t.target_id},
        201,
    ),
    ("reply", "comment", "post", lambda t: ALPHA, lambda t: {"body": "+1", "parent": t.pk}, 201),
    (
        "answer",
        "answer_comments",
        "post",
        lambda t: f"{ALPHA}{t.pk}/answer/",
        lambda t: {"body": "Official"},
        201,
    ),
    ("resolve", "answer_comments", "post", lambda t: f"{ALPHA}{t.pk}/resolve/", None, 200),
    ("delete", "view_mission", "delete", lambda t: f"{ALPHA}{t.pk}/", None, 405),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "path", "payload", "ok"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_api_matrix(client, alpha_world, thread, persona, name, perm, method, path, payload, ok):
    headers = {"HTTP_IF_MATCH": '"v1"'}
    if persona != "anonymous":
        _, key = api_token_create(user=alpha_world["people"][persona], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    response = getattr(client, method)(
        path(thread),
        payload(thread) if payload else None,
        content_type="application/json",
        **headers,
    )

    assert response.status_code == expected(persona, perm, api=True, ok=ok), response.content
    if response.status_code == 403:
        assert response.json()["allowed_roles"] == allowed_roles(perm)


@pytest.mark.parametrize("persona", ["admin", "staff", "liaison", "partner"])
def test_api_matrix_only_the_author_edits(client, alpha_world, thread, persona):
    _, key = api_token_create(user=alpha_world["people"][persona], name="matrix")

    response = client.patch(
        f"{ALPHA}{thread.pk}/",
        {"body": "Edited"},
        content_type="application/json",
        HTTP_IF_MATCH='"v1"',
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == (200 if persona == "partner" else 403)

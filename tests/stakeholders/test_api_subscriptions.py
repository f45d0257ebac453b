"""The caller's own subscriptions (the plan items they follow) in a mission, over the API.

Commenting follows an item by itself (tests/stakeholders/test_api_comments.py); here a
person follows and stops following by hand, and sees only their own.
"""

import pytest

from accounts.tokens import api_token_create
from missions.access import allowed_roles
from missions.models import AuditEvent, Subscription
from missions.services import handover_item_create, objective_create, record_update
from stakeholders.services import subscription_create
from tests.test_permission_matrix import PERSONAS, expected, world  # noqa: F401 (a fixture)

PROBLEM = "application/problem+json"


def url(mission, pk=None) -> str:
    base = f"/api/v1/missions/{mission.code}/subscriptions/"
    return f"{base}{pk}/" if pk else base


def as_(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def objective(mission, admin):
    return objective_create(
        actor=admin, mission=mission, order=1, category="security", title="Security", weight=1
    )


def follow(user, obj, kind="objective"):
    return subscription_create(actor=user, mission=obj.mission, target_type=kind, target_id=obj.pk)


def test_a_liaison_follows_a_plan_item(client, mission, objective, liaison):
    events = AuditEvent.objects.count()

    response = as_(client, liaison).post(
        url(mission),
        {"target_type": "objective", "target_id": objective.pk},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["target_type"], body["target_id"]) == ("objective", objective.pk)
    subscription = Subscription.objects.get(pk=body["id"])
    assert (subscription.user, subscription.mission) == (liaison, mission)
    assert AuditEvent.objects.count() == events  # a personal preference, not the plan's history


def test_following_an_item_twice_is_409(client, mission, objective, liaison):
    follow(liaison, objective)

    response = as_(client, liaison).post(
        url(mission),
        {"target_type": "objective", "target_id": objective.pk},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert Subscription.objects.filter(user=liaison).count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"target_type": "objective", "target_id": 999999}, "target_id"),
        ({"target_type": "mission", "target_id": 1}, "target_type"),
        ({"target_type": "objective"}, "target_id"),
    ],
)
def test_following_nothing_valid_is_400(client, mission, objective, partner, payload, field):
    response = as_(client, partner).post(url(mission), payload, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_following_an_item_of_another_mission_is_400(
    client, mission, other_mission, admin, partner
):
    theirs = handover_item_create(actor=admin, mission=other_mission, order=1, function="Ports")

    response = as_(client, partner).post(
        url(mission),
        {"target_type": "handover_item", "target_id": theirs.pk},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["target_id"]
    assert not Subscription.objects.exists()


def test_an_observer_may_not_follow_and_is_told_who_may(client, mission, objective, observer):
    response = as_(client, observer).post(
        url(mission),
        {"target_type": "objective", "target_id": objective.pk},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["allowed_roles"] == allowed_roles("comment")


def test_each_person_lists_only_their_own(client, mission, objective, liaison, partner, admin):
    other = objective_create(
        actor=admin, mission=mission, order=2, category="political", title="Dialogue", weight=1
    )
    mine = [follow(partner, objective), follow(partner, other)]
    follow(liaison, objective)

    response = as_(client, partner).get(url(mission))

    assert [s["id"] for s in response.json()["results"]] == [s.pk for s in mine]


def test_the_list_leaves_out_other_missions(client, mission, other_mission, objective, admin):
    theirs = objective_create(
        actor=admin, mission=other_mission, order=1, category="security", title="T", weight=1
    )
    Subscription.objects.create(
        user=admin, mission=other_mission, target_type="objective", target_id=theirs.pk
    )
    here = follow(admin, objective)

    response = as_(client, admin).get(url(mission))

    assert [s["id"] for s in response.json()["results"]] == [here.pk]


def test_the_list_filters_by_item(client, mission, objective, admin, partner):
    item = handover_item_create(actor=admin, mission=mission, order=1, function="Ports")
    follow(partner, objective)
    on_item = follow(partner, item, "handover_item")

    response = as_(client, partner).get(url(mission), {"target_type": "handover_item"})

    assert [s["id"] for s in response.json()["results"]] == [on_item.pk]


def test_stopping_following_deletes_the_subscription(client, mission, objective, partner):
    subscription = follow(partner, objective)

    response = as_(client, partner).delete(url(mission, subscription.pk))

    assert response.status_code == 204
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_someone_elses_subscription_is_not_found(client, mission, objective, partner, staff):
    theirs = follow(partner, objective)
    api = as_(client, staff)

    assert api.get(url(mission, theirs.pk)).status_code == 404
    assert api.delete(url(mission, theirs.pk)).status_code == 404
    assert Subscription.objects.filter(pk=theirs.pk).exists()


def test_an_observer_lists_and_stops_following_their_own(client, mission, objective, observer):
    # An observer who followed items as a partner keeps them after the role changed.
    own = Subscription.objects.create(
        user=observer, mission=mission, target_type="objective", target_id=objective.pk
    )
    api = as_(client, observer)

    listed = api.get(url(mission)).json()["results"]
    deleted = api.delete(url(mission, own.pk))

    assert [s["id"] for s in listed] == [own.pk]
    assert deleted.status_code == 204


def test_following_in_a_closed_mission_is_409(client, mission, objective, admin, partner):
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    response = as_(client, partner).post(
        url(mission),
        {"target_type": "objective", "target_id": objective.pk},
        content_type="application/json",
    )

    assert response.status_code == 409


# Cost

# Measured with 2 subscriptions and again with 20: session and user (2), saving the session
# (3), the mission access (1), count, page.
LIST_QUERIES = 8


@pytest.mark.parametrize("n", [2, 20])
def test_the_list_costs_the_same_for_2_or_20_subscriptions(
    client, mission, admin, partner, n, django_assert_max_num_queries
):
    for i in range(n):
        item = handover_item_create(actor=admin, mission=mission, order=i, function=f"F{i}")
        follow(partner, item, "handover_item")
    api = as_(client, partner)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(url(mission), {"page_size": 50})

    assert len(response.json()["results"]) == n


# The permission matrix (tests/test_permission_matrix.py's world: mission alpha)

ALPHA = "/api/v1/missions/alpha/subscriptions/"


@pytest.fixture
def alpha_world(request):
    """tests/test_permission_matrix.py's world (its personas in mission alpha)."""
    return request.getfixturevalue("world")


@pytest.fixture
def followed(alpha_world):
    """An objective of alpha, and each member's own subscription to another item of it."""
    mission = alpha_world["missions"]["alpha"]["mission"]
    admin = alpha_world["site_admin"]
    objective = objective_create(
        actor=admin, mission=mission, order=1, category="security", title="Police", weight=1
    )
    item = handover_item_create(actor=admin, mission=mission, order=1, function="Ports")
    own = {
        persona: Subscription.objects.create(
            user=user, mission=mission, target_type="handover_item", target_id=item.pk
        )
        for persona, user in alpha_world["people"].items()
        if persona != "stranger"
    }
    return {"objective": objective, "own": own}


def _own(f, persona):
    # The stranger and anonymous have nothing here: they try the admin's.
    return f["own"].get(persona, f["own"]["admin"])


MATRIX = [
    ("list", "view_mission", "get", lambda f, p: ALPHA, None, 200),
    ("retrieve", "view_mission", "get", lambda f, p: f"{ALPHA}{_own(f, p).pk}/", None, 200),
    (
        "follow",
        "comment",
        "post",
        lambda f, p: ALPHA,
        lambda f: {"target_type": "objective", "target_id": f["objective"].pk},
        201,
    ),
    ("unfollow", "view_mission", "delete", lambda f, p: f"{ALPHA}{_own(f, p).pk}/", None, 204),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "path", "payload", "ok"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_api_matrix(client, alpha_world, followed, persona, name, perm, method, path, payload, ok):
    headers = {}
    if persona != "anonymous":
        _, key = api_token_create(user=alpha_world["people"][persona], name="matrix")
        headers["HTTP_AUTHORIZATION"] = f"Token {key}"

    response = getattr(client, method)(
        path(followed, persona),
        payload(followed) if payload else None,
        content_type="application/json",
        **headers,
    )

    assert response.status_code == expected(persona, perm, api=True, ok=ok), response.content
    if response.status_code == 403:
        assert response.json()["allowed_roles"] == allowed_roles(perm)

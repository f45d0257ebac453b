"""Lists written from plain rows (``.values()`` pages and exitplan.api.ListedFieldsMixin's row
plan) show each row exactly as DRF's own path over the object does, and filter as before.
"""

import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from assessments.api.serializers import FlatScoreSerializer
from exitplan.api import _moment_show
from missions.access import access_for
from stakeholders.api.comments import CommentSerializer
from stakeholders.models import Comment
from stakeholders.services import comment_answer, comment_create
from tests.assessments.test_api_scores import a_round, make_plan

JUNE = datetime.date(2026, 6, 30)


@pytest.fixture
def plan(mission, admin):
    return make_plan(mission, admin)


@pytest.fixture
def thread(mission, admin, staff, partner, plan):
    benchmark = plan["incidents"]
    first = comment_create(
        actor=partner,
        mission=mission,
        body="Why this target?",
        target_type="benchmark",
        target_id=benchmark.pk,
    )
    comment_create(actor=staff, mission=mission, body="A reply", parent=first)
    comment_answer(actor=admin, comment=first, body="Because.", version=first.version)
    return first


def page(client, path) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("persona", ["staff", "partner"])  # with and without e-mails
def test_a_page_of_comments_shows_each_as_its_detail_does(
    client, mission, thread, persona, request
):
    client.force_login(request.getfixturevalue(persona))
    base = f"/api/v1/missions/{mission.code}/comments/"

    rows = page(client, base)

    assert len(rows) == 3
    assert {row["parent"] for row in rows} == {None, thread.pk}
    for row in rows:
        assert row == client.get(f"{base}{row['id']}/").json()
    assert ("email" in rows[0]["author"]) is (persona == "staff")


def test_a_page_of_scores_shows_each_as_its_detail_does(client, mission, staff, plan):
    a_round(mission, staff, JUNE, value=Decimal("412.5"), rating=Decimal(3))
    a_round(mission, staff, JUNE - datetime.timedelta(days=90))
    client.force_login(staff)
    base = f"/api/v1/missions/{mission.code}/scores/"

    rows = page(client, base)

    assert len(rows) == 4
    assert {row["benchmark"] for row in rows} == {"bm-incidents", "bm-dialogue"}
    for row in rows:
        assert row == client.get(f"{base}{row['id']}/").json()


def test_the_row_plan_writes_what_drf_writes(mission, staff, thread):
    context = {"access": access_for(staff, mission), "mission": mission}
    serializer = CommentSerializer(context=context)

    for comment in Comment.objects.select_related("author"):
        drf = serializers.ModelSerializer.to_representation(serializer, comment)
        assert serializer.to_representation(comment) == drf


def test_a_row_the_plan_cannot_read_takes_drfs_path(mission, staff, thread):
    serializer = CommentSerializer(context={"access": access_for(staff, mission)})
    comment = Comment.objects.select_related("author").get(pk=thread.pk)
    comment.body = lambda: "Called, as DRF calls a method"  # a callable attribute

    assert serializer.to_representation(comment)["body"] == "Called, as DRF calls a method"


def test_a_serializer_with_a_dotted_source_keeps_drfs_path(mission, staff, plan):
    class Dotted(FlatScoreSerializer):
        round_label = serializers.CharField(source="assessment.label", read_only=True)

        class Meta(FlatScoreSerializer.Meta):
            fields = [*FlatScoreSerializer.Meta.fields, "round_label"]

    assert Dotted()._row_plan == ()


def test_filters_still_filter_and_refuse_bad_values(client, mission, staff, thread):
    client.force_login(staff)
    base = f"/api/v1/missions/{mission.code}/comments/"

    assert len(page(client, base)) == 3
    assert [row["id"] for row in page(client, f"{base}?is_reply=false")] == [thread.pk]
    assert len(page(client, f"{base}?is_reply=true")) == 2
    assert len(page(client, f"{base}?cursor_is_not_a_filter=1")) == 3
    assert client.get(f"{base}?target_type=nonsense").status_code == 400


@pytest.mark.parametrize(
    "value",
    [
        datetime.datetime(2026, 11, 26, 5, 11, 32, 108495, tzinfo=datetime.UTC),
        datetime.datetime(
            2026, 11, 26, 7, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        datetime.datetime(2026, 11, 26, 7, 0),  # naive: DRF's own path
        "2026-11-26T07:00:00Z",  # a string: DRF's own path
    ],
)
def test_moments_are_shown_as_drf_shows_them(value):
    field = serializers.DateTimeField()
    field.timezone = field.default_timezone()

    assert _moment_show(field)(value) == field.to_representation(value)

"""Assessment rounds: created with their scores in one go, submitted, approved by someone else."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments.models import Assessment, Score
from assessments.services import assessment_approve, assessment_create, assessment_submit
from exitplan.errors import Conflict, StaleVersion
from missions.models import AuditEvent
from missions.services import benchmark_create, objective_create, record_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROUND = {
    "as_of": datetime.date(2026, 6, 30),
    "kind": "security",
    "method": "field_visit",
    "summary": "Quarterly field visits in the Kivus.",
}


@pytest.fixture
def plan(mission, staff):
    objective = objective_create(
        actor=staff, mission=mission, category="security", title="Protection of civilians"
    )
    incidents = benchmark_create(
        actor=staff,
        objective=objective,
        code="bm-sec-incidents",
        title="Security incidents per month",
        kind="quantitative",
        baseline=Decimal("500"),
        target=Decimal("100"),
    )
    dialogue = benchmark_create(
        actor=staff,
        objective=objective,
        code="bm-pol-dialogue",
        title="Quality of the political dialogue",
        kind="rating",
    )
    return incidents, dialogue


@pytest.fixture
def other_plan(other_mission):
    actor = UserFactory()
    objective = objective_create(
        actor=actor, mission=other_mission, category="security", title="Elsewhere"
    )
    return benchmark_create(
        actor=actor, objective=objective, code="bm-elsewhere", title="Elsewhere", kind="rating"
    )


GOOD_SCORES = [
    {"benchmark": "bm-sec-incidents", "value": Decimal("412"), "evidence": "Police logs"},
    {"benchmark": "bm-pol-dialogue", "rating": 3, "evidence": "Interviews"},
]


def draft(mission, author, scores=GOOD_SCORES):
    return assessment_create(actor=author, mission=mission, scores=scores, **ROUND)


def submitted(mission, author):
    return assessment_submit(assessment=draft(mission, author), actor=author, version=1)


def nothing_written():
    return not Assessment.objects.exists() and not Score.objects.exists()


def assessment_events(assessment=None):
    rows = AuditEvent.objects.filter(target_type="assessment").order_by("id")
    if assessment is not None:
        rows = rows.filter(target_id=assessment.pk)
    return list(rows)


# assessment_create


def test_it_creates_a_draft_round_with_its_scores(mission, staff, plan):
    incidents, dialogue = plan

    assessment = draft(mission, staff)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.author, stored.version) == ("draft", staff, 1)
    scores = {s.benchmark: s for s in stored.scores.all()}
    assert scores[incidents].value == Decimal("412")
    assert scores[incidents].rating is None
    assert scores[dialogue].rating == Decimal("3")
    assert scores[dialogue].evidence == "Interviews"


def test_it_writes_one_create_event_listing_the_scores(mission, staff, plan):
    incidents, dialogue = plan

    assessment = draft(mission, staff)

    [event] = assessment_events(assessment)
    assert (event.action, event.actor, event.mission) == ("assessment.create", staff, mission)
    assert event.changes["status"] == [None, "draft"]
    assert event.changes["scores"] == [
        None,
        [
            {"benchmark": incidents.pk, "value": "412", "rating": None},
            {"benchmark": dialogue.pk, "value": None, "rating": "3"},
        ],
    ]


@pytest.mark.parametrize(
    ("scores", "key", "text"),
    [
        (
            [GOOD_SCORES[0], {"benchmark": "bm-unknown", "rating": 2}],
            "scores[1].benchmark",
            "No such benchmark",
        ),
        ([{"benchmark": "bm-sec-incidents", "rating": 2}], "scores[0].value", "give a value"),
        ([{"benchmark": "bm-pol-dialogue", "value": "3"}], "scores[0].rating", "give a rating"),
        (
            [GOOD_SCORES[0], {"benchmark": "bm-pol-dialogue", "rating": 5}],
            "scores[1].rating",
            "less than or equal to 4",
        ),
        (
            [{"benchmark": "bm-pol-dialogue", "rating": Decimal("0.5")}],
            "scores[0].rating",
            "greater than or equal to 1",
        ),
        (
            [{"benchmark": "bm-sec-incidents", "value": "412", "rating": 2}],
            "scores[0]",
            "not both",
        ),
        (
            [GOOD_SCORES[0], GOOD_SCORES[1], GOOD_SCORES[0]],
            "scores[2].benchmark",
            "already has a score for this benchmark",
        ),
    ],
    ids=[
        "unknown_benchmark",
        "rating_on_quantitative",
        "value_on_rating",
        "rating_5",
        "rating_0.5",
        "both_value_and_rating",
        "same_benchmark_twice",
    ],
)
def test_a_bad_score_is_reported_by_its_position_and_nothing_is_written(
    mission, staff, plan, scores, key, text
):
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as caught:
        draft(mission, staff, scores)

    errors = caught.value.message_dict
    assert list(errors) == [key]
    assert any(text in message for message in errors[key]), errors
    assert nothing_written()
    assert AuditEvent.objects.count() == events_before


def test_a_benchmark_of_another_mission_is_not_found(mission, staff, plan, other_plan):
    with pytest.raises(ValidationError) as caught:
        draft(mission, staff, [{"benchmark": other_plan.code, "rating": 2}])

    assert list(caught.value.message_dict) == ["scores[0].benchmark"]
    assert nothing_written()


def test_an_invalid_round_is_reported_on_its_field_and_nothing_is_written(mission, staff, plan):
    with pytest.raises(ValidationError) as caught:
        assessment_create(
            actor=staff, mission=mission, scores=GOOD_SCORES, **{**ROUND, "method": "guess"}
        )

    assert list(caught.value.message_dict) == ["method"]
    assert nothing_written()


def test_a_closed_mission_refuses_a_new_round_and_nothing_is_written(mission, admin, staff, plan):
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    with pytest.raises(Conflict):
        draft(mission, staff)

    assert nothing_written()
    assert assessment_events() == []


# submit and approve


def test_submitting_a_draft_makes_it_submitted_with_an_event(mission, staff, plan):
    assessment = draft(mission, staff)

    assessment_submit(assessment=assessment, actor=staff, version=1)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.version) == ("submitted", 2)
    assert stored.submitted_at is not None
    event = assessment_events(assessment)[-1]
    assert (event.action, event.actor) == ("assessment.submit", staff)
    assert event.changes == {"status": ["draft", "submitted"]}


def test_a_submitted_round_is_approved_by_another_person_with_an_event(mission, staff, admin, plan):
    assessment = submitted(mission, staff)

    assessment_approve(assessment=assessment, actor=admin, version=2)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.approved_by, stored.version) == ("approved", admin, 3)
    assert stored.approved_at is not None
    assert [(e.action, e.actor) for e in assessment_events(assessment)] == [
        ("assessment.create", staff),
        ("assessment.submit", staff),
        ("assessment.approve", admin),
    ]
    assert assessment_events(assessment)[-1].changes == {"status": ["submitted", "approved"]}


def test_approving_ones_own_round_is_denied_and_changes_nothing(mission, staff, plan):
    assessment = submitted(mission, staff)
    events_before = AuditEvent.objects.count()

    with pytest.raises(PermissionDenied, match="Someone other than the author"):
        assessment_approve(assessment=assessment, actor=staff, version=2)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.approved_by, stored.version) == ("submitted", None, 2)
    assert AuditEvent.objects.count() == events_before


def test_approving_ones_own_round_is_denied_even_to_a_superuser(mission, plan):
    root = UserFactory(is_staff=True, is_superuser=True)
    assessment = submitted(mission, root)

    with pytest.raises(PermissionDenied):
        assessment_approve(assessment=assessment, actor=root)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.approved_by, stored.version) == ("submitted", None, 2)


def test_approving_a_draft_is_a_conflict_and_changes_nothing(mission, staff, admin, plan):
    assessment = draft(mission, staff)
    events_before = AuditEvent.objects.count()

    with pytest.raises(Conflict, match="draft"):
        assessment_approve(assessment=assessment, actor=admin, version=1)

    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.version) == ("draft", 1)
    assert AuditEvent.objects.count() == events_before


def test_an_approved_round_is_final(mission, staff, admin, plan):
    assessment = submitted(mission, staff)
    assessment_approve(assessment=assessment, actor=admin)

    with pytest.raises(Conflict):
        assessment_approve(assessment=assessment, actor=admin)
    with pytest.raises(Conflict):
        assessment_submit(assessment=assessment, actor=staff)

    assert Assessment.objects.get(pk=assessment.pk).version == 3


def test_submitting_twice_is_a_conflict(mission, staff, plan):
    assessment = submitted(mission, staff)

    with pytest.raises(Conflict, match="submitted"):
        assessment_submit(assessment=assessment, actor=staff)

    assert Assessment.objects.get(pk=assessment.pk).version == 2


def test_approving_with_a_stale_version_raises_stale_version_and_changes_nothing(
    mission, staff, admin, plan
):
    assessment = submitted(mission, staff)
    events_before = AuditEvent.objects.count()

    with pytest.raises(StaleVersion) as caught:
        assessment_approve(assessment=assessment, actor=admin, version=1)

    assert caught.value.current_version == 2
    stored = Assessment.objects.get(pk=assessment.pk)
    assert (stored.status, stored.version) == ("submitted", 2)
    assert AuditEvent.objects.count() == events_before


def test_submitting_with_a_stale_version_raises_stale_version(mission, staff, plan):
    assessment = draft(mission, staff)

    with pytest.raises(StaleVersion) as caught:
        assessment_submit(assessment=assessment, actor=staff, version=7)

    assert caught.value.current_version == 1
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"


def test_a_closed_mission_refuses_approval(mission, staff, admin, plan):
    assessment = submitted(mission, staff)
    record_update(actor=admin, instance=mission, data={"status": "closed"})

    with pytest.raises(Conflict, match="closed"):
        assessment_approve(assessment=assessment, actor=admin)

    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"

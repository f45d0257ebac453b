"""Every rule about impossible data is held twice: by ``full_clean()`` (a message saying what
to fix, on the field to fix) and by the database itself (a row saved past validation is
refused). Each case below is built valid except for the one thing it breaks.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import UniqueConstraint

from assessments.models import Assessment, ReadinessSnapshot
from missions.models import Benchmark, Mission, PhaseEndorsement, Subscription
from stakeholders.models import Invitation, OverdueNotice, ReminderDelivery, Stakeholder
from tests.factories import (
    AssessmentFactory,
    BenchmarkFactory,
    ConsultationFactory,
    ContactFactory,
    FeedbackFormFactory,
    HandoverItemFactory,
    MembershipFactory,
    MissionFactory,
    ObjectiveFactory,
    PhaseFactory,
    ScoreFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


# Builders: each takes a saved mission, saves whatever the case needs to exist first, and
# returns the one unsaved instance that breaks the rule.


def rating_benchmark(mission: Mission) -> Benchmark:
    return BenchmarkFactory(
        objective=ObjectiveFactory(mission=mission), kind="rating", baseline=None, target=None
    )


def quantitative_benchmark(mission: Mission) -> Benchmark:
    return BenchmarkFactory(objective=ObjectiveFactory(mission=mission))


def score_with_rating(rating: str):
    def build(mission):
        return ScoreFactory.build(
            assessment=AssessmentFactory(mission=mission),
            benchmark=rating_benchmark(mission),
            value=None,
            rating=Decimal(rating),
        )

    return build


def phase_with(**fields):
    return lambda mission: PhaseFactory.build(mission=mission, **fields)


def objective_with(**fields):
    return lambda mission: ObjectiveFactory.build(mission=mission, **fields)


def benchmark_with(**fields):
    return lambda mission: BenchmarkFactory.build(
        objective=ObjectiveFactory(mission=mission), **fields
    )


def benchmark_with_a_code_taken_in_the_mission(mission):
    BenchmarkFactory(objective=ObjectiveFactory(mission=mission), code="bm-taken")
    return BenchmarkFactory.build(objective=ObjectiveFactory(mission=mission), code="bm-taken")


def phase_with_an_order_taken_in_the_mission(mission):
    PhaseFactory(mission=mission, order=3)
    return PhaseFactory.build(mission=mission, order=3)


def score_with_both_value_and_rating(mission):
    return ScoreFactory.build(
        assessment=AssessmentFactory(mission=mission),
        benchmark=quantitative_benchmark(mission),
        value=Decimal("10"),
        rating=Decimal("2"),
    )


def score_with_neither_value_nor_rating(mission):
    return ScoreFactory.build(
        assessment=AssessmentFactory(mission=mission),
        benchmark=quantitative_benchmark(mission),
        value=None,
        rating=None,
    )


def second_score_for_the_same_benchmark_in_a_round(mission):
    first = ScoreFactory(
        assessment=AssessmentFactory(mission=mission), benchmark=quantitative_benchmark(mission)
    )
    return ScoreFactory.build(
        assessment=first.assessment, benchmark=first.benchmark, value=Decimal("60")
    )


def endorsement(phase, stakeholder, **fields) -> PhaseEndorsement:
    values = {
        "phase": phase,
        "stakeholder": stakeholder,
        "endorsed_by": UserFactory(),
        "endorsed_at": NOW,
        "readiness": Decimal("61.5"),
        "gate_threshold": phase.gate_threshold,
        **fields,
    }
    return PhaseEndorsement(**values)


def host_government(mission) -> Stakeholder:
    return StakeholderFactory(mission=mission, kind=Stakeholder.Kind.HOST_GOVERNMENT)


def second_active_endorsement(mission):
    phase, ministry = PhaseFactory(mission=mission), host_government(mission)
    endorsement(phase, ministry).save()
    return endorsement(phase, ministry, endorsed_at=NOW + HOUR)


def endorsement_withdrawn_before_it_was_made(mission):
    return endorsement(
        PhaseFactory(mission=mission), host_government(mission), withdrawn_at=NOW - HOUR
    )


def consultation_ending_before_it_starts(mission):
    return ConsultationFactory.build(mission=mission, starts_at=NOW, ends_at=NOW - HOUR)


def feedback_form_closing_before_it_opens(mission):
    return FeedbackFormFactory.build(mission=mission, opens_at=NOW, closes_at=NOW - HOUR)


def mission_exiting_before_its_mandate_starts(mission):
    return MissionFactory.build(
        mandate_start=datetime.date(2020, 1, 1), planned_exit=datetime.date(2019, 12, 31)
    )


def stakeholder_named_like_another_but_for_case(mission):
    StakeholderFactory(mission=mission, name="Ministry of Defence")
    return StakeholderFactory.build(mission=mission, name="MINISTRY OF DEFENCE")


def round_approved_by_its_author(mission):
    author = UserFactory()
    return AssessmentFactory.build(
        mission=mission, author=author, status="approved", approved_by=author, approved_at=NOW
    )


def round_approved_without_a_time(mission):
    return AssessmentFactory.build(
        mission=mission, author=UserFactory(), status="approved", approved_by=UserFactory()
    )


def second_membership_of_a_person(mission):
    first = MembershipFactory(mission=mission, role="staff")
    return MembershipFactory.build(mission=mission, user=first.user, role="observer")


def second_invitation_of_a_contact(mission):
    first = Invitation.objects.create(
        consultation=ConsultationFactory(mission=mission),
        contact=ContactFactory(stakeholder__mission=mission),
    )
    return Invitation(consultation=first.consultation, contact=first.contact)


def second_subscription_to_an_item(mission):
    user, phase = UserFactory(), PhaseFactory(mission=mission)
    Subscription.objects.create(user=user, mission=mission, target_type="phase", target_id=phase.pk)
    return Subscription(user=user, mission=mission, target_type="phase", target_id=phase.pk)


def second_reminder_for_an_offset_and_sequence(mission):
    invitation = Invitation.objects.create(
        consultation=ConsultationFactory(mission=mission),
        contact=ContactFactory(stakeholder__mission=mission),
    )
    fields = {"invitation": invitation, "kind": "reminder", "offset": 24, "sequence": 0}
    ReminderDelivery.objects.create(due_at=NOW, **fields)
    return ReminderDelivery(due_at=NOW + HOUR, **fields)


def second_overdue_notice_in_a_period(mission):
    benchmark = quantitative_benchmark(mission)
    period = datetime.date(2026, 4, 1)
    OverdueNotice.objects.create(benchmark=benchmark, period_start=period, due_at=NOW)
    return OverdueNotice(benchmark=benchmark, period_start=period, due_at=NOW + HOUR)


def snapshot_with(**fields):
    values = {
        "as_of": NOW.date(),
        "computed_at": NOW,
        "readiness": "50",
        "confidence": "0.5",
        "figures": {"flags": []},
    }
    return lambda mission: ReadinessSnapshot(mission=mission, **{**values, **fields})


@dataclass
class Case:
    build: Any
    key: str  # the field the message is on (NON_FIELD_ERRORS for a rule across fields)
    text: str  # what the message says to fix
    constraint: str  # the name of the database constraint that refuses it


CASES = {
    "rating_of_5": Case(
        score_with_rating("5"), "rating", "less than or equal to 4", constraint="score_rating_1_4"
    ),
    "rating_of_0.5": Case(
        score_with_rating("0.5"),
        "rating",
        "greater than or equal to 1",
        constraint="score_rating_1_4",
    ),
    "phase_planned_end_before_planned_start": Case(
        phase_with(planned_start=datetime.date(2026, 5, 1), planned_end=datetime.date(2026, 4, 30)),
        NON_FIELD_ERRORS,
        "The planned end cannot be before the planned start.",
        constraint="phase_planned_end_after_start",
    ),
    "phase_actual_end_before_actual_start": Case(
        phase_with(actual_start=datetime.date(2026, 5, 1), actual_end=datetime.date(2026, 4, 30)),
        NON_FIELD_ERRORS,
        "The actual end cannot be before the actual start.",
        constraint="phase_actual_end_after_start",
    ),
    "objective_weight_negative": Case(
        objective_with(weight=Decimal("-1")),
        "weight",
        "The weight must be greater than zero.",
        constraint="objective_weight_positive",
    ),
    "objective_weight_zero": Case(
        objective_with(weight=Decimal("0")),
        "weight",
        "The weight must be greater than zero.",
        constraint="objective_weight_positive",
    ),
    "benchmark_weight_negative": Case(
        benchmark_with(weight=Decimal("-1")),
        "weight",
        "The weight must be greater than zero.",
        constraint="benchmark_weight_positive",
    ),
    "benchmark_weight_zero": Case(
        benchmark_with(weight=Decimal("0")),
        "weight",
        "The weight must be greater than zero.",
        constraint="benchmark_weight_positive",
    ),
    "benchmark_frequency_zero_days": Case(
        benchmark_with(frequency_days=0),
        "frequency_days",
        "greater than or equal to 1",
        constraint="benchmark_frequency_positive",
    ),
    "benchmark_code_taken_in_the_same_mission": Case(
        benchmark_with_a_code_taken_in_the_mission,
        NON_FIELD_ERRORS,
        "Another benchmark of this mission has this code.",
        constraint="benchmark_code_unique_per_mission",
    ),
    "phase_order_taken_in_the_same_mission": Case(
        phase_with_an_order_taken_in_the_mission,
        NON_FIELD_ERRORS,
        "Another phase of this mission has this order.",
        constraint="phase_order_unique_per_mission",
    ),
    "gate_threshold_101": Case(
        phase_with(gate_threshold=101),
        "gate_threshold",
        "less than or equal to 100",
        constraint="phase_threshold_0_100",
    ),
    "quantitative_benchmark_without_baseline": Case(
        benchmark_with(kind="quantitative", baseline=None, target=Decimal("10")),
        NON_FIELD_ERRORS,
        "A quantitative benchmark needs both a baseline and a target.",
        constraint="benchmark_quantitative_has_baseline_target",
    ),
    "quantitative_benchmark_without_target": Case(
        benchmark_with(kind="quantitative", baseline=Decimal("10"), target=None),
        NON_FIELD_ERRORS,
        "A quantitative benchmark needs both a baseline and a target.",
        constraint="benchmark_quantitative_has_baseline_target",
    ),
    "score_with_both_value_and_rating": Case(
        score_with_both_value_and_rating,
        NON_FIELD_ERRORS,
        "Give either a value or a rating, not both or neither.",
        constraint="score_value_xor_rating",
    ),
    "score_with_neither_value_nor_rating": Case(
        score_with_neither_value_nor_rating,
        "value",
        "This benchmark is quantitative: give a value.",
        constraint="score_value_xor_rating",
    ),
    "second_score_for_a_benchmark_in_one_round": Case(
        second_score_for_the_same_benchmark_in_a_round,
        NON_FIELD_ERRORS,
        "This round already has a score for this benchmark.",
        constraint="score_unique_per_assessment_benchmark",
    ),
    "second_active_endorsement_of_a_phase_by_a_stakeholder": Case(
        second_active_endorsement,
        NON_FIELD_ERRORS,
        "This stakeholder has already endorsed this phase; withdraw that first.",
        constraint="endorsement_one_active_per_stakeholder",
    ),
    "endorsement_withdrawn_before_it_was_made": Case(
        endorsement_withdrawn_before_it_was_made,
        NON_FIELD_ERRORS,
        "An endorsement cannot be withdrawn before it was made.",
        constraint="endorsement_withdrawn_after_endorsed",
    ),
    "consultation_ending_before_it_starts": Case(
        consultation_ending_before_it_starts,
        NON_FIELD_ERRORS,
        "A consultation must end after it starts.",
        constraint="consultation_ends_after_start",
    ),
    "feedback_form_closing_before_it_opens": Case(
        feedback_form_closing_before_it_opens,
        NON_FIELD_ERRORS,
        "The form must close after it opens.",
        constraint="feedback_form_closes_after_opens",
    ),
    "mission_planned_exit_before_mandate_start": Case(
        mission_exiting_before_its_mandate_starts,
        NON_FIELD_ERRORS,
        "The planned exit cannot be before the mandate start.",
        constraint="mission_exit_after_start",
    ),
    "stakeholder_name_taken_in_the_mission_in_another_case": Case(
        stakeholder_named_like_another_but_for_case,
        NON_FIELD_ERRORS,
        "This mission already has a stakeholder of this name.",
        constraint="stakeholder_name_unique_per_mission",
    ),
    "round_approved_by_its_own_author": Case(
        round_approved_by_its_author,
        NON_FIELD_ERRORS,
        "Someone other than the author must approve a round.",
        constraint="assessment_four_eyes",
    ),
    "round_approved_without_an_approval_time": Case(
        round_approved_without_a_time,
        NON_FIELD_ERRORS,
        "An approved round needs its approval time.",
        constraint="assessment_approved_has_time",
    ),
    "second_membership_of_a_person_in_a_mission": Case(
        second_membership_of_a_person,
        NON_FIELD_ERRORS,
        "This person is already a member of this mission.",
        constraint="membership_one_per_person",
    ),
    "second_invitation_of_a_contact_to_a_consultation": Case(
        second_invitation_of_a_contact,
        NON_FIELD_ERRORS,
        "This contact is already invited.",
        constraint="invitation_one_per_contact",
    ),
    "second_subscription_to_an_item": Case(
        second_subscription_to_an_item,
        NON_FIELD_ERRORS,
        "You already follow this item.",
        constraint="subscription_unique",
    ),
    "second_reminder_for_one_offset_and_sequence": Case(
        second_reminder_for_an_offset_and_sequence,
        NON_FIELD_ERRORS,
        "reminder_once_per_offset_sequence",
        constraint="reminder_once_per_offset_sequence",
    ),
    "second_overdue_notice_in_one_period": Case(
        second_overdue_notice_in_a_period,
        NON_FIELD_ERRORS,
        "already exists",
        constraint="overdue_once_per_period",
    ),
    "snapshot_readiness_above_100": Case(
        snapshot_with(readiness="100.1"),
        NON_FIELD_ERRORS,
        "snapshot_readiness_0_100",
        constraint="snapshot_readiness_0_100",
    ),
    "snapshot_confidence_above_1": Case(
        snapshot_with(confidence="1.001"),
        NON_FIELD_ERRORS,
        "snapshot_confidence_0_1",
        constraint="snapshot_confidence_0_1",
    ),
}


def named_in_refusal(model, constraint_name: str) -> list[str]:
    """What the database's message names: the constraint (SQLite names the columns of a
    unique constraint on fields instead)."""
    constraint = next(c for c in model._meta.constraints if c.name == constraint_name)
    on_sqlite = connection.vendor == "sqlite"
    if on_sqlite and isinstance(constraint, UniqueConstraint) and constraint.fields:
        table = model._meta.db_table
        return [f"{table}.{model._meta.get_field(f).column}" for f in constraint.fields]
    return [constraint_name]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_full_clean_rejects_it_with_a_message_saying_what_to_fix(mission, case):
    instance = case.build(mission)

    with pytest.raises(ValidationError) as caught:
        instance.full_clean()

    errors = caught.value.message_dict
    assert list(errors) == [case.key]
    assert any(case.text in message for message in errors[case.key]), errors


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_database_rejects_it_when_validation_is_bypassed(mission, case):
    instance = case.build(mission)
    model = type(instance)
    count = model.objects.count()

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        instance.save()

    assert all(name in str(caught.value) for name in named_in_refusal(model, case.constraint))
    assert model.objects.count() == count


# Checked by full_clean only: the database has no list of countries or time zones.


def test_a_country_that_is_not_an_iso_code_is_rejected_by_full_clean():
    with pytest.raises(ValidationError) as caught:
        MissionFactory.build(country="ml").full_clean()

    assert caught.value.message_dict == {
        "country": ["Use the two capital letters of the ISO 3166 country code, e.g. ML."]
    }


def test_a_time_zone_that_is_not_iana_is_rejected_by_full_clean():
    with pytest.raises(ValidationError) as caught:
        MissionFactory.build(timezone="Mali/Bamako").full_clean()

    assert caught.value.message_dict == {
        "timezone": ["Mali/Bamako is not an IANA time zone; use a name such as Africa/Bamako."]
    }


def test_a_consultation_time_zone_that_is_not_iana_is_rejected_by_full_clean(mission):
    with pytest.raises(ValidationError) as caught:
        ConsultationFactory.build(mission=mission, timezone="CET+1").full_clean()

    assert list(caught.value.message_dict) == ["timezone"]


# What the rules allow.


def test_a_quantitative_target_equal_to_its_baseline_is_allowed(mission):
    benchmark = BenchmarkFactory.build(
        objective=ObjectiveFactory(mission=mission), baseline=Decimal("0"), target=Decimal("0")
    )

    benchmark.full_clean()
    benchmark.save()

    assert Benchmark.objects.get(pk=benchmark.pk).target == Decimal("0")


def test_a_benchmark_code_may_repeat_in_another_mission(mission, other_mission):
    BenchmarkFactory(objective=ObjectiveFactory(mission=mission), code="bm-shared")
    elsewhere = BenchmarkFactory.build(
        objective=ObjectiveFactory(mission=other_mission), code="bm-shared"
    )

    elsewhere.full_clean()
    elsewhere.save()

    assert Benchmark.objects.filter(code="bm-shared").count() == 2


def test_a_stakeholder_name_may_repeat_in_another_mission(mission, other_mission):
    StakeholderFactory(mission=mission, name="Ministry of Defence")
    elsewhere = StakeholderFactory.build(mission=other_mission, name="Ministry of Defence")

    elsewhere.full_clean()
    elsewhere.save()

    assert Stakeholder.objects.filter(name="Ministry of Defence").count() == 2


def test_a_stakeholder_may_endorse_a_phase_again_once_the_first_endorsement_is_withdrawn(
    mission,
):
    phase, ministry = PhaseFactory(mission=mission), host_government(mission)
    first = endorsement(phase, ministry)
    first.save()
    first.withdrawn_at = NOW + HOUR
    first.save()
    again = endorsement(phase, ministry, endorsed_at=NOW + 2 * HOUR)

    again.full_clean()
    again.save()

    assert PhaseEndorsement.objects.filter(phase=phase, stakeholder=ministry).count() == 2


def test_a_fractional_rating_within_1_to_4_is_allowed(mission):
    score = score_with_rating("2.3125")(mission)

    score.full_clean()
    score.save()

    assert score.pk is not None


def test_an_approval_by_someone_other_than_the_author_is_allowed(mission):
    approved = AssessmentFactory.build(
        mission=mission,
        author=UserFactory(),
        status="approved",
        approved_by=UserFactory(),
        approved_at=NOW,
    )

    approved.full_clean()
    approved.save()

    assert Assessment.objects.get(pk=approved.pk).status == "approved"


# References that must stay inside one mission (full_clean; the services call it).


def test_a_membership_cannot_speak_for_a_stakeholder_of_another_mission(mission, other_mission):
    membership = MembershipFactory.build(
        mission=mission,
        user=UserFactory(),
        role="liaison",
        stakeholder=StakeholderFactory(mission=other_mission),
    )

    with pytest.raises(ValidationError) as caught:
        membership.full_clean()

    assert caught.value.message_dict == {"stakeholder": ["Choose a stakeholder of this mission."]}


def test_an_objective_cannot_target_a_phase_of_another_mission(mission, other_mission):
    objective = ObjectiveFactory.build(
        mission=mission, target_phase=PhaseFactory(mission=other_mission)
    )

    with pytest.raises(ValidationError) as caught:
        objective.full_clean()

    assert caught.value.message_dict == {"target_phase": ["Choose a phase of this mission."]}


def test_a_handover_item_cannot_go_to_a_stakeholder_of_another_mission(mission, other_mission):
    item = HandoverItemFactory.build(
        mission=mission, receiving_stakeholder=StakeholderFactory(mission=other_mission)
    )

    with pytest.raises(ValidationError) as caught:
        item.full_clean()

    assert caught.value.message_dict == {
        "receiving_stakeholder": ["Choose a stakeholder of this mission."]
    }


def test_a_score_cannot_be_for_a_benchmark_of_another_mission(mission, other_mission):
    score = ScoreFactory.build(
        assessment=AssessmentFactory(mission=mission),
        benchmark=quantitative_benchmark(other_mission),
    )

    with pytest.raises(ValidationError) as caught:
        score.full_clean()

    assert caught.value.message_dict == {"benchmark": ["Choose a benchmark of this mission."]}


def test_a_score_on_a_rating_benchmark_needs_a_rating_not_a_value(mission):
    score = ScoreFactory.build(
        assessment=AssessmentFactory(mission=mission),
        benchmark=rating_benchmark(mission),
        value=Decimal("3"),
        rating=None,
    )

    with pytest.raises(ValidationError) as caught:
        score.full_clean()

    assert caught.value.message_dict == {
        "rating": ["This benchmark is rated: give a rating from 1 to 4."]
    }


def test_full_clean_copies_the_benchmarks_mission_from_its_objective(mission, other_mission):
    benchmark = BenchmarkFactory.build(
        objective=ObjectiveFactory(mission=mission), mission=other_mission
    )

    benchmark.full_clean()

    assert benchmark.mission_id == mission.pk


def test_saving_a_benchmark_keeps_its_mission_equal_to_its_objectives(mission, other_mission):
    benchmark = quantitative_benchmark(mission)
    benchmark.objective = ObjectiveFactory(mission=other_mission)

    benchmark.save(update_fields=["objective"])

    assert Benchmark.objects.get(pk=benchmark.pk).mission_id == other_mission.pk

"""The audit helper every service calls: one event per change, in the change's transaction."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from assessments.models import Score
from missions.audit import audit, diff, mission_of, snapshot, target_type_of, to_json
from missions.models import AuditEvent, HandoverItem, Mission, Phase, PhaseEndorsement
from stakeholders.models import Contact
from tests.factories import (
    AssessmentFactory,
    BenchmarkFactory,
    ContactFactory,
    HandoverItemFactory,
    ObjectiveFactory,
    PhaseFactory,
    ScoreFactory,
    StakeholderFactory,
)


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_it_writes_one_event_with_actor_action_target_changes_and_mission(mission, staff):
    item = HandoverItemFactory(mission=mission, notes="")
    events_before = AuditEvent.objects.count()

    event = audit(
        actor=staff,
        action="handover_item.update",
        target=item,
        changes={"notes": ["", "Police stations handed over"]},
    )

    assert AuditEvent.objects.count() == events_before + 1
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == staff
    assert stored.action == "handover_item.update"
    assert stored.target_type == "handover_item"
    assert stored.target_id == item.pk
    assert stored.changes == {"notes": ["", "Police stations handed over"]}
    assert stored.mission == mission
    assert stored.at is not None


@pytest.mark.django_db
def test_a_contacts_event_belongs_to_the_mission_of_its_stakeholder(mission, staff):
    contact = ContactFactory(stakeholder=StakeholderFactory(mission=mission))

    event = audit(actor=staff, action="contact.update", target=contact)

    assert AuditEvent.objects.get(pk=event.pk).mission_id == mission.pk
    assert event.target_type == "contact"


@pytest.mark.django_db
def test_a_scores_event_belongs_to_the_mission_of_its_round(mission, staff):
    score = ScoreFactory(assessment=AssessmentFactory(mission=mission, author=staff))

    event = audit(actor=staff, action="score.update", target=score)

    assert AuditEvent.objects.get(pk=event.pk).mission_id == mission.pk


@pytest.mark.django_db
def test_a_missions_own_event_belongs_to_that_mission(mission, admin):
    event = audit(actor=admin, action="mission.update", target=mission)

    assert (event.mission_id, event.target_type, event.target_id) == (
        mission.pk,
        "mission",
        mission.pk,
    )


@pytest.mark.django_db
def test_an_explicit_mission_wins_over_the_targets(mission, other_mission, staff):
    phase = PhaseFactory(mission=other_mission)

    event = audit(actor=staff, action="phase.update", target=phase, mission=mission)

    assert event.mission_id == mission.pk


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["system", "anonymous"])
def test_a_change_without_a_signed_in_person_has_no_actor(mission, actor):
    event = audit(actor=actor, action="mission.update", target=mission)

    assert AuditEvent.objects.get(pk=event.pk).actor is None


@pytest.mark.django_db
def test_no_changes_are_stored_as_an_empty_object(mission, admin):
    event = audit(actor=admin, action="mission.touch", target=mission)

    assert AuditEvent.objects.get(pk=event.pk).changes == {}


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_outside_a_transaction(mission, admin):
    events_before = AuditEvent.objects.count()

    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit(actor=admin, action="mission.update", target=mission)

    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_an_event_rolls_back_with_the_transaction_that_made_it(mission, admin):
    events_before = AuditEvent.objects.count()

    with pytest.raises(Boom), transaction.atomic():
        audit(actor=admin, action="mission.update", target=mission)
        raise Boom

    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db(transaction=True)
def test_an_event_rolls_back_with_a_failed_outermost_transaction(mission, admin):
    events_before = AuditEvent.objects.count()

    with pytest.raises(Boom), transaction.atomic():
        audit(actor=admin, action="mission.update", target=mission)
        raise Boom

    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db(transaction=True)
def test_an_event_commits_with_the_transaction_that_made_it(mission, admin):
    with transaction.atomic():
        event = audit(actor=admin, action="mission.update", target=mission)

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (HandoverItem, "handover_item"),
        (PhaseEndorsement, "phase_endorsement"),
        (Phase, "phase"),
        (Mission, "mission"),
        (Contact, "contact"),
    ],
)
def test_target_type_is_the_model_name_in_snake_case(model, expected):
    assert target_type_of(model) == expected
    assert target_type_of(model()) == expected


def test_diff_reports_only_the_changed_fields_as_before_and_after():
    before = {"name": "Drawdown", "gate_threshold": 60, "planned_end": "2027-06-30"}
    after = {"name": "Drawdown", "gate_threshold": 70, "planned_end": None}

    assert diff(before, after) == {"gate_threshold": [60, 70], "planned_end": ["2027-06-30", None]}


def test_diff_of_equal_values_is_empty():
    values = {"name": "Drawdown", "gate_threshold": 60}

    assert diff(values, dict(values)) == {}


def test_diff_from_nothing_gives_each_set_field_as_none_to_value():
    assert diff({}, {"name": "Drawdown", "notes": None}) == {"name": [None, "Drawdown"]}


def test_diff_to_nothing_gives_each_set_field_as_value_to_none():
    assert diff({"name": "Drawdown", "notes": None}, {}) == {"name": ["Drawdown", None]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.date(2027, 12, 31), "2027-12-31"),
        (
            datetime.datetime(2026, 6, 1, 9, 30, tzinfo=datetime.UTC),
            "2026-06-01T09:30:00+00:00",
        ),
        (datetime.time(9, 30), "09:30:00"),
        (Decimal("412.0000"), "412.0000"),
        (Decimal("-0.5"), "-0.5"),
        (uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
        ([Decimal("1.5"), datetime.date(2026, 1, 2)], ["1.5", "2026-01-02"]),
        ((1, Decimal("2")), [1, "2"]),
        ({"as_of": datetime.date(2026, 1, 2), 3: "x"}, {"as_of": "2026-01-02", "3": "x"}),
        (None, None),
        (True, True),
        ("text", "text"),
        (42, 42),
    ],
    ids=lambda v: type(v).__name__,
)
def test_to_json_turns_values_into_json(value, expected):
    assert to_json(value) == expected


@pytest.mark.django_db
def test_to_json_turns_a_related_row_into_its_id(mission):
    phase = PhaseFactory(mission=mission)

    assert to_json(phase) == phase.pk


@pytest.mark.django_db
def test_to_json_turns_an_attachment_into_its_name_or_none(mission):
    score = ScoreFactory.build(attachment="evidence/1/2/report.pdf")

    assert to_json(score.attachment) == "evidence/1/2/report.pdf"
    assert to_json(Score().attachment) is None


@pytest.mark.django_db
def test_snapshot_gives_editable_fields_as_json_with_relations_as_ids(mission):
    objective = ObjectiveFactory(mission=mission)
    benchmark = BenchmarkFactory(
        objective=objective, code="bm-sec", baseline=Decimal("500"), target=Decimal("100")
    )

    values = snapshot(benchmark)

    assert values["objective"] == objective.pk
    assert values["mission"] == mission.pk
    assert values["code"] == "bm-sec"
    assert values["baseline"] == "500"
    assert values["is_retired"] is False
    assert not {"id", "version", "created_at", "updated_at"} & set(values)


@pytest.mark.django_db
def test_snapshot_can_be_limited_to_some_fields(mission):
    phase = PhaseFactory(mission=mission, name="Drawdown", planned_start=datetime.date(2026, 1, 1))

    assert snapshot(phase, ["name", "planned_start"]) == {
        "name": "Drawdown",
        "planned_start": "2026-01-01",
    }


@pytest.mark.django_db
def test_an_events_changes_of_dates_decimals_and_relations_survive_storage(mission, staff):
    phase = PhaseFactory(mission=mission)
    item = HandoverItemFactory(mission=mission)
    before = snapshot(item)
    item.planned_date = datetime.date(2027, 3, 31)
    item.receiving_stakeholder = StakeholderFactory(mission=mission)
    objective = ObjectiveFactory(mission=mission, weight=Decimal("1"))
    objective_before = snapshot(objective)
    objective.weight = Decimal("2.5000")
    objective.target_phase = phase

    item_event = audit(
        actor=staff,
        action="handover_item.update",
        target=item,
        changes=diff(before, snapshot(item)),
    )
    objective_event = audit(
        actor=staff,
        action="objective.update",
        target=objective,
        changes=diff(objective_before, snapshot(objective)),
    )

    assert AuditEvent.objects.get(pk=item_event.pk).changes == {
        "planned_date": [None, "2027-03-31"],
        "receiving_stakeholder": [None, item.receiving_stakeholder_id],
    }
    assert AuditEvent.objects.get(pk=objective_event.pk).changes == {
        "weight": ["1", "2.5000"],
        "target_phase": [None, phase.pk],
    }


def test_mission_of_an_unsaved_row_without_a_mission_is_none():
    assert mission_of(HandoverItem()) is None

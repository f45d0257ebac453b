"""The write path of missions and plans: validate, save, bump version, audit, in one
transaction, and nothing at all when the change is refused."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exitplan.errors import Conflict, StaleVersion
from missions.models import AuditEvent, Benchmark, HandoverItem, Membership, Mission, Phase
from missions.services import (
    benchmark_create,
    handover_item_create,
    membership_create,
    mission_create,
    objective_create,
    phase_create,
    plan_item_retire,
    record_update,
)
from stakeholders.models import Contact
from stakeholders.services import contact_create, stakeholder_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MISSION_FIELDS = {
    "code": "minusma",
    "name": "MINUSMA",
    "country": "ML",
    "timezone": "Africa/Bamako",
    "mandate_start": datetime.date(2013, 7, 1),
    "planned_exit": datetime.date(2023, 12, 31),
}


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


@pytest.fixture
def phase(mission, staff):
    return phase_create(
        actor=staff, mission=mission, order=1, kind="implementation", name="Drawdown"
    )


@pytest.fixture
def objective(mission, staff):
    return objective_create(
        actor=staff, mission=mission, category="security", title="Protection of civilians"
    )


def close(mission, admin):
    return record_update(actor=admin, instance=mission, data={"status": Mission.Status.CLOSED})


# mission_create


def test_mission_create_makes_the_creator_its_first_admin(site_admin):
    mission = mission_create(actor=site_admin, **MISSION_FIELDS)

    members = Membership.objects.filter(mission=mission)
    assert [(m.user, m.role) for m in members] == [(site_admin, "admin")]


def test_mission_create_writes_mission_create_and_membership_create_events(site_admin):
    mission = mission_create(actor=site_admin, **MISSION_FIELDS)

    created = events(mission=mission)
    assert [(e.action, e.actor) for e in created] == [
        ("mission.create", site_admin),
        ("membership.create", site_admin),
    ]
    assert created[0].target_id == mission.pk
    assert created[0].changes["code"] == [None, "minusma"]
    assert created[0].changes["planned_exit"] == [None, "2023-12-31"]
    assert created[1].changes["role"] == [None, "admin"]


def test_mission_create_writes_nothing_when_the_mission_is_invalid(site_admin):
    with pytest.raises(ValidationError) as caught:
        mission_create(actor=site_admin, **{**MISSION_FIELDS, "country": "Mali"})

    assert "country" in caught.value.message_dict
    assert not Mission.objects.exists()
    assert not Membership.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_mission_starts_at_version_1(site_admin):
    mission = mission_create(actor=site_admin, **MISSION_FIELDS)

    assert Mission.objects.get(pk=mission.pk).version == 1


# record_create through the plan services


def test_creating_a_plan_item_writes_one_create_event_with_every_set_field(mission, staff):
    item = handover_item_create(
        actor=staff, mission=mission, function="Prison security", planned_date="2027-03-31"
    )

    [event] = events(action="handover_item.create")
    assert (event.mission, event.actor, event.target_id) == (mission, staff, item.pk)
    assert event.target_type == "handover_item"
    assert event.changes["function"] == [None, "Prison security"]
    assert event.changes["planned_date"] == [None, "2027-03-31"]
    assert event.changes["mission"] == [None, mission.pk]


def test_benchmark_create_copies_the_mission_of_its_objective(mission, staff, objective):
    benchmark = benchmark_create(
        actor=staff,
        objective=objective,
        code="bm-sec-incidents",
        title="Security incidents per month",
        kind="quantitative",
        baseline=Decimal("500"),
        target=Decimal("100"),
    )

    assert Benchmark.objects.get(pk=benchmark.pk).mission_id == mission.pk
    assert events(action="benchmark.create")[0].mission == mission


def test_creating_an_invalid_plan_item_writes_nothing(mission, staff):
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as caught:
        phase_create(actor=staff, mission=mission, order=1, kind="handover", gate_threshold=101)

    assert set(caught.value.message_dict) == {"name", "gate_threshold"}
    assert not Phase.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_contacts_create_event_belongs_to_the_mission_of_its_stakeholder(mission, staff):
    ministry = stakeholder_create(
        actor=staff, mission=mission, name="Ministère de la Défense", kind="host_government"
    )

    contact = contact_create(actor=staff, stakeholder=ministry, name="Col. Diarra")

    [event] = events(action="contact.create")
    assert (event.mission, event.target_id) == (mission, contact.pk)


# record_update


def test_record_update_bumps_the_version_by_one_and_saves_the_change(phase, staff):
    updated = record_update(actor=staff, instance=phase, data={"name": "Handover"}, version=1)

    stored = Phase.objects.get(pk=phase.pk)
    assert (stored.version, stored.name) == (2, "Handover")
    assert updated.version == 2


def test_record_update_writes_an_event_with_only_the_changed_fields(phase, staff):
    record_update(
        actor=staff,
        instance=phase,
        data={"name": "Handover", "kind": phase.kind, "gate_threshold": 60},
        version=1,
    )

    [event] = events(action="phase.update")
    assert event.changes == {"name": ["Drawdown", "Handover"], "gate_threshold": [0, 60]}
    assert (event.actor, event.target_id, event.mission_id) == (staff, phase.pk, phase.mission_id)


def test_record_update_without_a_version_updates_whatever_the_version(phase, staff):
    record_update(actor=staff, instance=phase, data={"name": "Second"})

    record_update(actor=staff, instance=phase, data={"name": "Third"})

    assert Phase.objects.get(pk=phase.pk).version == 3


def test_a_stale_update_raises_stale_version_with_the_current_version(phase, staff, admin):
    stale = Phase.objects.get(pk=phase.pk)
    record_update(actor=admin, instance=phase, data={"name": "Admin's name"}, version=1)
    events_before = AuditEvent.objects.count()

    with pytest.raises(StaleVersion) as caught:
        record_update(actor=staff, instance=stale, data={"name": "Staff's name"}, version=1)

    assert caught.value.current_version == 2
    stored = Phase.objects.get(pk=phase.pk)
    assert (stored.name, stored.version) == ("Admin's name", 2)
    assert AuditEvent.objects.count() == events_before


def test_a_stale_version_is_refused_even_when_the_data_changes_nothing(phase, staff, admin):
    record_update(actor=admin, instance=phase, data={"name": "Admin's name"}, version=1)
    events_before = AuditEvent.objects.count()

    with pytest.raises(StaleVersion) as caught:
        record_update(actor=staff, instance=phase, data={"name": "Admin's name"}, version=1)

    assert caught.value.current_version == 2
    assert Phase.objects.get(pk=phase.pk).version == 2
    assert AuditEvent.objects.count() == events_before


def test_an_update_that_changes_nothing_writes_nothing(phase, staff):
    updated_at = Phase.objects.get(pk=phase.pk).updated_at
    events_before = AuditEvent.objects.count()

    record_update(
        actor=staff, instance=phase, data={"name": "Drawdown", "gate_threshold": 0}, version=1
    )

    stored = Phase.objects.get(pk=phase.pk)
    assert (stored.version, stored.updated_at) == (1, updated_at)
    assert AuditEvent.objects.count() == events_before


def test_an_invalid_update_is_refused_and_changes_nothing(phase, staff):
    events_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError) as caught:
        record_update(actor=staff, instance=phase, data={"gate_threshold": 101}, version=1)

    assert list(caught.value.message_dict) == ["gate_threshold"]
    stored = Phase.objects.get(pk=phase.pk)
    assert (stored.gate_threshold, stored.version) == (0, 1)
    assert AuditEvent.objects.count() == events_before


def test_a_changed_relation_is_recorded_as_ids(mission, staff, objective, phase):
    record_update(actor=staff, instance=objective, data={"target_phase": phase}, version=1)

    [event] = events(action="objective.update")
    assert event.changes == {"target_phase": [None, phase.pk]}


# A closed mission is read-only


def test_a_closed_mission_refuses_new_plan_items_and_writes_nothing(mission, admin, staff):
    close(mission, admin)
    events_before = AuditEvent.objects.count()

    with pytest.raises(Conflict, match="closed"):
        phase_create(actor=staff, mission=mission, order=1, kind="handover", name="Handover")

    assert not Phase.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_closed_mission_refuses_new_benchmarks(mission, admin, staff, objective):
    close(mission, admin)

    with pytest.raises(Conflict):
        benchmark_create(
            actor=staff, objective=objective, code="bm-1", title="Rated", kind="rating"
        )

    assert not Benchmark.objects.exists()


def test_a_closed_mission_refuses_new_contacts(mission, admin, staff):
    ministry = stakeholder_create(actor=staff, mission=mission, name="Ministry", kind="ngo")
    close(mission, admin)

    with pytest.raises(Conflict):
        contact_create(actor=staff, stakeholder=ministry, name="Col. Diarra")

    assert not Contact.objects.exists()


def test_a_closed_mission_refuses_updates_and_writes_nothing(mission, admin, staff, phase):
    close(mission, admin)
    events_before = AuditEvent.objects.count()

    with pytest.raises(Conflict):
        record_update(actor=staff, instance=phase, data={"name": "Renamed"}, version=1)

    stored = Phase.objects.get(pk=phase.pk)
    assert (stored.name, stored.version) == ("Drawdown", 1)
    assert AuditEvent.objects.count() == events_before


def test_a_closed_mission_refuses_changes_to_itself(mission, admin):
    close(mission, admin)

    with pytest.raises(Conflict):
        record_update(actor=admin, instance=mission, data={"name": "Renamed"})

    assert Mission.objects.get(pk=mission.pk).name == "MONUSCO (test)"


def test_a_closed_mission_refuses_retiring(mission, admin, staff, objective):
    close(mission, admin)

    with pytest.raises(Conflict):
        plan_item_retire(actor=staff, instance=objective, version=1)

    assert not type(objective).objects.get(pk=objective.pk).is_retired


def test_closing_a_mission_is_itself_recorded(mission, admin):
    close(mission, admin)

    [event] = events(action="mission.update")
    assert event.changes == {"status": ["active", "closed"]}


# plan_item_retire


def test_retiring_sets_is_retired_and_writes_a_retire_event(objective, staff):
    retired = plan_item_retire(actor=staff, instance=objective, version=1)

    assert retired.is_retired
    assert retired.version == 2
    [event] = events(action="objective.retire")
    assert event.changes == {"is_retired": [False, True]}
    assert event.target_type == "objective"


def test_retiring_a_handover_item_writes_handover_item_retire(mission, staff):
    item = handover_item_create(actor=staff, mission=mission, function="Border control")

    plan_item_retire(actor=staff, instance=item)

    assert HandoverItem.objects.get(pk=item.pk).is_retired
    assert [e.action for e in events(target_type="handover_item")] == [
        "handover_item.create",
        "handover_item.retire",
    ]


def test_retiring_with_a_stale_version_changes_nothing(objective, staff):
    record_update(actor=staff, instance=objective, data={"title": "Renamed"})

    with pytest.raises(StaleVersion) as caught:
        plan_item_retire(actor=staff, instance=objective, version=1)

    assert caught.value.current_version == 2
    assert not type(objective).objects.get(pk=objective.pk).is_retired


# membership_create


def test_a_member_added_by_someone_else_records_who_invited_them(mission, admin):
    person = UserFactory()

    membership = membership_create(actor=admin, mission=mission, user=person, role="observer")

    assert Membership.objects.get(pk=membership.pk).invited_by == admin


def test_the_creator_of_a_mission_is_not_recorded_as_invited(site_admin):
    mission = mission_create(actor=site_admin, **MISSION_FIELDS)

    assert Membership.objects.get(mission=mission).invited_by is None

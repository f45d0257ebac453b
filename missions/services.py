"""Writes to missions and their plans: validate, save, bump version, audit, in one transaction."""

from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from exitplan.errors import Conflict, StaleVersion

from .audit import audit, diff, snapshot, target_type_of
from .models import Benchmark, HandoverItem, Membership, Mission, Objective, Phase

M = TypeVar("M", bound=models.Model)


def mission_of_record(instance: models.Model) -> Mission:
    """The mission a row belongs to (rows without a mission field have a property)."""
    if isinstance(instance, Mission):
        return instance
    if isinstance(instance, Benchmark) and not instance.mission_id:
        return instance.objective.mission
    return instance.mission


def ensure_writable(mission: Mission) -> None:
    """A closed mission is read-only (409 on every write)."""
    if mission.is_closed:
        raise Conflict(_("This mission is closed: its plan and records are read-only."))


@transaction.atomic
def record_create(*, actor, instance: M, verb: str = "create") -> M:
    """Validate and insert one row, with its audit event (every field as [None, value])."""
    mission = mission_of_record(instance)
    if not isinstance(instance, Mission):
        ensure_writable(mission)
    instance.full_clean()
    instance.save()
    audit(
        mission=mission,
        actor=actor,
        action=f"{target_type_of(instance)}.{verb}",
        target=instance,
        changes=diff({}, snapshot(instance)),
    )
    return instance


@transaction.atomic
def record_update(
    *, actor, instance: M, data: dict[str, Any], version: int | None = None, verb: str = "update"
) -> M:
    """Change fields of one row if it is still at ``version`` (None: whatever it is now).

    The version check and the bump are one conditional UPDATE, so two people editing the
    same item cannot overwrite each other: the second gets StaleVersion and nothing changes.
    """
    mission = mission_of_record(instance)
    ensure_writable(mission)
    before = snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    changes = diff(before, snapshot(instance))
    if not changes:
        if version is not None and version != instance.version:
            raise StaleVersion(instance.version)
        return instance
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    if version is not None:
        rows = rows.filter(version=version)
    values = {
        instance._meta.get_field(name).attname: getattr(
            instance, instance._meta.get_field(name).attname
        )
        for name in changes
    }
    updated = rows.update(**values, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        current = (
            type(instance)
            ._default_manager.filter(pk=instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        raise StaleVersion(current or 0)
    audit(
        mission=mission,
        actor=actor,
        action=f"{target_type_of(instance)}.{verb}",
        target=instance,
        changes=changes,
    )
    instance.refresh_from_db()
    return instance


def plan_item_retire(*, actor, instance: M, version: int | None = None) -> M:
    """Retire a plan item, stakeholder or contact: it leaves readiness and stays in history."""
    return record_update(
        actor=actor, instance=instance, data={"is_retired": True}, version=version, verb="retire"
    )


@transaction.atomic
def mission_create(*, actor, **fields: Any) -> Mission:
    """Create a mission; whoever creates it becomes its first admin."""
    mission = record_create(actor=actor, instance=Mission(**fields))
    if getattr(actor, "pk", None):
        membership_create(actor=actor, mission=mission, user=actor, role="admin")
    return mission


@transaction.atomic
def membership_create(*, actor, mission: Mission, user, role: str, stakeholder=None) -> Membership:
    """Give a person a role in a mission."""
    return record_create(
        actor=actor,
        instance=Membership(
            mission=mission,
            user=user,
            role=role,
            stakeholder=stakeholder,
            invited_by=actor if getattr(actor, "pk", None) and actor.pk != user.pk else None,
        ),
    )


def phase_create(*, actor, mission: Mission, **fields: Any) -> Phase:
    """Add a phase to a mission's plan."""
    return record_create(actor=actor, instance=Phase(mission=mission, **fields))


def objective_create(*, actor, mission: Mission, **fields: Any) -> Objective:
    """Add an objective to a mission's plan."""
    return record_create(actor=actor, instance=Objective(mission=mission, **fields))


def benchmark_create(*, actor, objective: Objective, **fields: Any) -> Benchmark:
    """Add a benchmark to an objective (its mission is copied from the objective)."""
    return record_create(
        actor=actor,
        instance=Benchmark(objective=objective, mission_id=objective.mission_id, **fields),
    )


def handover_item_create(*, actor, mission: Mission, **fields: Any) -> HandoverItem:
    """Add a handover item to a mission's register."""
    return record_create(actor=actor, instance=HandoverItem(mission=mission, **fields))

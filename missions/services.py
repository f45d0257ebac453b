"""Writes to missions and their plans: validate, save, bump version, audit, in one transaction."""

from functools import partial
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from exitplan.errors import Conflict, StaleVersion

from .access import role_permissions
from .audit import audit, diff, snapshot, target_type_of
from .models import (
    Benchmark,
    HandoverItem,
    Membership,
    Mission,
    MissionUserObjectPermission,
    Objective,
    Phase,
    Role,
)

M = TypeVar("M", bound=models.Model)


def mission_of_record(instance: models.Model) -> Mission:
    """The mission a row belongs to (rows without a mission field have a property)."""
    if isinstance(instance, Mission):
        return instance
    if isinstance(instance, Benchmark) and not instance.mission_id:
        return instance.objective.mission
    return instance.mission


# What the readiness method reads: a change to one of these schedules a recompute.
READINESS_INPUTS = frozenset({"phase", "objective", "benchmark", "phase_endorsement", "score"})


def _after_change(instance: models.Model, changes: dict) -> None:
    from assessments.services import readiness_changed_on_commit

    if target_type_of(instance) in READINESS_INPUTS or (
        isinstance(instance, Mission) and "planned_exit" in changes
    ):
        readiness_changed_on_commit(mission_of_record(instance).pk)


def ensure_writable(mission: Mission) -> None:
    """A closed mission is read-only (409 on every write).

    Read from the database inside the writer's transaction, not from the loaded object, so a
    write cannot slip through just after someone else closed the mission.
    """
    if Mission.objects.filter(pk=mission.pk, status=Mission.Status.CLOSED).exists():
        raise Conflict(_("This mission is closed: its plan and records are read-only."))


@transaction.atomic
def record_create(*, actor, instance: M, verb: str = "create") -> M:
    """Validate and insert one row, with its audit event (every field as [None, value])."""
    mission = mission_of_record(instance)
    if not isinstance(instance, Mission):
        ensure_writable(mission)
    instance.full_clean()
    instance.save()
    changes = diff({}, snapshot(instance))
    audit(
        mission=mission,
        actor=actor,
        action=f"{target_type_of(instance)}.{verb}",
        target=instance,
        changes=changes,
    )
    _after_change(instance, changes)
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
    _after_change(instance, changes)
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


def _sync_grants(membership: Membership) -> None:
    """Make the user's guardian grants on the mission exactly those of their role."""
    MissionUserObjectPermission.objects.filter(
        user_id=membership.user_id, content_object_id=membership.mission_id
    ).delete()
    permissions = Permission.objects.filter(
        content_type=ContentType.objects.get_for_model(Mission),
        codename__in=role_permissions(membership.role),
    )
    MissionUserObjectPermission.objects.bulk_create(
        MissionUserObjectPermission(
            user_id=membership.user_id, content_object_id=membership.mission_id, permission=p
        )
        for p in permissions
    )


def _check_stakeholder(mission: Mission, stakeholder) -> None:
    if stakeholder is not None and stakeholder.mission_id != mission.pk:
        raise ValidationError({"stakeholder": _("Choose a stakeholder of this mission.")})


def _ensure_another_admin(membership: Membership) -> None:
    """Removing or demoting the last admin would leave a mission nobody can manage (409)."""
    admins = Membership.objects.select_for_update().filter(
        mission_id=membership.mission_id, role=Role.ADMIN
    )
    if not admins.exclude(pk=membership.pk).exists():
        raise Conflict(_("This is the mission's last admin: make someone else admin first."))


@transaction.atomic
def membership_create(*, actor, mission: Mission, user, role: str, stakeholder=None) -> Membership:
    """Give a person a role in a mission; their guardian grants follow in the same transaction."""
    _check_stakeholder(mission, stakeholder)
    if Membership.objects.filter(mission=mission, user=user).exists():
        raise Conflict(_("This person is already a member of this mission."))
    membership = record_create(
        actor=actor,
        instance=Membership(
            mission=mission,
            user=user,
            role=role,
            stakeholder=stakeholder,
            invited_by=actor if getattr(actor, "pk", None) and actor.pk != user.pk else None,
        ),
    )
    _sync_grants(membership)
    return membership


@transaction.atomic
def member_add(
    *, actor, mission: Mission, email: str, role: str, stakeholder=None, name: str = ""
) -> Membership:
    """Add a person by e-mail; a new address gets an account and an invitation to set a password."""
    from accounts.services import invitation_send

    User = get_user_model()
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=email).first()
    invite = user is None
    if invite:
        user = User(email=email, name=name)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    membership = membership_create(
        actor=actor, mission=mission, user=user, role=role, stakeholder=stakeholder
    )
    if invite:
        transaction.on_commit(
            partial(invitation_send, user=user, mission=mission, invited_by=actor)
        )
    return membership


@transaction.atomic
def membership_update(
    *, actor, membership: Membership, version: int | None = None, **data: Any
) -> Membership:
    """Change a member's role or stakeholder; the grants follow in the same transaction."""
    if "stakeholder" in data:
        _check_stakeholder(membership.mission, data["stakeholder"])
    if membership.role == Role.ADMIN and data.get("role", Role.ADMIN) != Role.ADMIN:
        _ensure_another_admin(membership)
    old_role = membership.role
    membership = record_update(actor=actor, instance=membership, data=data, version=version)
    if membership.role != old_role:
        _sync_grants(membership)
    return membership


@transaction.atomic
def membership_delete(*, actor, membership: Membership, version: int | None = None) -> None:
    """Remove a member: their access ends with this transaction, on their next request."""
    ensure_writable(membership.mission)
    if membership.role == Role.ADMIN:
        _ensure_another_admin(membership)
    if version is not None and version != membership.version:
        raise StaleVersion(membership.version)
    MissionUserObjectPermission.objects.filter(
        user_id=membership.user_id, content_object_id=membership.mission_id
    ).delete()
    audit(
        mission=membership.mission,
        actor=actor,
        action="membership.delete",
        target=membership,
        changes=diff(snapshot(membership), {}),
    )
    membership.delete()


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

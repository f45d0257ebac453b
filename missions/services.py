"""Writes to missions and their plans: validate, save, bump version, audit, in one transaction."""

from functools import partial
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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
    PhaseEndorsement,
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


def _constraint_field(constraint) -> str | None:
    """The one field a (mission, field) unique constraint is about, to report the error on."""
    names = list(getattr(constraint, "fields", ()) or ())
    for expression in getattr(constraint, "expressions", ()) or ():
        # F("mission") has no source expressions; Lower("name") has F("name").
        sources = getattr(expression, "get_source_expressions", lambda e=expression: [e])()
        names.extend(getattr(source, "name", None) for source in sources)
    names = [n for n in names if n and n != "mission"]
    return names[0] if len(names) == 1 else None


def full_clean(instance: models.Model) -> None:
    """Validate a row; a per-mission uniqueness error is reported on its field (e.g. ``code``)."""
    try:
        instance.full_clean()
    except ValidationError as error:
        if not hasattr(error, "error_dict") or NON_FIELD_ERRORS not in error.error_dict:
            raise
        by_message = {
            str(c.violation_error_message): _constraint_field(c)
            for c in instance._meta.constraints
            if getattr(c, "violation_error_message", None)
        }
        errors: dict[str, list] = {
            k: v for k, v in error.error_dict.items() if k != NON_FIELD_ERRORS
        }
        for item in error.error_dict[NON_FIELD_ERRORS]:
            message = " ".join(item.messages)
            errors.setdefault(by_message.get(message) or NON_FIELD_ERRORS, []).append(item)
        raise ValidationError(errors) from None


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
    full_clean(instance)
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
    full_clean(instance)
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


def _referenced(instance: models.Model) -> bool:
    """Whether another row refers to this one (a protected relation or a comment on it)."""
    from stakeholders.models import Comment

    for relation in instance._meta.related_objects:
        if relation.on_delete in (models.PROTECT, models.RESTRICT):
            accessor = relation.get_accessor_name()
            if relation.one_to_many and getattr(instance, accessor).exists():
                return True
    target_type = target_type_of(instance)
    if target_type in Comment.TargetType.values:
        return Comment.objects.filter(target_type=target_type, target_id=instance.pk).exists()
    return False


@transaction.atomic
def record_delete(*, actor, instance: models.Model, version: int | None = None) -> None:
    """Delete a row nothing refers to; one that is referred to must be retired instead (409)."""
    mission = mission_of_record(instance)
    ensure_writable(mission)
    if version is not None and version != instance.version:
        raise StaleVersion(instance.version)
    if _referenced(instance):
        if hasattr(instance, "is_retired"):
            raise Conflict(_("Other records refer to this item: retire it instead of deleting it."))
        raise Conflict(_("Other records refer to this item, so it cannot be deleted."))
    changes = diff(snapshot(instance), {})
    audit(
        mission=mission,
        actor=actor,
        action=f"{target_type_of(instance)}.delete",
        target=instance,
        changes=changes,
    )
    _after_change(instance, changes)
    instance.delete()


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


def bump_version(instance: models.Model, version: int | None) -> None:
    """Bump a row's version if it is still at ``version``: editing a child changes its parent."""
    rows = type(instance)._default_manager.filter(pk=instance.pk)
    if version is not None:
        rows = rows.filter(version=version)
    if not rows.update(version=F("version") + 1, updated_at=timezone.now()):
        current = (
            type(instance)._default_manager.filter(pk=instance.pk).values_list("version", flat=True)
        )
        raise StaleVersion(current.first() or 0)
    instance.version = (version or instance.version) + 1


@transaction.atomic
def phase_endorse(
    *, actor, access, phase: Phase, statement: str = "", version: int | None = None
) -> PhaseEndorsement:
    """Endorse a phase gate for the caller's host-government stakeholder.

    Records the readiness and threshold at that moment, so later readers see what was
    endorsed; bumps the phase's version.
    """
    from assessments.services import readiness_compute

    ensure_writable(phase.mission)
    access.require("endorse_phase")
    if not phase.requires_endorsement:
        raise Conflict(_("This phase does not require an endorsement."))
    stakeholder = access.membership.stakeholder
    if PhaseEndorsement.objects.filter(
        phase=phase, stakeholder=stakeholder, withdrawn_at__isnull=True
    ).exists():
        raise Conflict(
            _("%(stakeholder)s has already endorsed this phase; withdraw that first.")
            % {"stakeholder": stakeholder}
        )
    bump_version(phase, version)
    endorsement = PhaseEndorsement.objects.create(
        phase=phase,
        stakeholder=stakeholder,
        endorsed_by=actor,
        endorsed_at=timezone.now(),
        statement=statement,
        readiness=readiness_compute(mission=phase.mission).readiness,
        gate_threshold=phase.gate_threshold,
    )
    audit(
        mission=phase.mission,
        actor=actor,
        action="phase.endorse",
        target=phase,
        changes={"endorsement": [None, snapshot(endorsement)]},
    )
    _after_change(phase, {})
    return endorsement


@transaction.atomic
def phase_endorsement_withdraw(
    *, actor, access, phase: Phase, reason: str, version: int | None = None
) -> PhaseEndorsement:
    """Withdraw the caller's stakeholder's active endorsement of a phase, with a reason."""
    ensure_writable(phase.mission)
    access.require("endorse_phase")
    endorsement = PhaseEndorsement.objects.filter(
        phase=phase, stakeholder=access.membership.stakeholder, withdrawn_at__isnull=True
    ).first()
    if endorsement is None:
        raise Conflict(_("Your organisation has no active endorsement of this phase."))
    bump_version(phase, version)
    before = snapshot(endorsement)
    endorsement.withdrawn_at = timezone.now()
    endorsement.withdrawn_reason = reason
    endorsement.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
    audit(
        mission=phase.mission,
        actor=actor,
        action="phase.withdraw_endorsement",
        target=phase,
        changes={"endorsement": [before, snapshot(endorsement)]},
    )
    _after_change(phase, {})
    return endorsement


def phase_plan_changed_at(*, mission: Mission) -> dict[int, Any]:
    """Per phase, when its gate's terms last changed: its threshold or a critical benchmark.

    Read from the audit trail (2 queries), so "plan changed since endorsement" needs no
    extra bookkeeping on every write.
    """
    from django.db.models import Max

    from .models import AuditEvent

    phases = list(Phase.objects.filter(mission=mission, is_retired=False).values("id", "order"))
    if not phases:
        return {}
    last_order = max(p["order"] for p in phases)
    events = AuditEvent.objects.filter(mission=mission, target_type__in=["phase", "benchmark"])
    threshold = dict(
        events.filter(target_type="phase", changes__has_key="gate_threshold")
        .values_list("target_id")
        .annotate(last=Max("at"))
    )
    critical = (
        events.filter(target_type="benchmark")
        .filter(
            models.Q(changes__has_key="critical")
            | models.Q(
                target_id__in=Benchmark.objects.filter(mission=mission, critical=True).values("pk")
            )
        )
        .values("target_id")
        .annotate(last=Max("at"))
    )
    targets = dict(
        Benchmark.objects.filter(mission=mission).values_list(
            "pk", "objective__target_phase__order"
        )
    )
    changed: dict[int, Any] = {}
    for phase in phases:
        moments = [threshold.get(phase["id"])]
        for row in critical:
            order = targets.get(row["target_id"])
            if (order if order is not None else last_order) <= phase["order"]:
                moments.append(row["last"])
        moments = [m for m in moments if m]
        if moments:
            changed[phase["id"]] = max(moments)
    return changed


@transaction.atomic
def plan_item_move(
    *, actor, item: models.Model, siblings: models.QuerySet, direction: str, version: int | None
) -> bool:
    """Swap a plan item's ``order`` with its neighbour's among ``siblings``, in one transaction.

    Phases' orders are unique per mission: the item first takes a temporary order (above
    every other) so neither update meets the other's value. Among items whose orders tie
    (objectives and benchmarks default to 0) the siblings are numbered 1, 2, 3… first.
    Answers False when there is no neighbour that way (already first or last).
    """
    if version is not None and version != item.version:
        raise StaleVersion(item.version)
    rows = list(siblings.select_for_update().order_by("order", "id"))
    index = next(i for i, s in enumerate(rows) if s.pk == item.pk)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(rows):
        return False
    item, other = rows[index], rows[other_index]
    orders = [s.order for s in rows]
    if len(set(orders)) != len(orders):
        rows[index], rows[other_index] = other, item
        for position, sibling in enumerate(rows, start=1):
            if sibling.order != position:
                record_update(actor=actor, instance=sibling, data={"order": position})
        return True
    mine, theirs = item.order, other.order
    if isinstance(item, Phase):
        top = Phase.objects.filter(mission_id=item.mission_id).order_by("-order").first().order
        # Not a change anyone sees: the two audited updates below say what happened.
        Phase.objects.filter(pk=item.pk).update(order=top + 1)
    record_update(actor=actor, instance=other, data={"order": mine})
    record_update(actor=actor, instance=item, data={"order": theirs})
    return True

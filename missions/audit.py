"""The one helper every service calls to record what it changed, in its own transaction."""

import datetime
import decimal
import re
import uuid
from typing import Any

from django.db import connection, models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .models import AuditEvent, Mission


def target_type_of(model: type[models.Model] | models.Model) -> str:
    """The model's name in snake case: ``HandoverItem`` → ``handover_item``."""
    name = model._meta.object_name
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def to_json(value: Any) -> Any:
    """A field value as it is stored in ``changes`` (JSON): ids for relations, ISO dates."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


# Secrets never enter the append-only history: a token there could never be taken back.
SECRET_FIELDS = frozenset({"token", "public_token", "key_hash", "password"})


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The instance's concrete, editable field values as JSON (relations as ids), no secrets."""
    values = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or field.name in {"version", "created_at", "updated_at"}:
            continue
        if field.name in SECRET_FIELDS:
            continue
        if fields is not None and field.name not in fields:
            continue
        values[field.name] = to_json(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [before, after] for the fields whose value changed."""
    return {
        name: [before.get(name), after.get(name)]
        for name in {**before, **after}
        if before.get(name) != after.get(name)
    }


def mission_of(target: models.Model) -> Mission | None:
    if isinstance(target, Mission):
        return target
    mission_id = getattr(target, "mission_id", None)
    if mission_id:
        return Mission(pk=mission_id)
    return getattr(target, "mission", None)  # Contact, Score, …: through their parent


def audit(
    *,
    actor,
    action: str,
    target: models.Model,
    changes: dict[str, list[Any]] | None = None,
    mission: Mission | None = None,
) -> AuditEvent:
    """Record one change; must run inside the transaction that made it.

    ``action`` is ``<target_type>.<verb>``; ``changes`` maps field → [before, after].
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit() must be called inside the transaction of the change.")
    return AuditEvent.objects.create(
        mission=mission or mission_of(target),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target_type_of(target),
        target_id=target.pk,
        changes=changes or {},
        at=timezone.now(),
    )

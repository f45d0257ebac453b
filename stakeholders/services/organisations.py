"""Writes to stakeholders and their contacts (consultations: see consultations.py)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from exitplan.errors import Conflict, StaleVersion
from missions.models import Mission
from missions.services import (
    bump_version,
    ensure_writable,
    plan_item_retire,
    record_create,
    record_delete,
    record_update,
)

from ..models import Contact, Invitation, Stakeholder

__all__ = ["contact_create", "stakeholder_create", "stakeholder_delete", "stakeholder_update"]


@transaction.atomic
def stakeholder_create(
    *, actor, mission: Mission, contacts: list[dict[str, Any]] | None = None, **fields: Any
) -> Stakeholder:
    """Add an organisation to a mission, with its contacts when given."""
    contacts = contacts or []
    if any(item.get("id") is not None for item in contacts):
        raise ValidationError(
            {
                f"contacts[{i}].id": [_("A new stakeholder has no contacts yet: leave out id.")]
                for i, item in enumerate(contacts)
                if item.get("id") is not None
            }
        )
    stakeholder = record_create(actor=actor, instance=Stakeholder(mission=mission, **fields))
    if contacts:
        _contacts_write(actor=actor, stakeholder=stakeholder, items=contacts)
    return stakeholder


@transaction.atomic
def stakeholder_update(
    *,
    actor,
    stakeholder: Stakeholder,
    version: int | None = None,
    contacts: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Stakeholder:
    """Change a stakeholder; ``contacts``, when given, is the whole set (see _contacts_write).

    Editing the contacts bumps the stakeholder's version once, like editing its own fields,
    so a client holding an older ETag of the stakeholder cannot overwrite them.
    """
    ensure_writable(stakeholder.mission)
    if version is not None and version != stakeholder.version:
        raise StaleVersion(stakeholder.version)
    contacts_changed = contacts is not None and _contacts_write(
        actor=actor, stakeholder=stakeholder, items=contacts
    )
    before = stakeholder.version
    stakeholder = record_update(actor=actor, instance=stakeholder, data=fields, version=version)
    if contacts_changed and stakeholder.version == before:
        bump_version(stakeholder, version)
        stakeholder.refresh_from_db()
    return stakeholder


@transaction.atomic
def stakeholder_delete(*, actor, stakeholder: Stakeholder, version: int | None = None) -> None:
    """Delete a stakeholder nothing refers to, with its contacts; otherwise retire it (409).

    Memberships, endorsements and handover items refer to the stakeholder itself (checked by
    record_delete); invitations refer to its contacts.
    """
    ensure_writable(stakeholder.mission)
    if version is not None and version != stakeholder.version:
        raise StaleVersion(stakeholder.version)
    if Invitation.objects.filter(contact__stakeholder=stakeholder).exists():
        raise Conflict(
            _("Its contacts are invited to consultations: retire the stakeholder instead.")
        )
    for contact in Contact.objects.filter(stakeholder=stakeholder):
        contact.stakeholder = stakeholder
        record_delete(actor=actor, instance=contact)
    # Refuses (409, retire instead) when a membership, endorsement or handover item refers
    # to it; the contacts deleted above come back with the rollback.
    record_delete(actor=actor, instance=stakeholder)


CONTACT_FIELDS = ("name", "email", "language", "user", "is_retired")
CONTACT_ATTNAMES = ("name", "email", "language", "user_id", "is_retired")


def _contacts_write(*, actor, stakeholder: Stakeholder, items: list[dict[str, Any]]) -> bool:
    """Make the stakeholder's contacts exactly ``items``; whether anything changed.

    Items with an ``id`` change that contact (fields left out stay as they are), items
    without one are new; contacts left out are deleted, or retired when an invitation refers
    to them. Every item is validated before anything is written, and errors name the item
    (``contacts[2].email``).
    """
    existing = {c.pk: c for c in Contact.objects.filter(stakeholder=stakeholder)}
    errors: dict[str, list[str]] = {}
    planned: list[tuple[Contact | None, dict[str, Any]]] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        pk = item.get("id")
        data = {k: v for k, v in item.items() if k in CONTACT_FIELDS}
        if pk is not None and (pk not in existing or pk in seen):
            message = (
                _("This id appears twice in the list; give each contact once.")
                if pk in seen
                else _("This is not a contact of this stakeholder; leave out id to add one.")
            )
            errors[f"contacts[{index}].id"] = [message]
            continue
        if pk is not None:
            seen.add(pk)
        contact = existing.get(pk)
        candidate = Contact(stakeholder=stakeholder)
        if contact is not None:
            for field in CONTACT_ATTNAMES:
                setattr(candidate, field, getattr(contact, field))
        for name, value in data.items():
            setattr(candidate, name, value)
        try:
            candidate.full_clean(exclude=["stakeholder"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[f"contacts[{index}].{name}"] = messages
        planned.append((contact, data))
    if errors:
        raise ValidationError(errors)

    changed = False
    for contact, data in planned:
        if contact is None:
            record_create(actor=actor, instance=Contact(stakeholder=stakeholder, **data))
            changed = True
            continue
        contact.stakeholder = stakeholder
        before = contact.version
        contact = record_update(actor=actor, instance=contact, data=data)
        changed = changed or contact.version != before
    referenced = set(
        Invitation.objects.filter(contact__stakeholder=stakeholder).values_list(
            "contact_id", flat=True
        )
    )
    for pk, contact in existing.items():
        if pk in seen:
            continue
        contact.stakeholder = stakeholder
        if pk in referenced:
            if not contact.is_retired:
                plan_item_retire(actor=actor, instance=contact)
                changed = True
        else:
            record_delete(actor=actor, instance=contact)
            changed = True
    return changed


def contact_create(*, actor, stakeholder: Stakeholder, **fields: Any) -> Contact:
    """Add a contact person to a stakeholder."""
    return record_create(actor=actor, instance=Contact(stakeholder=stakeholder, **fields))

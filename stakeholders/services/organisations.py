"""Writes to stakeholders, their contacts and consultations."""

from typing import Any

from missions.models import Mission
from missions.services import record_create

from ..models import Consultation, Contact, Invitation, Stakeholder


def stakeholder_create(*, actor, mission: Mission, **fields: Any) -> Stakeholder:
    """Add an organisation to a mission."""
    return record_create(actor=actor, instance=Stakeholder(mission=mission, **fields))


def contact_create(*, actor, stakeholder: Stakeholder, **fields: Any) -> Contact:
    """Add a contact person to a stakeholder."""
    return record_create(actor=actor, instance=Contact(stakeholder=stakeholder, **fields))


def consultation_create(*, actor, mission: Mission, **fields: Any) -> Consultation:
    """Schedule a consultation; times are shown in its own time zone."""
    fields.setdefault("timezone", mission.timezone)
    return record_create(actor=actor, instance=Consultation(mission=mission, **fields))


def invitation_create(*, actor, consultation: Consultation, contact: Contact) -> Invitation:
    """Invite a contact to a consultation."""
    return record_create(
        actor=actor, instance=Invitation(consultation=consultation, contact=contact)
    )

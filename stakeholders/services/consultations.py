"""Writes to consultations and their invitations: schedule, move, cancel, invite, answer.

The e-mails (invitation, reminders, updates, cancellations, resends) are delivery rows that
these services write in the same transaction through stakeholders.reminders, and that the
reminder job sends.
"""

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from exitplan.errors import Conflict, StaleVersion
from missions.access import AccessDenied, MissionAccess
from missions.audit import audit, diff, snapshot
from missions.models import Mission
from missions.services import (
    bump_version,
    ensure_writable,
    full_clean,
    record_create,
    record_delete,
    record_update,
)

from .. import reminders
from ..models import Consultation, Contact, Invitation

__all__ = [
    "MOVE_FIELDS",
    "RSVP_ANSWERS",
    "consultation_cancel",
    "consultation_create",
    "consultation_delete",
    "consultation_update",
    "invitation_create",
    "invitation_delete",
    "invitation_resend",
    "invitation_rsvp",
    "rsvp_is_open",
]

# A change to one of these moves the consultation: calendars need an update (SEQUENCE + 1).
MOVE_FIELDS = ("starts_at", "ends_at", "timezone", "location", "online_url")
# Reminders are hours before the start, at most a year ahead.
MAX_OFFSET_HOURS = 8760
# What an invitee may answer; `pending` is only where an invitation starts.
RSVP_ANSWERS = (
    Invitation.Rsvp.ACCEPTED,
    Invitation.Rsvp.TENTATIVE,
    Invitation.Rsvp.DECLINED,
)


def rsvp_is_open(consultation: Consultation) -> bool:
    """Whether invitees may still answer: the consultation is scheduled, its mission open."""
    return consultation.status == Consultation.Status.SCHEDULED and not (
        consultation.mission.is_closed
    )


def _offset_errors(offsets: Any) -> dict[str, list[str]]:
    if not isinstance(offsets, list):
        return {
            "reminder_offsets": [_("Give a list of whole hours before the start, e.g. [168, 24].")]
        }
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for index, hours in enumerate(offsets):
        key = f"reminder_offsets[{index}]"
        if isinstance(hours, bool) or not isinstance(hours, int):
            errors[key] = [_("Give a whole number of hours, e.g. 24.")]
        elif not 1 <= hours <= MAX_OFFSET_HOURS:
            errors[key] = [
                _("Give a number of hours from 1 to %(max)s (a year) before the start.")
                % {"max": MAX_OFFSET_HOURS}
            ]
        elif hours in seen:
            errors[key] = [_("This reminder is already in the list; give each one once.")]
        else:
            seen.add(hours)
    return errors


def _rule_errors(consultation: Consultation) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("starts_at", "ends_at"):
        value = getattr(consultation, name)
        if value is not None and timezone.is_naive(value):
            errors[name] = [_("Give the time with its UTC offset, e.g. 2026-11-25T10:00:00+01:00.")]
    starts, ends = consultation.starts_at, consultation.ends_at
    if starts and ends and not errors and ends <= starts:
        errors["ends_at"] = [
            _("A consultation must end after it starts: give an end later than the start.")
        ]
    if consultation.phase_id and consultation.phase.mission_id != consultation.mission_id:
        errors["phase"] = [_("Choose a phase of this mission.")]
    form = consultation.feedback_form
    if form is not None and form.mission_id != consultation.mission_id:
        errors["feedback_form"] = [_("Choose a feedback form of this mission.")]
    errors.update(_offset_errors(consultation.reminder_offsets))
    return errors


def _validate(consultation: Consultation) -> None:
    """The rules the model's own validation does not say well, reported on their fields.

    When one fails, the model's field errors (an unknown time zone…) come in the same
    answer, so the caller can fix everything at once.
    """
    errors = _rule_errors(consultation)
    if not errors:
        return
    try:
        consultation.clean_fields(exclude={key.split("[")[0] for key in errors})
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages)
    raise ValidationError(errors)


def _locked(consultation: Consultation) -> Consultation:
    """The consultation as it is now, locked for this transaction (state checks race otherwise)."""
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("mission")
        .get(pk=consultation.pk)
    )


@transaction.atomic
def consultation_create(*, actor, mission: Mission, **fields: Any) -> Consultation:
    """Schedule a consultation; its times show in its own time zone (the mission's by default)."""
    if not fields.get("timezone"):
        fields["timezone"] = mission.timezone
    consultation = Consultation(mission=mission, **fields)
    _validate(consultation)
    return record_create(actor=actor, instance=consultation)


@transaction.atomic
def consultation_update(
    *, actor, consultation: Consultation, data: dict[str, Any], version: int | None = None
) -> Consultation:
    """Change a consultation; moving it (time, zone, place, link) bumps its ``sequence``.

    Cancelling has its own service, so that invitees are told; a cancelled consultation
    is final.
    """
    current = _locked(consultation)
    if current.status == Consultation.Status.CANCELLED:
        raise Conflict(
            _("This consultation was cancelled and cannot change; schedule a new one instead.")
        )
    if data.get("status") == Consultation.Status.CANCELLED:
        raise ValidationError(
            {
                "status": [
                    _("Cancel a consultation with its cancel action, so that invitees are told.")
                ]
            }
        )
    changed = copy.copy(current)
    for name, value in data.items():
        setattr(changed, name, value)
    _validate(changed)
    moved = any(getattr(changed, name) != getattr(current, name) for name in MOVE_FIELDS)
    if moved:
        data = {**data, "sequence": current.sequence + 1}
    offsets, status = list(current.reminder_offsets), current.status
    updated = record_update(actor=actor, instance=current, data=data, version=version)
    if moved:
        reminders.consultation_deliveries_move(consultation=updated)
    elif updated.reminder_offsets != offsets or updated.status != status:
        reminders.consultation_deliveries_reschedule(consultation=updated)
    return updated


@transaction.atomic
def consultation_cancel(
    *, actor, consultation: Consultation, version: int | None = None
) -> Consultation:
    """Cancel a scheduled consultation; ``sequence`` moves on so calendars drop the event."""
    current = _locked(consultation)
    if current.status == Consultation.Status.CANCELLED:
        raise Conflict(_("This consultation is already cancelled."))
    if current.status == Consultation.Status.HELD:
        raise Conflict(
            _("This consultation was already held, so it cannot be cancelled; record its outcome.")
        )
    cancelled = record_update(
        actor=actor,
        instance=current,
        data={"status": Consultation.Status.CANCELLED, "sequence": current.sequence + 1},
        version=version,
        verb="cancel",
    )
    reminders.consultation_deliveries_cancel(consultation=cancelled)
    return cancelled


@transaction.atomic
def consultation_delete(*, actor, consultation: Consultation, version: int | None = None) -> None:
    """Delete a consultation nobody is invited to; one with invitees is cancelled instead."""
    current = _locked(consultation)
    if current.invitations.exists():
        raise Conflict(
            _("People are invited to this consultation: cancel it instead, so they are told.")
        )
    record_delete(actor=actor, instance=current, version=version)


def _invitation_values(invitation: Invitation) -> dict[str, Any]:
    """What the history keeps of an invitation: never its token, a credential for the link."""
    values = snapshot(invitation)
    values.pop("token", None)
    return values


@transaction.atomic
def invitation_create(*, actor, consultation: Consultation, contact: Contact) -> Invitation:
    """Invite a contact of the consultation's mission; each contact once per consultation."""
    current = _locked(consultation)
    ensure_writable(current.mission)
    if current.status == Consultation.Status.CANCELLED:
        raise Conflict(
            _("This consultation was cancelled; invite people to one that is still scheduled.")
        )
    if contact.stakeholder.mission_id != current.mission_id:
        raise ValidationError({"contact": [_("Choose a contact of this mission.")]})
    if contact.is_retired:
        raise ValidationError(
            {"contact": [_("This contact is retired; choose a current contact instead.")]}
        )
    already = Conflict(
        _("%(name)s is already invited to this consultation.") % {"name": contact.name}
    )
    if Invitation.objects.filter(consultation=current, contact=contact).exists():
        raise already
    invitation = Invitation(consultation=current, contact=contact)
    full_clean(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # invited by someone else in the same instant
        raise already from None
    audit(
        mission=current.mission,
        actor=actor,
        action="invitation.create",
        target=invitation,
        changes=diff({}, _invitation_values(invitation)),
    )
    reminders.invitation_deliveries_create(invitation=invitation)
    return invitation


@transaction.atomic
def invitation_delete(*, actor, invitation: Invitation, version: int | None = None) -> None:
    """Withdraw an invitation (its pending e-mails go with it)."""
    mission = invitation.consultation.mission
    ensure_writable(mission)
    if version is not None and version != invitation.version:
        raise StaleVersion(invitation.version)
    audit(
        mission=mission,
        actor=actor,
        action="invitation.delete",
        target=invitation,
        changes=diff(_invitation_values(invitation), {}),
    )
    invitation.delete()


def _locked_invitation(**lookup: Any) -> Invitation | None:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("consultation__mission", "contact")
        .filter(**lookup)
        .first()
    )


def _ensure_answerable(consultation: Consultation) -> None:
    ensure_writable(consultation.mission)
    if consultation.status == Consultation.Status.CANCELLED:
        raise Conflict(_("This consultation was cancelled, so it takes no answers."))
    if consultation.status == Consultation.Status.HELD:
        raise Conflict(_("This consultation was already held, so it takes no more answers."))


@transaction.atomic
def invitation_rsvp(
    *,
    rsvp: str,
    actor=None,
    access: MissionAccess | None = None,
    invitation: Invitation | None = None,
    token: str | None = None,
    version: int | None = None,
) -> Invitation:
    """Record an invitee's answer, from a signed-in person or through the RSVP link's token.

    Signed in, the invitee (the contact is their user) or someone who manages consultations
    may answer; with the token, whoever holds the link may (it went to the invitee alone).
    """
    if token is not None:
        current = _locked_invitation(token=token) if token else None
        if current is None:
            raise Http404(_("This RSVP link is not valid; ask the mission for a new one."))
        actor = None
    elif invitation is not None and access is not None:
        if not (
            access.has("manage_consultations")
            or (invitation.contact.user_id is not None and invitation.contact.user_id == actor.pk)
        ):
            raise AccessDenied(
                "manage_consultations",
                _("Only the invitee or someone who manages consultations may answer this."),
            )
        current = _locked_invitation(pk=invitation.pk)
        if current is None:
            raise Http404(_("This invitation no longer exists."))
    else:
        raise TypeError("invitation_rsvp needs an invitation with access, or a token.")
    if rsvp not in RSVP_ANSWERS:
        raise ValidationError({"rsvp": [_("Answer accepted, tentative or declined.")]})
    _ensure_answerable(current.consultation)
    answered = record_update(
        actor=actor, instance=current, data={"rsvp": rsvp}, version=version, verb="rsvp"
    )
    reminders.invitation_reminders_update(invitation=answered)
    return answered


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation, version: int | None = None) -> Invitation:
    """Ask for the invitation to be e-mailed again; recorded, and the version moves on.

    The version check makes two people pressing "resend" at once send it once. The e-mail
    itself is a ``resend`` delivery, due now, that the reminder job sends.
    """
    current = _locked_invitation(pk=invitation.pk)
    if current is None:
        raise Http404(_("This invitation no longer exists."))
    consultation = current.consultation
    ensure_writable(consultation.mission)
    if consultation.status != Consultation.Status.SCHEDULED:
        raise Conflict(_("Only invitations to a scheduled consultation can be sent again."))
    if current.contact.is_retired:
        raise Conflict(_("This contact is retired; invite a current contact instead."))
    if not current.contact.email:
        raise Conflict(_("This contact has no e-mail address: add one to the contact first."))
    bump_version(current, version)
    audit(
        mission=consultation.mission,
        actor=actor,
        action="invitation.resend",
        target=current,
    )
    reminders.invitation_delivery_resend(invitation=current)
    current.refresh_from_db()
    return current

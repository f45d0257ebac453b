"""Reads for the consultation pages and the API: who sees which consultations, and the rows
each page prints, in a fixed number of queries whatever the number of consultations,
invitations or reminder deliveries.

Who sees what (DESIGN.md): with manage_consultations, every consultation, its invitations,
the contacts' e-mail addresses and the reminder deliveries; observers every consultation but
no invitations; liaisons and partners only the consultations their stakeholder (or they
themselves, as a contact) are invited to, and only their own invitations.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from missions.access import MissionAccess
from missions.models import Role

from .models import Consultation, Contact, Invitation, ReminderDelivery, Stakeholder

MANAGE = "manage_consultations"
# The list's filters: which consultations each shows.
WHEN_FILTERS = ("upcoming", "past", "cancelled")


def sees_every_consultation(access: MissionAccess) -> bool:
    """Managers and observers see every consultation; everyone else only where invited."""
    return access.has(MANAGE) or access.role == Role.OBSERVER


def consultations_visible(access: MissionAccess) -> QuerySet[Consultation]:
    """The mission's consultations this caller may see (one query, whatever the role)."""
    rows = Consultation.objects.filter(mission=access.mission)
    if sees_every_consultation(access):
        return rows
    invited = Q(contact__user=access.user)
    membership = access.membership
    if membership is not None and membership.stakeholder_id:
        invited |= Q(contact__stakeholder_id=membership.stakeholder_id)
    return rows.filter(Exists(Invitation.objects.filter(invited, consultation=OuterRef("pk"))))


def consultation_list(
    *, access: MissionAccess, when: str = "", now: datetime.datetime
) -> QuerySet[Consultation]:
    """The list page's rows: upcoming first (soonest first), then past ones (latest first).

    ``when`` narrows to upcoming, past or cancelled ones. Managers get each row's invitation
    counts, invitees their own answer; both are computed in the same query.
    """
    rows = consultations_visible(access).select_related("phase")
    cancelled = Q(status=Consultation.Status.CANCELLED)
    if when == "upcoming":
        rows = rows.filter(~cancelled, ends_at__gte=now)
    elif when == "past":
        rows = rows.filter(~cancelled, ends_at__lt=now)
    elif when == "cancelled":
        rows = rows.filter(cancelled)
    if access.has(MANAGE):
        rows = rows.annotate(
            invited_count=Count("invitations", distinct=True),
            pending_count=Count(
                "invitations",
                filter=Q(invitations__rsvp=Invitation.Rsvp.PENDING),
                distinct=True,
            ),
            accepted_count=Count(
                "invitations",
                filter=Q(invitations__rsvp=Invitation.Rsvp.ACCEPTED),
                distinct=True,
            ),
        )
    else:
        own = Invitation.objects.filter(consultation=OuterRef("pk"), contact__user=access.user)
        rows = rows.annotate(own_rsvp=Subquery(own.order_by("id").values("rsvp")[:1]))
    is_past = Case(
        When(ends_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return rows.annotate(is_past=is_past).order_by(
        "is_past",
        Case(When(ends_at__gte=now, then=F("starts_at"))).asc(),
        Case(When(ends_at__lt=now, then=F("starts_at"))).desc(),
        "id",
    )


def consultation_visible(*, access: MissionAccess, pk: int) -> Consultation | None:
    """One consultation the caller may see, with its phase and linked form; None otherwise."""
    return (
        consultations_visible(access)
        .select_related("mission", "phase", "feedback_form")
        .filter(pk=pk)
        .first()
    )


def consultation_invitations(
    *, access: MissionAccess, consultation: Consultation
) -> list[Invitation]:
    """The invitations the caller may see: all of them, with every reminder delivery, for
    managers (two queries); otherwise only those whose contact is the caller (one query)."""
    rows = (
        Invitation.objects.filter(consultation=consultation)
        .select_related("contact__stakeholder")
        .order_by("contact__stakeholder__name", "contact__name", "id")
    )
    if not access.has(MANAGE):
        return list(rows.filter(contact__user=access.user))
    deliveries = ReminderDelivery.objects.order_by("due_at", "id")
    return list(
        rows.prefetch_related(Prefetch("deliveries", queryset=deliveries, to_attr="delivery_list"))
    )


@dataclass(frozen=True)
class ContactGroup:
    stakeholder: Stakeholder
    contacts: list[Contact]


def contacts_to_invite(*, consultation: Consultation) -> QuerySet[Contact]:
    """Current contacts of the mission's current stakeholders not invited yet (one query)."""
    return (
        Contact.objects.filter(
            stakeholder__mission_id=consultation.mission_id,
            stakeholder__is_retired=False,
            is_retired=False,
        )
        .exclude(invitations__consultation=consultation)
        .select_related("stakeholder")
        .order_by("stakeholder__name", "stakeholder_id", "name", "id")
    )


def contact_groups(contacts) -> list[ContactGroup]:
    """Contacts, ordered by stakeholder, grouped for a select's optgroups."""
    groups: list[ContactGroup] = []
    for contact in contacts:
        if not groups or groups[-1].stakeholder.pk != contact.stakeholder_id:
            groups.append(ContactGroup(stakeholder=contact.stakeholder, contacts=[]))
        groups[-1].contacts.append(contact)
    return groups

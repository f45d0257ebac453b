"""The iCalendar (.ics) attached to every consultation e-mail (RFC 5545, iTIP RFC 5546).

One event per consultation: its UID never changes, so a calendar program updates the
event it already has; SEQUENCE is the consultation's ``sequence`` (it moves on when the
consultation moves or is cancelled), so an older e-mail opened later changes nothing.
Times carry the consultation's own time zone with its VTIMEZONE, so the event shows at
the right local time in any calendar, whatever zone the reader is in.
"""

import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Consultation, Invitation

PRODID = "-//exitplan//consultations//EN"

# What an invitee answered, as iCalendar says it.
PARTSTAT = {
    Invitation.Rsvp.PENDING: "NEEDS-ACTION",
    Invitation.Rsvp.ACCEPTED: "ACCEPTED",
    Invitation.Rsvp.TENTATIVE: "TENTATIVE",
    Invitation.Rsvp.DECLINED: "DECLINED",
}


def site_host() -> str:
    """The host name in event UIDs: the site's own, so UIDs are unique across installations."""
    return urlsplit(settings.SITE_URL).hostname or "exitplan.invalid"


def consultation_uid(consultation: Consultation) -> str:
    return f"consultation-{consultation.pk}@{site_host()}"


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    return address


def consultation_ics(
    *,
    consultation: Consultation,
    invitation: Invitation | None = None,
    cancel: bool = False,
    rsvp_url: str = "",
    now: datetime.datetime | None = None,
) -> bytes:
    """The calendar for one consultation: METHOD:REQUEST, or METHOD:CANCEL when ``cancel``.

    With an ``invitation``, its contact is the ATTENDEE (with RSVP and their answer so far);
    ``rsvp_url`` goes in the description, since answers reach exitplan only through it;
    its label is in the active language, so call this inside the recipient's override.
    """
    zone = ZoneInfo(consultation.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")

    event = Event()
    event.add("uid", consultation_uid(consultation))
    event.add("sequence", consultation.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    event.add("dtstart", consultation.starts_at.astimezone(zone))
    event.add("dtend", consultation.ends_at.astimezone(zone))
    event.add("last-modified", consultation.updated_at.astimezone(datetime.UTC))
    event.add("summary", consultation.title)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    location = consultation.location or consultation.online_url
    if location:
        event.add("location", location)
    if consultation.online_url:
        event.add("url", consultation.online_url)
    # The one sentence of our own, in the active language (the e-mail's: the recipient's).
    answer = f"{_('Tell us whether you will take part (no sign-in needed):')} {rsvp_url}"
    description = "\n\n".join(
        part for part in (consultation.agenda.strip(), answer if rsvp_url else "") if part
    )
    if description:
        event.add("description", description)
    _name, organizer_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    event.add(
        "organizer",
        _address(organizer_email or "noreply@localhost", consultation.mission.name),
    )
    if invitation is not None and invitation.contact.email:
        attendee = _address(invitation.contact.email, invitation.contact.name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = PARTSTAT.get(invitation.rsvp, "NEEDS-ACTION")
        attendee.params["RSVP"] = "TRUE"
        event.add("attendee", attendee)
    calendar.add_component(event)
    # The zone's rules around the event only: a VTIMEZONE of the whole tz database history
    # would be long, and calendar programs need just the offsets in force at these times.
    calendar.add_missing_timezones(
        first_date=(consultation.starts_at - datetime.timedelta(days=400)).date(),
        last_date=(consultation.ends_at + datetime.timedelta(days=400)).date(),
    )
    return calendar.to_ical()

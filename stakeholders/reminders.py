"""Consultation e-mails that are never lost: delivery rows, claimed, sent, recorded.

Each e-mail to an invitee is a ReminderDelivery row, written in the same transaction as
the change that calls for it (an invitation, a move, a cancellation, an answer, a resend).
The beat's ``send_due_reminders`` then, every minute:

1. claims due rows with ONE conditional UPDATE that sets ``sending`` and a lease: two
   workers or two beat ticks claim disjoint rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``
   in the subquery; SQLite: one writer at a time, IMMEDIATE transactions);
2. sends each e-mail outside any transaction (no lock is held across the mail server);
3. records the outcome with a conditional UPDATE that only matches while the row is still
   this worker's claim (``sending`` with the same ``attempts``): ``sent``; or back to
   ``pending`` with a later ``next_attempt_at``; or ``failed`` after the last attempt.

A worker that dies between claim and record leaves the row ``sending``; once its lease
has passed, the next run claims it again. So a reminder is never lost, and it goes out
twice only when a worker dies after the mail server took it and before the record.
The lease is longer than the task's hard time limit, so a live worker's claim never
expires under it.

What an e-mail says is read when it is sent (time, place, sequence), so a row waiting
for its moment always sends the consultation as it is then. The same claim, send and
record cycle serves the overdue-assessment notices (assessments/overdue.py).
"""

import datetime
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.mime.text import MIMEText
from email.utils import formataddr
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils import timezone as django_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .ics import consultation_ics
from .models import Consultation, Delivery, Invitation, ReminderDelivery

logger = logging.getLogger(__name__)

Status = Delivery.Status
Kind = ReminderDelivery.Kind

# A claim lasts this long; it must outlive the sending task's hard time limit
# (exitplan/settings.py), or a slow but living worker's rows could be claimed twice.
LEASE = datetime.timedelta(minutes=10)
# Rows claimed at once: small, so a worker that dies strands few rows until their lease ends.
CLAIM_BATCH = 20
# One run stops claiming after this long and gives back what it has not sent yet; the
# next tick goes on. Well under the task's soft time limit.
SEND_BUDGET_SECONDS = 120
# Attempts per e-mail, and the wait before each retry (after the 1st, 2nd, … failure).
MAX_ATTEMPTS = 5
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(minutes=60),
)
# The moment of the beat's last tick, for /healthz.
BEAT_TICK_KEY = "health:beat:last-tick"


class Skip(Exception):
    """This e-mail is no longer wanted: its row is cancelled with the reason, not retried."""


class Undeliverable(Exception):
    """This e-mail cannot go out as things stand: its row fails at once with the reason."""


# The claim, send and record cycle, for any Delivery model ----------------------------------


@dataclass(frozen=True, order=True)
class Claim:
    """A row this run holds: ``attempts`` as the claim set it identifies the claim."""

    pk: int
    attempts: int


def _db_time(moment: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _retrying(statement: Callable[[], Any], *, tries: int = 6, first_wait: float = 0.05) -> Any:
    """Run one short statement again, within a second or so, if the database is busy.

    A record that fails after the e-mail went would leave the row to its lease, and the
    e-mail would go twice; a claim or a read that fails would hold rows for nothing. Only
    outside a transaction: inside one, the failed statement has spoilt it.
    """
    for attempt in range(tries):
        try:
            return statement()
        except OperationalError:
            if attempt == tries - 1 or connection.in_atomic_block:
                raise
            connection.close_if_unusable_or_obsolete()
            time.sleep(first_wait * 2**attempt)
    raise AssertionError("unreachable")


def deliveries_claim(
    model: type[Delivery],
    *,
    now: datetime.datetime,
    limit: int = CLAIM_BATCH,
    lease: datetime.timedelta = LEASE,
) -> list[Claim]:
    """Claim up to ``limit`` due rows of ``model`` in one conditional UPDATE.

    Due: ``due_at`` and ``next_attempt_at`` have come, and the row is ``pending`` or a
    ``sending`` whose lease has passed (its worker died). The subquery picks the rows;
    the same conditions on the UPDATE itself keep a row that another claim took meanwhile
    from being taken twice. On PostgreSQL, SKIP LOCKED: two beats may tick at once.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    q = connection.ops.quote_name
    due = (
        f"{q('due_at')} <= %s AND ({q('next_attempt_at')} IS NULL OR {q('next_attempt_at')} <= %s)"
        f" AND ({q('status')} = %s OR ({q('status')} = %s AND {q('lease_until')} < %s))"
    )
    now_db = _db_time(now)
    due_params = [now_db, now_db, Status.PENDING, Status.SENDING, now_db]
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    # The pick is MATERIALIZED, run once: as a plain `IN (subquery)`, PostgreSQL may run
    # it again for each row, and SKIP LOCKED then skips the rows this very UPDATE just
    # locked and picks further ones, claiming more than `limit`.
    sql = (
        f"WITH picked AS MATERIALIZED (SELECT {q('id')} FROM {table} WHERE {due}"
        f" ORDER BY {q('due_at')}, {q('id')} LIMIT %s{skip_locked})"
        f" UPDATE {table} SET {q('status')} = %s, {q('lease_until')} = %s,"
        f" {q('attempts')} = {q('attempts')} + 1"
        f" WHERE {q('id')} IN (SELECT {q('id')} FROM picked) AND {due}"
        f" RETURNING {q('id')}, {q('attempts')}"
    )
    params = [*due_params, limit, Status.SENDING, _db_time(now + lease), *due_params]

    def claim() -> list[tuple[int, int]]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return sorted(Claim(pk=pk, attempts=attempts) for pk, attempts in _retrying(claim))


def _record(model: type[Delivery], claim: Claim, **values: Any) -> bool:
    """Update the row only while it is still this claim: nobody took it up again meanwhile."""
    ours = model.objects.filter(pk=claim.pk, status=Status.SENDING, attempts=claim.attempts)
    return bool(_retrying(lambda: ours.update(**values)))


def delivery_record_sent(model: type[Delivery], claim: Claim, *, now: datetime.datetime) -> bool:
    """Record that the mail server took the e-mail; False when the row is no longer ours."""
    return _record(
        model,
        claim,
        status=Status.SENT,
        sent_at=now,
        lease_until=None,
        next_attempt_at=None,
        error="",
    )


def delivery_record_failure(
    model: type[Delivery],
    claim: Claim,
    *,
    error: str,
    now: datetime.datetime,
    final: bool = False,
) -> bool:
    """Record a failed attempt: retried after a backoff, or ``failed`` after the last one."""
    if final or claim.attempts >= MAX_ATTEMPTS:
        values: dict[str, Any] = {"status": Status.FAILED, "next_attempt_at": None}
    else:
        wait = BACKOFF[min(claim.attempts, len(BACKOFF)) - 1]
        values = {"status": Status.PENDING, "next_attempt_at": now + wait}
    return _record(model, claim, **values, lease_until=None, error=error[:2000])


def delivery_record_cancelled(model: type[Delivery], claim: Claim, *, reason: str) -> bool:
    """Record that the e-mail is no longer wanted (cancelled, moved, started, declined)."""
    return _record(
        model,
        claim,
        status=Status.CANCELLED,
        lease_until=None,
        next_attempt_at=None,
        error=reason,
    )


def delivery_release(model: type[Delivery], claim: Claim) -> bool:
    """Give an unsent claim back at once, its attempt not counted (the run ran out of time)."""
    return _record(
        model, claim, status=Status.PENDING, attempts=F("attempts") - 1, lease_until=None
    )


def deliveries_process(
    model: type[Delivery],
    *,
    load: Callable[[list[int]], dict[int, Any]],
    send: Callable[..., None],
    now: datetime.datetime | None = None,
    limit: int = CLAIM_BATCH,
    budget: float = SEND_BUDGET_SECONDS,
) -> Counter:
    """Claim, send and record due rows of ``model`` until none is left or the budget is spent.

    ``load`` reads the claimed rows with what their e-mails need; ``send(row, now=…)`` sends
    one, or raises Skip (cancelled) or Undeliverable (failed at once); any other exception
    is a failed attempt, retried after a backoff. Nothing here runs inside a transaction
    but the claim and the records, each a statement of its own.
    ``now`` fixes the clock (tests); by default each step reads the time.
    """
    clock = (lambda: now) if now is not None else django_timezone.now
    started = time.monotonic()
    counts: Counter = Counter()
    while time.monotonic() - started < budget:
        claims = deliveries_claim(model, now=clock(), limit=limit)
        if not claims:
            break
        try:
            rows = _retrying(partial(load, [claim.pk for claim in claims]))
        except Exception:
            for claim in claims:
                delivery_release(model, claim)
            raise
        for index, claim in enumerate(claims):
            if time.monotonic() - started >= budget:
                for rest in claims[index:]:
                    delivery_release(model, rest)
                counts["released"] += len(claims) - index
                return counts
            row = rows.get(claim.pk)
            if row is None:  # deleted since (an invitation withdrawn): nothing to record
                counts["gone"] += 1
                continue
            try:
                send(row, now=clock())
            except Skip as reason:
                recorded = delivery_record_cancelled(model, claim, reason=str(reason))
                outcome = "cancelled"
            except Undeliverable as reason:
                recorded = delivery_record_failure(
                    model, claim, error=str(reason), now=clock(), final=True
                )
                outcome = "failed"
            except SoftTimeLimitExceeded:
                # Killed mid-send: count the attempt, give the rest back, let the task end.
                delivery_record_failure(
                    model, claim, error=_("Sending took too long."), now=clock()
                )
                for rest in claims[index + 1 :]:
                    delivery_release(model, rest)
                raise
            except Exception as error:
                logger.warning(
                    "Sending %s %s failed (attempt %s)",
                    model.__name__,
                    claim.pk,
                    claim.attempts,
                    exc_info=True,
                )
                recorded = delivery_record_failure(
                    model, claim, error=f"{type(error).__name__}: {error}", now=clock()
                )
                outcome = "retry" if claim.attempts < MAX_ATTEMPTS else "failed"
            else:
                recorded = delivery_record_sent(model, claim, now=clock())
                outcome = "sent"
            if not recorded:
                # Our lease ran out and another run took the row: its record wins.
                logger.warning("%s %s was taken up by another run", model.__name__, claim.pk)
                outcome = "lost_lease"
            counts[outcome] += 1
        if len(claims) < limit:
            break
    return counts


# Scheduling: which rows exist --------------------------------------------------------------


def _cancellable(now: datetime.datetime) -> Q:
    """Rows not sent yet: pending, or claimed by a worker whose lease has passed."""
    return Q(status=Status.PENDING) | Q(status=Status.SENDING, lease_until__lt=now)


def _is_cancellable(row: dict, now: datetime.datetime) -> bool:
    return row["status"] == Status.PENDING or (
        row["status"] == Status.SENDING
        and row["lease_until"] is not None
        and row["lease_until"] < now
    )


def _offsets(consultation: Consultation) -> list[int]:
    return sorted(
        {
            hours
            for hours in consultation.reminder_offsets or []
            if isinstance(hours, int) and not isinstance(hours, bool) and hours > 0
        },
        reverse=True,
    )


def _reminders_reconcile(
    consultation: Consultation, invitations: list[Invitation], now: datetime.datetime
) -> None:
    """Make the reminder rows of ``invitations`` match the consultation as it is now.

    Wanted: one per offset still ahead, at the current sequence, for each invitee who has
    not declined. Unsent rows that are not wanted (an older sequence, an offset taken out
    of the list, a declined invitee) are cancelled; cancelled ones wanted again (the
    invitee changed their mind) come back; missing ones are created. Four queries at most.
    """
    if not invitations:
        return
    sequence = consultation.sequence
    due = {
        hours: consultation.starts_at - datetime.timedelta(hours=hours)
        for hours in _offsets(consultation)
    }
    ahead = {hours: at for hours, at in due.items() if at > now}
    if consultation.status != Consultation.Status.SCHEDULED:
        ahead = {}
    wanted = {
        (invitation.pk, hours)
        for invitation in invitations
        if invitation.rsvp != Invitation.Rsvp.DECLINED
        for hours in ahead
    }
    declined = {i.pk for i in invitations if i.rsvp == Invitation.Rsvp.DECLINED}
    existing = list(
        ReminderDelivery.objects.filter(
            invitation__in=[i.pk for i in invitations], kind=Kind.REMINDER
        ).values("id", "invitation_id", "offset", "sequence", "status", "lease_until")
    )
    cancel: dict[str, list[int]] = {}
    revive: list[int] = []
    have: set[tuple[int, int]] = set()
    for row in existing:
        key = (row["invitation_id"], row["offset"])
        if row["sequence"] == sequence:
            have.add(key)
        if key in wanted and row["sequence"] == sequence:
            if row["status"] == Status.CANCELLED:
                revive.append(row["id"])
        elif _is_cancellable(row, now):
            if row["sequence"] != sequence:
                reason = _("The consultation moved; a reminder for the new time replaces this.")
            elif row["invitation_id"] in declined:
                reason = _("The invitee declined.")
            elif consultation.status != Consultation.Status.SCHEDULED:
                reason = _("The consultation is no longer scheduled.")
            else:
                reason = _("This reminder is no longer in the consultation's list.")
            cancel.setdefault(reason, []).append(row["id"])
    for reason, ids in cancel.items():
        ReminderDelivery.objects.filter(pk__in=ids).filter(_cancellable(now)).update(
            status=Status.CANCELLED, lease_until=None, next_attempt_at=None, error=reason
        )
    if revive:
        ReminderDelivery.objects.filter(pk__in=revive, status=Status.CANCELLED).update(
            status=Status.PENDING, lease_until=None, next_attempt_at=None, error=""
        )
    ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(
                invitation_id=invitation_id,
                kind=Kind.REMINDER,
                offset=hours,
                sequence=sequence,
                due_at=ahead[hours],
            )
            for invitation_id, hours in sorted(wanted - have)
        ]
    )


def _reached(consultation: Consultation) -> list[Invitation]:
    """The invitations something was sent to (or is being sent to) about this consultation."""
    return list(
        consultation.invitations.filter(
            Exists(
                ReminderDelivery.objects.filter(
                    invitation=OuterRef("pk"), status__in=[Status.SENT, Status.SENDING]
                )
            )
        )
    )


def _deliveries_create(
    invitations: Iterable[Invitation], *, kind: str, sequence: int, now: datetime.datetime
) -> list[ReminderDelivery]:
    return ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(invitation=invitation, kind=kind, sequence=sequence, due_at=now)
            for invitation in invitations
        ]
    )


def invitation_deliveries_create(
    *, invitation: Invitation, now: datetime.datetime | None = None
) -> None:
    """A new invitee: the invitation e-mail now, and each reminder whose moment is ahead.

    Called inside the service's transaction, so the rows exist exactly when the invitation
    does.
    """
    now = now or django_timezone.now()
    consultation = invitation.consultation
    _deliveries_create([invitation], kind=Kind.INVITATION, sequence=consultation.sequence, now=now)
    _reminders_reconcile(consultation, [invitation], now)


def consultation_deliveries_move(
    *, consultation: Consultation, now: datetime.datetime | None = None
) -> None:
    """The consultation moved (its ``sequence`` went up): tell the invitees, reschedule.

    Whoever was already sent something gets an ``update`` (same UID, higher SEQUENCE);
    an invitation still waiting to go will carry the new details itself. Unsent reminders
    and updates of older sequences are cancelled; the new time's reminders still ahead
    are created.
    """
    now = now or django_timezone.now()
    sequence = consultation.sequence
    ReminderDelivery.objects.filter(
        invitation__consultation=consultation, kind=Kind.UPDATE, sequence__lt=sequence
    ).filter(_cancellable(now)).update(
        status=Status.CANCELLED,
        lease_until=None,
        next_attempt_at=None,
        error=_("The consultation moved again; a newer update replaces this."),
    )
    _deliveries_create(_reached(consultation), kind=Kind.UPDATE, sequence=sequence, now=now)
    _reminders_reconcile(consultation, list(consultation.invitations.all()), now)


def consultation_deliveries_reschedule(
    *, consultation: Consultation, now: datetime.datetime | None = None
) -> None:
    """The reminder list changed without a move: add the new offsets ahead, drop the others."""
    now = now or django_timezone.now()
    _reminders_reconcile(consultation, list(consultation.invitations.all()), now)


def consultation_deliveries_cancel(
    *, consultation: Consultation, now: datetime.datetime | None = None
) -> None:
    """The consultation is cancelled: nothing more goes out but a cancellation.

    Every unsent row is cancelled; whoever was sent something gets one ``cancellation``
    (METHOD:CANCEL, which removes the event from their calendar). Someone who never heard
    of the consultation hears nothing.
    """
    now = now or django_timezone.now()
    reached = _reached(consultation)
    ReminderDelivery.objects.filter(invitation__consultation=consultation).filter(
        _cancellable(now)
    ).update(
        status=Status.CANCELLED,
        lease_until=None,
        next_attempt_at=None,
        error=_("The consultation was cancelled."),
    )
    _deliveries_create(reached, kind=Kind.CANCELLATION, sequence=consultation.sequence, now=now)


def invitation_reminders_update(
    *, invitation: Invitation, now: datetime.datetime | None = None
) -> None:
    """The invitee answered: no more reminders after a decline; back again after a change."""
    now = now or django_timezone.now()
    _reminders_reconcile(invitation.consultation, [invitation], now)


def invitation_delivery_resend(
    *, invitation: Invitation, now: datetime.datetime | None = None
) -> ReminderDelivery:
    """Staff asked for the invitation again: one ``resend`` row, due now."""
    now = now or django_timezone.now()
    (delivery,) = _deliveries_create(
        [invitation], kind=Kind.RESEND, sequence=invitation.consultation.sequence, now=now
    )
    return delivery


# Sending -------------------------------------------------------------------------------


def rsvp_url(invitation: Invitation) -> str:
    """The link that answers without signing in (it opens a page; only its form answers)."""
    if not settings.SITE_URL:
        return ""
    path = reverse("stakeholders:rsvp", kwargs={"token": invitation.token})
    return settings.SITE_URL.rstrip("/") + path


def _lead(left: datetime.timedelta) -> str:
    """How long until the start, as a person says it: in days from two days, or whole days,
    else in hours (from the clock, so a reminder that went late still tells the truth)."""
    hours = max(1, round(left.total_seconds() / 3600))
    if hours >= 48 or hours % 24 == 0:
        days = round(hours / 24)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


SUBJECTS = {
    Kind.INVITATION: gettext_lazy("Invitation: %(title)s, %(when)s"),
    Kind.RESEND: gettext_lazy("Invitation: %(title)s, %(when)s"),
    Kind.REMINDER: gettext_lazy("Reminder: %(title)s, %(when)s"),
    Kind.UPDATE: gettext_lazy("Changed: %(title)s, now %(when)s"),
    Kind.CANCELLATION: gettext_lazy("Cancelled: %(title)s, %(when)s"),
}


def reminder_message(
    delivery: ReminderDelivery, *, now: datetime.datetime | None = None
) -> EmailMultiAlternatives:
    """The e-mail of one delivery, in the contact's language, times in the consultation's zone.

    Text and HTML bodies, and the .ics (METHOD:CANCEL for a cancellation) attached as
    ``text/calendar`` with its method, as calendar programs expect.
    """
    invitation = delivery.invitation
    consultation = invitation.consultation
    contact = invitation.contact
    cancel = delivery.kind == Kind.CANCELLATION
    link = "" if cancel else rsvp_url(invitation)
    if not link and not cancel:
        logger.warning("SITE_URL is not set: e-mails go out without their RSVP link.")
    zone = ZoneInfo(consultation.timezone)
    language = contact.language or settings.LANGUAGE_CODE
    with translation.override(language), django_timezone.override(zone):
        starts = django_timezone.localtime(consultation.starts_at)
        ends = django_timezone.localtime(consultation.ends_at)
        when = formats.date_format(starts, "DATE_FORMAT") + ", " + formats.time_format(starts)
        context = {
            "delivery": delivery,
            "kind": delivery.kind,
            "invitation": invitation,
            "consultation": consultation,
            "mission": consultation.mission,
            "contact": contact,
            "starts": starts,
            "ends": ends,
            "same_day": starts.date() == ends.date(),
            "zone": consultation.timezone,
            "utc_offset": starts.strftime("%z")[:3] + ":" + starts.strftime("%z")[3:],
            "lead": _lead(consultation.starts_at - (now or django_timezone.now())),
            "rsvp_url": link,
            "rsvp": invitation.get_rsvp_display(),
            "answered": invitation.rsvp != Invitation.Rsvp.PENDING,
        }
        subject = str(SUBJECTS[delivery.kind]) % {"title": consultation.title, "when": when}
        text = render_to_string("stakeholders/email/consultation_message.txt", context)
        html = render_to_string("stakeholders/email/consultation_message.html", context)
        calendar = consultation_ics(
            consultation=consultation, invitation=invitation, cancel=cancel, rsvp_url=link, now=now
        )
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[formataddr((contact.name, contact.email))],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    part = MIMEText(calendar.decode(), "calendar", "utf-8")
    part.set_param("method", "CANCEL" if cancel else "REQUEST")
    part.add_header(
        "Content-Disposition", "attachment", filename="cancel.ics" if cancel else "invite.ics"
    )
    message.attach(part)
    return message


def _ensure_wanted(delivery: ReminderDelivery, now: datetime.datetime) -> None:
    """Raise Skip or Undeliverable when this e-mail must not go out as things are now.

    Rows are rewritten when a consultation moves or is cancelled; these checks cover a
    change that committed after the row was claimed.
    """
    invitation = delivery.invitation
    consultation = invitation.consultation
    contact = invitation.contact
    kind = delivery.kind
    if kind != Kind.CANCELLATION:
        if consultation.status == Consultation.Status.CANCELLED:
            raise Skip(_("The consultation was cancelled."))
        if consultation.status == Consultation.Status.HELD or consultation.starts_at <= now:
            raise Skip(_("The consultation had already started."))
    if kind in (Kind.REMINDER, Kind.UPDATE) and delivery.sequence != consultation.sequence:
        raise Skip(_("The consultation moved; a newer e-mail replaces this."))
    if kind == Kind.REMINDER and invitation.rsvp == Invitation.Rsvp.DECLINED:
        raise Skip(_("The invitee declined."))
    if kind == Kind.REMINDER and any(
        hours < (delivery.offset or 0)
        and consultation.starts_at - datetime.timedelta(hours=hours) <= now
        for hours in _offsets(consultation)
    ):
        # Sent late (no worker for a while): a later reminder is due too, and says it better.
        raise Skip(_("A later reminder was due by the time this one could go."))
    if contact.is_retired:
        raise Skip(_("The contact is retired."))
    if not contact.email:
        raise Undeliverable(
            _("The contact has no e-mail address: add one to the contact, then resend.")
        )


def reminder_delivery_send(delivery: ReminderDelivery, *, now: datetime.datetime) -> None:
    """Send one delivery's e-mail, unless it is no longer wanted."""
    _ensure_wanted(delivery, now)
    reminder_message(delivery, now=now).send()


def _reminders_load(ids: list[int]) -> dict[int, ReminderDelivery]:
    return ReminderDelivery.objects.select_related(
        "invitation__consultation__mission", "invitation__contact"
    ).in_bulk(ids)


def reminders_send_due(
    *, now: datetime.datetime | None = None, limit: int = CLAIM_BATCH
) -> dict[str, int]:
    """Send every consultation e-mail that is due (the beat's run, every minute).

    Idempotent: what one run claims another does not, and a row is only marked by the
    run that holds it; an extra run finds nothing to do. Each run notes its tick, which
    /healthz reads to tell that the beat and a worker are alive.
    """
    beat_tick_record()
    counts = deliveries_process(
        ReminderDelivery,
        load=_reminders_load,
        send=reminder_delivery_send,
        now=now,
        limit=limit,
    )
    return dict(counts)


# Health --------------------------------------------------------------------------------


def beat_tick_record(*, now: datetime.datetime | None = None) -> None:
    """Note that the beat's every-minute task ran (read by /healthz)."""
    cache.set(BEAT_TICK_KEY, (now or django_timezone.now()).timestamp(), timeout=None)


def beat_tick_age(*, now: datetime.datetime | None = None) -> float | None:
    """Seconds since the beat's task last ran; None when it never did (or the cache forgot)."""
    last = cache.get(BEAT_TICK_KEY)
    if last is None:
        return None
    return (now or django_timezone.now()).timestamp() - float(last)

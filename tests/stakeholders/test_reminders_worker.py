"""The jobs through a real Celery worker on the configured broker.

The worker runs in threads of this process, sharing the test database; the broker is the
real one: kombu's filesystem transport on the embedded default, Redis in the PostgreSQL
pass (REDIS_URL). E-mails go to Django's locmem backend.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from icalendar import Calendar

from assessments.models import ReadinessSnapshot
from assessments.overdue import overdue_notices_create
from assessments.services import assessment_create, assessment_submit
from assessments.tasks import (
    find_overdue_assessments,
    recompute_all_readiness,
    send_overdue_notices,
)
from exitplan.celery import app
from missions.services import benchmark_create, mission_create, objective_create, record_update
from stakeholders.models import Delivery, OverdueNotice, ReminderDelivery
from stakeholders.reminders import BEAT_TICK_KEY, deliveries_claim, reminders_send_due
from stakeholders.services import (
    consultation_cancel,
    consultation_create,
    consultation_update,
    contact_create,
    invitation_create,
    stakeholder_create,
)
from stakeholders.tasks import send_due_reminders

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

Status = Delivery.Status
Kind = ReminderDelivery.Kind
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://exitplan.example.org"
    cache.clear()


@pytest.fixture(scope="module")
def module_worker():
    """Two worker threads, so two tasks run at once as on two workers; one per module."""
    # Messages that other tests enqueued without a worker name rows of their own: drop them.
    app.control.purge()
    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20
    ) as running:
        yield running


@pytest.fixture
def worker(module_worker, transactional_db):
    return module_worker


def wait_for(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OperationalError:
            # SQLite's shared in-memory test database locks whole tables while a worker
            # thread writes; a file database (WAL) or PostgreSQL would just wait.
            pass
        time.sleep(0.1)
    return False


def slow_sends(monkeypatch, seconds=0.05):
    """Each e-mail takes a while, as with a real mail server; who sent it is noted."""
    senders: list[str] = []
    send = EmailBackend.send_messages

    def slow(self, messages):
        time.sleep(seconds)
        senders.append(threading.current_thread().name)
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow)
    return senders


@pytest.fixture
def workshop(admin, mission):
    start = timezone.now().replace(second=0, microsecond=0) + 30 * 24 * HOUR
    return consultation_create(
        actor=admin,
        mission=mission,
        kind="workshop",
        title="Handover of police stations",
        starts_at=start,
        ends_at=start + 2 * HOUR,
        timezone="Asia/Beirut",
        location="Goma",
    )


def invite(admin, mission, consultation, count):
    ngo = stakeholder_create(actor=admin, mission=mission, name="Women's NGO", kind="ngo")
    for i in range(count):
        contact = contact_create(
            actor=admin, stakeholder=ngo, name=f"Contact {i}", email=f"c{i}@ngo.org"
        )
        invitation_create(actor=admin, consultation=consultation, contact=contact)


def invitations_sent(kind=Kind.INVITATION):
    return ReminderDelivery.objects.filter(kind=kind, status=Status.SENT).count()


def calendar_of(message):
    (part,) = message.attachments
    return Calendar.from_ical(part.get_payload(decode=True)).events[0]


# Reminders ------------------------------------------------------------------------------------


def test_each_email_goes_out_once_when_two_runs_go_at_once(
    worker, admin, mission, workshop, monkeypatch
):
    invite(admin, mission, workshop, 30)
    senders = slow_sends(monkeypatch, seconds=0.1)

    send_due_reminders.delay()
    send_due_reminders.delay()

    assert wait_for(lambda: invitations_sent() == 30)
    time.sleep(0.5)  # anything sent twice would show now
    addresses = sorted(m.to[0] for m in mail.outbox)
    assert addresses == sorted(f"Contact {i} <c{i}@ngo.org>" for i in range(30))
    assert set(
        ReminderDelivery.objects.filter(kind=Kind.INVITATION).values_list("attempts", flat=True)
    ) == {1}
    assert len(set(senders)) == 2  # both runs sent some


def test_each_email_goes_out_once_when_two_threads_send_at_once(
    transactional_db, admin, mission, workshop, monkeypatch
):
    invite(admin, mission, workshop, 30)
    slow_sends(monkeypatch, seconds=0.01)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(reminders_send_due())
        except Exception as error:  # pragma: no cover (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.get("sent", 0) for r in results) == 30
    assert len(mail.outbox) == 30
    assert invitations_sent() == 30


def test_a_failed_send_is_retried_by_a_later_run(worker, admin, mission, workshop, monkeypatch):
    invite(admin, mission, workshop, 1)
    refusals = []
    send = EmailBackend.send_messages

    def refuse_once(self, messages):
        if not refusals:
            refusals.append(messages)
            raise ConnectionRefusedError("mail server down")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_once)
    send_due_reminders.delay()
    row = ReminderDelivery.objects.filter(kind=Kind.INVITATION)
    assert wait_for(lambda: row.filter(status=Status.PENDING, attempts=1).exists())
    failed = row.get()
    assert failed.error == "ConnectionRefusedError: mail server down"
    assert failed.next_attempt_at > timezone.now()
    # A minute later, the next tick:
    row.update(next_attempt_at=timezone.now())

    send_due_reminders.delay()

    assert wait_for(lambda: row.filter(status=Status.SENT).exists())
    assert (row.get().attempts, len(mail.outbox)) == (2, 1)


def test_a_row_a_killed_worker_left_sending_is_taken_up_when_its_lease_ends(
    worker, admin, mission, workshop
):
    invite(admin, mission, workshop, 1)
    row = ReminderDelivery.objects.filter(kind=Kind.INVITATION)
    # A worker claims the row, then dies before sending: the row stays `sending`.
    (claim,) = deliveries_claim(ReminderDelivery, now=timezone.now(), limit=1)
    cache.delete(BEAT_TICK_KEY)
    send_due_reminders.delay()
    assert wait_for(lambda: cache.get(BEAT_TICK_KEY) is not None)  # the run has begun
    time.sleep(0.5)
    assert (row.get().status, mail.outbox) == (Status.SENDING, [])
    # Its lease runs out:
    row.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))

    send_due_reminders.delay()

    assert wait_for(lambda: row.filter(status=Status.SENT).exists())
    assert (claim.attempts, row.get().attempts, len(mail.outbox)) == (1, 2, 1)


def test_a_moved_consultation_sends_an_update_with_the_same_uid(worker, admin, mission, workshop):
    invite(admin, mission, workshop, 1)
    send_due_reminders.delay()
    assert wait_for(lambda: invitations_sent() == 1)
    later = workshop.starts_at + 24 * HOUR

    consultation_update(
        actor=admin,
        consultation=workshop,
        data={"starts_at": later, "ends_at": later + 2 * HOUR},
    )
    send_due_reminders.delay()

    assert wait_for(lambda: invitations_sent(Kind.UPDATE) == 1)
    invitation, update = mail.outbox
    before, after = calendar_of(invitation), calendar_of(update)
    assert after["UID"] == before["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.start == later
    pending = ReminderDelivery.objects.filter(kind=Kind.REMINDER, status=Status.PENDING)
    assert sorted(pending.values_list("sequence", "offset")) == [(1, 24), (1, 168)]


def test_a_cancelled_consultation_sends_a_cancellation_and_nothing_more(
    worker, admin, mission, workshop
):
    invite(admin, mission, workshop, 1)
    send_due_reminders.delay()
    assert wait_for(lambda: invitations_sent() == 1)

    consultation_cancel(actor=admin, consultation=workshop)
    send_due_reminders.delay()

    assert wait_for(lambda: invitations_sent(Kind.CANCELLATION) == 1)
    _invitation, cancellation = mail.outbox
    assert "METHOD:CANCEL" in cancellation.attachments[0].get_payload(decode=True).decode()
    assert not ReminderDelivery.objects.filter(status=Status.PENDING).exists()


# Readiness and overdue assessments --------------------------------------------------------------


def test_a_burst_of_500_edits_costs_a_handful_of_recomputes(worker, admin, mission):
    objective = objective_create(
        actor=admin, mission=mission, category="security", title="Security", weight=Decimal(1)
    )
    benchmark = benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-dialogue",
        title="Dialogue",
        kind="rating",
        frequency_days=90,
    )
    started = timezone.now()

    for i in range(500):
        benchmark = record_update(
            actor=admin, instance=benchmark, data={"weight": Decimal(1 + i % 7)}
        )
    finished = timezone.now()

    snapshots = ReadinessSnapshot.objects.filter(mission=mission)
    assert wait_for(lambda: snapshots.filter(computed_at__gt=finished).exists())
    time.sleep(1)
    runs = snapshots.filter(computed_at__gt=started).count()
    assert 1 <= runs <= 5, f"{runs} recomputes for 500 edits"


def test_the_nightly_run_recomputes_every_mission_not_closed(worker, admin, mission):
    other = mission_create(
        actor=admin,
        code="minusma",
        name="MINUSMA",
        country="ML",
        timezone="Africa/Bamako",
        mandate_start="2013-07-01",
        status="drawdown",
    )
    closed = mission_create(
        actor=admin,
        code="unmil",
        name="UNMIL",
        country="LR",
        timezone="Africa/Monrovia",
        mandate_start="2003-09-19",
    )
    record_update(actor=admin, instance=closed, data={"status": "closed"})
    ReadinessSnapshot.objects.all().delete()

    recompute_all_readiness.delay()

    assert wait_for(lambda: ReadinessSnapshot.objects.count() >= 2)
    time.sleep(0.5)
    assert sorted(ReadinessSnapshot.objects.values_list("mission__code", flat=True)) == sorted(
        [mission.code, other.code]
    )


def test_an_overdue_benchmark_is_signalled_once_through_the_daily_run(
    worker, admin, mission, staff
):
    objective = objective_create(
        actor=admin, mission=mission, category="security", title="Security", weight=Decimal(1)
    )
    benchmark = benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-dialogue",
        title="Dialogue",
        kind="rating",
        frequency_days=30,
        responsible=staff,
    )
    old = timezone.localdate() - datetime.timedelta(days=45)
    assessment_submit(
        assessment=assessment_create(
            actor=admin,
            mission=mission,
            as_of=old,
            kind="security",
            method="survey",
            scores=[{"benchmark": benchmark.code, "rating": 2}],
        ),
        actor=admin,
    )

    find_overdue_assessments.delay()
    find_overdue_assessments.delay()
    assert wait_for(lambda: OverdueNotice.objects.exists())
    send_overdue_notices.delay()
    send_overdue_notices.delay()

    assert wait_for(lambda: OverdueNotice.objects.filter(status=Status.SENT).exists())
    time.sleep(0.5)
    assert OverdueNotice.objects.count() == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert overdue_notices_create() == 0


# PostgreSQL: a claim skips what another transaction holds ------------------------------------


@pytest.mark.postgres
def test_a_claim_skips_rows_another_transaction_has_locked_instead_of_waiting(
    admin, mission, workshop
):
    invite(admin, mission, workshop, 4)
    rows = list(ReminderDelivery.objects.filter(kind=Kind.INVITATION).order_by("id"))
    locked, released = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(
                ReminderDelivery.objects.select_for_update().filter(pk__in=[r.pk for r in rows[:2]])
            )
            locked.set()
            released.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(10)
    try:
        started = time.monotonic()
        claimed = deliveries_claim(ReminderDelivery, now=timezone.now())
        waited = time.monotonic() - started
    finally:
        released.set()
        holder.join()

    assert [c.pk for c in claimed] == [r.pk for r in rows[2:]]
    assert waited < 1

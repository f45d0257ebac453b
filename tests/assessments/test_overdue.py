"""Overdue assessments: one notice per benchmark per period, to whoever must assess it."""

import datetime
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from assessments.overdue import (
    overdue_notices_create,
    overdue_notices_send_due,
    overdue_period_start,
)
from assessments.services import assessment_create, assessment_submit
from missions.services import (
    benchmark_create,
    mission_create,
    objective_create,
    plan_item_retire,
    record_update,
)
from stakeholders.models import Delivery, OverdueNotice
from stakeholders.reminders import BACKOFF

Status = Delivery.Status
D = datetime.date


def at(day: datetime.date, hour: int = 6) -> datetime.datetime:
    """A moment on ``day``: 06:00 UTC is 07:00 in Kinshasa, the mission's zone."""
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://exitplan.example.org"


@pytest.fixture
def objective(admin, mission):
    return objective_create(
        actor=admin, mission=mission, category="security", title="Security", weight=Decimal(1)
    )


def benchmark(admin, objective, code="bm-incidents", **fields):
    values = {
        "title": "Incidents",
        "kind": "quantitative",
        "baseline": Decimal(100),
        "target": Decimal(20),
        "frequency_days": 30,
        **fields,
    }
    return benchmark_create(actor=admin, objective=objective, code=code, **values)


@pytest.fixture
def incidents(admin, objective):
    return benchmark(admin, objective)


def score(actor, mission, benchmark, as_of, value="50"):
    round_ = assessment_create(
        actor=actor,
        mission=mission,
        as_of=as_of,
        kind="security",
        method="dataset",
        scores=[{"benchmark": benchmark.code, "value": value}],
    )
    return assessment_submit(assessment=round_, actor=actor)


def notices():
    return list(
        OverdueNotice.objects.order_by("benchmark_id", "period_start").values_list(
            "benchmark__code", "period_start", "status"
        )
    )


# The periods, worked through -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2025, 1, 31), None),  # 30 days: due today, not overdue yet
        (D(2025, 2, 1), D(2025, 1, 31)),  # 31 days: overdue since the 31st of January
        (D(2025, 3, 2), D(2025, 1, 31)),  # 60 days: still the first period
        (D(2025, 3, 3), D(2025, 3, 2)),  # 61 days: the second period began the day before
    ],
)
def test_a_period_begins_when_the_next_assessment_falls_due(today, expected):
    assert overdue_period_start(last=D(2025, 1, 1), frequency_days=30, today=today) == expected


# Writing notices -------------------------------------------------------------------------------


def test_a_benchmark_whose_latest_score_is_older_than_its_frequency_gets_a_notice(
    admin, mission, incidents
):
    score(admin, mission, incidents, D(2025, 1, 1))

    created = overdue_notices_create(now=at(D(2025, 2, 1)))

    assert created == 1
    assert notices() == [("bm-incidents", D(2025, 1, 31), Status.PENDING)]


def test_a_benchmark_is_signalled_once_per_period(admin, mission, incidents):
    score(admin, mission, incidents, D(2025, 1, 1))

    runs = [
        overdue_notices_create(now=at(day))
        for day in (D(2025, 2, 1), D(2025, 2, 1), D(2025, 2, 20), D(2025, 3, 3), D(2025, 3, 4))
    ]

    assert runs == [1, 0, 0, 1, 0]
    assert [period for _code, period, _status in notices()] == [D(2025, 1, 31), D(2025, 3, 2)]


def test_a_recent_score_or_a_draft_decides_as_counted_scores_do(admin, mission, objective):
    fresh = benchmark(admin, objective, code="bm-fresh")
    drafted = benchmark(admin, objective, code="bm-drafted")
    score(admin, mission, fresh, D(2025, 1, 20))
    score(admin, mission, drafted, D(2025, 1, 1))
    assessment_create(
        actor=admin,
        mission=mission,
        as_of=D(2025, 1, 25),
        kind="security",
        method="dataset",
        scores=[{"benchmark": "bm-drafted", "value": "40"}],
    )

    overdue_notices_create(now=at(D(2025, 2, 5)))

    assert [code for code, _period, _status in notices()] == ["bm-drafted"]


def test_a_benchmark_never_assessed_is_overdue_a_frequency_after_it_was_made(incidents):
    made = timezone.localdate(incidents.created_at, timezone=datetime.UTC)

    before = overdue_notices_create(now=at(made + datetime.timedelta(days=30), hour=12))
    after = overdue_notices_create(now=at(made + datetime.timedelta(days=31), hour=12))

    assert (before, after) == (0, 1)
    assert notices() == [("bm-incidents", made + datetime.timedelta(days=30), Status.PENDING)]


def test_retired_benchmarks_and_closed_missions_are_left_alone(
    admin, mission, objective, site_admin
):
    retired = benchmark(admin, objective, code="bm-retired")
    score(admin, mission, retired, D(2025, 1, 1))
    plan_item_retire(actor=admin, instance=retired)
    closed = mission_create(
        actor=site_admin,
        code="closed",
        name="Closed",
        country="ML",
        timezone="UTC",
        mandate_start="2013-07-01",
        status="active",
    )
    old = benchmark(
        site_admin,
        objective_create(actor=site_admin, mission=closed, category="security", title="S"),
        code="bm-closed",
    )
    score(site_admin, closed, old, D(2025, 1, 1))
    record_update(actor=site_admin, instance=closed, data={"status": "closed"})

    created = overdue_notices_create(now=at(D(2025, 6, 1)))

    assert created == 0


# Sending notices -------------------------------------------------------------------------------


def test_the_responsible_person_is_told_in_their_language(admin, mission, objective, staff):
    staff.language = "fr"
    staff.save(update_fields=["language"])
    owned = benchmark(admin, objective, responsible=staff)
    score(admin, mission, owned, D(2025, 1, 1))
    overdue_notices_create(now=at(D(2025, 2, 1)))

    counts = overdue_notices_send_due(now=at(D(2025, 2, 1), hour=7))

    assert counts == {"sent": 1}
    (message,) = mail.outbox
    assert message.to == [staff.email]
    assert message.subject == "Évaluation en retard : bm-incidents, Incidents"
    assert "1 janvier 2025" in message.body
    assert "31 janvier 2025" in message.body
    assert f"https://exitplan.example.org/missions/{mission.code}/benchmarks/{owned.pk}/" in (
        message.body
    )
    assert notices() == [("bm-incidents", D(2025, 1, 31), Status.SENT)]


def test_without_a_responsible_person_the_missions_admins_and_staff_are_told(
    admin, mission, incidents, staff, liaison, observer
):
    score(admin, mission, incidents, D(2025, 1, 1))
    overdue_notices_create(now=at(D(2025, 2, 1)))

    overdue_notices_send_due(now=at(D(2025, 2, 1), hour=7))

    assert sorted(m.to[0] for m in mail.outbox) == sorted([admin.email, staff.email])


def test_a_notice_for_a_benchmark_assessed_since_is_not_sent(admin, mission, incidents):
    score(admin, mission, incidents, D(2025, 1, 1))
    overdue_notices_create(now=at(D(2025, 2, 1)))
    score(admin, mission, incidents, D(2025, 2, 1))

    counts = overdue_notices_send_due(now=at(D(2025, 2, 1), hour=7))

    assert counts == {"cancelled": 1}
    assert mail.outbox == []


def test_a_notice_that_fails_is_retried_like_a_reminder(admin, mission, incidents, monkeypatch):
    score(admin, mission, incidents, D(2025, 1, 1))
    overdue_notices_create(now=at(D(2025, 2, 1)))
    now = at(D(2025, 2, 1), hour=7)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", refuse)
        failed = overdue_notices_send_due(now=now)
    retried = overdue_notices_send_due(now=now + BACKOFF[0])
    again = overdue_notices_send_due(now=now + datetime.timedelta(hours=1))

    assert (failed, retried, again) == ({"retry": 1}, {"sent": 1}, {})
    notice = OverdueNotice.objects.get()
    assert (notice.status, notice.attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1

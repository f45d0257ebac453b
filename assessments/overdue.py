"""Overdue assessments: once per benchmark per period, tell whoever must assess it.

A benchmark is overdue when its latest counted score is older than its frequency (or it
has none and was created longer ago than that). Its periods start at the date it fell due
and every ``frequency_days`` after, so a benchmark left unassessed is signalled again
each period, never twice in one. The daily run writes one OverdueNotice per (benchmark,
period) — unique in the database — and the notices go out through the same claim, send
and record cycle as consultation reminders (stakeholders.reminders).
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from missions.models import Benchmark, Membership, Mission, Role
from stakeholders.models import OverdueNotice
from stakeholders.reminders import Skip, Undeliverable, deliveries_process

from .models import Assessment, Score
from .selectors import latest_counted_scores

SUBJECT = gettext_lazy("Assessment overdue: %(code)s, %(title)s")


def overdue_period_start(
    *, last: datetime.date, frequency_days: int, today: datetime.date
) -> datetime.date | None:
    """The day the current overdue period began, or None when the benchmark is not overdue.

    Overdue: more than ``frequency_days`` since ``last``. The first period begins the day
    the next assessment fell due (``last + frequency``); each later one a frequency after.
    """
    days = (today - last).days
    if days <= frequency_days:
        return None
    periods = (days - 1) // frequency_days
    return last + datetime.timedelta(days=periods * frequency_days)


def _today(mission: Mission, now: datetime.datetime) -> datetime.date:
    return now.astimezone(ZoneInfo(mission.timezone)).date()


def _benchmark_start(benchmark: Benchmark | dict, mission: Mission) -> datetime.date:
    created = benchmark["created_at"] if isinstance(benchmark, dict) else benchmark.created_at
    return created.astimezone(ZoneInfo(mission.timezone)).date()


def overdue_notices_create(*, now: datetime.datetime | None = None) -> int:
    """Write a notice for each overdue benchmark of every open mission (the daily run).

    Two queries per mission; a notice that exists already for the period is left alone
    (the unique constraint settles a race with another run). Returns how many are new.
    """
    now = now or timezone.now()
    candidates: list[OverdueNotice] = []
    for mission in Mission.objects.open().order_by("id"):
        today = _today(mission, now)
        latest = {
            row["benchmark_id"]: row["assessment__as_of"]
            for row in latest_counted_scores(mission, today)
        }
        benchmarks = Benchmark.objects.filter(
            mission=mission, is_retired=False, objective__is_retired=False
        ).values("id", "frequency_days", "created_at")
        for benchmark in benchmarks:
            last = latest.get(benchmark["id"]) or _benchmark_start(benchmark, mission)
            start = overdue_period_start(
                last=last, frequency_days=benchmark["frequency_days"], today=today
            )
            if start is not None:
                candidates.append(
                    OverdueNotice(benchmark_id=benchmark["id"], period_start=start, due_at=now)
                )
    if not candidates:
        return 0
    existing = set(
        OverdueNotice.objects.filter(
            benchmark_id__in={c.benchmark_id for c in candidates},
            period_start__in={c.period_start for c in candidates},
        ).values_list("benchmark_id", "period_start")
    )
    new = [c for c in candidates if (c.benchmark_id, c.period_start) not in existing]
    OverdueNotice.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _latest_as_of(benchmark: Benchmark, today: datetime.date) -> datetime.date | None:
    return (
        Score.objects.filter(
            benchmark=benchmark,
            assessment__status__in=Assessment.COUNTED,
            assessment__as_of__lte=today,
        )
        .order_by("-assessment__as_of")
        .values_list("assessment__as_of", flat=True)
        .first()
    )


def overdue_recipients(benchmark: Benchmark) -> list:
    """Who is told: the benchmark's ``responsible``, else the mission's admins and staff."""
    responsible = benchmark.responsible
    if responsible is not None and responsible.is_active and responsible.email:
        return [responsible]
    return [
        membership.user
        for membership in Membership.objects.filter(
            mission_id=benchmark.mission_id,
            role__in=[Role.ADMIN, Role.STAFF],
            user__is_active=True,
        )
        .exclude(Q(user__email="") | Q(user__email__isnull=True))
        .select_related("user")
        .order_by("user_id")
    ]


def overdue_messages(
    notice: OverdueNotice, *, last: datetime.date | None, recipients: list
) -> list[EmailMultiAlternatives]:
    """One e-mail per recipient, each in their own language."""
    benchmark = notice.benchmark
    mission = benchmark.mission
    link = ""
    if settings.SITE_URL:
        path = reverse("missions:benchmark", kwargs={"code": mission.code, "pk": benchmark.pk})
        link = settings.SITE_URL.rstrip("/") + path
    messages = []
    for user in recipients:
        context = {
            "user": user,
            "benchmark": benchmark,
            "mission": mission,
            "last": last,
            "period_start": notice.period_start,
            "frequency_days": benchmark.frequency_days,
            "link": link,
        }
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = str(SUBJECT) % {"code": benchmark.code, "title": benchmark.title}
            text = render_to_string("stakeholders/email/overdue_message.txt", context)
            html = render_to_string("stakeholders/email/overdue_message.html", context)
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=text,
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def overdue_notice_send(notice: OverdueNotice, *, now: datetime.datetime) -> None:
    """Send one notice, unless the benchmark was assessed (or retired) since it was written."""
    benchmark = notice.benchmark
    mission = benchmark.mission
    if mission.is_closed:
        raise Skip(_("The mission is closed."))
    if benchmark.is_retired or benchmark.objective.is_retired:
        raise Skip(_("The benchmark was retired."))
    today = _today(mission, now)
    last = _latest_as_of(benchmark, today)
    start = overdue_period_start(
        last=last or _benchmark_start(benchmark, mission),
        frequency_days=benchmark.frequency_days,
        today=today,
    )
    if start != notice.period_start:
        raise Skip(_("The benchmark was assessed since, or its period is over."))
    recipients = overdue_recipients(benchmark)
    if not recipients:
        raise Undeliverable(
            _("Nobody to tell: give the benchmark a responsible person, or the mission staff.")
        )
    messages = overdue_messages(notice, last=last, recipients=recipients)
    with get_connection() as mail:
        mail.send_messages(messages)


def _notices_load(ids: list[int]) -> dict[int, OverdueNotice]:
    return OverdueNotice.objects.select_related(
        "benchmark__mission", "benchmark__objective", "benchmark__responsible"
    ).in_bulk(ids)


def overdue_notices_send_due(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the overdue notices that are due, retrying failures like reminders (idempotent)."""
    return dict(
        deliveries_process(OverdueNotice, load=_notices_load, send=overdue_notice_send, now=now)
    )

"""Background work for assessments: ids in, one service call.

Every task has bounded retries with short backoffs (a few seconds at most: Redis would
redeliver a long countdown after its visibility timeout) and soft and hard time limits.
"""

from celery import shared_task
from django.db import DatabaseError

from missions.models import Mission

from . import overdue, services

# Retry what a busy or restarting database makes fail, a few times within seconds.
RETRY = {
    "autoretry_for": (DatabaseError,),
    "max_retries": 3,
    "retry_backoff": 2,
    "retry_backoff_max": 8,
    "retry_jitter": True,
}


@shared_task(
    ignore_result=True,
    # Idempotent: a second run stores one more snapshot of the same figures.
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    **RETRY,
)
def recompute_readiness(mission_id: int) -> None:
    """Store a fresh readiness snapshot for one mission (coalesced by readiness_changed)."""
    mission = Mission.objects.filter(pk=mission_id).first()
    if mission is not None:
        services.readiness_snapshot_create(mission=mission)


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=1800, time_limit=1900, **RETRY)
def recompute_all_readiness() -> None:
    """The nightly run: every mission that is not closed (idempotent, like the above)."""
    services.readiness_recompute_all()


@shared_task(
    ignore_result=True,
    # Idempotent: one notice per (benchmark, period), unique in the database.
    acks_late=True,
    soft_time_limit=600,
    time_limit=660,
    **RETRY,
)
def find_overdue_assessments() -> None:
    """The daily run: write a notice for each benchmark whose assessment is overdue."""
    overdue.overdue_notices_create()


@shared_task(
    ignore_result=True,
    # Idempotent: the same claim and record cycle as send_due_reminders.
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    **RETRY,
)
def send_overdue_notices() -> None:
    """Send the overdue notices that are due (and retry the ones that failed)."""
    overdue.overdue_notices_send_due()

"""Background work for assessments: ids in, one service call."""

from celery import shared_task

from missions.models import Mission

from . import services


@shared_task(ignore_result=True)
def recompute_readiness(mission_id: int) -> None:
    """Store a fresh readiness snapshot for one mission (coalesced by readiness_changed)."""
    mission = Mission.objects.filter(pk=mission_id).first()
    if mission is not None:
        services.readiness_snapshot_create(mission=mission)


@shared_task(ignore_result=True)
def recompute_all_readiness() -> None:
    """The nightly run: every mission that is not closed."""
    services.readiness_recompute_all()

"""recompute_readiness through a real Celery worker on the configured broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from assessments.models import ReadinessSnapshot
from assessments.services import readiness_changed
from exitplan.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    # The worker runs in a thread of this process, sharing the test database; the broker is
    # the real one (the filesystem transport, or Redis when REDIS_URL is set). Messages that
    # other tests enqueued without a worker would name rows of their own: drop them first.
    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10) as w:
        yield w


def wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_change_is_recomputed_by_the_worker(worker, mission):
    cache.clear()
    readiness_changed(mission.pk)
    assert wait_for(lambda: ReadinessSnapshot.objects.filter(mission=mission).exists())
    snapshot = ReadinessSnapshot.objects.filter(mission=mission).latest("computed_at")
    assert snapshot.figures["mission"] == mission.code
    assert snapshot.figures["flags"] == ["no_objectives"]

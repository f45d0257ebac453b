"""/healthz: the database, the broker and the beat, for a load balancer or a monitor."""

import datetime
import socket

import pytest
from django.core.cache import cache
from django.utils import timezone

from stakeholders.reminders import BEAT_TICK_KEY, beat_tick_record, reminders_send_due

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(BEAT_TICK_KEY)
    yield
    cache.delete(BEAT_TICK_KEY)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_it_answers_200_when_everything_is_fine(client):
    beat_tick_record()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "beat": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_every_minute_task_is_what_keeps_the_beat_healthy(client):
    reminders_send_due()

    response = client.get("/healthz")

    assert response.json()["beat"] == "ok"


def test_it_answers_503_naming_the_broker_when_redis_does_not_answer(client, settings):
    beat_tick_record()
    unreachable = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = unreachable
    settings.CELERY_BROKER_URL = unreachable
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

    started = timezone.now()
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failing", "beat": "ok"}
    assert timezone.now() - started < datetime.timedelta(seconds=5)


def test_it_answers_503_naming_the_broker_when_the_queue_folder_is_gone(client, settings, tmp_path):
    beat_tick_record()
    settings.CELERY_BROKER_URL = "filesystem://localhost//"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "missing"),
        "data_folder_out": str(tmp_path / "missing"),
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "failing"


def test_it_answers_503_naming_the_beat_when_the_last_tick_is_stale(client, settings):
    beat_tick_record(
        now=timezone.now() - datetime.timedelta(seconds=settings.HEALTHZ_BEAT_MAX_AGE + 5)
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "ok", "beat": "failing"}


def test_it_answers_503_naming_the_beat_when_it_never_ticked(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["beat"] == "failing"


def test_it_is_open_without_signing_in_and_only_to_get(client):
    beat_tick_record()

    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_the_web_check_leaves_the_beat_out(client):
    """A stopped beat fails /healthz but not the web servers' own check."""
    assert client.get("/healthz").status_code == 503

    response = client.get("/healthz/web")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_the_web_check_fails_with_the_broker(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get("/healthz/web")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "failing"}

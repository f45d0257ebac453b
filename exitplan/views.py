import logging
import os

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from stakeholders.reminders import beat_tick_age

logger = logging.getLogger(__name__)

# A health check answers fast: a broker that takes longer than this to connect is failing.
BROKER_TIMEOUT_SECONDS = 2


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database does not answer")
        return False


def _broker_ok() -> bool:
    """Connect to the broker once, with a short timeout and no retries.

    On the embedded default (kombu's filesystem transport) connecting cannot fail, so the
    queue folders must also exist and be writable.
    """
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith("filesystem://"):
            folders = [options.get("data_folder_in"), options.get("data_folder_out")]
            if not all(folder and os.access(folder, os.W_OK) for folder in folders):
                logger.error("Health check: the broker's queue folders are not writable")
                return False
        options.update(
            socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS
        )
        with Connection(
            url, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=options
        ) as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
        return True
    except Exception:
        logger.exception("Health check: the broker does not answer")
        return False


def _beat_ok() -> bool:
    try:
        age = beat_tick_age()
    except Exception:
        logger.exception("Health check: the cache does not answer")
        return False
    return age is not None and age <= settings.HEALTHZ_BEAT_MAX_AGE


def _answer(checks: dict[str, bool]) -> JsonResponse:
    body = {name: "ok" if ok else "failing" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


@never_cache
@require_GET
def healthz(request):
    """The database, the broker and the beat, for a load balancer or a monitor.

    200 with ``{"database": "ok", "broker": "ok", "beat": "ok"}``, else 503 with
    ``failing`` for each part that failed. The beat is failing when send_due_reminders
    (every minute) last ran longer ago than HEALTHZ_BEAT_MAX_AGE seconds, or never did:
    then either the beat or every worker is down. Open without signing in; details of a
    failure go to the log, not to the caller.
    """
    return _answer({"database": _database_ok(), "broker": _broker_ok(), "beat": _beat_ok()})


@never_cache
@require_GET
def healthz_web(request):
    """What a web process needs to serve: the database and the broker, not the beat.

    For the web container's own health check, so a stopped beat (which /healthz reports)
    does not get the web servers restarted or taken out of a load balancer.
    """
    return _answer({"database": _database_ok(), "broker": _broker_ok()})

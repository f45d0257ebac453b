"""Background work for consultations: ids in, one service call.

No e-mail is ever scheduled as a Celery countdown or ETA (Redis would redeliver it after
its visibility timeout): the rows in ReminderDelivery are the schedule, and the beat runs
``send_due_reminders`` every minute to send what is due.
"""

from celery import shared_task
from django.db import DatabaseError

from . import reminders


@shared_task(
    ignore_result=True,
    # Idempotent by design: rows are claimed with a conditional UPDATE and only the run
    # holding a claim records it, so a redelivered or duplicated run sends nothing twice.
    acks_late=True,
    autoretry_for=(DatabaseError,),
    max_retries=3,
    retry_backoff=2,
    retry_backoff_max=8,
    retry_jitter=True,
    # The claims' lease (10 minutes) outlives the hard limit: a claim never expires under
    # a living run. The run itself stops claiming after two minutes.
    soft_time_limit=240,
    time_limit=300,
)
def send_due_reminders() -> None:
    """Send the consultation e-mails that are due (and note the tick for /healthz)."""
    reminders.reminders_send_due()

"""Background work for consultations and feedback tallies: ids in, one service call.

No e-mail is ever scheduled as a Celery countdown or ETA (Redis would redeliver it after
its visibility timeout): the rows in ReminderDelivery are the schedule, and the beat runs
``send_due_reminders`` every minute to send what is due.
"""

from celery import shared_task
from django.db import DatabaseError

from . import reminders
from .services.feedback_tallies import feedback_tallies_roll_up_all

# Both tasks are idempotent, so they are acknowledged late (a lost worker's run is
# redelivered) and retried on a database error, with the same limits.
IDEMPOTENT = {
    "ignore_result": True,
    "acks_late": True,
    "autoretry_for": (DatabaseError,),
    "max_retries": 3,
    "retry_backoff": 2,
    "retry_backoff_max": 8,
    "retry_jitter": True,
    "soft_time_limit": 240,
    "time_limit": 300,
}


# Idempotent by design: rows are claimed with a conditional UPDATE and only the run holding
# a claim records it, so a redelivered or duplicated run sends nothing twice. The claims'
# lease (10 minutes) outlives the hard limit: a claim never expires under a living run. The
# run itself stops claiming after two minutes.
@shared_task(**IDEMPOTENT)
def send_due_reminders() -> None:
    """Send the consultation e-mails that are due (and note the tick for /healthz)."""
    reminders.reminders_send_due()


# Idempotent: each form's run holds its mark row (others skip it) and moves the mark with
# the tallies in one transaction, so a duplicated run counts nothing twice.
@shared_task(**IDEMPOTENT)
def roll_up_feedback_tallies() -> None:
    """Roll the feedback submissions sent since the last run into their forms' tallies."""
    feedback_tallies_roll_up_all()

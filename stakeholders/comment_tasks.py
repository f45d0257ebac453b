"""Background work for comments: ids in, one service call.

Enqueued after the comment's transaction commits (stakeholders.services.comments), so the
worker reads the comment it is told about.
"""

from celery import shared_task
from django.db import DatabaseError


@shared_task(
    ignore_result=True,
    # Retried only for database errors, which happen before anything is sent; a failed
    # SMTP send is not retried, since some recipients may already have their e-mail.
    autoretry_for=(DatabaseError,),
    max_retries=3,
    retry_backoff=2,
    retry_jitter=True,
)
def comment_notify(comment_id: int) -> None:
    """E-mail a new comment, reply or official answer to the item's followers and mentions."""
    # Imported here: the comment services import this module, and notifications imports
    # the selectors, which import the services back.
    from . import notifications

    notifications.comment_notify(comment_id=comment_id)

"""Abstract bases shared by the apps' models."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Versioned(models.Model):
    """A row people edit: ``version`` is bumped by the service on every change.

    The API's ETag is built from it and checked in the conditional UPDATE of each write,
    so a stale edit is refused instead of silently overwriting someone else's.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Retirable(models.Model):
    """A plan item that is retired, not deleted, once anything refers to it."""

    is_retired = models.BooleanField(
        _("retired"),
        default=False,
        help_text=_("Retired items drop out of readiness and stay in history."),
    )

    class Meta:
        abstract = True

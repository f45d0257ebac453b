"""Errors that services raise; the web and API layers turn them into 409 and 412."""

from django.utils.translation import gettext_lazy as _


class Conflict(Exception):
    """The object's state forbids the change (409): a closed mission, a submitted round."""

    def __init__(self, detail=None):
        self.detail = detail or _("The object's current state does not allow this change.")
        super().__init__(str(self.detail))


class StaleVersion(Exception):
    """Someone else changed the object since the caller read it (412); nothing was written."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(
            str(_("This was changed by someone else (now version %(version)s); reload and retry."))
            % {"version": current_version}
        )

"""Deployment checks of our own, run by `manage.py check --deploy` beside Django's."""

from django.conf import settings
from django.core.checks import Warning, register


@register("exitplan", deploy=True)
def site_url_is_set(app_configs, **kwargs) -> list[Warning]:
    # Without it, reminders, invitations and notifications go out with no link to follow.
    if settings.SITE_URL:
        return []
    return [
        Warning(
            "SITE_URL is not set: e-mails (reminders, invitations, comment notifications) "
            "will go out without links.",
            hint="Set SITE_URL to the public address, e.g. https://exitplan.example.org.",
            id="exitplan.W001",
        )
    ]

"""Request-wide rules about signing in."""

import posixpath

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from missions.models import Membership, Role


def totp_required(user) -> bool:
    """Whether the user is an admin of some mission and has no TOTP authenticator (one query)."""
    has_totp = Authenticator.objects.filter(
        user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP
    )
    return (
        Membership.objects.filter(user_id=user.pk, role=Role.ADMIN)
        .exclude(Exists(has_totp))
        .exists()
    )


def _exempt_prefixes() -> tuple[str, ...]:
    # Everything allauth serves (sign-in, sign-out, the 2FA pages themselves) lives under
    # one prefix; without it the redirect would loop or lock the person out.
    allauth_root = posixpath.commonpath([reverse("account_login"), reverse("mfa_index")])
    return (
        allauth_root.rstrip("/") + "/",
        reverse("account_logout"),
        settings.STATIC_URL,
        reverse("healthz"),
        "/api/",  # the API refuses tokens of 2FA accounts anyway; sessions are not sent there
        "/rsvp/",  # public pages behind a token: they must answer whoever follows the link
    )


class RequireTwoFactorForAdminsMiddleware:
    """With REQUIRE_2FA_FOR_ADMINS on, a mission admin without TOTP must activate it first.

    The check runs in process_view (after MessageMiddleware) so the page it redirects to can
    say why; anonymous users and the setting turned off cost no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.REQUIRE_2FA_FOR_ADMINS or not request.user.is_authenticated:
            return None
        if request.path.startswith(_exempt_prefixes()) or not totp_required(request.user):
            return None
        messages.warning(
            request,
            _(
                "Mission admins must use two-factor authentication. "
                "Set up an authenticator app to continue."
            ),
        )
        url = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
            return HttpResponseClientRedirect(url)
        return redirect(url)

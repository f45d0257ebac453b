"""Request-wide rules about signing in."""

import posixpath

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from missions.models import Membership, Role


class UserLanguageMiddleware:
    """A signed-in person reads the site in their own ``language``, on every device.

    Runs after AuthenticationMiddleware; LocaleMiddleware has already chosen from the cookie
    and Accept-Language, which is what anonymous visitors get (an API token's owner gets
    theirs once DRF authenticates the token). The language switcher saves ``language``, so
    the two never disagree for long. ``request.user.language`` is on the row already
    loaded: no extra query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = translation.get_language()  # LocaleMiddleware's, for the anonymous
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            activate_user_language(request, user)
        try:
            response = self.get_response(request)
            # The user's language, set here or by the API's token authentication.
            response.headers.setdefault("Content-Language", translation.get_language())
        finally:
            # The thread serves someone else next (a worker, a test): leave it as found.
            translation.activate(chosen)
        return response


def activate_user_language(request, user) -> None:
    """Speak the user's language for the rest of this request (pages and API tokens alike)."""
    language = getattr(user, "language", "")
    if language and translation.check_for_language(language):
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


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
        reverse("accounts:set-language"),
        settings.STATIC_URL,
        reverse("healthz"),
        "/api/",  # the API refuses tokens of 2FA accounts anyway; sessions are not sent there
        "/rsvp/",  # public pages behind a token: they must answer whoever follows the link
        "/f/",  # public feedback forms, likewise
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

"""Writes about people's accounts that go beyond allauth's own flows."""

from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.core import context as allauth_context
from allauth.utils import build_absolute_uri
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from missions.models import Mission

from .models import User


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """The full URL of ``path``: from the request when there is one, else from SITE_URL."""
    request = request or allauth_context.request
    if request is not None:
        return build_absolute_uri(request, path)
    if not settings.SITE_URL:
        raise ImproperlyConfigured(
            "SITE_URL is not set: links in e-mails sent outside a web request need it "
            "(for example SITE_URL=https://exitplan.example.org)."
        )
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def email_address_verify(*, user: User) -> EmailAddress:
    """Record the account's address as verified and primary in allauth's table.

    Whoever added the member vouched for the address and only its owner can use the link
    sent there; a verified address also lets the organisation's sign-in connect to this
    account without allauth wiping its password.
    """
    # At most one primary address per user (a unique constraint): demote the others first.
    EmailAddress.objects.filter(user=user, primary=True).exclude(email=user.email).update(
        primary=False
    )
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return address


def invitation_send(
    *, user: User, mission: Mission, invited_by: User | None, request: HttpRequest | None = None
) -> None:
    """E-mail a new member a link to set their password, in their language.

    The link is allauth's password-reset-from-key page, so it works once and expires with
    PASSWORD_RESET_TIMEOUT; after that, "Forgot your password?" sends a fresh one. Call it
    after the membership commits (transaction.on_commit), never inside the transaction.
    """
    email_address_verify(user=user)
    token = account_settings.PASSWORD_RESET_TOKEN_GENERATOR().make_token(user)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": token},
    )
    context = {
        "user": user,
        "email": user.email,
        "mission": mission,
        "invited_by": invited_by,
        "set_password_url": absolute_url(path, request),
        "password_reset_url": absolute_url(reverse("account_reset_password"), request),
        "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        message = get_adapter(request).render_mail("account/email/invitation", user.email, context)
    message.send()

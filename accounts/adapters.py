"""How django-allauth fits exitplan: no open sign-up, e-mails in the recipient's language."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation


def recipient_language(email: str, user=None) -> str:
    """The language to write to this address in: the account's, else the current one."""
    language = getattr(user, "language", None)
    if not language:
        language = (
            get_user_model()
            .objects.filter(email__iexact=email)
            .values_list("language", flat=True)
            .first()
        )
    return language or translation.get_language() or settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts are made by adding a member to a mission (which sends an invitation),
        # or through the organisation's identity provider (SocialAccountAdapter).
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        with translation.override(recipient_language(email, context.get("user"))):
            super().send_mail(template_prefix, email, context)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        """Open only to a verified address in a domain listed in OIDC_SIGNUP_DOMAINS."""
        domains = {domain.lower() for domain in settings.OIDC_SIGNUP_DOMAINS}
        return any(
            address.verified and address.email.rpartition("@")[2].lower() in domains
            for address in sociallogin.email_addresses
        )

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = get_user_model().objects.normalize_email(user.email)
        full_name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        user.name = data.get("name") or full_name
        return user

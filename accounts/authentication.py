from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .middleware import activate_user_language
from .tokens import api_token_authenticate


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` with a personal API token; acts as its user, no more."""

    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: use 'Token <key>' with no spaces in the key.")
            )
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                _("The token contains invalid characters.")
            ) from None
        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        # Messages from here on (403, 404, validation) are in the token owner's language.
        activate_user_language(request, token.user)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

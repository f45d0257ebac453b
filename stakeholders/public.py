"""What the public link of a feedback form needs on both its surfaces, the page and the API.

One throttle (scope ``public_form``, rate PUBLIC_FORM_RATE) counts answers from a client on
either surface together, keyed by a keyed hash of its address: neither the database nor
the cache ever holds the address itself.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from .models import FeedbackForm, Question
from .services.feedback import TEXT_MAX_LENGTH

SCOPE = "public_form"
QUESTIONS = Prefetch(
    "questions", queryset=Question.objects.select_related("benchmark").order_by("order", "id")
)
# A percent-encoded character takes at most 12 bytes (4 UTF-8 bytes, each as %XX).
ENCODED_CHAR = 12
# Field names, the honeypot, a name and an organisation, and room for the form's framing.
BODY_OVERHEAD = 16 * 1024


class PublicFormThrottle(ScopedRateThrottle):
    """Per client, keyed by a keyed hash of its address: not even the cache holds the IP.

    The rate is read on each request (``DEFAULT_THROTTLE_RATES["public_form"]``), so a
    settings override applies at once. A signed-in visitor is counted by address too: a
    cache key holding their user id would tie them to a public answer.
    """

    scope_attr = "throttle_scope"

    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"Set REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'][{self.scope!r}], e.g. '30/hour'."
            ) from None

    def get_ident(self, request):
        ident = super().get_ident(request) or ""
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, ident.encode(), hashlib.sha256).hexdigest()[:32]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _PublicScope:
    """Stands in for a DRF view: the throttle reads its scope from here."""

    throttle_scope = SCOPE


def public_throttle_wait(request: HttpRequest) -> float | None:
    """Count one answer from this client: None when it may answer now, else seconds to wait.

    For the page; the API's view uses PublicFormThrottle directly, on the same counter.
    """
    throttle = PublicFormThrottle()
    if throttle.allow_request(request, _PublicScope()):
        return None
    return throttle.wait() or 1


def public_form_by_token(token: str) -> FeedbackForm | None:
    """The form behind a public link with its mission and questions, or None (2 queries)."""
    return (
        FeedbackForm.objects.select_related("mission")
        .prefetch_related(QUESTIONS)
        .filter(public_token=token)
        .first()
    )


def public_body_limit(form: FeedbackForm) -> int:
    """The largest request body an answer to this form can honestly need, in bytes.

    Every text answer at its longest in the widest characters, every choice ticked, plus
    room for the rest: anything larger is not a person answering, and is refused unread.
    """
    room = 0
    for question in form.questions.all():
        if question.kind == Question.Kind.TEXT:
            room += TEXT_MAX_LENGTH
        else:
            room += sum(len(choice) + 16 for choice in question.choices or []) + 16
    return min(BODY_OVERHEAD + room * ENCODED_CHAR, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def public_form_url(form: FeedbackForm, request: HttpRequest | None = None) -> str:
    """The form's public page as a full address, for people to copy and share.

    From SITE_URL when it is set (behind a proxy the request's host may be an internal
    one), else from the request.
    """
    path = reverse("feedback_public:form", args=[form.public_token])
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/") + path
    return request.build_absolute_uri(path) if request is not None else path

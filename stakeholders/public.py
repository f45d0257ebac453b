"""What the public link of a feedback form needs on both its surfaces, the page and the API.

One throttle (scope ``public_form``, rate PUBLIC_FORM_RATE) counts answers from a client on
either surface together, keyed by a keyed hash of its address: neither the database nor
the cache ever holds the address itself.
"""

import copy
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from exitplan.errors import Conflict

from .models import FeedbackForm, FeedbackSubmission, Question
from .services.feedback import TEXT_MAX_LENGTH, feedback_submission_create

SCOPE = "public_form"
QUESTIONS = Prefetch(
    "questions", queryset=Question.objects.select_related("benchmark").order_by("order", "id")
)
# A percent-encoded character takes at most 12 bytes (4 UTF-8 bytes, each as %XX).
ENCODED_CHAR = 12
# Field names, the honeypot, a name and an organisation, and room for the form's framing.
BODY_OVERHEAD = 16 * 1024
# Links whose form each process keeps after an answer was stored through them; emptied
# when full. Never trusted: each answer is checked again as it is stored.
KNOWN_LINKS_MAX = 256
_known_links: dict[str, tuple[FeedbackForm, list[Question]]] = {}


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


@dataclass(frozen=True, slots=True)
class PublicLink:
    """The form behind a public link with its questions, and whether the process kept them."""

    token: str
    form: FeedbackForm
    questions: list[Question]
    cached: bool = False


def public_link(token: str, *, cached: bool = True) -> PublicLink | None:
    """The form behind a link, or None: kept in memory since an answer went through it,
    else from the database (2 queries).

    A kept form may be out of date (closed, changed, its link replaced): only an answer that
    the database accepts as it is stored comes of it (public_answer); anything else is told
    from the database. In the process, not the shared cache: no network round trip, and
    the cache never holds a link that would let its reader answer.
    """
    if cached and (known := _known_links.get(token)) is not None:
        form, questions = known
        return PublicLink(token, form, questions, cached=True)
    form = public_form_by_token(token)
    if form is None:
        return None
    return PublicLink(token, form, list(form.questions.all()))


def public_answer(link: PublicLink, **fields) -> FeedbackSubmission | None:
    """Record an answer through a public link (feedback_submission_create's ``fields``).

    None when the link no longer leads to a form. From a cached form, anything but an
    answer stored (a refusal, an error, the honeypot) is decided again on the form read from
    the database, so refusals and errors are exactly those of a fresh read. A stored answer
    keeps the form for the next ones: the INSERT alone instead of two queries before it.
    """
    if link.cached:
        if not fields.get("honeypot"):
            try:
                return _answer(link, **fields)
            except ValidationError:
                pass
            except Conflict:
                _known_links.pop(link.token, None)
        link = public_link(link.token, cached=False)
        if link is None:
            return None
    submission = _answer(link, **fields)
    if submission.pk is not None:
        if len(_known_links) >= KNOWN_LINKS_MAX:
            _known_links.clear()
        form = copy.copy(link.form)
        form.__dict__.pop("_prefetched_objects_cache", None)  # its questions are kept apart
        _known_links[link.token] = (form, link.questions)
    return submission


def _answer(link: PublicLink, **fields) -> FeedbackSubmission:
    return feedback_submission_create(
        form=link.form, questions=link.questions, token=link.token, **fields
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

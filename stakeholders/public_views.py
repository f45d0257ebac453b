"""The public page of a feedback form: answered without an account, on any phone, without script.

Shown in the form's own language (right to left for Arabic) whatever the visitor's settings.
Abuse is kept out as on the API's public link, with the same functions: a body larger than
the form can need is refused unread (413), answers are throttled per client on the API's
counter (429), and a filled honeypot gets a receipt while nothing is stored. Nothing about
the person is kept beyond what the form asks; the receipt reaches the page after the
redirect in a short-lived signed cookie rather than the address, which servers log.

The POST is exempt from CSRF on purpose: the page acts on nobody's authority (it never
reads the session or the user, and a signed-in visitor still answers anonymously), the
API's public link already accepts the same answer without a token, and a phone that
refuses cookies must still be able to answer.
"""

from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from exitplan.errors import Conflict

from . import services
from .feedback_forms import AnswerForm
from .models import FeedbackForm
from .public import public_body_limit, public_form_by_token, public_throttle_wait

RECEIPT_COOKIE = "feedback_receipt"
RECEIPT_MAX_AGE = 30 * 60  # long enough to note it down, short on a shared phone


def _receipt_salt(form: FeedbackForm) -> str:
    return f"stakeholders.public.receipt.{form.pk}"


def _render(request, form, template: str, context: dict, *, status: int = 200):
    """A public page in the form's language and the mission's time zone."""
    with translation.override(form.language), timezone.override(form.mission.timezone):
        response = render(request, template, {"form": form, **context}, status=status)
    response["Content-Language"] = form.language
    return response


def _refusal(request, form, message: str, *, status: int, title: str = ""):
    return _render(
        request,
        form,
        "stakeholders/public_refused.html",
        {"message": message, "title": title},
        status=status,
    )


def _unknown_link(request):
    return render(request, "stakeholders/public_unknown.html", status=404)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request, token):
    """The form behind its public link: GET shows it, POST answers it and redirects."""
    form = public_form_by_token(token)
    if form is None:
        return _unknown_link(request)
    with translation.override(form.language):
        return _public_form(request, form)


def _limits(request, form: FeedbackForm):
    """A refusal when this POST is too large (checked unread) or the client too hasty."""
    gettext = translation.gettext
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > public_body_limit(form):
        message = gettext(
            "Your answers are longer than this form accepts. Shorten the longest ones and "
            "send them again."
        )
        return _refusal(request, form, message, title=gettext("Answers too long"), status=413)
    wait = public_throttle_wait(request)
    if wait is None:
        return None
    minutes = max(1, round(wait / 60))
    message = translation.ngettext(
        "Too many answers from your network in a short time. Try again in %(minutes)s minute.",
        "Too many answers from your network in a short time. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = _refusal(request, form, message, title=gettext("Please wait a little"), status=429)
    response["Retry-After"] = str(int(wait) or 1)
    return response


def _receipt_redirect(request, form: FeedbackForm, receipt: str):
    """To the receipt page; the code rides in a signed cookie, never in a logged address."""
    response = redirect("feedback_public:receipt", token=form.public_token)
    response.set_signed_cookie(
        RECEIPT_COOKIE,
        receipt,
        salt=_receipt_salt(form),
        max_age=RECEIPT_MAX_AGE,
        path=reverse("feedback_public:form", args=[form.public_token]),
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def _public_form(request, form: FeedbackForm):
    posted = request.method == "POST"
    reason = services.feedback_form_closed_reason(form, timezone.now())
    if reason:
        return _refusal(request, form, reason, status=409)
    if posted and (refusal := _limits(request, form)):
        return refusal
    answer_form = AnswerForm(
        request.POST if posted else None,
        questions=list(form.questions.all()),
        form=form,
        public=True,
    )
    if posted and answer_form.is_valid():
        data = answer_form.cleaned_data
        try:
            submission = services.feedback_submission_create(
                form=form,
                token=form.public_token,
                answers=answer_form.answers(),
                stakeholder_kind=data.get("stakeholder_kind", ""),
                name=data.get("name", ""),
                organisation=data.get("organisation", ""),
                honeypot=data.get("website", ""),
            )
        except ValidationError as error:
            answer_form.add_service_errors(error.message_dict)
        except Conflict as error:  # it closed between showing and sending
            return _refusal(request, form, str(error.detail), status=409)
        else:
            return _receipt_redirect(request, form, submission.receipt)
    return _render(
        request,
        form,
        "stakeholders/public_form.html",
        {"answer_form": answer_form, "preview": False},
        status=400 if posted else 200,
    )


@never_cache
@require_GET
def public_receipt(request, token):
    """After answering: the receipt code, from the cookie the answer set (if any)."""
    form = public_form_by_token(token)
    if form is None:
        return _unknown_link(request)
    try:
        receipt = request.get_signed_cookie(
            RECEIPT_COOKIE, salt=_receipt_salt(form), max_age=RECEIPT_MAX_AGE
        )
    except (KeyError, signing.BadSignature):
        receipt = ""
    response = _render(request, form, "stakeholders/public_receipt.html", {"receipt": receipt})
    patch_vary_headers(response, ["Cookie"])
    return response

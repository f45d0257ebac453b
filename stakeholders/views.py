"""Pages for people outside the mission: the RSVP page behind an invitation's link."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from exitplan.errors import Conflict

from . import services
from .models import Invitation


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(
        label=gettext_lazy("Will you take part?"),
        label_suffix="",  # a question: no colon after it (Arabic's ؟ is not in Django's list)
        choices=[
            (Invitation.Rsvp.ACCEPTED, gettext_lazy("Yes, I will take part")),
            (Invitation.Rsvp.TENTATIVE, gettext_lazy("Perhaps")),
            (Invitation.Rsvp.DECLINED, gettext_lazy("No, I cannot take part")),
        ],
        widget=forms.RadioSelect,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def rsvp(request, token):
    """The consultation an invitation is for, and a form to answer it; open without signing in.

    Only the form's POST changes the answer: mail scanners follow the links in e-mails.
    """
    invitation = get_object_or_404(
        Invitation.objects.select_related("consultation__mission", "contact"), token=token
    )
    # The invitee's language, as their e-mail was, unless the reader chose one (the
    # switcher's cookie, or their own account's language when signed in).
    chose = request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES
    language = translation.get_language() if chose else invitation.contact.language
    with translation.override(language or settings.LANGUAGE_CODE):
        response = _rsvp(request, token, invitation)
        response.headers["Content-Language"] = translation.get_language()
    return response


def _rsvp(request, token, invitation):
    consultation = invitation.consultation
    form = RsvpForm(
        request.POST or None,
        initial={"rsvp": invitation.rsvp if invitation.rsvp in services.RSVP_ANSWERS else None},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.invitation_rsvp(token=token, rsvp=form.cleaned_data["rsvp"])
            except Conflict as error:
                messages.error(request, str(error.detail))
                status = 409
            else:
                messages.success(request, _("Thank you: your answer is recorded."))
                return redirect("stakeholders:rsvp", token=token)
    return render(
        request,
        "stakeholders/rsvp.html",
        {
            "invitation": invitation,
            "consultation": consultation,
            "form": form if services.rsvp_is_open(consultation) else None,
        },
        status=status,
    )

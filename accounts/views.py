from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .forms import ProfileForm, TokenForm
from .models import ApiToken
from .tokens import api_token_create, api_token_revoke


@login_required
def profile(request):
    """One's name, language and personal API tokens (a new key is shown once)."""
    profile_form = ProfileForm(instance=request.user)
    token_form = TokenForm()
    new_key = None
    if request.method == "POST" and "save_profile" in request.POST:
        profile_form = ProfileForm(request.POST, instance=request.user)
        if profile_form.is_valid():
            profile_form.save()
            translation.activate(request.user.language)  # the message in the chosen language
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    elif request.method == "POST" and "create_token" in request.POST:
        token_form = TokenForm(request.POST)
        if token_form.is_valid():
            try:
                _token, new_key = api_token_create(user=request.user, **token_form.cleaned_data)
            except ValidationError as error:
                token_form.add_error(None, error)
            else:
                token_form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-id")
    status = 400 if (profile_form.errors or token_form.errors) else 200
    context = {
        "profile_form": profile_form,
        "token_form": token_form,
        "tokens": tokens,
        "new_key": new_key,
    }
    return render(request, "accounts/profile.html", context, status=status)


@login_required
@require_POST
def token_revoke(request, pk):
    """Revoke one of one's own tokens: it stops working on the next request."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:profile")


@require_POST
def set_language(request):
    """The language switcher: Django's set_language (cookie, back to ``next``), and for a
    signed-in person also their ``language``, so e-mails and other devices follow."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and translation.check_for_language(language)
        and request.user.language != language
    ):
        # One column of one's own row: no version, no audit (it is a preference).
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response

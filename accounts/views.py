from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

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

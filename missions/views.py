from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from exitplan.errors import Conflict, StaleVersion

from . import services
from .access import mission_required
from .forms import MemberAddForm, MemberChangeForm, VersionForm
from .models import Membership, Mission


@login_required
def mission_list(request):
    """The missions the signed-in person holds a role in."""
    missions = Mission.objects.visible_to(request.user).order_by("name")
    return render(request, "missions/mission_list.html", {"missions": missions})


@mission_required()
def mission_detail(request, access):
    """A mission's overview: its fields and phases."""
    phases = access.mission.phases.filter(is_retired=False).order_by("order")
    return render(
        request,
        "missions/mission_detail.html",
        {"access": access, "mission": access.mission, "phases": phases},
    )


def _member_rows(access):
    return (
        Membership.objects.filter(mission=access.mission)
        .select_related("user", "invited_by", "stakeholder")
        .order_by("user__name", "user__email")
    )


@mission_required("view_members")
def member_list(request, access):
    """Who belongs to the mission; admins add, change and remove members here."""
    form = MemberAddForm(request.POST or None, mission=access.mission)
    if request.method == "POST":
        access.require("manage_members")
        access.require_writable()
        if form.is_valid():
            try:
                membership = services.member_add(
                    actor=request.user, mission=access.mission, **form.cleaned_data
                )
            except (Conflict, ValidationError) as error:
                form.add_error(
                    None,
                    error.messages if isinstance(error, ValidationError) else str(error.detail),
                )
            else:
                messages.success(request, _("%(name)s was added.") % {"name": membership.user})
                return redirect("missions:members", code=access.mission.code)
    rows = [
        (
            m,
            MemberChangeForm(
                initial={"role": m.role, "stakeholder": m.stakeholder_id, "version": m.version},
                mission=access.mission,
                prefix=f"m{m.pk}",
            ),
        )
        for m in _member_rows(access)
    ]
    can_manage = access.has("manage_members") and not access.mission.is_closed
    if can_manage:
        # One query for the stakeholder choices, shared by every row's form (not one each).
        choices = list(form.fields["stakeholder"].choices)
        for _member, change_form in rows:
            change_form.fields["stakeholder"].choices = choices
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "missions/member_list.html",
        {
            "access": access,
            "mission": access.mission,
            "rows": rows,
            "form": form,
            "can_manage": can_manage,
        },
        status=status,
    )


@mission_required("manage_members", write=True)
def member_change(request, access, pk):
    """Change one member's role (POST only)."""
    membership = get_object_or_404(Membership, pk=pk, mission=access.mission)
    if request.method != "POST":
        return redirect("missions:members", code=access.mission.code)
    form = MemberChangeForm(request.POST, mission=access.mission, prefix=f"m{pk}")
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.membership_update(
                actor=request.user, membership=membership, version=version, **data
            )
        except (Conflict, StaleVersion) as error:
            messages.error(request, str(getattr(error, "detail", error)))
        else:
            messages.success(
                request, _("The role of %(name)s was changed.") % {"name": membership.user}
            )
    else:
        messages.error(request, _("Choose a role and try again."))
    return redirect("missions:members", code=access.mission.code)


@mission_required("manage_members", write=True)
def member_remove(request, access, pk):
    """Remove a member (POST only): their access ends on their next request."""
    membership = get_object_or_404(Membership, pk=pk, mission=access.mission)
    if request.method != "POST":
        return redirect("missions:members", code=access.mission.code)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.membership_delete(actor=request.user, membership=membership, version=version)
    except (Conflict, StaleVersion) as error:
        messages.error(request, str(getattr(error, "detail", error)))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": membership.user})
    return redirect("missions:members", code=access.mission.code)

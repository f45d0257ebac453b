"""Endorsements of phase gates, shown on the plan's phases and given or withdrawn there.

A liaison who speaks for a host-government stakeholder endorses the gate of a phase that
requires it, with a statement, and withdraws their organisation's endorsement with a
reason; everyone else who sees the mission reads them. The plan page loads each phase's
panel with htmx (its link opens the same panel as a page without JavaScript); the forms
post the phase's ``version`` and answer with the panel again (htmx) or a redirect.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from exitplan.errors import Conflict, StaleVersion

from . import services
from .access import MissionAccess, mission_required
from .models import Phase, PhaseEndorsement
from .selectors import person_name

PANEL = "missions/_endorsements.html"
PAGE = "missions/_endorsement_page.html"


class EndorseForm(forms.Form):
    statement = forms.CharField(
        label=gettext_lazy("Statement"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _phase(access: MissionAccess, pk: int) -> Phase:
    phase = Phase.objects.filter(mission=access.mission, pk=pk, is_retired=False).first()
    if phase is None:
        raise Http404(_("No such phase in this mission's plan."))
    return phase


def phase_endorsements_active(*, access: MissionAccess, phase: Phase) -> list[PhaseEndorsement]:
    """A phase's active endorsements, each marked when the gate's terms changed after it."""
    rows = list(
        PhaseEndorsement.objects.filter(phase=phase, withdrawn_at__isnull=True)
        .select_related("endorsed_by", "stakeholder")
        .order_by("endorsed_at", "id")
    )
    changed_at = (
        services.phase_plan_changed_at(mission=access.mission).get(phase.pk) if rows else None
    )
    for row in rows:
        row.endorser_name = person_name(row.endorsed_by)
        row.plan_changed = changed_at is not None and changed_at > row.endorsed_at
    return rows


def _render(
    request, access, phase, *, endorse_form=None, withdraw_form=None, status=200, note=None
):
    endorsements = phase_endorsements_active(access=access, phase=phase)
    own = None
    if access.can_endorse:
        own = next(
            (e for e in endorsements if e.stakeholder_id == access.membership.stakeholder_id), None
        )
    writable = not access.mission.is_closed and phase.requires_endorsement
    context = {
        "access": access,
        "mission": access.mission,
        "phase": phase,
        "endorsements": endorsements,
        "own": own,
        "can_endorse": access.can_endorse and writable and own is None,
        "can_withdraw": access.can_endorse and writable and own is not None,
        "endorse_form": endorse_form or EndorseForm(initial={"version": phase.version}),
        "withdraw_form": withdraw_form or WithdrawForm(initial={"version": phase.version}),
        "note": note,
    }
    if request.htmx and not request.htmx.boosted:
        # htmx swaps only 2xx answers: a problem is shown inside the panel.
        return render(request, PANEL, context)
    return render(request, PAGE, context, status=status)


def _done(request, access, phase, text: str, *, error: bool = False):
    if request.htmx and not request.htmx.boosted:
        return _render(
            request, access, _phase(access, phase.pk), note={"text": text, "error": error}
        )
    (messages.error if error else messages.success)(request, text)
    return redirect(reverse("missions:plan", args=[access.mission.code]) + f"#phase-{phase.pk}")


@vary_on_headers("HX-Request")
@mission_required()
def phase_endorsements(request, access, pk):
    """A phase's endorsements, with the liaison's forms (htmx: the panel alone)."""
    return _render(request, access, _phase(access, pk))


def _stale_text() -> str:
    return _(
        "This phase was changed by someone else since you opened the page: check it as it "
        "is now, then try again if you still mean to."
    )


@require_POST
@mission_required("endorse_phase", write=True)
def phase_endorse(request, access, pk):
    """Endorse the phase's gate for the liaison's host-government stakeholder."""
    phase = _phase(access, pk)
    form = EndorseForm(request.POST)
    if not form.is_valid():
        return _render(request, access, phase, endorse_form=form, status=400)
    try:
        services.phase_endorse(
            actor=request.user,
            access=access,
            phase=phase,
            statement=form.cleaned_data["statement"],
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        return _done(request, access, phase, _stale_text(), error=True)
    except Conflict as conflict:
        return _done(request, access, phase, str(conflict.detail), error=True)
    return _done(request, access, phase, _("Your organisation's endorsement was recorded."))


@require_POST
@mission_required("endorse_phase", write=True)
def phase_endorsement_withdraw(request, access, pk):
    """Withdraw the liaison's stakeholder's endorsement of the phase, with a reason."""
    phase = _phase(access, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render(request, access, phase, withdraw_form=form, status=400)
    try:
        services.phase_endorsement_withdraw(
            actor=request.user,
            access=access,
            phase=phase,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        return _done(request, access, phase, _stale_text(), error=True)
    except Conflict as conflict:
        return _done(request, access, phase, str(conflict.detail), error=True)
    return _done(request, access, phase, _("Your organisation's endorsement was withdrawn."))

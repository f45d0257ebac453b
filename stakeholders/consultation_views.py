"""Consultation pages: the list, one consultation, and what staff do with them.

Everyone who sees the mission reaches the list, which shows what ``selectors`` lets them
see (DESIGN.md: managers and observers every consultation, liaisons and partners the ones
they or their stakeholder are invited to; a consultation they may not see is 404).
``manage_consultations`` schedules, moves, cancels, invites, resends, records the outcome
and links a feedback form; an invitee answers their own invitation here or through the
e-mailed link. Each form posts to its own URL and redirects back to the consultation;
htmx posts the same forms and swaps ``#consultation-page`` from the answer, so every form
also works without JavaScript. Edits carry the ``version`` the person saw: a stale one
says so, keeps what they typed, and applies nothing.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from exitplan.errors import Conflict, StaleVersion
from missions.access import MissionAccess, mission_required

from . import selectors, services
from .consultation_forms import (
    FIELD_NAMES,
    ConsultationForm,
    FeedbackFormLinkForm,
    InviteForm,
    OutcomeForm,
    RsvpForm,
    VersionForm,
)
from .models import Consultation, FeedbackForm, Invitation

MANAGE = selectors.MANAGE
LIST_PAGE = "stakeholders/consultation_list.html"
DETAIL_PAGE = "stakeholders/consultation_detail.html"
FORM_PAGE = "stakeholders/consultation_form.html"
CANCEL_PAGE = "stakeholders/consultation_cancel.html"
PER_PAGE = 20
WHEN_LABELS = {
    "upcoming": gettext_lazy("Upcoming"),
    "past": gettext_lazy("Past"),
    "cancelled": gettext_lazy("Cancelled"),
}


def _consultation(access: MissionAccess, pk: int) -> Consultation:
    consultation = selectors.consultation_visible(access=access, pk=pk)
    if consultation is None:
        raise Http404(_("No such consultation in this mission."))
    return consultation


def _invitation(access: MissionAccess, consultation: Consultation, pk: int) -> Invitation:
    """An invitation the caller may act on: any of them with manage_consultations, else
    only their own (other people's answer 404, as if they did not exist)."""
    rows = Invitation.objects.filter(consultation=consultation, pk=pk).select_related(
        "contact", "consultation__mission"
    )
    if not access.has(MANAGE):
        rows = rows.filter(contact__user=access.user)
    invitation = rows.first()
    if invitation is None:
        raise Http404(_("No such invitation to this consultation."))
    return invitation


def detail_url(consultation: Consultation) -> str:
    return reverse(
        "missions:consultation-detail", args=[consultation.mission.code, consultation.pk]
    )


def _back(consultation: Consultation, anchor: str = ""):
    url = detail_url(consultation)
    return redirect(f"{url}#{anchor}" if anchor else url)


# Reading ----------------------------------------------------------------------------------


@vary_on_headers("HX-Request")
@mission_required()
def consultation_list(request, access):
    """The consultations the caller may see: upcoming first, then past; filtered, paginated."""
    when = request.GET.get("when", "")
    if when not in WHEN_LABELS:
        when = ""
    rows = selectors.consultation_list(access=access, when=when, now=timezone.now())
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        LIST_PAGE,
        {
            "access": access,
            "mission": access.mission,
            "page": page,
            "when": when,
            "filters": WHEN_LABELS.items(),
            "filter_query": f"when={when}" if when else "",
            "is_manager": access.has(MANAGE),
            "sees_all": selectors.sees_every_consultation(access),
            "can_manage": access.has(MANAGE) and not access.mission.is_closed,
        },
    )


def _render_detail(request, access, consultation: Consultation, *, status=200, **forms):
    """The consultation's page; ``forms`` replaces an empty form by one with the person's
    input and its errors (``invite_form``, ``outcome_form``, ``link_form``, ``rsvp_forms``)."""
    is_manager = access.has(MANAGE)
    live = consultation.status != Consultation.Status.CANCELLED
    can_manage = is_manager and not access.mission.is_closed
    invitations = selectors.consultation_invitations(access=access, consultation=consultation)
    rsvp_open = services.rsvp_is_open(consultation)
    rsvp_forms = forms.pop("rsvp_forms", {})
    for invitation in invitations:
        if not is_manager and rsvp_open:
            invitation.rsvp_form = rsvp_forms.get(invitation.pk) or RsvpForm(
                initial={
                    "rsvp": invitation.rsvp if invitation.rsvp in services.RSVP_ANSWERS else None,
                    "version": invitation.version,
                },
                auto_id=f"rsvp-{invitation.pk}-%s",
            )
    form = consultation.feedback_form
    context: dict[str, Any] = {
        "access": access,
        "mission": access.mission,
        "consultation": consultation,
        "invitations": invitations,
        "is_manager": is_manager,
        "sees_all": selectors.sees_every_consultation(access),
        "can_manage": can_manage,
        "can_change": can_manage and live,
        "rsvp_open": rsvp_open,
        "not_answered": [i for i in invitations if i.rsvp == Invitation.Rsvp.PENDING],
        # Draft forms exist only for manage_feedback (DESIGN.md).
        "feedback_form": form
        if form is not None
        and (form.status != FeedbackForm.Status.DRAFT or access.has("manage_feedback"))
        else None,
    }
    if can_manage and live:
        context["invite_form"] = forms.pop("invite_form", None) or InviteForm(
            contacts=selectors.contacts_to_invite(consultation=consultation)
        )
        context["link_form"] = forms.pop("link_form", None) or FeedbackFormLinkForm(
            mission=access.mission,
            initial={
                "feedback_form": consultation.feedback_form_id,
                "version": consultation.version,
            },
        )
        context["outcome_form"] = forms.pop("outcome_form", None) or OutcomeForm(
            initial={
                "outcome": consultation.outcome,
                "held": True,
                "version": consultation.version,
            }
        )
    context.update(forms)
    # htmx swaps only 2xx answers: errors come back as 200 when htmx asked.
    if status >= 400 and request.htmx:
        status = 200
    return render(request, DETAIL_PAGE, context, status=status)


@vary_on_headers("HX-Request")
@mission_required()
def consultation_detail(request, access, pk):
    """One consultation: its time in its own zone, place, agenda and outcome; for managers
    the invitees, who has not answered and every e-mail; for an invitee their answer."""
    return _render_detail(request, access, _consultation(access, pk))


# Scheduling and moving --------------------------------------------------------------------


def _render_form(request, access, form, *, consultation=None, conflict=None, status=200):
    return render(
        request,
        FORM_PAGE,
        {
            "access": access,
            "mission": access.mission,
            "form": form,
            "consultation": consultation,
            "conflict": conflict,
        },
        status=status,
    )


@mission_required(MANAGE, write=True)
def consultation_new(request, access):
    """Schedule a consultation (GET: the empty form)."""
    access.require_writable()
    mission = access.mission
    if request.method != "POST":
        form = ConsultationForm(mission=mission, initial=ConsultationForm.initial_for(mission))
        return _render_form(request, access, form)
    form = ConsultationForm(request.POST, mission=mission)
    if form.is_valid():
        try:
            consultation = services.consultation_create(
                actor=request.user, mission=mission, **form.data_for_service()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("The consultation was scheduled. Invite stakeholders' contacts below."),
            )
            return _back(consultation, "invite")
    return _render_form(request, access, form, status=400)


def _conflict_rows(form: ConsultationForm, current: Consultation) -> list[dict[str, str]]:
    """Field by field, the value saved now beside the one the person typed, where they differ."""
    stored = ConsultationForm.initial_from(current)
    rows = []
    for name in FIELD_NAMES:
        yours, theirs = form.cleaned_data.get(name), getattr(current, name)
        if name == "phase":
            yours, theirs = getattr(yours, "pk", None), current.phase_id
        if yours == theirs or (yours in (None, "") and theirs in (None, "")):
            continue
        rows.append(
            {
                "label": form.fields[name].label,
                "current": form.display(name, stored[name] if name != "phase" else theirs),
                "yours": form.display(name, yours),
            }
        )
    return rows


@mission_required(MANAGE, write=True)
def consultation_edit(request, access, pk):
    """Change or move a consultation, with the version the person read.

    Moving it (time, zone, place or link) tells the invitees: their reminders follow.
    """
    access.require_writable()
    consultation = _consultation(access, pk)
    if consultation.status == Consultation.Status.CANCELLED:
        raise Conflict(
            _("This consultation was cancelled and cannot change; schedule a new one instead.")
        )
    if request.method != "POST":
        form = ConsultationForm(
            mission=access.mission, initial=ConsultationForm.initial_from(consultation)
        )
        return _render_form(request, access, form, consultation=consultation)
    form = ConsultationForm(request.POST, mission=access.mission)
    form.fields["version"].required = True
    if form.is_valid():
        sequence = consultation.sequence
        try:
            updated = services.consultation_update(
                actor=request.user,
                consultation=consultation,
                data=form.data_for_service(),
                version=form.cleaned_data["version"],
            )
        except StaleVersion:
            current = _consultation(access, pk)
            # The version field now carries the current one: saving again applies what the
            # person typed over the other change, knowingly.
            form.data = form.data.copy()
            form.data["version"] = current.version
            conflict = {
                "message": _(
                    "This consultation was changed by someone else since you opened it. Your "
                    "changes are not saved yet: compare them with the current values below, "
                    "then save again to apply yours, or go back to keep theirs."
                ),
                "rows": _conflict_rows(form, current),
            }
            return _render_form(
                request, access, form, consultation=current, conflict=conflict, status=409
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if updated.sequence != sequence:
                text = _("The consultation was changed; invitees are told of the new details.")
            else:
                text = _("Your changes were saved.")
            messages.success(request, text)
            return _back(updated)
    return _render_form(request, access, form, consultation=consultation, status=400)


@mission_required(MANAGE, write=True)
def consultation_cancel(request, access, pk):
    """Cancel a consultation after a confirmation page; invitees are told."""
    access.require_writable()
    consultation = _consultation(access, pk)
    context = {"access": access, "mission": access.mission, "consultation": consultation}
    if request.method != "POST":
        return render(request, CANCEL_PAGE, context)
    form = VersionForm(request.POST)
    if not form.is_valid():
        context["error"] = _("The page was incomplete: confirm the cancellation again.")
        return render(request, CANCEL_PAGE, context, status=400)
    try:
        services.consultation_cancel(
            actor=request.user, consultation=consultation, version=form.cleaned_data["version"]
        )
    except StaleVersion:
        context["consultation"] = _consultation(access, pk)
        context["error"] = _(
            "This consultation was changed by someone else since you opened this page: check "
            "it as it is now, then confirm again if you still mean to cancel it."
        )
        return render(request, CANCEL_PAGE, context, status=409)
    except Conflict as error:
        messages.error(request, str(error.detail))
        return _back(consultation)
    messages.success(request, _("The consultation was cancelled; invitees are told."))
    return _back(consultation)


# Outcome and feedback form ----------------------------------------------------------------

STALE = gettext_lazy(
    "This consultation was changed by someone else since you opened the page. What you typed "
    "is below, not saved yet: check the page, then save again if you still mean to."
)


def _stale_form(form, current: Consultation):
    """Keep the person's input, with the current version so that saving again applies it."""
    form.data = form.data.copy()
    form.data["version"] = current.version
    form.add_error(None, STALE)
    return form


@require_POST
@mission_required(MANAGE, write=True)
def consultation_outcome(request, access, pk):
    """Record what came out of a consultation; invitees then read it on their page."""
    consultation = _consultation(access, pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, access, consultation, outcome_form=form, status=400)
    data = {"outcome": form.cleaned_data["outcome"]}
    if form.cleaned_data["held"] and consultation.status == Consultation.Status.SCHEDULED:
        data["status"] = Consultation.Status.HELD
    try:
        services.consultation_update(
            actor=request.user,
            consultation=consultation,
            data=data,
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        current = _consultation(access, pk)
        form = _stale_form(form, current)
        return _render_detail(request, access, current, outcome_form=form, status=409)
    except Conflict as error:
        form.add_error(None, str(error.detail))
        return _render_detail(request, access, consultation, outcome_form=form, status=409)
    messages.success(request, _("The outcome notes were saved."))
    return _back(consultation, "outcome")


@require_POST
@mission_required(MANAGE, write=True)
def consultation_feedback_form(request, access, pk):
    """Link one of the mission's feedback forms to the consultation, or unlink it."""
    consultation = _consultation(access, pk)
    form = FeedbackFormLinkForm(request.POST, mission=access.mission)
    if not form.is_valid():
        return _render_detail(request, access, consultation, link_form=form, status=400)
    chosen = form.cleaned_data["feedback_form"]
    try:
        services.consultation_update(
            actor=request.user,
            consultation=consultation,
            data={"feedback_form": chosen},
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        current = _consultation(access, pk)
        form = _stale_form(form, current)
        return _render_detail(request, access, current, link_form=form, status=409)
    except Conflict as error:
        form.add_error(None, str(error.detail))
        return _render_detail(request, access, consultation, link_form=form, status=409)
    if chosen is None:
        messages.success(request, _("The feedback form was unlinked."))
    else:
        messages.success(
            request, _("The feedback form “%(title)s” was linked.") % {"title": chosen.title}
        )
    return _back(consultation, "feedback-form")


# Invitations ------------------------------------------------------------------------------


@require_POST
@mission_required(MANAGE, write=True)
def consultation_invite(request, access, pk):
    """Invite the chosen contacts, all or none: each gets the invitation e-mail."""
    consultation = _consultation(access, pk)
    form = InviteForm(
        request.POST, contacts=selectors.contacts_to_invite(consultation=consultation)
    )
    if not form.is_valid():
        return _render_detail(request, access, consultation, invite_form=form, status=400)
    contacts = list(form.cleaned_data["contacts"])
    try:
        with transaction.atomic():
            for contact in contacts:
                services.invitation_create(
                    actor=request.user, consultation=consultation, contact=contact
                )
    except (Conflict, ValidationError) as error:
        messages_ = error.messages if isinstance(error, ValidationError) else [error.detail]
        for message in messages_:
            form.add_error(None, str(message))
        return _render_detail(request, access, consultation, invite_form=form, status=409)
    messages.success(
        request,
        ngettext(
            "%(count)s contact invited; the invitation is on its way by e-mail.",
            "%(count)s contacts invited; the invitations are on their way by e-mail.",
            len(contacts),
        )
        % {"count": len(contacts)},
    )
    return _back(consultation, "invitees")


def _invitation_action(request, access, pk, invitation_pk):
    consultation = _consultation(access, pk)
    invitation = _invitation(access, consultation, invitation_pk)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    return consultation, invitation, version


@require_POST
@mission_required(MANAGE, write=True)
def invitation_remove(request, access, pk, invitation_pk):
    """Withdraw an invitation; its pending e-mails go with it."""
    consultation, invitation, version = _invitation_action(request, access, pk, invitation_pk)
    if version is None:
        messages.error(request, _("The page was incomplete: try again."))
        return _back(consultation, "invitees")
    try:
        services.invitation_delete(actor=request.user, invitation=invitation, version=version)
    except StaleVersion:
        messages.error(
            request,
            _(
                "The invitation of %(name)s changed since you opened the page (an answer or a "
                "resend): it was not removed. Check it, then try again if you still mean to."
            )
            % {"name": invitation.contact.name},
        )
    else:
        messages.success(
            request,
            _("The invitation of %(name)s was withdrawn.") % {"name": invitation.contact.name},
        )
    return _back(consultation, "invitees")


@require_POST
@mission_required(MANAGE, write=True)
def invitation_resend(request, access, pk, invitation_pk):
    """E-mail the invitation again (one ``resend`` delivery, due now)."""
    consultation, invitation, version = _invitation_action(request, access, pk, invitation_pk)
    if version is None:
        messages.error(request, _("The page was incomplete: try again."))
        return _back(consultation, "invitees")
    try:
        services.invitation_resend(actor=request.user, invitation=invitation, version=version)
    except StaleVersion:
        messages.error(
            request,
            _(
                "The invitation of %(name)s changed since you opened the page (perhaps someone "
                "else resent it): nothing was sent. Check its e-mails below first."
            )
            % {"name": invitation.contact.name},
        )
    except Conflict as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(
            request,
            _("The invitation to %(name)s will be sent again in a moment.")
            % {"name": invitation.contact.name},
        )
    return _back(consultation, f"invitation-{invitation.pk}")


@require_POST
@mission_required(write=True)
def invitation_rsvp(request, access, pk, invitation_pk):
    """The invitee answers their own invitation (managers may answer any)."""
    consultation = _consultation(access, pk)
    invitation = _invitation(access, consultation, invitation_pk)
    form = RsvpForm(request.POST, auto_id=f"rsvp-{invitation.pk}-%s")
    if not form.is_valid():
        return _render_detail(
            request, access, consultation, rsvp_forms={invitation.pk: form}, status=400
        )
    try:
        services.invitation_rsvp(
            actor=request.user,
            access=access,
            invitation=invitation,
            rsvp=form.cleaned_data["rsvp"],
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        messages.error(
            request,
            _(
                "Your answer changed since you opened the page (perhaps through the e-mail's "
                "link): here it is now. Answer again if you mean to change it."
            ),
        )
    except Conflict as error:
        messages.error(request, str(error.detail))
    else:
        messages.success(request, _("Thank you: your answer is recorded."))
    return _back(consultation, "your-answer")

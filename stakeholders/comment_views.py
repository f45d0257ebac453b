"""Comment pages: the threads on one plan item, and every thread of a mission.

Everyone who sees the mission reads them; ``comment`` comments, replies and follows;
``answer_comments`` answers officially and resolves. Each form posts to its own URL and
redirects back to the item's threads; htmx posts the same forms and swaps in
``#comment-threads`` from the page it is redirected to (as the plan page does), so every
form also works without JavaScript. Answers, resolutions and edits carry the ``version``
the person saw: a stale one says so instead of applying.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, CharField, Count, OuterRef, Prefetch, Subquery, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from exitplan.errors import StaleVersion
from missions.access import MissionAccess, mission_required
from missions.models import Mission, Subscription
from missions.selectors import person_name

from . import services
from .models import Comment
from .services.comments import PLAN_ITEMS

ITEM_PAGE = "stakeholders/comments_item.html"
MISSION_PAGE = "stakeholders/comments_mission.html"
THREADS_PER_PAGE = 25
# What each kind of plan item is called on its page: the field that names it.
TITLE_FIELDS = {
    Comment.TargetType.PHASE: "name",
    Comment.TargetType.OBJECTIVE: "title",
    Comment.TargetType.BENCHMARK: "title",
    Comment.TargetType.HANDOVER_ITEM: "function",
}
STATUS_FILTERS = {
    "open": gettext_lazy("Open"),
    "answered": gettext_lazy("Answered"),
    "resolved": gettext_lazy("Resolved"),
}


class BodyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        max_length=10_000,
    )


class AnswerForm(BodyForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


# Reads ------------------------------------------------------------------------------------


def comment_item(*, mission: Mission, target_type: str, target_id: int):
    """The plan item a thread is about (retired ones too: their threads stay readable)."""
    model = PLAN_ITEMS.get(target_type)
    item = model.objects.filter(mission=mission, pk=target_id).first() if model else None
    if item is None:
        raise Http404(_("No such item in this mission's plan."))
    item.title_text = getattr(item, TITLE_FIELDS[target_type])
    return item


def comment_threads(*, mission: Mission, target_type: str, target_id: int) -> list[Comment]:
    """An item's threads, newest first, each with its replies oldest first (two queries)."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    threads = list(
        Comment.objects.filter(
            mission=mission, target_type=target_type, target_id=target_id, parent__isnull=True
        )
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="thread_replies"))
        .order_by("-created_at", "-id")
    )
    for thread in threads:
        for comment in [thread, *thread.thread_replies]:
            comment.author_name = person_name(comment.author)
    return threads


def _item_title(target_type: str) -> When:
    model = PLAN_ITEMS[target_type]
    return When(
        target_type=target_type,
        then=Subquery(
            model.objects.filter(pk=OuterRef("target_id")).values(TITLE_FIELDS[target_type])[:1]
        ),
    )


def comment_threads_of_mission(*, mission: Mission, status: str | None = None):
    """Every thread of a mission, newest first, with its item's title and its reply count.

    One query per page: titles come from a subquery per kind of item, counts from a join.
    """
    rows = (
        Comment.objects.filter(mission=mission, parent__isnull=True)
        .select_related("author")
        .annotate(
            reply_count=Count("replies"),
            item_title=Case(
                *(_item_title(kind) for kind in PLAN_ITEMS),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .order_by("-created_at", "-id")
    )
    if status:
        rows = rows.filter(status=status)
    return rows


# Pages ------------------------------------------------------------------------------------


def thread_url(mission: Mission, target_type: str, target_id: int, thread_id=None) -> str:
    """The page of an item's threads, at one thread when given (e-mails link here)."""
    url = reverse("missions:comments-item", args=[mission.code, target_type, target_id])
    return f"{url}#comment-{thread_id}" if thread_id else url


def _render_item(request, access: MissionAccess, target_type: str, target_id: int, **extra):
    mission = access.mission
    item = comment_item(mission=mission, target_type=target_type, target_id=target_id)
    can_comment = access.has("comment") and not mission.is_closed
    context: dict[str, Any] = {
        "access": access,
        "mission": mission,
        "item": item,
        "target_type": target_type,
        "target_label": Comment.TargetType(target_type).label,
        "threads": comment_threads(mission=mission, target_type=target_type, target_id=target_id),
        "can_comment": can_comment,
        "can_answer": access.has("answer_comments") and not mission.is_closed,
        "following": Subscription.objects.filter(
            user=request.user, target_type=target_type, target_id=target_id
        ).exists(),
        "form": BodyForm(),
        "plan_url": reverse("missions:plan", args=[mission.code])
        + f"#{target_type.replace('_', '-')}-{target_id}",
    }
    context.update(extra)
    status = context.pop("status", 200)
    # htmx swaps only 2xx answers: errors come back as 200 when htmx asked.
    if status >= 400 and request.htmx:
        status = 200
    return render(request, ITEM_PAGE, context, status=status)


@vary_on_headers("HX-Request")
@mission_required()
def comments_item(request, access, target_type, target_id):
    """An item's threads; POST (``comment``) starts a new thread on it."""
    if request.method != "POST":
        return _render_item(request, access, target_type, target_id)
    access.require("comment")
    access.require_writable()
    comment_item(mission=access.mission, target_type=target_type, target_id=target_id)
    form = BodyForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_create(
                actor=request.user,
                mission=access.mission,
                body=form.cleaned_data["body"],
                target_type=target_type,
                target_id=target_id,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Your comment was posted. You now follow this item."))
            return redirect(thread_url(access.mission, target_type, target_id, comment.pk))
    return _render_item(request, access, target_type, target_id, form=form, status=400)


def _thread(access: MissionAccess, pk: int, *, first: bool = True) -> Comment:
    comment = Comment.objects.filter(mission=access.mission, pk=pk).first()
    if comment is None or (first and comment.parent_id):
        raise Http404(_("No such conversation in this mission."))
    return comment


def _back(comment: Comment, mission: Mission):
    thread_id = comment.parent_id or comment.pk
    return redirect(thread_url(mission, comment.target_type, comment.target_id, thread_id))


def _stale(request, comment: Comment, mission: Mission):
    messages.error(
        request,
        _(
            "This conversation changed since you opened the page: here it is as it is now. "
            "Check it, then try again if you still mean to."
        ),
    )
    return _back(comment, mission)


def _invalid(request, access, comment: Comment, form: forms.Form, key: str):
    """The item's page again with the form's errors shown on the thread they belong to."""
    return _render_item(
        request,
        access,
        comment.target_type,
        comment.target_id,
        status=400,
        failed={
            "thread": comment.parent_id or comment.pk,
            "comment": comment.pk,
            "form": key,
            "errors": form.errors,
        },
    )


@require_POST
@mission_required("comment", write=True)
def comment_reply(request, access, pk):
    """Reply in a thread (not in a resolved one: 409)."""
    thread = _thread(access, pk)
    form = BodyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, access, thread, form, "reply")
    services.comment_create(
        actor=request.user, mission=access.mission, body=form.cleaned_data["body"], parent=thread
    )
    messages.success(request, _("Your reply was posted."))
    return _back(thread, access.mission)


def _versioned_body_write(request, access, comment, service, form_kind: str, done: str):
    """Post a body over a comment at the version the form carries (answer or edit)."""
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _invalid(request, access, comment, form, form_kind)
    try:
        service(
            actor=request.user,
            comment=comment,
            body=form.cleaned_data["body"],
            version=form.cleaned_data["version"],
        )
    except StaleVersion:
        return _stale(request, comment, access.mission)
    messages.success(request, done)
    return _back(comment, access.mission)


@require_POST
@mission_required("answer_comments", write=True)
def comment_answer(request, access, pk):
    """The official answer to a thread, with the thread's version; it becomes answered."""
    thread = _thread(access, pk)
    return _versioned_body_write(
        request,
        access,
        thread,
        services.comment_answer,
        "answer",
        _("Your official answer was posted."),
    )


@require_POST
@mission_required("answer_comments", write=True)
def comment_resolve(request, access, pk):
    """Resolve a thread, with its version: it takes no more replies."""
    thread = _thread(access, pk)
    form = VersionForm(request.POST)
    try:
        services.comment_resolve(
            actor=request.user,
            comment=thread,
            version=form.cleaned_data["version"] if form.is_valid() else None,
        )
    except StaleVersion:
        return _stale(request, thread, access.mission)
    messages.success(request, _("The conversation was marked resolved."))
    return _back(thread, access.mission)


@require_POST
@mission_required("comment", write=True)
def comment_edit(request, access, pk):
    """Change one's own comment, with its version (the author only: 403 otherwise)."""
    comment = _thread(access, pk, first=False)
    return _versioned_body_write(
        request, access, comment, services.comment_update, "edit", _("Your comment was changed.")
    )


@require_POST
@mission_required("comment", write=True)
def item_follow(request, access, target_type, target_id):
    """Follow an item: its new comments and replies arrive by e-mail."""
    comment_item(mission=access.mission, target_type=target_type, target_id=target_id)
    services.subscription_create(
        actor=request.user, mission=access.mission, target_type=target_type, target_id=target_id
    )
    messages.success(request, _("You follow this item: new comments arrive by e-mail."))
    return redirect(thread_url(access.mission, target_type, target_id))


@require_POST
@mission_required(write=True)
def item_unfollow(request, access, target_type, target_id):
    """Stop following an item (anyone who sees the mission may stop their own)."""
    subscription = Subscription.objects.filter(
        mission=access.mission, user=request.user, target_type=target_type, target_id=target_id
    ).first()
    if subscription is not None:
        services.subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("You no longer follow this item."))
    return redirect(thread_url(access.mission, target_type, target_id))


@mission_required()
def comments_mission(request, access):
    """Every conversation of the mission, newest first, filtered by status and paginated."""
    status = request.GET.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    threads = Paginator(
        comment_threads_of_mission(mission=access.mission, status=status or None),
        THREADS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    for thread in threads.object_list:
        thread.author_name = person_name(thread.author)
        thread.url = thread_url(access.mission, thread.target_type, thread.target_id, thread.pk)
    return render(
        request,
        MISSION_PAGE,
        {
            "access": access,
            "mission": access.mission,
            "page": threads,
            "status": status,
            "statuses": STATUS_FILTERS.items(),
            "filter_query": f"status={status}" if status else "",
        },
    )

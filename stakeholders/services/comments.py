"""Writes to comments on plan items and to who follows those items."""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from exitplan.errors import Conflict
from missions.audit import audit
from missions.models import Benchmark, HandoverItem, Mission, Objective, Phase, Subscription
from missions.services import (
    bump_version,
    ensure_writable,
    full_clean,
    record_create,
    record_update,
)

from .. import comment_tasks
from ..models import Comment

__all__ = [
    "comment_answer",
    "comment_create",
    "comment_resolve",
    "comment_target_check",
    "comment_update",
    "subscription_create",
    "subscription_delete",
]

PLAN_ITEMS = {
    Comment.TargetType.PHASE: Phase,
    Comment.TargetType.OBJECTIVE: Objective,
    Comment.TargetType.BENCHMARK: Benchmark,
    Comment.TargetType.HANDOVER_ITEM: HandoverItem,
}


def comment_target_check(*, mission: Mission, target_type: str, target_id: int) -> None:
    """A comment or a subscription is about an existing plan item of this mission (400)."""
    model = PLAN_ITEMS.get(target_type)
    if model is None:
        raise ValidationError(
            {"target_type": [_("Choose one of: phase, objective, benchmark, handover_item.")]}
        )
    if not model.objects.filter(mission=mission, pk=target_id).exists():
        raise ValidationError(
            {"target_id": [_("Give the id of a %(type)s of this mission.") % {"type": target_type}]}
        )


def _follow(*, user, mission: Mission, target_type: str, target_id: int) -> None:
    Subscription.objects.get_or_create(
        user=user, target_type=target_type, target_id=target_id, defaults={"mission": mission}
    )


def _notify_after_commit(comment: Comment) -> None:
    """E-mail the item's followers and the people mentioned, once the comment is saved."""
    transaction.on_commit(partial(comment_tasks.comment_notify.delay, comment.pk))


def _thread(comment: Comment) -> Comment:
    """The first comment of the thread a comment belongs to: it carries the thread's status."""
    return comment.parent if comment.parent_id else comment


@transaction.atomic
def comment_create(
    *,
    actor,
    mission: Mission,
    body: str,
    target_type: str | None = None,
    target_id: int | None = None,
    parent: Comment | None = None,
) -> Comment:
    """Comment on a plan item, or reply in a thread; the author then follows the item.

    Threads are one level deep: a reply answers the thread's first comment and is about the
    same item. A resolved thread takes no more replies (start a new comment instead).
    """
    ensure_writable(mission)
    if parent is not None:
        if parent.mission_id != mission.pk:
            raise ValidationError({"parent": [_("Reply to a comment of this mission.")]})
        if parent.parent_id:
            raise ValidationError(
                {"parent": [_("Reply to the first comment of the thread, not to a reply.")]}
            )
        if (target_type or parent.target_type) != parent.target_type or (
            target_id or parent.target_id
        ) != parent.target_id:
            raise ValidationError(
                {"target_id": [_("A reply is about its thread's item: leave out the target.")]}
            )
        if parent.status == Comment.Status.RESOLVED:
            raise Conflict(_("This thread is resolved: start a new comment instead."))
        target_type, target_id = parent.target_type, parent.target_id
    else:
        errors = {}
        if not target_type:
            errors["target_type"] = [_("Say what the comment is about, or give a parent.")]
        if target_id is None:
            errors["target_id"] = [_("Give the id of the item the comment is about.")]
        if errors:
            raise ValidationError(errors)
        comment_target_check(mission=mission, target_type=target_type, target_id=target_id)
    comment = record_create(
        actor=actor,
        instance=Comment(
            mission=mission,
            target_type=target_type,
            target_id=target_id,
            parent=parent,
            author=actor,
            body=body,
        ),
    )
    _follow(user=actor, mission=mission, target_type=target_type, target_id=target_id)
    _notify_after_commit(comment)
    return comment


@transaction.atomic
def comment_update(*, actor, comment: Comment, body: str, version: int | None = None) -> Comment:
    """Change a comment's text: only its author, and only while its thread is not resolved."""
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only the comment's author may change it; reply instead."))
    if _thread(comment).status == Comment.Status.RESOLVED:
        raise Conflict(_("This thread is resolved, so its comments no longer change."))
    return record_update(actor=actor, instance=comment, data={"body": body}, version=version)


@transaction.atomic
def comment_answer(*, actor, comment: Comment, body: str, version: int | None = None) -> Comment:
    """Give the official answer to a thread: a reply, and the thread becomes ``answered``.

    Bumps the thread's version (its If-Match is checked); returns the new reply.
    """
    ensure_writable(comment.mission)
    if comment.parent_id:
        raise Conflict(_("Answer the first comment of the thread, not a reply."))
    if comment.status == Comment.Status.RESOLVED:
        raise Conflict(_("This thread is resolved: start a new comment instead."))
    bump_version(comment, version)
    before = comment.status
    # Conditional, so a thread resolved meanwhile (no If-Match from a service caller) stays so.
    if (
        not Comment.objects.filter(pk=comment.pk)
        .exclude(status=Comment.Status.RESOLVED)
        .update(status=Comment.Status.ANSWERED)
    ):
        raise Conflict(_("This thread is resolved: start a new comment instead."))
    comment.status = Comment.Status.ANSWERED
    reply = Comment(
        mission_id=comment.mission_id,
        target_type=comment.target_type,
        target_id=comment.target_id,
        parent=comment,
        author=actor,
        body=body,
        is_official=True,
    )
    full_clean(reply)
    reply.save()
    changes = {"answer": [None, reply.pk]}
    if before != comment.status:
        changes["status"] = [before, comment.status]
    audit(
        mission=comment.mission,
        actor=actor,
        action="comment.answer",
        target=comment,
        changes=changes,
    )
    _follow(
        user=actor,
        mission=comment.mission,
        target_type=comment.target_type,
        target_id=comment.target_id,
    )
    _notify_after_commit(reply)
    return reply


@transaction.atomic
def comment_resolve(*, actor, comment: Comment, version: int | None = None) -> Comment:
    """Close a thread: it takes no more replies or edits (409 if already resolved)."""
    if comment.parent_id:
        raise Conflict(_("Resolve the first comment of the thread, not a reply."))
    if comment.status == Comment.Status.RESOLVED:
        raise Conflict(_("This thread is already resolved."))
    return record_update(
        actor=actor,
        instance=comment,
        data={"status": Comment.Status.RESOLVED},
        version=version,
        verb="resolve",
    )


@transaction.atomic
def subscription_create(
    *, actor, mission: Mission, target_type: str, target_id: int
) -> Subscription:
    """Follow a plan item of the mission (409 when the caller already follows it)."""
    ensure_writable(mission)
    comment_target_check(mission=mission, target_type=target_type, target_id=target_id)
    try:
        with transaction.atomic():  # a savepoint: the unique constraint decides a race
            return Subscription.objects.create(
                user=actor, mission=mission, target_type=target_type, target_id=target_id
            )
    except IntegrityError:
        raise Conflict(_("You already follow this item.")) from None


@transaction.atomic
def subscription_delete(*, actor, subscription: Subscription) -> None:
    """Stop following an item; only one's own subscriptions."""
    ensure_writable(subscription.mission)
    if subscription.user_id != actor.pk:
        raise PermissionDenied(_("Only the person who follows an item may stop following it."))
    subscription.delete()

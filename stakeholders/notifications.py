"""E-mails about comments: to the people who follow the item, and to those @mentioned.

Who hears of a comment (a new thread, a reply or an official answer):
- everyone who follows its plan item (commenting follows an item; people stop on the
  item's comment page);
- every member of the mission named in its body as ``@`` followed by their full name
  (``User.name``), compared case-insensitively: "@amina diallo" names Amina Diallo. Where
  several members' names start at the same ``@`` ("@Amina" and "@Amina Diallo"), the
  longest name that matches wins; a name must end where a word ends ("@Amina Diallos"
  does not name Amina Diallo). People without a name cannot be mentioned.
Never the comment's author, and never someone who cannot see the mission (a follower who
has since left it, a deactivated account). One e-mail per person, in their language, with
a link to the thread.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from missions.access import VIEW
from missions.models import (
    Benchmark,
    HandoverItem,
    Membership,
    MissionUserObjectPermission,
    Objective,
    Phase,
    Subscription,
)
from missions.selectors import person_name

from .models import Comment

# Each kind of plan item and the field that names it (the services import this module,
# so it does not import theirs).
TITLES = {
    Comment.TargetType.PHASE: (Phase, "name"),
    Comment.TargetType.OBJECTIVE: (Objective, "title"),
    Comment.TargetType.BENCHMARK: (Benchmark, "title"),
    Comment.TargetType.HANDOVER_ITEM: (HandoverItem, "function"),
}
MENTION = re.compile(r"(?<![\w@])@")


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def mentioned_user_ids(body: str, members: Iterable[tuple[int, str]]) -> set[int]:
    """The ids of the members (id, name) that ``body`` @mentions by full name (rule above)."""
    by_name: dict[str, set[int]] = {}
    for user_id, name in members:
        name = " ".join(name.split()).casefold()
        if name:
            by_name.setdefault(name, set()).add(user_id)
    names = sorted(by_name, key=len, reverse=True)
    text = body.casefold()
    found: set[int] = set()
    for match in MENTION.finditer(text):
        rest = text[match.end() :]
        for name in names:
            end = len(name)
            if rest.startswith(name) and not (len(rest) > end and _word_char(rest[end])):
                found |= by_name[name]
                break
    return found


def comment_recipients(comment: Comment) -> list[tuple[Any, bool]]:
    """Who to tell about a comment, each with whether they follow its item (else mentioned).

    Followers and @mentioned members, less the author and anyone who may not see the
    mission; three queries whatever the number of followers or members.
    """
    mission = comment.mission
    members = Membership.objects.filter(mission=mission).values_list("user_id", "user__name")
    followers = set(
        Subscription.objects.filter(
            mission=mission, target_type=comment.target_type, target_id=comment.target_id
        ).values_list("user_id", flat=True)
    )
    wanted = (followers | mentioned_user_ids(comment.body, members)) - {comment.author_id}
    if not wanted:
        return []
    viewers = MissionUserObjectPermission.objects.filter(
        content_object=mission, permission__codename=VIEW
    ).values("user_id")
    users = (
        get_user_model()
        .objects.filter(pk__in=wanted, is_active=True)
        .filter(Q(is_superuser=True) | Q(pk__in=viewers))
        .order_by("pk")
    )
    return [(user, user.pk in followers) for user in users]


def comment_thread_link(comment: Comment) -> str:
    """The absolute address of the comment's thread on its item's page."""
    path = reverse(
        "missions:comments-item",
        args=[comment.mission.code, comment.target_type, comment.target_id],
    )
    return f"{settings.SITE_URL}{path}#comment-{comment.parent_id or comment.pk}"


def _item_title(comment: Comment) -> str:
    model, field = TITLES[comment.target_type]
    return model.objects.filter(pk=comment.target_id).values_list(field, flat=True).first() or ""


def comment_notify(*, comment_id: int) -> int:
    """E-mail a comment to its recipients, each in their own language; returns how many.

    A comment gone by the time the job runs (its mission deleted) tells nobody.
    """
    comment = Comment.objects.select_related("mission", "author").filter(pk=comment_id).first()
    if comment is None:
        return 0
    recipients = comment_recipients(comment)
    if not recipients:
        return 0
    context = {
        "comment": comment,
        "mission": comment.mission,
        "author": person_name(comment.author),
        "item_title": _item_title(comment),
        "link": comment_thread_link(comment),
    }
    messages = []
    for user, follows in recipients:
        # Everything translatable is rendered inside the override, labels included.
        with translation.override(user.language or settings.LANGUAGE_CODE):
            data = {
                **context,
                "recipient": person_name(user),
                "follows": follows,
                "item_kind": str(Comment.TargetType(comment.target_type).label),
            }
            subject = " ".join(
                render_to_string("stakeholders/email/comment_subject.txt", data).split()
            )
            body = render_to_string("stakeholders/email/comment_message.txt", data)
            language = translation.get_language()
        messages.append(
            EmailMessage(
                subject=subject, body=body, to=[user.email], headers={"Content-Language": language}
            )
        )
    with get_connection() as connection:
        connection.send_messages(messages)
    return len(messages)

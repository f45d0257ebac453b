"""E-mails about comments: who receives them, in which language, with which link.

The task function is called directly (a worker is not the point here); the enqueue is
checked through the on-commit callbacks the services register.
"""

import pytest
from django.core import mail

from accounts.models import User
from missions.models import Membership, Subscription
from missions.services import membership_create, membership_delete, phase_create
from stakeholders import comment_tasks
from stakeholders.notifications import comment_recipients, mentioned_user_ids
from stakeholders.services import (
    comment_answer,
    comment_create,
    subscription_create,
)
from tests.factories import UserFactory


@pytest.fixture
def phase(mission, admin):
    return phase_create(
        actor=admin, mission=mission, order=1, kind="implementation", name="Handover of Ituri"
    )


@pytest.fixture
def amina(mission, site_admin):
    user = UserFactory(email="amina@example.org", name="Amina Diallo", language="fr")
    membership_create(actor=site_admin, mission=mission, user=user, role="observer")
    return user


def comment_on(phase, author, body="A question"):
    return comment_create(
        actor=author, mission=phase.mission, body=body, target_type="phase", target_id=phase.pk
    )


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_reply_emails_the_items_followers_but_not_its_author(
    mission, phase, liaison, partner, staff
):
    thread = comment_on(phase, liaison)
    subscription_create(actor=partner, mission=mission, target_type="phase", target_id=phase.pk)
    reply = comment_create(actor=staff, mission=mission, body="We are on it.", parent=thread)

    comment_tasks.comment_notify(reply.pk)

    assert recipients() == [liaison.email, partner.email]
    assert "We are on it." in mail.outbox[0].body
    assert "Handover of Ituri" in mail.outbox[0].subject


def test_an_official_answer_reaches_the_person_who_asked(mission, phase, liaison, staff):
    thread = comment_on(phase, liaison)
    answer = comment_answer(actor=staff, comment=thread, body="Yes, since March.")

    comment_tasks.comment_notify(answer.pk)

    assert recipients() == [liaison.email]
    assert "Official answer" in mail.outbox[0].subject
    assert "official answer" in mail.outbox[0].body


def test_the_link_leads_to_the_thread_on_the_site(settings, mission, phase, liaison, staff):
    settings.SITE_URL = "https://exitplan.example.org"
    thread = comment_on(phase, liaison)
    reply = comment_create(actor=staff, mission=mission, body="Noted.", parent=thread)

    comment_tasks.comment_notify(reply.pk)

    link = (
        f"https://exitplan.example.org/missions/{mission.code}/comments/phase/{phase.pk}/"
        f"#comment-{thread.pk}"
    )
    assert link in mail.outbox[0].body


def test_mentioned_members_are_emailed_in_their_language(mission, phase, partner, amina):
    comment = comment_on(phase, partner, "Could @amina diallo confirm the figures?")

    comment_tasks.comment_notify(comment.pk)

    assert recipients() == [amina.email]
    assert mail.outbox[0].extra_headers["Content-Language"] == "fr"
    assert "vous avez été mentionné" in mail.outbox[0].body
    assert "mentioned" not in mail.outbox[0].body


def test_nobody_without_access_to_the_mission_is_emailed(
    mission, phase, liaison, partner, stranger, site_admin
):
    Subscription.objects.create(
        user=stranger, mission=mission, target_type="phase", target_id=phase.pk
    )
    subscription_create(actor=partner, mission=mission, target_type="phase", target_id=phase.pk)
    membership_delete(actor=site_admin, membership=Membership.objects.get(user=partner))
    comment = comment_on(phase, liaison, "Hello @Stranger and @Partner")

    comment_tasks.comment_notify(comment.pk)

    assert mail.outbox == []


def test_deactivated_followers_are_not_emailed(mission, phase, liaison, partner):
    subscription_create(actor=partner, mission=mission, target_type="phase", target_id=phase.pk)
    User.objects.filter(pk=partner.pk).update(is_active=False)
    comment = comment_on(phase, liaison)

    comment_tasks.comment_notify(comment.pk)

    assert mail.outbox == []


def test_mentioning_oneself_sends_nothing(mission, phase, liaison):
    comment = comment_on(phase, liaison, f"Note to self, @{liaison.name}")

    comment_tasks.comment_notify(comment.pk)

    assert mail.outbox == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@Amina Diallo please", {1}),
        ("@AMINA DIALLO, please", {1}),
        ("(@amina diallo)", {1}),
        ("@Amina please", {2}),
        ("@Amina Diallos please", {2}),  # not Amina Diallo; "Amina" still matches
        ("write to x@Amina Diallo", set()),
        ("Amina Diallo without an at sign", set()),
        ("@Amina Diallo and @Amina", {1, 2}),
    ],
)
def test_mentions_match_full_names_case_insensitively_longest_first(body, expected):
    members = [(1, "Amina Diallo"), (2, "Amina"), (3, "")]

    assert mentioned_user_ids(body, members) == expected


def test_comments_replies_and_answers_enqueue_one_task_after_commit(
    mission, phase, liaison, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as created:
        thread = comment_on(phase, liaison)
    with django_capture_on_commit_callbacks() as replied:
        reply = comment_create(actor=staff, mission=mission, body="Noted.", parent=thread)
    with django_capture_on_commit_callbacks() as answered:
        answer = comment_answer(actor=staff, comment=thread, body="Official.")

    for callbacks, comment in [(created, thread), (replied, reply), (answered, answer)]:
        assert len(callbacks) == 1
        assert callbacks[0].func == comment_tasks.comment_notify.delay
        assert callbacks[0].args == (comment.pk,)
    assert mail.outbox == []  # nothing is sent before the job runs


def test_recipients_cost_constant_queries(
    mission, phase, liaison, site_admin, django_assert_max_num_queries
):
    for i in range(20):
        user = UserFactory(email=f"follower{i}@example.org")
        membership_create(actor=site_admin, mission=mission, user=user, role="partner")
        subscription_create(actor=user, mission=mission, target_type="phase", target_id=phase.pk)
    comment = comment_on(phase, liaison)

    with django_assert_max_num_queries(3):
        people = comment_recipients(comment)

    assert len(people) == 20 and all(follows for _user, follows in people)

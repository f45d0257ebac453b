"""Comment pages: an item's threads and the mission's conversations, for every persona.

Data is built through the services; query counts are measured with 2 threads and asserted,
unchanged, with 50.
"""

import pytest
from django.urls import reverse

from missions.models import Mission, Subscription
from missions.services import phase_create
from stakeholders.models import Comment
from stakeholders.services import comment_answer, comment_create, comment_resolve

SIZES = [2, 50]
# Session and user (2), session save (3); the mission with the membership and grants (1); the
# item (1); threads and their replies (2); whether the caller follows the item (1).
ITEM_QUERIES = 10
# The same start (6); the page's count and its threads with titles and reply counts (2).
MISSION_QUERIES = 8


@pytest.fixture
def phase(mission, admin):
    return phase_create(
        actor=admin, mission=mission, order=1, kind="implementation", name="Handover of Ituri"
    )


def item_url(mission, phase):
    return reverse("missions:comments-item", args=[mission.code, "phase", phase.pk])


def mission_url(mission):
    return reverse("missions:comments", args=[mission.code])


def action_url(mission, name, pk):
    return reverse(f"missions:comment-{name}", args=[mission.code, pk])


@pytest.fixture
def thread(mission, phase, liaison):
    return comment_create(
        actor=liaison,
        mission=mission,
        body="Are the P-DDRCS figures counted?",
        target_type="phase",
        target_id=phase.pk,
    )


# Reading -------------------------------------------------------------------------------


def test_item_page_shows_threads_with_replies_and_the_official_answer(
    client, mission, phase, thread, partner, staff, observer
):
    comment_create(actor=partner, mission=mission, body="Same question from us.", parent=thread)
    comment_answer(actor=staff, comment=thread, body="Yes, from the March round.")
    client.force_login(observer)

    html = client.get(item_url(mission, phase)).content.decode()

    assert "Handover of Ituri" in html
    assert "Are the P-DDRCS figures counted?" in html and "Same question from us." in html
    assert "Official answer" in html and "Yes, from the March round." in html
    assert 'class="comment-body" dir="auto"' in html
    assert "Answered" in html
    assert "Post comment" not in html and "Post reply" not in html


@pytest.mark.parametrize("n", SIZES)
def test_item_page_queries_do_not_grow_with_comments(
    client, mission, phase, liaison, staff, n, django_assert_max_num_queries
):
    for i in range(n):
        first = comment_create(
            actor=liaison, mission=mission, body=f"Q{i}", target_type="phase", target_id=phase.pk
        )
        comment_create(actor=staff, mission=mission, body=f"R{i}", parent=first)
    client.force_login(staff)

    with django_assert_max_num_queries(ITEM_QUERIES):
        response = client.get(item_url(mission, phase))

    assert response.status_code == 200
    assert response.content.decode().count('class="card comment-thread"') == n


@pytest.mark.parametrize("n", SIZES)
def test_mission_page_queries_do_not_grow_with_comments(
    client, mission, phase, liaison, staff, n, django_assert_max_num_queries
):
    for i in range(n):
        first = comment_create(
            actor=liaison, mission=mission, body=f"Q{i}", target_type="phase", target_id=phase.pk
        )
        comment_create(actor=staff, mission=mission, body=f"R{i}", parent=first)
    client.force_login(staff)

    with django_assert_max_num_queries(MISSION_QUERIES):
        response = client.get(mission_url(mission))

    assert response.status_code == 200
    assert response.content.decode().count('class="card comment-summary"') == min(n, 25)


def test_mission_page_filters_by_status_and_links_each_thread_to_its_item(
    client, mission, phase, thread, liaison, staff
):
    other = comment_create(
        actor=liaison, mission=mission, body="Still open", target_type="phase", target_id=phase.pk
    )
    comment_resolve(actor=staff, comment=thread)
    client.force_login(liaison)

    resolved = client.get(mission_url(mission), {"status": "resolved"}).content.decode()
    open_ = client.get(mission_url(mission), {"status": "open"}).content.decode()

    assert "P-DDRCS" in resolved and "Still open" not in resolved
    assert "Still open" in open_ and "P-DDRCS" not in open_
    assert f"{item_url(mission, phase)}#comment-{other.pk}" in open_
    assert "Handover of Ituri" in open_


def test_mission_page_is_paginated(client, mission, phase, liaison):
    for i in range(30):
        comment_create(
            actor=liaison, mission=mission, body=f"Q{i}", target_type="phase", target_id=phase.pk
        )
    client.force_login(liaison)

    second = client.get(mission_url(mission), {"page": 2}).content.decode()

    assert second.count('class="card comment-summary"') == 5
    assert "Page 2 of 2" in second


def test_unknown_item_or_kind_is_404(client, mission, phase, liaison, other_mission, site_admin):
    foreign = phase_create(
        actor=site_admin, mission=other_mission, order=1, kind="handover", name="Elsewhere"
    )
    client.force_login(liaison)

    assert client.get(item_url(mission, foreign)).status_code == 404
    assert (
        client.get(
            reverse("missions:comments-item", args=[mission.code, "mission", phase.pk])
        ).status_code
        == 404
    )


# Permissions ----------------------------------------------------------------------------


def test_stranger_gets_404_and_anonymous_is_sent_to_sign_in(
    client, mission, phase, thread, stranger
):
    anonymous = [client.get(item_url(mission, phase)), client.get(mission_url(mission))]
    client.force_login(stranger)
    strange = [
        client.get(item_url(mission, phase)),
        client.get(mission_url(mission)),
        client.post(item_url(mission, phase), {"body": "Hi"}),
        client.post(action_url(mission, "reply", thread.pk), {"body": "Hi"}),
    ]

    assert all(r.status_code == 302 and "/accounts/login/" in r["Location"] for r in anonymous)
    assert [r.status_code for r in strange] == [404, 404, 404, 404]


def test_observer_reads_but_gets_403_naming_roles_for_commenting(
    client, mission, phase, thread, observer
):
    client.force_login(observer)

    page = client.get(item_url(mission, phase))
    posts = [
        client.post(item_url(mission, phase), {"body": "Hi"}),
        client.post(action_url(mission, "reply", thread.pk), {"body": "Hi"}),
        client.post(reverse("missions:item-follow", args=[mission.code, "phase", phase.pk]), {}),
    ]

    assert page.status_code == 200
    assert [r.status_code for r in posts] == [403, 403, 403]
    assert "Partner" in posts[0].content.decode() and "Liaison" in posts[0].content.decode()
    assert Comment.objects.count() == 1


def test_partner_comments_and_replies_but_gets_403_naming_roles_for_answering(
    client, mission, phase, thread, partner
):
    client.force_login(partner)

    created = client.post(item_url(mission, phase), {"body": "From the NGO forum."})
    replied = client.post(action_url(mission, "reply", thread.pk), {"body": "Agreed."})
    answered = client.post(
        action_url(mission, "answer", thread.pk), {"body": "Official?", "version": thread.version}
    )
    resolved = client.post(action_url(mission, "resolve", thread.pk), {"version": thread.version})

    new = Comment.objects.get(body="From the NGO forum.")
    assert created.status_code == 302
    assert created["Location"] == f"{item_url(mission, phase)}#comment-{new.pk}"
    assert replied.status_code == 302
    assert Comment.objects.get(body="Agreed.").parent_id == thread.pk
    assert answered.status_code == 403 and resolved.status_code == 403
    text = answered.content.decode()
    assert "Admin" in text and "Staff" in text
    thread.refresh_from_db()
    assert thread.status == "open"


def test_staff_answers_officially_and_the_thread_becomes_answered(
    client, mission, phase, thread, staff
):
    client.force_login(staff)

    response = client.post(
        action_url(mission, "answer", thread.pk),
        {"body": "They are, since March.", "version": thread.version},
    )

    thread.refresh_from_db()
    reply = thread.replies.get()
    assert response.status_code == 302
    assert thread.status == "answered" and reply.is_official and reply.author == staff


def test_a_stale_answer_or_resolve_is_not_applied_and_says_why(
    client, mission, phase, thread, staff
):
    stale = thread.version
    comment_answer(actor=staff, comment=thread, body="First answer.")
    client.force_login(staff)

    response = client.post(
        action_url(mission, "resolve", thread.pk), {"version": stale}, follow=True
    )

    thread.refresh_from_db()
    assert thread.status == "answered"
    assert "changed since you opened the page" in response.content.decode()


def test_resolved_thread_takes_no_reply(client, mission, phase, thread, staff, partner):
    comment_resolve(actor=staff, comment=thread)
    client.force_login(partner)

    page = client.get(item_url(mission, phase)).content.decode()
    response = client.post(action_url(mission, "reply", thread.pk), {"body": "Late"})

    assert "Post reply" not in page and "is resolved" in page
    assert response.status_code == 409


def test_author_edits_own_comment_with_its_version_and_others_get_403(
    client, mission, phase, thread, liaison, partner
):
    client.force_login(partner)
    other = client.post(
        action_url(mission, "edit", thread.pk), {"body": "Hijack", "version": thread.version}
    )
    client.force_login(liaison)
    own = client.post(
        action_url(mission, "edit", thread.pk), {"body": "Clarified", "version": thread.version}
    )

    thread.refresh_from_db()
    assert other.status_code == 403
    assert own.status_code == 302 and thread.body == "Clarified" and thread.version == 2


def test_empty_comment_is_refused_with_the_form_again(client, mission, phase, partner):
    client.force_login(partner)

    plain = client.post(item_url(mission, phase), {"body": "  "})
    htmx = client.post(item_url(mission, phase), {"body": ""}, HTTP_HX_REQUEST="true")

    assert plain.status_code == 400 and 'class="errorlist"' in plain.content.decode()
    assert htmx.status_code == 200 and 'id="comment-threads"' in htmx.content.decode()
    assert not Comment.objects.exists()


def test_follow_and_stop_following_an_item(client, mission, phase, partner):
    client.force_login(partner)
    follow = reverse("missions:item-follow", args=[mission.code, "phase", phase.pk])
    unfollow = reverse("missions:item-unfollow", args=[mission.code, "phase", phase.pk])

    client.post(follow)
    following = client.get(item_url(mission, phase)).content.decode()
    client.post(unfollow)
    after = client.get(item_url(mission, phase)).content.decode()

    assert "Stop following" in following
    assert ">Follow<" in after
    assert not Subscription.objects.filter(user=partner).exists()


def test_closed_mission_reads_but_answers_409_to_posts(client, mission, phase, thread, staff):
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.CLOSED)
    client.force_login(staff)

    page = client.get(item_url(mission, phase)).content.decode()
    response = client.post(item_url(mission, phase), {"body": "Too late"})

    assert "Post comment" not in page and "read-only" in page
    assert response.status_code == 409


def test_plan_rows_and_mission_menu_link_to_comments(client, mission, phase, thread, liaison):
    client.force_login(liaison)

    html = client.get(reverse("missions:plan", args=[mission.code])).content.decode()

    assert f'href="{item_url(mission, phase)}"' in html
    assert f'href="{mission_url(mission)}"' in html

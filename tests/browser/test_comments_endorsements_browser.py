"""Liaisons, partners and staff in a real browser: comments, follow-up e-mails, endorsements.

No Celery worker runs here: the comment services enqueue their e-mail job after commit as
always, and the tests then run the job's function themselves to see what it sends.
"""

import pytest
from django.core import mail

from assessments.services import readiness_snapshot_create
from missions.services import membership_create, phase_create
from stakeholders import comment_tasks
from stakeholders.models import Comment, Stakeholder
from tests.factories import StakeholderFactory, UserFactory

from .conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def phase(mission, admin):
    return phase_create(
        actor=admin,
        mission=mission,
        order=1,
        kind="handover",
        name="Handover to the national police",
        gate_threshold=0,
        requires_endorsement=True,
    )


@pytest.fixture
def gov_liaison(mission, site_admin):
    government = StakeholderFactory(
        mission=mission, name="Ministry of the Interior", kind=Stakeholder.Kind.HOST_GOVERNMENT
    )
    user = UserFactory(email="gov@example.org", name="Gov Liaison")
    membership_create(
        actor=site_admin, mission=mission, user=user, role="liaison", stakeholder=government
    )
    return user


def open_thread_page(page, mission, phase):
    page.goto(f"/missions/{mission.code}/plan/")
    page.locator(f"#comments-phase-{phase.pk}").click()
    page.wait_for_url(f"**/comments/phase/{phase.pk}/**")


def test_liaison_comments_and_staff_answers_officially(new_page, mission, phase, liaison, staff):
    asker = new_page()
    sign_in(asker, liaison.email)
    open_thread_page(asker, mission, phase)
    asker.locator("#new-comment-body").fill("When does the police take over Bunia?")
    asker.locator("#post-comment").click()
    asker.locator(".comment-body", has_text="When does the police take over Bunia?").wait_for()
    thread = Comment.objects.get()

    answerer = new_page()
    sign_in(answerer, staff.email)
    open_thread_page(answerer, mission, phase)
    article = answerer.locator(f"#comment-{thread.pk}")
    article.get_by_text("Official answer", exact=True).click()
    answerer.locator(f"#answer-{thread.pk}").fill("In March, after the joint review.")
    answerer.locator(f"#post-answer-{thread.pk}").click()
    article.locator(".comment-body", has_text="In March, after the joint review.").wait_for()

    asker.reload()
    answer = asker.locator(f"#comment-{thread.pk} .comment-official")
    assert "In March, after the joint review." in answer.inner_text()
    assert "Official answer" in answer.inner_text()
    assert "Answered" in asker.locator(f"#comment-{thread.pk}").inner_text()


def test_partner_follows_an_item_and_receives_the_next_reply(
    new_page, mission, phase, liaison, partner, staff
):
    from stakeholders.services import comment_create

    thread = comment_create(
        actor=liaison,
        mission=mission,
        body="Who trains the police?",
        target_type="phase",
        target_id=phase.pk,
    )
    follower = new_page()
    sign_in(follower, partner.email)
    open_thread_page(follower, mission, phase)
    follower.locator("#follow").click()
    follower.locator("#unfollow").wait_for()

    replier = new_page()
    sign_in(replier, staff.email)
    open_thread_page(replier, mission, phase)
    replier.locator(f"#comment-{thread.pk}").get_by_text("Reply", exact=True).click()
    replier.locator(f"#reply-{thread.pk}").fill("UNPOL, with the EU mission.")
    replier.locator(f"#post-reply-{thread.pk}").click()
    replier.locator(".comment-body", has_text="UNPOL, with the EU mission.").wait_for()
    reply = Comment.objects.get(body="UNPOL, with the EU mission.")
    mail.outbox.clear()

    comment_tasks.comment_notify(reply.pk)

    to_partner = [m for m in mail.outbox if m.to == [partner.email]]
    assert len(to_partner) == 1
    assert "UNPOL, with the EU mission." in to_partner[0].body
    assert f"/comments/phase/{phase.pk}/#comment-{thread.pk}" in to_partner[0].body
    assert staff.email not in [address for m in mail.outbox for address in m.to]


def gate_badge(page, mission, phase):
    page.goto(f"/missions/{mission.code}/")
    item = page.locator(".timeline-item", has_text=phase.name)
    return item.locator(".badge-open, .badge-closed").first.inner_text()


def test_liaison_endorses_a_gate_which_opens_and_closes_again_on_withdrawal(
    new_page, mission, phase, gov_liaison
):
    readiness_snapshot_create(mission=mission)
    page = new_page()
    sign_in(page, gov_liaison.email)
    assert gate_badge(page, mission, phase) == "closed"

    page.goto(f"/missions/{mission.code}/plan/")
    panel = page.locator(f"#endorsements-{phase.pk}")
    panel.locator("summary", has_text="Endorse this gate").click()
    page.locator(f"#statement-{phase.pk}").fill("The ministry is ready.")
    page.locator(f"#endorse-{phase.pk}").click()
    panel.get_by_text("endorsed by Gov Liaison").wait_for()
    readiness_snapshot_create(mission=mission)
    assert gate_badge(page, mission, phase) == "open"

    page.goto(f"/missions/{mission.code}/plan/")
    panel.locator("summary", has_text="Withdraw").click()
    page.locator(f"#reason-{phase.pk}").fill("Incidents rose again.")
    page.locator(f"#withdraw-{phase.pk}").click()
    panel.get_by_text("endorsement was withdrawn").wait_for()
    readiness_snapshot_create(mission=mission)
    assert gate_badge(page, mission, phase) == "closed"

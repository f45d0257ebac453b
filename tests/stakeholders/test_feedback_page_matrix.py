"""The permission matrix of the feedback form pages and the public form page.

Every persona of tests/test_permission_matrix.py against every page and action, with the
expected outcome read from missions.access.POLICY: anonymous → 302 to sign in; a stranger
→ 404; a role without the permission → 403; a role with it → success.
"""

import pytest
from django.core.cache import cache
from django.urls import reverse

from stakeholders.models import FeedbackForm, FeedbackSubmission
from stakeholders.services import feedback_form_create, feedback_form_publish
from tests.test_permission_matrix import PERSONAS, ROLES, expected, world  # noqa: F401 (a fixture)

QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel?", "required": True},
    {"kind": "text", "label": "Anything else?"},
]


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def w(request):
    """The permission matrix's world: two missions, every role in alpha, a stranger."""
    return request.getfixturevalue("world")


@pytest.fixture
def forms(w):
    alpha = w["missions"]["alpha"]["mission"]
    actor = w["site_admin"]
    draft = feedback_form_create(
        actor=actor, mission=alpha, title="Draft survey", questions=QUESTIONS
    )
    published = feedback_form_publish(
        actor=actor,
        form=feedback_form_create(
            actor=actor, mission=alpha, title="Market survey", questions=QUESTIONS
        ),
    )
    return {"draft": draft, "published": published}


def u(name, form_key=None):
    def build(w, forms):
        args = ["alpha"] + ([forms[form_key].pk] if form_key else [])
        return reverse(f"missions:feedback-{name}", args=args)

    return build


def builder(w, forms):
    return {
        "title": "New survey",
        "language": "en",
        "allow_anonymous": "on",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-kind": "text",
        "questions-0-label": "What changed?",
    }


def version(key):
    return lambda w, forms: {"version": forms[key].version}


def answer(w, forms):
    scale = forms["published"].questions.get(kind="scale")
    return {f"q{scale.pk}": "4"}


# (name, permission, method, url, payload, success status)
PAGE_ACTIONS = [
    ("list", "view_mission", "get", u("list"), None, 200),
    ("published form", "view_mission", "get", u("detail", "published"), None, 200),
    ("builder", "manage_feedback", "get", u("new"), None, 200),
    ("create", "manage_feedback", "post", u("new"), builder, 302),
    ("edit page", "manage_feedback", "get", u("edit", "draft"), None, 200),
    (
        "edit",
        "manage_feedback",
        "post",
        u("edit", "draft"),
        lambda w, f: {**builder(w, f), "questions-TOTAL_FORMS": "0", "version": "1"},
        302,
    ),
    ("preview", "manage_feedback", "get", u("preview", "draft"), None, 200),
    ("publish", "manage_feedback", "post", u("publish", "draft"), version("draft"), 302),
    ("close page", "manage_feedback", "get", u("close", "published"), None, 200),
    ("close", "manage_feedback", "post", u("close", "published"), version("published"), 302),
    ("new link page", "manage_feedback", "get", u("rotate-link", "published"), None, 200),
    (
        "new link",
        "manage_feedback",
        "post",
        u("rotate-link", "published"),
        version("published"),
        302,
    ),
    ("delete page", "manage_feedback", "get", u("delete", "draft"), None, 200),
    ("delete", "manage_feedback", "post", u("delete", "draft"), version("draft"), 302),
    ("answer page", "submit_feedback", "get", u("answer", "published"), None, 200),
    ("answer", "submit_feedback", "post", u("answer", "published"), answer, 302),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "url", "payload", "ok"),
    PAGE_ACTIONS,
    ids=[a[0] for a in PAGE_ACTIONS],
)
def test_feedback_page_matrix(client, w, forms, persona, name, perm, method, url, payload, ok):
    if persona != "anonymous":
        client.force_login(w["people"][persona])
    before = (FeedbackForm.objects.count(), FeedbackSubmission.objects.count())

    response = getattr(client, method)(url(w, forms), payload(w, forms) if payload else None)

    assert response.status_code == expected(persona, perm, api=False, ok=ok), name
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if response.status_code == 403:
        assert "Roles that may" in response.content.decode()
    if method == "post" and response.status_code != ok:
        assert (FeedbackForm.objects.count(), FeedbackSubmission.objects.count()) == before


@pytest.mark.parametrize("persona", ROLES)
def test_a_draft_exists_only_for_those_who_manage_feedback(client, w, forms, persona):
    client.force_login(w["people"][persona])

    response = client.get(reverse("missions:feedback-detail", args=["alpha", forms["draft"].pk]))

    assert response.status_code == (200 if persona in ("admin", "staff") else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_public_page_is_open_to_everyone_whatever_their_role(client, w, forms, persona):
    """The token is the key: strangers, anonymous visitors and members alike, all anonymous."""
    if persona != "anonymous":
        client.force_login(w["people"][persona])
    link = f"/f/{forms['published'].public_token}/"

    read = client.get(link)
    answered = client.post(link, answer(w, forms))

    assert (read.status_code, answered.status_code) == (200, 302)
    assert FeedbackSubmission.objects.get().user is None


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_drafts_public_link_answers_nobody(client, w, forms, persona):
    if persona != "anonymous":
        client.force_login(w["people"][persona])

    response = client.get(f"/f/{forms['draft'].public_token}/")

    assert response.status_code == 409
    assert "not published yet" in response.content.decode()

"""The permission matrix of the feedback results pages, exports and perception action.

Every persona of tests/test_permission_matrix.py against every surface, the expected
outcome read from missions.access.POLICY: anonymous → sign in (302), stranger → 404, a role
without the permission → 403, allowed → success. A draft's results do not exist (404) for
those who may not manage forms.
"""

import pytest
from django.urls import reverse

from assessments.models import Score
from assessments.selectors import mission_today
from missions.access import allowed_roles
from missions.services import benchmark_create, objective_create
from stakeholders.models import FeedbackForm, Question
from stakeholders.services import (
    feedback_form_create,
    feedback_form_publish,
    feedback_submission_create,
)
from tests.test_permission_matrix import PERSONAS, expected, world  # noqa: F401 (a fixture)


@pytest.fixture
def alpha(db, request):
    """The matrix world with a published form (answered once) and a draft in alpha."""
    w = request.getfixturevalue("world")
    mission = w["missions"]["alpha"]["mission"]
    actor = w["site_admin"]
    objective = objective_create(actor=actor, mission=mission, category="security", title="Safety")
    benchmark_create(actor=actor, objective=objective, code="bm-safe", title="Safe", kind="rating")
    questions = [
        {"kind": "scale", "label": "Safe?", "benchmark": "bm-safe"},
        {"kind": "text", "label": "Why?"},
    ]
    form = feedback_form_create(actor=actor, mission=mission, title="Survey", questions=questions)
    w["form"] = feedback_form_publish(actor=actor, form=form)
    w["draft"] = feedback_form_create(
        actor=actor, mission=mission, title="Draft", questions=questions
    )
    w["scale"] = Question.objects.get(form=w["form"], kind="scale")
    feedback_submission_create(
        form=w["form"], answers={str(w["scale"].pk): 4}, stakeholder_kind="community"
    )
    return w


def _perception(w):
    form = FeedbackForm.objects.get(pk=w["form"].pk)
    return {
        "question": w["scale"].pk,
        "as_of": mission_today(form.mission).isoformat(),
        "version": form.version,
    }


# (name, permission, method, url builder, payload builder, success, hidden without perm)
PAGES = [
    (
        "results page",
        "view_feedback_results",
        "get",
        lambda w: reverse("missions:feedback-results", args=["alpha", w["form"].pk]),
        None,
        200,
        False,
    ),
    (
        "results csv",
        "view_feedback_results",
        "get",
        lambda w: reverse("missions:feedback-results-csv", args=["alpha", w["form"].pk]),
        None,
        200,
        False,
    ),
    (
        "results xlsx",
        "view_feedback_results",
        "get",
        lambda w: reverse("missions:feedback-results-xlsx", args=["alpha", w["form"].pk]),
        None,
        200,
        False,
    ),
    (
        "draft results page",
        "manage_feedback",
        "get",
        lambda w: reverse("missions:feedback-results", args=["alpha", w["draft"].pk]),
        None,
        200,
        True,
    ),
    (
        "draft results csv",
        "manage_feedback",
        "get",
        lambda w: reverse("missions:feedback-results-csv", args=["alpha", w["draft"].pk]),
        None,
        200,
        True,
    ),
    (
        "draft results xlsx",
        "manage_feedback",
        "get",
        lambda w: reverse("missions:feedback-results-xlsx", args=["alpha", w["draft"].pk]),
        None,
        200,
        True,
    ),
    (
        "record perception",
        "manage_feedback",
        "post",
        lambda w: reverse("missions:feedback-perception", args=["alpha", w["form"].pk]),
        _perception,
        302,
        False,
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "url", "payload", "ok", "hidden"), PAGES, ids=[p[0] for p in PAGES]
)
def test_page_matrix(client, alpha, persona, name, perm, method, url, payload, ok, hidden):
    if persona != "anonymous":
        client.force_login(alpha["people"][persona])

    response = getattr(client, method)(url(alpha), payload(alpha) if payload else None)

    want = expected(persona, perm, api=False, ok=ok)
    if hidden and want == 403:
        want = 404  # a draft does not exist for those who may not manage forms
    assert response.status_code == want
    if want == 302 and persona == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if want == 403:
        assert "Roles that may" in response.content.decode()
    if name == "record perception":
        assert Score.objects.exists() == (want == 302 and persona != "anonymous")


@pytest.mark.parametrize("persona", ["admin", "staff", "liaison", "partner", "observer"])
def test_the_results_endpoint_of_the_api_and_the_page_agree_on_who_sees_everything(
    client, alpha, persona
):
    """The API decides "full results" through the same selector as the pages."""
    client.force_login(alpha["people"][persona])
    form = alpha["form"]

    api = client.get(f"/api/v1/missions/alpha/feedback-forms/{form.pk}/results/").json()
    page = client.get(reverse("missions:feedback-results", args=["alpha", form.pk]))

    full = persona in allowed_roles("manage_feedback")
    assert (api["total"] == 1) == full
    assert ('id="results-total">1<' in page.content.decode()) == full

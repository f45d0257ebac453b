"""The permission matrix of the consultation pages: every page and action × every persona,
and who sees which consultations and which contacts.

The world is tests/test_permission_matrix.py's (mission alpha, where the liaison speaks for
the government and the partner for the NGO); the expected outcome of each cell comes from
missions.access.POLICY through that module's ``expected``, except where a role holds the
permission but may not see the object (404, as if it did not exist).
"""

import pytest
from django.urls import reverse

from missions.services import record_update
from stakeholders.models import Consultation, Invitation
from stakeholders.services import contact_create, invitation_create
from tests import test_permission_matrix as matrix
from tests.stakeholders.test_pages_consultations import FORM, schedule
from tests.test_permission_matrix import PERSONAS, ROLES, expected

world = matrix.world  # the matrix's fixture, used here as it is
MANAGERS = {"admin", "staff"}


@pytest.fixture
def scene(world):
    """In alpha: a consultation the government is invited to (through the liaison's own
    contact and a minister), one nobody is invited to, and an NGO contact not invited yet."""
    alpha = world["missions"]["alpha"]
    actor = world["site_admin"]
    mine = contact_create(
        actor=actor,
        stakeholder=alpha["government"],
        name="Liaison Contact",
        email="liaison@gov.lb",
        user=world["people"]["liaison"],
    )
    minister = contact_create(
        actor=actor, stakeholder=alpha["government"], name="Minister Aoun", email="min@gov.lb"
    )
    spare = contact_create(actor=actor, stakeholder=alpha["ngo"], name="Amina", email="a@ngo.lb")
    invited_to = schedule(actor, alpha["mission"], title="Government talks")
    empty = schedule(actor, alpha["mission"], title="Nobody invited yet")
    invitation = invitation_create(actor=actor, consultation=invited_to, contact=mine)
    invitation_create(actor=actor, consultation=invited_to, contact=minister)
    return {
        "consultation": invited_to,
        "empty": empty,
        "invitation": invitation,
        "contact": spare,
    }


def _c(scene, name="consultation-detail", *extra):
    return reverse(f"missions:{name}", args=["alpha", scene["consultation"].pk, *extra])


def _i(scene, name):
    return _c(scene, f"consultation-invitation-{name}", scene["invitation"].pk)


# (name, permission, method, url, payload, success, outcome for roles that hold the
# permission but may not see the object)
MATRIX = [
    (
        "list",
        "view_mission",
        "get",
        lambda s: reverse("missions:consultation-list", args=["alpha"]),
        None,
        200,
        {},
    ),
    ("detail", "view_mission", "get", lambda s: _c(s), None, 200, {"partner": 404}),
    (
        "new form",
        "manage_consultations",
        "get",
        lambda s: reverse("missions:consultation-new", args=["alpha"]),
        None,
        200,
        {},
    ),
    (
        "schedule",
        "manage_consultations",
        "post",
        lambda s: reverse("missions:consultation-new", args=["alpha"]),
        lambda s: {**FORM, "timezone": "Asia/Beirut"},
        302,
        {},
    ),
    (
        "edit form",
        "manage_consultations",
        "get",
        lambda s: _c(s, "consultation-edit"),
        None,
        200,
        {},
    ),
    (
        "move",
        "manage_consultations",
        "post",
        lambda s: _c(s, "consultation-edit"),
        lambda s: {**FORM, "version": 1},
        302,
        {},
    ),
    (
        "cancel form",
        "manage_consultations",
        "get",
        lambda s: _c(s, "consultation-cancel"),
        None,
        200,
        {},
    ),
    (
        "cancel",
        "manage_consultations",
        "post",
        lambda s: _c(s, "consultation-cancel"),
        lambda s: {"version": 1},
        302,
        {},
    ),
    (
        "outcome",
        "manage_consultations",
        "post",
        lambda s: _c(s, "consultation-outcome"),
        lambda s: {"outcome": "Agreed.", "version": 1},
        302,
        {},
    ),
    (
        "feedback form",
        "manage_consultations",
        "post",
        lambda s: _c(s, "consultation-feedback-form"),
        lambda s: {"feedback_form": "", "version": 1},
        302,
        {},
    ),
    (
        "invite",
        "manage_consultations",
        "post",
        lambda s: _c(s, "consultation-invite"),
        lambda s: {"contacts": [s["contact"].pk]},
        302,
        {},
    ),
    (
        "withdraw",
        "manage_consultations",
        "post",
        lambda s: _i(s, "remove"),
        lambda s: {"version": 1},
        302,
        {},
    ),
    (
        "resend",
        "manage_consultations",
        "post",
        lambda s: _i(s, "resend"),
        lambda s: {"version": 1},
        302,
        {},
    ),
    (
        "rsvp",
        "view_mission",
        "post",
        lambda s: _i(s, "rsvp"),
        lambda s: {"rsvp": "accepted", "version": 1},
        302,
        {"partner": 404, "observer": 404},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "perm", "method", "url", "payload", "ok", "unseen"),
    MATRIX,
    ids=[m[0] for m in MATRIX],
)
def test_page_matrix(client, world, scene, persona, name, perm, method, url, payload, ok, unseen):
    if persona != "anonymous":
        client.force_login(world["people"][persona])

    response = getattr(client, method)(url(scene), payload(scene) if payload else None)

    want = expected(persona, perm, api=False, ok=ok)
    assert response.status_code == unseen.get(persona, want), response.content[:500]
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if response.status_code == 302 and persona != "anonymous":
        assert "/accounts/login/" not in response["Location"]


def _writes_in(scene) -> tuple:
    consultation = Consultation.objects.get(pk=scene["consultation"].pk)
    return (
        consultation.version,
        consultation.status,
        Consultation.objects.count(),
        Invitation.objects.count(),
        Invitation.objects.get(pk=scene["invitation"].pk).version,
    )


@pytest.mark.parametrize("persona", ["liaison", "partner", "observer", "stranger", "anonymous"])
@pytest.mark.parametrize(
    ("name", "url", "payload"),
    [(m[0], m[3], m[4]) for m in MATRIX if m[1] == "manage_consultations" and m[2] == "post"],
    ids=[m[0] for m in MATRIX if m[1] == "manage_consultations" and m[2] == "post"],
)
def test_a_refused_write_changes_nothing(client, world, scene, persona, name, url, payload):
    if persona != "anonymous":
        client.force_login(world["people"][persona])
    before = _writes_in(scene)

    client.post(url(scene), payload(scene))

    assert _writes_in(scene) == before


def test_a_403_names_the_roles_that_may(client, world, scene):
    client.force_login(world["people"]["observer"])

    response = client.get(_c(scene, "consultation-edit"))

    assert response.status_code == 403
    assert "Roles that may: Admin, Staff." in response.content.decode()


# Who sees which consultations ---------------------------------------------------------------

SEES = {
    "admin": {"Government talks", "Nobody invited yet"},
    "staff": {"Government talks", "Nobody invited yet"},
    "observer": {"Government talks", "Nobody invited yet"},
    "liaison": {"Government talks"},
    "partner": set(),
}


@pytest.mark.parametrize("persona", ROLES)
def test_each_role_lists_the_consultations_it_may_see(client, world, scene, persona):
    client.force_login(world["people"][persona])

    html = client.get(reverse("missions:consultation-list", args=["alpha"])).content.decode()

    shown = {title for title in ("Government talks", "Nobody invited yet") if title in html}
    assert shown == SEES[persona]


@pytest.mark.parametrize("persona", ROLES)
def test_a_consultation_nobody_invited_them_to_is_404_for_liaisons_and_partners(
    client, world, scene, persona
):
    client.force_login(world["people"][persona])

    response = client.get(
        reverse("missions:consultation-detail", args=["alpha", scene["empty"].pk])
    )

    assert response.status_code == (404 if persona in {"liaison", "partner"} else 200)


def test_a_partner_whose_own_user_is_an_invited_contact_sees_it(client, world, scene):
    alpha = world["missions"]["alpha"]
    partner = world["people"]["partner"]
    own = contact_create(
        actor=world["site_admin"], stakeholder=alpha["government"], name="P", user=partner
    )
    invitation_create(actor=world["site_admin"], consultation=scene["empty"], contact=own)
    client.force_login(partner)

    html = client.get(reverse("missions:consultation-list", args=["alpha"])).content.decode()

    assert "Nobody invited yet" in html and "Government talks" not in html


# Who sees which contacts ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ROLES)
def test_contact_details_show_only_to_those_who_manage_consultations(client, world, scene, persona):
    client.force_login(world["people"][persona])

    html = client.get(_c(scene)).content.decode() if persona != "partner" else ""

    # Other people's names and addresses: managers only (the liaison sees their own answer).
    assert ("min@gov.lb" in html) == (persona in MANAGERS)
    assert ("Minister Aoun" in html) == (persona in MANAGERS)
    assert ("liaison@gov.lb" in html) == (persona in MANAGERS)
    assert ("Amina" in html) == (persona in MANAGERS)  # the invite list's options
    assert ("a@ngo.lb" in html) == (persona in MANAGERS)


def test_a_liaisons_page_offers_their_own_answer_only(client, world, scene):
    client.force_login(world["people"]["liaison"])

    html = client.get(_c(scene)).content.decode()

    assert f'action="{_i(scene, "rsvp")}"' in html
    assert html.count('name="rsvp"') == 3  # the three answers of one form


@pytest.mark.parametrize("persona", ROLES)
def test_a_closed_missions_consultations_are_read_only(client, world, scene, persona):
    mission = world["missions"]["alpha"]["mission"]
    record_update(actor=world["site_admin"], instance=mission, data={"status": "closed"})
    client.force_login(world["people"][persona])

    page = client.get(_c(scene)) if persona != "partner" else None
    response = client.post(_c(scene, "consultation-outcome"), {"outcome": "x", "version": 1})

    assert response.status_code == (409 if persona in MANAGERS else 403)
    if page is not None:
        html = page.content.decode()
        assert page.status_code == 200
        assert 'id="edit-consultation"' not in html and 'name="contacts"' not in html
        assert 'name="rsvp"' not in html

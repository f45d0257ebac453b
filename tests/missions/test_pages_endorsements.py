"""Endorsements of phase gates in the browser's pages: given, withdrawn and read.

A liaison who speaks for a host-government stakeholder endorses and withdraws; everyone
else who sees the mission reads. Data is built through the services.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from missions.access import access_for
from missions.models import Membership, Mission, Phase, PhaseEndorsement
from missions.services import (
    membership_create,
    phase_create,
    phase_endorse,
    record_update,
)
from stakeholders.models import Stakeholder
from tests.factories import StakeholderFactory, UserFactory

# Session and user (2), session save (3); the mission with the membership and grants (1); the
# phase (1); its active endorsements (1); when the gate's terms changed (4).
PANEL_QUERIES = 12


@pytest.fixture
def government(mission):
    return StakeholderFactory(
        mission=mission, name="Ministry of the Interior", kind=Stakeholder.Kind.HOST_GOVERNMENT
    )


@pytest.fixture
def gov_liaison(mission, site_admin, government):
    user = UserFactory(email="gov@example.org", name="Gov Liaison")
    membership_create(
        actor=site_admin, mission=mission, user=user, role="liaison", stakeholder=government
    )
    return user


@pytest.fixture
def phase(mission, admin):
    return phase_create(
        actor=admin,
        mission=mission,
        order=1,
        kind="handover",
        name="Handover",
        gate_threshold=0,
        requires_endorsement=True,
    )


def panel_url(mission, phase):
    return reverse("missions:phase-endorsements", args=[mission.code, phase.pk])


def endorse_url(mission, phase):
    return reverse("missions:phase-endorse", args=[mission.code, phase.pk])


def withdraw_url(mission, phase):
    return reverse("missions:phase-endorsement-withdraw", args=[mission.code, phase.pk])


def endorse(user, phase, statement="We agree."):
    access = access_for(user, phase.mission)
    return phase_endorse(actor=user, access=access, phase=phase, statement=statement)


def test_liaison_of_host_government_endorses_with_a_statement(
    client, mission, phase, gov_liaison, government
):
    client.force_login(gov_liaison)

    panel = client.get(panel_url(mission, phase), HTTP_HX_REQUEST="true").content.decode()
    response = client.post(
        endorse_url(mission, phase), {"statement": "The ministry agrees.", "version": phase.version}
    )

    endorsement = PhaseEndorsement.objects.get()
    assert "Endorse this gate" in panel
    assert response.status_code == 302
    assert response["Location"].endswith(f"/plan/#phase-{phase.pk}")
    assert endorsement.stakeholder == government and endorsement.endorsed_by == gov_liaison
    assert endorsement.statement == "The ministry agrees." and endorsement.gate_threshold == 0
    assert Phase.objects.get(pk=phase.pk).version == phase.version + 1


def test_htmx_endorsement_answers_with_the_panel_showing_who_when_and_what(
    client, mission, phase, gov_liaison
):
    client.force_login(gov_liaison)

    response = client.post(
        endorse_url(mission, phase),
        {"statement": "Agreed.", "version": phase.version},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ministry of the Interior" in html and "endorsed by Gov Liaison" in html
    assert "At readiness 0.0, with the gate at 0." in html
    assert "Withdraw" in html and "Endorse this gate" not in html
    assert 'dir="auto"' in html


def test_liaison_withdraws_with_a_reason(client, mission, phase, gov_liaison):
    endorse(gov_liaison, phase)
    phase.refresh_from_db()
    client.force_login(gov_liaison)

    response = client.post(
        withdraw_url(mission, phase), {"reason": "New incidents.", "version": phase.version}
    )

    endorsement = PhaseEndorsement.objects.get()
    assert response.status_code == 302
    assert endorsement.withdrawn_at is not None
    assert endorsement.withdrawn_reason == "New incidents."


def test_withdrawing_needs_a_reason(client, mission, phase, gov_liaison):
    endorse(gov_liaison, phase)
    phase.refresh_from_db()
    client.force_login(gov_liaison)

    response = client.post(withdraw_url(mission, phase), {"reason": "", "version": phase.version})

    assert response.status_code == 400
    assert PhaseEndorsement.objects.get().withdrawn_at is None


def test_a_stale_version_endorses_nothing_and_says_why(client, mission, phase, gov_liaison, admin):
    stale = phase.version
    record_update(actor=admin, instance=phase, data={"name": "Handover (renamed)"})
    client.force_login(gov_liaison)

    response = client.post(endorse_url(mission, phase), {"version": stale}, follow=True)

    assert not PhaseEndorsement.objects.exists()
    assert "changed by someone else" in response.content.decode()


def test_a_second_endorsement_of_the_same_organisation_is_refused(
    client, mission, phase, gov_liaison
):
    endorse(gov_liaison, phase)
    phase.refresh_from_db()
    client.force_login(gov_liaison)

    response = client.post(
        endorse_url(mission, phase), {"version": phase.version}, HTTP_HX_REQUEST="true"
    )

    assert "already endorsed" in response.content.decode()
    assert PhaseEndorsement.objects.count() == 1


def test_plan_changed_since_endorsement_is_shown(client, mission, phase, gov_liaison, admin):
    endorse(gov_liaison, phase)
    phase.refresh_from_db()
    record_update(actor=admin, instance=phase, data={"gate_threshold": 60})
    client.force_login(gov_liaison)

    html = client.get(panel_url(mission, phase)).content.decode()

    assert "plan changed since endorsement" in html


def test_an_unchanged_plan_shows_no_change_warning(client, mission, phase, gov_liaison, observer):
    endorse(gov_liaison, phase)
    client.force_login(observer)

    html = client.get(panel_url(mission, phase)).content.decode()

    assert "Ministry of the Interior" in html
    assert "plan changed since endorsement" not in html


@pytest.mark.parametrize("persona", ["observer", "partner", "staff", "liaison"])
def test_others_read_endorsements_without_the_forms(
    client, mission, phase, gov_liaison, request, persona
):
    endorse(gov_liaison, phase)
    client.force_login(request.getfixturevalue(persona))

    html = client.get(panel_url(mission, phase)).content.decode()

    assert "endorsed by Gov Liaison" in html
    assert "Endorse this gate" not in html and "Withdraw" not in html


def test_staff_gets_403_naming_the_liaison_role(client, mission, phase, staff, gov_liaison):
    client.force_login(staff)

    responses = [
        client.post(endorse_url(mission, phase), {"version": phase.version}),
        client.post(withdraw_url(mission, phase), {"reason": "x", "version": phase.version}),
    ]

    assert [r.status_code for r in responses] == [403, 403]
    assert "Liaison" in responses[0].content.decode()
    assert not PhaseEndorsement.objects.exists()


def test_liaison_without_a_host_government_stakeholder_gets_403(
    client, mission, phase, liaison, site_admin
):
    ngo = StakeholderFactory(mission=mission, kind=Stakeholder.Kind.NGO)
    Membership.objects.filter(user=liaison).update(stakeholder=ngo)
    client.force_login(liaison)

    response = client.post(endorse_url(mission, phase), {"version": phase.version})

    assert response.status_code == 403
    assert "host-government stakeholder" in response.content.decode()


def test_site_superuser_cannot_endorse(client, mission, phase, admin):
    client.force_login(admin)

    response = client.post(endorse_url(mission, phase), {"version": phase.version})

    assert response.status_code == 403


def test_stranger_gets_404_and_anonymous_is_sent_to_sign_in(client, mission, phase, stranger):
    anonymous = client.get(panel_url(mission, phase))
    client.force_login(stranger)

    strange = [
        client.get(panel_url(mission, phase)),
        client.post(endorse_url(mission, phase), {"version": phase.version}),
    ]

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert [r.status_code for r in strange] == [404, 404]


def test_closed_mission_answers_409(client, mission, phase, gov_liaison):
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.CLOSED)
    client.force_login(gov_liaison)

    panel = client.get(panel_url(mission, phase)).content.decode()
    response = client.post(endorse_url(mission, phase), {"version": phase.version})

    assert "Endorse this gate" not in panel
    assert response.status_code == 409


def test_plan_page_links_each_phase_needing_endorsement_to_its_panel(
    client, mission, phase, admin, gov_liaison
):
    other = phase_create(actor=admin, mission=mission, order=2, kind="handover", name="Exit")
    client.force_login(gov_liaison)

    html = client.get(reverse("missions:plan", args=[mission.code])).content.decode()

    assert f'hx-get="{panel_url(mission, phase)}"' in html
    assert panel_url(mission, other) not in html


@pytest.mark.parametrize("n", [2, 50])
def test_panel_queries_do_not_grow_with_endorsements(
    client, mission, phase, gov_liaison, gov_liaison_many, n, django_assert_max_num_queries
):
    gov_liaison_many(n)
    client.force_login(gov_liaison)

    with django_assert_max_num_queries(PANEL_QUERIES):
        response = client.get(panel_url(mission, phase), HTTP_HX_REQUEST="true")

    assert response.content.decode().count('class="endorsement"') == n


@pytest.fixture
def gov_liaison_many(mission, phase, site_admin):
    def make(n: int):
        now = timezone.now() - datetime.timedelta(minutes=5)
        for i in range(n):
            organisation = StakeholderFactory(
                mission=mission, name=f"Ministry {i}", kind=Stakeholder.Kind.HOST_GOVERNMENT
            )
            user = UserFactory(email=f"gov{i}@example.org")
            # Direct rows: the service's readiness computation per endorsement is not the point.
            PhaseEndorsement.objects.create(
                phase=phase,
                stakeholder=organisation,
                endorsed_by=user,
                endorsed_at=now,
                readiness=50,
                gate_threshold=phase.gate_threshold,
            )

    return make

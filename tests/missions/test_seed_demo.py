"""``seed_demo`` loads four real missions through the services; a second run changes nothing."""

import datetime
import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.models import Assessment, Score
from missions.demo import ILLUSTRATIVE, USERS
from missions.models import AuditEvent, Benchmark, Membership, Mission, Phase, Role
from stakeholders.models import Consultation, Stakeholder
from tests.factories import MissionFactory, UserFactory

# A source tag of the fact sheet: [M4], [U11], [L10], [D14], [TZ].
SOURCE_TAG = re.compile(r"\[(?:[MULD]\d+|TZ)\]")
DEMO_CODES = {"minusma", "unifil", "unmil", "monusco"}
OPEN_CODES = {"unifil", "monusco"}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def output(django_db_setup, django_db_blocker):
    """One seed for the whole class (it takes seconds), rolled back when the class is done.

    Each test runs in its own savepoint inside this transaction, as pytest-django's tests
    always do, so what a test changes (a second run) is undone before the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed()
        transaction.set_rollback(True)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db
class TestTheDemoMissions:
    """Read from one seed; each test looks at one promise of the demo data."""

    def test_it_creates_the_four_missions_with_their_real_dates_and_statuses(self, output):
        missions = {m.code: m for m in Mission.objects.all()}

        assert set(missions) == DEMO_CODES
        unifil, minusma = missions["unifil"], missions["minusma"]
        monusco, unmil = missions["monusco"], missions["unmil"]
        assert unifil.planned_exit == datetime.date(2027, 12, 31)  # withdrawal ≤31 Dec 2027 [U5]
        assert unifil.mandate_start == datetime.date(1978, 3, 19)
        assert unifil.status in {Mission.Status.DRAWDOWN, Mission.Status.ACTIVE}
        assert (minusma.status, minusma.planned_exit) == ("closed", datetime.date(2023, 12, 31))
        assert (monusco.status, monusco.timezone) == ("active", "Africa/Kinshasa")
        assert monusco.planned_exit == datetime.date(2026, 12, 20)  # mandate end, S/RES/2808
        assert (unmil.status, unmil.mandate_start) == ("closed", datetime.date(2003, 9, 19))
        assert unmil.planned_exit == datetime.date(2018, 4, 30)
        assert {m.country for m in missions.values()} == {"ML", "LB", "LR", "CD"}

    def test_it_uses_the_fact_sheets_resolutions_phases_and_figures(self, output):
        lnp = Benchmark.objects.get(mission__code="unmil", code="bm-sec-lnp-trained")
        idf = Benchmark.objects.get(mission__code="unifil", code="bm-sec-idf-positions")

        assert Phase.objects.filter(
            mission__code="unifil", name__contains="S/RES/2790 (2025)"
        ).exists()
        assert set(Phase.objects.values_list("kind", flat=True)) == set(Phase.Kind.values)
        assert (lnp.kind, lnp.baseline, lnp.target) == ("quantitative", 2000, 3500)
        assert "[L4]" in lnp.data_source
        assert (idf.baseline, idf.target) == (5, 0)
        sourced_score = Score.objects.get(
            benchmark=lnp, assessment__as_of=datetime.date(2006, 11, 30)
        )
        assert (sourced_score.value, sourced_score.source) == (2000, "[L4]")

    def test_every_role_has_a_demo_user_and_there_is_one_site_administrator(self, output):
        memberships = Membership.objects.select_related("stakeholder", "mission")

        assert {m.role for m in memberships} == set(Role.values)
        for mission in Mission.objects.all():
            liaison = memberships.get(mission=mission, role=Role.LIAISON)
            partner = memberships.get(mission=mission, role=Role.PARTNER)
            assert liaison.stakeholder.kind == Stakeholder.Kind.HOST_GOVERNMENT
            assert partner.stakeholder.kind in {"ngo", "civil_society", "community"}
        site_admins = User.objects.filter(is_staff=True, is_superuser=True)
        assert [u.email for u in site_admins] == ["siteadmin@demo.exitplan.org"]
        for row in USERS:
            user = User.objects.get(email=row["email"])
            assert user.check_password(row["password"])
            assert row["email"] in output and row["password"] in output

    def test_every_kind_of_stakeholder_appears_with_contacts_of_the_demo_users(self, output):
        stakeholders = Stakeholder.objects.all()

        assert {s.kind for s in stakeholders} == set(Stakeholder.Kind.values)
        liaison = User.objects.get(email="liaison@demo.exitplan.org")
        assert liaison.contacts.count() == len(DEMO_CODES)

    def test_approved_rounds_were_approved_by_someone_other_than_their_author(self, output):
        rounds = Assessment.objects.all()
        approved = rounds.filter(status=Assessment.Status.APPROVED)

        assert approved.exists() and rounds.filter(status=Assessment.Status.SUBMITTED).exists()
        assert all(a.approved_by_id and a.approved_by_id != a.author_id for a in approved)
        for mission in Mission.objects.all():
            drafts = rounds.filter(mission=mission, status=Assessment.Status.DRAFT).count()
            assert drafts == (1 if mission.code in OPEN_CODES else 0)

    def test_each_mission_has_a_year_or_more_of_quarterly_rounds(self, output):
        for mission in Mission.objects.all():
            illustrative = mission.assessments.exclude(method=Assessment.Method.DATASET)
            dates = sorted(illustrative.values_list("as_of", flat=True))
            assert (dates[-1] - dates[0]).days >= 365, mission.code
            assert dates[-1] <= (
                mission.planned_exit if mission.is_closed else timezone.localdate()
            )

    def test_no_invented_figure_is_presented_as_real(self, output):
        for benchmark in Benchmark.objects.all():
            assert (
                SOURCE_TAG.search(benchmark.data_source) or "illustrative" in benchmark.data_source
            )
        # Rows the fact sheet gives "no figure in source" say so.
        blue_line = Benchmark.objects.get(code="bm-sec-blue-line")
        assert ILLUSTRATIVE in blue_line.data_source
        for score in Score.objects.select_related("assessment"):
            if not SOURCE_TAG.search(score.source):
                assert score.evidence.startswith("Illustrative demo score")
                assert "Illustrative demo score" in score.assessment.summary

    def test_consultations_are_held_in_the_past_and_scheduled_ahead_with_invitations(self, output):
        now = timezone.now()
        held = Consultation.objects.filter(status=Consultation.Status.HELD)
        scheduled = Consultation.objects.filter(status=Consultation.Status.SCHEDULED)

        assert held.exists() and all(c.outcome and c.ends_at < now for c in held)
        assert {c.mission.code for c in scheduled} == OPEN_CODES
        assert all(c.starts_at > now and c.invitations.exists() for c in scheduled)
        kamanyola = Consultation.objects.get(title="Handover of the Kamanyola base")
        assert kamanyola.timezone == "Africa/Lubumbashi"

    def test_it_writes_audit_events_through_the_services(self, output):
        events = AuditEvent.objects.all()
        actions = set(events.values_list("action", flat=True))

        assert {
            "mission.create",
            "membership.create",
            "phase.create",
            "benchmark.create",
            "stakeholder.create",
            "invitation.create",
            "assessment.create",
            "assessment.submit",
            "assessment.approve",
        } <= actions
        closing = events.get(mission__code="minusma", action="mission.update")
        assert closing.changes["status"] == ["active", "closed"]
        assert set(events.values_list("mission__code", flat=True)) == DEMO_CODES

    def test_running_it_twice_changes_nothing(self, output):
        before = row_counts()
        rows_before = list(Mission.objects.values()), list(User.objects.values())
        last_event = AuditEvent.objects.order_by("-id").first()

        second = seed()

        assert row_counts() == before
        assert (list(Mission.objects.values()), list(User.objects.values())) == rows_before
        assert AuditEvent.objects.order_by("-id").first() == last_event
        assert "0 created, 4 skipped" in second


@pytest.mark.django_db
def test_it_adds_its_missions_without_touching_other_data():
    other = MissionFactory(code="other", name="Other mission")
    stranger = UserFactory(email="someone@example.org")
    demo_admin = UserFactory(email="admin@demo.exitplan.org", name="Changed name")
    other_before = Mission.objects.filter(pk=other.pk).values().get()
    users_before = list(User.objects.filter(pk__in=[stranger.pk, demo_admin.pk]).values())

    output = seed()

    assert Mission.objects.filter(pk=other.pk).values().get() == other_before
    assert list(User.objects.filter(pk__in=[stranger.pk, demo_admin.pk]).values()) == users_before
    assert not other.memberships.exists() and not other.audit_events.exists()
    assert not stranger.memberships.exists()
    assert not check_password("demo-admin-2026", User.objects.get(pk=demo_admin.pk).password)
    assert "password not changed" in output
    assert Mission.objects.count() == 1 + len(DEMO_CODES)

"""The read side of the staff UI: missions list, dashboard, what-if, benchmark and history pages.

Data is built through the services (audit rows, versions, snapshots), as a user would make it.
Query counts are measured with 2 items of each kind and asserted, unchanged, with 50.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, ReadinessSnapshot, Score
from assessments.selectors import mission_today
from assessments.services import (
    _dirty_key,
    assessment_approve,
    assessment_create,
    assessment_submit,
    readiness_snapshot_create,
)
from missions import selectors
from missions import views as mission_views
from missions.access import access_for
from missions.models import AuditEvent, Benchmark
from missions.services import (
    benchmark_create,
    membership_create,
    mission_create,
    objective_create,
    phase_create,
    phase_endorse,
    record_update,
)
from stakeholders.models import Stakeholder
from stakeholders.services import (
    comment_create,
    comment_update,
    consultation_create,
    consultation_update,
    contact_create,
    invitation_create,
    stakeholder_create,
)
from tests.factories import StakeholderFactory, UserFactory

SIZES = [2, 50]

# Measured with 2 of each. Every signed-in page: session and user (2), session save (3);
# below a mission: the mission with the membership and the grants (1).
MISSION_LIST_QUERIES = 6  # + missions with phase and snapshots as subqueries
# + latest snapshot, benchmarks, phases, trend (when its card is not cached yet),
# consultations, comments
DASHBOARD_QUERIES = 12
# + the active endorsements when a gate requires one (1), and when the gates' terms last
# changed, read from the audit trail when there is an endorsement (4)
DASHBOARD_WITH_ENDORSEMENTS_QUERIES = 17
# + latest snapshot, benchmarks, phases, then the what-if: its benchmarks and 5 input reads
WHAT_IF_PARTIAL_QUERIES = 15
# + benchmark, count, page of scores, latest snapshot, chart points
BENCHMARK_PAGE_QUERIES = 11
# + count, page of events, and one query per kind of object they refer to (here objectives
# and people), whatever the number of events
HISTORY_QUERIES = 10


def dashboard_url(mission):
    return reverse("missions:detail", args=[mission.code])


def history_url(mission):
    return reverse("missions:history", args=[mission.code])


def benchmark_url(mission, benchmark):
    return reverse("missions:benchmark", args=[mission.code, benchmark.pk])


def approved_round(mission, *, author, approver, as_of, scores):
    """A round that counts: created, submitted, approved by someone else."""
    assessment = assessment_create(
        actor=author,
        mission=mission,
        as_of=as_of,
        kind="joint",
        method="field_visit",
        scores=scores,
    )
    assessment_submit(actor=author, assessment=assessment)
    return assessment_approve(actor=approver, assessment=assessment)


@pytest.fixture
def build(mission, admin, staff):
    """The mission with ``n`` of each: phases, benchmarks, snapshots, consultations, comments."""

    def make(n: int, *, snapshots: int | None = None):
        today = mission_today(mission)
        phases = [
            phase_create(
                actor=admin,
                mission=mission,
                order=i + 1,
                kind="implementation",
                name=f"Phase {i + 1}",
                gate_threshold=min(10 * (i + 1), 100),
            )
            for i in range(n)
        ]
        security = objective_create(
            actor=admin, mission=mission, category="security", title="Fewer incidents"
        )
        political = objective_create(
            actor=admin, mission=mission, category="political", title="Dialogue held"
        )
        benchmarks = []
        for i in range(n):
            if i % 2:
                benchmarks.append(
                    benchmark_create(
                        actor=admin,
                        objective=political,
                        code=f"bm-pol-{i}",
                        title=f"Dialogue benchmark {i}",
                        kind="rating",
                    )
                )
            else:
                benchmarks.append(
                    benchmark_create(
                        actor=admin,
                        objective=security,
                        code=f"bm-sec-{i}",
                        title=f"Incident benchmark {i}",
                        kind="quantitative",
                        baseline=Decimal("100"),
                        target=Decimal("0"),
                        unit="incidents",
                    )
                )
        rows = [
            {"benchmark": b.code, "rating": 2}
            if b.kind == "rating"
            else {
                "benchmark": b.code,
                "value": "40",
                "evidence": "Police reports",
                "source": "UNPOL",
            }
            for b in benchmarks
        ]
        approved_round(
            mission,
            author=staff,
            approver=admin,
            as_of=today - datetime.timedelta(days=10),
            scores=rows,
        )
        for i in range(snapshots or n):
            readiness_snapshot_create(mission=mission, as_of=today - datetime.timedelta(days=i))
        ngo = stakeholder_create(actor=admin, mission=mission, name="Women's network", kind="ngo")
        contact = contact_create(actor=admin, stakeholder=ngo, name="Focal point", email="f@x.org")
        start = timezone.now() + datetime.timedelta(days=3)
        for i in range(n):
            consultation = consultation_create(
                actor=admin,
                mission=mission,
                kind="meeting",
                title=f"Consultation {i}",
                starts_at=start + datetime.timedelta(days=i),
                ends_at=start + datetime.timedelta(days=i, hours=2),
            )
            invitation_create(actor=admin, consultation=consultation, contact=contact)
        for i in range(n):
            comment_create(
                actor=staff,
                mission=mission,
                body=f"Comment {i} on the plan",
                target_type="benchmark" if i % 2 else "phase",
                target_id=benchmarks[i].pk if i % 2 else phases[0].pk,
            )
        return {"phases": phases, "benchmarks": benchmarks, "ngo": ngo, "contact": contact}

    return make


# Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["dashboard", "history", "benchmark"])
def test_stranger_gets_404_for_mission_pages(client, build, mission, stranger, page):
    world = build(2)
    client.force_login(stranger)
    url = {
        "dashboard": dashboard_url(mission),
        "history": history_url(mission),
        "benchmark": benchmark_url(mission, world["benchmarks"][0]),
    }[page]

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("page", ["list", "dashboard", "history", "benchmark"])
def test_anonymous_visitor_is_sent_to_sign_in(client, build, mission, page):
    world = build(2)
    url = {
        "list": reverse("missions:list"),
        "dashboard": dashboard_url(mission),
        "history": history_url(mission),
        "benchmark": benchmark_url(mission, world["benchmarks"][0]),
    }[page]

    response = client.get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_benchmark_of_another_mission_is_404(client, build, mission, other_mission, staff):
    build(2)
    client.force_login(staff)
    foreign = benchmark_create(
        actor=staff,
        objective=objective_create(
            actor=staff, mission=other_mission, category="security", title="Elsewhere"
        ),
        code="bm-elsewhere",
        title="Elsewhere",
        kind="rating",
    )

    assert client.get(benchmark_url(mission, foreign)).status_code == 404


@pytest.mark.parametrize("persona", ["liaison", "partner"])
def test_history_is_403_naming_the_roles_that_may(client, mission, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(history_url(mission))

    assert response.status_code == 403
    text = response.content.decode()
    assert "Admin" in text and "Staff" in text and "Observer" in text


def test_observer_sees_the_dashboard(client, build, mission, observer):
    build(2)
    client.force_login(observer)

    response = client.get(dashboard_url(mission))

    assert response.status_code == 200
    assert 'id="readiness-figure"' in response.content.decode()


# Missions list ----------------------------------------------------------------------------


def test_missions_list_shows_phase_readiness_trend_and_exit(client, build, mission, staff):
    build(2)
    client.force_login(staff)

    html = client.get(reverse("missions:list")).content.decode()

    latest = ReadinessSnapshot.objects.filter(mission=mission).order_by("-computed_at").first()
    assert mission.name in html
    assert "Phase 1" in html  # the first phase that is not completed
    assert f"{latest.readiness:.1f}" in html
    assert 'class="sparkline"' in html and "<title" in html
    assert "Readiness over the last 2 computations" in html
    assert "Dec. 31, 2027" in html


def test_missions_list_skips_completed_phases_for_the_current_one(client, mission, admin, staff):
    done = phase_create(
        actor=admin, mission=mission, order=1, kind="handover", name="Done", status="completed"
    )
    phase_create(actor=admin, mission=mission, order=2, kind="handover", name="Under way")
    client.force_login(staff)

    response = client.get(reverse("missions:list"))

    (row, _spark) = response.context["missions"][0]
    assert row.current_phase == "Under way" != done.name


def test_missions_list_says_what_to_do_when_empty(client, db):
    client.force_login(UserFactory())

    html = client.get(reverse("missions:list")).content.decode()

    assert "You have no role in any mission yet." in html
    assert "ask the admin of your mission to add you" in html


@pytest.mark.parametrize("n", SIZES)
def test_missions_list_costs_the_same_for_2_or_50_missions(
    client, site_admin, n, django_assert_num_queries
):
    person = UserFactory(email="traveller@example.org")
    for i in range(n):
        mission = mission_create(
            actor=site_admin,
            code=f"m-{i}",
            name=f"Mission {i}",
            country="ML",
            timezone="Africa/Bamako",
            mandate_start="2013-07-01",
        )
        phase_create(actor=site_admin, mission=mission, order=1, kind="handover", name="Last")
        membership_create(actor=site_admin, mission=mission, user=person, role="observer")
        for days in range(3):
            readiness_snapshot_create(
                mission=mission, as_of=datetime.date(2026, 1, 1) + datetime.timedelta(days)
            )
    client.force_login(person)

    with django_assert_num_queries(MISSION_LIST_QUERIES):
        response = client.get(reverse("missions:list"))

    assert len(response.context["missions"]) == n
    assert all(len(row.trend) == 3 for row, _spark in response.context["missions"])


# Dashboard ------------------------------------------------------------------------------


def test_dashboard_shows_readiness_categories_blockers_and_gates(client, build, mission, staff):
    build(2)
    client.force_login(staff)

    response = client.get(dashboard_url(mission))

    html = response.content.decode()
    figures = response.context["dashboard"].figures
    assert f'id="readiness-figure">{figures["readiness"]:.1f}<' in html
    assert "Security" in html and "Political" in html
    assert "Incident benchmark 0" in html  # a blocker, linked to its page
    assert benchmark_url(mission, Benchmark.objects.get(code="bm-sec-0")) in html
    assert "Below target" in html
    assert "Phase 1" in html and "Phase 2" in html
    gates = response.context["dashboard"].gates
    assert [g.phase.name for g in gates] == ["Phase 1", "Phase 2"]
    assert all(g.known for g in gates)


def test_dashboard_translates_blocker_reasons(client, mission, admin, staff):
    today = mission_today(mission)
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    for code in ("bm-none", "bm-old", "bm-low"):
        benchmark_create(
            actor=admin,
            objective=objective,
            code=code,
            title=code,
            kind="rating",
            frequency_days=30,
        )
    approved_round(
        mission,
        author=staff,
        approver=admin,
        as_of=today - datetime.timedelta(days=200),
        scores=[{"benchmark": "bm-old", "rating": 2}],
    )
    approved_round(
        mission,
        author=staff,
        approver=admin,
        as_of=today,
        scores=[{"benchmark": "bm-low", "rating": 2}],
    )
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "No score yet" in html
    assert "Latest score is out of date" in html
    assert "Below target" in html


def test_dashboard_gives_gate_reasons_in_words(client, mission, admin, staff):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    benchmark_create(
        actor=admin, objective=objective, code="bm-c", title="C", kind="rating", critical=True
    )
    phase_create(
        actor=admin,
        mission=mission,
        order=1,
        kind="handover",
        name="Handover",
        gate_threshold=80,
        requires_endorsement=True,
    )
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "Readiness is below the gate&#x27;s threshold" in html
    assert "A critical benchmark is not met" in html
    assert "No host-government endorsement yet" in html


def test_dashboard_draws_the_trend_with_threshold_and_a_text_table(client, build, mission, staff):
    build(3)
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert '<svg class="chart"' in html and 'role="img"' in html
    assert "<title id=" in html and "<desc id=" in html
    assert "Last gate: 30" in html  # the last phase's threshold
    assert "<details>" in html and "The trend as a table" in html


def test_dashboard_says_the_projection_in_words(client, mission, admin, staff):
    today = mission_today(mission)
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    benchmark_create(actor=admin, objective=objective, code="bm-r", title="R", kind="rating")
    phase_create(
        actor=admin, mission=mission, order=1, kind="handover", name="Exit", gate_threshold=90
    )
    approved_round(
        mission,
        author=staff,
        approver=admin,
        as_of=today - datetime.timedelta(days=170),
        scores=[{"benchmark": "bm-r", "rating": 2}],
    )
    for days in (120, 90, 60, 0):  # a flat line below the threshold
        readiness_snapshot_create(mission=mission, as_of=today - datetime.timedelta(days=days))
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "At risk." in html
    assert "never reaches the last gate's threshold (90)" in html


def test_dashboard_without_history_says_a_projection_needs_more(client, build, mission, staff):
    build(2)
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "No projection yet." in html


def test_dashboard_of_an_empty_plan_says_what_to_do(client, mission, staff):
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "The plan has no objectives yet" in html
    assert "No phases yet." in html
    assert "No benchmarks yet" in html


def test_dashboard_says_when_figures_are_being_recomputed(client, build, mission, staff):
    build(2)
    cache.set(_dirty_key(mission.pk), timezone.now().timestamp() + 1)
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "Recomputing:" in html


def test_dashboard_shows_consultations_in_their_own_time_zone(client, mission, admin, staff):
    consultation_create(
        actor=admin,
        mission=mission,
        kind="workshop",
        title="Workshop in Goma",
        starts_at=datetime.datetime(2030, 3, 2, 8, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2030, 3, 2, 10, 0, tzinfo=datetime.UTC),
        timezone="Africa/Lubumbashi",
    )
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "Workshop in Goma" in html
    assert "March 2, 2030, 10 a.m." in html  # 08:00 UTC is 10:00 in Lubumbashi
    assert "Africa/Lubumbashi" in html


def test_liaison_sees_only_the_consultations_their_stakeholder_is_invited_to(
    client, build, mission, admin
):
    world = build(2)
    other = stakeholder_create(
        actor=admin, mission=mission, name="Ministry", kind="host_government"
    )
    contact_create(actor=admin, stakeholder=other, name="Minister's office")
    liaison = UserFactory(email="gov@example.org")
    membership_create(actor=admin, mission=mission, user=liaison, role="liaison", stakeholder=other)
    hidden = consultation_create(
        actor=admin,
        mission=mission,
        kind="meeting",
        title="Only for the network",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=1),
    )
    invitation_create(actor=admin, consultation=hidden, contact=world["contact"])
    client.force_login(liaison)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "Only for the network" not in html
    assert "Consultation 0" not in html
    assert "No upcoming consultation that you can see." in html


def test_partner_of_an_invited_stakeholder_sees_its_consultations(client, build, mission, admin):
    world = build(2)
    partner = UserFactory(email="ngo@example.org")
    membership_create(
        actor=admin, mission=mission, user=partner, role="partner", stakeholder=world["ngo"]
    )
    client.force_login(partner)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "Consultation 0" in html and "Consultation 1" in html


def test_observer_sees_every_upcoming_consultation(client, build, mission, observer):
    build(2)
    client.force_login(observer)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "Consultation 0" in html and "Consultation 1" in html


def test_dashboard_lists_the_next_five_consultations_and_latest_five_comments(
    client, build, mission, staff
):
    build(7)
    client.force_login(staff)

    response = client.get(dashboard_url(mission))

    dashboard = response.context["dashboard"]
    assert [c.title for c in dashboard.consultations] == [f"Consultation {i}" for i in range(5)]
    assert [c.body for c in dashboard.comments] == [
        f"Comment {i} on the plan" for i in (6, 5, 4, 3, 2)
    ]
    html = response.content.decode()
    assert "Staff" in html  # the author's name
    assert "“Dialogue benchmark 5”" in html and "“Phase 1”" in html  # the item
    assert "Open" in html  # the status


@pytest.mark.parametrize("n", SIZES)
def test_dashboard_costs_the_same_for_2_or_50_items(
    client, build, mission, staff, n, django_assert_num_queries
):
    build(n)
    client.force_login(staff)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(dashboard_url(mission))

    assert response.status_code == 200
    assert len(response.context["dashboard"].gates) == n


# Endorsements on the timeline -----------------------------------------------------------


@pytest.fixture
def endorsing(mission, admin, site_admin):
    """``make(n)``: n gates that require an endorsement, each endorsed by the ministry's
    liaison, and one more that awaits it; then a snapshot, as the dashboard reads one."""

    def make(n: int):
        ministry = StakeholderFactory(
            mission=mission, name="Ministry of Justice", kind=Stakeholder.Kind.HOST_GOVERNMENT
        )
        liaison = UserFactory(email="gov@example.org", name="Amina Diallo")
        membership_create(
            actor=site_admin, mission=mission, user=liaison, role="liaison", stakeholder=ministry
        )
        phases = [
            phase_create(
                actor=admin,
                mission=mission,
                order=i + 1,
                kind="handover",
                name=f"Gate {i + 1}",
                gate_threshold=0,
                requires_endorsement=True,
            )
            for i in range(n + 1)
        ]
        access = access_for(liaison, mission)
        for phase in phases[:n]:
            phase_endorse(actor=liaison, access=access, phase=phase, statement="Agreed.")
        readiness_snapshot_create(mission=mission)
        return phases

    return make


def test_dashboard_timeline_shows_who_endorsed_a_gate_when_and_at_what_readiness(
    client, mission, staff, endorsing
):
    phases = endorsing(1)
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    endorsed = html[html.index(">Gate 1<") : html.index(">Gate 2<")]
    awaiting = html[html.index(">Gate 2<") : html.index('id="consultations-title"')]
    assert '<strong dir="auto">Ministry of Justice</strong>' in endorsed
    assert "endorsed by Amina Diallo" in endorsed
    assert "At readiness 0.0, with the gate at 0." in endorsed
    assert "plan changed since endorsement" not in endorsed
    assert "awaiting endorsement" in awaiting and "Ministry of Justice" not in awaiting
    assert reverse("missions:phase-endorsements", args=[mission.code, phases[0].pk]) in endorsed


def test_dashboard_timeline_says_the_plan_changed_since_an_endorsement(
    client, mission, admin, staff, endorsing
):
    phases = endorsing(1)
    record_update(actor=admin, instance=phases[0], data={"gate_threshold": 60})
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    endorsed = html[html.index(">Gate 1<") : html.index(">Gate 2<")]
    assert "plan changed since endorsement" in endorsed
    assert "with the gate at 0." in endorsed  # the threshold of that moment, not today's


def test_dashboard_timeline_says_nothing_of_endorsements_where_a_gate_needs_none(
    client, build, mission, staff
):
    build(2)
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert "awaiting endorsement" not in html and "endorsed by" not in html


@pytest.mark.parametrize("n", [2, 20])
def test_dashboard_with_endorsements_costs_the_same_for_2_or_20_gates(
    client, mission, staff, endorsing, n, django_assert_num_queries
):
    endorsing(n)
    client.force_login(staff)

    with django_assert_num_queries(DASHBOARD_WITH_ENDORSEMENTS_QUERIES):
        response = client.get(dashboard_url(mission))

    assert response.content.decode().count("endorsed by Amina Diallo") == n


# What if --------------------------------------------------------------------------------


def _what_if_data(form_benchmarks, changes):
    """What a browser posts: every field, at its shown value unless changed."""
    data = {}
    for field in form_benchmarks:
        data[field.html_name] = field.value() if field.value() is not None else ""
    data.update(changes)
    return data


def what_if_figure(html: str) -> float:
    """The what-if readiness as the partial shows it."""
    return float(re.search(r'id="what-if-readiness">([\d.]+)<', html)[1])


def _form_fields(client, mission):
    form = client.get(dashboard_url(mission)).context["form"]
    return [form[name] for name in form.fields]


def test_what_if_shows_new_figures_and_stores_nothing(client, build, mission, staff):
    world = build(2)
    client.force_login(staff)
    fields = _form_fields(client, mission)
    before = (
        Score.objects.count(),
        Assessment.objects.count(),
        ReadinessSnapshot.objects.count(),
        AuditEvent.objects.count(),
    )
    stored = ReadinessSnapshot.objects.filter(mission=mission).order_by("-computed_at").first()
    target = world["benchmarks"][0]  # quantitative, 40 → 0 meets it

    response = client.post(
        dashboard_url(mission),
        _what_if_data(fields, {f"benchmark-{target.pk}": "0"}),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="what-if-result"' in html
    assert what_if_figure(html) > float(stored.readiness)
    assert f"Readiness now: {stored.readiness:.1f}." in html
    assert "Incident benchmark 0" in html  # what changed
    assert (
        Score.objects.count(),
        Assessment.objects.count(),
        ReadinessSnapshot.objects.count(),
        AuditEvent.objects.count(),
    ) == before


def test_what_if_without_javascript_renders_the_whole_page_with_the_result(
    client, build, mission, staff
):
    world = build(2)
    client.force_login(staff)
    fields = _form_fields(client, mission)
    rating = world["benchmarks"][1]

    response = client.post(
        dashboard_url(mission), _what_if_data(fields, {f"benchmark-{rating.pk}": "4"})
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="readiness-figure"' in html
    assert 'id="what-if-readiness"' in html
    assert "Nothing was saved." in html


def test_what_if_shows_errors_beside_the_benchmark(client, build, mission, staff):
    world = build(2)
    client.force_login(staff)
    fields = _form_fields(client, mission)
    rating = world["benchmarks"][1]

    response = client.post(
        dashboard_url(mission),
        _what_if_data(fields, {f"benchmark-{rating.pk}": "7"}),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Give a rating from 1 to 4." in html
    assert f'id="id_benchmark-{rating.pk}_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'hx-swap-oob="true"' in html  # the form comes along with its inline errors
    assert 'id="what-if-readiness"' not in html


def test_what_if_errors_without_javascript_answer_400_with_the_page(client, build, mission, staff):
    world = build(2)
    client.force_login(staff)
    fields = _form_fields(client, mission)
    quantitative = world["benchmarks"][0]

    response = client.post(
        dashboard_url(mission),
        _what_if_data(fields, {f"benchmark-{quantitative.pk}": "lots"}),
    )

    assert response.status_code == 400
    assert "Enter a number." in response.content.decode()


def test_what_if_asks_for_a_change_when_nothing_changed(client, build, mission, staff):
    build(2)
    client.force_login(staff)
    fields = _form_fields(client, mission)

    response = client.post(dashboard_url(mission), _what_if_data(fields, {}))

    assert "Change at least one value" in response.content.decode()


def test_what_if_form_groups_benchmarks_by_objective_with_latest_values(
    client, build, mission, staff
):
    build(2)
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert '<legend dir="auto">Fewer incidents</legend>' in html
    assert '<legend dir="auto">Dialogue held</legend>' in html
    assert 'value="40"' in html  # the latest counted value, as people write it
    assert "Baseline 100, target 0 incidents." in html


def test_observers_may_use_what_if_too(client, build, mission, observer):
    world = build(2)
    client.force_login(observer)
    fields = _form_fields(client, mission)

    response = client.post(
        dashboard_url(mission),
        _what_if_data(fields, {f"benchmark-{world['benchmarks'][1].pk}": "3"}),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert what_if_figure(response.content.decode()) > 0


def test_htmx_get_gets_the_partial_and_boosted_requests_the_page(client, build, mission, staff):
    build(2)
    client.force_login(staff)

    partial = client.get(dashboard_url(mission), HTTP_HX_REQUEST="true")
    boosted = client.get(dashboard_url(mission), HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    page = client.get(dashboard_url(mission))

    assert "<html" not in partial.content.decode()
    assert "<html" in boosted.content.decode()
    assert "<html" in page.content.decode()
    assert "HX-Request" in page["Vary"] and "HX-Request" in partial["Vary"]


@pytest.mark.parametrize("n", SIZES)
def test_what_if_costs_the_same_for_2_or_50_benchmarks(
    client, build, mission, staff, n, django_assert_num_queries
):
    world = build(n, snapshots=2)
    client.force_login(staff)
    fields = _form_fields(client, mission)
    data = _what_if_data(
        fields, {f"benchmark-{b.pk}": "4" for b in world["benchmarks"] if b.kind == "rating"}
    )

    with django_assert_num_queries(WHAT_IF_PARTIAL_QUERIES):
        response = client.post(dashboard_url(mission), data, HTTP_HX_REQUEST="true")

    assert what_if_figure(response.content.decode()) > 0


@pytest.fixture
def large_plan(monkeypatch):
    """The what-if form opens on demand from 2 benchmarks on (60 in the product)."""
    monkeypatch.setattr(mission_views, "WHAT_IF_INLINE_BENCHMARKS", 1)


def test_a_large_plans_what_if_form_opens_on_demand(client, build, mission, staff, large_plan):
    world = build(2)
    client.force_login(staff)
    url = dashboard_url(mission)

    page = client.get(url).content.decode()
    partial = client.get(url + "?what_if=open", HTTP_HX_REQUEST="true").content.decode()
    without_js = client.get(url + "?what_if=open").content.decode()

    field = f'id="id_benchmark-{world["benchmarks"][0].pk}"'
    assert field not in page and 'id="what-if-result"' in page
    assert f'hx-get="{url}?what_if=open" hx-trigger="toggle once"' in page
    assert f'href="{url}?what_if=open#what-if"' in page
    assert "Try changes to the scores of the plan's 2 benchmarks" in page
    assert "<html" not in partial and field in partial and 'id="what-if-form"' in partial
    assert "<html" in without_js and field in without_js


@pytest.mark.parametrize("n", SIZES)
def test_a_large_plans_dashboard_costs_the_same_for_2_or_50_benchmarks(
    client, build, mission, staff, large_plan, n, django_assert_num_queries
):
    build(n)
    client.force_login(staff)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(dashboard_url(mission))

    assert 'class="what-if-open"' in response.content.decode()


# Benchmark page -------------------------------------------------------------------------


def test_benchmark_page_shows_fields_chart_and_scores_with_evidence(client, build, mission, staff):
    world = build(2)
    client.force_login(staff)
    benchmark = world["benchmarks"][0]

    html = client.get(benchmark_url(mission, benchmark)).content.decode()

    assert "Incident benchmark 0" in html and "bm-sec-0" in html
    assert "lower is better" in html
    assert '<svg class="chart"' in html and "Target" in html
    assert "Police reports" in html and "UNPOL" in html


def test_benchmark_page_shows_drafts_only_to_who_may_log_assessments(
    client, build, mission, staff, observer
):
    world = build(2)
    benchmark = world["benchmarks"][0]
    assessment_create(
        actor=staff,
        mission=mission,
        as_of=mission_today(mission),
        kind="security",
        method="survey",
        scores=[{"benchmark": benchmark.code, "value": "5", "evidence": "Draft evidence"}],
    )

    client.force_login(observer)
    observed = client.get(benchmark_url(mission, benchmark)).content.decode()
    client.force_login(staff)
    staffed = client.get(benchmark_url(mission, benchmark)).content.decode()

    assert "Police reports" in observed and "Draft evidence" not in observed
    assert "Draft evidence" in staffed


def test_benchmark_scores_are_paginated_newest_first(client, mission, admin, staff):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    benchmark = benchmark_create(
        actor=admin, objective=objective, code="b", title="B", kind="rating"
    )
    start = datetime.date(2024, 1, 1)
    for i in range(30):
        approved_round(
            mission,
            author=staff,
            approver=admin,
            as_of=start + datetime.timedelta(days=i),
            scores=[{"benchmark": "b", "rating": 1 + i % 4, "evidence": f"Round {i}"}],
        )
    client.force_login(staff)

    first = client.get(benchmark_url(mission, benchmark))
    second = client.get(benchmark_url(mission, benchmark) + "?page=2")

    assert [row["score"].evidence for row in first.context["score_rows"]][:2] == [
        "Round 29",
        "Round 28",
    ]
    assert len(first.context["score_rows"]) == 25
    assert [row["score"].evidence for row in second.context["score_rows"]][-1] == "Round 0"
    assert "Page 1 of 2" in first.content.decode()


@pytest.mark.parametrize("n", SIZES)
def test_benchmark_page_costs_the_same_for_2_or_50_scores(
    client, mission, admin, staff, n, django_assert_num_queries
):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    benchmark = benchmark_create(
        actor=admin, objective=objective, code="b", title="B", kind="rating"
    )
    for i in range(n):
        approved_round(
            mission,
            author=staff,
            approver=admin,
            as_of=datetime.date(2024, 1, 1) + datetime.timedelta(days=i),
            scores=[{"benchmark": "b", "rating": 2}],
        )
    readiness_snapshot_create(mission=mission)
    client.force_login(staff)

    with django_assert_num_queries(BENCHMARK_PAGE_QUERIES):
        response = client.get(benchmark_url(mission, benchmark))

    assert response.context["scores"].paginator.count == n
    assert "Scores of B over time" in response.content.decode()


# History --------------------------------------------------------------------------------


def test_history_shows_who_what_when_and_before_after(client, mission, admin, staff):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    benchmark = benchmark_create(
        actor=admin, objective=objective, code="b", title="Old", kind="rating"
    )
    from missions.services import record_update

    record_update(actor=staff, instance=benchmark, data={"title": "New title"})
    client.force_login(staff)

    response = client.get(history_url(mission))

    html = response.content.decode()
    first = response.context["rows"][0]
    assert first.event.action == "benchmark.update"
    assert first.actor == "Staff"
    assert [(c.label, c.before, c.after) for c in first.changes] == [
        ("title", ["Old"], ["New title"])
    ]
    assert "Benchmark #" in html and "changed" in html


def test_history_names_people_and_choices_instead_of_ids(client, build, mission, staff):
    build(2)
    client.force_login(staff)

    response = client.get(history_url(mission) + "?target_type=assessment")

    created = next(r for r in response.context["rows"] if r.event.action == "assessment.create")
    changes = {c.field: c.after for c in created.changes}
    assert changes["author"] == ["Staff"]
    assert changes["method"] == ["Field visit"]
    assert changes["scores"] == ["bm-sec-0: 40", "bm-pol-1: 2"]
    assert "mission" not in changes


def test_history_of_one_item(client, mission, admin, staff):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    benchmark = benchmark_create(
        actor=admin, objective=objective, code="b", title="B", kind="rating"
    )
    client.force_login(staff)

    response = client.get(history_url(mission) + f"?target_type=benchmark&target_id={benchmark.pk}")

    rows = response.context["rows"]
    assert [row.event.action for row in rows] == ["benchmark.create"]
    assert "“B”" in response.content.decode()


def test_observer_sees_that_a_contact_changed_but_not_the_values(client, mission, admin, observer):
    ngo = stakeholder_create(actor=admin, mission=mission, name="NGO", kind="ngo")
    contact_create(actor=admin, stakeholder=ngo, name="Focal point", email="secret@example.org")
    client.force_login(observer)

    response = client.get(history_url(mission) + "?target_type=contact")

    html = response.content.decode()
    assert response.context["rows"][0].redacted
    assert "secret@example.org" not in html
    assert "Changed (your role does not show the values)" in html


def test_observer_sees_that_a_draft_changed_but_not_its_scores(
    client, build, mission, staff, observer
):
    world = build(2)
    assessment_create(
        actor=staff,
        mission=mission,
        as_of=mission_today(mission),
        kind="security",
        method="survey",
        scores=[{"benchmark": world["benchmarks"][0].code, "value": "77", "evidence": "Draft!"}],
    )
    client.force_login(observer)

    response = client.get(history_url(mission) + "?target_type=assessment")

    draft = response.context["rows"][0]
    assert draft.event.action == "assessment.create"
    assert draft.redacted and all(change.hidden for change in draft.changes)
    assert "Draft!" not in response.content.decode()


def test_staff_see_the_values_of_a_draft_change(client, build, mission, staff):
    world = build(2)
    assessment_create(
        actor=staff,
        mission=mission,
        as_of=mission_today(mission),
        kind="security",
        method="survey",
        scores=[{"benchmark": world["benchmarks"][0].code, "value": "77", "evidence": "Draft!"}],
    )
    client.force_login(staff)

    response = client.get(history_url(mission) + "?target_type=assessment")

    assert not response.context["rows"][0].redacted


def test_history_is_paginated_newest_first(client, mission, admin, staff):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    for i in range(60):
        benchmark_create(
            actor=admin, objective=objective, code=f"b{i}", title=f"B{i}", kind="rating"
        )
    client.force_login(staff)

    first = client.get(history_url(mission))
    last = client.get(history_url(mission) + "?page=2")

    assert first.context["rows"][0].event.changes["code"] == [None, "b59"]
    assert len(first.context["rows"]) == 50
    assert last.context["page"].number == 2
    assert 'rel="next"' in first.content.decode()


@pytest.mark.parametrize("n", SIZES)
def test_history_costs_the_same_for_2_or_50_events(
    client, mission, admin, staff, n, django_assert_num_queries
):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    for i in range(n):
        benchmark_create(
            actor=admin,
            objective=objective,
            code=f"b{i}",
            title=f"B{i}",
            kind="rating",
            responsible=staff,
        )
    client.force_login(staff)

    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(history_url(mission))

    assert len(response.context["rows"]) >= n
    assert "Staff" in response.content.decode()  # the responsible, by name


# Accessibility and i18n -----------------------------------------------------------------


def test_dashboard_is_translated(client, build, mission, staff):
    build(2)
    staff.language = "fr"  # a signed-in person reads the site in their own language
    staff.save(update_fields=["language"])
    client.force_login(staff)

    html = client.get(dashboard_url(mission), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<html lang="fr"' in html


def test_user_written_content_has_dir_auto(client, build, mission, staff):
    build(2)
    client.force_login(staff)

    html = client.get(dashboard_url(mission)).content.decode()

    assert f'<h1 dir="auto">{mission.name}</h1>' in html
    assert '<span class="phase-name" dir="auto">Phase 1</span>' in html


# Cached parts ---------------------------------------------------------------------------
# The trend and the blockers, gates, consultations and comments cards are cached whole,
# each under a key made of what it shows: a change to what a part shows draws it again.


def _page(client, mission, **headers) -> str:
    """The dashboard's HTML without what differs on each request (the CSRF token)."""
    html = client.get(dashboard_url(mission), **headers).content.decode()
    return re.sub(r'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


def test_dashboard_drawn_again_from_the_cache_is_the_same_without_the_trend_query(
    client, build, mission, staff, django_assert_num_queries
):
    build(2)
    client.force_login(staff)
    first = _page(client, mission)

    with django_assert_num_queries(DASHBOARD_QUERIES - 1):  # the trend's
        again = _page(client, mission)

    assert again == first
    assert "Incident benchmark 0" in again and "Comment 1 on the plan" in again


def test_a_new_snapshot_redraws_the_trend(client, build, mission, staff):
    build(2)
    client.force_login(staff)
    rows = _page(client, mission).count("<tr><td>")

    # a day the trend has no point for yet (build's snapshots are of the last 2 days)
    readiness_snapshot_create(
        mission=mission, as_of=mission_today(mission) - datetime.timedelta(days=30)
    )

    assert _page(client, mission).count("<tr><td>") == rows + 1


def test_cached_cards_show_a_renamed_phase_an_edited_comment_and_a_moved_consultation(
    client, build, mission, admin, staff
):
    world = build(2)
    client.force_login(staff)
    _page(client, mission)
    phase = world["phases"][0]
    record_update(actor=admin, instance=phase, data={"name": "Drawdown"})
    comment = mission.comments.filter(parent__isnull=True).order_by("-created_at").first()
    comment_update(actor=staff, comment=comment, body="Edited since", version=comment.version)
    consultation = mission.consultations.order_by("starts_at").first()
    consultation_update(actor=admin, consultation=consultation, data={"title": "Town meeting"})

    html = _page(client, mission)

    assert '<span class="phase-name" dir="auto">Drawdown</span>' in html
    assert "“Drawdown”" in html  # the title of the comment's item, in the comments card
    assert "Edited since" in html and "Town meeting" in html


def test_cached_cards_follow_who_sees_the_consultations(client, build, mission, admin, staff):
    build(2)
    other = stakeholder_create(actor=admin, mission=mission, name="Ministry", kind="ngo")
    liaison = UserFactory(email="gov@example.org")
    membership_create(actor=admin, mission=mission, user=liaison, role="liaison", stakeholder=other)
    client.force_login(staff)
    assert "Consultation 0" in _page(client, mission)

    client.force_login(liaison)
    html = _page(client, mission)

    assert "Consultation 0" not in html
    assert "No upcoming consultation that you can see." in html


def test_cached_cards_follow_who_may_schedule_consultations(client, mission, staff, observer):
    client.force_login(staff)
    assert "Schedule the next one" in _page(client, mission)

    client.force_login(observer)
    html = _page(client, mission)

    assert "Schedule the next one" not in html
    assert "Invitations arrive by e-mail." in html


def test_cached_parts_follow_the_language(client, build, mission, staff):
    build(2)
    client.force_login(staff)
    english = _page(client, mission)
    staff.language = "fr"
    staff.save(update_fields=["language"])
    client.force_login(staff)

    french = _page(client, mission, HTTP_ACCEPT_LANGUAGE="fr")

    for words in ("Readiness by date, newest first", "Top blockers", "Latest comments"):
        assert words in english and words not in french


def test_a_pending_recompute_shows_on_a_cached_page(client, build, mission, staff):
    build(2)
    client.force_login(staff)
    assert "Recomputing" not in _page(client, mission)

    cache.set(_dirty_key(mission.pk), timezone.now().timestamp() + 1, timeout=60)

    assert "Recomputing" in _page(client, mission)


# The snapshot as the dashboard reads it ---------------------------------------------------


def test_dashboard_figures_read_the_first_blockers_and_counts_and_benchmarks_when_asked(
    build, mission
):
    build(12, snapshots=1)
    stored = ReadinessSnapshot.objects.filter(mission=mission).latest("computed_at").figures

    figures = selectors.dashboard_figures(mission=mission)
    with_benchmarks = selectors.dashboard_figures(mission=mission, with_benchmarks=True)

    assert figures["blockers"] == stored["blockers"][: selectors.TOP_BLOCKERS]
    assert figures["blocker_count"] == len(stored["blockers"]) > selectors.TOP_BLOCKERS
    assert figures["benchmark_count"] == len(stored["benchmarks"]) == 12
    assert "benchmarks" not in figures and "objectives" not in figures
    assert with_benchmarks["benchmarks"] == stored["benchmarks"]
    for key in ("readiness", "confidence", "categories", "gates", "projection", "as_of"):
        assert figures[key] == stored[key]


def test_dashboard_figures_are_none_before_the_first_snapshot(mission):
    assert selectors.dashboard_figures(mission=mission) is None


def test_dashboards_of_two_missions_each_show_their_own_rows(client, build, mission, site_admin):
    """The dashboard's reads are compiled once per connection: each visit binds its own
    mission into them, whichever mission's page came first."""
    build(2)
    other_mission = mission_create(
        actor=site_admin,
        code="unmiss-test",
        name="UNMISS (test)",
        country="SS",
        timezone="Africa/Juba",
        mandate_start="2011-07-09",
        status="active",
    )
    client.force_login(site_admin)

    first = client.get(dashboard_url(mission)).content.decode()
    other = client.get(dashboard_url(other_mission)).content.decode()
    again = client.get(dashboard_url(mission)).content.decode()

    for shown in ("Phase 1", "Consultation 0", "Comment 1 on the plan"):
        assert shown in first and shown in again
        assert shown not in other
    assert "No phases yet." in other
    assert "No comments yet." in other

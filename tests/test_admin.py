"""The admin site: every model is listed and shown, and every save goes through the services."""

import datetime
import secrets
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from assessments.models import Assessment, ReadinessSnapshot, Score
from missions.models import (
    AuditEvent,
    Benchmark,
    HandoverItem,
    Membership,
    Mission,
    Objective,
    Phase,
    PhaseEndorsement,
    Subscription,
)
from missions.services import record_update
from stakeholders.models import (
    Comment,
    Consultation,
    Contact,
    FeedbackForm,
    FeedbackSubmission,
    Invitation,
    OverdueNotice,
    Question,
    ReminderDelivery,
    Stakeholder,
)
from tests.factories import (
    AssessmentFactory,
    BenchmarkFactory,
    ConsultationFactory,
    ContactFactory,
    FeedbackFormFactory,
    HandoverItemFactory,
    MembershipFactory,
    ObjectiveFactory,
    PhaseFactory,
    ScoreFactory,
    StakeholderFactory,
    UserFactory,
)

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
OURS = [
    m
    for m in REGISTERED
    if m._meta.app_label in {"accounts", "missions", "stakeholders", "assessments"}
]
READ_ONLY = [AuditEvent, ReadinessSnapshot, FeedbackSubmission, ReminderDelivery, OverdueNotice]
NOT_DELETABLE = [Phase, Objective, Benchmark, HandoverItem, Stakeholder, Contact, User]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def label(model) -> str:
    return model._meta.label


def make_rows(mission: Mission, author: User, i: int) -> None:
    """One row of every registered model in ``mission`` (plain rows: fast to arrange)."""
    now = timezone.now()
    phase = PhaseFactory(mission=mission)
    objective = ObjectiveFactory(mission=mission, target_phase=phase)
    benchmark = BenchmarkFactory(objective=objective, responsible=author)
    rated = BenchmarkFactory(
        objective=objective, kind=Benchmark.Kind.RATING, baseline=None, target=None
    )
    stakeholder = StakeholderFactory(mission=mission, kind=Stakeholder.Kind.HOST_GOVERNMENT)
    contact = ContactFactory(stakeholder=stakeholder, user=author)
    liaison = UserFactory()
    MembershipFactory(
        mission=mission, user=liaison, role="liaison", stakeholder=stakeholder, invited_by=author
    )
    HandoverItemFactory(mission=mission, receiving_stakeholder=stakeholder)
    PhaseEndorsement.objects.create(
        phase=phase,
        stakeholder=stakeholder,
        endorsed_by=liaison,
        endorsed_at=now,
        readiness=Decimal("55.0"),
        gate_threshold=50,
    )
    AuditEvent.objects.create(
        mission=mission,
        actor=author,
        action="benchmark.update",
        target_type="benchmark",
        target_id=benchmark.pk,
        changes={"title": ["Before", f"After {i}"]},
        at=now,
    )
    Subscription.objects.create(
        user=liaison, mission=mission, target_type="benchmark", target_id=benchmark.pk
    )
    assessment = AssessmentFactory(mission=mission, author=author)
    ScoreFactory(assessment=assessment, benchmark=benchmark)
    ReadinessSnapshot.objects.create(
        mission=mission,
        as_of=datetime.date(2026, 6, 30),
        computed_at=now,
        readiness=Decimal("40.0"),
        confidence=Decimal("0.500"),
        figures={"readiness": 40.0},
    )
    form = FeedbackFormFactory(mission=mission)
    Question.objects.create(form=form, kind="scale", label=f"How safe? {i}", benchmark=rated)
    FeedbackSubmission.objects.create(
        form=form, submitted_at=now, answers={"1": 4}, receipt=secrets.token_hex(6)
    )
    consultation = ConsultationFactory(mission=mission, phase=phase, feedback_form=form)
    invitation = Invitation.objects.create(consultation=consultation, contact=contact)
    ReminderDelivery.objects.create(
        invitation=invitation, kind="reminder", offset=24, sequence=0, due_at=now
    )
    OverdueNotice.objects.create(
        benchmark=benchmark, period_start=datetime.date(2026, 1, 1), due_at=now
    )
    Comment.objects.create(
        mission=mission,
        target_type="benchmark",
        target_id=benchmark.pk,
        author=liaison,
        body=f"Where does the figure come from? {i}",
    )
    ApiToken.objects.create(user=author, name=f"import script {i}", key_hash=secrets.token_hex(32))


def form_data(response) -> dict:
    """What the browser would post back for the change form shown (inlines included)."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, forms.CheckboxInput):
                if value:
                    data[key] = "on"
            elif isinstance(field.widget, forms.MultiWidget):  # date and time of a datetime
                parts = field.widget.decompress(value)
                for index, (widget, part) in enumerate(
                    zip(field.widget.widgets, parts, strict=True)
                ):
                    data[f"{key}_{index}"] = widget.format_value(part) or ""
            elif value is None:
                data[key] = ""
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def planner(db):
    return UserFactory(
        email="planner@example.org", name="Planner", is_staff=True, is_superuser=True
    )


@pytest.fixture
def client(client, planner):
    client.force_login(planner)
    return client


@pytest.fixture
def rows(mission, site_admin):
    make_rows(mission, site_admin, 0)


@pytest.fixture
def benchmark(mission, site_admin):
    objective = ObjectiveFactory(mission=mission)
    return BenchmarkFactory(objective=objective, code="bm-sec-incidents", title="Incidents")


# Every page answers ------------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_every_changelist_answers_200(client, rows, model):
    response = client.get(url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", OURS, ids=label)
def test_every_changelist_can_be_searched(client, rows, model):
    if not admin.site._registry[model].search_fields:
        pytest.fail(f"{label(model)} has no search_fields")

    response = client.get(url(model, "changelist"), {"q": "a"})

    assert response.status_code == 200


@pytest.mark.parametrize("model", OURS, ids=label)
def test_every_change_page_answers_200(client, rows, model):
    obj = model._default_manager.order_by("-pk").first()

    response = client.get(url(model, "change", obj.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=label)
def test_every_add_page_answers_200_where_adding_is_allowed(client, rows, model, planner):
    model_admin = admin.site._registry[model]
    request = client.get(url(model, "changelist")).wsgi_request

    response = client.get(url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


def test_search_finds_a_benchmark_by_code(client, benchmark, mission):
    BenchmarkFactory(objective=benchmark.objective, code="bm-pol-dialogue", title="Dialogue")

    response = client.get(url(Benchmark, "changelist"), {"q": "sec-incidents"})

    assert list(response.context["cl"].result_list) == [benchmark]


def test_search_finds_audit_events_by_action(client, mission, benchmark, site_admin):
    record_update(actor=site_admin, instance=benchmark, data={"title": "Incidents (monthly)"})

    response = client.get(url(AuditEvent, "changelist"), {"q": "benchmark.update"})

    assert [event.action for event in response.context["cl"].result_list] == ["benchmark.update"]


# Constant query counts ----------------------------------------------------------------


def test_changelist_queries_do_not_grow_with_rows(client, mission, site_admin):
    for i in range(2):
        make_rows(mission, site_admin, i)
    with_two = {}
    for model in REGISTERED:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(model, "changelist")).status_code == 200
        with_two[label(model)] = len(queries)
    for i in range(2, 20):
        make_rows(mission, site_admin, i)

    with_twenty = {}
    for model in REGISTERED:
        with CaptureQueriesContext(connection) as queries:
            client.get(url(model, "changelist"))
        with_twenty[label(model)] = len(queries)

    assert with_twenty == with_two


def test_change_pages_with_inlines_do_not_grow_with_rows(client, mission, site_admin):
    objective = ObjectiveFactory(mission=mission)
    stakeholder = StakeholderFactory(mission=mission)
    assessment = AssessmentFactory(mission=mission)
    form = FeedbackFormFactory(mission=mission)
    consultation = ConsultationFactory(mission=mission)
    pages = [
        url(Mission, "change", mission.pk),
        url(Objective, "change", objective.pk),
        url(Stakeholder, "change", stakeholder.pk),
        url(Assessment, "change", assessment.pk),
        url(FeedbackForm, "change", form.pk),
        url(Consultation, "change", consultation.pk),
        url(User, "change", site_admin.pk),
    ]

    def add_children(count):
        for _ in range(count):
            phase = PhaseFactory(mission=mission)
            ObjectiveFactory(mission=mission, target_phase=phase)
            benchmark = BenchmarkFactory(objective=objective, responsible=UserFactory())
            contact = ContactFactory(stakeholder=stakeholder, user=UserFactory())
            ScoreFactory(assessment=assessment, benchmark=benchmark)
            Question.objects.create(form=form, kind="scale", label="How safe?")
            Invitation.objects.create(consultation=consultation, contact=contact)
            MembershipFactory(user=site_admin)

    def queries_per_page():
        counts = {}
        for page in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page).status_code == 200
            counts[page] = len(queries)
        return counts

    add_children(2)
    queries_per_page()  # warm the per-process caches (content types, permissions)
    with_two = queries_per_page()
    add_children(18)

    assert queries_per_page() == with_two


@pytest.mark.parametrize("count", [2, 20])
def test_benchmark_changelist_runs_a_fixed_number_of_queries(
    client, mission, site_admin, count, django_assert_max_num_queries
):
    objective = ObjectiveFactory(mission=mission)
    for _ in range(count):
        BenchmarkFactory(objective=objective, responsible=UserFactory())

    # session (2) + missions for the filter + count (2) + rows + session save (3)
    with django_assert_max_num_queries(9):
        response = client.get(url(Benchmark, "changelist"))

    assert len(response.context["cl"].result_list) == count


@pytest.mark.parametrize("count", [2, 20])
def test_audit_event_changelist_runs_a_fixed_number_of_queries(
    client, mission, count, django_assert_max_num_queries
):
    AuditEvent.objects.all().delete()
    for i in range(count):
        AuditEvent.objects.create(
            mission=mission,
            actor=UserFactory(),
            action="phase.update",
            target_type="phase",
            target_id=i,
            changes={"name": ["a", "b"]},
            at=timezone.now(),
        )

    # session (2) + missions + one count + rows + dates (2) + actions, types + session (3)
    with django_assert_max_num_queries(12):
        response = client.get(url(AuditEvent, "changelist"))

    assert len(response.context["cl"].result_list) == count


# Saves go through the services ---------------------------------------------------------


def test_saving_a_benchmark_bumps_its_version_and_audits_the_change(client, benchmark, planner):
    page = client.get(url(Benchmark, "change", benchmark.pk))
    data = form_data(page)
    data["title"] = "Security incidents per month"

    response = client.post(url(Benchmark, "change", benchmark.pk), data)

    assert response.status_code == 302
    benchmark.refresh_from_db()
    assert (benchmark.title, benchmark.version) == ("Security incidents per month", 2)
    event = AuditEvent.objects.get(target_type="benchmark", target_id=benchmark.pk)
    assert (event.action, event.actor, event.mission_id) == (
        "benchmark.update",
        planner,
        benchmark.mission_id,
    )
    assert event.changes == {"title": ["Incidents", "Security incidents per month"]}


def test_saving_without_changes_writes_nothing(client, benchmark):
    page = client.get(url(Benchmark, "change", benchmark.pk))

    response = client.post(url(Benchmark, "change", benchmark.pk), form_data(page))

    assert response.status_code == 302
    benchmark.refresh_from_db()
    assert benchmark.version == 1
    assert not AuditEvent.objects.filter(target_type="benchmark").exists()


def test_adding_a_benchmark_creates_it_through_the_service(client, mission, planner):
    objective = ObjectiveFactory(mission=mission)
    data = form_data(client.get(url(Benchmark, "add")))
    data.update(
        objective=str(objective.pk),
        code="bm-new",
        title="New benchmark",
        kind="rating",
        weight="1",
        frequency_days="90",
    )

    response = client.post(url(Benchmark, "add"), data)

    assert response.status_code == 302
    created = Benchmark.objects.get(code="bm-new")
    assert created.mission == mission
    event = AuditEvent.objects.get(target_type="benchmark", target_id=created.pk)
    assert (event.action, event.actor) == ("benchmark.create", planner)


def test_creating_a_mission_makes_its_creator_its_first_admin(client, planner):
    data = form_data(client.get(url(Mission, "add")))
    data.update(
        code="unmiss",
        name="UNMISS",
        country="SS",
        timezone="Africa/Juba",
        mandate_start="2011-07-09",
        planned_exit="2029-12-31",
        status="planning",
        exit_approach="hybrid",
    )
    data.update(
        {
            "phases-TOTAL_FORMS": "1",
            "phases-0-order": "1",
            "phases-0-kind": "strategic_assessment",
            "phases-0-name": "Strategic assessment",
            "phases-0-status": "not_started",
            "phases-0-gate_threshold": "0",
        }
    )

    response = client.post(url(Mission, "add"), data)

    assert response.status_code == 302
    mission = Mission.objects.get(code="unmiss")
    assert Membership.objects.filter(mission=mission, user=planner, role="admin").exists()
    assert mission.phases.get().name == "Strategic assessment"
    assert sorted(AuditEvent.objects.filter(mission=mission).values_list("action", flat=True)) == [
        "membership.create",
        "mission.create",
        "phase.create",
    ]


def test_editing_a_phase_inline_on_the_mission_audits_it(client, mission, planner):
    phase = PhaseFactory(mission=mission, name="Drawdown")
    data = form_data(client.get(url(Mission, "change", mission.pk)))
    data["phases-0-name"] = "Drawdown and handover"

    response = client.post(url(Mission, "change", mission.pk), data)

    assert response.status_code == 302
    phase.refresh_from_db()
    assert (phase.name, phase.version) == ("Drawdown and handover", 2)
    event = AuditEvent.objects.get(target_type="phase", target_id=phase.pk)
    assert event.changes == {"name": ["Drawdown", "Drawdown and handover"]}
    mission.refresh_from_db()
    assert mission.version == 1


def test_editing_a_score_inline_bumps_its_round_and_audits_it(client, mission, site_admin):
    score = ScoreFactory(assessment__mission=mission, value=Decimal("50"))
    assessment = score.assessment
    data = form_data(client.get(url(Assessment, "change", assessment.pk)))
    data["scores-0-value"] = "62.5"

    response = client.post(url(Assessment, "change", assessment.pk), data)

    assert response.status_code == 302
    score.refresh_from_db()
    assessment.refresh_from_db()
    assert (score.value, score.version, assessment.version) == (Decimal("62.5"), 2, 2)
    event = AuditEvent.objects.get(target_type="score", target_id=score.pk)
    assert event.changes == {"value": ["50.0000", "62.5"]}


def test_scores_of_a_submitted_round_are_read_only(client, mission):
    score = ScoreFactory(assessment__mission=mission, assessment__status="submitted")
    page = client.get(url(Assessment, "change", score.assessment_id))

    response = client.post(url(Score, "change", score.pk), {"value": "1"})

    assert b'name="_save"' not in page.content
    assert response.status_code == 403


def test_a_service_refusal_after_validation_shows_a_message_and_saves_nothing(
    client, mission, other_mission
):
    """The add page cannot scope the benchmarks yet; the service's validation catches it."""
    foreign = BenchmarkFactory(objective=ObjectiveFactory(mission=other_mission))
    data = form_data(client.get(url(Assessment, "add")))
    data.update(mission=str(mission.pk), as_of="2026-06-30", kind="joint", method="dataset")
    data.update(
        {"scores-TOTAL_FORMS": "1", "scores-0-benchmark": str(foreign.pk), "scores-0-value": "5"}
    )

    response = client.post(url(Assessment, "add"), data)

    assert response.status_code == 302
    assert response.url == url(Assessment, "add")
    assert "Nothing was saved: Choose a benchmark of this mission." in messages_of(response)
    assert not Assessment.objects.exists()


# Rules the admin keeps -----------------------------------------------------------------


def test_editing_a_plan_item_of_a_closed_mission_shows_an_error_and_changes_nothing(
    client, benchmark, mission, site_admin
):
    record_update(actor=site_admin, instance=mission, data={"status": "closed"})
    data = form_data(client.get(url(Benchmark, "change", benchmark.pk)))
    data["title"] = "Changed after closing"
    audit_before = AuditEvent.objects.count()

    response = client.post(url(Benchmark, "change", benchmark.pk), data)

    assert response.status_code == 200
    assert "is closed: its plan and records are read-only" in response.content.decode()
    benchmark.refresh_from_db()
    assert (benchmark.title, benchmark.version) == ("Incidents", 1)
    assert AuditEvent.objects.count() == audit_before


def test_adding_a_phase_to_a_closed_mission_shows_an_error(client, mission, site_admin):
    record_update(actor=site_admin, instance=mission, data={"status": "closed"})
    data = form_data(client.get(url(Phase, "add")))
    data.update(
        mission=str(mission.pk), order="9", kind="handover", name="Late", status="not_started"
    )
    data["gate_threshold"] = "0"

    response = client.post(url(Phase, "add"), data)

    assert response.status_code == 200
    assert "is closed: its plan and records are read-only" in response.content.decode()
    assert not Phase.objects.filter(name="Late").exists()


def test_a_stale_edit_fails_with_a_form_error_instead_of_overwriting(client, benchmark, site_admin):
    data = form_data(client.get(url(Benchmark, "change", benchmark.pk)))
    record_update(actor=site_admin, instance=benchmark, data={"title": "Their title"})
    data["title"] = "My title"

    response = client.post(url(Benchmark, "change", benchmark.pk), data)

    assert response.status_code == 200
    assert "Someone else changed this benchmark" in response.content.decode()
    benchmark.refresh_from_db()
    assert (benchmark.title, benchmark.version) == ("Their title", 2)


def test_a_stale_row_the_person_did_not_touch_does_not_block_the_save(client, mission, site_admin):
    phase = PhaseFactory(mission=mission, name="Consultation")
    data = form_data(client.get(url(Mission, "change", mission.pk)))
    record_update(actor=site_admin, instance=phase, data={"gate_threshold": 60})
    data["phases-0-gate_threshold"] = "60"
    data["name"] = "MONUSCO (renamed)"

    response = client.post(url(Mission, "change", mission.pk), data)

    assert response.status_code == 302
    mission.refresh_from_db()
    phase.refresh_from_db()
    assert (mission.name, phase.gate_threshold, phase.version) == ("MONUSCO (renamed)", 60, 2)


def test_retire_action_retires_through_the_service(client, benchmark, planner):
    other = BenchmarkFactory(objective=benchmark.objective)

    response = client.post(
        url(Benchmark, "changelist"),
        {"action": "retire_selected", "_selected_action": [benchmark.pk, other.pk]},
    )

    assert response.status_code == 302
    assert set(Benchmark.objects.values_list("is_retired", "version")) == {(True, 2)}
    events = AuditEvent.objects.filter(action="benchmark.retire", actor=planner)
    assert {event.changes["is_retired"][1] for event in events} == {True}
    assert events.count() == 2
    assert "Retired 2 benchmarks." in messages_of(response)


def test_restore_action_brings_a_retired_item_back(client, benchmark, site_admin):
    client.post(
        url(Benchmark, "changelist"),
        {"action": "retire_selected", "_selected_action": [benchmark.pk]},
    )

    client.post(
        url(Benchmark, "changelist"),
        {"action": "restore_selected", "_selected_action": [benchmark.pk]},
    )

    benchmark.refresh_from_db()
    assert (benchmark.is_retired, benchmark.version) == (False, 3)
    assert AuditEvent.objects.filter(action="benchmark.restore").exists()


def test_retiring_a_contact_bumps_its_stakeholder(client, mission):
    contact = ContactFactory(stakeholder__mission=mission)

    client.post(
        url(Contact, "changelist"),
        {"action": "retire_selected", "_selected_action": [contact.pk]},
    )

    contact.refresh_from_db()
    contact.stakeholder.refresh_from_db()
    assert (contact.is_retired, contact.stakeholder.version) == (True, 2)


def test_retiring_in_a_closed_mission_shows_an_error(client, benchmark, mission, site_admin):
    record_update(actor=site_admin, instance=mission, data={"status": "closed"})

    response = client.post(
        url(Benchmark, "changelist"),
        {"action": "retire_selected", "_selected_action": [benchmark.pk]},
    )

    assert response.status_code == 302
    assert any("closed" in message for message in messages_of(response))
    benchmark.refresh_from_db()
    assert not benchmark.is_retired


@pytest.mark.parametrize("model", NOT_DELETABLE, ids=label)
def test_plan_items_stakeholders_and_contacts_cannot_be_deleted(client, rows, model):
    obj = model._default_manager.first()

    response = client.post(url(model, "delete", obj.pk), {"post": "yes"})

    assert response.status_code == 403
    assert model._default_manager.filter(pk=obj.pk).exists()


def test_audit_events_are_read_only(client, benchmark, site_admin):
    record_update(actor=site_admin, instance=benchmark, data={"title": "Incidents (monthly)"})
    event = AuditEvent.objects.get(target_type="benchmark")

    page = client.get(url(AuditEvent, "change", event.pk))
    post = client.post(url(AuditEvent, "change", event.pk), {"action": "benchmark.delete"})
    delete = client.post(url(AuditEvent, "delete", event.pk), {"post": "yes"})
    add = client.get(url(AuditEvent, "add"))

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert "&quot;Incidents (monthly)&quot;" in page.content.decode()
    assert (post.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    event.refresh_from_db()
    assert event.action == "benchmark.update"


@pytest.mark.parametrize("model", READ_ONLY, ids=label)
def test_system_records_refuse_changes(client, rows, model):
    obj = model._default_manager.first()

    post = client.post(url(model, "change", obj.pk), {})
    delete = client.post(url(model, "delete", obj.pk), {"post": "yes"})

    assert (post.status_code, delete.status_code) == (403, 403)


def test_submit_and_approve_actions_keep_four_eyes(client, mission, planner):
    own = AssessmentFactory(mission=mission, author=planner)
    theirs = AssessmentFactory(mission=mission)
    selected = {"_selected_action": [own.pk, theirs.pk]}
    client.post(url(Assessment, "changelist"), {"action": "submit_selected", **selected})

    response = client.post(
        url(Assessment, "changelist"), {"action": "approve_selected", **selected}
    )

    own.refresh_from_db()
    theirs.refresh_from_db()
    assert (own.status, theirs.status) == ("submitted", "approved")
    assert any("Someone other than the author" in m for m in messages_of(response))


def test_inline_selects_offer_only_the_missions_own_items(client, mission, other_mission):
    mine = PhaseFactory(mission=mission, name="Ours")
    PhaseFactory(mission=other_mission, name="Theirs")
    ObjectiveFactory(mission=mission, target_phase=mine)

    response = client.get(url(Mission, "change", mission.pk))

    field = response.context["inline_admin_formsets"][1].formset.forms[0].fields["target_phase"]
    assert [label for value, label in field.choices if value] == [str(mine)]


def test_inviting_a_contact_inline_goes_through_the_service(client, mission, planner):
    consultation = ConsultationFactory(mission=mission)
    contact = ContactFactory(stakeholder__mission=mission)
    data = form_data(client.get(url(Consultation, "change", consultation.pk)))
    data.update({"invitations-TOTAL_FORMS": "1", "invitations-0-contact": str(contact.pk)})

    response = client.post(url(Consultation, "change", consultation.pk), data)

    assert response.status_code == 302
    invitation = Invitation.objects.get(consultation=consultation)
    assert (invitation.contact, invitation.rsvp) == (contact, "pending")
    assert AuditEvent.objects.filter(action="invitation.create", actor=planner).exists()


def test_questions_of_a_published_form_are_read_only(client, mission):
    form = FeedbackFormFactory(mission=mission, status="published")
    Question.objects.create(form=form, kind="text", label="Anything else?")

    response = client.get(url(FeedbackForm, "change", form.pk))

    questions = response.context["inline_admin_formsets"][0]
    assert not questions.has_change_permission
    assert not questions.has_add_permission


def test_changing_a_role_goes_through_the_membership_service(client, mission, staff):
    membership = Membership.objects.get(mission=mission, user=staff)
    data = form_data(client.get(url(Membership, "change", membership.pk)))
    data["role"] = "observer"

    response = client.post(url(Membership, "change", membership.pk), data)

    assert response.status_code == 302
    assert not staff.has_perm("missions.change_plan", mission)
    assert staff.has_perm("missions.view_mission", mission)
    assert AuditEvent.objects.filter(action="membership.update", target_id=membership.pk).exists()


def test_demoting_the_last_admin_shows_an_error_and_changes_nothing(client, mission, admin):
    membership = Membership.objects.get(mission=mission, user=admin)
    data = form_data(client.get(url(Membership, "change", membership.pk)))
    data["role"] = "staff"

    response = client.post(url(Membership, "change", membership.pk), data)

    assert response.status_code == 302
    assert any("last admin" in message for message in messages_of(response))
    membership.refresh_from_db()
    assert (membership.role, membership.version) == ("admin", 1)


def test_remove_action_removes_members_but_keeps_the_last_admin(client, mission, admin, staff):
    memberships = Membership.objects.filter(mission=mission)

    response = client.post(
        url(Membership, "changelist"),
        {"action": "remove_selected", "_selected_action": [m.pk for m in memberships]},
    )

    assert list(memberships.values_list("user", "role")) == [(admin.pk, "admin")]
    assert not staff.has_perm("missions.view_mission", mission)
    assert any("last admin" in message for message in messages_of(response))


def test_deleting_the_last_admins_membership_is_refused_with_a_message(client, mission, admin):
    membership = Membership.objects.get(mission=mission, user=admin)

    response = client.post(url(Membership, "delete", membership.pk), {"post": "yes"})

    assert response.status_code == 302
    assert response.url == url(Membership, "change", membership.pk)
    assert any("last admin" in message for message in messages_of(response))
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_deleting_a_membership_goes_through_the_service(client, mission, staff, planner):
    membership = Membership.objects.get(mission=mission, user=staff)

    response = client.post(url(Membership, "delete", membership.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.delete", actor=planner).exists()
    assert not staff.has_perm("missions.view_mission", mission)


# People and tokens ---------------------------------------------------------------------


def test_a_user_is_added_with_an_email_and_a_password_typed_twice(client):
    response = client.post(
        url(User, "add"),
        {
            "email": "New.Person@Example.org",
            "name": "New Person",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert user.check_password("a long enough passphrase")


def test_a_second_user_with_the_same_email_in_other_case_is_refused(client, planner):
    response = client.post(
        url(User, "add"),
        {
            "email": "PLANNER@example.org",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )

    assert response.status_code == 200
    assert "A user with this e-mail address already exists." in response.content.decode()


def test_revoke_action_revokes_tokens_and_the_key_hash_is_never_shown(client, planner):
    token = ApiToken.objects.create(user=planner, name="sync", key_hash="f" * 64)

    page = client.get(url(ApiToken, "change", token.pk))
    client.post(
        url(ApiToken, "changelist"), {"action": "revoke_selected", "_selected_action": [token.pk]}
    )

    assert "f" * 64 not in page.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None

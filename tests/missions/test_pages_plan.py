"""The transition plan page: read by every member, changed by staff, inline or with plain forms.

Data is built through the services; query counts are measured with 2 items of each kind
and asserted, unchanged, with 50.
"""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from assessments.selectors import mission_today
from assessments.services import (
    assessment_approve,
    assessment_create,
    assessment_submit,
    readiness_snapshot_create,
)
from missions import plan_views
from missions.models import AuditEvent, Benchmark, Mission, Objective, Phase
from missions.services import (
    benchmark_create,
    handover_item_create,
    objective_create,
    phase_create,
    record_update,
)
from stakeholders.services import comment_create

SIZES = [2, 50]
# Session and user (2), session save (3); the mission with the membership and grants (1);
# then the plan: phases, objectives with their benchmark counts, the benchmarks shown and
# handover items, each with their comment counts, the benchmarks' with their latest scores
# (4). The closed "add" forms load when opened: their choices cost nothing here. A large
# plan, collapsed to one objective open, costs the same.
PLAN_QUERIES = 10


def plan_url(mission):
    return reverse("missions:plan", args=[mission.code])


def edit_url(mission, kind, pk):
    return reverse("missions:plan-edit", args=[mission.code, kind, pk])


@pytest.fixture
def build(mission, admin, staff):
    def make(n: int):
        phases = [
            phase_create(
                actor=admin, mission=mission, order=i + 1, kind="implementation", name=f"Phase {i}"
            )
            for i in range(n)
        ]
        objectives = [
            objective_create(
                actor=admin,
                mission=mission,
                category="security",
                title=f"Objective {i}",
                target_phase=phases[i % 2] if i % 3 else None,
            )
            for i in range(n)
        ]
        benchmarks = [
            benchmark_create(
                actor=admin,
                objective=objectives[i % len(objectives)],
                code=f"bm-{i}",
                title=f"Benchmark {i}",
                kind="quantitative",
                baseline=Decimal("100"),
                target=Decimal("0"),
            )
            for i in range(n)
        ]
        handover = [
            handover_item_create(actor=admin, mission=mission, function=f"Function {i}")
            for i in range(n)
        ]
        round_ = assessment_create(
            actor=staff,
            mission=mission,
            as_of=mission_today(mission) - datetime.timedelta(days=3),
            kind="joint",
            method="dataset",
            scores=[{"benchmark": b.code, "value": "40"} for b in benchmarks],
        )
        assessment_submit(actor=staff, assessment=round_)
        assessment_approve(actor=admin, assessment=round_)
        for i in range(n):
            comment_create(
                actor=staff,
                mission=mission,
                body=f"Comment {i}",
                target_type="benchmark",
                target_id=benchmarks[0].pk,
            )
        return {
            "phases": phases,
            "objectives": objectives,
            "benchmarks": benchmarks,
            "handover": handover,
        }

    return make


def form_data(prefix: str, **values) -> dict:
    return {f"{prefix}-{k}": v for k, v in values.items()}


# Reading --------------------------------------------------------------------------------


def test_plan_shows_phases_objectives_by_phase_benchmarks_and_handover(
    client, build, mission, staff
):
    world = build(2)
    client.force_login(staff)

    html = client.get(plan_url(mission)).content.decode()

    assert "Phase 0" in html and "Phase 1" in html
    assert "To be met by the gate of: Phase 1" in html  # objective 1 targets phase 1
    assert "No target phase (to be met by the last gate)" in html  # objective 0
    assert "Benchmark 0" in html and "Function 1" in html
    assert "Implementation · Not started" in html  # the phase's kind and status, as words
    assert "Quantitative · from 100 to 0" in html
    assert "Latest counted score: <strong>40</strong>" in html
    assert "2 comments" in html  # both comments are on benchmark 0
    assert f'id="benchmark-{world["benchmarks"][0].pk}"' in html


def test_empty_plan_says_what_to_do_next(client, mission, staff, observer):
    client.force_login(staff)
    staff_html = client.get(plan_url(mission)).content.decode()
    client.force_login(observer)
    observer_html = client.get(plan_url(mission)).content.decode()

    assert "Add the first phase below" in staff_html
    assert "Add an objective below" in staff_html
    assert "Mission staff add them here" in observer_html


@pytest.mark.parametrize("n", SIZES)
def test_plan_page_renders_in_constant_queries(
    client, build, mission, staff, n, django_assert_num_queries
):
    build(n)
    client.force_login(staff)

    with django_assert_num_queries(PLAN_QUERIES):
        response = client.get(plan_url(mission))

    assert response.status_code == 200
    assert response.content.decode().count('class="plan-row plan-benchmark"') == n


# A large plan ---------------------------------------------------------------------------


@pytest.fixture
def collapsing(monkeypatch):
    """Objectives collapse from 2 benchmarks on (60 in the product), so small plans show it."""
    monkeypatch.setattr(plan_views, "EXPANDED_BENCHMARKS", 1)


def test_a_large_plan_shows_the_first_objective_open_and_the_others_behind_a_link(
    client, build, mission, staff, collapsing
):
    world = build(2)
    client.force_login(staff)
    first, objective = world["objectives"]  # benchmark 0 is under the first, 1 the second

    html = client.get(plan_url(mission)).content.decode()

    assert html.count('class="plan-row plan-benchmark"') == 1
    assert f'id="benchmarks-of-objective-{first.pk}"' in html
    assert f'id="benchmark-{world["benchmarks"][1].pk}"' not in html
    assert "The plan has 2 benchmarks: open an objective to see its own." in html
    assert f'hx-get="{plan_url(mission)}?objective={objective.pk}" hx-trigger="toggle once"' in html
    assert f'href="{plan_url(mission)}?objective={objective.pk}#objective-{objective.pk}"' in html
    assert "Objective 0" in html and "Objective 1" in html  # the objectives stay in view


def test_an_objective_opens_without_javascript_and_alone_for_htmx(
    client, build, mission, staff, collapsing
):
    world = build(2)
    client.force_login(staff)
    other, objective = world["objectives"]  # the first is the one open by default
    url = f"{plan_url(mission)}?objective={objective.pk}"

    page = client.get(url).content.decode()
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert f'id="benchmark-{world["benchmarks"][1].pk}"' in page  # Benchmark 1 is under it
    assert f'id="benchmark-{world["benchmarks"][0].pk}"' not in page  # under the other one
    assert "<html" not in partial and f'id="benchmarks-of-objective-{objective.pk}"' in partial
    assert "Benchmark 1" in partial and "Latest counted score: <strong>40</strong>" in partial
    assert (
        client.get(
            f"{plan_url(mission)}?objective={other.pk + 1000}", HTTP_HX_REQUEST="true"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("n", [2, 20])
def test_a_collapsed_plan_and_an_opened_objective_cost_the_same_for_2_or_20(
    client, build, mission, staff, collapsing, n, django_assert_num_queries
):
    world = build(n)
    client.force_login(staff)
    url = f"{plan_url(mission)}?objective={world['objectives'][-1].pk}"

    with django_assert_num_queries(PLAN_QUERIES):
        page = client.get(plan_url(mission))
    with django_assert_num_queries(PLAN_QUERIES):
        opened = client.get(url, HTTP_HX_REQUEST="true")

    assert page.content.decode().count('<details class="plan-benchmarks plan-collapsed"') == n - 1
    assert opened.content.decode().count('class="plan-row plan-benchmark"') == len(
        [b for b in world["benchmarks"] if b.objective_id == world["objectives"][-1].pk]
    )


def test_adding_a_benchmark_without_javascript_lands_on_it_with_its_objective_open(
    client, build, mission, staff, collapsing
):
    world = build(2)
    client.force_login(staff)
    objective = world["objectives"][1]

    response = client.post(
        reverse("missions:plan-new", args=[mission.code, "benchmark"]),
        form_data(
            "new-benchmark",
            objective=objective.pk,
            code="bm-new",
            title="Courts sitting",
            kind="rating",
            weight="1",
            frequency_days="90",
        ),
    )
    benchmark = Benchmark.objects.get(code="bm-new")
    page = client.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert response["Location"].endswith(f"?objective={objective.pk}#benchmark-{benchmark.pk}")
    assert f'id="benchmark-{benchmark.pk}"' in page


def test_closed_add_sections_load_their_form_when_opened(client, build, mission, staff):
    build(2)
    client.force_login(staff)
    new_url = reverse("missions:plan-new", args=[mission.code, "objective"])

    page = client.get(plan_url(mission)).content.decode()
    form = client.get(new_url, HTTP_HX_REQUEST="true").content.decode()

    assert 'id="id_new-objective-title"' not in page  # loaded on opening, not every view
    assert f'hx-get="{new_url}" hx-trigger="toggle once"' in page
    assert f'href="{new_url}#add-objective"' in page  # the same form without JavaScript
    assert "<html" not in form and 'id="id_new-objective-title"' in form
    assert 'name="csrfmiddlewaretoken"' in form and "Add an objective" in form


def test_latest_scores_are_exact_before_readiness_is_recomputed(
    client, build, mission, staff, admin
):
    world = build(2)
    readiness_snapshot_create(mission=mission)
    client.force_login(staff)
    before = client.get(plan_url(mission)).content.decode()
    _approved(mission, staff, admin, world["benchmarks"][0], "25")  # not recomputed yet
    after = client.get(plan_url(mission)).content.decode()

    # The plan chooses latest scores in the database, never from a snapshot that may lag.
    assert "Latest counted score: <strong>40</strong>" in before
    assert "Latest counted score: <strong>25</strong>" in after


def _approved(mission, staff, admin, benchmark, value):
    round_ = assessment_create(
        actor=staff,
        mission=mission,
        as_of=mission_today(mission) - datetime.timedelta(days=1),
        kind="joint",
        method="dataset",
        scores=[{"benchmark": benchmark.code, "value": value}],
    )
    assessment_submit(actor=staff, assessment=round_)
    return assessment_approve(actor=admin, assessment=round_)


# Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["observer", "liaison", "partner"])
def test_readers_see_no_edit_controls_and_get_403_naming_roles(
    client, build, mission, request, persona
):
    world = build(2)
    client.force_login(request.getfixturevalue(persona))
    phase = world["phases"][0]

    html = client.get(plan_url(mission)).content.decode()
    response = client.post(
        edit_url(mission, "phase", phase.pk), form_data(f"phase-{phase.pk}", name="Changed")
    )

    assert ">Edit<" not in html and "Retire" not in html and "Add a phase" not in html
    assert response.status_code == 403
    assert "Admin" in response.content.decode() and "Staff" in response.content.decode()
    assert Phase.objects.get(pk=phase.pk).name == "Phase 0"


def test_stranger_gets_404_and_anonymous_is_sent_to_sign_in(client, build, mission, stranger):
    build(2)

    anonymous = client.get(plan_url(mission))
    client.force_login(stranger)
    strange = client.get(plan_url(mission))

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert strange.status_code == 404


def test_closed_mission_shows_no_controls_and_answers_409_to_posts(client, build, mission, staff):
    world = build(2)
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.CLOSED)
    client.force_login(staff)
    phase = world["phases"][0]

    html = client.get(plan_url(mission)).content.decode()
    response = client.post(
        reverse("missions:plan-retire", args=[mission.code, "phase", phase.pk]),
        {"version": phase.version},
    )

    assert "Retire" not in html and "read-only" in html
    assert response.status_code == 409
    assert not Phase.objects.get(pk=phase.pk).is_retired


# Creating -------------------------------------------------------------------------------


def test_staff_adds_an_objective_and_a_benchmark_without_javascript(client, mission, staff):
    client.force_login(staff)

    first = client.post(
        reverse("missions:plan-new", args=[mission.code, "objective"]),
        form_data("new-objective", title="Courts open", category="rule_of_law", weight="1"),
    )
    objective = Objective.objects.get(mission=mission)
    second = client.post(
        reverse("missions:plan-new", args=[mission.code, "benchmark"]),
        form_data(
            "new-benchmark",
            objective=objective.pk,
            code="bm-courts",
            title="Courts sitting",
            kind="rating",
            weight="1",
            frequency_days="90",
        ),
    )

    assert first.status_code == 302 and second.status_code == 302
    benchmark = Benchmark.objects.get(mission=mission)
    assert second["Location"].endswith(f"#benchmark-{benchmark.pk}")
    assert AuditEvent.objects.filter(action="benchmark.create", actor=staff).exists()


def test_invalid_benchmark_shows_errors_beside_fields_and_saves_nothing(client, mission, staff):
    objective = objective_create(actor=staff, mission=mission, category="security", title="O")
    client.force_login(staff)

    response = client.post(
        reverse("missions:plan-new", args=[mission.code, "benchmark"]),
        form_data(
            "new-benchmark",
            objective=objective.pk,
            code="Not a slug!",
            title="",
            kind="quantitative",
            weight="1",
            frequency_days="90",
        ),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html and 'id="id_new-benchmark-code_error"' in html
    assert '<details class="plan-add" id="add-benchmark" open>' in html
    assert not Benchmark.objects.exists()


def test_a_handover_item_without_a_function_is_reshown_with_its_error(client, mission, staff):
    client.force_login(staff)

    page = client.get(
        reverse("missions:plan-new", args=[mission.code, "handover-item"])
    ).content.decode()
    response = client.post(
        reverse("missions:plan-new", args=[mission.code, "handover-item"]),
        form_data("new-handover-item", function="", status="planned"),
    )

    html = response.content.decode()
    assert 'id="id_new-handover-item-function"' in page
    assert response.status_code == 400
    assert '<details class="plan-add" id="add-handover-item" open>' in html
    assert 'id="id_new-handover-item-function_error"' in html


def test_htmx_create_answers_200_with_the_plan_body(client, mission, staff):
    client.force_login(staff)

    response = client.post(
        reverse("missions:plan-new", args=[mission.code, "phase"]),
        form_data(
            "new-phase",
            order="1",
            name="Consultations",
            kind="consultation",
            status="not_started",
            gate_threshold="40",
        ),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="plan-body"' in html and "The phase “1. Consultations” was added." in html
    assert Phase.objects.get(mission=mission).name == "Consultations"


# Editing and conflicts ------------------------------------------------------------------


def test_htmx_edit_returns_the_form_then_the_row(client, build, mission, staff):
    world = build(2)
    client.force_login(staff)
    handover = world["handover"][0]
    url = edit_url(mission, "handover-item", handover.pk)
    prefix = f"handover-item-{handover.pk}"

    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    row = client.post(
        url,
        form_data(
            prefix,
            function="Border posts",
            status="in_progress",
            order="0",
            version=handover.version,
        ),
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "<form" in form and f'name="{prefix}-version"' in form and "<html" not in form
    assert row.startswith('\n<div class="plan-row plan-handover-item"') or "plan-row" in row
    assert "Border posts" in row and "Saved." in row and "<html" not in row


def test_stale_edit_reshows_the_form_with_both_values_and_saves_nothing(
    client, build, mission, staff, admin
):
    world = build(2)
    benchmark = world["benchmarks"][0]
    opened_version = benchmark.version
    record_update(actor=admin, instance=benchmark, data={"title": "Their title"})
    client.force_login(staff)
    prefix = f"benchmark-{benchmark.pk}"

    response = client.post(
        edit_url(mission, "benchmark", benchmark.pk),
        form_data(
            prefix,
            objective=benchmark.objective_id,
            code=benchmark.code,
            title="My title",
            kind="quantitative",
            baseline="100",
            target="0",
            weight="1",
            frequency_days="90",
            order="0",
            version=opened_version,
        ),
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by someone else since you opened it" in html
    assert "Their title" in html and "My title" in html  # current beside typed
    assert f'name="{prefix}-version" value="{opened_version + 1}"' in html
    assert Benchmark.objects.get(pk=benchmark.pk).title == "Their title"


def test_saving_again_after_a_conflict_applies_the_typed_values(
    client, build, mission, staff, admin
):
    world = build(2)
    objective = world["objectives"][0]
    record_update(actor=admin, instance=objective, data={"weight": Decimal("2")})
    client.force_login(staff)
    current = Objective.objects.get(pk=objective.pk)

    response = client.post(
        edit_url(mission, "objective", objective.pk),
        form_data(
            f"objective-{objective.pk}",
            title="Reapplied",
            category="security",
            weight="2",
            order="0",
            version=current.version,
        ),
    )

    assert response.status_code == 302
    assert Objective.objects.get(pk=objective.pk).title == "Reapplied"


# Reordering and retiring ----------------------------------------------------------------


def test_moving_a_phase_down_swaps_orders_in_one_transaction(client, build, mission, staff):
    world = build(2)
    first, second = world["phases"]
    client.force_login(staff)

    response = client.post(
        reverse("missions:plan-move", args=[mission.code, "phase", first.pk]),
        {"direction": "down", "version": first.version},
    )

    assert response.status_code == 302
    assert Phase.objects.get(pk=first.pk).order == 2
    assert Phase.objects.get(pk=second.pk).order == 1
    assert AuditEvent.objects.filter(action="phase.update", target_id=first.pk).exists()


def test_htmx_move_answers_the_reordered_plan_body(client, build, mission, staff):
    world = build(2)
    second = world["handover"][1]
    client.force_login(staff)

    response = client.post(
        reverse("missions:plan-move", args=[mission.code, "handover-item", second.pk]),
        {"direction": "up", "version": second.version},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200 and 'id="plan-body"' in html
    assert html.index("Function 1") < html.index("Function 0")


def test_the_edit_form_works_as_a_page_without_javascript(client, build, mission, staff):
    world = build(2)
    client.force_login(staff)
    phase = world["phases"][1]

    response = client.get(edit_url(mission, "phase", phase.pk))

    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert f'name="phase-{phase.pk}-version" value="{phase.version}"' in html
    benchmark = world["benchmarks"][0]
    form = client.get(edit_url(mission, "benchmark", benchmark.pk)).content.decode()
    assert f'name="benchmark-{benchmark.pk}-baseline" value="100"' in form  # not 100.0000


def test_moving_benchmarks_with_equal_orders_numbers_them(client, mission, staff):
    objective = objective_create(actor=staff, mission=mission, category="security", title="O")
    *_first_two, c = (
        benchmark_create(actor=staff, objective=objective, code=f"bm-{x}", title=x, kind="rating")
        for x in "abc"
    )
    client.force_login(staff)

    client.post(
        reverse("missions:plan-move", args=[mission.code, "benchmark", c.pk]),
        {"direction": "up", "version": c.version},
    )

    orders = dict(Benchmark.objects.values_list("code", "order"))
    assert orders == {"bm-a": 1, "bm-c": 2, "bm-b": 3}


def test_htmx_retire_swaps_the_row_for_a_notice(client, build, mission, staff):
    world = build(2)
    objective = world["objectives"][1]
    client.force_login(staff)

    response = client.post(
        reverse("missions:plan-retire", args=[mission.code, "objective", objective.pk]),
        {"version": objective.version},
        HTTP_HX_REQUEST="true",
    )

    assert "was retired" in response.content.decode()
    assert Objective.objects.get(pk=objective.pk).is_retired
    assert "Objective 1" not in client.get(plan_url(mission)).content.decode()


# Every write URL of the page, for every persona that may not write ---------------------

WRITES = [
    ("new", lambda m, w: reverse("missions:plan-new", args=[m.code, "objective"])),
    ("edit", lambda m, w: edit_url(m, "phase", w["phases"][0].pk)),
    ("move", lambda m, w: reverse("missions:plan-move", args=[m.code, "phase", w["phases"][0].pk])),
    (
        "retire",
        lambda m, w: reverse("missions:plan-retire", args=[m.code, "phase", w["phases"][0].pk]),
    ),
]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("observer", 403), ("liaison", 403), ("partner", 403), ("stranger", 404), (None, 302)],
)
@pytest.mark.parametrize(("name", "url"), WRITES, ids=[w[0] for w in WRITES])
def test_plan_writes_follow_the_permission_matrix(
    client, build, mission, request, persona, status, name, url
):
    world = build(2)
    if persona:
        client.force_login(request.getfixturevalue(persona))
    before = AuditEvent.objects.count()

    response = client.post(url(mission, world), {"direction": "up", "version": 1})

    assert response.status_code == status
    assert AuditEvent.objects.count() == before


# Rows kept rendered (exitplan.fragments) ------------------------------------------------


def test_a_kept_row_shows_each_change_at_once(client, build, mission, staff, admin):
    world = build(2)
    benchmark, handover = world["benchmarks"][0], world["handover"][0]
    client.force_login(staff)
    client.get(plan_url(mission))  # every row rendered and kept

    record_update(actor=admin, instance=benchmark, data={"title": "Renamed benchmark"})
    comment_create(
        actor=staff,
        mission=mission,
        body="One more",
        target_type="handover_item",
        target_id=handover.pk,
    )
    _approved(mission, staff, admin, benchmark, "25")
    html = client.get(plan_url(mission)).content.decode()

    assert "Renamed benchmark" in html and ">Benchmark 0<" not in html
    assert "1 comment<" in html  # the handover item's new comment
    assert "Latest counted score: <strong>25</strong>" in html


def test_kept_rows_never_show_one_persons_controls_to_another(
    client, build, mission, staff, observer
):
    build(2)
    client.force_login(staff)
    staff_html = client.get(plan_url(mission)).content.decode()
    client.force_login(observer)
    observer_html = client.get(plan_url(mission)).content.decode()

    assert "csrfmiddlewaretoken" in staff_html and ">Retire<" in staff_html
    assert ">Retire<" not in observer_html and ">Edit<" not in observer_html


def test_kept_rows_carry_each_responses_own_csrf_token(build, mission, staff):
    world = build(2)
    first = world["phases"][0]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    browser.get(plan_url(mission))  # the rows are kept: the next page reads them

    html = browser.get(plan_url(mission)).content.decode()
    phase_row = html.split(f'id="phase-{first.pk}"')[1].split('class="plan-row ')[0]
    token = phase_row.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = browser.post(
        reverse("missions:plan-move", args=[mission.code, "phase", first.pk]),
        {"csrfmiddlewaretoken": token, "direction": "down", "version": first.version},
    )

    assert "csrf-token-slot" not in html
    assert response.status_code == 302
    assert Phase.objects.get(pk=first.pk).order == 2


def test_kept_rows_are_in_each_readers_language(client, build, mission, staff):
    world = build(2)
    client.force_login(staff)
    english = client.get(plan_url(mission)).content.decode()
    staff.language = "fr"
    staff.save(update_fields=["language"])
    french = client.get(plan_url(mission)).content.decode()

    handover_id = f'id="handover-item-{world["handover"][0].pk}"'
    assert ">Edit<" in english.split(handover_id)[1]
    assert ">Edit<" not in french.split(handover_id)[1]


def test_latest_scores_chosen_in_the_database_are_exact(client, mission, staff, admin):
    objective = objective_create(actor=admin, mission=mission, category="security", title="O")
    value = benchmark_create(
        actor=admin,
        objective=objective,
        code="v",
        title="Value",
        kind="quantitative",
        baseline=Decimal("0"),
        target=Decimal("100"),
    )
    rated = benchmark_create(
        actor=admin, objective=objective, code="r", title="Rated", kind="rating"
    )
    round_ = assessment_create(
        actor=staff,
        mission=mission,
        as_of=mission_today(mission) - datetime.timedelta(days=2),
        kind="joint",
        method="dataset",
        scores=[{"benchmark": "v", "value": "12.3456"}, {"benchmark": "r", "rating": 3}],
    )
    assessment_submit(actor=staff, assessment=round_)
    client.force_login(staff)

    html = client.get(plan_url(mission)).content.decode()  # no snapshot: chosen in the database

    assert (
        "Latest counted score: <strong>12.3456</strong>"
        in html.split(f'id="benchmark-{value.pk}"')[1]
    )
    assert "Latest counted score: <strong>3</strong>" in html.split(f'id="benchmark-{rated.pk}"')[1]

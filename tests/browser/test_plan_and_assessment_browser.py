"""The write side in a real browser: build the plan, log and approve a round, edit conflicts."""

import datetime
import re

import pytest

from assessments.models import Assessment
from assessments.selectors import mission_today
from assessments.tasks import recompute_readiness
from missions import plan_views
from missions.models import Benchmark
from missions.services import benchmark_create, objective_create

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def test_staff_builds_the_plan_logs_a_round_and_another_admin_approves_it(
    new_page, mission, staff, admin
):
    page = new_page()
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/")
    before = page.locator("#readiness-figure").inner_text()

    # The plan: an objective, then a benchmark under it (htmx re-renders the plan's body).
    page.get_by_role("link", name="Plan", exact=True).click()
    page.locator("#add-objective summary").click()
    page.locator("#id_new-objective-title").fill("Courts open across the country")
    page.locator("#id_new-objective-category").select_option("rule_of_law")
    page.get_by_role("button", name="Add an objective").click()
    page.locator(".plan-objective .item-title").get_by_text(
        "Courts open across the country"
    ).wait_for()
    page.locator("#add-benchmark summary").click()
    page.locator("#id_new-benchmark-objective").select_option(
        label="Courts open across the country"
    )
    page.locator("#id_new-benchmark-code").fill("bm-courts")
    page.locator("#id_new-benchmark-title").fill("Courts sitting regularly")
    page.locator("#id_new-benchmark-kind").select_option("rating")
    page.get_by_role("button", name="Add a benchmark").click()
    page.locator(".plan-benchmark .item-title").get_by_text("Courts sitting regularly").wait_for()
    benchmark = Benchmark.objects.get(mission=mission, code="bm-courts")

    # A round, with a score entered in the grid: saved as you go, without a page load.
    page.get_by_role("link", name="Assessments", exact=True).click()
    as_of = mission_today(mission) - datetime.timedelta(days=1)
    page.locator("#id_as_of").fill(as_of.isoformat())
    page.locator("#id_method").select_option("field_visit")
    page.get_by_role("button", name="Start the round").click()
    page.wait_for_url(re.compile(r"/assessments/\d+/$"))
    page.evaluate("window.__samePage = true")
    page.get_by_label("Rating: Courts sitting regularly").fill("4")
    page.keyboard.press("Tab")  # to the evidence, typing on while the rating saves
    page.keyboard.type("Court registers")
    page.locator(f"#score-status-{benchmark.pk}").get_by_text("Saved").wait_for()
    evidence = page.get_by_label("Evidence: Courts sitting regularly")
    assert evidence.input_value() == "Court registers"
    assert page.evaluate("document.activeElement.name") == f"b{benchmark.pk}-evidence"
    page.keyboard.press("Tab")
    assessment = Assessment.objects.get(mission=mission)
    for _attempt in range(50):
        if assessment.scores.filter(evidence="Court registers").exists():
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.__samePage") is True
    assert assessment.scores.get().rating == 4
    assert assessment.scores.get().evidence == "Court registers"
    page.get_by_role("button", name="Submit the round").click()
    page.locator("#round-status").get_by_text("Submitted").wait_for()
    assert page.get_by_role("button", name="Approve the round").count() == 0  # four-eyes

    # Another admin approves it in a second browser.
    other = new_page()
    sign_in(other, admin.email)
    other.goto(f"/missions/{mission.code}/assessments/{assessment.pk}/")
    other.get_by_role("button", name="Approve the round").click()
    other.locator("#round-status").get_by_text("Approved").wait_for()

    recompute_readiness(mission.pk)  # what the worker does once the approval commits
    other.goto(f"/missions/{mission.code}/")
    after = other.locator("#readiness-figure").inner_text()
    assert float(after) > float(before)
    assert after == "100.0"


@pytest.fixture
def benchmark(mission, admin):
    objective = objective_create(
        actor=admin, mission=mission, category="security", title="Armed violence reduced"
    )
    return benchmark_create(
        actor=admin,
        objective=objective,
        code="bm-sec-incidents",
        title="Security incidents per quarter",
        kind="rating",
    )


def open_edit_form(page, mission, benchmark):
    page.goto(f"/missions/{mission.code}/plan/")
    page.locator(f"#edit-benchmark-{benchmark.pk}").click()
    page.locator(f"#id_benchmark-{benchmark.pk}-title").wait_for()


def test_a_conflicting_edit_shows_both_values_and_loses_nothing(
    new_page, mission, staff, admin, benchmark
):
    first, second = new_page(), new_page()
    sign_in(first, staff.email)
    sign_in(second, admin.email)
    open_edit_form(first, mission, benchmark)
    open_edit_form(second, mission, benchmark)
    title = f"#id_benchmark-{benchmark.pk}-title"
    save = f"#benchmark-{benchmark.pk} button[type=submit]"

    first.locator(title).fill("Incidents recorded by UNPOL per quarter")
    first.locator(save).click()
    first.locator(f"#benchmark-{benchmark.pk}").get_by_text("Saved.").wait_for()
    second.locator(title).fill("Incidents per quarter, all sources")
    second.locator(save).click()

    conflict = second.locator(f"#benchmark-{benchmark.pk}-conflict")
    conflict.wait_for()
    assert "changed by someone else since you opened it" in conflict.inner_text()
    assert conflict.locator(".conflict-current").inner_text() == (
        "Incidents recorded by UNPOL per quarter"
    )
    assert conflict.locator(".conflict-yours").inner_text() == "Incidents per quarter, all sources"
    assert second.locator(title).input_value() == "Incidents per quarter, all sources"
    assert Benchmark.objects.get(pk=benchmark.pk).title == "Incidents recorded by UNPOL per quarter"

    second.locator(save).click()  # knowingly reapply
    second.locator(f"#benchmark-{benchmark.pk}").get_by_text("Saved.").wait_for()
    assert Benchmark.objects.get(pk=benchmark.pk).title == "Incidents per quarter, all sources"


@pytest.mark.parametrize("page_name", ["plan", "round"])
def test_plan_and_round_fit_a_375px_phone(new_page, mission, staff, benchmark, page_name):
    page = new_page(PHONE)
    sign_in(page, staff.email)
    if page_name == "plan":
        path = f"/missions/{mission.code}/plan/"
    else:
        page.goto(f"/missions/{mission.code}/assessments/")
        page.locator("#id_method").select_option("survey")
        page.get_by_role("button", name="Start the round").click()
        page.wait_for_url(re.compile(r"/assessments/\d+/$"))
        path = page.url

    response = page.goto(path)

    assert response.ok
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_collapsed_objective_opens_from_the_keyboard_and_its_benchmarks_edit_in_place(
    new_page, mission, staff, admin, benchmark, monkeypatch
):
    monkeypatch.setattr(plan_views, "EXPANDED_BENCHMARKS", 1)  # two benchmarks: large here
    later = objective_create(
        actor=admin, mission=mission, category="political", title="Elections held", order=2
    )
    benchmark = benchmark_create(
        actor=admin, objective=later, code="bm-elections", title="Elections", kind="rating"
    )
    page = new_page()
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/plan/")
    row = page.locator(f"#benchmark-{benchmark.pk}")
    assert row.count() == 0  # the first objective is open; this one loads when opened

    page.locator(".plan-collapsed summary").focus()
    page.keyboard.press("Enter")
    row.wait_for()
    page.locator(f"#edit-benchmark-{benchmark.pk}").click()
    page.locator(f"#id_benchmark-{benchmark.pk}-title").fill("Incidents per quarter")
    page.locator(f"#benchmark-{benchmark.pk} button[type=submit]").click()

    row.get_by_text("Saved.").wait_for()
    assert Benchmark.objects.get(pk=benchmark.pk).title == "Incidents per quarter"

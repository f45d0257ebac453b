"""The dashboard in a real browser: sign in, read readiness, try a what-if, phone and keyboard."""

import datetime
from decimal import Decimal

import pytest

from assessments.models import ReadinessSnapshot, Score
from assessments.selectors import mission_today
from assessments.services import (
    assessment_approve,
    assessment_create,
    assessment_submit,
    readiness_snapshot_create,
)
from missions import views
from missions.services import benchmark_create, objective_create, phase_create

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(mission, admin, staff):
    """A mission with phases, two benchmarks, an approved round and readiness snapshots."""
    today = mission_today(mission)
    phase_create(
        actor=admin,
        mission=mission,
        order=1,
        kind="consultation",
        name="National consultations on the transition",
        gate_threshold=40,
    )
    phase_create(
        actor=admin,
        mission=mission,
        order=2,
        kind="handover",
        name="Handover of remaining tasks to the government and the UN country team",
        gate_threshold=80,
        requires_endorsement=True,
    )
    security = objective_create(
        actor=admin, mission=mission, category="security", title="Armed violence reduced"
    )
    political = objective_create(
        actor=admin, mission=mission, category="political", title="Inclusive political dialogue"
    )
    incidents = benchmark_create(
        actor=admin,
        objective=security,
        code="bm-sec-incidents",
        title="Security incidents per quarter",
        kind="quantitative",
        baseline=Decimal("800"),
        target=Decimal("200"),
        unit="incidents",
    )
    dialogue = benchmark_create(
        actor=admin,
        objective=political,
        code="bm-pol-dialogue",
        title="National dialogue includes armed groups and civil society",
        kind="rating",
    )
    for days, value, rating in ((120, "700", 1), (60, "560", 2), (5, "500", 2)):
        round_ = assessment_create(
            actor=staff,
            mission=mission,
            as_of=today - datetime.timedelta(days=days),
            kind="joint",
            method="field_visit",
            scores=[
                {"benchmark": incidents.code, "value": value, "evidence": "Incident database"},
                {"benchmark": dialogue.code, "rating": rating, "evidence": "Interviews"},
            ],
        )
        assessment_submit(actor=staff, assessment=round_)
        assessment_approve(actor=admin, assessment=round_)
        readiness_snapshot_create(mission=mission, as_of=today - datetime.timedelta(days=days))
    return {"incidents": incidents, "dialogue": dialogue}


def stored_readiness(mission) -> str:
    snapshot = ReadinessSnapshot.objects.filter(mission=mission).order_by("-computed_at").first()
    return f"{snapshot.readiness:.1f}"


def test_staff_signs_in_and_reads_readiness_and_blockers(page, mission, staff, plan):
    sign_in(page, staff.email)

    page.goto("/missions/")
    page.get_by_role("link", name=mission.name).click()

    page.wait_for_url(f"**/missions/{mission.code}/")
    assert page.locator("#readiness-figure").inner_text() == stored_readiness(mission)
    blockers = page.locator("ol.blockers")
    assert "Security incidents per quarter" in blockers.inner_text()
    assert "Below target" in blockers.inner_text()


def test_what_if_updates_the_figure_without_a_page_load_and_saves_nothing(
    page, mission, staff, plan
):
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/")
    before = stored_readiness(mission)
    scores = Score.objects.count()
    snapshots = ReadinessSnapshot.objects.count()
    page.evaluate("window.__samePage = true")

    page.get_by_label("Security incidents per quarter").fill("200")
    page.get_by_role("button", name="Show what would change").click()

    result = page.locator("#what-if-readiness")
    result.wait_for()
    assert float(result.inner_text()) > float(before)
    assert page.evaluate("window.__samePage") is True  # htmx swapped, no navigation
    assert page.locator("#readiness-figure").inner_text() == before
    assert stored_readiness(mission) == before
    assert (Score.objects.count(), ReadinessSnapshot.objects.count()) == (scores, snapshots)


def test_what_if_shows_an_error_beside_the_benchmark(page, mission, staff, plan):
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/")

    page.get_by_label("National dialogue includes armed groups and civil society").fill("9")
    page.get_by_role("button", name="Show what would change").click()

    error = page.locator(f"#id_benchmark-{plan['dialogue'].pk}_error")
    error.wait_for()
    assert "Give a rating from 1 to 4." in error.inner_text()
    field = page.get_by_label("National dialogue includes armed groups and civil society")
    assert field.get_attribute("aria-invalid") == "true"


@pytest.mark.parametrize("path", ["/missions/", "/missions/{code}/", "/missions/{code}/history/"])
def test_pages_fit_a_375px_phone_without_sideways_scrolling(new_page, mission, staff, plan, path):
    page = new_page(PHONE)
    sign_in(page, staff.email)

    response = page.goto(path.format(code=mission.code))

    assert response.ok
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_skip_link_comes_first_and_moves_focus_to_main(page, mission, staff, plan):
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/")

    page.keyboard.press("Tab")
    first = page.evaluate("document.activeElement.className")
    page.keyboard.press("Enter")

    assert first == "skip-link"
    page.wait_for_function("document.activeElement && document.activeElement.id === 'content'")


def test_a_large_plans_what_if_opens_on_demand_then_works_as_usual(
    page, mission, staff, plan, monkeypatch
):
    monkeypatch.setattr(views, "WHAT_IF_INLINE_BENCHMARKS", 1)  # two benchmarks: large here
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/")
    before = stored_readiness(mission)
    assert page.get_by_label("Security incidents per quarter").count() == 0

    page.locator(".what-if-open summary").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Security incidents per quarter").fill("200")
    page.get_by_role("button", name="Show what would change").click()

    result = page.locator("#what-if-readiness")
    result.wait_for()
    assert float(result.inner_text()) > float(before)


def test_the_timeline_shows_a_gate_awaiting_its_endorsement(page, mission, staff, plan):
    sign_in(page, staff.email)
    page.goto(f"/missions/{mission.code}/")

    handover = page.locator(".timeline-item").nth(1)

    assert "awaiting endorsement" in handover.inner_text()
    assert handover.get_by_role("link", name="Endorsements of this gate").is_visible()

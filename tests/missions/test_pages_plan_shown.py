"""A collapsed plan reads the comment counts and latest scores of the benchmarks it shows only
(issue 12): what each row says must not change, whichever objective is open."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.selectors import mission_today
from assessments.services import assessment_approve, assessment_create, assessment_submit
from missions import plan_views
from missions.services import benchmark_create, objective_create, phase_create
from stakeholders.services import comment_create


@pytest.fixture
def plan(mission, admin, staff, monkeypatch):
    """Two objectives of one benchmark each (collapsed from 2 benchmarks on), scored and
    commented differently; no readiness snapshot, so the scores are chosen in the database."""
    monkeypatch.setattr(plan_views, "EXPANDED_BENCHMARKS", 1)
    phase = phase_create(actor=admin, mission=mission, order=1, kind="implementation", name="P")
    first, second = (
        objective_create(actor=admin, mission=mission, category="security", title=f"Obj {i}")
        for i in range(2)
    )
    benchmarks = [
        benchmark_create(
            actor=admin,
            objective=objective,
            code=f"bm-{i}",
            title=f"Benchmark {i}",
            kind="quantitative",
            baseline=Decimal("100"),
            target=Decimal("0"),
        )
        for i, objective in enumerate((first, second))
    ]
    today = mission_today(mission)
    for days, values in ((9, ("11", "22")), (3, ("10", "70"))):
        round_ = assessment_create(
            actor=staff,
            mission=mission,
            as_of=today - datetime.timedelta(days=days),
            kind="joint",
            method="dataset",
            scores=[
                {"benchmark": b.code, "value": v} for b, v in zip(benchmarks, values, strict=True)
            ],
        )
        assessment_submit(actor=staff, assessment=round_)
        assessment_approve(actor=admin, assessment=round_)
    for target_type, target_id, n in (
        ("benchmark", benchmarks[0].pk, 3),
        ("benchmark", benchmarks[1].pk, 1),
        ("objective", second.pk, 2),
        ("phase", phase.pk, 4),
    ):
        for i in range(n):
            comment_create(
                actor=staff,
                mission=mission,
                body=f"Comment {i}",
                target_type=target_type,
                target_id=target_id,
            )
    return {"phase": phase, "objectives": (first, second), "benchmarks": benchmarks}


def row(html: str, dom_id: str) -> str:
    """One row's HTML, up to the next row."""
    start = html.index(f'id="{dom_id}"')
    end = html.find('class="plan-row ', start)
    return html[start : end if end != -1 else len(html)]


def test_the_open_objective_shows_its_own_benchmarks_latest_score_and_comments(
    client, mission, staff, plan
):
    client.force_login(staff)
    first, second = plan["objectives"]
    url = reverse("missions:plan", args=[mission.code])

    default = client.get(url).content.decode()
    opened = client.get(f"{url}?objective={second.pk}").content.decode()
    partial = client.get(f"{url}?objective={second.pk}", HTTP_HX_REQUEST="true").content.decode()

    zero, one = plan["benchmarks"]
    assert "Latest counted score: <strong>10</strong>" in row(default, f"benchmark-{zero.pk}")
    assert "3 comments" in row(default, f"benchmark-{zero.pk}")
    for html in (opened, partial):
        shown = row(html, f"benchmark-{one.pk}")
        assert "Latest counted score: <strong>70</strong>" in shown
        assert "1 comment<" in shown
        assert f'id="benchmark-{zero.pk}"' not in html
    # Counts of the other kinds are read whichever objective is open.
    assert "2 comments" in row(opened, f"objective-{second.pk}")
    assert "4 comments" in row(opened, f"phase-{plan['phase'].pk}")
    assert "0 comments" in row(opened, f"objective-{first.pk}")


def test_a_single_row_re_rendered_shows_its_latest_score_and_comments(client, mission, staff, plan):
    client.force_login(staff)
    one = plan["benchmarks"][1]
    url = reverse("missions:plan-item", args=[mission.code, "benchmark", one.pk])

    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()

    assert "Latest counted score: <strong>70</strong>" in html
    assert "1 comment<" in html
    assert ">Edit<" in html and ">Move up<" in html and ">Retire<" in html


def test_the_rows_fixed_words_are_in_the_readers_language(client, mission, staff, plan):
    staff.language = "fr"
    staff.save(update_fields=["language"])
    client.force_login(staff)
    with translation.override("fr"):
        words = plan_views.row_text()
    assert words["edit"] != "Edit"  # the French catalogue has it

    html = client.get(reverse("missions:plan", args=[mission.code])).content.decode()

    phase_row = row(html, f"phase-{plan['phase'].pk}")
    for key in ("edit", "move_up", "move_down", "retire", "on"):
        assert f"{words[key]}<span" in phase_row or f"{words[key]} " in phase_row, key

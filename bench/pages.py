"""Benchmark: pages of the large mission, rendered through Django's test client.

Query counts are asserted in the page tests (2 vs 50 items); here only time. The floor is a
minimal authenticated page (the profile), so each ratio says what a page costs beyond
signing in and rendering a template.
"""

import statistics
import time

from django.test import Client

from assessments.models import Assessment
from missions.models import Membership

from .readiness import build

RUNS = 15


def _median_ms(client: Client, url: str) -> float:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run() -> dict:
    mission = build()
    user = Membership.objects.filter(mission=mission).select_related("user").first()
    if user is None:
        from missions.services import membership_create

        author = Assessment.objects.filter(mission=mission).first().author
        membership_create(actor=None, mission=mission, user=author, role="staff")
        user = Membership.objects.get(mission=mission, user=author)
    client = Client()
    client.force_login(user.user)
    round_id = Assessment.objects.filter(mission=mission).order_by("-as_of").first().pk
    pages = {
        "floor_profile": "/profile/",
        "dashboard": f"/missions/{mission.code}/",
        "plan": f"/missions/{mission.code}/plan/",
        "assessment_grid": f"/missions/{mission.code}/assessments/{round_id}/",
    }
    results = {}
    for name, url in pages.items():
        results[f"page.{name}_ms"] = _median_ms(client, url)
    floor = results["page.floor_profile_ms"]
    for name in ("dashboard", "plan", "assessment_grid"):
        results[f"page.{name}_over_floor"] = results[f"page.{name}_ms"] / floor
    return results

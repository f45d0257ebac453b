"""`make screenshots`: the main pages at 1280 and 375 px, as PNGs in var/screenshots/
(and again in Arabic, right to left: ar-*.png).

Run explicitly (``pytest tests/browser/screenshots.py``); its name keeps it out of the
suite. The demo is seeded into pytest's temporary test database, served by live_server
and photographed by Debian's Chromium, signed in as the demo staff member. var/ is not
committed, so neither are the pictures.
"""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from missions.models import Benchmark

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser

OUT = Path(settings.BASE_DIR) / "var" / "screenshots"
STAFF = ("staff@demo.exitplan.org", "demo-staff-2026")
MISSION = "monusco"


def test_screenshots_of_the_main_pages(new_page, transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    # What the worker does after the demo's last change: pages show settled figures.
    call_command("recompute_readiness", stdout=io.StringIO())
    benchmark = Benchmark.objects.get(mission__code=MISSION, code="bm-rol-ssr")
    pages = {
        "missions": "/missions/",
        "dashboard": f"/missions/{MISSION}/",
        "benchmark": f"/missions/{MISSION}/benchmarks/{benchmark.pk}/",
        "history": f"/missions/{MISSION}/history/",
        "members": f"/missions/{MISSION}/members/",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    for width, viewport in ((1280, DESKTOP), (375, PHONE)):
        page = new_page(viewport)
        page.goto("/accounts/login/")
        written.append(_shoot(page, f"sign-in-{width}"))
        sign_in(page, *STAFF)
        for name, path in pages.items():
            assert page.goto(path).ok, path
            written.append(_shoot(page, f"{name}-{width}"))
        page.goto(pages["dashboard"])
        page.get_by_label(benchmark.title).fill("4")
        page.get_by_role("button", name="Show what would change").click()
        page.locator("#what-if-readiness").wait_for()
        page.locator("#what-if-result").scroll_into_view_if_needed()
        written.append(_shoot(page, f"what-if-{width}", full_page=False))
    # Arabic, mirrored (issue 13): the staff member switches with the header's switcher.
    arabic = {**pages, "plan": f"/missions/{MISSION}/plan/"}
    for width, viewport in ((1280, DESKTOP), (375, PHONE)):
        page = new_page(viewport)
        sign_in(page, *STAFF)
        page.locator(".language-switcher select").select_option("ar")
        page.locator(".language-switcher button").click()
        page.wait_for_function("document.documentElement.dir === 'rtl'")
        for name, path in arabic.items():
            assert page.goto(path).ok, path
            assert page.locator("html").get_attribute("dir") == "rtl", path
            written.append(_shoot(page, f"ar-{name}-{width}"))
    print("\n".join(["Screenshots:", *(str(path) for path in written)]))


def _shoot(page, name: str, *, full_page: bool = True) -> Path:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path

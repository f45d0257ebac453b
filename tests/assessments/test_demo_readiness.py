"""The demo's figures, as the `readiness` command prints them, checked by hand."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from assessments.services import readiness_figures
from missions.models import Mission

END_OF_UNMIL = datetime.date(2018, 3, 30)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # Seeded once for the module inside a transaction that is rolled back afterwards.
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_unmil_at_its_mandate_end_matches_the_hand_calculation(demo):
    figures = readiness_figures(mission=Mission.objects.get(code="unmil"), as_of=END_OF_UNMIL)
    objectives = {o["title"]: o["readiness"] for o in figures["objectives"]}

    # Liberia National Police (weight 3): trained 3,500 of 2,000 → 3,500: p = 1; QRF 500 of
    # 0 → 500: p = 1; strength 6,720 of 4,000 → 8,000: p = 2,720 / 4,000 = 0.68.
    lnp = (1 + 1 + 0.68) / 3  # 0.8933…
    assert objectives["Liberia National Police able to take over security"] == 89.3
    # Handover (weight 3): both met. Arms control (weight 1): rating 4 → 1; border counties
    # 7 of 0 → 8: 0.875. Legislation (weight 2): 3 of 0 → 3: 1; peacebuilding bills rating 3:
    # (3 − 1) / 3 = 2/3. Financing (weight 2) and elections (weight 2): all met.
    arms = (1 + 0.875) / 2
    legislation = (1 + 2 / 3) / 2
    assert objectives["Arms control and border security"] == 93.8
    assert objectives["Security legislation and peacebuilding priorities"] == 83.3
    mission = (3 * lnp + 3 * 1 + 1 * arms + 2 * legislation + 2 * 1 + 2 * 1) / 13  # 0.94494
    security = (3 * lnp + 3 * 1 + 1 * arms) / 7  # 0.94536
    assert figures["readiness"] == round(mission * 100, 1) == 94.5
    assert figures["categories"]["security"] == round(security * 100, 1) == 94.5
    assert figures["confidence"] == 1.0  # every benchmark scored within twice its frequency
    # Blockers: strength 3/13 × 1/3 × 0.32 = 0.0246; bills 2/13 × 1/2 × 1/3 = 0.0256;
    # border 1/13 × 1/2 × 0.125 = 0.0048.
    assert figures["blockers"] == [
        {"benchmark": "bm-rol-peacebuilding-bills", "share": 0.026, "reason": "below_target"},
        {"benchmark": "bm-sec-lnp-strength", "share": 0.025, "reason": "below_target"},
        {"benchmark": "bm-sec-border-counties", "share": 0.005, "reason": "below_target"},
    ]


@pytest.mark.django_db
def test_the_readiness_command_prints_the_same_figures(demo):
    out = StringIO()
    call_command("readiness", "unmil", "--as-of", "2018-03-30", stdout=out)
    text = out.getvalue()
    assert "Readiness 94.5  confidence 1.0" in text
    assert "bm-sec-lnp-strength" in text and "0.68" in text
    assert "bm-rol-peacebuilding-bills  0.026  below_target" in text

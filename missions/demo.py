"""Demo data of four real peacekeeping missions, and the builder that loads it.

Facts come from the project's fact sheet of real missions (``real-missions.md``, kept with
the design notes) and carry its source tags (``[M4]``, ``[U5]``, ``[L10]``, ``[D14]``):
resolutions, dates, counterparts, exit phases and the figures of its benchmark tables.
Whatever the sheet does not give is demo material and says so where it is stored:

- a baseline or target the sheet lacks is a plausible figure, and the benchmark's
  ``data_source`` says "illustrative figure; no figure in source";
- scores are illustrative ("Illustrative demo score" in the round's summary and each score's
  evidence), except the few sourced facts (``FACT_SUMMARY``; the tag in the score's source);
- times of day of past consultations, contacts, demo users and upcoming consultations are
  made up (contacts are named by function, not as people; upcoming consultations say so).

Everything is written through the services, so the audit trail reads like real work. The
builder runs one transaction per mission and skips a mission whose code exists, so running
it again changes nothing and a database with other data keeps it.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment
from assessments.services import (
    assessment_approve,
    assessment_create,
    assessment_submit,
    readiness_snapshot_create,
)
from missions.models import Membership, Mission, Role
from missions.services import (
    benchmark_create,
    handover_item_create,
    membership_create,
    mission_create,
    objective_create,
    phase_create,
    record_update,
)
from stakeholders.services import (
    consultation_create,
    contact_create,
    invitation_create,
    stakeholder_create,
)

ILLUSTRATIVE = "illustrative figure; no figure in source"
DEMO_SCORE = "Illustrative demo score"
DEMO_SUMMARY = f"{DEMO_SCORE}s: demo data, not a real assessment."
FACT_SUMMARY = "Sourced figures from the fact sheet of real missions (see each score's source)."
UPCOMING_NOTE = "Demo consultation: not a real scheduled meeting."
PAST_TIME_NOTE = "Date from the source; the time of day is illustrative."
MISSION_FIELDS = (
    "code",
    "name",
    "country",
    "timezone",
    "mandate_start",
    "planned_exit",
    "exit_approach",
)
DATE_FIELDS = {
    "mandate_start",
    "planned_exit",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "planned_date",
    "as_of",
}


# --- Demo users -------------------------------------------------------------------------
# One account per role, a member of every demo mission (liaison and partner speak for the
# stakeholder each mission names), and one site administrator, who creates the missions.

USERS: list[dict[str, Any]] = [
    {
        "key": "siteadmin",
        "email": "siteadmin@demo.exitplan.org",
        "name": "Demo Site Administrator",
        "password": "demo-siteadmin-2026",
        "site_admin": True,
        "role": None,
    },
    {
        "key": "admin",
        "email": "admin@demo.exitplan.org",
        "name": "Demo Mission Admin",
        "password": "demo-admin-2026",
        "role": Role.ADMIN,
    },
    {
        "key": "staff",
        "email": "staff@demo.exitplan.org",
        "name": "Demo M&E Officer",
        "password": "demo-staff-2026",
        "role": Role.STAFF,
    },
    {
        "key": "liaison",
        "email": "liaison@demo.exitplan.org",
        "name": "Demo Government Liaison",
        "password": "demo-liaison-2026",
        "role": Role.LIAISON,
    },
    {
        "key": "partner",
        "email": "partner@demo.exitplan.org",
        "name": "Demo Civil-Society Partner",
        "password": "demo-partner-2026",
        "role": Role.PARTNER,
    },
    {
        "key": "observer",
        "email": "observer@demo.exitplan.org",
        "name": "Demo HQ Observer",
        "password": "demo-observer-2026",
        "role": Role.OBSERVER,
    },
]


# --- Missions -----------------------------------------------------------------------------
# mandate_start: the date the mandate took effect where the sheet gives one (MINUSMA,
# MONUSCO), else the establishing resolution's date. planned_exit: the end of withdrawal
# (MINUSMA, UNIFIL, UNMIL) or, for MONUSCO, which has no exit date, the current mandate's end.
# Benchmark "pace" scales the illustrative progress of each quarterly round (0: none; None:
# scored only by sourced rounds); it is demo tuning, not a model field. Gate thresholds are
# demo plan settings; only gates still ahead require an endorsement, since the seed records
# none (a completed phase would otherwise show one missing forever).

MINUSMA: dict[str, Any] = {
    "code": "minusma",
    "name": "United Nations Multidimensional Integrated Stabilization Mission in Mali",
    "country": "ML",
    "timezone": "Africa/Bamako",
    "mandate_start": "2013-07-01",  # S/RES/2100 (2013) of 25 Apr 2013, effective 1 Jul [M1]
    "planned_exit": "2023-12-31",  # withdrawal completed [M4][M13]
    "status": Mission.Status.CLOSED,
    "exit_approach": Mission.ExitApproach.TIME_BASED,
    "liaison": "gov",
    "partner": "cso",
    "stakeholders": [
        {
            "key": "gov",
            "name": "Transition Government of Mali",
            "kind": "host_government",
            "contacts": [("Transition focal point", "transition.gov.ml@demo.exitplan.org", "fr")],
        },
        {
            "key": "mfa",
            "name": "Ministry of Foreign Affairs and International Cooperation",
            "kind": "host_government",
            "contacts": [("Office of the Minister", "mfa.ml@demo.exitplan.org", "fr")],
        },
        {
            "key": "mod",
            "name": "Ministry of Defence and Veterans Affairs (Chief of General Staff)",
            "kind": "host_government",
        },
        {
            "key": "mdsf",
            "name": "Malian Defence and Security Forces (MDSF)",
            "kind": "security_force",
            "contacts": [("Liaison officer, FAMa", "fama.ml@demo.exitplan.org", "fr")],
        },
        {"key": "timbuktu", "name": "Regional governor of Timbuktu", "kind": "local_authority"},
        {
            "key": "cso",
            "name": "Malian civil society organisations",
            "kind": "civil_society",
            "contacts": [("Civil-society coordinator", "cso.ml@demo.exitplan.org", "fr")],
        },
        {"key": "unct", "name": "UN Country Team in Mali", "kind": "un_agency"},
        {
            "key": "unowas",
            "name": "UN Office for West Africa and the Sahel (UNOWAS)",
            "kind": "un_agency",
        },
    ],
    "phases": [
        {
            "key": "review",
            "kind": "strategic_assessment",
            "name": "Internal review S/2023/36: options incl. withdrawing uniformed units [M9]",
            "status": "completed",
        },
        {
            "key": "decision",
            "kind": "strategic_assessment",
            "name": "Decision: Mali's request (S/2023/463) and S/RES/2690 (2023) [M15][M4]",
            "actual_start": "2023-06-16",
            "actual_end": "2023-06-30",
            "status": "completed",
        },
        {
            "key": "consultation",
            "kind": "consultation",
            "name": "Consultation on the withdrawal plan; SG letter S/2023/611 [M11][M10]",
            "planned_end": "2023-08-15",  # task-transfer plan due 15 Aug, S/RES/2690 [M4]
            "actual_start": "2023-07-03",
            "actual_end": "2023-08-18",
            "status": "completed",
            "gate_threshold": 20,
        },
        {
            "key": "drawdown-1",
            "kind": "implementation",
            "name": "Drawdown 1: small and remote camps (Jul–Aug 2023) [M12]",
            "planned_start": "2023-07-01",
            "actual_start": "2023-07-01",
            "actual_end": "2023-08-31",
            "status": "completed",
            "gate_threshold": 25,
        },
        {
            "key": "drawdown-2",
            "kind": "implementation",
            "name": "Drawdown 2: six bases, Tessalit left 21 Oct 2023 [M12]",
            "actual_start": "2023-09-01",
            "actual_end": "2023-12-15",
            "status": "completed",
            "gate_threshold": 30,
        },
        {
            "key": "handover",
            "kind": "handover",
            "name": "Handover of 12 camps and 1 temporary base [M12][M14][M16]",
            "planned_end": "2023-12-31",
            "actual_end": "2023-12-28",
            "status": "completed",
            "gate_threshold": 40,
        },
        {
            "key": "completion",
            "kind": "handover",
            "name": "Withdrawal completed 31 Dec 2023; liquidation from 1 Jan 2024 [M13]",
            "planned_end": "2023-12-31",  # withdrawal 1 Jul–31 Dec 2023, S/RES/2690 [M4]
            "actual_end": "2023-12-31",
            "status": "completed",
            "gate_threshold": 50,
        },
    ],
    "objectives": [
        {
            "category": "political",
            "title": "Elections and the political transition",
            "description": (
                "Return to constitutional order: S/RES/2480 (2019) [M5], S/RES/2584 (2021) "
                "[M8] and S/RES/2690 (2023) [M4]."
            ),
            "weight": "2",
            "target_phase": "completion",
            "benchmarks": [
                {
                    "code": "bm-pol-presidential-election",
                    "title": "Presidential elections held",
                    "kind": "rating",
                    "data_source": "Presidential election held in 2018, S/RES/2480 (2019) [M5]",
                    "pace": 3,
                },
                {
                    "code": "bm-pol-transition",
                    "title": "Political transition: elections and constitutional order",
                    "kind": "rating",
                    "critical": True,
                    "data_source": (
                        "Elections 27 Feb 2022 under S/RES/2584 (2021) [M8]; presidential "
                        "election Feb 2024 and constitutional order Mar 2024 under "
                        "S/RES/2690 (2023) [M4]"
                    ),
                    "pace": 0.6,
                },
            ],
        },
        {
            "category": "political",
            "title": "Political and institutional measures of the Agreement",
            "description": (
                "Council priority measures, S/RES/2480 (2019) [M5] and S/RES/2531 (2020) [M7]."
            ),
            "weight": "2",
            "target_phase": "handover",
            "benchmarks": [
                {
                    "code": "bm-pol-decentralisation",
                    "title": "Decentralisation of State administration: reforms adopted",
                    "kind": "rating",
                    "data_source": f"S/RES/2480 (2019) [M5]; {ILLUSTRATIVE}",
                },
                {
                    "code": "bm-pol-interim-authorities",
                    "title": "Regions of the north with functioning interim authorities",
                    "kind": "quantitative",
                    "unit": "regions",
                    "baseline": "0",
                    "target": "5",
                    "data_source": (f"S/RES/2480 (2019) [M5]; baseline and target: {ILLUSTRATIVE}"),
                },
                {
                    "code": "bm-pol-constitutional-reform",
                    "title": "Constitutional reform: referendum held",
                    "kind": "rating",
                    "data_source": (
                        "Due within the mandate to 30 Jun 2021, S/RES/2531 (2020) [M7]; "
                        "referendum later announced for 18 Jun 2023 [M6]"
                    ),
                    "pace": 1.5,
                },
                {
                    "code": "bm-pol-women-participation",
                    "title": "Women's participation in the Agreement's mechanisms",
                    "kind": "rating",
                    "data_source": (
                        f"Workshop recommendations implemented, S/RES/2531 (2020) [M7]; "
                        f"{ILLUSTRATIVE}"
                    ),
                },
            ],
        },
        {
            "category": "security",
            "title": "Defence and security measures of the Agreement",
            "description": (
                "Cantonment, DDR and integration; redeployment of the reconstituted MDSF; "
                "mixed patrols. S/RES/2480 (2019) [M5], S/RES/2584 (2021) [M8]."
            ),
            "weight": "3",
            "target_phase": "handover",
            "benchmarks": [
                {
                    "code": "bm-sec-ddr-integration",
                    "title": "Signatory-group combatants integrated into the reconstituted MDSF",
                    "kind": "quantitative",
                    "unit": "combatants",
                    "baseline": "0",
                    "target": "2000",
                    "critical": True,
                    "data_source": (
                        "2,000 additional combatants within the mandate to 30 Jun 2022, "
                        "S/RES/2584 (2021) [M5][M8]; baseline 0 = none of these yet"
                    ),
                    "pace": 0.9,
                },
                {
                    "code": "bm-sec-mdsf-redeployment",
                    "title": "Reconstituted MDSF units redeployed to the north; inclusive SSR",
                    "kind": "rating",
                    "data_source": f"[M6][M7]; {ILLUSTRATIVE}",
                    "pace": 0.8,
                },
                {
                    "code": "bm-sec-moc-patrols",
                    "title": "Mixed patrols (MOC) operational in Gao, Kidal and Timbuktu",
                    "kind": "quantitative",
                    "unit": "cities",
                    "baseline": "0",
                    "target": "3",
                    "data_source": (
                        f"Three cities, S/RES/2480 (2019) [M5]; baseline 0: {ILLUSTRATIVE}"
                    ),
                    "pace": 1.2,
                },
            ],
        },
        {
            "category": "security",
            "title": "Freedom of movement of the mission",
            "description": "A parameter of the Secretary-General's internal review S/2023/36 [M9].",
            "weight": "1",
            "benchmarks": [
                {
                    "code": "bm-sec-isr-flights-denied",
                    "title": "Flight requests denied, incl. ISR flights (per reporting period)",
                    "kind": "quantitative",
                    "unit": "requests denied",
                    "baseline": "300",
                    "target": "0",
                    "critical": True,
                    "data_source": (
                        "Baseline: nearly 300 denied in one reporting period, 2023, S/2023/36 "
                        f"[M9]; target 0: {ILLUSTRATIVE}"
                    ),
                    "pace": 0.3,
                },
            ],
        },
        {
            "category": "protection",
            "title": "Human-rights mandate carried out",
            "description": "A parameter of the Secretary-General's internal review S/2023/36 [M9].",
            "weight": "1",
            "benchmarks": [
                {
                    "code": "bm-pro-hr-monitoring",
                    "title": "Human-rights monitoring unobstructed",
                    "kind": "rating",
                    "data_source": f"S/2023/36 parameter [M9]; {ILLUSTRATIVE}",
                    "pace": 0.5,
                },
            ],
        },
        {
            "category": "socioeconomic",
            "title": "Peace dividends in the north",
            "description": "S/2019/454 [M6]; S/RES/2531 (2020) [M7].",
            "weight": "1",
            "benchmarks": [
                {
                    "code": "bm-soc-development-zone",
                    "title": "Northern development zone created; pilot projects delivered",
                    "kind": "rating",
                    "data_source": f"[M6][M7]; {ILLUSTRATIVE}",
                },
            ],
        },
        {
            "category": "rule_of_law",
            "title": "Stabilisation of the Centre",
            "description": (
                "The Centre became the second strategic priority under S/RES/2480 (2019) [M5]; "
                "measures of S/RES/2531 (2020) [M7]."
            ),
            "weight": "2",
            "target_phase": "completion",
            "benchmarks": [
                {
                    "code": "bm-rol-centre-state-presence",
                    "title": "Centre: internal security forces, courts and basic services",
                    "kind": "quantitative",
                    "unit": "% of targeted localities covered",
                    "baseline": "20",
                    "target": "80",
                    "data_source": (f"S/RES/2531 (2020) [M7]; baseline and target: {ILLUSTRATIVE}"),
                    "pace": 0.7,
                },
                {
                    "code": "bm-rol-centre-prosecutions",
                    "title": "Centre: cases tried for the 2019–2020 massacres",
                    "kind": "quantitative",
                    "unit": "cases tried",
                    "baseline": "0",
                    "target": "4",
                    "data_source": (f"S/RES/2531 (2020) [M7]; baseline and target: {ILLUSTRATIVE}"),
                    "pace": 0.6,
                },
            ],
        },
    ],
    "handover_items": [
        {
            "function": "Camps and temporary base (12 + 1) handed to Malian authorities",
            "receiving": "gov",
            "planned_date": "2023-12-31",
            "status": "transferred",
            "notes": "10 of 13 handed over by 11 Dec 2023; Timbuktu ≈28 Dec [M12][M14][M16].",
        },
        {
            "function": "Timbuktu camp",
            "receiving": "mdsf",
            "planned_date": "2023-12-28",
            "status": "transferred",
            "notes": "Handed over to the FAMa ≈28 Dec 2023 [M16].",
        },
        {
            "function": "Tessalit camp",
            "planned_date": "2023-10-21",
            "status": "transferred",
            "notes": "Left 21 Oct 2023 [M12]; the receiving body is not in the fact sheet.",
        },
        {
            "function": "Protection of civilians (authority until 30 Sep 2023)",
            "receiving": "gov",
            "planned_date": "2023-09-30",
            "status": "transferred",
            "notes": "PoC authority until 30 Sep 2023, S/RES/2690 (2023) [M4].",
        },
        {
            "function": "Residual tasks to the UN Country Team (task-transfer plan)",
            "receiving": "unct",
            "planned_date": "2023-08-15",
            "status": "transferred",
            "notes": (
                "Plan due 15 Aug 2023 under S/RES/2690 (2023) [M4]; SG letter S/2023/611 "
                "of 18 Aug 2023 [M10]."
            ),
        },
    ],
    "consultations": [
        {
            "phase": "consultation",
            "kind": "meeting",
            "title": "MINUSMA presents its withdrawal plan to the Minister of Foreign Affairs",
            "starts": "2023-07-03 10:00",
            "hours": 2,
            "location": "Bamako",
            "status": "held",
            "outcome": "Withdrawal plan presented to the Minister of Foreign Affairs [M11].",
        },
    ],
    # 12–18 months before the end of withdrawal; the last round was never approved.
    "rounds": [
        {"as_of": "2022-09-30", "method": "expert_panel", "status": "approved", "progress": 0.45},
        {
            "as_of": "2022-12-31",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.45,
            "author": "admin",
        },
        {"as_of": "2023-03-31", "method": "expert_panel", "status": "approved", "progress": 0.4},
        {
            "as_of": "2023-06-30",
            "kind": "security",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.35,
            "author": "admin",
        },
        {"as_of": "2023-09-30", "method": "interview", "status": "approved", "progress": 0.3},
        {"as_of": "2023-12-15", "method": "expert_panel", "status": "submitted", "progress": 0.3},
    ],
}

UNIFIL: dict[str, Any] = {
    "code": "unifil",
    "name": "United Nations Interim Force in Lebanon",
    "country": "LB",
    "timezone": "Asia/Beirut",
    "mandate_start": "1978-03-19",  # S/RES/425 & 426 (1978) [U1]
    "planned_exit": "2027-12-31",  # withdrawal within one year of 31 Dec 2026, S/RES/2790 [U5]
    "status": Mission.Status.DRAWDOWN,
    "exit_approach": Mission.ExitApproach.TIME_BASED,
    "liaison": "gov",
    "partner": "displaced",
    "stakeholders": [
        {
            "key": "gov",
            "name": "Government of Lebanon (Council of Ministers)",
            "kind": "host_government",
            "contacts": [("Cabinet secretariat", "cabinet.lb@demo.exitplan.org", "ar")],
        },
        {"key": "pm", "name": "Office of the Prime Minister", "kind": "host_government"},
        {"key": "speaker", "name": "Speaker of Parliament", "kind": "host_government"},
        {
            "key": "mofa",
            "name": "Ministry of Foreign Affairs and Emigrants",
            "kind": "host_government",
            "contacts": [("UN desk", "un-desk.mofa.lb@demo.exitplan.org", "ar")],
        },
        {"key": "mod", "name": "Ministry of Defence", "kind": "host_government"},
        {
            "key": "laf",
            "name": "Lebanese Armed Forces (incl. South Litani Sector)",
            "kind": "security_force",
            "contacts": [("South Litani Sector liaison", "laf.lb@demo.exitplan.org", "ar")],
        },
        {
            "key": "tripartite",
            "name": "Tripartite forum (UNIFIL–LAF–IDF)",
            "kind": "security_force",
        },
        {
            "key": "mechanism",
            "name": "Cessation-of-hostilities monitoring mechanism",
            "kind": "security_force",
        },
        {
            "key": "unscol",
            "name": "Office of the UN Special Coordinator for Lebanon (UNSCOL)",
            "kind": "un_agency",
            "contacts": [("Political affairs", "unscol.lb@demo.exitplan.org", "en")],
        },
        # The sheet found no civil society; displaced residents are a group it names [U6].
        {
            "key": "displaced",
            "name": "Displaced residents of southern Lebanon",
            "kind": "community",
        },
    ],
    "phases": [
        {
            "key": "decision",
            "kind": "strategic_assessment",
            "name": "Final mandate: S/RES/2790 (2025), adopted unanimously [U5]",
            "actual_start": "2025-08-28",
            "actual_end": "2025-08-28",
            "status": "completed",
        },
        {
            "key": "cuts",
            "kind": "implementation",
            "name": "Budget cuts, ≈2,000 troops fewer (late 2025–May 2026) [U8]",
            "actual_end": "2026-05-31",
            "status": "completed",
            "gate_threshold": 10,
        },
        {
            "key": "options",
            "kind": "strategic_assessment",
            "name": "Assessment: SG options for implementing 1701 after UNIFIL [U6][U9]",
            "planned_end": "2026-06-01",
            "status": "completed",
            "gate_threshold": 15,
        },
        {
            "key": "operations",
            "kind": "implementation",
            "name": "Operations until they cease on 31 Dec 2026 [U5][U6]",
            "planned_end": "2026-12-31",
            "status": "in_progress",
            "gate_threshold": 40,
        },
        {
            "key": "handover",
            "kind": "handover",
            "name": "Drawdown; sites handed to Lebanese authorities, uniformed out ≈mid-2027 [U8]",
            "planned_start": "2026-12-31",
            "planned_end": "2027-06-30",
            "gate_threshold": 60,
            "requires_endorsement": True,
        },
        {
            "key": "withdrawal",
            "kind": "handover",
            "name": "Withdrawal by 31 Dec 2027, then liquidation [U5][U6]",
            "planned_end": "2027-12-31",
            "gate_threshold": 75,
            "requires_endorsement": True,
        },
    ],
    "objectives": [
        {
            "category": "security",
            "title": "Cessation of hostilities and respect for the Blue Line",
            "description": "S/RES/1701 (2006) [U3]; S/RES/2790 (2025) [U5].",
            "weight": "3",
            "target_phase": "handover",
            "benchmarks": [
                {
                    "code": "bm-sec-trajectories",
                    "title": "Trajectories detected across the Blue Line (per period)",
                    "kind": "quantitative",
                    "unit": "trajectories",
                    "baseline": "15101",
                    "target": "0",
                    "critical": True,
                    "data_source": (
                        "Baseline 15,101 trajectories, 8 Oct 2023–30 Jun 2024, SG letter of "
                        f"24 Jul 2024 [U11]; target 0: {ILLUSTRATIVE}"
                    ),
                    "pace": 2.2,
                },
                {
                    "code": "bm-sec-blue-line",
                    "title": "Full respect for the Blue Line (air and ground violations)",
                    "kind": "rating",
                    "data_source": f"S/RES/1701 (2006) [U3], 2790 (2025) [U5]; {ILLUSTRATIVE}",
                    "pace": 0.8,
                },
                {
                    "code": "bm-sec-idf-positions",
                    "title": "Israeli positions held north of the Blue Line (the five positions)",
                    "kind": "quantitative",
                    "unit": "positions",
                    "baseline": "5",
                    "target": "0",
                    "critical": True,
                    "data_source": (
                        "Baseline 5, target 0, S/RES/2790 (2025) [U5]; no date in source"
                    ),
                    "pace": None,
                },
            ],
        },
        {
            "category": "security",
            "title": "Lebanese State monopoly of arms, starting south of the Litani",
            "description": (
                "S/RES/1701 (2006) [U3]; the Lebanese Army's 'Homeland Shield' plan, cabinet "
                "decision of 5 Aug 2025 [U12]."
            ),
            "weight": "3",
            "target_phase": "withdrawal",
            "benchmarks": [
                {
                    "code": "bm-sec-litani-arms",
                    "title": "Blue Line–Litani area free of non-State arms",
                    "kind": "rating",
                    "critical": True,
                    "data_source": f"S/RES/1701 (2006) [U3]; {ILLUSTRATIVE}",
                    "pace": 1.1,
                },
                {
                    "code": "bm-sec-laf-deployment",
                    "title": "LAF troops deployed south of the Litani, incl. vacated positions",
                    "kind": "quantitative",
                    "unit": "troops",
                    "baseline": "8300",
                    "target": "10000",
                    "data_source": (
                        "Baseline 8,300 troops in 120 locations (sec) [U5][U14]; target "
                        f"10,000 is an {ILLUSTRATIVE}"
                    ),
                },
                {
                    "code": "bm-sec-weapons-monopoly",
                    "title": "'Homeland Shield' phases completed (south Litani to whole country)",
                    "kind": "quantitative",
                    "unit": "phases",
                    "baseline": "0",
                    "target": "5",
                    "data_source": (
                        "Five phases (south Litani → Litani–Awali → Beirut → Bekaa → whole "
                        "country), cabinet decision 5 Aug 2025; phase 1 declared achieved "
                        "8 Jan 2026 [U12]"
                    ),
                    "frequency_days": 180,
                    "pace": None,
                },
            ],
        },
        {
            "category": "security",
            "title": "UNIFIL's tasks handed over to Lebanese authorities",
            "description": "Lebanon sole provider of security in the south [U7]; navy [U13].",
            "weight": "2",
            "target_phase": "withdrawal",
            "benchmarks": [
                {
                    "code": "bm-sec-naval-capability",
                    "title": "Lebanese naval capability replacing the Maritime Task Force",
                    "kind": "rating",
                    "data_source": f"Plan presented; tasks transferred [U13]; {ILLUSTRATIVE}",
                    "pace": 0.9,
                },
                {
                    "code": "bm-sec-laf-sole-provider",
                    "title": "UNIFIL tasks handed to the LAF",
                    "kind": "quantitative",
                    "unit": "% of tasks",
                    "baseline": "0",
                    "target": "100",
                    "critical": True,
                    "data_source": (
                        f"By the end of the withdrawal [U7]; baseline and target: {ILLUSTRATIVE}"
                    ),
                    "pace": 0.6,
                },
            ],
        },
        {
            "category": "political",
            "title": "State authority over all Lebanese territory",
            "description": "Taif, S/RES/1559 and 1680; S/RES/1701 (2006) [U3], 2790 (2025) [U5].",
            "weight": "2",
            "benchmarks": [
                {
                    "code": "bm-pol-state-authority",
                    "title": "No weapons or authority other than the State's",
                    "kind": "rating",
                    "data_source": f"S/RES/1701 (2006) [U3], 2790 (2025) [U5]; {ILLUSTRATIVE}",
                    "pace": 0.7,
                },
            ],
        },
        {
            "category": "humanitarian",
            "title": "Safe return of displaced civilians",
            "description": "S/RES/2790 (2025) [U6].",
            "weight": "1",
            "benchmarks": [
                {
                    "code": "bm-hum-displaced-returns",
                    "title": "Displaced civilians returned safely",
                    "kind": "rating",
                    "data_source": f"[U6]; {ILLUSTRATIVE}",
                },
            ],
        },
        {
            "category": "protection",
            "title": "Mine action",
            "description": "S/RES/1701 (2006) [U3].",
            "weight": "1",
            "benchmarks": [
                {
                    "code": "bm-pro-landmine-maps",
                    "title": "Landmine maps handed to the UN",
                    "kind": "rating",
                    "data_source": f"S/RES/1701 (2006) [U3]; {ILLUSTRATIVE}",
                    "pace": 1.5,
                },
            ],
        },
    ],
    "handover_items": [
        {
            "function": "Maritime Task Force tasks",
            "receiving": "laf",
            "planned_date": "2026-12-31",
            "notes": "A Lebanese naval capability to replace the Maritime Task Force [U13].",
        },
        {
            "function": "UNIFIL positions and sites south of the Litani",
            "receiving": "laf",
            "planned_date": "2027-06-30",
            "notes": "Sites handed to Lebanese authorities; uniformed out ≈mid-2027 [U8].",
        },
        {
            "function": "Security in the south (Lebanon sole provider of security)",
            "receiving": "laf",
            "planned_date": "2027-12-31",
            "notes": "By the end of the withdrawal [U7].",
        },
        {
            "function": "Liaison and de-confliction between the parties (tripartite forum)",
            "planned_date": "2026-12-31",
            "notes": "Receiver not decided: follow-on arrangements are unverified [U9].",
        },
    ],
    "consultations": [
        {
            "phase": "handover",
            "kind": "meeting",
            "title": "Site handover planning with the LAF South Litani Sector",
            "in_days": 8,
            "at": "10:00",
            "hours": 3,
            "location": "UNIFIL headquarters, Naqoura",
            "agenda": "Sequence of site handovers after operations cease; inventories.",
            "invite": ["laf", "gov"],
        },
        {
            "phase": "operations",
            "kind": "meeting",
            "title": "Briefing on post-UNIFIL arrangements",
            "in_days": 22,
            "at": "11:00",
            "hours": 2,
            "location": "Ministry of Foreign Affairs and Emigrants, Beirut",
            "agenda": "Options for implementing 1701 after UNIFIL; liquidation calendar.",
            "invite": ["mofa", "gov", "unscol"],
        },
    ],
    "rounds": [
        {
            "as_of": "2024-06-30",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "scores": {
                "bm-sec-trajectories": {
                    "value": "15101",
                    "evidence": "15,101 trajectories detected, 8 Oct 2023–30 Jun 2024",
                    "source": "SG letter of 24 Jul 2024 [U11]",
                },
            },
        },
        {
            "as_of": "2025-08-28",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "author": "admin",
            "scores": {
                "bm-sec-idf-positions": {
                    "value": "5",
                    "evidence": "Five positions held when the final mandate was adopted",
                    "source": "S/RES/2790 (2025) [U5]",
                },
            },
        },
        {"as_of": "2025-09-30", "method": "expert_panel", "status": "approved", "progress": 0.25},
        {
            "as_of": "2025-12-31",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.3,
            "author": "admin",
        },
        {
            "as_of": "2026-01-08",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "scores": {
                "bm-sec-weapons-monopoly": {
                    "value": "1",
                    "evidence": "Phase 1 (south of the Litani) declared achieved on 8 Jan 2026",
                    "source": "[U12]",
                },
            },
        },
        {"as_of": "2026-03-31", "method": "expert_panel", "status": "approved", "progress": 0.35},
        {
            "as_of": "2026-06-30",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.4,
            "author": "admin",
        },
        {"as_of": "2026-09-30", "method": "expert_panel", "status": "submitted", "progress": 0.45},
        {"as_of": "2026-11-20", "method": "interview", "status": "draft", "progress": 0.5},
    ],
}

UNMIL: dict[str, Any] = {
    "code": "unmil",
    "name": "United Nations Mission in Liberia",
    "country": "LR",
    "timezone": "Africa/Monrovia",
    "mandate_start": "2003-09-19",  # S/RES/1509 (2003) [L1]
    "planned_exit": "2018-04-30",  # mandate ended 30 Mar 2018; withdrawal by 30 Apr [L9][L18]
    "status": Mission.Status.CLOSED,
    "exit_approach": Mission.ExitApproach.CONDITIONS_BASED,
    "liaison": "nsc",
    "partner": "ncsc",
    "stakeholders": [
        {
            "key": "nsc",
            "name": "National Security Council",
            "kind": "host_government",
            "contacts": [("Secretariat", "nsc.lr@demo.exitplan.org", "en")],
        },
        {"key": "moj", "name": "Ministry of Justice", "kind": "host_government"},
        {"key": "mod", "name": "Ministry of Defense", "kind": "host_government"},
        {
            "key": "mfdp",
            "name": "Ministry of Finance and Development Planning",
            "kind": "host_government",
        },
        {"key": "mfa", "name": "Ministry of Foreign Affairs", "kind": "host_government"},
        {"key": "jig", "name": "Joint Implementation Group", "kind": "host_government"},
        {
            "key": "lnp",
            "name": "Liberia National Police",
            "kind": "security_force",
            "contacts": [("Office of the Inspector General", "lnp.lr@demo.exitplan.org", "en")],
        },
        {
            "key": "lis",
            "name": "Liberia Immigration Service (formerly BIN)",
            "kind": "security_force",
        },
        {"key": "afl", "name": "Armed Forces of Liberia", "kind": "security_force"},
        {"key": "ldea", "name": "Liberia Drug Enforcement Agency", "kind": "security_force"},
        {"key": "npta", "name": "National Police Training Academy", "kind": "security_force"},
        {
            "key": "county",
            "name": "County and district security committees",
            "kind": "local_authority",
        },
        {
            "key": "ncsc",
            "name": "National Civil Society Council of Liberia",
            "kind": "civil_society",
            "contacts": [("Coordinator", "ncsc.lr@demo.exitplan.org", "en")],
        },
        {"key": "pbc", "name": "Peacebuilding Commission", "kind": "un_agency"},
        {
            "key": "kaiptc",
            "name": "Kofi Annan International Peacekeeping Training Centre",
            "kind": "regional_org",
        },
    ],
    "phases": [
        {
            "key": "benchmarks",
            "kind": "strategic_assessment",
            "name": "Benchmarks S/2006/743 and S/2007/479; S/RES/1777 (2007) [L23][L2]",
            "actual_end": "2007-09-20",
            "status": "completed",
        },
        {
            "key": "drawdown-1",
            "kind": "implementation",
            "name": "Drawdown 2007–2010 [L2]",
            "status": "completed",
            "gate_threshold": 20,
        },
        {
            "key": "drawdown-2",
            "kind": "implementation",
            "name": "Three-phase drawdown Aug 2012–Jul 2015, S/RES/2066 (2012) [L25][L5]",
            "planned_start": "2012-08-01",
            "planned_end": "2015-07-31",
            "status": "completed",
            "gate_threshold": 40,
        },
        {
            "key": "transition-plan",
            "kind": "consultation",
            "name": "National security transition plan, endorsed by the NSC (2015) [L15]",
            "status": "completed",
            "gate_threshold": 45,
        },
        {
            "key": "security-handover",
            "kind": "handover",
            "name": "Security handover to Liberian authorities, 30 Jun 2016 [L6][L10]",
            "planned_end": "2016-06-30",
            "actual_end": "2016-06-30",
            "status": "completed",
            "gate_threshold": 60,
        },
        {
            "key": "assessment",
            "kind": "strategic_assessment",
            "name": "Assessment mission (Nov 2016); final mandate S/RES/2333 (2016) [L8][L9]",
            "actual_end": "2016-12-23",
            "status": "completed",
            "gate_threshold": 60,
        },
        {
            "key": "peacebuilding",
            "kind": "consultation",
            "name": "Liberia Peacebuilding Plan S/2017/282, Phase I [L17]",
            "planned_start": "2017-04-01",
            "planned_end": "2018-03-31",
            "status": "completed",
            "gate_threshold": 65,
        },
        {
            "key": "closure",
            "kind": "handover",
            "name": "Mandate end 30 Mar 2018; withdrawal by 30 Apr 2018 [L9][L18]",
            "planned_start": "2018-03-30",
            "planned_end": "2018-04-30",
            "actual_start": "2018-03-30",
            "status": "completed",
            "gate_threshold": 70,
        },
    ],
    "objectives": [
        {
            "category": "security",
            "title": "Liberia National Police able to take over security",
            "description": (
                "Core benchmarks of S/2006/743 and S/2007/479: S/RES/1712 (2006) [L23], "
                "S/RES/1777 (2007) [L2]."
            ),
            "weight": "3",
            "target_phase": "security-handover",
            "benchmarks": [
                {
                    "code": "bm-sec-lnp-trained",
                    "title": "LNP officers trained and deployed",
                    "kind": "quantitative",
                    "unit": "officers",
                    "baseline": "2000",
                    "target": "3500",
                    "data_source": "More than 2,000 (Nov 2006) → 3,500 by late 2007 [L4]",
                    "pace": 3,
                },
                {
                    "code": "bm-sec-lnp-qrf",
                    "title": "LNP quick-reaction force strength (S/2007/479)",
                    "kind": "quantitative",
                    "unit": "officers",
                    "baseline": "0",
                    "target": "500",
                    "data_source": f"Target 500 by Jul 2009 [L3]; baseline 0: {ILLUSTRATIVE}",
                    "pace": 3,
                },
                {
                    "code": "bm-sec-lnp-strength",
                    "title": "LNP strength",
                    "kind": "quantitative",
                    "unit": "officers",
                    "baseline": "4000",
                    "target": "8000",
                    "data_source": (
                        "Target ≈8,000; ≈900 recruits a year (2014) [L13][L24]; baseline "
                        f"4,000 is an {ILLUSTRATIVE}"
                    ),
                    "pace": 0.8,
                },
            ],
        },
        {
            "category": "security",
            "title": "Security responsibilities handed over",
            "description": (
                "Liberia to assume security by 30 Jun 2016, S/RES/2215 (2015) [L6] and "
                "S/RES/2239 (2015) [L7]; eight strategic activities [L16]."
            ),
            "weight": "3",
            "target_phase": "security-handover",
            "benchmarks": [
                {
                    "code": "bm-sec-security-handover",
                    "title": "UNMIL security tasks not yet handed over",
                    "kind": "quantitative",
                    "unit": "tasks",
                    "baseline": "8",
                    "target": "0",
                    "critical": True,
                    "data_source": (
                        "Target 0 by 30 Jun 2016, achieved [L6][L7][L10]; baseline 8 assumes "
                        f"the eight strategic activities [L16] ({ILLUSTRATIVE})"
                    ),
                    "pace": 5,
                },
                {
                    "code": "bm-sec-strategic-activities",
                    "title": "Strategic activities handed over (EOD, VIP protection, prisons…)",
                    "kind": "quantitative",
                    "unit": "activities",
                    "baseline": "0",
                    "target": "8",
                    "data_source": (
                        "Eight strategic activities [L16][L11]; EOD handed to the AFL "
                        "30 Apr 2016 [L12]"
                    ),
                    "pace": 5,
                },
            ],
        },
        {
            "category": "security",
            "title": "Arms control and border security",
            "description": "[L11]; [L16].",
            "weight": "1",
            "target_phase": "closure",
            "benchmarks": [
                {
                    "code": "bm-sec-arms-control",
                    "title": "Arms control: ATT ratified, arms-marking staff trained",
                    "kind": "rating",
                    "data_source": "Met by mid-2015 [L11]",
                    "pace": 5,
                },
                {
                    "code": "bm-sec-border-counties",
                    "title": "Security deployment in the eight border counties",
                    "kind": "quantitative",
                    "unit": "counties",
                    "baseline": "0",
                    "target": "8",
                    "data_source": f"Eight border counties [L16]; baseline 0: {ILLUSTRATIVE}",
                    "pace": 1.1,
                },
            ],
        },
        {
            "category": "rule_of_law",
            "title": "Security legislation and peacebuilding priorities",
            "description": "[L11]; Liberia Peacebuilding Plan S/2017/282 [L17].",
            "weight": "2",
            "target_phase": "closure",
            "benchmarks": [
                {
                    "code": "bm-rol-security-legislation",
                    "title": "Police Act, BIN Act, Firearms and Ammunition Act passed",
                    "kind": "quantitative",
                    "unit": "acts passed",
                    "baseline": "0",
                    "target": "3",
                    "data_source": (f"The three acts named in [L11]; baseline 0: {ILLUSTRATIVE}"),
                    "pace": 1.2,
                },
                {
                    "code": "bm-rol-peacebuilding-bills",
                    "title": "Peacebuilding priorities: Land Rights and Local Government Bills",
                    "kind": "rating",
                    "data_source": f"Phase I Apr 2017–Mar 2018, draft PRST [L17]; {ILLUSTRATIVE}",
                    "pace": 0.8,
                },
            ],
        },
        {
            "category": "socioeconomic",
            "title": "Sustainable financing and reintegration",
            "description": "[L13][L14]; S/RES/1712 (2006) benchmarks [L23].",
            "weight": "2",
            "benchmarks": [
                {
                    "code": "bm-soc-security-budget",
                    "title": "Government security-sector budget",
                    "kind": "quantitative",
                    "unit": "US$ million",
                    "baseline": "82",
                    "target": "90",
                    "data_source": (
                        "US$82m (2013/14) → more than US$94m (2014/15) [L13]; need US$90m [L14]"
                    ),
                    "frequency_days": 365,
                    "pace": 1.2,
                },
                {
                    "code": "bm-soc-reintegration",
                    "title": "Ex-combatants reintegrated",
                    "kind": "rating",
                    "data_source": f"S/RES/1712 (2006) benchmarks [L23]; {ILLUSTRATIVE}",
                },
            ],
        },
        {
            "category": "political",
            "title": "Elections and peaceful transfer of power",
            "description": "October 2017 elections; handover 22 Jan 2018 [L9][L20].",
            "weight": "2",
            "target_phase": "closure",
            "benchmarks": [
                {
                    "code": "bm-pol-elections-2017",
                    "title": "October 2017 elections held and power transferred",
                    "kind": "rating",
                    "critical": True,
                    "data_source": "Elections Oct 2017; transfer of power 22 Jan 2018 [L9][L20]",
                    "pace": 1.2,
                },
            ],
        },
    ],
    "handover_items": [
        {
            "function": "Explosive ordnance disposal (EOD)",
            "receiving": "afl",
            "planned_date": "2016-04-30",
            "status": "transferred",
            "notes": "EOD equipment handed to the Armed Forces of Liberia, 30 Apr 2016 [L12].",
        },
        {
            "function": "VIP protection",
            "receiving": "lnp",
            "planned_date": "2016-06-30",
            "status": "transferred",
            "notes": "A strategic activity [L16]; full security handover 30 Jun 2016 [L10].",
        },
        {
            "function": "Prison security",
            "receiving": "moj",
            "planned_date": "2016-06-30",
            "status": "transferred",
            "notes": "A strategic activity [L16]; full security handover 30 Jun 2016 [L10].",
        },
        {
            "function": "Cash escorts",
            "receiving": "lnp",
            "planned_date": "2016-06-30",
            "status": "transferred",
            "notes": "A strategic activity [L16]; full security handover 30 Jun 2016 [L10].",
        },
        {
            "function": "Security of the eight border counties",
            "receiving": "lis",
            "planned_date": "2016-06-30",
            "status": "transferred",
            "notes": "Border-county deployment [L16]; full security handover 30 Jun 2016 [L10].",
        },
    ],
    "consultations": [
        {
            "phase": "security-handover",
            "kind": "meeting",
            "title": "Security handover to the Government of Liberia",
            "starts": "2016-06-30 10:00",
            "hours": 3,
            "location": "Monrovia",
            "status": "held",
            "outcome": "Liberia assumed full responsibility for its security [L10].",
        },
    ],
    "rounds": [
        {
            "as_of": "2006-11-30",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "scores": {
                "bm-sec-lnp-trained": {
                    "value": "2000",
                    "evidence": "More than 2,000 LNP officers trained (Nov 2006)",
                    "source": "[L4]",
                },
            },
        },
        {
            "as_of": "2014-07-01",
            "kind": "socioeconomic",
            "method": "dataset",
            "status": "approved",
            "author": "admin",
            "scores": {
                "bm-soc-security-budget": {
                    "value": "94",
                    "evidence": "More than US$94m for the security sector in 2014/15",
                    "source": "[L13]",
                },
            },
        },
        {
            "as_of": "2015-06-30",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "scores": {
                "bm-sec-arms-control": {
                    "rating": "4",
                    "evidence": "ATT ratified and arms-marking staff trained: met by mid-2015",
                    "source": "[L11]",
                },
            },
        },
        {
            "as_of": "2016-06-30",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "author": "admin",
            "scores": {
                "bm-sec-security-handover": {
                    "value": "0",
                    "evidence": "Full security handover to Liberia on 30 Jun 2016",
                    "source": "S/RES/2215 (2015) [L6]; [L7]; [L10]",
                },
            },
        },
        {"as_of": "2016-12-31", "method": "expert_panel", "status": "approved", "progress": 0.6},
        {
            "as_of": "2017-03-31",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.65,
            "author": "admin",
        },
        {"as_of": "2017-06-30", "method": "survey", "status": "approved", "progress": 0.7},
        {
            "as_of": "2017-09-30",
            "kind": "security",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.75,
            "author": "admin",
        },
        {"as_of": "2017-12-31", "method": "expert_panel", "status": "approved", "progress": 0.8},
        {
            "as_of": "2018-01-22",
            "kind": "political",
            "method": "dataset",
            "status": "approved",
            "author": "admin",
            "scores": {
                "bm-pol-elections-2017": {
                    "rating": "4",
                    "evidence": "Elections held Oct 2017; power transferred on 22 Jan 2018",
                    "source": "[L9][L20]",
                },
            },
        },
        {"as_of": "2018-03-30", "method": "expert_panel", "status": "submitted", "progress": 0.85},
    ],
}

MONUSCO: dict[str, Any] = {
    "code": "monusco",
    "name": (
        "United Nations Organization Stabilization Mission in the Democratic Republic of the Congo"
    ),
    "country": "CD",
    "timezone": "Africa/Kinshasa",
    "mandate_start": "2010-07-01",  # S/RES/1925 (2010) of 28 May 2010, from 1 Jul [D1]
    "planned_exit": "2026-12-20",  # no exit date: end of the mandate, S/RES/2808 (2025) [D16]
    "status": Mission.Status.ACTIVE,
    "exit_approach": Mission.ExitApproach.CONDITIONS_BASED,
    "liaison": "pmo",
    "partner": "cadre",
    "stakeholders": [
        {
            "key": "pmo",
            "name": "Prime Minister's Office (Joint Working Group co-chair)",
            "kind": "host_government",
            "contacts": [("Transition focal point", "pmo.cd@demo.exitplan.org", "fr")],
        },
        {
            "key": "planning",
            "name": "Ministry of Planning",
            "kind": "host_government",
            "contacts": [("Directorate of planning", "plan.cd@demo.exitplan.org", "fr")],
        },
        {"key": "mfa", "name": "Ministry of Foreign Affairs", "kind": "host_government"},
        {
            "key": "jwg",
            "name": "Joint Working Group (Government–MONUSCO–UN Country Team)",
            "kind": "host_government",
            "contacts": [("Secretariat", "jwg.cd@demo.exitplan.org", "fr")],
        },
        {"key": "presidency", "name": "Presidency diplomatic college", "kind": "host_government"},
        {
            "key": "pddrcs",
            "name": "P-DDRCS (disarmament, demobilisation, community recovery and stabilisation)",
            "kind": "host_government",
        },
        {
            "key": "fardc",
            "name": "Armed Forces of the DRC (FARDC)",
            "kind": "security_force",
            "contacts": [("Liaison officer", "fardc.cd@demo.exitplan.org", "fr")],
        },
        {"key": "pnc", "name": "Congolese National Police (PNC)", "kind": "security_force"},
        {
            "key": "south-kivu",
            "name": "South Kivu provincial government",
            "kind": "local_authority",
            "contacts": [("Provincial cabinet", "sud-kivu.cd@demo.exitplan.org", "fr")],
        },
        {
            "key": "cadre",
            "name": "Cadre de concertation provinciale de la société civile du Sud-Kivu",
            "kind": "civil_society",
            "contacts": [("Secretariat", "cadre-sk.cd@demo.exitplan.org", "fr")],
        },
        {
            "key": "cso",
            "name": "National and provincial civil society organisations",
            "kind": "civil_society",
        },
        {
            "key": "alert",
            "name": "Communities covered by community alert networks (South Kivu)",
            "kind": "community",
            "contacts": [("Alert network focal point", "alerte-sk.cd@demo.exitplan.org", "fr")],
        },
        {"key": "unct", "name": "UN Country Team in the DRC", "kind": "un_agency"},
        # Neither an NGO nor a donor is named in the fact sheet: demo organisations, so labelled.
        {
            "key": "ngo",
            "name": "Humanitarian NGO forum, eastern DRC (illustrative)",
            "kind": "ngo",
            "contacts": [("Forum coordinator", "ngo-forum.cd@demo.exitplan.org", "fr")],
        },
        {"key": "donor", "name": "Stabilisation donors' group (illustrative)", "kind": "donor"},
    ],
    "phases": [
        {
            "key": "review",
            "kind": "strategic_assessment",
            "name": "Independent strategic review S/2019/842 [D19]",
            "actual_end": "2019-10-25",
            "status": "completed",
        },
        {
            "key": "strategy",
            "kind": "strategic_assessment",
            "name": "Joint Strategy S/2020/1041, endorsed by S/RES/2556 (2020) [D20][D2]",
            "actual_start": "2020-10-19",
            "actual_end": "2020-12-18",
            "status": "completed",
        },
        {
            "key": "plan",
            "kind": "consultation",
            "name": "Consultations and joint transition plan S/2021/807 [D3][D4][D5]",
            "actual_start": "2021-07-05",
            "actual_end": "2021-09-17",
            "status": "completed",
        },
        {
            "key": "revision",
            "kind": "consultation",
            "name": "Revision of the plan; disengagement plan signed 21 Nov 2023 [D8][D10][D11]",
            "actual_start": "2023-06-28",
            "actual_end": "2023-11-21",
            "status": "completed",
            "gate_threshold": 20,
        },
        {
            "key": "south-kivu",
            "kind": "handover",
            "name": "Disengagement phase 1: South Kivu, S/RES/2717 (2023) [D12][D13][D14]",
            "planned_end": "2024-06-30",
            "actual_start": "2024-02-28",
            "actual_end": "2024-06-30",
            "status": "completed",
            "gate_threshold": 30,
        },
        {
            "key": "mandate-2808",
            "kind": "implementation",
            "name": "Ceasefire support under S/RES/2808 (2025), mandate to 20 Dec 2026 [D16]",
            "planned_end": "2026-12-20",
            "status": "in_progress",
            "gate_threshold": 50,
        },
        {
            "key": "north-kivu-ituri",
            "kind": "handover",
            "name": "Disengagement phases 2–3: North Kivu and Ituri (paused Jul 2024) [D15]",
            "gate_threshold": 70,
            "requires_endorsement": True,
        },
    ],
    "objectives": [
        {
            "category": "security",
            "title": "Reduced threat of armed groups in the East",
            "description": (
                "Joint transition plan S/2021/807: 18 benchmarks, minimum conditions for exit "
                "[D3][D4][D5] (their wording is unverified; these are the verified areas)."
            ),
            "weight": "3",
            "target_phase": "north-kivu-ituri",
            "benchmarks": [
                {
                    "code": "bm-sec-armed-group-violence",
                    "title": "Reduced armed-group violence in the East",
                    "kind": "rating",
                    "critical": True,
                    "data_source": f"[D4][D21]; {ILLUSTRATIVE}",
                    "pace": 0.6,
                },
                {
                    "code": "bm-sec-ddr-demobilised",
                    "title": "Combatants demobilised (P-DDRCS)",
                    "kind": "quantitative",
                    "unit": "combatants",
                    "baseline": "4600",
                    "target": "8000",
                    "data_source": (
                        "Baseline: more than 4,600 demobilised and 44,000 rounds destroyed in "
                        f"South Kivu [D8][D14]; target 8,000: {ILLUSTRATIVE}"
                    ),
                    "pace": 0.8,
                },
            ],
        },
        {
            "category": "protection",
            "title": "Protection of civilians",
            "description": "Among benchmarks 1–4 of the transition plan [D8][D9].",
            "weight": "3",
            "target_phase": "north-kivu-ituri",
            "benchmarks": [
                {
                    "code": "bm-pro-poc-tasks",
                    "title": "Protection-of-civilians tasks transferred to national authorities",
                    "kind": "rating",
                    "critical": True,
                    "data_source": f"[D8][D9]; {ILLUSTRATIVE}",
                    "pace": 0.7,
                },
                {
                    "code": "bm-pro-residual-support",
                    "title": "Residual UN protection support (alert networks, child protection)",
                    "kind": "rating",
                    "data_source": f"34 civilians remain in South Kivu [D14]; {ILLUSTRATIVE}",
                    "pace": 1.3,
                },
            ],
        },
        {
            "category": "rule_of_law",
            "title": "Security sector reform",
            "description": "FARDC and PNC [D9][D12].",
            "weight": "2",
            "benchmarks": [
                {
                    "code": "bm-rol-ssr",
                    "title": "Security sector reform (FARDC, PNC): reforms implemented",
                    "kind": "rating",
                    "data_source": f"[D9][D12]; {ILLUSTRATIVE}",
                    "pace": 0.8,
                },
            ],
        },
        {
            "category": "political",
            "title": "Elections and State institutions",
            "description": "Benchmark 15 of S/2021/807 [D5]; Government programme [D18].",
            "weight": "2",
            "benchmarks": [
                {
                    "code": "bm-pol-elections",
                    "title": "Credible, peaceful elections within the constitutional timeline",
                    "kind": "rating",
                    "data_source": "Benchmark 15 [D5]; elections held 2023 [D8][D9]",
                    "pace": 1.6,
                },
                {
                    "code": "bm-pol-state-institutions",
                    "title": "Government programme implemented (State institutions, governance)",
                    "kind": "rating",
                    "data_source": f"[D18]; {ILLUSTRATIVE}",
                },
            ],
        },
        {
            "category": "security",
            "title": "Staggered disengagement of the mission",
            "description": (
                "Provincial exits under S/RES/2556 (2020) [D2]; three-phase disengagement "
                "under S/RES/2717 (2023) [D12]."
            ),
            "weight": "2",
            "target_phase": "south-kivu",
            "benchmarks": [
                {
                    "code": "bm-sec-provincial-exits",
                    "title": "Provincial offices closed (Kasai, Tanganyika)",
                    "kind": "quantitative",
                    "unit": "offices closed",
                    "baseline": "0",
                    "target": "2",
                    "data_source": "Kasai 2021; Tanganyika 2022, S/RES/2556 (2020) [D2]",
                    "frequency_days": 365,
                    "pace": 5,
                },
                {
                    "code": "bm-sec-south-kivu-bases",
                    "title": "South Kivu bases handed over",
                    "kind": "quantitative",
                    "unit": "bases",
                    "baseline": "0",
                    "target": "14",
                    "critical": True,
                    "data_source": (
                        "14 bases; force by 30 Apr, civilians by 30 Jun 2024; done "
                        "30 Jun 2024 [D13][D14]"
                    ),
                    "frequency_days": 365,
                    "pace": 5,
                },
                {
                    "code": "bm-sec-force-reduction",
                    "title": "Authorised troop ceiling",
                    "kind": "quantitative",
                    "unit": "troops",
                    "baseline": "13500",
                    "target": "11500",
                    "data_source": (
                        "13,500, S/RES/2612 (2021) [D6] → 11,500 from 1 Jul 2024, "
                        "S/RES/2717 (2023) [D12]"
                    ),
                    "frequency_days": 365,
                    "pace": None,
                },
            ],
        },
    ],
    "handover_items": [
        {
            "function": "Kasai provincial office",
            "status": "transferred",
            "notes": "Exit from Kasai in 2021, S/RES/2556 (2020) [D2].",
        },
        {
            "function": "Tanganyika provincial office",
            "status": "transferred",
            "notes": "Exit from Tanganyika in 2022, S/RES/2556 (2020) [D2].",
        },
        {
            "function": "Kamanyola base",
            "planned_date": "2024-02-28",
            "status": "transferred",
            "notes": "Handed over 28 Feb 2024 [D13]; the receiving force is not in the fact sheet.",
        },
        {
            "function": "South Kivu bases (14)",
            "receiving": "fardc",
            "planned_date": "2024-06-30",
            "status": "transferred",
            "notes": "Force out by 30 Apr, civilians by 30 Jun 2024; done 30 Jun [D13][D14].",
        },
        {
            "function": "Bukavu office",
            "receiving": "south-kivu",
            "planned_date": "2024-06-25",
            "status": "transferred",
            "notes": "Closed 25 Jun 2024 [D22].",
        },
        {
            "function": "Protection of civilians in South Kivu",
            "receiving": "pnc",
            "planned_date": "2024-06-30",
            "status": "transferred",
            "notes": "Residual support: 34 civilians remain in South Kivu [D14].",
        },
        {
            "function": "North Kivu bases and tasks (disengagement phase 2)",
            "receiving": "fardc",
            "notes": "Paused Jul 2024; no timeline [D15].",
        },
        {
            "function": "Ituri bases and tasks (disengagement phase 3)",
            "receiving": "fardc",
            "notes": "Paused Jul 2024; no timeline [D15].",
        },
    ],
    "consultations": [
        {
            "phase": "plan",
            "kind": "meeting",
            "title": "Joint Working Group on the transition plan",
            "starts": "2021-07-05 10:00",
            "hours": 3,
            "location": "Kinshasa",
            "status": "held",
            "outcome": "Working Group met on the joint transition plan [D3][D4].",
        },
        {
            "phase": "plan",
            "kind": "workshop",
            "title": "Validation of the consultations on the transition plan",
            "starts": "2021-08-14 09:00",
            "hours": 6,
            "location": "Kinshasa",
            "status": "held",
            "outcome": "Consultations validated; the plan was signed on 15 Sep 2021 [D3][D4][D5].",
        },
        {
            "phase": "revision",
            "kind": "workshop",
            "title": "Civil-society workshop on the transition plan",
            "starts": "2023-06-28 09:00",
            "hours": 6,
            "location": "Kinshasa",
            "status": "held",
            "outcome": "Civil society informed about the transition plan [D8].",
        },
        {
            "phase": "south-kivu",
            "kind": "meeting",
            "title": "Handover of the Kamanyola base",
            "starts": "2024-02-28 10:00",
            "timezone": "Africa/Lubumbashi",  # eastern DRC [TZ]
            "hours": 2,
            "location": "Kamanyola, South Kivu",
            "status": "held",
            "outcome": "Kamanyola base handed over; disengagement from South Kivu began [D13].",
        },
        {
            "phase": "mandate-2808",
            "kind": "meeting",
            "title": "Joint Working Group: quarterly evaluation of the disengagement plan",
            "in_days": 9,
            "at": "10:00",
            "hours": 3,
            "location": "Prime Minister's Office, Kinshasa",
            "agenda": "Quarterly evaluation [D11]; options after the mandate ends on 20 Dec 2026.",
            "invite": ["pmo", "planning", "jwg"],
        },
        {
            "phase": "north-kivu-ituri",
            "kind": "town_hall",
            "title": "Civil-society consultation on disengagement from North Kivu and Ituri",
            "in_days": 20,
            "at": "09:30",
            "timezone": "Africa/Lubumbashi",
            "hours": 4,
            "location": "Goma",
            "agenda": "Protection concerns; community alert networks; lessons from South Kivu.",
            "invite": ["cadre", "alert", "ngo"],
        },
    ],
    "rounds": [
        {
            "as_of": "2024-07-01",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "scores": {
                "bm-sec-south-kivu-bases": {
                    "value": "14",
                    "evidence": "All 14 South Kivu bases handed over; done 30 Jun 2024",
                    "source": "[D13][D14]",
                },
                "bm-sec-force-reduction": {
                    "value": "11500",
                    "evidence": "Authorised ceiling of 11,500 troops from 1 Jul 2024",
                    "source": "S/RES/2717 (2023) [D12]",
                },
            },
        },
        {"as_of": "2025-09-30", "method": "expert_panel", "status": "approved", "progress": 0.35},
        {
            "as_of": "2025-12-19",
            "kind": "security",
            "method": "dataset",
            "status": "approved",
            "author": "admin",
            "scores": {
                "bm-sec-force-reduction": {
                    "value": "11500",
                    "evidence": "Mandate renewed to 20 Dec 2026 with the same ceilings",
                    "source": "S/RES/2808 (2025) [D16]",
                },
            },
        },
        {
            "as_of": "2025-12-31",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.38,
            "author": "admin",
        },
        {
            "as_of": "2026-03-31",
            "kind": "security",
            "method": "field_visit",
            "status": "approved",
            "progress": 0.42,
        },
        {"as_of": "2026-06-30", "method": "survey", "status": "submitted", "progress": 0.45},
        {
            "as_of": "2026-09-30",
            "method": "expert_panel",
            "status": "submitted",
            "progress": 0.5,
            "author": "admin",
        },
        {"as_of": "2026-11-20", "method": "interview", "status": "draft", "progress": 0.52},
    ],
}

MISSIONS: list[dict[str, Any]] = [MINUSMA, UNIFIL, UNMIL, MONUSCO]


# --- The builder --------------------------------------------------------------------------


@dataclass
class UserRow:
    """One line of the sign-in table printed at the end."""

    email: str
    password: str
    roles: str
    created: bool


@dataclass
class SeedResult:
    created: list[Mission] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    users: list[UserRow] = field(default_factory=list)


def demo_seed(*, now: datetime.datetime | None = None) -> SeedResult:
    """Load the demo missions that are not there yet; one transaction per mission.

    Users are matched by e-mail and never changed when they exist (so a changed password
    stays changed); upcoming consultations are placed in the days after ``now``.
    """
    now = now or timezone.now()
    result = SeedResult()
    users, created_users = demo_users_ensure()
    for spec in MISSIONS:
        with transaction.atomic():
            if Mission.objects.filter(code=spec["code"]).exists():
                result.skipped.append(spec["code"])
                continue
            result.created.append(demo_mission_build(spec=spec, users=users, now=now))
    for row in USERS:
        user = users[row["key"]]
        created = row["key"] in created_users
        if created or check_password(row["password"], user.password):
            password = row["password"]
        else:
            password = "(existing account; password not changed)"
        roles = _roles_of(user, site_admin=row.get("site_admin", False))
        result.users.append(
            UserRow(email=user.email, password=password, roles=roles, created=created)
        )
    return result


@transaction.atomic
def demo_users_ensure() -> tuple[dict[str, Any], set[str]]:
    """Get or create the demo users by e-mail; existing accounts are left exactly as they are."""
    User = get_user_model()
    users, created = {}, set()
    for row in USERS:
        user = User.objects.filter(email__iexact=row["email"]).first()
        if user is None:
            user = User(email=row["email"], name=row["name"])
            if row.get("site_admin"):
                user.is_staff = user.is_superuser = True
            user.set_password(row["password"])
            user.full_clean()
            user.save()
            created.add(row["key"])
        users[row["key"]] = user
    return users, created


def demo_mission_build(*, spec: dict[str, Any], users: dict[str, Any], now) -> Mission:
    """Build one mission and its plan, people and history through the services."""
    site_admin, admin, staff = users["siteadmin"], users["admin"], users["staff"]
    closes = spec["status"] == Mission.Status.CLOSED
    mission = mission_create(
        actor=site_admin,
        **_dates({k: spec[k] for k in MISSION_FIELDS}),
        # A closed mission is read-only: it is built open and closed at the end.
        status=Mission.Status.ACTIVE if closes else spec["status"],
    )
    for key in ("admin", "staff", "observer"):
        membership_create(actor=site_admin, mission=mission, user=users[key], role=key)

    stakeholders, contacts = {}, defaultdict(list)
    for row in spec["stakeholders"]:
        stakeholder = stakeholder_create(
            actor=admin, mission=mission, name=row["name"], kind=row["kind"]
        )
        stakeholders[row["key"]] = stakeholder
        for name, email, language in row.get("contacts", []):
            contacts[row["key"]].append(
                contact_create(
                    actor=admin, stakeholder=stakeholder, name=name, email=email, language=language
                )
            )
    for role in ("liaison", "partner"):
        stakeholder, user = stakeholders[spec[role]], users[role]
        membership_create(
            actor=admin, mission=mission, user=user, role=role, stakeholder=stakeholder
        )
        contacts[spec[role]].append(
            contact_create(
                actor=admin, stakeholder=stakeholder, name=user.name, email=user.email, user=user
            )
        )

    phases = {}
    for order, row in enumerate(spec["phases"], start=1):
        fields = _dates({k: v for k, v in row.items() if k != "key"})
        phases[row["key"]] = phase_create(actor=admin, mission=mission, order=order, **fields)

    benchmarks = []  # (benchmark, category, pace)
    for order, row in enumerate(spec["objectives"], start=1):
        objective = objective_create(
            actor=admin,
            mission=mission,
            order=order,
            category=row["category"],
            title=row["title"],
            description=row["description"],
            weight=Decimal(row["weight"]),
            target_phase=phases.get(row.get("target_phase")),
        )
        for bm in row["benchmarks"]:
            fields = {k: v for k, v in bm.items() if k != "pace"}
            for name in ("baseline", "target"):
                if name in fields:
                    fields[name] = Decimal(fields[name])
            benchmark = benchmark_create(
                actor=admin,
                objective=objective,
                order=len(benchmarks) + 1,
                responsible=staff,
                **fields,
            )
            benchmarks.append((benchmark, row["category"], bm.get("pace", 1)))

    for order, row in enumerate(spec["handover_items"], start=1):
        fields = _dates({k: v for k, v in row.items() if k != "receiving"})
        handover_item_create(
            actor=admin,
            mission=mission,
            order=order,
            receiving_stakeholder=stakeholders.get(row.get("receiving")),
            **fields,
        )

    for row in spec["consultations"]:
        _consultation_build(
            row=row, mission=mission, phases=phases, contacts=contacts, actor=staff, now=now
        )

    for row in spec["rounds"]:
        _round_build(row=row, mission=mission, benchmarks=benchmarks, users=users)

    # A snapshot per round date, as the recompute job would have stored them at the time,
    # so the demo opens with a trend and a projection.
    dates = sorted(
        set(
            Assessment.objects.filter(mission=mission, status__in=Assessment.COUNTED).values_list(
                "as_of", flat=True
            )
        )
    )
    for as_of in dates:
        readiness_snapshot_create(mission=mission, as_of=as_of)

    if closes:
        mission = record_update(actor=admin, instance=mission, data={"status": spec["status"]})
    return mission


def _consultation_build(*, row, mission, phases, contacts, actor, now) -> None:
    tz = row.get("timezone", mission.timezone)
    zone = ZoneInfo(tz)
    if "starts" in row:
        starts_at = datetime.datetime.fromisoformat(row["starts"]).replace(tzinfo=zone)
        agenda = row.get("agenda", PAST_TIME_NOTE)
    else:
        # Upcoming ones are placed after the seed runs, so the demo always has some ahead.
        day = now.astimezone(zone).date() + datetime.timedelta(days=row["in_days"])
        at = datetime.time.fromisoformat(row["at"])
        starts_at = datetime.datetime.combine(day, at, tzinfo=zone)
        agenda = f"{UPCOMING_NOTE} {row.get('agenda', '')}".strip()
    consultation = consultation_create(
        actor=actor,
        mission=mission,
        phase=phases.get(row.get("phase")),
        kind=row["kind"],
        title=row["title"],
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=row["hours"]),
        timezone=tz,
        location=row.get("location", ""),
        agenda=agenda,
        status=row.get("status", "scheduled"),
        outcome=row.get("outcome", ""),
    )
    for key in row.get("invite", []):
        for contact in contacts[key]:
            invitation_create(actor=actor, consultation=consultation, contact=contact)


def _round_build(*, row, mission, benchmarks, users) -> Assessment:
    """One round: sourced scores as given, else an illustrative score per benchmark in scope.

    Rounds are authored by staff unless they say otherwise, and approved by the other of
    admin and staff: never by their author (four-eyes).
    """
    author = users[row.get("author", "staff")]
    approver = users["admin" if author == users["staff"] else "staff"]
    kind = row.get("kind", Assessment.Kind.JOINT)
    if "scores" in row:
        summary = FACT_SUMMARY
        scores = [{"benchmark": code, **_decimals(score)} for code, score in row["scores"].items()]
    else:
        summary = DEMO_SUMMARY
        scores = [
            _illustrative_score(benchmark, row["progress"], pace)
            for benchmark, category, pace in benchmarks
            if pace is not None and kind in (Assessment.Kind.JOINT, category)
        ]
    assessment = assessment_create(
        actor=author,
        mission=mission,
        as_of=datetime.date.fromisoformat(row["as_of"]),
        kind=kind,
        method=row["method"],
        summary=summary,
        scores=scores,
    )
    if row["status"] in (Assessment.Status.SUBMITTED, Assessment.Status.APPROVED):
        assessment = assessment_submit(assessment=assessment, actor=author)
    if row["status"] == Assessment.Status.APPROVED:
        assessment = assessment_approve(assessment=assessment, actor=approver)
    return assessment


def _illustrative_score(benchmark, progress: float, pace: float) -> dict[str, Any]:
    """A made-up score that moves from baseline to target as the rounds go by."""
    p = Decimal(str(min(max(progress * pace, 0.0), 1.0)))
    score: dict[str, Any] = {"benchmark": benchmark.code, "source": "Demo data"}
    if benchmark.kind == benchmark.Kind.QUANTITATIVE:
        value = benchmark.baseline + (benchmark.target - benchmark.baseline) * p
        score["value"] = value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        score["evidence"] = f"{DEMO_SCORE} ({benchmark.unit})."
    else:
        score["rating"] = (1 + 3 * p).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        score["evidence"] = f"{DEMO_SCORE} (1 = not at all, 4 = fully)."
    return score


def _dates(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: datetime.date.fromisoformat(v) if k in DATE_FIELDS and isinstance(v, str) else v
        for k, v in values.items()
    }


def _decimals(score: dict[str, str]) -> dict[str, Any]:
    return {k: Decimal(v) if k in ("value", "rating") else v for k, v in score.items()}


def _roles_of(user, *, site_admin: bool) -> str:
    """The user's roles in the demo missions, as they are in the database."""
    by_role = defaultdict(list)
    memberships = Membership.objects.filter(
        user=user, mission__code__in=[spec["code"] for spec in MISSIONS]
    ).select_related("mission")
    for membership in memberships.order_by("mission__code"):
        by_role[membership.get_role_display().lower()].append(membership.mission.code)
    roles = [f"{role} in {', '.join(codes)}" for role, codes in by_role.items()]
    if site_admin and user.is_superuser:
        roles.insert(0, "site administrator")
    return "; ".join(roles) or "no role in the demo missions"

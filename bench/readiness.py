"""Benchmark: readiness for one large mission (300 benchmarks, ten years of monthly scores).

Run with `make bench` (PostgreSQL from DATABASE_URL, or the local server). Builds its own
mission (code bench-readiness) once, then reports the median time of the database loader,
of the pure computation, and of the floor: one raw SQL query fetching the same latest scores.
Results go to var/bench/results.json and print as a table.
"""

import datetime
import json
import random
import statistics
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, reset_queries, transaction

from accounts.models import User
from assessments import readiness
from assessments.models import Assessment, Score
from assessments.selectors import readiness_inputs
from missions.models import Benchmark, Mission, Objective, Phase

CODE = "bench-readiness"
BENCHMARKS = 300
MONTHS = 120
RUNS = 15
AS_OF = datetime.date(2026, 11, 1)


def build() -> Mission:
    """The large mission, built once with bulk inserts (bench data, not a user's work)."""
    mission = Mission.objects.filter(code=CODE).first()
    if mission:
        return mission
    rng = random.Random(2026)
    with transaction.atomic():
        author = User.objects.filter(email="bench@example.org").first() or User.objects.create_user(
            "bench@example.org", name="Bench"
        )
        mission = Mission.objects.create(
            code=CODE,
            name="Benchmark mission",
            country="CD",
            timezone="Africa/Kinshasa",
            mandate_start=datetime.date(2016, 1, 1),
            planned_exit=datetime.date(2028, 12, 31),
            status="active",
        )
        phases = Phase.objects.bulk_create(
            Phase(
                mission=mission,
                order=i,
                kind="implementation",
                name=f"Phase {i}",
                gate_threshold=40 + 15 * i,
            )
            for i in range(1, 4)
        )
        categories = ["security", "political", "socioeconomic", "rule_of_law", "protection"]
        objectives = Objective.objects.bulk_create(
            Objective(
                mission=mission,
                order=i,
                category=categories[i % 5],
                title=f"Objective {i}",
                weight=Decimal(rng.randint(1, 5)),
                target_phase=phases[i % 3],
            )
            for i in range(30)
        )
        benchmarks = Benchmark.objects.bulk_create(
            Benchmark(
                objective=objectives[i % 30],
                mission=mission,
                order=i,
                code=f"bm-{i:03d}",
                title=f"Benchmark {i}",
                kind="quantitative" if i % 2 else "rating",
                baseline=Decimal(0) if i % 2 else None,
                target=Decimal(100) if i % 2 else None,
                weight=Decimal(rng.randint(1, 3)),
                frequency_days=30,
                critical=i % 17 == 0,
            )
            for i in range(BENCHMARKS)
        )
        rounds = Assessment.objects.bulk_create(
            Assessment(
                mission=mission,
                as_of=AS_OF - datetime.timedelta(days=30 * m),
                kind="joint",
                method="dataset",
                status="submitted" if m % 7 else "draft",
                author=author,
            )
            for m in range(MONTHS)
        )
        Score.objects.bulk_create(
            (
                Score(
                    assessment=r,
                    benchmark=b,
                    value=Decimal(rng.randint(0, 100)) if b.kind == "quantitative" else None,
                    rating=None if b.kind == "quantitative" else Decimal(rng.randint(1, 4)),
                )
                for r in rounds
                for b in benchmarks
            ),
            batch_size=5000,
        )
    return mission


FLOOR_SQL = """
SELECT benchmark_id, value, rating FROM (
  SELECT s.benchmark_id, s.value, s.rating,
         ROW_NUMBER() OVER (PARTITION BY s.benchmark_id
                            ORDER BY a.as_of DESC, a.created_at DESC, a.id DESC) AS rank
  FROM assessments_score s JOIN assessments_assessment a ON a.id = s.assessment_id
  WHERE a.mission_id = %s AND a.status IN ('submitted', 'approved') AND a.as_of <= %s
) ranked WHERE rank = 1
"""


def median_ms(fn, runs=RUNS) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def floor(mission):
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [mission.pk, AS_OF])
        return cursor.fetchall()


def run() -> dict:
    mission = build()
    inputs = readiness_inputs(mission, AS_OF)
    settings.DEBUG = True
    reset_queries()
    readiness_inputs(mission, AS_OF)
    queries = len(connection.queries)
    settings.DEBUG = False
    results = {
        "readiness.floor_sql_ms": median_ms(lambda: floor(mission)),
        "readiness.load_ms": median_ms(lambda: readiness_inputs(mission, AS_OF)),
        "readiness.compute_ms": median_ms(lambda: readiness.compute(inputs)),
        "readiness.total_ms": median_ms(
            lambda: readiness.compute(readiness_inputs(mission, AS_OF))
        ),
        "readiness.load_queries": queries,
        "readiness.scores": Score.objects.filter(assessment__mission=mission).count(),
    }
    results["readiness.total_over_floor"] = (
        results["readiness.total_ms"] / results["readiness.floor_sql_ms"]
    )
    return results


def main() -> None:
    from . import pages

    results = {**run(), **pages.run()}
    out = Path(settings.VAR_DIR) / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    previous.update({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()})
    path.write_text(json.dumps(previous, indent=2, sort_keys=True))
    width = max(len(k) for k in results)
    for key, value in results.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"{key.ljust(width)}  {shown}")
    print(f"written to {path}")

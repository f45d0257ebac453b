"""The benchmark suite's own parts: the seed (sizes, validity, idempotence), the floors, and
the in-process measurements writing well-formed rows. Never a timing: `make bench-quick`
(a CI stage) runs the whole suite, load test included, at a small scale."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F

from accounts.models import User
from assessments.models import Assessment, Score
from bench import measure, report, scale
from missions.models import Benchmark, Membership, Mission, MissionUserObjectPermission
from stakeholders.models import Comment, Consultation, FeedbackSubmission, Stakeholder

TINY = scale.TINY


@pytest.fixture
def seeded(db):
    return scale.seed(TINY)


@pytest.fixture
def bench_urls(settings):
    """The floors are mounted only by bench.settings' urlconf; throttling is lifted as in
    `make bench` (the public form's throttle counts per address, across tests)."""
    settings.ROOT_URLCONF = "bench.urls"
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public_form": None}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_seed_builds_the_sizes_of_its_scale(seeded):
    assert Mission.objects.count() == TINY.missions
    large = Mission.objects.get(code=scale.LARGE_CODE)
    assert Benchmark.objects.filter(mission=large).count() == TINY.benchmarks
    assert Assessment.objects.filter(mission=large).count() == TINY.months
    assert Score.objects.filter(assessment__mission=large).count() == TINY.benchmarks * TINY.months
    assert Stakeholder.objects.count() == TINY.stakeholders
    assert Consultation.objects.count() == TINY.consultations
    assert Comment.objects.count() == TINY.comments
    assert FeedbackSubmission.objects.count() == TINY.submissions
    assert User.objects.count() == TINY.users
    multi = User.objects.get(email=scale.MULTI_EMAIL)
    assert Membership.objects.filter(user=multi).count() == TINY.multi_missions
    assert Mission.objects.visible_to(multi).count() == TINY.multi_missions
    # Every mission has an admin and every member the grants of their role.
    assert not Mission.objects.exclude(memberships__role="admin").exists()
    granted = MissionUserObjectPermission.objects.values("user", "content_object").distinct()
    assert granted.count() == Membership.objects.count()
    assert scale.seeded_scale() == "tiny"


def test_seeded_rows_are_valid(seeded):
    """Bulk inserts skip full_clean: a sample of every kind must pass it."""
    samples = [
        *Mission.objects.all()[:3],
        *Benchmark.objects.all()[:5],
        *Stakeholder.objects.all()[:5],
        *Consultation.objects.all()[:5],
        *Comment.objects.filter(parent__isnull=False)[:3],
        *Comment.objects.filter(parent__isnull=True)[:3],
        *Membership.objects.exclude(stakeholder=None)[:3],
    ]
    for row in samples:
        try:
            row.full_clean()
        except ValidationError as error:  # pragma: no cover - the message is the point
            pytest.fail(f"{type(row).__name__} {row.pk}: {error}")
    for score in Score.objects.select_related("benchmark", "assessment")[:20]:
        score.full_clean()
    # Replies are on the same target as their parent, in the same mission.
    mismatched = Comment.objects.filter(parent__isnull=False).exclude(
        target_id=F("parent__target_id")
    )
    assert not mismatched.exists()
    receipts = FeedbackSubmission.objects.values("receipt").annotate(n=Count("id"))
    assert receipts.filter(n__gt=1).count() == 0


def test_seed_refuses_a_second_run(seeded):
    with pytest.raises(scale.AlreadySeeded):
        scale.seed(TINY)
    assert Mission.objects.count() == TINY.missions
    # Deterministic values, not random ones: the first receipt is the first of the alphabet.
    assert FeedbackSubmission.objects.filter(receipt="2222222222").exists()


def test_command_says_what_it_did(db, capsys):
    call_command("seed_scale", "--scale", "tiny")
    assert "Seeded the tiny data set" in capsys.readouterr().out
    call_command("seed_scale", "--scale", "tiny")
    assert "already here: nothing to do" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already holds the tiny benchmark data set"):
        call_command("seed_scale", "--scale", "quick")
    assert Mission.objects.count() == TINY.missions


def test_floors_answer_signed_in_people_only(seeded, bench_urls, client):
    assert client.get("/bench/floor/page/").status_code == 302
    assert client.get("/bench/floor/api/").status_code in (401, 403)
    client.force_login(User.objects.get(email=scale.ACTOR_EMAIL))
    page = client.get("/bench/floor/page/")
    assert page.status_code == 200 and scale.ACTOR_EMAIL in page.content.decode()
    assert client.get("/bench/floor/api/").json()["ok"] is True


def test_floors_are_not_in_the_site_urls(seeded, client):
    client.force_login(User.objects.get(email=scale.ACTOR_EMAIL))
    assert client.get("/bench/floor/page/").status_code == 404
    assert client.get("/bench/floor/api/").status_code == 404


def test_floor_query_counts_are_constant(seeded, bench_urls, client):
    """The floors' cost does not grow with data: the same queries with 3 or 21 missions."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(User.objects.get(email=scale.ACTOR_EMAIL))
    api = measure.Context().api(User.objects.get(email=scale.ACTOR_EMAIL))

    def counts():
        found = []
        for fetch, url in ((client.get, "/bench/floor/page/"), (api.get, "/bench/floor/api/")):
            fetch(url)
            with CaptureQueriesContext(connection) as queries:
                assert fetch(url).status_code == 200
            found.append(len(queries))
        return found

    before = counts()
    for i in range(18):
        Mission.objects.create(code=f"more-{i}", name=f"More {i}", country="ML",
                               mandate_start="2020-01-01")  # fmt: skip
    assert counts() == before
    assert before[0] >= 2 and before[1] >= 1  # the session and user; the token


def test_measurements_write_well_formed_rows(seeded, bench_urls, tmp_path):
    ctx = measure.Context()
    rows = measure.run(ctx, runs=1, import_rows=TINY.import_rows, import_runs=1, out=lambda _: None)
    data = [row.as_dict() for row in rows]
    assert report.check_rows(data, load=False) == []
    assert set(measure.ROW_KEYS) <= set(data[0])
    by_name = {row["name"]: row for row in data}
    assert by_name["floor: page"]["queries"] >= 1
    for row in data:
        if row["name"].startswith(("page: ", "api: ")):
            assert row["floor"] is not None and row["ratio"] is not None
            assert isinstance(row["queries"], int) and row["queries"] > 0
            assert row["met"] in (True, False)
    imported = next(r for r in data if r["name"].startswith("import: "))
    assert imported["name"] == f"import: {TINY.import_rows:,} scores"
    # The import's rounds are removed after each run: nothing of the benchmark stays.
    assert not Assessment.objects.filter(label="bench-import").exists()
    # The rows survive a round trip through JSON and print as a table.
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    assert report.check_rows(json.loads(path.read_text()), load=False) == []
    printed = report.table(data)
    assert "page: dashboard" in printed and "import: " in printed


def test_check_rows_finds_what_is_wrong():
    good = {key: None for key in measure.ROW_KEYS} | {"name": "floor: page", "median_ms": 1.0}
    assert report.check_rows([good], load=False)  # the other expected rows are missing
    assert report.check_rows([{"name": "x"}], load=False)[0].endswith("target, met")
    bad = good | {"median_ms": -1.0}
    assert any("median_ms" in p for p in report.check_rows([bad], load=False))
    untargeted = good | {"met": True}
    assert any("met without a target" in p for p in report.check_rows([untargeted], load=False))
    assert report.check_rows([], load=False) == ["the results are not a non-empty list of rows"]
    missing_load = [
        good | {"name": name} for name in report.EXPECTED
    ]  # every in-process row, no load rows
    assert report.check_rows(missing_load, load=False) == []
    assert any("load: dashboard" in p for p in report.check_rows(missing_load, load=True))


def test_only_measures_the_figures_named(seeded, bench_urls, monkeypatch):
    """`python -m bench --only WORD`: the floors and the figures whose names hold WORD."""
    monkeypatch.setattr(measure, "ONLY", ["scores", "readiness: large"])
    ctx = measure.Context()
    rows = measure.run(ctx, runs=1, import_rows=TINY.import_rows, import_runs=1, out=lambda _: None)
    names = [row.name for row in rows]
    assert names == [
        "floor: page",
        "floor: API",
        "api: scores, page of 50",
        "floor: readiness raw SQL",
        names[4],
    ]
    assert names[4].startswith("readiness: large mission")
    data = [row.as_dict() for row in rows]
    assert report.check_rows(data, load=False)  # incomplete as a full run …
    assert report.check_rows(data, load=False, complete=False) == []  # … well formed as a part

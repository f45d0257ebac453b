"""In-process measurements: pages and endpoints through Django's test client, readiness,
the import. Each figure is the median (and 95th percentile) of ``runs`` calls after one
warm-up, with the query count of one call, and its ratio to its floor from the same run.

Each figure's floor is timed again alongside it (one floor call before each call), so a
ratio compares two things measured under the same load from the rest of the machine; the
floor rows are the floors' own first runs.

Every page and endpoint is also called on a small mission (``scale-01``, or a person in one
mission for the missions lists): the query count must be the same there ("constant in data
size"), which the row's ``met`` includes.
"""

import datetime
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.test import Client

from accounts.models import ApiToken, User
from accounts.tokens import api_token_create
from assessments.models import Assessment
from missions.models import Benchmark, Mission
from stakeholders.models import FeedbackForm

from . import readiness, scale

ROW_KEYS = ("name", "median_ms", "p95_ms", "rps", "queries", "floor", "ratio", "target", "met")
TOKEN_NAME = "bench"
PAGE_FLOOR = "floor: page"
API_FLOOR = "floor: API"
SQL_FLOOR = "floor: readiness raw SQL"

# `python -m bench --only WORD`: measure only the figures whose names contain one of these
# (floors always run). Empty: every figure.
ONLY: list[str] = []


def wanted(name: str) -> bool:
    return not ONLY or any(word in name for word in ONLY)


@dataclass
class Row:
    name: str
    median_ms: float | None = None
    p95_ms: float | None = None
    rps: float | None = None
    queries: int | None = None
    floor: float | None = None
    ratio: float | None = None
    target: str | None = None
    met: bool | None = None
    # Beyond the row: p99 under load, and the small mission's query count.
    p99_ms: float | None = None
    queries_small: int | None = None
    notes: list[str] = field(default_factory=list)
    # A floor's own call, timed again alongside each figure divided by it.
    call: Callable[[], object] | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("call")
        for key in ("median_ms", "p95_ms", "rps", "floor", "ratio", "p99_ms"):
            if data[key] is not None:
                data[key] = round(data[key], 3)
        data["notes"] = "; ".join(self.notes) or None
        return data


def _p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


class QueryCount:
    """The queries run on the default connection inside the block, whatever DEBUG says.

    Django's CaptureQueriesContext slices ``queries_log``, which the request_started signal
    clears in the middle of a test-client request, so it can read 0 here; counting at the
    cursor (``execute_wrapper``) cannot.
    """

    def __init__(self):
        self.count = 0

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    def __len__(self) -> int:
        return self.count

    def _count(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, int]:
    """Median and p95 in ms over ``runs`` calls after a warm-up, and one call's queries."""
    fn()  # warm-up
    with QueryCount() as queries:
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), _p95(samples), len(queries)


def timed_with_floor(
    fn: Callable[[], object], floor: Callable[[], object], runs: int
) -> tuple[float, float, int, float]:
    """Like timed, with the floor called just before each call: both see the same load from
    the rest of the machine. Also returns the floor's median over those calls."""
    fn()  # warm-up
    floor()
    with QueryCount() as queries:
        fn()
    samples, floor_samples = [], []
    for _ in range(runs):
        start = time.perf_counter()
        floor()
        middle = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - middle) * 1000)
        floor_samples.append((middle - start) * 1000)
    return (
        statistics.median(samples),
        _p95(samples),
        len(queries),
        statistics.median(floor_samples),
    )


def count_queries(fn: Callable[[], object]) -> int:
    fn()  # warm-up (caches of the process, not of the data)
    with QueryCount() as queries:
        fn()
    return len(queries)


class Context:
    """The missions, people and clients the measurements use, found in the seeded data."""

    def __init__(self):
        self.large = Mission.objects.get(code=scale.LARGE_CODE)
        self.small = Mission.objects.get(code=f"{scale.SMALL_PREFIX}01")
        self.actor = User.objects.get(email=scale.ACTOR_EMAIL)
        self.multi = User.objects.get(email=scale.MULTI_EMAIL)
        self.single = User.objects.get(email=scale.SINGLE_EMAIL)
        ApiToken.objects.filter(name=TOKEN_NAME, user__email__endswith="example.org").delete()
        self.keys = {
            user.pk: api_token_create(user=user, name=TOKEN_NAME)[1]
            for user in (self.actor, self.multi, self.single)
        }
        people = (self.actor, self.multi, self.single)
        self.pages = {user.pk: self._session(user) for user in people}
        self.results_form = {
            m.pk: FeedbackForm.objects.filter(mission=m, title__endswith="survey")
            .order_by("id")
            .first()
            for m in (self.large, self.small)
        }
        self.post_form = FeedbackForm.objects.get(
            mission=self.large, title="Public answers (benchmark)"
        )
        self.post_questions = list(self.post_form.questions.order_by("order"))

    @staticmethod
    def _session(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def api(self, user: User) -> Client:
        return Client(headers={"Authorization": f"Token {self.keys[user.pk]}"})

    def newest_round(self, mission: Mission) -> int:
        return Assessment.objects.filter(mission=mission).order_by("-as_of", "-id").first().pk

    def post_body(self) -> str:
        scale_q, single, multi, text = self.post_questions
        return json.dumps(
            {
                "answers": {
                    str(scale_q.pk): 4,
                    str(single.pk): single.choices[0],
                    str(multi.pk): multi.choices[:2],
                    str(text.pk): "Roads are safer this year.",
                },
                "stakeholder_kind": "community",
            }
        )


def _get(client: Client, url: str) -> Callable[[], object]:
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        return response

    return call


def _ratio_row(name, fn, runs, floor: Row, factor: float, small_fn=None) -> Row | None:
    if not wanted(name):
        return None
    if floor.call is not None:
        median, p95, queries, floor_ms = timed_with_floor(fn, floor.call, runs)
    else:
        (median, p95, queries), floor_ms = timed(fn, runs), floor.median_ms
    row = Row(name, median_ms=median, p95_ms=p95, queries=queries, floor=floor_ms)
    row.ratio = median / floor_ms
    row.target = f"median ≤ {factor:g}× {floor.name}"
    row.met = row.ratio <= factor
    if small_fn is not None:
        row.queries_small = count_queries(small_fn)
        row.target += "; queries as on a small mission"
        if row.queries_small != queries:
            row.met = False
            row.notes.append(f"{queries} queries here, {row.queries_small} on a small mission")
    return row


def pages_and_api(ctx: Context, runs: int) -> list[Row]:
    rows = []
    actor_page = ctx.pages[ctx.actor.pk]
    page_floor = Row(PAGE_FLOOR, call=_get(actor_page, "/bench/floor/page/"))
    page_floor.median_ms, page_floor.p95_ms, page_floor.queries = timed(page_floor.call, runs)
    api = ctx.api(ctx.actor)
    api_floor = Row(API_FLOOR, call=_get(api, "/bench/floor/api/"))
    api_floor.median_ms, api_floor.p95_ms, api_floor.queries = timed(api_floor.call, runs)
    rows += [page_floor, api_floor]

    large, small = ctx.large.code, ctx.small.code
    for name, path in [
        ("page: dashboard", "/missions/{code}/"),
        ("page: plan", "/missions/{code}/plan/"),
    ]:
        rows.append(
            _ratio_row(
                name,
                _get(actor_page, path.format(code=large)),
                runs,
                page_floor,
                5,
                _get(actor_page, path.format(code=small)),
            )
        )
    rows.append(
        _ratio_row(
            "page: assessment grid",
            _get(actor_page, f"/missions/{large}/assessments/{ctx.newest_round(ctx.large)}/"),
            runs,
            page_floor,
            5,
            _get(actor_page, f"/missions/{small}/assessments/{ctx.newest_round(ctx.small)}/"),
        )
    )
    missions = Mission.objects.filter(memberships__user=ctx.multi).count()
    rows.append(
        _ratio_row(
            f"page: missions list ({missions} missions)",
            _get(ctx.pages[ctx.multi.pk], "/missions/"),
            runs,
            page_floor,
            5,
            _get(ctx.pages[ctx.single.pk], "/missions/"),
        )
    )

    rows.append(
        _ratio_row(
            f"api: missions list ({missions} missions)",
            _get(ctx.api(ctx.multi), "/api/v1/missions/"),
            runs,
            api_floor,
            3,
            _get(ctx.api(ctx.single), "/api/v1/missions/"),
        )
    )
    for name, path in [
        ("api: scores, page of 50", "/api/v1/missions/{code}/scores/"),
        ("api: comments, page of 50", "/api/v1/missions/{code}/comments/"),
        ("api: readiness", "/api/v1/missions/{code}/readiness/"),
        ("api: readiness history", "/api/v1/missions/{code}/readiness/history/"),
    ]:
        rows.append(
            _ratio_row(
                name,
                _get(api, path.format(code=large)),
                runs,
                api_floor,
                3,
                _get(api, path.format(code=small)),
            )
        )
    form, small_form = ctx.results_form[ctx.large.pk], ctx.results_form[ctx.small.pk]
    submissions = form.submissions.count()
    rows.append(
        _ratio_row(
            f"api: feedback results ({submissions:,} submissions)",
            _get(api, f"/api/v1/missions/{large}/feedback-forms/{form.pk}/results/"),
            runs,
            api_floor,
            3,
            _get(api, f"/api/v1/missions/{small}/feedback-forms/{small_form.pk}/results/"),
        )
    )

    public = Client()
    url = f"/api/v1/public/forms/{ctx.post_form.public_token}/"
    body = ctx.post_body()

    def post():
        response = public.post(url, body, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"POST {url} answered {response.status_code}: {response.content}")

    rows.append(_ratio_row("api: public form POST", post, runs, api_floor, 3))
    return [row for row in rows if row is not None]


def readiness_rows(ctx: Context, runs: int) -> list[Row]:
    if not wanted("readiness: large mission") and not wanted("readiness: loading"):
        return []
    mission, as_of = ctx.large, scale.AS_OF
    floor = Row(SQL_FLOOR, call=lambda: readiness.floor(mission, as_of))
    floor.median_ms, floor.p95_ms, floor.queries = timed(floor.call, runs)
    benchmarks = Benchmark.objects.filter(mission=mission).count()
    total = _ratio_row(
        f"readiness: large mission ({benchmarks} benchmarks)",
        lambda: readiness.total(mission, as_of),
        runs,
        floor,
        2,
        lambda: readiness.total(ctx.small, as_of),
    )
    rows = [floor] + ([total] if total else [])
    if not wanted("readiness: loading the inputs"):
        return rows
    load_median, load_p95, load_queries, floor_ms = timed_with_floor(
        lambda: readiness.load(mission, as_of), floor.call, runs
    )
    load = Row(
        "readiness: loading the inputs",
        median_ms=load_median,
        p95_ms=load_p95,
        queries=load_queries,
        floor=floor_ms,
        ratio=load_median / floor_ms,
    )
    return [*rows, load]


def import_row(ctx: Context, rows_wanted: int, runs: int) -> Row:
    """Import ``rows_wanted`` new scores through the endpoint; the rounds are deleted after."""
    benchmarks = list(Benchmark.objects.filter(mission=ctx.large).order_by("order"))
    dates = -(-rows_wanted // len(benchmarks))
    rows = []
    for d in range(dates):
        as_of = (datetime.date(2016, 2, 1) + datetime.timedelta(days=7 * d)).isoformat()
        for b in benchmarks:
            if len(rows) == rows_wanted:
                break
            value = {"value": str(d % 100)} if b.kind == "quantitative" else {"rating": "2"}
            rows.append({"benchmark": b.code, "as_of": as_of, "source": "bench", **value})
    api = ctx.api(ctx.actor)
    url = f"/api/v1/missions/{ctx.large.code}/scores/import/"
    label = "bench-import"

    def clean():
        Assessment.objects.filter(mission=ctx.large, label=label).delete()

    samples, queries = [], None
    clean()
    for _ in range(runs):
        body = json.dumps({"label": label, "rows": rows})
        with QueryCount() as captured:
            start = time.perf_counter()
            response = api.post(url, body, content_type="application/json")
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 201 or response.json()["created"] != len(rows):
            raise RuntimeError(f"import answered {response.status_code}: {response.content[:500]}")
        samples.append(elapsed)
        queries = len(captured)
        clean()
    median = statistics.median(samples)
    return Row(
        f"import: {len(rows):,} scores",
        median_ms=median,
        p95_ms=_p95(samples),
        queries=queries,
        target="< 5000 ms" if rows_wanted >= 10_000 else "< 5000 ms (at 10,000 rows)",
        met=median < 5000,
    )


def run(ctx: Context, runs: int, import_rows: int, import_runs: int, out=print) -> list[Row]:
    rows = []
    out("measuring pages and endpoints …")
    rows += pages_and_api(ctx, runs)
    out("measuring readiness …")
    rows += readiness_rows(ctx, runs)
    if wanted("import: "):
        out("measuring the import …")
        rows.append(import_row(ctx, import_rows, import_runs))
    return rows

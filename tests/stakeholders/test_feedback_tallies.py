"""Feedback results from tallies equal a scan of every submission, whatever the filters.

The reference is the scan results were counted with before tallies (one aggregate over the
filtered submissions, ``results_scan``) and the newest text answers read from those same
rows; both go through the same presentation (withholding, means). Submissions are random,
spread over days and stakeholder kinds, some exactly at midnight; filters are random moments
(the API's strict bounds) and whole days in time zones of :30 and :45 offsets (the pages').
"""

import datetime
import random
import threading
import time
from functools import reduce
from operator import or_

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exitplan.celery import app
from stakeholders import feedback_selectors as selectors
from stakeholders.models import (
    FeedbackForm,
    FeedbackSubmission,
    FeedbackTally,
    FeedbackTallyMark,
    Question,
)
from stakeholders.services import (
    SubmissionScope,
    feedback_form_create,
    feedback_form_publish,
    feedback_results,
    feedback_submission_create,
    feedback_tallies_reset,
    feedback_tallies_roll_up,
)
from stakeholders.services import feedback_tallies as tallies
from stakeholders.services.feedback import TEXT_ANSWERS_LIMIT, _answered
from stakeholders.tasks import roll_up_feedback_tallies

QUESTIONS = [
    {"kind": "scale", "label": "How safe do you feel?"},
    {"kind": "single_choice", "label": "Who keeps you safe?", "choices": ["Police", "Army", "UN"]},
    {"kind": "multi_choice", "label": "What works?", "choices": ["Water", "Schools", "Clinics"]},
    {"kind": "text", "label": "Anything else?"},
]
KINDS = ["", "ngo", "community", "donor"]
ZONES = ["UTC", "Asia/Kathmandu", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"]
DAY = datetime.timedelta(days=1)


@pytest.fixture
def form(mission, admin):
    form = feedback_form_create(actor=admin, mission=mission, title="Survey", questions=QUESTIONS)
    return feedback_form_publish(actor=admin, form=form)


def loaded(form) -> FeedbackForm:
    """The form as the views load it: questions prefetched, in order."""
    return FeedbackForm.objects.prefetch_related(selectors.QUESTIONS).get(pk=form.pk)


def questions_of(form) -> dict[str, Question]:
    return {q.kind: q for q in Question.objects.filter(form=form)}


def random_answers(rng: random.Random, form) -> dict:
    q = questions_of(form)
    answers = {}
    if rng.random() < 0.9:
        answers[str(q["scale"].pk)] = rng.randint(1, 5)
    if rng.random() < 0.8:
        answers[str(q["single_choice"].pk)] = rng.choice(q["single_choice"].choices)
    if rng.random() < 0.7:
        choices = q["multi_choice"].choices
        answers[str(q["multi_choice"].pk)] = rng.sample(choices, rng.randint(1, len(choices)))
    if rng.random() < 0.3:
        answers[str(q["text"].pk)] = f"Text {rng.randint(1, 10**6)}"
    return answers or {str(q["scale"].pk): 3}


def sow(form, rng: random.Random, moments: list[datetime.datetime]) -> None:
    """Submissions at ``moments``, stored as the seed stores them (bulk, already sent)."""
    start = FeedbackSubmission.objects.count()
    FeedbackSubmission.objects.bulk_create(
        FeedbackSubmission(
            form=form,
            submitted_at=at,
            answers=random_answers(rng, form),
            stakeholder_kind=rng.choice(KINDS),
            receipt=f"T{start + i:09d}",
        )
        for i, at in enumerate(moments)
    )


def spread(rng: random.Random, now: datetime.datetime, n: int) -> list[datetime.datetime]:
    """Moments over the last ten days, a tenth of them exactly at a UTC midnight."""
    moments = []
    for _ in range(n):
        at = now - datetime.timedelta(seconds=rng.uniform(180, 10 * 86400))
        if rng.random() < 0.1:
            at = at.replace(hour=0, minute=0, second=0, microsecond=0)
        moments.append(at)
    return moments


def random_scope(rng: random.Random, now: datetime.datetime, mission) -> SubmissionScope:
    kind = rng.choice([None, None, *KINDS])

    def moment():
        at = now - datetime.timedelta(seconds=rng.uniform(-3600, 11 * 86400))
        return at.replace(hour=0, minute=0, second=0, microsecond=0) if rng.random() < 0.3 else at

    style = rng.choice(["none", "api", "api", "pages", "pages"])
    if style == "api":
        after = moment() if rng.random() < 0.7 else None
        until = moment() if rng.random() < 0.7 else None
        return SubmissionScope(kind=kind, after=after, until=until)
    if style == "pages":
        mission.timezone = rng.choice(ZONES)
        days = sorted(moment().date() for _ in range(2))
        start, end = selectors.day_bounds(
            mission=mission,
            date_from=days[0] if rng.random() < 0.8 else None,
            date_to=days[1] if rng.random() < 0.8 else None,
        )
        return SubmissionScope(kind=kind, start=start, until=end)
    return SubmissionScope(kind=kind)


def reference(form, scope: SubmissionScope, full: bool) -> dict:
    """Results as a scan of every matching submission counts them (the former way)."""
    questions = list(loaded(form).questions.all())
    submissions = scope.submissions(form)
    row = tallies.results_scan(questions, submissions)
    texts = {}
    if full:
        text_questions = [q for q in questions if q.kind == Question.Kind.TEXT]
        newest = (
            submissions.filter(reduce(or_, (_answered(q.pk) for q in text_questions)))
            .order_by("-submitted_at", "-id")
            .values_list("answers", flat=True)[:TEXT_ANSWERS_LIMIT]
        )
        texts = {q.pk: [a[str(q.pk)] for a in newest if a.get(str(q.pk))] for q in text_questions}
    return tallies._presented(form, questions, row, texts, full)


def assert_same(form, scopes: list[SubmissionScope]) -> None:
    for scope in scopes:
        for full in (True, False):
            assert feedback_results(form=loaded(form), scope=scope, full=full) == reference(
                form, scope, full
            ), (scope, full)


@pytest.fixture
def rng():
    return random.Random(20261126)


def test_tallied_results_equal_the_scan_through_roll_ups_late_answers_and_changes(
    form, mission, rng, monkeypatch
):
    now = timezone.now()
    sow(form, rng, spread(rng, now, 400))
    for _ in range(3):  # sent within the margin: never rolled up yet
        feedback_submission_create(form=form, answers=random_answers(rng, form))
    scopes = [SubmissionScope(), *(random_scope(rng, now, mission) for _ in range(40))]
    assert_same(form, scopes)  # nothing rolled up: everything counted live

    # Only what is older than three days, then everything older than the margin.
    monkeypatch.setattr(tallies, "TALLY_MARGIN", 3 * DAY)
    assert 0 < feedback_tallies_roll_up(form) < 400
    assert_same(form, scopes)
    monkeypatch.undo()
    assert feedback_tallies_roll_up(form) > 0
    mark = FeedbackTallyMark.objects.get(form=form)
    assert timezone.now() - tallies.TALLY_MARGIN - mark.until < datetime.timedelta(seconds=5)
    assert FeedbackTally.objects.filter(form=form).count() > 5
    assert_same(form, scopes)

    # Sent a minute ago but committed only now (after the roll-up): counted live, then once.
    late = now - datetime.timedelta(minutes=1)
    sow(form, rng, [late, late])
    assert_same(form, scopes)
    assert feedback_tallies_roll_up(form) == 0  # within the margin still
    assert_same(form, scopes)

    # Questions never change once answered; if they did, the tallies are not trusted.
    single = questions_of(form)["single_choice"]
    Question.objects.filter(pk=single.pk).update(choices=["UN", "Police", "Army", "Nobody"])
    assert_same(form, scopes)
    assert feedback_tallies_roll_up(form) == 400  # rebuilt: all but the recent five
    assert_same(form, scopes)

    # Submissions are never deleted one by one; were some, resetting the tallies fixes it.
    FeedbackSubmission.objects.filter(pk__in=FeedbackSubmission.objects.values("pk")[:50]).delete()
    feedback_tallies_reset(form)
    assert not FeedbackTally.objects.filter(form=form).exists()
    assert_same(form, scopes)
    feedback_tallies_roll_up(form)
    assert_same(form, scopes)


def test_a_reader_rolls_up_many_waiting_answers_and_still_counts_them_right(
    form, mission, rng, monkeypatch
):
    now = timezone.now()
    sow(form, rng, spread(rng, now, 60))
    monkeypatch.setattr(tallies, "ROLL_UP_AT", 50)
    scope = SubmissionScope(kind="ngo", after=now - 5 * DAY)
    expected = reference(form, SubmissionScope(), full=True)

    assert feedback_results(form=loaded(form), full=True) == expected
    assert FeedbackTallyMark.objects.get(form=form).until is not None
    assert feedback_results(form=loaded(form), full=True) == expected
    assert feedback_results(form=loaded(form), scope=scope, full=False) == reference(
        form, scope, False
    )


def test_reading_results_costs_one_query_whatever_the_filters(form, mission, rng):
    now = timezone.now()
    sow(form, rng, spread(rng, now, 80))
    feedback_tallies_roll_up(form)
    current = loaded(form)
    for _ in range(10):
        scope = random_scope(rng, now, mission)
        with CaptureQueriesContext(connection) as queries:
            feedback_results(form=current, scope=scope, full=True)
        assert len(queries) == 1


def test_only_one_roll_up_runs_at_a_time_and_none_counts_twice(form, rng):
    sow(form, rng, spread(rng, timezone.now(), 50))
    first = feedback_tallies_roll_up(form)
    again = feedback_tallies_roll_up(form)

    assert (first, again) == (50, 0)
    assert feedback_results(form=loaded(form), full=True)["total"] == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_roll_up_under_way_elsewhere_is_skipped_not_waited_for(form, rng):
    sow(form, rng, spread(rng, timezone.now(), 30))
    FeedbackTallyMark.objects.create(form=form)
    held, release = threading.Event(), threading.Event()

    def another_run():
        try:
            with transaction.atomic():
                FeedbackTallyMark.objects.select_for_update().get(form=form)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=another_run)
    thread.start()
    assert held.wait(10)
    started = time.monotonic()
    skipped = feedback_tallies_roll_up(form)
    waited = time.monotonic() - started
    release.set()
    thread.join()

    assert (skipped, waited < 2) == (0, True)
    assert feedback_tallies_roll_up(form) == 30


def test_a_forms_tallies_go_with_it(form, rng):
    sow(form, rng, spread(rng, timezone.now(), 20))
    feedback_tallies_roll_up(form)
    assert FeedbackTally.objects.filter(form=form).exists()

    FeedbackForm.objects.filter(pk=form.pk).delete()

    assert not FeedbackTally.objects.exists()
    assert not FeedbackTallyMark.objects.exists()


def test_the_results_endpoint_counts_a_strict_bound_at_midnight(client, admin, mission, form, rng):
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - 3 * DAY
    sow(form, rng, [midnight, midnight, midnight + datetime.timedelta(hours=5)])
    feedback_tallies_roll_up(form)
    url = f"/api/v1/missions/{mission.code}/feedback-forms/{form.pk}/results/"
    client.force_login(admin)

    after = client.get(url, {"submitted_after": midnight.isoformat()}).json()
    before = client.get(url, {"submitted_before": midnight.isoformat()}).json()
    everything = client.get(url).json()

    assert (after["total"], before["total"], everything["total"]) == (1, 0, 3)


# Through a real worker ----------------------------------------------------------------------


@pytest.fixture
def worker():
    app.control.purge()
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10) as w:
        yield w


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_beat_job_rolls_up_every_form_through_a_worker(worker, form, mission, rng):
    now = timezone.now()
    sow(form, rng, spread(rng, now, 40))
    scopes = [SubmissionScope(), *(random_scope(rng, now, mission) for _ in range(5))]

    roll_up_feedback_tallies.delay()

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not FeedbackTally.objects.filter(form=form).exists():
        time.sleep(0.1)
    assert FeedbackTallyMark.objects.get(form=form).until is not None
    assert_same(form, scopes)

"""The benchmark data set: many missions, one large, built reproducibly with bulk inserts.

``seed(FULL)`` is what ``manage.py seed_scale`` writes (issue 12's sizes); ``QUICK`` is the
reduced set of ``make bench-quick`` and ``TINY`` the one the tests build. Everything is
written through the models with valid values (the constraints hold) in one transaction, so
an interrupted run leaves nothing behind. Audit events, guardian grants' history and
readiness jobs are not produced for seeded rows: this is bench data, not anyone's work.
"""

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from assessments import services as assessment_services
from assessments.models import Assessment, ReadinessSnapshot, Score
from missions.access import role_permissions
from missions.models import (
    Benchmark,
    HandoverItem,
    Membership,
    Mission,
    MissionUserObjectPermission,
    Objective,
    Phase,
    Role,
)
from stakeholders.models import (
    Comment,
    Consultation,
    FeedbackForm,
    FeedbackSubmission,
    Question,
    Stakeholder,
)

SEED = 2026
LARGE_CODE = "bench-readiness"
SMALL_PREFIX = "scale-"
# The people the benchmark signs in as: the large mission's admin (also admin of the first
# small mission, so each figure can be compared with a small mission's), and a person with
# a role in ten missions (the missions list).
ACTOR_EMAIL = "bench@example.org"
MULTI_EMAIL = "multi@bench.example.org"
SINGLE_EMAIL = "single@bench.example.org"
AS_OF = datetime.date(2026, 11, 1)
CATEGORIES = ["security", "political", "socioeconomic", "rule_of_law", "protection"]
COUNTRIES = ["CD", "ML", "SS", "CF", "LB", "SO", "HT", "LR", "CI", "SD", "CY", "EH", "AF", "IQ"]
BATCH = 5000
RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Scale:
    name: str
    missions: int  # the large one included
    benchmarks: int  # of the large mission
    months: int  # monthly rounds of the large mission
    small_benchmarks: int
    small_months: int
    stakeholders: int
    consultations: int
    comments: int
    submissions: int  # in all; the large mission's main form has most
    other_forms: int  # small missions with a form of their own
    other_form_submissions: int  # on each of those
    users: int
    multi_missions: int  # the missions of the person with many roles
    snapshots: int  # stored readiness snapshots of the large mission (history)
    import_rows: int  # what the import benchmark sends


FULL = Scale(
    name="full",
    missions=40,
    benchmarks=300,
    months=120,
    small_benchmarks=12,
    small_months=12,
    stakeholders=2000,
    consultations=5000,
    comments=50_000,
    submissions=200_000,
    other_forms=5,
    other_form_submissions=1000,
    users=500,
    multi_missions=10,
    snapshots=60,
    import_rows=10_000,
)
QUICK = Scale(
    name="quick",
    missions=4,
    benchmarks=40,
    months=12,
    small_benchmarks=6,
    small_months=4,
    stakeholders=80,
    consultations=80,
    comments=600,
    submissions=3000,
    other_forms=2,
    other_form_submissions=200,
    users=40,
    multi_missions=3,
    snapshots=6,
    import_rows=1000,
)
TINY = Scale(
    name="tiny",
    missions=3,
    benchmarks=8,
    months=3,
    small_benchmarks=3,
    small_months=2,
    stakeholders=12,
    consultations=9,
    comments=30,
    submissions=60,
    other_forms=1,
    other_form_submissions=10,
    users=15,
    multi_missions=2,
    snapshots=2,
    import_rows=20,
)
SCALES = {s.name: s for s in (FULL, QUICK, TINY)}


class AlreadySeeded(Exception):
    pass


def seeded_scale() -> str | None:
    """The name of the scale this database was seeded with, or None."""
    mission = Mission.objects.filter(code=LARGE_CODE).only("name").first()
    if mission is None:
        return None
    return mission.name.rpartition("(")[2].rstrip(")").removesuffix(" scale") or None


def _say(out: Callable[[str], None] | None, text: str) -> None:
    if out:
        out(text)


def _bulk(model, rows: Iterable, out=None, label: str = "") -> list:
    created = model.objects.bulk_create(rows, batch_size=BATCH)
    if label:
        _say(out, f"  {label}: {len(created):,}")
    return created


def _plan(
    mission: Mission, rng: random.Random, benchmarks: int, months: int, author: User
) -> tuple[list[Phase], list[Objective], list[Benchmark], list[Assessment]]:
    """Phases, objectives, benchmarks and monthly rounds with a score for every benchmark."""
    phases = Phase.objects.bulk_create(
        Phase(mission=mission, order=i, kind="implementation", name=f"Phase {i}",
              gate_threshold=40 + 15 * i)
        for i in range(1, 4)
    )  # fmt: skip
    n_objectives = max(1, benchmarks // 10)
    objectives = Objective.objects.bulk_create(
        Objective(
            mission=mission,
            order=i,
            category=CATEGORIES[i % 5],
            title=f"Objective {i}",
            weight=Decimal(rng.randint(1, 5)),
            target_phase=phases[i % 3],
        )
        for i in range(n_objectives)
    )
    items = Benchmark.objects.bulk_create(
        Benchmark(
            objective=objectives[i % n_objectives],
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
        for i in range(benchmarks)
    )
    rounds = Assessment.objects.bulk_create(
        Assessment(
            mission=mission,
            as_of=AS_OF - datetime.timedelta(days=30 * m),
            kind="joint",
            method="dataset",
            status="submitted" if m % 7 else "draft",
            submitted_at=None,
            author=author,
        )
        for m in range(months)
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
            for b in items
        ),
        batch_size=BATCH,
    )
    HandoverItem.objects.bulk_create(
        HandoverItem(
            mission=mission,
            order=i,
            function=f"Function {i}",
            planned_date=AS_OF + datetime.timedelta(days=60 * i),
            status=["planned", "in_progress", "transferred"][i % 3],
        )
        for i in range(max(2, benchmarks // 15))
    )
    return phases, objectives, items, rounds


def build_large(scale: Scale, author: User, rng: random.Random) -> Mission:
    mission = Mission.objects.create(
        code=LARGE_CODE,
        name=f"Benchmark mission ({scale.name} scale)",
        country="CD",
        timezone="Africa/Kinshasa",
        mandate_start=datetime.date(2016, 1, 1),
        planned_exit=datetime.date(2028, 12, 31),
        status="active",
    )
    _plan(mission, rng, scale.benchmarks, scale.months, author)
    return mission


def _receipt(n: int) -> str:
    """A unique, deterministic receipt in the service's alphabet (10 characters)."""
    chars = []
    for _ in range(10):
        n, r = divmod(n, len(RECEIPT_ALPHABET))
        chars.append(RECEIPT_ALPHABET[r])
    return "".join(reversed(chars))


def _split(total: int, parts: int, first_share: float) -> list[int]:
    """``total`` over ``parts`` missions, the first (large) one taking ``first_share``."""
    if parts == 1:
        return [total]
    first = int(total * first_share)
    rest, extra = divmod(total - first, parts - 1)
    return [first] + [rest + (1 if i < extra else 0) for i in range(parts - 1)]


def _form_with_questions(mission: Mission, title: str, rating_benchmark: Benchmark | None):
    form = FeedbackForm.objects.create(
        mission=mission,
        title=title,
        intro="How is the transition going where you live?",
        status="published",
        opens_at=timezone.make_aware(datetime.datetime(2024, 1, 1)),
        allow_anonymous=True,
    )
    questions = Question.objects.bulk_create(
        [
            Question(form=form, order=0, kind="scale", label="How safe do you feel?",
                     required=True, benchmark=rating_benchmark),
            Question(form=form, order=1, kind="single_choice", label="Who keeps you safe?",
                     choices=["Police", "Army", "Peacekeepers", "Community"]),
            Question(form=form, order=2, kind="multi_choice", label="Which services work?",
                     choices=["Water", "Schools", "Clinics", "Courts"]),
            Question(form=form, order=3, kind="text", label="Anything else?"),
        ]
    )  # fmt: skip
    return form, questions


def _answers(rng: random.Random, questions: list[Question]) -> dict[str, Any]:
    scale, single, multi, text = questions
    answers: dict[str, Any] = {str(scale.pk): rng.randint(1, 5)}
    if rng.random() < 0.9:
        answers[str(single.pk)] = rng.choice(single.choices)
    if rng.random() < 0.8:
        answers[str(multi.pk)] = rng.sample(multi.choices, rng.randint(1, 3))
    if rng.random() < 0.2:
        answers[str(text.pk)] = f"Answer {rng.randint(1, 10**6)}"
    return answers


@transaction.atomic
def seed(scale: Scale, out: Callable[[str], None] | None = None) -> Mission:
    """Write the whole data set; AlreadySeeded when the database holds one already."""
    existing = seeded_scale()
    if existing is not None:
        raise AlreadySeeded(existing)
    rng = random.Random(SEED)
    password = make_password(None)  # unusable: nobody signs in to seeded accounts

    _say(out, f"Seeding the {scale.name} data set")
    actor = User.objects.create(email=ACTOR_EMAIL, name="Bench", password=password)
    multi = User.objects.create(email=MULTI_EMAIL, name="Many missions", password=password)
    single = User.objects.create(email=SINGLE_EMAIL, name="One mission", password=password)
    others = _bulk(
        User,
        (
            User(email=f"user{i:04d}@bench.example.org", name=f"User {i}", password=password,
                 language=["en", "fr", "ar"][i % 3])
            for i in range(scale.users - 3)
        ),
        out,
        "users",
    )  # fmt: skip

    large = build_large(scale, actor, rng)
    _say(out, f"  large mission: {scale.benchmarks} benchmarks × {scale.months} months")
    missions = [large]
    plans = {large.pk: list(Benchmark.objects.filter(mission=large).order_by("order"))}
    for i in range(1, scale.missions):
        mission = Mission.objects.create(
            code=f"{SMALL_PREFIX}{i:02d}",
            name=f"Scale mission {i}",
            country=COUNTRIES[i % len(COUNTRIES)],
            mandate_start=datetime.date(2014 + i % 8, 1, 1),
            planned_exit=datetime.date(2029, 6, 30),
            status="active" if i % 5 else "drawdown",
        )
        _, _, items, _ = _plan(mission, rng, scale.small_benchmarks, scale.small_months, actor)
        plans[mission.pk] = items
        missions.append(mission)
    _say(out, f"  missions: {len(missions)}")

    per_mission = _split(scale.stakeholders, len(missions), 0.05)
    kinds = [k for k, _ in Stakeholder.Kind.choices]
    stakeholders = _bulk(
        Stakeholder,
        (
            Stakeholder(mission=m, name=f"Organisation {m.pk}-{j}", kind=kinds[j % len(kinds)])
            for m, count in zip(missions, per_mission, strict=True)
            for j in range(count)
        ),
        out,
        "stakeholders",
    )
    by_mission: dict[int, list[Stakeholder]] = {}
    for s in stakeholders:
        by_mission.setdefault(s.mission_id, []).append(s)

    # Roles: every mission has an admin (the actor in the large and first small mission);
    # the others are spread over the missions, the large one taking a larger share.
    roles = [Role.STAFF, Role.LIAISON, Role.PARTNER, Role.OBSERVER, Role.STAFF, Role.PARTNER]
    memberships = [Membership(user=actor, mission=large, role=Role.ADMIN)]
    if len(missions) > 1:
        memberships.append(Membership(user=actor, mission=missions[1], role=Role.ADMIN))
    for k, m in enumerate(missions[: scale.multi_missions]):
        role = [Role.STAFF, Role.OBSERVER][k % 2]
        memberships.append(Membership(user=multi, mission=m, role=role))
    memberships.append(Membership(user=single, mission=missions[-1], role=Role.STAFF))
    shares = _split(len(others), len(missions), 0.2)
    people = iter(others)
    for m, count in zip(missions, shares, strict=True):
        for j in range(count):
            role = Role.ADMIN if j == 0 and m.pk != large.pk else roles[j % len(roles)]
            pool = by_mission.get(m.pk) or [None]
            speaks_for = pool[j % len(pool)] if role in (Role.LIAISON, Role.PARTNER) else None
            memberships.append(
                Membership(user=next(people), mission=m, role=role, stakeholder=speaks_for)
            )
    memberships = _bulk(Membership, memberships, out, "memberships")
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(content_type=ContentType.objects.get_for_model(Mission))
    }
    _bulk(
        MissionUserObjectPermission,
        (
            MissionUserObjectPermission(
                user_id=ms.user_id, content_object_id=ms.mission_id, permission=permissions[c]
            )
            for ms in memberships
            for c in sorted(role_permissions(ms.role))
        ),
        out,
        "grants",
    )
    commenters: dict[int, list[int]] = {}
    for ms in memberships:
        if ms.role != Role.OBSERVER:
            commenters.setdefault(ms.mission_id, []).append(ms.user_id)

    phases = {}
    for p in Phase.objects.filter(mission__in=missions).order_by("order"):
        phases.setdefault(p.mission_id, []).append(p)
    consultation_kinds = [k for k, _ in Consultation.Kind.choices]
    now = timezone.now()
    start = timezone.make_aware(datetime.datetime(2017, 1, 2, 9, 0))
    span_days = (AS_OF - datetime.date(2017, 1, 2)).days + 365

    def consultation(m: Mission, j: int, count: int) -> Consultation:
        starts = start + datetime.timedelta(days=span_days * j // max(1, count), hours=j % 8)
        past = starts < now
        return Consultation(
            mission=m,
            phase=phases[m.pk][j % 3] if j % 4 else None,
            kind=consultation_kinds[j % len(consultation_kinds)],
            title=f"Consultation {j}",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            timezone=m.timezone,
            location=f"Town hall {j % 30}",
            status=("held" if j % 9 else "cancelled") if past else "scheduled",
            outcome="Notes were taken." if past and j % 9 else "",
        )

    per_mission = _split(scale.consultations, len(missions), 0.1)
    _bulk(
        Consultation,
        (
            consultation(m, j, count)
            for m, count in zip(missions, per_mission, strict=True)
            for j in range(count)
        ),
        out,
        "consultations",
    )

    objectives = {}
    for o in Objective.objects.filter(mission__in=missions):
        objectives.setdefault(o.mission_id, []).append(o.pk)
    targets = {
        m.pk: [("benchmark", b.pk) for b in plans[m.pk]]
        + [("objective", pk) for pk in objectives[m.pk]]
        + [("phase", p.pk) for p in phases[m.pk]]
        for m in missions
    }
    per_mission = _split(scale.comments, len(missions), 0.22)
    top_level = []
    replies_wanted = []
    for m, count in zip(missions, per_mission, strict=True):
        parents = count - count // 5
        for j in range(parents):
            kind, target = targets[m.pk][j % len(targets[m.pk])]
            top_level.append(
                Comment(
                    mission=m,
                    target_type=kind,
                    target_id=target,
                    author_id=commenters[m.pk][j % len(commenters[m.pk])],
                    body=f"Comment {j} on this {kind}: what is the evidence?",
                    status=["open", "answered", "resolved"][j % 3],
                )
            )
        replies_wanted.append(count - parents)
    top_level = _bulk(Comment, top_level, out, "comments")
    parents_of: dict[int, list[Comment]] = {}
    for c in top_level:
        parents_of.setdefault(c.mission_id, []).append(c)
    _bulk(
        Comment,
        (
            Comment(
                mission=m,
                target_type=parent.target_type,
                target_id=parent.target_id,
                parent=parent,
                author_id=commenters[m.pk][0],
                body=f"Reply {j}: see the latest round.",
                is_official=j % 2 == 0,
            )
            for m, count in zip(missions, replies_wanted, strict=True)
            for j in range(count)
            for parent in [parents_of[m.pk][j % len(parents_of[m.pk])]]
        ),
        out,
        "replies",
    )

    forms = []
    rated = [b for b in plans[large.pk] if b.kind == "rating"]
    forms.append(_form_with_questions(large, "Community perception survey", rated[0]))
    for m in missions[1 : 1 + scale.other_forms]:
        forms.append(_form_with_questions(m, "Perception survey", None))
    # A form of the large mission kept for the public POST benchmark, so the results form's
    # count stays the seeded one however many times the benchmark runs.
    _form_with_questions(large, "Public answers (benchmark)", None)
    counts = [scale.submissions - scale.other_form_submissions * (len(forms) - 1)]
    counts += [scale.other_form_submissions] * (len(forms) - 1)
    first = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    seconds = int((timezone.make_aware(datetime.datetime(2026, 11, 1)) - first).total_seconds())
    submission_kinds = ["", *kinds]
    number = 0
    for (form, questions), count in zip(forms, counts, strict=True):
        for offset in range(0, count, BATCH):
            rows = []
            for j in range(offset, min(count, offset + BATCH)):
                rows.append(
                    FeedbackSubmission(
                        form=form,
                        submitted_at=first + datetime.timedelta(seconds=seconds * j // count),
                        answers=_answers(rng, questions),
                        stakeholder_kind=submission_kinds[j % len(submission_kinds)],
                        receipt=_receipt(number),
                    )
                )
                number += 1
            FeedbackSubmission.objects.bulk_create(rows)
        _say(out, f"  submissions on {form.mission.code}: {count:,}")

    # Readiness history: real figures for the newest dates, oldest first.
    for months_back in range(scale.snapshots - 1, -1, -1):
        as_of = AS_OF - datetime.timedelta(days=30 * months_back)
        assessment_services.readiness_snapshot_create(mission=large, as_of=as_of)
        if len(missions) > 1 and months_back < 3:
            assessment_services.readiness_snapshot_create(mission=missions[1], as_of=as_of)
    _say(out, f"  readiness snapshots: {ReadinessSnapshot.objects.count():,}")
    if connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would give a real database after such a load:
        # without them the planner takes the new tables for empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return large

"""factory_boy factories: plain rows for arranging tests (services where behaviour matters)."""

import datetime
from decimal import Decimal

import factory

from accounts.models import User
from assessments.models import Assessment, Score
from missions.models import Benchmark, HandoverItem, Membership, Mission, Objective, Phase
from stakeholders.models import Consultation, Contact, FeedbackForm, Stakeholder


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    code = factory.Sequence(lambda n: f"mission-{n}")
    name = factory.Sequence(lambda n: f"Mission {n}")
    country = "ML"
    timezone = "Africa/Bamako"
    mandate_start = datetime.date(2013, 7, 1)
    planned_exit = datetime.date(2027, 12, 31)
    status = Mission.Status.ACTIVE


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    mission = factory.SubFactory(MissionFactory)
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Stakeholder.Kind.NGO


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    stakeholder = factory.SubFactory(StakeholderFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    mission = factory.SubFactory(MissionFactory)
    role = "staff"


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    mission = factory.SubFactory(MissionFactory)
    order = factory.Sequence(lambda n: n + 1)
    kind = Phase.Kind.IMPLEMENTATION
    name = factory.Sequence(lambda n: f"Phase {n}")
    gate_threshold = 50


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    mission = factory.SubFactory(MissionFactory)
    order = factory.Sequence(lambda n: n)
    category = "security"
    title = factory.Sequence(lambda n: f"Objective {n}")
    weight = Decimal("1")


class BenchmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Benchmark

    objective = factory.SubFactory(ObjectiveFactory)
    mission = factory.SelfAttribute("objective.mission")
    order = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"bm-{n}")
    title = factory.Sequence(lambda n: f"Benchmark {n}")
    kind = Benchmark.Kind.QUANTITATIVE
    baseline = Decimal("0")
    target = Decimal("100")
    weight = Decimal("1")
    frequency_days = 90


class HandoverItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandoverItem

    mission = factory.SubFactory(MissionFactory)
    function = factory.Sequence(lambda n: f"Function {n}")


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    mission = factory.SubFactory(MissionFactory)
    as_of = datetime.date(2026, 6, 30)
    kind = "joint"
    method = Assessment.Method.FIELD_VISIT
    author = factory.SubFactory(UserFactory)


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    assessment = factory.SubFactory(AssessmentFactory)
    benchmark = factory.SubFactory(
        BenchmarkFactory, objective__mission=factory.SelfAttribute("...assessment.mission")
    )
    value = Decimal("50")


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    mission = factory.SubFactory(MissionFactory)
    kind = Consultation.Kind.MEETING
    title = factory.Sequence(lambda n: f"Consultation {n}")
    starts_at = datetime.datetime(2026, 12, 1, 9, tzinfo=datetime.UTC)
    ends_at = datetime.datetime(2026, 12, 1, 11, tzinfo=datetime.UTC)
    timezone = "Africa/Bamako"


class FeedbackFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackForm

    mission = factory.SubFactory(MissionFactory)
    title = factory.Sequence(lambda n: f"Form {n}")

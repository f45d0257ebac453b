"""Feedback forms over the API: forms and their questions, submissions, results, public links.

Who sees what: every member sees published and closed forms; drafts, the public link,
individual submissions and text answers only those with manage_feedback. Results without
manage_feedback withhold any group of fewer than five answers.
"""

from functools import cached_property

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.serializers import AssessmentSerializer, BenchmarkCodeField
from assessments.models import Assessment, Score
from exitplan.api import (
    CursorPagination,
    IsoDateTimeFilter,
    UpdatedAfterFilter,
    UserRefField,
    if_match_version,
    reject_unknown_fields,
    with_etag,
)
from exitplan.errors import Conflict
from exitplan.viewsets import MissionScopedViewSet
from stakeholders import services
from stakeholders.feedback_selectors import feedback_form_questions, results_are_full
from stakeholders.models import FeedbackForm, FeedbackSubmission, Question, Stakeholder
from stakeholders.public import (
    PublicFormThrottle,
    public_answer,
    public_form_by_token,
    public_link,
)

TIMESTAMPS = ["version", "created_at", "updated_at"]
QUESTIONS = Prefetch(
    "questions", queryset=Question.objects.select_related("benchmark").order_by("order", "id")
)


class QuestionSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False, help_text="Leave out for a new question; give it to keep or change one."
    )
    choices = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Required and non-empty for choice questions; empty for the others.",
    )
    benchmark = BenchmarkCodeField(
        required=False,
        allow_null=True,
        help_text="The code of a rating benchmark of this mission; scale questions only.",
    )

    class Meta:
        model = Question
        fields = ["id", "order", "kind", "label", "required", "choices", "benchmark"]
        extra_kwargs = {"kind": {"required": False}, "label": {"required": False}}


FEEDBACK_FORM = {
    "title": "Perception survey: security in South Kivu",
    "intro": "Ten questions, five minutes. Answers are anonymous.",
    "language": "fr",
    "opens_at": "2026-12-01T00:00:00Z",
    "closes_at": "2027-01-31T23:59:00Z",
    "allow_anonymous": True,
}
FEEDBACK_QUESTION = {
    "order": 1,
    "kind": "scale",
    "label": "How safe do you feel travelling to the market?",
    "required": True,
    "choices": [],
    "benchmark": "bm-sec-armed-group-violence",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A perception survey",
            value={**FEEDBACK_FORM, "questions": [FEEDBACK_QUESTION]},
            request_only=True,
        ),
        OpenApiExample(
            "A perception survey",
            description="`public_url` only for callers with manage_feedback.",
            value={
                "id": 3,
                **FEEDBACK_FORM,
                "status": "draft",
                "questions": [{"id": 9, **FEEDBACK_QUESTION}],
                "public_url": "https://exitplan.example.org/api/v1/public/forms/Xq3v9Jm2/",
                "version": 1,
                "created_at": "2026-11-20T14:03:00Z",
                "updated_at": "2026-11-20T14:03:00Z",
            },
            response_only=True,
        ),
    ]
)
class FeedbackFormSerializer(serializers.ModelSerializer):
    questions = QuestionSerializer(
        many=True,
        required=False,
        help_text=(
            "When present, the whole set (matched by id; without id: new; missing: removed). "
            "Questions change only while the form is a draft (409 otherwise)."
        ),
    )
    public_url = serializers.SerializerMethodField(
        help_text="The public link's API address; only for callers with manage_feedback."
    )

    class Meta:
        model = FeedbackForm
        fields = [
            "id",
            "title",
            "intro",
            "language",
            "status",
            "opens_at",
            "closes_at",
            "allow_anonymous",
            "questions",
            "public_url",
            *TIMESTAMPS,
        ]
        read_only_fields = ["status", *TIMESTAMPS]

    def get_public_url(self, form) -> str:
        path = reverse("feedback-public-form", args=[form.public_token])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def to_representation(self, form):
        data = super().to_representation(form)
        access = self.context.get("access")
        if access is None or not access.has("manage_feedback"):
            data.pop("public_url", None)
        return data


class FeedbackFormFilter(filters.FilterSet):
    class Meta:
        model = FeedbackForm
        fields = ["status", "language", "allow_anonymous"]


class SubmissionSerializer(serializers.ModelSerializer):
    user = UserRefField(read_only=True, help_text="The partner who answered; null when public.")

    class Meta:
        model = FeedbackSubmission
        fields = [
            "id",
            "form",
            "submitted_at",
            "answers",
            "stakeholder_kind",
            "user",
            "name",
            "organisation",
            "receipt",
        ]
        read_only_fields = fields


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text=(
            "Question id → answer: text, one of the choices, a list of choices, or a whole "
            "number from 1 to 5."
        )
    )


class PublicSubmissionSerializer(AnswersSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default=""
    )
    stakeholder_kind = serializers.ChoiceField(
        choices=Stakeholder.Kind.choices, required=False, allow_blank=True, default=""
    )
    website = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Leave empty (a field people never see; whatever fills it is not a person).",
    )


class SubmissionFilter(filters.FilterSet):
    stakeholder_kind = filters.ChoiceFilter(choices=Stakeholder.Kind.choices)
    submitted_after = IsoDateTimeFilter(
        field_name="submitted_at", lookup_expr="gt", label="Submitted strictly after (ISO 8601)."
    )
    submitted_before = IsoDateTimeFilter(
        field_name="submitted_at", lookup_expr="lt", label="Submitted strictly before (ISO 8601)."
    )

    class Meta:
        model = FeedbackSubmission
        fields = ["stakeholder_kind"]


class PerceptionSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="The new round's date; answers up to its end count.")
    question = serializers.IntegerField(help_text="A scale question that feeds a rating benchmark.")


RESULTS = inline_serializer(
    "FeedbackResults",
    {
        "form": serializers.IntegerField(),
        "total": serializers.IntegerField(allow_null=True),
        "withheld": serializers.BooleanField(),
        "questions": serializers.ListField(
            child=serializers.DictField(),
            help_text=(
                "Per question: id, order, kind, label, count, withheld; choices "
                "[{choice, count, withheld}] for choice questions; distribution {'1'..'5'} "
                "and mean for scales; answers (the texts of the newest 100 submissions) for "
                "text questions, managers only. Without manage_feedback, a group of fewer "
                "than 5 answers shows null instead of its number."
            ),
        ),
    },
)


RESULTS_FILTERS = [
    OpenApiParameter("stakeholder_kind", enum=Stakeholder.Kind.values),
    OpenApiParameter(
        "submitted_after", OpenApiTypes.DATETIME, description="Submitted strictly after."
    ),
    OpenApiParameter(
        "submitted_before", OpenApiTypes.DATETIME, description="Submitted strictly before."
    ),
]


class FeedbackFormViewSet(MissionScopedViewSet):
    """A mission's feedback forms with their questions; drafts only for manage_feedback."""

    search_fields = ("title", "intro")

    queryset = FeedbackForm.objects.prefetch_related(QUESTIONS)
    serializer_class = FeedbackFormSerializer
    filterset_class = FeedbackFormFilter
    ordering = ("id",)
    ordering_fields = ("id", "title", "opens_at", "closes_at", "created_at", "updated_at")
    mission_permissions = {
        "create": "manage_feedback",
        "update": "manage_feedback",
        "partial_update": "manage_feedback",
        "destroy": "manage_feedback",
        "publish": "manage_feedback",
        "close": "manage_feedback",
        "rotate_link": "manage_feedback",
        "record_perception": "manage_feedback",
        "results": "view_feedback_results",
    }

    def get_queryset(self):
        forms = super().get_queryset()
        if not self.access.has("manage_feedback"):
            forms = forms.exclude(status=FeedbackForm.Status.DRAFT)
        return forms

    def filter_queryset(self, queryset):
        # The list's filters; an action's query string (results' filters) is not about forms.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def perform_service_create(self, data):
        questions = data.pop("questions", None)
        return services.feedback_form_create(
            actor=self.request.user, mission=self.mission, questions=questions, **data
        )

    def perform_service_update(self, obj, data, version):
        questions = data.pop("questions", None)
        return services.feedback_form_update(
            actor=self.request.user, form=obj, data=data, questions=questions, version=version
        )

    def perform_service_destroy(self, obj, version):
        services.feedback_form_delete(actor=self.request.user, form=obj, version=version)

    def _transition(self, request, service):
        form = self.get_object()
        version = if_match_version(request, form)
        service(actor=request.user, form=form, version=version)
        return self.action_response(form)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        """Publish a draft form (it needs a question): its link and partners may answer it."""
        return self._transition(request, services.feedback_form_publish)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        """Close a published form: no more answers; the results stay."""
        return self._transition(request, services.feedback_form_close)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="rotate-link")
    def rotate_link(self, request, *args, **kwargs):
        """Give the form a new public link; the old one stops working at once."""
        return self._transition(request, services.feedback_form_rotate_link)

    @extend_schema(request=PerceptionSerializer, responses={201: AssessmentSerializer})
    @action(detail=True, methods=["post"], url_path="record-perception")
    def record_perception(self, request, *args, **kwargs):
        """Record a scale question's mean as a submitted perception score (a new round)."""
        return self.idempotent(request, lambda: self._record_perception(request))

    def _record_perception(self, request):
        form = self.get_object()
        if_match_version(request, form)
        data = PerceptionSerializer(data=request.data)
        reject_unknown_fields(data, request.data)
        data.is_valid(raise_exception=True)
        assessment = services.feedback_perception_record(
            actor=request.user,
            form=form,
            question_id=data.validated_data["question"],
            as_of=data.validated_data["as_of"],
        )
        assessment = (
            Assessment.objects.select_related("author", "approved_by")
            .prefetch_related(
                Prefetch("scores", Score.objects.select_related("benchmark").order_by("id"))
            )
            .get(pk=assessment.pk)
        )
        body = AssessmentSerializer(assessment, context=self.get_serializer_context()).data
        return with_etag(Response(body, status=status.HTTP_201_CREATED), assessment)

    @extend_schema(filters=False, parameters=RESULTS_FILTERS, responses={200: RESULTS})
    @action(detail=True, methods=["get"])
    def results(self, request, *args, **kwargs):
        """Aggregates per question, filterable like the submissions."""
        # The questions with their form in one query; a form without any, on its own.
        try:  # read as get_object reads it (int(), which takes any Unicode digits)
            pk = int(kwargs["pk"])
        except ValueError:
            pk = 0
        if not 0 < pk < 2**63:
            pk = 0  # no form: get_object answers 404
        form, questions = feedback_form_questions(access=self.access, pk=pk)
        form = form or self.get_object()
        scope = services.SubmissionScope()
        if request.query_params:
            filters = SubmissionFilter(
                request.query_params, queryset=FeedbackSubmission.objects.none(), request=request
            )
            if not filters.is_valid():
                raise serializers.ValidationError(filters.errors)
            data = filters.form.cleaned_data
            scope = services.SubmissionScope(
                kind=data.get("stakeholder_kind") or None,
                after=data.get("submitted_after"),
                until=data.get("submitted_before"),
            )
        return Response(
            services.feedback_results(
                form=form, scope=scope, full=results_are_full(self.access), questions=questions
            )
        )


class SubmissionPagination(CursorPagination):
    ordering = ("-submitted_at", "-id")


class FeedbackSubmissionViewSet(MissionScopedViewSet):
    """A form's submissions: read by managers; partners POST their own answer here."""

    queryset = FeedbackSubmission.objects.select_related("user")
    serializer_class = SubmissionSerializer
    pagination_class = SubmissionPagination
    filter_backends = [UpdatedAfterFilter, DjangoFilterBackend]
    filterset_class = SubmissionFilter
    moment_field = "submitted_at"
    mission_lookup = "form__mission"
    http_method_names = ["get", "post", "head", "options"]
    mission_permissions = {
        "list": "manage_feedback",
        "retrieve": "manage_feedback",
        "create": "submit_feedback",
    }

    @cached_property
    def form(self) -> FeedbackForm:
        forms = FeedbackForm.objects.filter(mission=self.mission)
        if not self.access.has("manage_feedback"):
            forms = forms.exclude(status=FeedbackForm.Status.DRAFT)
        return get_object_or_404(forms.select_related("mission"), pk=self.kwargs["form_pk"])

    def get_queryset(self):
        return super().get_queryset().filter(form=self.form)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=AnswersSerializer, responses={201: SubmissionSerializer})
    def create(self, request, *args, **kwargs):
        """Answer a published, open form as oneself (partners)."""
        return super().create(request, *args, **kwargs)

    def create_response(self, request) -> Response:
        data = AnswersSerializer(data=request.data)
        reject_unknown_fields(data, request.data)
        data.is_valid(raise_exception=True)
        submission = services.feedback_submission_create(
            form=self.form,
            answers=data.validated_data["answers"],
            user=request.user,
            membership=self.access.membership,
        )
        body = self.get_serializer(submission).data
        return Response(body, status=status.HTTP_201_CREATED)


# The public link -------------------------------------------------------------------------


class PublicQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "order", "kind", "label", "required", "choices"]
        read_only_fields = fields


class PublicFormSerializer(serializers.ModelSerializer):
    questions = PublicQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = FeedbackForm
        fields = [
            "title",
            "intro",
            "language",
            "allow_anonymous",
            "opens_at",
            "closes_at",
            "questions",
        ]
        read_only_fields = fields


class PublicFormView(APIView):
    """A feedback form behind its public link: GET it, POST an answer; no account needed.

    Answers are throttled per client (scope ``public_form``); no IP address is stored.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "public_form"

    def get_throttles(self):
        return [PublicFormThrottle()] if self.request.method == "POST" else []

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait, detail=_("Too many answers from your network in a short time; try again later.")
        )

    @staticmethod
    def _unknown_link() -> Http404:
        return Http404(
            _(
                "This link does not lead to a form; it may have been replaced. "
                "Ask whoever sent it for the current link."
            )
        )

    def _form(self, token: str) -> FeedbackForm:
        form = public_form_by_token(token)
        if form is None:
            raise self._unknown_link()
        return form

    @extend_schema(
        responses={
            200: PublicFormSerializer,
            404: OpenApiResponse(description="Unknown or replaced link."),
            409: OpenApiResponse(description="Not published, closed, or outside its dates."),
        }
    )
    def get(self, request, token: str):
        form = self._form(token)
        reason = services.feedback_form_closed_reason(form, timezone.now())
        if reason:
            raise Conflict(reason)
        return Response(PublicFormSerializer(form).data)

    @extend_schema(
        request=PublicSubmissionSerializer,
        responses={
            201: inline_serializer("FeedbackReceipt", {"receipt": serializers.CharField()}),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Errors keyed answers.<id>."),
            409: OpenApiResponse(description="Not published, closed, or outside its dates."),
            429: OpenApiResponse(description="Too many answers from this client; Retry-After."),
        },
    )
    def post(self, request, token: str):
        link = public_link(token)
        if link is None:
            raise self._unknown_link()
        data = PublicSubmissionSerializer(data=request.data)
        try:
            reject_unknown_fields(data, request.data)
            data.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            if link.cached and public_link(token, cached=False) is None:
                raise self._unknown_link() from None  # a replaced link is 404 first
            raise
        values = data.validated_data
        submission = public_answer(
            link,
            answers=values["answers"],
            stakeholder_kind=values["stakeholder_kind"],
            name=values["name"],
            organisation=values["organisation"],
            honeypot=values["website"],
        )
        if submission is None:
            raise self._unknown_link()
        return Response({"receipt": submission.receipt}, status=status.HTTP_201_CREATED)

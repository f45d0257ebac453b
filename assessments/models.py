from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exitplan.models import Versioned
from missions.models import DECIMAL, Benchmark, Category, Mission


class Assessment(Versioned):
    """A round of scores as of one date; scores change only while it is a draft."""

    class Kind(models.TextChoices):
        SECURITY = Category.SECURITY.value, Category.SECURITY.label
        POLITICAL = Category.POLITICAL.value, Category.POLITICAL.label
        SOCIOECONOMIC = Category.SOCIOECONOMIC.value, Category.SOCIOECONOMIC.label
        RULE_OF_LAW = Category.RULE_OF_LAW.value, Category.RULE_OF_LAW.label
        HUMANITARIAN = Category.HUMANITARIAN.value, Category.HUMANITARIAN.label
        PROTECTION = Category.PROTECTION.value, Category.PROTECTION.label
        JOINT = "joint", _("Joint")

    class Method(models.TextChoices):
        SURVEY = "survey", _("Survey")
        INTERVIEW = "interview", _("Interview")
        FOCUS_GROUP = "focus_group", _("Focus group")
        FIELD_VISIT = "field_visit", _("Field visit")
        DATASET = "dataset", _("Data set")
        EXPERT_PANEL = "expert_panel", _("Expert panel")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")

    COUNTED = (Status.SUBMITTED, Status.APPROVED)

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("mission")
    )
    as_of = models.DateField(_("as of"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    summary = models.TextField(_("summary"), blank=True)
    label = models.CharField(
        _("label"), max_length=200, blank=True, help_text=_("The data set's name, for imports.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("author"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_assessments",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    returned_reason = models.TextField(_("reason for return"), blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["mission", "-as_of", "-id"]
        indexes = [
            models.Index(fields=["mission", "status", "as_of"], name="assessment_counted"),
            models.Index(fields=["mission", "label", "as_of"], name="assessment_label"),
            # Score lists are ordered by their round's date: walking rounds in that order
            # spares sorting every score of a large mission (77 ms to 0.5 ms, 36,000 scores).
            models.Index(fields=["mission", "-as_of", "id"], name="assessment_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="assessment_approved_has_time",
                violation_error_message=_("An approved round needs its approval time."),
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("author")),
                name="assessment_four_eyes",
                violation_error_message=_("Someone other than the author must approve a round."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.as_of}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


def evidence_path(instance: "Score", filename: str) -> str:
    return f"evidence/{instance.assessment.mission_id}/{instance.assessment_id}/{filename}"


class Score(Versioned):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("assessment")
    )
    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.PROTECT, related_name="scores", verbose_name=_("benchmark")
    )
    value = models.DecimalField(_("value"), null=True, blank=True, **DECIMAL)
    rating = models.DecimalField(
        _("rating"),
        max_digits=6,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("1 (not at all) to 4 (fully)."),
    )
    evidence = models.TextField(_("evidence"), blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    attachment = models.FileField(_("attachment"), upload_to=evidence_path, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["id"]
        indexes = [models.Index(fields=["benchmark", "assessment"], name="score_benchmark")]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "benchmark"],
                name="score_unique_per_assessment_benchmark",
                violation_error_message=_("This round already has a score for this benchmark."),
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=4)),
                name="score_rating_1_4",
                violation_error_message=_("A rating must be between 1 and 4."),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True, rating__isnull=False)
                | Q(value__isnull=False, rating__isnull=True),
                name="score_value_xor_rating",
                violation_error_message=_("Give either a value or a rating, not both or neither."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benchmark.code}: {self.value if self.value is not None else self.rating}"

    @property
    def mission(self) -> Mission:
        return self.assessment.mission

    def clean(self):
        super().clean()
        if not self.benchmark_id:
            return
        if self.benchmark.kind == Benchmark.Kind.QUANTITATIVE and self.value is None:
            raise ValidationError({"value": _("This benchmark is quantitative: give a value.")})
        if self.benchmark.kind == Benchmark.Kind.RATING and self.rating is None:
            raise ValidationError(
                {"rating": _("This benchmark is rated: give a rating from 1 to 4.")}
            )
        if self.assessment_id and self.benchmark.mission_id != self.assessment.mission_id:
            raise ValidationError({"benchmark": _("Choose a benchmark of this mission.")})


class ReadinessSnapshot(models.Model):
    """Append-only: the figures of one computation; the trend and projection read these."""

    mission = models.ForeignKey(
        Mission,
        on_delete=models.CASCADE,
        related_name="readiness_snapshots",
        verbose_name=_("mission"),
    )
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))
    readiness = models.DecimalField(_("readiness"), max_digits=4, decimal_places=1)
    confidence = models.DecimalField(_("confidence"), max_digits=4, decimal_places=3)
    figures = models.JSONField(_("figures"), default=dict)
    # The same figures as the API's JSON text in the resource's key order, encoded once when
    # stored (snapshots never change): the API sends it without parsing. Empty only for a
    # snapshot stored without it (the API then encodes ``figures``); the database default
    # lets code that predates the column go on storing snapshots during a deploy.
    encoded = models.TextField(
        _("encoded figures"), blank=True, default="", db_default="", editable=False
    )

    class Meta:
        verbose_name = _("readiness snapshot")
        verbose_name_plural = _("readiness snapshots")
        ordering = ["-computed_at", "-id"]
        indexes = [
            models.Index(fields=["mission", "-computed_at", "-id"], name="snapshot_latest"),
            models.Index(fields=["mission", "as_of"], name="snapshot_as_of"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(readiness__gte=0) & Q(readiness__lte=100),
                name="snapshot_readiness_0_100",
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="snapshot_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission_id} {self.as_of}: {self.readiness}"

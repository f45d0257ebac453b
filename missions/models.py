import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from exitplan.models import Retirable, Versioned

DECIMAL = {"max_digits": 18, "decimal_places": 4}
POSITIVE_WEIGHT = [MinValueValidator(Decimal("0.0001"), _("The weight must be greater than zero."))]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone; use a name such as Africa/Bamako."),
            params={"value": value},
        )


validate_country = RegexValidator(
    r"^[A-Z]{2}$", _("Use the two capital letters of the ISO 3166 country code, e.g. ML.")
)


class Category(models.TextChoices):
    SECURITY = "security", _("Security")
    POLITICAL = "political", _("Political")
    SOCIOECONOMIC = "socioeconomic", _("Socio-economic")
    RULE_OF_LAW = "rule_of_law", _("Rule of law")
    HUMANITARIAN = "humanitarian", _("Humanitarian")
    PROTECTION = "protection", _("Protection")


class MissionQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status=Mission.Status.CLOSED)

    def visible_to(self, user):
        """The missions a person may see: those where they hold a role (all, for superusers)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(user_grants__user=user, user_grants__permission__codename="view_mission")


class Mission(Versioned):
    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        ACTIVE = "active", _("Active")
        DRAWDOWN = "drawdown", _("Drawdown")
        CLOSED = "closed", _("Closed")

    class ExitApproach(models.TextChoices):
        CONDITIONS_BASED = "conditions_based", _("Conditions-based")
        TIME_BASED = "time_based", _("Time-based")
        HYBRID = "hybrid", _("Hybrid")

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Short name in URLs, e.g. minusma.")
    )
    name = models.CharField(_("name"), max_length=255)
    country = models.CharField(
        _("country"), max_length=2, validators=[validate_country], help_text=_("ISO 3166 alpha-2.")
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    mandate_start = models.DateField(_("mandate start"))
    planned_exit = models.DateField(_("planned exit"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNING
    )
    exit_approach = models.CharField(
        _("exit approach"),
        max_length=20,
        choices=ExitApproach.choices,
        default=ExitApproach.CONDITIONS_BASED,
    )

    objects = MissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["id"]
        # view_mission and change_mission are Django's defaults; the rest is the policy table.
        permissions = [
            ("change_plan", _("Change the transition plan")),
            ("log_assessment", _("Log assessments")),
            ("approve_assessment", _("Approve assessments")),
            ("manage_consultations", _("Manage consultations")),
            ("comment", _("Comment on plan items")),
            ("answer_comments", _("Answer comments")),
            ("endorse_phase", _("Endorse phase gates")),
            ("submit_feedback", _("Submit feedback")),
            ("manage_feedback", _("Manage feedback forms")),
            ("view_feedback_results", _("View feedback results")),
            ("view_history", _("View history")),
            ("view_members", _("View members")),
            ("manage_members", _("Manage members")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_exit__isnull=True) | Q(planned_exit__gte=F("mandate_start")),
                name="mission_exit_after_start",
                violation_error_message=_("The planned exit cannot be before the mandate start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    LIAISON = "liaison", _("Liaison")
    PARTNER = "partner", _("Partner")
    OBSERVER = "observer", _("Observer")


class Membership(Versioned):
    """One person's role in one mission; guardian grants follow it through one service."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("mission")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("The organisation a liaison or partner speaks for."),
        verbose_name=_("stakeholder"),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "mission"],
                name="membership_one_per_person",
                violation_error_message=_("This person is already a member of this mission."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.mission.code}"

    def clean(self):
        super().clean()
        if (
            self.stakeholder_id
            and self.mission_id
            and self.stakeholder.mission_id != self.mission_id
        ):
            raise ValidationError({"stakeholder": _("Choose a stakeholder of this mission.")})


class Phase(Versioned, Retirable):
    class Kind(models.TextChoices):
        STRATEGIC_ASSESSMENT = "strategic_assessment", _("Strategic assessment")
        CONSULTATION = "consultation", _("Consultation")
        IMPLEMENTATION = "implementation", _("Implementation")
        HANDOVER = "handover", _("Handover")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="phases", verbose_name=_("mission")
    )
    order = models.PositiveIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED
    )
    gate_threshold = models.PositiveSmallIntegerField(
        _("gate threshold"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Mission readiness (0–100) needed to open this phase's gate."),
    )
    requires_endorsement = models.BooleanField(
        _("requires endorsement"),
        default=False,
        help_text=_("The gate opens only once a host-government stakeholder endorses it."),
    )

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["mission", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "order"],
                name="phase_order_unique_per_mission",
                violation_error_message=_("Another phase of this mission has this order."),
            ),
            models.CheckConstraint(
                condition=Q(gate_threshold__gte=0) & Q(gate_threshold__lte=100),
                name="phase_threshold_0_100",
                violation_error_message=_("The gate threshold must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="phase_planned_end_after_start",
                violation_error_message=_("The planned end cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(actual_start__isnull=True)
                | Q(actual_end__isnull=True)
                | Q(actual_end__gte=F("actual_start")),
                name="phase_actual_end_after_start",
                violation_error_message=_("The actual end cannot be before the actual start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class Objective(Versioned, Retirable):
    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("mission")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(_("weight"), default=1, validators=POSITIVE_WEIGHT, **DECIMAL)
    target_phase = models.ForeignKey(
        Phase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objectives",
        help_text=_("The phase by whose gate this objective must be met (default: the last)."),
        verbose_name=_("target phase"),
    )

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["mission", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="objective_weight_positive",
                violation_error_message=_("The weight must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if (
            self.target_phase_id
            and self.mission_id
            and self.target_phase.mission_id != self.mission_id
        ):
            raise ValidationError({"target_phase": _("Choose a phase of this mission.")})


class Benchmark(Versioned, Retirable):
    class Kind(models.TextChoices):
        QUANTITATIVE = "quantitative", _("Quantitative")
        RATING = "rating", _("Rating (1–4)")

    objective = models.ForeignKey(
        Objective, on_delete=models.PROTECT, related_name="benchmarks", verbose_name=_("objective")
    )
    # Copied from the objective so that ``code`` can be unique per mission in the database.
    mission = models.ForeignKey(
        Mission,
        on_delete=models.CASCADE,
        related_name="benchmarks",
        editable=False,
        verbose_name=_("mission"),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    code = models.SlugField(
        _("code"), max_length=60, help_text=_("Unique in the mission, e.g. bm-sec-incidents.")
    )
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **DECIMAL)
    target = models.DecimalField(
        _("target"),
        null=True,
        blank=True,
        help_text=_("Below the baseline when lower is better."),
        **DECIMAL,
    )
    weight = models.DecimalField(_("weight"), default=1, validators=POSITIVE_WEIGHT, **DECIMAL)
    frequency_days = models.PositiveIntegerField(
        _("assessment frequency (days)"), default=90, validators=[MinValueValidator(1)]
    )
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("Must be met before exit.")
    )
    data_source = models.TextField(_("data source"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_for",
        verbose_name=_("responsible"),
    )

    class Meta:
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        ordering = ["mission", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "code"],
                name="benchmark_code_unique_per_mission",
                violation_error_message=_("Another benchmark of this mission has this code."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="benchmark_weight_positive",
                violation_error_message=_("The weight must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(frequency_days__gt=0),
                name="benchmark_frequency_positive",
                violation_error_message=_("The assessment frequency must be at least one day."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="quantitative")
                | (Q(baseline__isnull=False) & Q(target__isnull=False)),
                name="benchmark_quantitative_has_baseline_target",
                violation_error_message=_(
                    "A quantitative benchmark needs both a baseline and a target."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    def save(self, *args, **kwargs):
        # Integrity of the copy, not business logic: the copy must never disagree.
        self.mission_id = self.objective.mission_id
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "mission"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.objective_id:
            self.mission_id = self.objective.mission_id
        super().clean()


class HandoverItem(Versioned, Retirable):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        TRANSFERRED = "transferred", _("Transferred")
        REVERTED = "reverted", _("Reverted")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="handover_items", verbose_name=_("mission")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    function = models.CharField(
        _("function"), max_length=255, help_text=_("The responsibility transferred.")
    )
    receiving_stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handover_items",
        verbose_name=_("receiving stakeholder"),
    )
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        ordering = ["mission", "order", "id"]

    def __str__(self) -> str:
        return self.function

    def clean(self):
        super().clean()
        if (
            self.receiving_stakeholder_id
            and self.mission_id
            and self.receiving_stakeholder.mission_id != self.mission_id
        ):
            raise ValidationError(
                {"receiving_stakeholder": _("Choose a stakeholder of this mission.")}
            )


class PhaseEndorsement(Versioned):
    phase = models.ForeignKey(
        Phase, on_delete=models.PROTECT, related_name="endorsements", verbose_name=_("phase")
    )
    stakeholder = models.ForeignKey(
        "stakeholders.Stakeholder",
        on_delete=models.PROTECT,
        related_name="endorsements",
        verbose_name=_("stakeholder"),
    )
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="endorsements",
        verbose_name=_("endorsed by"),
    )
    endorsed_at = models.DateTimeField(_("endorsed at"))
    statement = models.TextField(_("statement"), blank=True)
    readiness = models.DecimalField(_("readiness at endorsement"), max_digits=4, decimal_places=1)
    gate_threshold = models.PositiveSmallIntegerField(_("gate threshold at endorsement"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        verbose_name = _("phase endorsement")
        verbose_name_plural = _("phase endorsements")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "stakeholder"],
                condition=Q(withdrawn_at__isnull=True),
                name="endorsement_one_active_per_stakeholder",
                violation_error_message=_(
                    "This stakeholder has already endorsed this phase; withdraw that first."
                ),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("endorsed_at")),
                name="endorsement_withdrawn_after_endorsed",
                violation_error_message=_("An endorsement cannot be withdrawn before it was made."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.phase} — {self.stakeholder}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class AuditEvent(models.Model):
    """Append-only: who changed what in a mission, with field values before and after."""

    mission = models.ForeignKey(
        Mission,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("mission"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=40)
    target_id = models.BigIntegerField(_("target id"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["mission", "-at", "-id"], name="audit_mission_at"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} #{self.target_id}"


class Subscription(models.Model):
    """Who follows a plan item (and so hears of its comments)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("user"),
    )
    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("mission")
    )
    target_type = models.CharField(_("target type"), max_length=20)
    target_id = models.BigIntegerField(_("target id"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "target_type", "target_id"],
                name="subscription_unique",
                violation_error_message=_("You already follow this item."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.target_type} #{self.target_id}"


class MissionUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct foreign-key grant: joins instead of generic object_pk look-ups."""

    content_object = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="user_grants"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("mission permission of a user")
        verbose_name_plural = _("mission permissions of users")


class MissionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="group_grants"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("mission permission of a group")
        verbose_name_plural = _("mission permissions of groups")

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from exitplan.models import Retirable, Versioned
from missions.models import Benchmark, Mission, Phase, validate_timezone


def new_token() -> str:
    return secrets.token_urlsafe(32)


def default_reminder_offsets() -> list[int]:
    return [168, 24]


class Stakeholder(Versioned, Retirable):
    """An organisation outside the mission, in one mission."""

    class Kind(models.TextChoices):
        HOST_GOVERNMENT = "host_government", _("Host government")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        SECURITY_FORCE = "security_force", _("Security force")
        NGO = "ngo", _("NGO")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        COMMUNITY = "community", _("Community")
        UN_AGENCY = "un_agency", _("UN agency")
        DONOR = "donor", _("Donor")
        REGIONAL_ORG = "regional_org", _("Regional organisation")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="stakeholders", verbose_name=_("mission")
    )
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["mission", "id"]
        constraints = [
            models.UniqueConstraint(
                "mission",
                Lower("name"),
                name="stakeholder_name_unique_per_mission",
                violation_error_message=_("This mission already has a stakeholder of this name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Contact(Versioned, Retirable):
    stakeholder = models.ForeignKey(
        Stakeholder,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("stakeholder"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["stakeholder", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def mission(self) -> Mission:
        return self.stakeholder.mission


class FeedbackForm(Versioned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="feedback_forms", verbose_name=_("mission")
    )
    title = models.CharField(_("title"), max_length=255)
    intro = models.TextField(_("introduction"), blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    allow_anonymous = models.BooleanField(
        _("allow anonymous answers"),
        default=True,
        help_text=_("When off, a public submitter must give a name and organisation."),
    )
    public_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("feedback form")
        verbose_name_plural = _("feedback forms")
        ordering = ["mission", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="feedback_form_closes_after_opens",
                violation_error_message=_("The form must close after it opens."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Question(Versioned):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTI_CHOICE = "multi_choice", _("Multiple choice")
        SCALE = "scale", _("Scale (1–5)")

    form = models.ForeignKey(
        FeedbackForm, on_delete=models.CASCADE, related_name="questions", verbose_name=_("form")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=500)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    benchmark = models.ForeignKey(
        Benchmark,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
        help_text=_("A rating benchmark this scale question feeds."),
        verbose_name=_("benchmark"),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["form", "order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def mission(self) -> Mission:
        return self.form.mission


class FeedbackSubmission(models.Model):
    """Append-only. Nothing about a public submitter is kept beyond what the form asks."""

    form = models.ForeignKey(
        FeedbackForm, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("form")
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    answers = models.JSONField(_("answers"), default=dict)
    stakeholder_kind = models.CharField(
        _("stakeholder kind"), max_length=20, choices=Stakeholder.Kind.choices, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_submissions",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    receipt = models.CharField(_("receipt"), max_length=16, unique=True)

    class Meta:
        verbose_name = _("feedback submission")
        verbose_name_plural = _("feedback submissions")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["form", "-submitted_at", "-id"], name="submission_form_at")]

    def __str__(self) -> str:
        return self.receipt


class Consultation(Versioned):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        WORKSHOP = "workshop", _("Workshop")
        TOWN_HALL = "town_hall", _("Town hall")
        SURVEY_ROUND = "survey_round", _("Survey round")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("mission")
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("phase"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    location = models.CharField(_("location"), max_length=255, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    outcome = models.TextField(_("outcome"), blank=True)
    reminder_offsets = models.JSONField(
        _("reminder offsets (hours before the start)"), default=default_reminder_offsets
    )
    feedback_form = models.ForeignKey(
        FeedbackForm,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("feedback form"),
    )
    sequence = models.PositiveIntegerField(_("sequence"), default=0, editable=False)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["mission", "starts_at", "id"]
        indexes = [models.Index(fields=["mission", "starts_at"], name="consultation_mission_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="consultation_ends_after_start",
                violation_error_message=_("A consultation must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Invitation(Versioned):
    class Rsvp(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        TENTATIVE = "tentative", _("Tentative")
        DECLINED = "declined", _("Declined")

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("consultation"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("contact")
    )
    rsvp = models.CharField(_("RSVP"), max_length=16, choices=Rsvp.choices, default=Rsvp.PENDING)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["consultation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "contact"],
                name="invitation_one_per_contact",
                violation_error_message=_("This contact is already invited."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.consultation}"

    @property
    def mission(self) -> Mission:
        return self.consultation.mission


class Delivery(models.Model):
    """The record that makes one e-mail go out once: claimed with a lease, then marked."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True


class ReminderDelivery(Delivery):
    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        UPDATE = "update", _("Update")
        CANCELLATION = "cancellation", _("Cancellation")
        RESEND = "resend", _("Resend")

    invitation = models.ForeignKey(
        Invitation,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("invitation"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    offset = models.PositiveIntegerField(_("offset (hours)"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)

    class Meta:
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="delivery_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "offset", "sequence"],
                condition=Q(kind="reminder"),
                name="reminder_once_per_offset_sequence",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.invitation}"


class OverdueNotice(Delivery):
    """That an overdue assessment was signalled once for a benchmark in one period."""

    benchmark = models.ForeignKey(
        Benchmark,
        on_delete=models.CASCADE,
        related_name="overdue_notices",
        verbose_name=_("benchmark"),
    )
    period_start = models.DateField(_("period start"))

    class Meta:
        verbose_name = _("overdue notice")
        verbose_name_plural = _("overdue notices")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["benchmark", "period_start"], name="overdue_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.benchmark.code} {self.period_start}"


class Comment(Versioned):
    class TargetType(models.TextChoices):
        PHASE = "phase", _("Phase")
        OBJECTIVE = "objective", _("Objective")
        BENCHMARK = "benchmark", _("Benchmark")
        HANDOVER_ITEM = "handover_item", _("Handover item")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        RESOLVED = "resolved", _("Resolved")

    mission = models.ForeignKey(
        Mission, on_delete=models.CASCADE, related_name="comments", verbose_name=_("mission")
    )
    target_type = models.CharField(_("on"), max_length=20, choices=TargetType.choices)
    target_id = models.BigIntegerField(_("target id"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("parent"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="comments",
        verbose_name=_("author"),
    )
    body = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    is_official = models.BooleanField(_("official answer"), default=False)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["mission", "target_type", "target_id"], name="comment_target"),
            models.Index(fields=["mission", "-created_at", "-id"], name="comment_mission_at"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class FeedbackTally(models.Model):
    """A form's counts of answers up to the end of one UTC day, kept to read results fast.

    ``counts`` maps a stakeholder kind ("" when none was given) to the counts of the rolled
    up submissions of that kind sent before the day after ``day`` (cumulative, so the counts
    of any run of whole days are two rows apart): "total", and per question those of
    ``services.feedback_tallies`` ("q12" answered, "q12c0" a choice, "q12v3" a scale value).
    Derived data: rebuilt from the submissions whenever in doubt (DESIGN.md).
    """

    form = models.ForeignKey(
        FeedbackForm, on_delete=models.CASCADE, related_name="tallies", verbose_name=_("form")
    )
    day = models.DateField(_("day (UTC)"))
    counts = models.JSONField(_("counts"), default=dict)

    class Meta:
        verbose_name = _("feedback tally")
        verbose_name_plural = _("feedback tallies")
        ordering = ["form", "day"]
        constraints = [
            models.UniqueConstraint(fields=["form", "day"], name="feedback_tally_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.day}"


class FeedbackTallyMark(models.Model):
    """How far a form's tallies go: every submission sent before ``until``, no other.

    ``questions`` fingerprints the questions the tallies were counted for; tallies of other
    questions are ignored and rebuilt.
    """

    form = models.OneToOneField(
        FeedbackForm,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="tally_mark",
        verbose_name=_("form"),
    )
    until = models.DateTimeField(_("counted until"), null=True, blank=True)
    questions = models.CharField(_("questions fingerprint"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("feedback tally mark")
        verbose_name_plural = _("feedback tally marks")

    def __str__(self) -> str:
        return f"{self.form_id} < {self.until}"

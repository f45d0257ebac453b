from django.contrib import admin, messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from exitplan.admin import ReadOnlyInline
from missions.models import Membership

from .models import ApiToken, User
from .tokens import api_token_revoke


def _email_taken(form, email: str) -> bool:
    others = User.objects.filter(email__iexact=User.objects.normalize_email(email))
    if form.instance.pk is not None:
        others = others.exclude(pk=form.instance.pk)
    return others.exists()


class UserCreationForm(auth_forms.BaseUserCreationForm):
    """Create a person from an e-mail address, a name and a password typed twice."""

    class Meta:
        model = User
        fields = ("email", "name")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if _email_taken(self, email):
            raise ValidationError(
                _("A user with this e-mail address already exists."), code="unique"
            )
        return email


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {}

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if _email_taken(self, email):
            raise ValidationError(
                _("A user with this e-mail address already exists."), code="unique"
            )
        return email


class MembershipInline(ReadOnlyInline):
    """The person's roles, one per mission; they change through the mission's members."""

    model = Membership
    fk_name = "user"
    fields = ("mission", "role", "stakeholder", "created_at")
    readonly_fields = fields
    verbose_name_plural = _("roles in missions")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mission", "stakeholder", "user")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin for a person signed in by e-mail (there is no username)."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "name", "language", "is_staff", "is_superuser", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "language", "groups")
    search_fields = ("email", "name")
    ordering = ("email",)
    date_hierarchy = "date_joined"
    inlines = [MembershipInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Deleting a person would drop their memberships around the membership service
        # (no audit, no last-admin rule) and is refused by what they authored: deactivate.
        return False


class TokenStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("usable", _("Usable")), ("revoked", _("Revoked")), ("expired", _("Expired"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "usable":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owner (the key is shown once); here they are only revoked.

    ``key_hash`` is never shown: it is not the key, but nothing needs to see it.
    """

    list_display = (
        "name",
        "user",
        "read_only",
        "is_usable_now",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (TokenStateFilter, "read_only")
    list_select_related = ("user",)
    search_fields = ("name", "user__email", "user__name")
    date_hierarchy = "created_at"
    fields = (
        "user",
        "name",
        "read_only",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = fields
    actions = ["revoke_selected"]

    @admin.display(boolean=True, description=_("usable"))
    def is_usable_now(self, token: ApiToken) -> bool:
        return token.is_usable(timezone.now())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return super().has_change_permission(request)

    @admin.action(description=_("Revoke selected API tokens"), permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        count = len(tokens)
        messages.success(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", count)
            % {"count": count},
        )

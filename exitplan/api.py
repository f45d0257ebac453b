"""What every API endpoint shares: problem details, pagination, ETags and If-Match."""

import copy
import datetime
import re
from collections.abc import Mapping
from operator import attrgetter
from typing import NamedTuple

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, serializers, status, throttling
from rest_framework.filters import BaseFilterBackend
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings

from .errors import Conflict, StaleVersion

PROBLEM = "application/problem+json"


def etag(obj) -> str:
    return f'"v{obj.version}"'


def with_etag(response: Response, obj) -> Response:
    response["ETag"] = etag(obj)
    return response


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "This change needs an If-Match header with the object's ETag; GET it first."
    default_code = "precondition_required"


_TAG = re.compile(r'^\s*(?:W/)?"v(\d+)"\s*$')


def if_match_version(request, obj) -> int:
    """The version the client last read, from If-Match: 428 when absent, 412 when stale.

    ``W/"v3"`` matches like ``"v3"``: proxies and GZipMiddleware weaken tags, and the
    version is the truth. The check is repeated in the service's conditional UPDATE.
    """
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            _("This change needs an If-Match header with the object's ETag; GET it first.")
        )
    versions = [_TAG.match(part) for part in header.split(",")]
    if header.strip() == "*":
        return obj.version
    if any(m and int(m.group(1)) == obj.version for m in versions):
        return obj.version
    raise StaleVersion(obj.version)


def problem(status_code: int, detail, *, title: str | None = None, **extra) -> Response:
    from http import HTTPStatus

    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": str(detail),
        **extra,
    }
    return Response(body, status=status_code, content_type=PROBLEM)


def _errors(detail) -> dict:
    """DRF's nested error detail as field → list of messages, nested fields as a[2].b."""
    flat: dict[str, list[str]] = {}

    def walk(value, prefix):
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, int):  # a ListSerializer reports its items by index
                    walk(item, f"{prefix}[{key}]")
                else:
                    walk(item, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, item in enumerate(value):
                if item:
                    walk(item, f"{prefix}[{index}]")
        else:
            items = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in items)

    walk(detail, "")
    return flat


def exception_handler(exc, context):
    """Every error under /api/ as RFC 9457 problem details."""
    # DRF's views not at the top: they read their settings, which name this module, as they load.
    from django.core.exceptions import RequestDataTooBig
    from rest_framework import views

    if isinstance(exc, RequestDataTooBig):
        return problem(
            413,
            _("The request body is larger than this server accepts; send less at a time."),
        )
    if isinstance(exc, StaleVersion):
        response = problem(412, exc)
        response["ETag"] = f'"v{exc.current_version}"'
        return response
    if isinstance(exc, Conflict):
        return problem(409, exc.detail)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        if NON_FIELD_ERRORS in detail:
            detail["non_field_errors"] = detail.pop(NON_FIELD_ERRORS)
        return problem(400, _("The request has invalid fields."), errors=_errors(detail))
    if isinstance(exc, DjangoPermissionDenied):
        extra = {}
        if getattr(exc, "allowed_roles", None):
            extra["allowed_roles"] = exc.allowed_roles
        return problem(403, exc.args[0] if exc.args else _("Permission denied."), **extra)
    if isinstance(exc, Http404):
        return problem(404, exc.args[0] if exc.args else _("Not found."))
    response = views.exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = problem(400, _("The request has invalid fields."), errors=_errors(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = problem(response.status_code, detail)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            body[header] = response[header]
    return body


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class CursorPagination(pagination.CursorPagination):
    """For lists that grow (scores, comments, submissions, history): newest first, stable."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")


def utc_or_400(moment: datetime.datetime, name: str) -> datetime.datetime:
    """An aware moment in UTC. PostgreSQL refuses UTC offsets beyond ±15:59 (``+16:30`` is
    valid ISO 8601), and the first hours of year 1 or the last of 9999 overflow: 400."""
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        raise exceptions.ValidationError({name: [_("This moment is out of range.")]}) from None


class _UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        try:
            return value.astimezone(datetime.UTC) if value is not None else None
        except OverflowError:
            raise forms.ValidationError(_("This moment is out of range.")) from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 filter, in UTC (see utc_or_400)."""

    field_class = _UtcIsoDateTimeField


class UpdatedAfterFilter(BaseFilterBackend):
    """``?updated_after=<ISO 8601>``: rows changed strictly after that moment.

    Append-only records filter on their moment (``view.moment_field``). Deletions do not
    show here; a client resyncs.
    """

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get("updated_after")
        if raw is None:
            return queryset
        try:
            moment = parse_datetime(raw.replace(" ", "+"))
        except ValueError:  # well formed, but no moment: 30 February, an offset of 24 h
            moment = None
        if moment is None:
            try:
                day = datetime.date.fromisoformat(raw)
            except ValueError:
                raise exceptions.ValidationError(
                    {
                        "updated_after": [
                            _("Give a date and time in ISO 8601, e.g. 2026-11-25T10:00:00Z.")
                        ]
                    }
                ) from None
            moment = datetime.datetime.combine(day, datetime.time.min)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        moment = utc_or_400(moment, "updated_after")
        field = getattr(view, "moment_field", "updated_at")
        return queryset.filter(**{f"{field}__gt": moment})

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "updated_after",
                "required": False,
                "in": "query",
                "description": "Only rows changed strictly after this moment (ISO 8601).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


# DRF fields whose output depends on the value alone (not on the request, the context or
# the serializer): ListedFieldsMixin builds them once per serializer class. A project field
# says the same with ``context_free = True``.
_CONTEXT_FREE_FIELDS = frozenset(
    getattr(serializers, name)
    for name in (
        *("BigIntegerField", "BooleanField", "CharField", "ChoiceField", "DateField"),
        *("DateTimeField", "DecimalField", "EmailField", "FloatField", "IntegerField"),
        *("JSONField", "SlugField", "URLField", "UUIDField"),
    )
    if hasattr(serializers, name)  # BigIntegerField: DRF 3.16 and later
)
# Where DRF's to_representation is exactly a builtin, the builtin (no Python frame per value).
_BUILTIN_SHOW = {serializers.IntegerField: int, serializers.CharField: str}
_ROW_PLANS: dict = {}


def _identity(value):
    return value


def _moment_show(field: serializers.DateTimeField):
    """``field.to_representation`` for aware datetimes in ISO 8601 (the list's moments): DRF's
    steps (into the field's time zone, isoformat, ``Z`` for UTC) in one frame; any other
    value, format or zone takes DRF's own method."""
    zone = field.timezone
    if zone is None or getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return field.to_representation

    def show(value):
        if type(value) is datetime.datetime and value.utcoffset() is not None:
            try:
                text = value.astimezone(zone).isoformat()
            except OverflowError:
                return field.to_representation(value)
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return field.to_representation(value)

    return show


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds no form when no parameter names one of its filters.

    Without such a parameter every filter gets an empty value and leaves the rows as they
    are: the form (a field per filter, validated) would cost a list request ~0.3 ms for
    nothing. A parameter counts when it starts with a filter's name (``as_of_after``).
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = tuple(filterset_class.base_filters)
        if not any(param.startswith(names) for param in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ListedFieldsMixin:
    # For serializers of long lists: DRF finds the readable fields again, through a generator
    # over its field mapping, for every row shown; here they are listed once per serializer
    # instance (so still bound to this request's context). Their moments are shown in the
    # current time zone, read once here rather than twice a row. The output is DRF's own.
    #
    # Rows (model instances, or dicts from .values()) are written by a plan: per field, how
    # to read it and how to show it. Fields that depend on nothing but the value (plain
    # columns, ids of related rows) are built once per class and time zone, not per request;
    # the others (e.g. a person shown by the caller's rights) are bound to this serializer.
    # A row the plan cannot read (a callable, a missing attribute) takes DRF's own path.
    # (A comment, not a docstring: drf-spectacular would describe every serializer with it.)

    @cached_property
    def _readable_fields(self) -> tuple:
        fields = tuple(field for field in self.fields.values() if not field.write_only)
        for field in fields:
            if isinstance(field, serializers.DateTimeField) and not hasattr(field, "timezone"):
                field.timezone = field.default_timezone()
        return fields

    @classmethod
    def _class_row_plan(cls) -> tuple:
        """(name, key in a dict, read an object, show) per readable field; show None: bind."""
        key = (cls, timezone.get_current_timezone_name())
        if key not in _ROW_PLANS:
            model = getattr(getattr(cls, "Meta", None), "model", None)
            plan = []
            for field in cls()._readable_fields:
                name, source = field.field_name, field.source
                plain = "." not in source and source != "*"
                if plain and type(field) is serializers.PrimaryKeyRelatedField:
                    try:
                        attname = model._meta.get_field(source).attname
                    except (AttributeError, FieldDoesNotExist):  # no model, or not its field
                        attname = None
                    if field.pk_field is None and attname:
                        plan.append((name, source, attrgetter(attname), _identity))
                        continue
                elif plain and (
                    type(field) in _CONTEXT_FREE_FIELDS or getattr(field, "context_free", False)
                ):
                    show = _BUILTIN_SHOW.get(type(field), field.to_representation)
                    if type(field) is serializers.DateTimeField:
                        show = _moment_show(field)
                    plan.append((name, source, attrgetter(source), show))
                    continue
                plan.append((name, None, None, None))
            _ROW_PLANS[key] = tuple(plan)
        return _ROW_PLANS[key]

    @cached_property
    def _row_plan(self) -> tuple:
        plan = []
        for name, key, by_attr, show in self._class_row_plan():
            if show is None:
                declared = self._declared_fields.get(name)
                if declared is None:  # built by ModelSerializer and not context-free
                    return ()
                field = copy.deepcopy(declared)
                field.bind(field_name=name, parent=self)
                if field.source == "*" or "." in field.source:
                    return ()
                key, by_attr = field.source, attrgetter(field.source)
                show = field.to_representation
            plan.append((name, key, by_attr, show))
        return tuple(plan)

    def to_representation(self, instance):
        plan = self._row_plan
        if not plan:
            return super().to_representation(instance)
        by_key = isinstance(instance, Mapping)
        row = {}
        try:
            for name, key, by_attr, show in plan:
                value = instance[key] if by_key else by_attr(instance)
                if value is None:
                    row[name] = None
                elif callable(value):
                    return super().to_representation(instance)
                else:
                    row[name] = show(value)
        except (AttributeError, KeyError):
            return super().to_representation(instance)
        return row


class MissionRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to a row of the same mission; another mission's id is 'not found'."""

    def __init__(self, model, *, mission_path: str = "mission", **kwargs):
        self.model = model
        self.mission_path = mission_path
        super().__init__(**kwargs)

    def get_queryset(self):
        mission = self.context.get("mission")
        rows = self.model._default_manager.all()
        return rows.filter(**{self.mission_path: mission}) if mission else rows.none()


class PersonColumns(NamedTuple):
    """A person read as three columns of a list's rows; UserRefField shows it as a User."""

    pk: int
    name: str
    email: str


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email", "description": "with view_members"},
        },
        "required": ["id", "name"],
    }
)
class UserRefField(serializers.Field):
    """A person as ``{"id", "name"}`` (plus ``email`` for callers with view_members); in: an id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    @cached_property
    def _shows_email(self) -> bool:
        # Once per serializer (its context is the request's), not once per person shown.
        access = self.context.get("access")
        return access is not None and access.has("view_members")

    def to_representation(self, user):
        data = {"id": user.pk, "name": user.name or user.email.split("@")[0]}
        if self._shows_email:
            data["email"] = user.email
        return data

    def to_internal_value(self, value):
        from missions.models import Membership

        pk = value.get("id") if isinstance(value, dict) else value
        mission = self.context.get("mission")
        membership = (
            Membership.objects.select_related("user").filter(mission=mission, user_id=pk).first()
            if isinstance(pk, int)
            else None
        )
        if membership is None:
            raise serializers.ValidationError(_("Give the id of a member of this mission."))
        return membership.user


def reject_unknown_fields(serializer: serializers.BaseSerializer, data) -> None:
    """DRF ignores fields it does not know; a client that misspells one must hear of it."""
    errors: dict[str, list[str]] = {}

    def walk(fields, value, prefix):
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            field = fields.get(key)
            if field is None or field.read_only:
                if field is None:
                    errors[path] = [_("Unknown field.")]
                continue
            child = getattr(field, "child", None)
            if isinstance(field, serializers.ListSerializer) and isinstance(item, list):
                for index, element in enumerate(item):
                    walk(child.fields, element, f"{path}[{index}]")
            elif isinstance(field, serializers.Serializer):
                walk(field.fields, item, path)

    walk(serializer.fields, data, "")
    if errors:
        raise exceptions.ValidationError(errors)


class _LiveRate:
    """Read the rate from the settings on each request (DRF copies them at import time)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRate, throttling.AnonRateThrottle):
    pass


class UserThrottle(_LiveRate, throttling.UserRateThrottle):
    pass

"""What every API endpoint shares: problem details, pagination, ETags and If-Match."""

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Conflict, StaleVersion

PROBLEM = "application/problem+json"


def etag(obj) -> str:
    return f'"v{obj.version}"'


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
        return problem(400, _("The request has invalid fields."), errors=_errors(detail))
    if isinstance(exc, DjangoPermissionDenied):
        extra = {}
        if getattr(exc, "allowed_roles", None):
            extra["allowed_roles"] = exc.allowed_roles
        return problem(403, exc.args[0] if exc.args else _("Permission denied."), **extra)
    if isinstance(exc, Http404):
        return problem(404, exc.args[0] if exc.args else _("Not found."))
    response = drf_exception_handler(exc, context)
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

"""Django's own error answers (handler400/403/404/500): problem details under /api/.

DRF's exception handler covers errors raised inside API views; these cover the rest: a
URL that matches nothing, a body over DATA_UPLOAD_MAX_MEMORY_SIZE read before a view, a
crash. Pages keep Django's HTML answers; the 500 page is a static template that extends
nothing, since base.html may be what is broken.
"""

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

PROBLEM = "application/problem+json"


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _problem(status: int, detail: str, **extra) -> JsonResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        **extra,
    }
    return JsonResponse(body, status=status, content_type=PROBLEM)


def _too_large() -> str:
    return _("The request body is larger than this server accepts; send less at a time.")


def bad_request(request, exception, template_name="400.html"):
    """400, or 413 when the body was over the limit (Django reports that as a bad request)."""
    if isinstance(exception, RequestDataTooBig):
        if _is_api(request):
            return _problem(413, _too_large())
        return HttpResponse(_too_large(), status=413, content_type="text/plain; charset=utf-8")
    if _is_api(request):
        return _problem(400, _("The request could not be understood; check its syntax."))
    return defaults.bad_request(request, exception, template_name)


def permission_denied(request, exception, template_name="403.html"):
    if _is_api(request):
        extra = {}
        if getattr(exception, "allowed_roles", None):
            extra["allowed_roles"] = exception.allowed_roles
        detail = str(exception) if exception and str(exception) else _("Permission denied.")
        return _problem(403, detail, **extra)
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(request, exception, template_name="404.html"):
    if _is_api(request):
        return _problem(
            404,
            _("There is nothing at this address. The API's paths are listed at /api/docs/."),
        )
    return defaults.page_not_found(request, exception, template_name)


def server_error(request, template_name="500.html"):
    if _is_api(request):
        return _problem(
            500,
            _(
                "Something went wrong on our side. Try again later, and tell the mission's "
                "administrator if it persists."
            ),
        )
    return defaults.server_error(request, template_name)

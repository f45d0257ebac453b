"""Every URL under /api/ answers RFC 9457 problem details, Django's own errors included.

Views that fail on purpose live in this module, served through a URLconf that adds them to
the project's (its error handlers are exitplan.urls' own).
"""

import sys

import pytest
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny

from exitplan.urls import handler400, handler403, handler404, handler500  # noqa: F401
from missions.access import AccessDenied
from missions.models import Mission
from tests.factories import UserFactory

PROBLEM = "application/problem+json"


def crash(request):
    raise RuntimeError("boom")


@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_crash(request):
    raise RuntimeError("boom")


def forbidden(request):
    raise AccessDenied("change_plan")


def suspicious(request):
    raise SuspiciousOperation("bad")


def bad(request):
    raise BadRequest("bad")


def reads_the_form(request):
    return HttpResponse(str(len(request.POST)))


urlpatterns = [
    path("api/v1/test/crash/", crash),
    path("api/v1/test/drf-crash/", api_crash),
    path("api/v1/test/forbidden/", forbidden),
    path("api/v1/test/suspicious/", suspicious),
    path("api/v1/test/bad/", bad),
    path("api/v1/test/form/", reads_the_form),
    path("test/crash/", crash),
    path("test/forbidden/", forbidden),
    path("test/form/", reads_the_form),
    path("", include("exitplan.urls")),
]

failing_views = override_settings(ROOT_URLCONF=sys.modules[__name__])


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def signed_in(client, db):
    client.force_login(UserFactory())
    return client


# 404 and 405


@pytest.mark.parametrize(
    "path",
    ["/api/v1/no-such-thing/", "/api/nothing", "/api/v1/missions/x/no-such-resource/"],
)
def test_an_unknown_api_path_is_a_problem_404(signed_in, path):
    body = assert_problem(signed_in.get(path), 404)

    assert "/api/docs/" in body["detail"]


def test_an_unknown_page_is_still_an_html_404(signed_in):
    response = signed_in.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_an_endpoint_does_not_take_is_a_problem_405(signed_in):
    response = signed_in.delete("/api/v1/missions/")

    assert_problem(response, 405)
    assert "GET" in response["Allow"]


# 413


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_body_over_the_limit_is_a_problem_413(client, db):
    client.force_login(UserFactory(is_staff=True))  # may create missions: the body is read
    body = '{"name": "' + "x" * 2000 + '"}'

    response = client.post("/api/v1/missions/", body, content_type="application/json")

    assert_problem(response, 413)


# 415


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_form_encoded_body_is_a_problem_415_and_creates_nothing(client, db, content_type):
    client.force_login(UserFactory(is_staff=True))
    body = "code=alpha&name=Alpha" if "urlencoded" in content_type else {"code": "alpha"}
    kwargs = {"content_type": content_type} if "urlencoded" in content_type else {}

    response = client.post("/api/v1/missions/", body, **kwargs)

    problem = assert_problem(response, 415)
    assert "Unsupported media type" in problem["detail"]
    assert not Mission.objects.exists()


@failing_views
@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_body_over_the_limit_read_outside_drf_is_413(client):
    big = "name=" + "x" * 2000
    form = "application/x-www-form-urlencoded"

    api = client.post("/api/v1/test/form/", big, content_type=form)
    page = client.post("/test/form/", big, content_type=form)

    assert_problem(api, 413)
    assert page.status_code == 413
    assert not page["Content-Type"].startswith(PROBLEM)


# 500, 400, 403 from outside DRF's views


@failing_views
@pytest.mark.parametrize("path", ["/api/v1/test/crash/", "/api/v1/test/drf-crash/"])
def test_a_crash_under_api_is_a_problem_500(client, path):
    client.raise_request_exception = False

    body = assert_problem(client.get(path), 500)

    assert "boom" not in body["detail"]


@failing_views
def test_a_crashed_page_is_the_static_html_500(client):
    client.raise_request_exception = False

    response = client.get("/test/crash/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in response.content


@failing_views
@pytest.mark.parametrize("path", ["/api/v1/test/suspicious/", "/api/v1/test/bad/"])
def test_a_bad_request_under_api_is_a_problem_400(client, path):
    assert_problem(client.get(path), 400)


@failing_views
def test_a_permission_denied_under_api_is_a_problem_403_naming_roles(client):
    body = assert_problem(client.get("/api/v1/test/forbidden/"), 403)

    assert body["allowed_roles"] == ["admin", "staff"]


@failing_views
def test_a_permission_denied_page_is_still_html(signed_in):
    response = signed_in.get("/test/forbidden/")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_the_500_template_extends_nothing():
    from django.template.loader import get_template

    template = get_template("500.html")

    assert "{% extends" not in template.template.source
    assert "Something went wrong" in template.render()


def test_an_unsupported_body_type_is_a_problem_415(signed_in):
    response = signed_in.post("/api/v1/me/tokens/", "<token/>", content_type="application/xml")
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 415

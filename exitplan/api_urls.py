"""The REST API, version 1: every app's routes under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("missions.api.urls")),
    path("", include("stakeholders.api.urls")),
    path("", include("assessments.api.urls")),
]

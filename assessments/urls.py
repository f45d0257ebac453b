from django.urls import path

from . import views

app_name = "assessments"

# Mounted at missions/<code>/assessments/ (exitplan/urls.py): every view takes ``code``.
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/", views.assessment_new, name="new"),
    path("import/", views.score_import, name="import"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/scores/<int:benchmark_pk>/", views.score_save, name="score"),
    path(
        "<int:pk>/scores/<int:benchmark_pk>/attachment/",
        views.score_attachment,
        name="attachment",
    ),
    path(
        "<int:pk>/scores/<int:benchmark_pk>/attachment/download/",
        views.score_attachment_download,
        name="attachment-download",
    ),
    path("<int:pk>/submit/", views.assessment_submit, name="submit"),
    path("<int:pk>/approve/", views.assessment_approve, name="approve"),
    path("<int:pk>/return/", views.assessment_return, name="return"),
    path("<int:pk>/delete/", views.assessment_delete, name="delete"),
]

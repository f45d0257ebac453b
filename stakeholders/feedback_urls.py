"""The feedback form pages of a mission, under /missions/<code>/feedback/ (missions' URLs)."""

from django.urls import path

from . import feedback_views as views

# Names live in the ``missions`` namespace, prefixed ``feedback-``: the pages of a mission.
urlpatterns = [
    path("", views.feedback_list, name="feedback-list"),
    path("new/", views.feedback_new, name="feedback-new"),
    path("<int:pk>/", views.feedback_detail, name="feedback-detail"),
    path("<int:pk>/edit/", views.feedback_edit, name="feedback-edit"),
    path("<int:pk>/preview/", views.feedback_preview, name="feedback-preview"),
    path("<int:pk>/publish/", views.feedback_publish, name="feedback-publish"),
    path("<int:pk>/close/", views.feedback_close, name="feedback-close"),
    path("<int:pk>/rotate-link/", views.feedback_rotate_link, name="feedback-rotate-link"),
    path("<int:pk>/delete/", views.feedback_delete, name="feedback-delete"),
    path("<int:pk>/answer/", views.feedback_answer, name="feedback-answer"),
]

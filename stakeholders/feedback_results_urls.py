"""A feedback form's results, its exports and perception recording.

Mounted under /missions/<code>/feedback/<form_id>/results/ (missions' URLs); the names
live in the ``missions`` namespace, as these pages belong to a mission.
"""

from django.urls import path

from . import feedback_results_views as views

urlpatterns = [
    path("", views.feedback_results, name="feedback-results"),
    path("results.csv", views.feedback_results_csv, name="feedback-results-csv"),
    path("results.xlsx", views.feedback_results_xlsx, name="feedback-results-xlsx"),
    path("perception/", views.feedback_perception, name="feedback-perception"),
]

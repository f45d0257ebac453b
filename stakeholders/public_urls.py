"""The public page of a feedback form, under /f/<token>/: no account needed."""

from django.urls import path

from . import public_views

app_name = "feedback_public"

urlpatterns = [
    path("<slug:token>/", public_views.public_form, name="form"),
    path("<slug:token>/receipt/", public_views.public_receipt, name="receipt"),
]

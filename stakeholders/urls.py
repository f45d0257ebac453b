from django.urls import path

from . import views

app_name = "stakeholders"

urlpatterns = [
    path("<slug:token>/", views.rsvp, name="rsvp"),
]

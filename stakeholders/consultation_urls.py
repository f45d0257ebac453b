"""The consultation pages of a mission, under /missions/<code>/consultations/ (missions' URLs)."""

from django.urls import path

from . import consultation_views as views

# Names live in the ``missions`` namespace: these pages belong to a mission.
urlpatterns = [
    path("", views.consultation_list, name="consultation-list"),
    path("new/", views.consultation_new, name="consultation-new"),
    path("<int:pk>/", views.consultation_detail, name="consultation-detail"),
    path("<int:pk>/edit/", views.consultation_edit, name="consultation-edit"),
    path("<int:pk>/cancel/", views.consultation_cancel, name="consultation-cancel"),
    path("<int:pk>/outcome/", views.consultation_outcome, name="consultation-outcome"),
    path(
        "<int:pk>/feedback-form/",
        views.consultation_feedback_form,
        name="consultation-feedback-form",
    ),
    path("<int:pk>/invitations/", views.consultation_invite, name="consultation-invite"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/remove/",
        views.invitation_remove,
        name="consultation-invitation-remove",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/resend/",
        views.invitation_resend,
        name="consultation-invitation-resend",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/rsvp/",
        views.invitation_rsvp,
        name="consultation-invitation-rsvp",
    ),
]

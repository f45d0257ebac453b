from django.urls import path
from rest_framework.routers import SimpleRouter

from . import comments, consultations, feedback, organisations

MISSION = r"missions/(?P<mission_code>[-\w]+)"

router = SimpleRouter()
router.register(f"{MISSION}/stakeholders", organisations.StakeholderViewSet, basename="stakeholder")
router.register(f"{MISSION}/comments", comments.CommentViewSet, basename="comment")
router.register(f"{MISSION}/subscriptions", comments.SubscriptionViewSet, basename="subscription")
router.register(
    f"{MISSION}/consultations", consultations.ConsultationViewSet, basename="consultation"
)
router.register(
    rf"{MISSION}/consultations/(?P<consultation_pk>\d+)/invitations",
    consultations.InvitationViewSet,
    basename="invitation",
)
router.register(f"{MISSION}/feedback-forms", feedback.FeedbackFormViewSet, basename="feedback-form")
router.register(
    rf"{MISSION}/feedback-forms/(?P<form_pk>\d+)/submissions",
    feedback.FeedbackSubmissionViewSet,
    basename="feedback-submission",
)

urlpatterns = [
    path(
        "public/forms/<str:token>/",
        feedback.PublicFormView.as_view(),
        name="feedback-public-form",
    ),
    *router.urls,
]

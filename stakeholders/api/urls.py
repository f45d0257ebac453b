from rest_framework.routers import SimpleRouter

from . import consultations

MISSION = r"missions/(?P<mission_code>[-\w]+)"

router = SimpleRouter()
router.register(
    f"{MISSION}/consultations", consultations.ConsultationViewSet, basename="consultation"
)
router.register(
    rf"{MISSION}/consultations/(?P<consultation_pk>\d+)/invitations",
    consultations.InvitationViewSet,
    basename="invitation",
)

urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("missions", views.MissionViewSet, basename="mission")
router.register(
    r"missions/(?P<mission_code>[-\w]+)/members", views.MemberViewSet, basename="member"
)

urlpatterns = router.urls

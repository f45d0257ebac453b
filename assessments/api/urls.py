from rest_framework.routers import SimpleRouter

MISSION = r"missions/(?P<mission_code>[-\w]+)"

router = SimpleRouter()

urlpatterns = router.urls

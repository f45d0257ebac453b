from rest_framework.routers import SimpleRouter

from . import views

MISSION = r"missions/(?P<mission_code>[-\w]+)"

router = SimpleRouter()
router.register(f"{MISSION}/assessments", views.AssessmentViewSet, basename="assessment")
router.register(f"{MISSION}/scores/import", views.ScoreImportViewSet, basename="score-import")
router.register(f"{MISSION}/scores", views.ScoreViewSet, basename="score")
router.register(
    f"{MISSION}/readiness/history", views.ReadinessHistoryViewSet, basename="readiness-history"
)
router.register(
    f"{MISSION}/readiness/what-if", views.ReadinessWhatIfViewSet, basename="readiness-what-if"
)
router.register(f"{MISSION}/readiness", views.ReadinessViewSet, basename="readiness")

urlpatterns = router.urls

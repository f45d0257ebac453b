from rest_framework.routers import SimpleRouter

from . import history, plan, views

MISSION = r"missions/(?P<mission_code>[-\w]+)"

router = SimpleRouter()
router.register("missions", views.MissionViewSet, basename="mission")
router.register(f"{MISSION}/members", views.MemberViewSet, basename="member")
router.register(f"{MISSION}/phases", plan.PhaseViewSet, basename="phase")
router.register(f"{MISSION}/objectives", plan.ObjectiveViewSet, basename="objective")
router.register(f"{MISSION}/benchmarks", plan.BenchmarkViewSet, basename="benchmark")
router.register(f"{MISSION}/handover-items", plan.HandoverItemViewSet, basename="handover-item")
router.register(f"{MISSION}/history", history.HistoryViewSet, basename="history")

urlpatterns = router.urls

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("me/tokens", views.MyTokenViewSet, basename="my-token")

urlpatterns = [
    path("auth/token/", views.auth_token, name="auth-token"),
    path("me/", views.me, name="me"),
    *router.urls,
]

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("language/", views.set_language, name="set-language"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]

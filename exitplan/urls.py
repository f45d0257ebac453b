from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from . import views

admin.site.site_header = "exitplan"
admin.site.site_title = "exitplan"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index"), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

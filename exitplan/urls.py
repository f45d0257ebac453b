from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

# The admin signs in through allauth, so it shares the rate limit, lockout and two-factor.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "exitplan"
admin.site.site_title = "exitplan"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="missions:list"), name="home"),
    path("missions/", include("missions.urls")),
    path("missions/<slug:code>/assessments/", include("assessments.urls")),
    path("profile/", include("accounts.urls")),
    path("rsvp/", include("stakeholders.urls")),
    path("f/", include("stakeholders.public_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/web", views.healthz_web, name="healthz-web"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("exitplan.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Django's own errors answer problem details under /api/ and HTML pages elsewhere.
handler400 = "exitplan.errors_views.bad_request"
handler403 = "exitplan.errors_views.permission_denied"
handler404 = "exitplan.errors_views.page_not_found"
handler500 = "exitplan.errors_views.server_error"

"""The site's URLs plus the two floors, under /bench/ (bench.settings only)."""

from django.urls import path

from exitplan import urls as site

from . import floors

urlpatterns = [
    path("bench/floor/page/", floors.page, name="bench-floor-page"),
    path("bench/floor/api/", floors.ApiFloor.as_view(), name="bench-floor-api"),
    *site.urlpatterns,
]

handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500

"""The floors every figure is divided by: what any signed-in request costs at the least.

A page: authentication, the session (saved on every request, as on every page), the
middleware and a trivial template rendered with the request's context processors. An API
call: DRF with the site's authentication (token or session) and throttles, returning a
small constant body. Bench-only (see bench.settings).
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

TEMPLATE = engines["django"].from_string(
    '<!doctype html><html lang="{{ LANGUAGE_CODE }}"><title>{{ title }}</title>'
    "<p>{{ user.email }}</p></html>"
)


@login_required
def page(request):
    return HttpResponse(TEMPLATE.render({"title": "floor"}, request))


class ApiFloor(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"ok": True, "user": request.user.pk})

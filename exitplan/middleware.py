from django.shortcuts import render

from .errors import Conflict, StaleVersion


class ConflictMiddleware:
    """Pages answer a state conflict (a closed mission) with 409, a stale edit with 412."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Conflict):
            return render(request, "409.html", {"message": exception.detail}, status=409)
        if isinstance(exception, StaleVersion):
            return render(request, "409.html", {"message": str(exception)}, status=412)
        return None

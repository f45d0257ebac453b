"""Base classes of the API's views; kept apart from exitplan.api, which DRF's settings import."""

import hashlib

from django.core.cache import cache
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import status, viewsets
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from missions.access import mission_access

from .api import (
    UpdatedAfterFilter,
    if_match_version,
    problem,
    reject_unknown_fields,
    with_etag,
)


class IdempotentCreateMixin:
    """``Idempotency-Key`` on a POST that creates: the first answer is replayed for a day."""

    IDEMPOTENCY_TTL = 24 * 3600

    def create(self, request, *args, **kwargs):
        return self.idempotent(
            request, lambda: super(IdempotentCreateMixin, self).create(request, *args, **kwargs)
        )

    def idempotent(self, request, respond) -> Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            return respond()
        cache_key = (
            "idem:" + hashlib.sha256(f"{request.user.pk}:{request.path}:{key}".encode()).hexdigest()
        )
        stored = cache.get(cache_key)
        if stored is None and not cache.add(cache_key, "pending", 60):
            stored = cache.get(cache_key)
        elif stored is None:
            stored = "mine"
        if stored == "pending":
            return problem(409, _("A request with this Idempotency-Key is still being processed."))
        if stored != "mine":
            response = Response(stored["data"], status=stored["status"])
            for header, value in stored["headers"].items():
                response[header] = value
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = respond()
        except Exception:
            cache.delete(cache_key)
            raise
        if 200 <= response.status_code < 300:
            headers = {h: response[h] for h in ("ETag", "Location") if h in response}
            cache.set(
                cache_key,
                {"data": response.data, "status": response.status_code, "headers": headers},
                self.IDEMPOTENCY_TTL,
            )
        else:
            cache.delete(cache_key)
        return response


class MissionScopedViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """A resource below a mission, addressed by id; every write goes through a service.

    The mission is checked once per request (missions.access.MissionPermission); querysets
    are filtered by it, so an object of another mission answers 404. Subclasses set
    ``queryset``, ``serializer_class`` and override the ``perform_*`` hooks when the
    generic record_create/record_update/record_delete are not the right service.
    """

    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]
    filter_backends = [UpdatedAfterFilter, DjangoFilterBackend, SearchFilter, OrderingFilter]
    # ?search= over these fields (case-insensitive, every word must match); none by default.
    search_fields: tuple[str, ...] = ()
    ordering = ("order", "id")
    ordering_fields = ("id", "order", "created_at", "updated_at")

    @property
    def access(self):
        return mission_access(self.request, self.kwargs["mission_code"])

    @property
    def mission(self):
        return self.access.mission

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no request
            return super().get_queryset().none()
        return super().get_queryset().filter(**{self.mission_lookup: self.mission})

    mission_lookup = "mission"

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "mission_code" in self.kwargs and getattr(self.request, "user", None):
            context["mission"] = self.mission
            context["access"] = self.access
        return context

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return with_etag(Response(self.get_serializer(obj).data), obj)

    def create(self, request, *args, **kwargs):
        return self.idempotent(request, lambda: self.create_response(request))

    def create_response(self, request) -> Response:
        serializer = self.get_serializer(data=request.data)
        reject_unknown_fields(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_create(serializer.validated_data)
        obj = self.get_queryset().get(pk=obj.pk)
        return with_etag(
            Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED), obj
        )

    def update(self, request, *args, **kwargs):
        obj = self.get_object()
        version = if_match_version(request, obj)
        serializer = self.get_serializer(
            obj, data=request.data, partial=kwargs.get("partial", False)
        )
        reject_unknown_fields(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_service_update(obj, serializer.validated_data, version)
        obj = self.get_queryset().get(pk=obj.pk)
        return with_etag(Response(self.get_serializer(obj).data), obj)

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        version = if_match_version(request, obj)
        self.perform_service_destroy(obj, version)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_service_create(self, data):
        from missions.services import record_create

        return record_create(
            actor=self.request.user,
            instance=self.get_queryset().model(**{self.mission_lookup: self.mission}, **data),
        )

    def perform_service_update(self, obj, data, version):
        from missions.services import record_update

        return record_update(actor=self.request.user, instance=obj, data=data, version=version)

    def perform_service_destroy(self, obj, version):
        from missions.services import record_delete

        record_delete(actor=self.request.user, instance=obj, version=version)

    def action_response(self, obj) -> Response:
        """The answer of an action: the object as it is now, with its new ETag."""
        obj = self.get_queryset().get(pk=obj.pk)
        return with_etag(Response(self.get_serializer(obj).data), obj)

import datetime

from allauth.account.adapter import get_adapter
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke
from exitplan.api import problem
from missions.access import MissionPermission

from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    MeSerializer,
    TokenIssuedSerializer,
    TokenRequestSerializer,
)

SCRIPT_TOKEN_LIFETIME = datetime.timedelta(days=90)


@extend_schema(
    request=TokenRequestSerializer,
    responses={
        201: TokenIssuedSerializer,
        400: OpenApiResponse(description="Wrong e-mail address or password."),
        403: OpenApiResponse(
            description="The account uses two-factor authentication: make a token in the "
            "browser, on the profile's API tokens page."
        ),
        429: OpenApiResponse(description="Too many failed attempts: wait for Retry-After."),
    },
    auth=[],
    summary="Get an API token with e-mail and password",
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def auth_token(request):
    """E-mail and password in, a token out: for scripts.

    Authenticates through allauth's adapter, so it shares the sign-in form's rate limit and
    lockout. Accounts with two-factor authentication make tokens in the browser instead.
    """
    data = TokenRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    adapter = get_adapter(request._request)
    try:
        user = adapter.authenticate(
            request._request,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
        )
    except DjangoValidationError as error:  # too many failed attempts
        response = problem(429, " ".join(error.messages))
        response["Retry-After"] = "300"
        return response
    if user is None:
        return problem(400, _("Unable to sign in with this e-mail address and password."))
    if is_mfa_enabled(user):
        return problem(
            403,
            _(
                "This account uses two-factor authentication: create a token in the browser, "
                "on your profile's API tokens page."
            ),
        )
    expires_at = data.validated_data.get("expires_at") or timezone.now() + SCRIPT_TOKEN_LIFETIME
    token, key = api_token_create(
        user=user,
        name=data.validated_data["name"],
        read_only=data.validated_data["read_only"],
        expires_at=expires_at,
    )
    body = TokenIssuedSerializer({"token": key, "expires_at": token.expires_at}).data
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(request=MeSerializer, responses=MeSerializer)
@api_view(["GET", "PATCH"])
@permission_classes([IsAuthenticated, MissionPermission])
def me(request):
    """The signed-in person: name and language can be changed."""
    if request.method == "PATCH":
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save(update_fields=list(serializer.validated_data))
        return Response(serializer.data)
    return Response(MeSerializer(request.user).data)


class MyTokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own API tokens; DELETE revokes one (it stays listed, revoked)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()
    lookup_value_regex = r"\d+"
    # A token changes only when it is revoked: ?updated_after= reads that moment.
    moment_field = "changed_at"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return (
            ApiToken.objects.filter(user=self.request.user)
            .annotate(changed_at=Coalesce("revoked_at", "created_at"))
            .order_by("id")
        )

    def create(self, request, *args, **kwargs):
        # Not idempotent on purpose: a replay would keep the new key in the cache.
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, **serializer.validated_data)
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        api_token_revoke(token=get_object_or_404(self.get_queryset(), pk=kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)

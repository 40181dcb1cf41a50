from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import TIME_ZONE_CHOICES
from apps.accounts.selectors import profile_get
from apps.accounts.services import profile_update
from apps.audit.context import AuditContext
from apps.core.permissions import ROLE_ACTIONS, user_role


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    role = serializers.CharField(read_only=True, allow_null=True)
    permissions = serializers.ListField(child=serializers.CharField(), read_only=True)
    time_zone = serializers.ChoiceField(choices=TIME_ZONE_CHOICES)


def _me(user):
    role = user_role(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "role": role.value if role else None,
        "permissions": sorted(ROLE_ACTIONS[role]) if role else [],
        "time_zone": profile_get(user=user).time_zone,
    }


@extend_schema(tags=["accounts"])
class MeView(APIView):
    serializer_class = MeSerializer

    @extend_schema(summary="Who the request is authenticated as", responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(_me(request.user)).data)

    @extend_schema(summary="Change your own settings", request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "time_zone" in serializer.validated_data:
            profile_update(
                user=request.user,
                time_zone=serializer.validated_data["time_zone"],
                audit=AuditContext.from_request(request),
            )
        return Response(MeSerializer(_me(request.user)).data)

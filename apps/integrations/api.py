"""GET /api/v1/instances/{id}/api-users/: the instance's API users, their roles and calls."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.permissions import Action, require
from apps.instances.selectors import instance_get
from apps.integrations import selectors


class RoleSerializer(serializers.Serializer):
    role_id = serializers.IntegerField()
    role = serializers.CharField(help_text="The role's name in Marketo.")
    description = serializers.CharField(allow_blank=True)
    workspace_id = serializers.IntegerField()
    workspace = serializers.CharField(help_text="'AllZones' for a role over every workspace.")


class ApiUserSerializer(serializers.Serializer):
    userid = serializers.CharField(help_text="As the usage statistics name the API user.")
    name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    marketo_id = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(
        choices=list(selectors.STATE_LABELS),
        help_text="listed: an API-only user in Marketo's list; gone: no longer listed;"
        " unlisted: seen in the usage statistics only; person: a user who is not API-only.",
    )
    api_only = serializers.BooleanField()
    roles = RoleSerializer(
        many=True,
        help_text="Read for API-only users. Marketo's API lists no permissions of a role.",
    )
    calls_30_days = serializers.IntegerField(help_text="Calls over the last 30 quota days.")
    first_seen_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)


@extend_schema(tags=["integrations"])
class ApiUserListView(APIView):
    @extend_schema(
        summary="The instance's API users: Marketo's list, with their roles and recent calls",
        responses=ApiUserSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        # A user not granted the instance gets 404, as for every instance endpoint.
        instance = instance_get(user=request.user, pk=pk)
        require(request.user, Action.VIEW_USAGE, instance)
        rows = selectors.api_users(instance=instance)
        return Response(ApiUserSerializer(rows, many=True).data)

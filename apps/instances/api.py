from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.context import AuditContext
from apps.core.permissions import Action, may, require
from apps.instances.models import ConnectionTest, InstanceGrant, MarketoInstance
from apps.instances.munchkin import EXAMPLE, munchkin_id_problem, normalise_munchkin_id
from apps.instances.selectors import instance_get, instance_list
from apps.instances.services import (
    EDITABLE_FIELDS,
    connection_test_start,
    grant_revoke,
    grant_set,
    instance_create,
    instance_delete,
    instance_update,
)

PUBLIC_FIELDS = [
    "id",
    "name",
    "munchkin_id",
    "rest_url",
    "identity_url",
    "api_user",
    "enabled",
    "calls_per_20s",
    "concurrent_calls",
    "daily_quota",
    "quota_share_percent",
    "quota_time_zone",
]


class InstanceSerializer(serializers.ModelSerializer):
    """What operators and viewers see: no credential fields at all."""

    rest_url = serializers.CharField(source="effective_rest_url", read_only=True)
    identity_url = serializers.CharField(source="effective_identity_url", read_only=True)
    quota_time_zone = serializers.CharField(read_only=True)

    class Meta:
        model = MarketoInstance
        fields = PUBLIC_FIELDS
        read_only_fields = PUBLIC_FIELDS


class InstanceAdminSerializer(serializers.ModelSerializer):
    """For admins: the credentials too, but the secret only ever goes in, never out."""

    client_secret = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=True,
        style={"input_type": "password"},
        help_text="Write-only. Required when creating; leave out to keep the current one.",
    )
    client_secret_hint = serializers.SerializerMethodField()
    quota_time_zone = serializers.CharField(read_only=True)

    class Meta:
        model = MarketoInstance
        fields = [
            "id",
            *EDITABLE_FIELDS,
            "client_secret",
            "client_secret_hint",
            "api_user",
            "quota_time_zone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["api_user", "created_at", "updated_at"]

    def get_client_secret_hint(self, instance) -> str:
        return f"set, ends in …{instance.client_secret_hint}"

    munchkin_id = serializers.CharField(
        help_text=f"Admin > Munchkin in Marketo, e.g. {EXAMPLE}; upper or lower case."
    )

    def validate_munchkin_id(self, value: str) -> str:
        value = normalise_munchkin_id(value)
        problem = munchkin_id_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate(self, attrs):
        if self.instance is None and not attrs.get("client_secret"):
            raise serializers.ValidationError({"client_secret": ["This field is required."]})
        candidate = MarketoInstance(
            pk=self.instance.pk if self.instance else None,
            munchkin_id=attrs.get("munchkin_id", getattr(self.instance, "munchkin_id", "")),
            client_id=attrs.get("client_id", getattr(self.instance, "client_id", "")),
        )
        try:
            candidate.clean()  # the same LaunchPoint service twice: refused, as on the page
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


def _serializer_for(view):
    # The schema describes what an admin may send (it is generated for whoever asks,
    # usually no one signed in).
    if getattr(view, "swagger_fake_view", False):
        return InstanceAdminSerializer
    return (
        InstanceAdminSerializer
        if may(view.request.user, Action.MANAGE_INSTANCES)
        else InstanceSerializer
    )


@extend_schema_view(
    get=extend_schema(summary="Instances you may see", responses=InstanceAdminSerializer),
    post=extend_schema(summary="Register an instance (admins)", request=InstanceAdminSerializer),
)
@extend_schema(tags=["instances"])
class InstanceListView(generics.ListCreateAPIView):
    serializer_class = InstanceAdminSerializer
    queryset = MarketoInstance.objects.none()  # for the schema; get_queryset filters by grants

    def get_serializer_class(self):
        return _serializer_for(self)

    def get_queryset(self):
        require(self.request.user, Action.VIEW_INSTANCES)
        return instance_list(user=self.request.user)

    def create(self, request: Request, *args, **kwargs) -> Response:
        require(request.user, Action.MANAGE_INSTANCES)  # before validation: 403, not 400
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = instance_create(
            actor=self.request.user,
            audit=AuditContext.from_request(self.request),
            client_secret=data.pop("client_secret"),
            **data,
        )


@extend_schema(tags=["instances"])
class InstanceDetailView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = InstanceAdminSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        return _serializer_for(self)

    def get_object(self):
        # Visibility first (404), then the role (403): nobody learns what they may not see.
        instance = instance_get(user=self.request.user, pk=self.kwargs["pk"])
        require(self.request.user, Action.VIEW_INSTANCES, instance)
        return instance

    def update(self, request: Request, *args, **kwargs) -> Response:
        require(request.user, Action.MANAGE_INSTANCES, self.get_object())
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        instance_update(
            instance=serializer.instance,
            actor=self.request.user,
            audit=AuditContext.from_request(self.request),
            client_secret=data.pop("client_secret", ""),
            **data,
        )

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        require(request.user, Action.MANAGE_INSTANCES, self.get_object())
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance) -> None:
        instance_delete(
            instance=instance,
            actor=self.request.user,
            audit=AuditContext.from_request(self.request),
        )


class GrantSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )

    class Meta:
        model = InstanceGrant
        fields = ["id", "user", "role", "granted_at"]
        read_only_fields = ["id", "granted_at"]


@extend_schema(tags=["instances"], summary="Who may work on an instance (admins)")
class GrantListView(generics.ListCreateAPIView):
    serializer_class = GrantSerializer
    queryset = InstanceGrant.objects.none()  # for the schema; get_queryset picks the instance
    pagination_class = None

    def _instance(self):
        instance = instance_get(user=self.request.user, pk=self.kwargs["pk"])
        require(self.request.user, Action.MANAGE_USERS, instance)
        return instance

    def get_queryset(self):
        return self._instance().grants.select_related("user")

    def create(self, request: Request, *args, **kwargs) -> Response:
        # Visibility and role before the body: validating it first would tell anyone signed
        # in whether a user name exists (400) or not (403/404).
        self.marketo_instance = self._instance()
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        serializer.instance = grant_set(
            instance=self.marketo_instance,
            user=serializer.validated_data["user"],
            role=serializer.validated_data["role"],
            actor=self.request.user,
            audit=AuditContext.from_request(self.request),
        )


@extend_schema(tags=["instances"], summary="Revoke a user's access (admins)")
class GrantDetailView(generics.DestroyAPIView):
    serializer_class = GrantSerializer

    def get_object(self):
        instance = instance_get(user=self.request.user, pk=self.kwargs["pk"])
        require(self.request.user, Action.MANAGE_USERS, instance)
        return get_object_or_404(
            InstanceGrant, instance=instance, user__username=self.kwargs["username"]
        )

    def perform_destroy(self, grant) -> None:
        grant_revoke(
            grant=grant, actor=self.request.user, audit=AuditContext.from_request(self.request)
        )


class ConnectionTestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConnectionTest
        fields = [
            "id",
            "status",
            "requested_at",
            "finished_at",
            "error",
            "api_user",
            "token_seconds_left",
            "permissions",
            "round_trip_ms",
        ]
        read_only_fields = fields


@extend_schema(tags=["instances"])
class ConnectionTestView(APIView):
    serializer_class = ConnectionTestSerializer

    @extend_schema(summary="The last connection test", responses=ConnectionTestSerializer)
    def get(self, request: Request, pk: int) -> Response:
        instance = instance_get(user=request.user, pk=pk)
        require(request.user, Action.VIEW_INSTANCES, instance)
        test = instance.last_connection_test()
        if test is None:
            return Response(
                {"detail": "The connection has not been tested yet.", "code": "not_found"},
                status=404,
            )
        return Response(ConnectionTestSerializer(test).data)

    @extend_schema(
        summary="Test the connection (admins); poll GET for the result",
        request=None,
        responses={202: ConnectionTestSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        instance = instance_get(user=request.user, pk=pk)
        require(request.user, Action.MANAGE_INSTANCES, instance)
        with transaction.atomic():
            test = connection_test_start(
                instance=instance, actor=request.user, audit=AuditContext.from_request(request)
            )
        return Response(ConnectionTestSerializer(test).data, status=status.HTTP_202_ACCEPTED)

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.selectors import user_role_of
from apps.accounts.services import (
    UserChangeRefused,
    user_invite,
    user_send_password_link,
    user_set_active,
    user_set_password,
    user_update,
)
from apps.audit.context import AuditContext
from apps.core.permissions import Action, Role, require
from apps.users.selectors import user_get, user_list


class UserGrantSerializer(serializers.Serializer):
    instance_id = serializers.IntegerField(read_only=True)
    instance = serializers.CharField(source="instance.name", read_only=True)
    role = serializers.CharField(read_only=True)


class RoleField(serializers.ChoiceField):
    """The user's role, read from their role group (null when they have none)."""

    def get_attribute(self, instance):
        role = user_role_of(instance)
        return role.value if role else None


class UserSerializer(serializers.ModelSerializer):
    role = RoleField(choices=Role.choices, allow_null=False)
    grants = UserGrantSerializer(
        source="instance_grants",
        many=True,
        read_only=True,
        help_text="The instances an operator or viewer may work on; change them with "
        "/api/v1/instances/{id}/grants/. Admins work on every instance.",
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Write-only. Sets the password; checked like any other.",
    )
    send_password_link = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="E-mail the user a link to set their password (needs EMAIL_URL and an "
        "e-mail address).",
    )

    class Meta:
        model = get_user_model()
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "is_active",
            "last_login",
            "date_joined",
            "grants",
            "password",
            "send_password_link",
        ]
        read_only_fields = ["id", "last_login", "date_joined"]
        extra_kwargs = {"is_active": {"help_text": "False: deactivated (users are never deleted)."}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["username"].read_only = True  # the audit trail names people by it
        return fields

    def validate(self, attrs):
        password = attrs.get("password")
        if password is not None:
            user = self.instance or get_user_model()(
                username=attrs.get("username", ""), email=attrs.get("email", "")
            )
            try:
                password_validation.validate_password(password, user)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


def _refused(exc: UserChangeRefused, field: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [str(exc)]})


def _send_password_link(request: Request, user, audit: AuditContext) -> None:
    """E-mail `user` a link to set their password, from the host the admin used."""
    try:
        user_send_password_link(
            user=user,
            actor=request.user,
            audit=audit,
            domain=request.get_host(),
            use_https=request.is_secure(),
        )
    except UserChangeRefused as exc:
        raise _refused(exc, "send_password_link") from exc


@extend_schema_view(
    get=extend_schema(summary="Every user, deactivated ones included (admins)"),
    post=extend_schema(summary="Add a user (admins)"),
)
@extend_schema(tags=["users"])
class UserListView(generics.ListCreateAPIView):
    serializer_class = UserSerializer
    queryset = get_user_model().objects.none()  # for the schema; get_queryset checks the role

    def get_queryset(self):
        require(self.request.user, Action.MANAGE_USERS)
        return user_list()

    def create(self, request: Request, *args, **kwargs) -> Response:
        require(request.user, Action.MANAGE_USERS)  # before validation: 403, not 400
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        audit = AuditContext.from_request(self.request)
        with transaction.atomic():
            user = user_invite(
                username=data["username"],
                role=Role(data["role"]),
                password=data.get("password"),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                actor=self.request.user,
                audit=audit,
            )
            if data.get("is_active") is False:
                user_set_active(user=user, active=False, actor=self.request.user, audit=audit)
            if data.get("send_password_link"):
                _send_password_link(self.request, user, audit)
        serializer.instance = user_get(pk=user.pk)


@extend_schema_view(
    get=extend_schema(summary="One user (admins)"),
    patch=extend_schema(summary="Change a user's details, role, password or status (admins)"),
)
@extend_schema(tags=["users"])
class UserDetailView(generics.RetrieveUpdateAPIView):
    serializer_class = UserSerializer
    queryset = get_user_model().objects.none()  # for the schema; get_object checks the role
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        require(self.request.user, Action.MANAGE_USERS)
        return user_get(pk=self.kwargs["pk"])

    def perform_update(self, serializer) -> None:
        user, data = serializer.instance, serializer.validated_data
        actor, audit = self.request.user, AuditContext.from_request(self.request)
        with transaction.atomic():
            try:
                user_update(
                    user=user,
                    actor=actor,
                    audit=audit,
                    role=Role(data["role"]) if "role" in data else None,
                    **{k: data[k] for k in ("first_name", "last_name", "email") if k in data},
                )
            except UserChangeRefused as exc:
                raise _refused(exc, "role") from exc
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from exc
            if "is_active" in data:
                try:
                    user_set_active(user=user, active=data["is_active"], actor=actor, audit=audit)
                except UserChangeRefused as exc:
                    raise _refused(exc, "is_active") from exc
            if data.get("password"):
                user_set_password(user=user, password=data["password"], actor=actor, audit=audit)
            if data.get("send_password_link"):
                _send_password_link(self.request, user, audit)
        serializer.instance = user_get(pk=user.pk)

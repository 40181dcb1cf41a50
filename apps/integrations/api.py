"""The instance's API users (GET /api/v1/instances/{id}/api-users/) and the integrations
with API users on it (GET, POST /api/v1/instances/{id}/integrations/)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.audit.context import AuditContext
from apps.core.permissions import Action, require
from apps.instances.selectors import instance_get
from apps.integrations import selectors
from apps.integrations.models import DEFAULT_BUDGET_CRITICAL_PERCENT, DEFAULT_BUDGET_WARN_PERCENT
from apps.integrations.rules import OWNER_HELP, budget_problems, name_problem, owner_from, owner_of
from apps.integrations.services import MappingRefused, integration_create


class RoleSerializer(serializers.Serializer):
    role_id = serializers.IntegerField()
    role = serializers.CharField(help_text="The role's name in Marketo.")
    description = serializers.CharField(allow_blank=True)
    workspace_id = serializers.IntegerField()
    workspace = serializers.CharField(help_text="'AllZones' for a role over every workspace.")


class IntegrationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


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
    integration = IntegrationRefSerializer(
        allow_null=True, help_text="The integration it is mapped to; null when unassigned."
    )


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


class IntegrationSerializer(serializers.Serializer):
    """An integration as seen on one instance: what the admins set, its API users there,
    and its calls today against its budget there."""

    id = serializers.IntegerField(read_only=True, source="integration.pk")
    name = serializers.CharField(max_length=120, source="integration.name")
    owner = serializers.SerializerMethodField(
        help_text="A user name of marketo-admin, or an e-mail address."
    )
    purpose = serializers.CharField(source="integration.purpose")
    api_users = serializers.ListField(
        child=serializers.CharField(), help_text="Its API users on this instance."
    )
    budget_calls = serializers.IntegerField(allow_null=True, source="integration.budget_calls")
    budget_percent = serializers.IntegerField(allow_null=True, source="integration.budget_percent")
    warn_percent = serializers.IntegerField(source="integration.warn_percent")
    critical_percent = serializers.IntegerField(source="integration.critical_percent")
    calls_today = serializers.IntegerField(
        help_text="Its API users' calls today on this instance (Marketo's figures, as of the"
        " last usage sync)."
    )
    budget = serializers.SerializerMethodField(
        help_text="Calls a day it may make on this instance; null without a budget."
    )
    level = serializers.SerializerMethodField(
        help_text="Today's budget level: ok, warning or critical; null without a budget."
    )

    def get_owner(self, item) -> str:
        return owner_of(item.integration)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_budget(self, item) -> int | None:
        return item.budget.budget if item.budget else None

    @extend_schema_field(
        serializers.ChoiceField(choices=["ok", "warning", "critical"], allow_null=True)
    )
    def get_level(self, item) -> str | None:
        return item.budget.level if item.budget else None


class IntegrationCreateSerializer(serializers.Serializer):
    """A new integration with API users of the instance. Every field error says, in words,
    what is wrong, the same words as the page's form."""

    name = serializers.CharField(max_length=120)
    owner = serializers.CharField(max_length=254, help_text=OWNER_HELP)
    purpose = serializers.CharField(required=False, allow_blank=True, default="")
    api_users = serializers.ListField(
        child=serializers.CharField(max_length=254),
        required=False,
        default=list,
        max_length=100,
        help_text="User ids of the instance's API users (Marketo's list, or seen in usage).",
    )
    budget_calls = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=2_147_483_647
    )
    budget_percent = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=100
    )
    warn_percent = serializers.IntegerField(
        required=False, default=DEFAULT_BUDGET_WARN_PERCENT, min_value=1, max_value=1000
    )
    critical_percent = serializers.IntegerField(
        required=False, default=DEFAULT_BUDGET_CRITICAL_PERCENT, min_value=1, max_value=1000
    )

    def validate_name(self, value: str) -> str:
        value = value.strip()
        problem = name_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate_owner(self, value: str):
        try:
            return owner_from(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_api_users(self, value: list[str]) -> list[str]:
        instance = self.context["instance"]
        known = {row.userid.lower(): row for row in selectors.api_users(instance=instance)}
        problems = []
        for userid in value:
            row = known.get(userid.strip().lower())
            if row is None:
                problems.append(
                    f"{userid} is not an API user of {instance.name}: choose one that Marketo"
                    " lists or that made calls."
                )
            elif row.integration is not None:
                problems.append(
                    f"{row.userid} already belongs to {row.integration.name}:"
                    " take it off there first."
                )
        if problems:
            raise serializers.ValidationError(problems)
        return [known[userid.strip().lower()].userid for userid in value]

    def validate(self, attrs):
        problems = budget_problems(
            budget_calls=attrs.get("budget_calls"),
            budget_percent=attrs.get("budget_percent"),
            warn_percent=attrs.get("warn_percent"),
            critical_percent=attrs.get("critical_percent"),
        )
        if problems:
            raise serializers.ValidationError({name: [text] for name, text in problems.items()})
        return attrs


@extend_schema(tags=["integrations"])
class InstanceIntegrationListView(APIView):
    @extend_schema(
        summary="The integrations with API users on the instance, with calls today and budget",
        responses=IntegrationSerializer(many=True),
    )
    def get(self, request: Request, pk: int) -> Response:
        instance = instance_get(user=request.user, pk=pk)
        require(request.user, Action.VIEW_USAGE, instance)
        items = selectors.instance_integrations(instance=instance)
        return Response(IntegrationSerializer(items, many=True).data)

    @extend_schema(
        summary="Register an integration with API users of the instance (admins)",
        request=IntegrationCreateSerializer,
        responses={201: IntegrationSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        # Visibility (404) and the role (403) before the body is read.
        instance = instance_get(user=request.user, pk=pk)
        require(request.user, Action.MANAGE_INSTANCES, instance)
        serializer = IntegrationCreateSerializer(data=request.data, context={"instance": instance})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        owner = data.pop("owner")
        try:
            integration = integration_create(
                actor=request.user,
                audit=AuditContext.from_request(request),
                api_users=[(instance, userid) for userid in data.pop("api_users")],
                owner=owner.user,
                owner_email=owner.email,
                **data,
            )
        except MappingRefused as exc:
            raise serializers.ValidationError({"api_users": [str(exc)]}) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        item = next(
            (
                item
                for item in selectors.instance_integrations(instance=instance)
                if item.integration == integration
            ),
            # Registered without API users: it has none on this instance yet.
            selectors.InstanceIntegration(integration, [], 0, None),
        )
        return Response(IntegrationSerializer(item).data, status=status.HTTP_201_CREATED)

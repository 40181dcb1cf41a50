"""GET /api/v1/alerts/ (filters: state, instance), GET /api/v1/alerts/{id}/ with its
history, POST /api/v1/alerts/{id}/acknowledge/. Everyone sees the alerts of the instances
they may read usage of; admins also the deployment's."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.alerts import selectors
from apps.alerts.models import Alert, AlertEvent
from apps.alerts.services import alert_acknowledge
from apps.audit.context import AuditContext
from apps.core.permissions import Action, require


class AlertEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", default=None, read_only=True)

    class Meta:
        model = AlertEvent
        fields = ["kind", "at", "text", "actor"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    instance_name = serializers.CharField(source="instance.name", default=None, read_only=True)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.get_username", default=None, read_only=True
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "instance",
            "instance_name",
            "subject",
            "state",
            "severity",
            "title",
            "summary",
            "facts",
            "fired_at",
            "last_checked_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"instance": {"help_text": "None: an alert about this deployment."}}


class AlertDetailSerializer(AlertSerializer):
    events = AlertEventSerializer(many=True, read_only=True, help_text="Its history, oldest first.")

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "events"]
        read_only_fields = fields


class FilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Alert.State.choices, required=False)
    instance = serializers.IntegerField(required=False, min_value=1)


@extend_schema(
    tags=["alerts"],
    summary="Alerts, firing first, then acknowledged, then resolved; newest first",
    parameters=[
        OpenApiParameter("state", str, enum=Alert.State.values),
        OpenApiParameter("instance", int, description="An instance's id."),
    ],
)
class AlertListView(generics.ListAPIView):
    serializer_class = AlertSerializer
    filter_backends: list = []  # the filters are read below, with their validation

    def get_queryset(self):
        require(self.request.user, Action.VIEW_USAGE)
        filters = FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        alerts = selectors.alert_list(
            user=self.request.user, state=filters.validated_data.get("state", "")
        )
        if "instance" in filters.validated_data:
            alerts = alerts.filter(instance_id=filters.validated_data["instance"])
        return alerts


@extend_schema(tags=["alerts"])
class AlertDetailView(APIView):
    @extend_schema(summary="One alert with its history", responses=AlertDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        require(request.user, Action.VIEW_USAGE)
        alert = selectors.alert_get(user=request.user, pk=pk)
        return Response(AlertDetailSerializer(alert).data)


@extend_schema(tags=["alerts"])
class AlertAcknowledgeView(APIView):
    @extend_schema(
        summary="Acknowledge a firing alert: it stays open and still resolves by itself",
        request=None,
        responses=AlertDetailSerializer,
    )
    def post(self, request: Request, pk: int) -> Response:
        require(request.user, Action.VIEW_USAGE)
        alert = selectors.alert_get(user=request.user, pk=pk)
        alert_acknowledge(alert=alert, actor=request.user, audit=AuditContext.from_request(request))
        return Response(AlertDetailSerializer(alert).data)

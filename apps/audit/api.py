from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from apps.audit.filters import AuditEventFilter
from apps.audit.labels import action_label
from apps.audit.models import AuditEvent
from apps.core.permissions import Action, require


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username", read_only=True)
    action_label = serializers.SerializerMethodField(
        help_text="What happened, in the words of the audit page."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "action",
            "action_label",
            "instance_id",
            "instance_name",
            "target_type",
            "target_id",
            "details",
            "ip_address",
            "user_agent",
        ]
        read_only_fields = fields

    def get_action_label(self, event: AuditEvent) -> str:
        return action_label(event.action, event.details)


@extend_schema(tags=["audit"], summary="The audit trail (admins only), newest first")
class AuditEventList(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    queryset = AuditEvent.objects.all()

    def get_queryset(self):
        require(self.request.user, Action.VIEW_AUDIT)
        return super().get_queryset()

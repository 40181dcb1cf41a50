from apps.audit.models import AuditEvent
from apps.core.client_address import client_address

_USER_AGENT_MAX = AuditEvent._meta.get_field("user_agent").max_length


def audit_record(
    *,
    action: str,
    actor=None,
    request=None,
    instance=None,
    target_type: str = "",
    target_id: str | int = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit trail.

    `request` supplies the actor (when not given), the address and the user agent.
    `details` must name what changed, never a secret value.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        instance_id=getattr(instance, "pk", None),
        instance_name=str(instance) if instance is not None else "",
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
        ip_address=client_address(request) if request is not None else None,
        user_agent=(request.headers.get("User-Agent", "")[:_USER_AGENT_MAX] if request else ""),
    )

from apps.audit.context import AuditContext
from apps.audit.models import AuditEvent

_USER_AGENT_MAX = AuditEvent._meta.get_field("user_agent").max_length


def audit_record(
    *,
    action: str,
    audit: AuditContext | None = None,
    actor=None,
    instance=None,
    target_type: str = "",
    target_id: str | int = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit trail.

    `audit` supplies the actor (when not given), the address and the user agent; without
    it the event has no address (a worker's or a command's). `details` must name what
    changed, never a secret value.
    """
    if audit is None:
        audit = AuditContext.system()
    if actor is None:
        actor = audit.user
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_username=actor.get_username() if actor is not None else "",
        instance_id=getattr(instance, "pk", None),
        instance_name=str(instance) if instance is not None else "",
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
        ip_address=audit.address,
        user_agent=audit.user_agent[:_USER_AGENT_MAX],
    )

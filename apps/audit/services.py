from apps.audit.models import AuditEvent

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
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.headers.get("User-Agent", "")[:_USER_AGENT_MAX] if request else ""),
    )


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For says whatever the client wrote into it unless a
    # trusted proxy rewrites it, and a forged address in an audit trail is worse than none.
    return request.META.get("REMOTE_ADDR") or None

from django.db.models import QuerySet

from apps.audit.filters import AuditEventFilter
from apps.audit.models import AuditEvent


def audit_event_list(*, filters=None) -> tuple[AuditEventFilter, QuerySet[AuditEvent]]:
    """Audit events, newest first, narrowed by the audit page's filters.

    Returns the bound FilterSet too, so a page can show its form and errors.
    """
    filterset = AuditEventFilter(filters or {}, queryset=AuditEvent.objects.all())
    queryset = filterset.qs if filterset.is_valid() else AuditEvent.objects.none()
    return filterset, queryset

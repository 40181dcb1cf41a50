import django_filters
from django import forms

from apps.audit.models import AuditEvent
from apps.core.dates import BoundedDateField


def _recorded_actions():
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return [(action, action) for action in actions]


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class AuditEventFilter(django_filters.FilterSet):
    """The audit page's filters; the API takes the same query parameters."""

    actor = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="iexact", label="Actor (user name)"
    )
    # A callable, so the list is read when the form is validated or shown: it offers the
    # actions that have happened, and grows with the product.
    action = django_filters.ChoiceFilter(
        choices=_recorded_actions, label="Action", empty_label="Any action"
    )
    instance = django_filters.NumberFilter(field_name="instance_id", label="Instance id")
    since = BoundedDateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = BoundedDateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "instance", "since", "until"]

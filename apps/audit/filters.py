import django_filters
from django import forms
from django.db.models import Max

from apps.audit.labels import action_choices
from apps.audit.models import AuditEvent
from apps.audit.targets import INSTANCE_DELETED
from apps.core.dates import BoundedDateField


def _recorded_actions():
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return action_choices(actions)


def recorded_instances() -> list[tuple[int, str]]:
    """(id, name) of every instance the trail names, under its latest name, by name.

    Read from the trail itself, not from the instances app, which sits above the audit app
    (import-linter's layers): the trail names every instance that was ever added (each one's
    creation is recorded), deleted ones included, so their history can still be filtered.
    The audit trail is for admins only (Action.VIEW_AUDIT), who may see every instance.
    """
    named = AuditEvent.objects.exclude(instance_id=None)
    latest = named.values("instance_id").annotate(last=Max("id")).values("last")
    rows = AuditEvent.objects.filter(id__in=latest).values_list("instance_id", "instance_name")
    names = {pk: name for pk, name in rows if pk is not None}
    deleted = set(
        named.filter(action=INSTANCE_DELETED, instance_id__in=names).values_list(
            "instance_id", flat=True
        )
    )
    choices = [
        (pk, f"{name or f'Instance {pk}'}{' (deleted)' if pk in deleted else ''}")
        for pk, name in names.items()
    ]
    return sorted(choices, key=lambda choice: (choice[0] in deleted, choice[1].lower()))


def recorded_actors() -> list[str]:
    """The user names that acted, for the actor field's suggestions."""
    names = AuditEvent.objects.exclude(actor_username="").values_list("actor_username", flat=True)
    return list(names.order_by("actor_username").distinct())


def _instance_choices():
    return [("", "Any instance"), *recorded_instances()]


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class AuditEventFilter(django_filters.FilterSet):
    """The audit page's filters; the API takes the same query parameters."""

    actor = django_filters.CharFilter(
        field_name="actor_username",
        lookup_expr="iexact",
        label="Actor (user name)",
        # The page adds a <datalist> of the user names that acted (recorded_actors).
        widget=forms.TextInput(attrs={"list": "audit-actors", "autocomplete": "off"}),
    )
    # A callable, so the list is read when the form is validated or shown: it offers the
    # actions that have happened, and grows with the product.
    action = django_filters.ChoiceFilter(
        choices=_recorded_actions, label="Action", empty_label="Any action"
    )
    # Still a number to validate (the API's ?instance=<id> keeps working for any id), shown
    # as a list of names.
    instance = django_filters.NumberFilter(
        field_name="instance_id",
        label="Instance",
        # Django reads callable choices on every render; the stubs know only lists.
        widget=forms.Select(choices=_instance_choices),  # type: ignore[arg-type]
    )
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

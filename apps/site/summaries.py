"""Is everything all right? One summary per instance, for the home page's cards and the
instance list's columns, read from what the product already knows: the usage sync's last
reading of Marketo's count, the call ledger, the governor's state, the asset syncs, the
connection tests and the live jobs. Nothing here calls Marketo.

It lives in the site layer because it needs usage, assets and leads at once, which
instances (the owner of the instance list) may not import.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse

from apps.assets.models import AssetSync
from apps.core.permissions import Action, Role, is_admin, may
from apps.instances.models import ConnectionTest, MarketoInstance
from apps.leads.models import LeadLookup
from apps.usage.days import day_start, today
from apps.usage.models import UsageSync
from apps.usage.quota import QuotaStatus, quota_statuses
from apps.usage.selectors import ledger_counts

LIVE = ("queued", "running", "paused")  # apps.core.jobs: the states of a job not yet over


@dataclass(frozen=True)
class Job:
    """A job not yet over, as a line of a card: what it is, its state, where to follow it."""

    label: str
    status: str  # the model's own label: "Running", "Waiting to retry", ...
    paused: bool
    since: datetime
    url: str = ""  # empty when the viewer may not open it


@dataclass
class InstanceSummary:
    instance: MarketoInstance
    quota: QuotaStatus
    # Our own calls today that Marketo counts, from the call ledger.
    ours_today: int
    # When a usage sync last read Marketo's figure today (QuotaStatus.marketo_used); None:
    # not since midnight Central.
    marketo_read_at: datetime | None
    asset_sync: AssetSync | None  # the latest, whatever its state
    connection_test: ConnectionTest | None  # the latest
    jobs: list[Job] = field(default_factory=list)
    # Live lead lookups of other people: counted, not shown (only their owner opens them).
    others_lookups: int = 0
    may_browse_assets: bool = False
    may_view_usage: bool = False

    @property
    def governor(self) -> dict | None:
        return self.quota.governor

    @property
    def in_window(self) -> int | None:
        return self.governor["in_window"] if self.governor else None

    @property
    def in_flight(self) -> int | None:
        return self.governor["in_flight"] if self.governor else None

    @property
    def ours_high(self) -> int:
        """Where the gauge of our share turns amber: the alert's threshold, of our share."""
        return self.quota.budget * self.quota.threshold_percent // 100

    @property
    def ours_percent(self) -> float:
        budget = self.quota.budget
        return 100.0 * self.ours_today / budget if budget else 0.0


def instance_summaries(*, user, instances=None) -> list[InstanceSummary]:
    """A summary of each instance `user` may see (or of `instances`, already narrowed to
    those), by name. A fixed number of queries whatever the number of instances, plus one
    per instance for a non-admin's grant (apps.core.permissions caches it)."""
    if instances is None:
        instances = MarketoInstance.objects.visible_to(user).order_by("name")
    instances = list(instances)
    if not instances:
        return []
    ids = [instance.pk for instance in instances]
    latest = _latest_ids(ids)
    syncs = AssetSync.objects.in_bulk([pair[0] for pair in latest.values() if pair[0]])
    tests = ConnectionTest.objects.in_bulk([pair[1] for pair in latest.values() if pair[1]])
    ours = ledger_counted_today(instance_ids=ids)
    # A sync of an earlier quota day read an earlier day's count, not today's.
    read_at = dict(
        UsageSync.objects.filter(
            instance__in=ids,
            status=UsageSync.Status.SUCCEEDED,
            finished_at__gte=day_start(today()),
        )
        .values("instance")
        .annotate(at=Max("finished_at"))
        .values_list("instance", "at")
    )
    jobs = _live_jobs(user=user, instances={i.pk: i for i in instances}, syncs=syncs.values())
    summaries = []
    for status in quota_statuses(instances):
        instance = status.instance
        sync_id, test_id = latest[instance.pk]
        mine, others = jobs.get(instance.pk, ([], 0))
        summaries.append(
            InstanceSummary(
                instance=instance,
                quota=status,
                ours_today=ours.get(instance.pk, 0),
                marketo_read_at=read_at.get(instance.pk),
                asset_sync=syncs.get(sync_id),
                connection_test=tests.get(test_id),
                jobs=mine,
                others_lookups=others,
                may_browse_assets=may(user, Action.BROWSE_ASSETS, instance),
                may_view_usage=may(user, Action.VIEW_USAGE, instance),
            )
        )
    return summaries


def _latest_ids(ids: list[int]) -> dict[int, tuple[int | None, int | None]]:
    """{instance id: (its latest asset sync's id, its latest connection test's id)}"""
    sync = AssetSync.objects.filter(instance=OuterRef("pk")).order_by("-requested_at", "-pk")
    test = ConnectionTest.objects.filter(instance=OuterRef("pk")).order_by("-requested_at", "-pk")
    rows = (
        MarketoInstance.objects.filter(pk__in=ids)
        .annotate(sync_id=Subquery(sync.values("pk")[:1]), test_id=Subquery(test.values("pk")[:1]))
        .values_list("pk", "sync_id", "test_id")
    )
    return {pk: (sync_id, test_id) for pk, sync_id, test_id in rows}


def ledger_counted_today(*, instance_ids: list[int], now: float | None = None) -> dict[int, int]:
    """Our calls of today's quota day that Marketo counts, per instance, from the call
    ledger."""
    counts = ledger_counts(
        by=("instance",), instance_ids=instance_ids, since=day_start(today(now)), counted_only=True
    )
    return {instance_id: n for (instance_id,), n in counts.items()}


def _live_jobs(*, user, instances: dict, syncs) -> dict[int, tuple[list[Job], int]]:
    """{instance id: (the live jobs the viewer may see, how many lookups of others)}, each
    linked to where it is followed when the viewer may open that page."""
    found: dict[int, tuple[list[Job], int]] = {pk: ([], 0) for pk in instances}
    for sync in syncs:
        instance = instances[sync.instance_id]
        if sync.status in LIVE:
            found[instance.pk][0].append(
                Job(
                    label=f"{sync.get_mode_display()} asset sync, {sync.percent}% done",
                    status=sync.get_status_display(),
                    paused=sync.is_paused,
                    since=sync.started_at or sync.requested_at,
                    url=reverse("assets_browse", args=[instance.pk]) + "#sync-panel"
                    if may(user, Action.BROWSE_ASSETS, instance)
                    else "",
                )
            )
    usage_syncs = UsageSync.objects.filter(instance__in=list(instances), status__in=LIVE)
    for usage in usage_syncs.order_by("requested_at"):
        instance = instances[usage.instance_id]
        found[instance.pk][0].append(
            Job(
                label=f"Usage sync: {usage.get_kind_display().lower()}",
                status=usage.get_status_display(),
                paused=usage.is_paused,
                since=usage.requested_at,
                url=reverse("usage_overview", args=[instance.pk])
                if may(user, Action.VIEW_USAGE, instance)
                else "",
            )
        )
    # A lookup's page opens for the person who started it and for admins (lead_lookup_get):
    # other people's lookups are only counted.
    admin = is_admin(user)
    lookups = LeadLookup.objects.filter(instance__in=list(instances), status__in=LIVE)
    for lookup in lookups.select_related("user").order_by("created_at"):
        instance = instances[lookup.instance_id]
        jobs, others = found[instance.pk]
        if lookup.user_id != user.pk and not admin:
            found[instance.pk] = (jobs, others + 1)
            continue
        who = "" if lookup.user_id == user.pk else f" by {_name(lookup.user)}"
        jobs.append(
            Job(
                label=f"Lead lookup of {lookup.total_values:,} values{who}, {lookup.percent}% done",
                status=lookup.get_status_display(),
                paused=lookup.is_paused,
                since=lookup.started_at or lookup.created_at,
                url=reverse("lead_lookup_detail", args=[lookup.pk])
                if may(user, Action.LOOKUP_LEADS, instance)
                else "",
            )
        )
    return found


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def admins_to_ask(*, limit: int = 3) -> list:
    """The active admins a user without an instance can ask for access, by name."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.ADMIN.value))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return list(users[:limit])

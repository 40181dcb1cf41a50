"""/metrics: the whole deployment in Prometheus's text format, from any one web process.

The deployment runs several processes (gunicorn workers, Celery workers, beat), so nothing
here is counted in this process's memory: on each scrape the collector reads the governor's
shared state and counters (Redis, or the SQLite file of `make run`) and the database (the
call ledger, the job tables). Two web processes scraped at the same moment answer the same
figures. Only the request metrics (apps/site/request_metrics.py) are the web processes' own.

Every per-instance series carries `marketo_instance` (the name) and `marketo_instance_id`:
not `instance`, which Prometheus sets on every series to the scraped target.
"""

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Sum
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from apps.assets.models import AssetSync
from apps.instances.client import instance_budget, shared_governor
from apps.instances.models import MarketoInstance
from apps.leads.models import LeadLookup
from apps.marketo.governor import GovernorUnavailable, stats
from apps.site import request_metrics
from apps.usage.days import today
from apps.usage.models import LedgerEntry, LedgerHour, UsageDay, UsageSync
from apps.usage.selectors import ledger_counts

LABELS = ["marketo_instance", "marketo_instance_id"]
# The jobs counted by state: their label, and the model whose `status` they are.
JOBS: dict[str, Any] = {"asset_sync": AssetSync, "usage_sync": UsageSync, "lead_lookup": LeadLookup}
SUCCESS = "success"  # the `code` label of a call Marketo answered without an error


def _gauge(name: str, documentation: str, extra: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=LABELS + (extra or []))


def _counter(name: str, documentation: str, extra: list[str] | None = None) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, labels=LABELS + (extra or []))


class DeploymentCollector(Collector):
    """Reads every figure afresh at each scrape; see the module's docstring."""

    def collect(self) -> Iterator[Metric]:
        instances = list(MarketoInstance.objects.order_by("name"))
        labels = {i.pk: [i.name, str(i.pk)] for i in instances}
        yield from self._governor(instances, labels)
        yield from self._ledger(labels)
        yield from self._jobs(labels)

    def _governor(self, instances, labels) -> Iterator[Metric]:
        up = _gauge("marketo_admin_governor_up", "1 when the governor's state could be read.")
        gauges = {
            "in_flight": _gauge("marketo_admin_calls_in_flight", "Calls in flight now."),
            "in_window": _gauge(
                "marketo_admin_calls_in_window",
                "Calls admitted in the current sliding window (20 s and the safety margin).",
            ),
            "window_budget": _gauge(
                "marketo_admin_window_budget",
                "Calls the window admits now (halved after a 606/615, then recovering).",
            ),
            "daily_used": _gauge(
                "marketo_admin_calls_today",
                "The governor's count of calls charged to today's quota day (America/Chicago).",
            ),
            "daily_limit": _gauge(
                "marketo_admin_daily_limit", "Calls a day marketo-admin may spend (its share)."
            ),
            "cooldown_seconds": _gauge(
                "marketo_admin_cooldown_seconds", "Seconds left of a 606/615 cool-down."
            ),
        }
        blocked = _gauge("marketo_admin_blocked", "1 while a 607 blocks calls until midnight.")
        window_limit = _gauge("marketo_admin_window_limit", "Configured calls per 20 s.")
        concurrency = _gauge("marketo_admin_concurrency_limit", "Configured calls in flight.")
        quota = _gauge("marketo_admin_daily_quota", "The instance's daily API quota.")
        marketo_today = _gauge(
            "marketo_admin_marketo_calls_today",
            "All integrations' calls today as Marketo reported them at the last usage sync.",
        )
        admitted = _counter(
            "marketo_admin_governor_admitted", "Calls the governor admitted.", ["priority"]
        )
        refused = _counter(
            "marketo_admin_governor_refused",
            "Calls not admitted within their wait (retried later), by the last refusal's reason.",
            ["priority", "reason"],
        )
        delayed = _counter(
            "marketo_admin_governor_delayed",
            "Calls admitted after waiting, by the reason they last waited for.",
            ["priority", "reason"],
        )
        waits = HistogramMetricFamily(
            "marketo_admin_governor_admission_wait_seconds",
            "How long admitted calls waited for the governor.",
            labels=[*LABELS, "priority"],
        )
        tokens = _counter(
            "marketo_admin_token_refreshes", "Access tokens fetched from the identity endpoint."
        )
        used_by_marketo = dict(
            UsageDay.objects.filter(date=today())
            .values_list("instance")
            .annotate(calls=Sum("calls"))
            .values_list("instance", "calls")
        )
        try:
            governor = shared_governor()
        except GovernorUnavailable:  # a Redis Cluster that cannot be reached at all
            governor = None
        for instance in instances:
            names = labels[instance.pk]
            window_limit.add_metric(names, instance.calls_per_20s)
            concurrency.add_metric(names, instance.concurrent_calls)
            quota.add_metric(names, instance.daily_quota)
            marketo_today.add_metric(names, used_by_marketo.get(instance.pk, 0))
            try:
                if governor is None:
                    raise GovernorUnavailable("the governor cannot be reached")
                state = governor.state(instance_budget(instance))
                counters = stats.read(governor.counters(instance.pk))
            except GovernorUnavailable:
                up.add_metric(names, 0)
                continue
            up.add_metric(names, 1)
            for key, family in gauges.items():
                family.add_metric(names, float(state[key]))
            blocked.add_metric(names, 1 if state["blocked_until"] else 0)
            for priority, calls in counters.admitted.items():
                admitted.add_metric([*names, priority], calls)
            for (priority, reason), calls in counters.refused.items():
                refused.add_metric([*names, priority, reason], calls)
            for (priority, reason), calls in counters.delayed.items():
                delayed.add_metric([*names, priority, reason], calls)
            for priority, histogram in counters.waits.items():
                waits.add_metric([*names, priority], histogram.buckets, histogram.total)
            tokens.add_metric(names, counters.token_refreshes)
        yield up
        yield from gauges.values()
        yield from (blocked, window_limit, concurrency, quota, marketo_today)
        yield from (admitted, refused, delayed, waits, tokens)

    def _ledger(self, labels) -> Iterator[Metric]:
        calls = _counter(
            "marketo_admin_ledger_calls",
            "Calls (attempts) to Marketo in the call ledger, by Marketo's code or outcome "
            '("success" when none).',
            ["code"],
        )
        totals: dict[tuple[int, str], int] = {}
        for (instance_id, code), count in ledger_counts(by=("instance", "code")).items():
            if instance_id in labels:
                key = (instance_id, code or SUCCESS)
                totals[key] = totals.get(key, 0) + count
        for (instance_id, code), count in sorted(totals.items()):
            calls.add_metric([*labels[instance_id], code], count)
        yield calls

        rows = _gauge("marketo_admin_ledger_rows", "Rows the call ledger keeps.", ["table"])
        for table, model in (("raw", LedgerEntry), ("hourly", LedgerHour)):
            counted = dict(
                model.objects.values_list("instance")
                .annotate(n=Count("id"))
                .values_list("instance", "n")
            )
            for instance_id, names in labels.items():
                rows.add_metric([*names, table], counted.get(instance_id, 0))
        yield rows

    def _jobs(self, labels) -> Iterator[Metric]:
        jobs = _gauge("marketo_admin_jobs", "Jobs by kind and state.", ["kind", "state"])
        for kind, model in JOBS.items():
            counted = {
                (instance_id, status): n
                for instance_id, status, n in model.objects.values_list("instance", "status")
                .annotate(n=Count("id"))
                .values_list("instance", "status", "n")
            }
            for instance_id, names in labels.items():
                for status in model.Status.values:
                    jobs.add_metric([*names, kind, status], counted.get((instance_id, status), 0))
        yield jobs


def metrics_text() -> bytes:
    """The text of one scrape: the deployment's figures and this web server's requests."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeploymentCollector())
    request_metrics.register_into(registry)
    return generate_latest(registry)

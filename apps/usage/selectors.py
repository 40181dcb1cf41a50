"""Reads for the usage reports. Aggregation happens in SQL; Python only fills the gaps."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import TruncDate, TruncHour

from apps.instances.models import MarketoInstance
from apps.marketo.codes import NOT_COUNTED, code_info
from apps.marketo.governor import CHICAGO
from apps.usage.days import chicago_date, day_bounds, today
from apps.usage.features import feature_label
from apps.usage.models import ErrorDay, LedgerEntry, LedgerHour, UsageDay, UsageSync
from apps.usage.quota import quota_statuses

# Stacked chart: the biggest users get their own colour, the rest share "others".
CHART_USERS = 8
# A day is unusual for an API user when it is this many times the user's daily average (over
# the days of the range with figures), with enough calls and enough days to speak of a usual
# level.
UNUSUAL_FACTOR = 3
UNUSUAL_MIN_CALLS = 100
UNUSUAL_MIN_DAYS = 5


def date_range(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def first_usage_date(*, instance) -> date | None:
    return (
        UsageDay.objects.filter(instance=instance)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


def history_start(*, instance) -> date | None:
    """The first quota day this instance has figures for: Marketo's usage or errors as
    synced, or a call in our own ledger. Earlier days are unknown, not days without calls."""
    firsts = [
        UsageDay.objects.filter(instance=instance).aggregate(first=Min("date"))["first"],
        ErrorDay.objects.filter(instance=instance).aggregate(first=Min("date"))["first"],
    ]
    for moment in (
        LedgerHour.objects.filter(instance=instance).aggregate(first=Min("hour"))["first"],
        LedgerEntry.objects.filter(instance=instance).aggregate(first=Min("made_at"))["first"],
    ):
        firsts.append(chicago_date(moment) if moment else None)
    known = [first for first in firsts if first is not None]
    return min(known) if known else None


def range_notice(*, instance, start: date) -> str:
    """What to say when the range starts before the history does."""
    first = first_usage_date(instance=instance)
    if first is None:
        return (
            "No usage has been collected for this instance yet: "
            "run a sync or wait for the schedule."
        )
    if start < first:
        return (
            f"The range starts before this instance's history, which begins on {first:%Y-%m-%d} "
            "(Marketo itself keeps only 7 days). Earlier days show no calls."
        )
    return ""


# --- usage per API user ------------------------------------------------------------------


@dataclass
class UsageReport:
    start: date
    end: date
    days: list[date]
    users: list[dict]  # api_user, total, average, peak, peak_date, unusual (count)
    daily: list[dict]  # date, total, unusual (bool)
    series: list[dict]  # label, values (one per day): the stacked chart
    unusual: set = field(default_factory=set)  # {(api_user, date)}
    total: int = 0
    # The days of the range with figures (a sync stored that day): what averages divide by.
    data_days: set = field(default_factory=set)


def usage_report(*, instance, start: date, end: date) -> UsageReport:
    rows = UsageDay.objects.filter(instance=instance, date__gte=start, date__lte=end)
    days = date_range(start, end)
    # Plain dicts: the loop below adds average and unusual, _add_peak_dates peak_date.
    users: list[dict[str, Any]] = list(
        rows.values("api_user")  # type: ignore[arg-type]
        .annotate(total=Sum("calls"), peak=Max("calls"))
        .order_by("-total", "api_user")
    )
    _add_peak_dates(rows, users)
    totals = dict(rows.values("date").annotate(total=Sum("calls")).values_list("date", "total"))
    # A day before the history began, or not synced, is unknown, not a day without calls: the
    # average is over the days with figures, and a user absent on such a day made 0 calls.
    data_days = len(totals)
    unusual: set = set()
    if data_days >= UNUSUAL_MIN_DAYS:
        # calls > FACTOR * (user's total / data_days), in integers.
        unusual = set(
            rows.annotate(user_total=Window(Sum("calls"), partition_by=[F("api_user")]))
            .filter(calls__gte=UNUSUAL_MIN_CALLS)
            .annotate(scaled=F("calls") * data_days)
            .filter(scaled__gt=F("user_total") * UNUSUAL_FACTOR)
            .values_list("api_user", "date")
        )
    for user in users:
        user["average"] = round(user["total"] / data_days, 1) if data_days else 0
        user["unusual"] = sum(1 for name, _ in unusual if name == user["api_user"])
    unusual_days = {on for _, on in unusual}
    daily = [{"date": on, "total": totals.get(on, 0), "unusual": on in unusual_days} for on in days]
    top = [user["api_user"] for user in users[:CHART_USERS]]
    by_day = {
        (name, on): calls
        for name, on, calls in rows.filter(api_user__in=top).values_list(
            "api_user", "date", "calls"
        )
    }
    series = [{"label": name, "values": [by_day.get((name, on), 0) for on in days]} for name in top]
    if len(users) > CHART_USERS:
        others = dict(
            rows.exclude(api_user__in=top)
            .values("date")
            .annotate(total=Sum("calls"))
            .values_list("date", "total")
        )
        series.append({"label": "others", "values": [others.get(on, 0) for on in days]})
    return UsageReport(
        start=start,
        end=end,
        days=days,
        users=users,
        daily=daily,
        series=series,
        unusual=unusual,
        total=sum(user["total"] for user in users),
        data_days=set(totals),
    )


def _add_peak_dates(rows, users: list[dict]) -> None:
    """The first day each user reached their peak. One query for all users: a correlated
    subquery here would be grouped by, and so run once per row (30 s for a year of 50 users)."""
    if not users:
        return
    at_peak = Q()
    for user in users:
        at_peak |= Q(api_user=user["api_user"], calls=user["peak"])
    first: dict[str, date] = {}
    for name, on in rows.filter(at_peak).order_by("date").values_list("api_user", "date"):
        first.setdefault(name, on)
    for user in users:
        user["peak_date"] = first.get(user["api_user"])


def usage_user_days(*, instance, api_user: str, start: date, end: date) -> list[dict]:
    """One API user's calls per day, with the unusual days marked and the days with
    figures (`known`) told from the days nobody synced."""
    report = usage_report(instance=instance, start=start, end=end)
    calls = dict(
        UsageDay.objects.filter(
            instance=instance, api_user=api_user, date__gte=start, date__lte=end
        ).values_list("date", "calls")
    )
    return [
        {
            "date": on,
            "calls": calls.get(on, 0),
            "unusual": (api_user, on) in report.unusual,
            "known": on in report.data_days,
        }
        for on in report.days
    ]


def daily_average(days: list[dict]) -> float:
    """The calls of usage_user_days averaged over the days with figures."""
    known = [day["calls"] for day in days if day["known"]]
    return round(sum(known) / len(known), 1) if known else 0


# --- errors -----------------------------------------------------------------------------


def errors_report(*, instance, start: date, end: date) -> dict:
    rows = ErrorDay.objects.filter(instance=instance, date__gte=start, date__lte=end)
    codes = [
        {"code": code, "count": count, "peak": peak}
        for code, count, peak in rows.values("code")
        .annotate(n=Sum("count"), top=Max("count"))
        .order_by("-n", "code")
        .values_list("code", "n", "top")
    ]
    for row in codes:
        info = code_info(row["code"])
        row.update(meaning=info.meaning, action=info.action)
    by_day: dict[date, dict[str, int]] = {}
    for on, code, count in rows.values_list("date", "code", "count"):
        by_day.setdefault(on, {})[code] = by_day.get(on, {}).get(code, 0) + count
    daily = [
        {"date": on, "total": sum(by_day.get(on, {}).values()), "codes": by_day.get(on, {})}
        for on in date_range(start, end)
    ]
    return {"codes": codes, "daily": daily, "total": sum(row["count"] for row in codes)}


# --- our own calls (the ledger) --------------------------------------------------------------

GROUPS = {
    "feature": "feature",
    "user": "user__username",
    "endpoint": "endpoint",
    "hour": "hour",
}


def ledger_parts(
    *, instance_ids: list[int] | None = None, since=None, until=None
) -> tuple[QuerySet[LedgerHour], QuerySet[LedgerEntry]]:
    """The ledger (of `instance_ids`, or all) from `since` to `until` (datetimes on whole
    hours, or open) as two querysets that never overlap: each instance's hourly roll-ups,
    then its raw rows after its last rolled-up hour (raw rows before it may be pruned; a
    roll-up recomputes an hour from the same raw rows, so a count moves from one side to
    the other without changing). The one reading of the ledger every count builds on."""
    hours = LedgerHour.objects.all()
    raw = LedgerEntry.objects.all()
    if instance_ids is not None:
        hours = hours.filter(instance__in=instance_ids)
        raw = raw.filter(instance__in=instance_ids)
    # Each instance's last rolled-up hour, whatever the range: the raw rows start after it.
    boundaries = hours.values("instance").annotate(last=Max("hour")).values_list("instance", "last")
    if since is not None:
        hours, raw = hours.filter(hour__gte=since), raw.filter(made_at__gte=since)
    if until is not None:
        hours, raw = hours.filter(hour__lt=until), raw.filter(made_at__lt=until)
    after_roll_ups = Q()
    rolled = []
    for instance_id, last in boundaries:
        rolled.append(instance_id)
        after_roll_ups |= Q(instance=instance_id, made_at__gte=last + timedelta(hours=1))
    return hours, raw.filter(after_roll_ups | ~Q(instance__in=rolled))


def ledger_counts(
    *,
    by: tuple[str, ...],
    instance_ids: list[int] | None = None,
    since=None,
    until=None,
    counted_only: bool = False,
) -> dict[tuple, int]:
    """Calls in the ledger grouped by fields both tables have (instance, code, endpoint,
    feature, priority): {(values of `by`...): calls}. `counted_only`: the calls Marketo
    counts against the quota, as the governor counts them (codes.NOT_COUNTED)."""
    hours, raw = ledger_parts(instance_ids=instance_ids, since=since, until=until)
    if counted_only:
        hours, raw = hours.exclude(code__in=NOT_COUNTED), raw.exclude(code__in=NOT_COUNTED)
    counts: dict[tuple, int] = {}
    for rows in (
        hours.values_list(*by).annotate(n=Sum("calls")).values_list(*by, "n"),
        raw.values_list(*by).annotate(n=Count("id")).values_list(*by, "n"),
    ):
        for *key, n in rows:
            counts[tuple(key)] = counts.get(tuple(key), 0) + n
    return counts


def _ledger_parts(
    *, instance, start: date, end: date
) -> tuple[QuerySet[LedgerHour], QuerySet[LedgerEntry]]:
    since, until = day_bounds(start, end)
    return ledger_parts(instance_ids=[instance.pk], since=since, until=until)


def calls_report(*, instance, start: date, end: date, group_by: str) -> list[dict]:
    """Our calls grouped by feature, person, endpoint or hour: calls, errors, mean ms."""
    hours, raw = _ledger_parts(instance=instance, start=start, end=end)
    key = GROUPS[group_by]
    if group_by == "hour":
        hours = hours.annotate(key=F("hour"))
        raw = raw.annotate(key=TruncHour("made_at"))
    else:
        raw_key = key
        hours = hours.annotate(key=F(key))
        raw = raw.annotate(key=F(raw_key))
    merged: dict = {}
    parts = (
        hours.values("key").annotate(
            n=Sum("calls"), errors=Sum("calls", filter=~Q(code="")), ms=Sum("total_ms")
        ),
        raw.values("key").annotate(
            n=Count("id"), errors=Count("id", filter=~Q(code="")), ms=Sum("duration_ms")
        ),
    )
    for rows in parts:
        for row in rows:
            item = merged.setdefault(
                row["key"], {"key": row["key"], "calls": 0, "errors": 0, "ms": 0}
            )
            item["calls"] += row["n"]
            item["errors"] += row["errors"] or 0
            item["ms"] += row["ms"] or 0
    result = []
    for item in merged.values():
        item["mean_ms"] = round(item.pop("ms") / item["calls"]) if item["calls"] else 0
        if item["key"] in (None, ""):
            item["key"] = {"user": "(scheduled, no person)", "feature": "(none)"}.get(group_by, "")
        item["label"] = feature_label(item["key"]) if group_by == "feature" else item["key"]
        result.append(item)
    if group_by == "hour":
        return sorted(result, key=lambda item: item["key"])
    return sorted(result, key=lambda item: (-item["calls"], str(item["key"])))


def ledger_reconciliation(*, instance, start: date, end: date) -> list[dict]:
    """Per quota day: the calls our ledger counted against the quota, as the governor counts
    them (codes.py: every call but those Marketo does not count or that were never sent), and
    what Marketo reports for our API user. A positive gap means someone else uses the same
    credentials."""
    hours, raw = _ledger_parts(instance=instance, start=start, end=end)
    ours: dict[date, int] = {}
    for rows in (
        hours.exclude(code__in=NOT_COUNTED)
        .annotate(day=TruncDate("hour", tzinfo=CHICAGO))
        .values("day")
        .annotate(n=Sum("calls")),
        raw.exclude(code__in=NOT_COUNTED)
        .annotate(day=TruncDate("made_at", tzinfo=CHICAGO))
        .values("day")
        .annotate(n=Count("id")),
    ):
        for row in rows:
            ours[row["day"]] = ours.get(row["day"], 0) + row["n"]
    theirs = dict(
        UsageDay.objects.filter(
            instance=instance, api_user=instance.api_user or "-", date__gte=start, date__lte=end
        ).values_list("date", "calls")
    )
    days = []
    for on in date_range(start, end):
        ledger, marketo = ours.get(on, 0), theirs.get(on)
        days.append(
            {
                "date": on,
                "ledger": ledger,
                "marketo": marketo,
                "gap": None if marketo is None else marketo - ledger,
            }
        )
    return days


# --- quota now -------------------------------------------------------------------------------


def last_syncs(*, instance) -> dict:
    syncs = instance.usage_syncs
    return {
        "last": syncs.order_by("-requested_at").first(),
        "last_success": syncs.filter(status=UsageSync.Status.SUCCEEDED)
        .order_by("-finished_at")
        .first(),
        "last_failure": syncs.filter(status=UsageSync.Status.FAILED)
        .order_by("-finished_at")
        .first(),
    }


def instances_summary(*, user) -> list[dict]:
    """One row per visible instance for the all-instances page: today's quota status, errors
    and last sync."""
    on = today()
    latest = UsageSync.objects.filter(instance=OuterRef("pk")).order_by("-requested_at")
    success = latest.filter(status=UsageSync.Status.SUCCEEDED).order_by("-finished_at")
    instances = list(
        MarketoInstance.objects.visible_to(user)
        .annotate(
            sync_status=Subquery(latest.values("status")[:1]),
            sync_error=Subquery(latest.values("error")[:1]),
            sync_at=Subquery(latest.values("requested_at")[:1]),
            synced_at=Subquery(success.values("finished_at")[:1]),
        )
        .order_by("name")
    )
    errors = dict(
        ErrorDay.objects.filter(date=on, instance__in=[i.pk for i in instances])
        .values("instance")
        .annotate(n=Sum("count"))
        .values_list("instance", "n")
    )
    return [
        {"instance": status.instance, "quota": status, "errors": errors.get(status.instance.pk, 0)}
        for status in quota_statuses(instances)
    ]


def ledger_codes(*, instance, start: date, end: date) -> dict[str, int]:
    """Our calls over a range by Marketo's answer code ("" for success): the errors the
    ledger attributes exactly to our own API user, which Marketo's statistics cannot."""
    since, until = day_bounds(start, end)
    counts = ledger_counts(by=("code",), instance_ids=[instance.pk], since=since, until=until)
    return {code: n for (code,), n in counts.items()}


def ledger_endpoints(*, instance, start: date, end: date) -> set[str]:
    """The endpoints (path templates) our calls went to over a range."""
    since, until = day_bounds(start, end)
    counts = ledger_counts(by=("endpoint",), instance_ids=[instance.pk], since=since, until=until)
    return {endpoint for (endpoint,) in counts}

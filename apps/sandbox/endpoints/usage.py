"""Usage and error statistics (usage.md): the calls really made, per API user, plus a
seeded history of the 6 previous days that includes other API users."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

from apps.sandbox.clock import CHICAGO
from apps.sandbox.envelope import lead_body


def register(router) -> None:
    router.add("GET", "/rest/v1/stats/usage.json", lambda i, r, **_: lead_body(days(i, 1)))
    router.add(
        "GET", "/rest/v1/stats/usage/last7days.json", lambda i, r, **_: lead_body(days(i, 7))
    )
    router.add("GET", "/rest/v1/stats/errors.json", lambda i, r, **_: lead_body(errors(i, 1)))
    router.add(
        "GET", "/rest/v1/stats/errors/last7days.json", lambda i, r, **_: lead_body(errors(i, 7))
    )


def _merge(instance, count: int, ledger: str, history: dict, member: str, key: str):
    dates = instance.last_days(count)
    rows = getattr(instance.stats, f"{ledger}_days")(dates)
    for ago, row in enumerate(rows):
        counts = Counter({item[key]: item["count"] for item in row[member]})
        counts.update(history.get(ago, {}))
        row[member] = [{key: name, "count": n} for name, n in sorted(counts.items())]
        row["total"] = sum(counts.values())
        if instance.faults.usage_date_times():
            row["date"] = _start_instant(date.fromisoformat(row["date"]))
    return rows


def _start_instant(day: date) -> str:
    """The instant the quota day starts (midnight Central, rest-api.md "Daily quota"),
    written in UTC like Marketo's other date-times: the `usage_dates` fault (faults.py)."""
    start = datetime.combine(day, time(0), tzinfo=CHICAGO).astimezone(UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def days(instance, count: int) -> list[dict]:
    return _merge(instance, count, "usage", instance.usage_history, "users", "userId")


def errors(instance, count: int) -> list[dict]:
    return _merge(instance, count, "error", instance.error_history, "errors", "errorCode")

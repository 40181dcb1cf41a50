"""Quota days and the forecast. Marketo counts calls per America/Chicago day, whatever the
server's or the viewer's time zone (docs/marketo.md, "Limits")."""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from apps.marketo.governor import CHICAGO, quota_day


def chicago_date(moment: datetime) -> date:
    """The quota day an (aware) instant belongs to."""
    return moment.astimezone(CHICAGO).date()


def today(now: float | None = None) -> date:
    return date.fromisoformat(quota_day(time.time() if now is None else now).key)


def day_start(day: date) -> datetime:
    """Midnight Central at the start of `day`, in UTC (23 or 25 hours apart on DST days)."""
    return datetime.combine(day, clock(0), tzinfo=CHICAGO).astimezone(UTC)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the quota days first..last."""
    return day_start(first), day_start(last + timedelta(days=1))


@dataclass(frozen=True)
class Forecast:
    """When the quota runs out at today's pace. `runs_out_at` is None when not today."""

    used: int
    quota: int
    reset_at: datetime  # the next midnight Central, UTC
    runs_out_at: datetime | None
    calls_per_hour: float

    @property
    def reached(self) -> bool:
        return self.used >= self.quota

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.quota if self.quota else 0.0


def quota_forecast(*, used: int, quota: int, now: float | None = None) -> Forecast:
    """Linear forecast from the average pace since midnight Central.

    Runs out "now" when already at the quota, at the projected instant when that falls
    before the reset, else not today (None).
    """
    now = time.time() if now is None else now
    day = quota_day(now)
    reset = now + day.seconds_left
    start = day_start(date.fromisoformat(day.key)).timestamp()
    elapsed = max(now - start, 60.0)  # the first minute of a day says little about its pace
    pace = used / elapsed  # calls per second
    moment = datetime.fromtimestamp(now, UTC)
    if used >= quota:
        runs_out = moment
    elif pace <= 0:
        runs_out = None
    else:
        at = now + (quota - used) / pace
        runs_out = datetime.fromtimestamp(at, UTC) if at < reset else None
    return Forecast(
        used=used,
        quota=quota,
        reset_at=datetime.fromtimestamp(reset, UTC),
        runs_out_at=runs_out,
        calls_per_hour=pace * 3600,
    )

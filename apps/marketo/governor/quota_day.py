"""Marketo's quota day: it ends at midnight US Central (America/Chicago), whatever the
server's time zone (help/rest-api/rest-api.md: "The quota resets daily at 12:00 AM CST").
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

CHICAGO = ZoneInfo("America/Chicago")


@dataclass(frozen=True)
class QuotaDay:
    key: str  # the Chicago date, "2026-03-08": names the day's counter
    seconds_left: float  # real seconds until the next Chicago midnight


def quota_day(epoch: float) -> QuotaDay:
    """The quota day that contains the instant `epoch` (seconds since 1970, UTC)."""
    local = datetime.fromtimestamp(epoch, CHICAGO)
    next_midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=CHICAGO)
    # Subtract timestamps, not the aware datetimes: with the same tzinfo Python subtracts wall
    # clock times, which is an hour off on a daylight-saving change day (23 or 25 hours).
    return QuotaDay(key=local.date().isoformat(), seconds_left=next_midnight.timestamp() - epoch)

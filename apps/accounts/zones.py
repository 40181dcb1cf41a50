"""The time zones a user may choose, as the profile page offers them: the common ones first,
each labelled with its offset from UTC today ("(UTC+01:00) Europe/Paris")."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

# Every IANA name Python knows (the tzdata package, pinned in the lock): what a profile may
# hold, and what a browser's zone is checked against.
TIME_ZONES: tuple[str, ...] = tuple(sorted(zoneinfo.available_timezones()))
_KNOWN = frozenset(TIME_ZONES)

# Where marketing teams mostly sit, west to east; offered first, in a group of their own.
COMMON_ZONES: tuple[str, ...] = (
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)


def is_time_zone(name: str) -> bool:
    return name in _KNOWN


def offset_text(name: str, at: dt.datetime | None = None) -> str:
    """ "UTC+01:00": the zone's offset at `at` (now), which moves with daylight saving."""
    offset = (at or timezone.now()).astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_label(name: str, at: dt.datetime | None = None) -> str:
    return f"({offset_text(name, at)}) {name}"


def zone_choices(at: dt.datetime | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: "Common", then every zone by name. Computed on each
    call, so the offsets are today's."""
    at = at or timezone.now()
    return [
        ("Common", [(name, zone_label(name, at)) for name in COMMON_ZONES]),
        ("All zones", [(name, zone_label(name, at)) for name in TIME_ZONES]),
    ]

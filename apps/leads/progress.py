"""How long a running lookup has left, from the rate the governor actually gives it.

A background lookup shares its instance's window with everything else this product runs
there (syncs, other lookups, people waiting in the browser: help/rest-api/rest-api.md, 100
calls per 20 s for every integration), so a formula from the instance's limits alone is
wrong as soon as anything else runs, and the first seconds of a lookup are wrong too: an
idle window admits a burst, then the pace drops to what the window allows. The estimate is
the calls left divided by this lookup's own calls per second over its last minutes of
progress (each finished batch is a point), never faster than its part of the window allows
(apps.leads.selectors._window_pace), and there is none until there are enough points to say.
Measured in tests/benchmarks/test_lookup_time_left.py.
"""

from collections.abc import Sequence
from dataclasses import dataclass

# The progress looked at: long enough to smooth the pace of a shared window (20 s), short
# enough to follow a change of pace (another job starting or ending) within two minutes.
WINDOW_SECONDS = 120.0
# Enough to estimate: this many calls after the first point, over at least this long.
MIN_CALLS = 4
MIN_SECONDS = 3.0


@dataclass(frozen=True)
class Point:
    """Progress: at `at` (epoch seconds) a batch that took `calls` calls was done."""

    at: float
    calls: int


def seconds_left(
    points: Sequence[Point], *, calls_left: float, now: float, max_rate: float | None = None
) -> float | None:
    """The seconds `calls_left` calls take at the pace of `points` (oldest first; a point
    at the lookup's start has 0 calls), at most `max_rate` calls a second (the window's pace
    for background work). None when there is not enough progress yet to say."""
    if calls_left <= 0:
        return 0.0
    recent = [point for point in points if now - WINDOW_SECONDS <= point.at <= now]
    if len(recent) < 2:
        return None
    first, last = recent[0], recent[-1]
    calls = sum(point.calls for point in recent[1:])
    span = last.at - first.at
    if calls < MIN_CALLS or span < MIN_SECONDS:
        return None
    # The pace up to the last point, unless no point came for longer than the usual gap
    # between calls: then it counts up to now, so a stalled lookup's estimate grows.
    usual_gap = span / calls
    span = max(last.at, now - usual_gap) - first.at
    rate = calls / span
    if max_rate:
        rate = min(rate, max_rate)
    return calls_left / rate


def time_left_words(seconds: float) -> str:
    """ "about 2 minutes left": as precise as an estimate deserves."""
    if seconds < 10:
        return "a few seconds left"
    if seconds < 50:
        return "less than a minute left"
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''} left"
    hours, minutes = divmod(round(seconds / 600) * 10, 60)
    words = f"about {hours} hour{'s' if hours != 1 else ''}"
    if minutes:
        words += f" {minutes} minutes"
    return f"{words} left"

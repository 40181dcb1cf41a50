"""What the governor counts of its own work, for /metrics: admissions by priority (and those
that waited first, by what they waited for), refusals by priority and reason, how long
admitted calls waited, and token refreshes.

These are events of every process of the deployment, so they are kept where the governor
keeps its daily counter (the Redis hash `mka:{i<id>}:stats`, the SQLite file's
`governor_counter` table, or memory), as named numbers that only ever grow; a scrape of any
one process reads them all. Each backend only adds to and reads named counters
(`Governor.count`, `Governor.counters`); what the names mean is written once, here.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from .contract import WAIT_REASONS, Priority

# Upper bounds (seconds) of the admission-wait histogram's buckets. An interactive caller
# waits at most 15 s and a background one 5 s inline (apps/marketo/client.py), so the last
# finite bound is 15; most admissions wait no time at all, hence the fine first buckets.
WAIT_BUCKETS: tuple[float, ...] = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)
TOKEN_REFRESHES = "token_refreshes"  # noqa: S105  (a counter's name)
_SEP = "|"


def _bound(seconds: float) -> str:
    for bound in WAIT_BUCKETS:
        if seconds <= bound:
            return repr(bound)
    return "+Inf"


def admitted(
    priority: Priority, waited_seconds: float, waited_for: str | None = None
) -> dict[str, float]:
    """The counters an admission adds to: one admission, its wait in the histogram, and,
    when it was refused first, the reason of its last refusal (`waited_for`)."""
    waited = max(0.0, float(waited_seconds))
    amounts: dict[str, float] = {
        f"admitted{_SEP}{priority.value}": 1,
        f"wait_bucket{_SEP}{priority.value}{_SEP}{_bound(waited)}": 1,
        f"wait_sum{_SEP}{priority.value}": waited,
    }
    if waited_for:
        amounts[f"delayed{_SEP}{priority.value}{_SEP}{waited_for}"] = 1
    return amounts


def refused(priority: Priority, reason: str) -> dict[str, float]:
    """The counter of a call that was not admitted in time (`acquire` gave up)."""
    return {f"refused{_SEP}{priority.value}{_SEP}{reason}": 1}


@dataclass
class WaitHistogram:
    buckets: list[tuple[str, float]]  # (upper bound, cumulative count), "+Inf" last
    total: float  # seconds waited, all admissions together
    count: float


@dataclass
class AdmissionStats:
    """One instance's counters, read back: every priority and reason present, zero if none."""

    admitted: dict[str, float] = field(default_factory=dict)  # priority -> calls
    refused: dict[tuple[str, str], float] = field(default_factory=dict)  # (priority, reason)
    # Admitted after waiting, by the reason of the last refusal: (priority, reason) -> calls
    delayed: dict[tuple[str, str], float] = field(default_factory=dict)
    waits: dict[str, WaitHistogram] = field(default_factory=dict)  # priority -> histogram
    token_refreshes: float = 0


def read(counters: Mapping[str, float]) -> AdmissionStats:
    """What `Governor.counters` returned, as AdmissionStats."""
    stats = AdmissionStats(token_refreshes=float(counters.get(TOKEN_REFRESHES, 0)))
    for priority in Priority:
        p = priority.value
        stats.admitted[p] = float(counters.get(f"admitted{_SEP}{p}", 0))
        for reason in sorted(WAIT_REASONS):
            stats.refused[(p, reason)] = float(counters.get(f"refused{_SEP}{p}{_SEP}{reason}", 0))
            stats.delayed[(p, reason)] = float(counters.get(f"delayed{_SEP}{p}{_SEP}{reason}", 0))
        cumulative, buckets = 0.0, []
        for bound in [*map(repr, WAIT_BUCKETS), "+Inf"]:
            cumulative += float(counters.get(f"wait_bucket{_SEP}{p}{_SEP}{bound}", 0))
            buckets.append((bound, cumulative))
        total = float(counters.get(f"wait_sum{_SEP}{p}", 0))
        stats.waits[p] = WaitHistogram(buckets, total, cumulative)
    return stats

"""What the governor promises its callers: the types and the protocol both backends follow.

Marketo's limits are per instance and shared by every integration of that instance
(help/rest-api/rest-api.md): 100 calls per rolling 20 seconds, 10 calls in flight, and a
daily quota that resets at midnight US Central. A `Budget` is this product's share of them.
"""

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, TypedDict, runtime_checkable

from apps.marketo.codes import BUSY_CODES, QUOTA_CODE, UNCOUNTED_CODES
from apps.marketo.errors import CallNotMade
from apps.marketo.timeouts import DEFAULT_LEASE_SECONDS


class Priority(enum.StrEnum):
    INTERACTIVE = "interactive"  # a person is waiting in the browser
    BACKGROUND = "background"  # sync jobs, exports: they can wait


WAIT_REASONS = frozenset({"window", "concurrency", "daily", "cooldown", "blocked"})

# The share of each window that background work leaves to people waiting in the browser: a
# fifth covers about one interactive call a second at a 100-call budget (and interactive
# callers also win the race for any slot that frees), so a lookup never queues behind a sync.
INTERACTIVE_RESERVE_SHARE = 5


def interactive_reserve(calls_per_window: int) -> int:
    """Calls of a window of `calls_per_window` that background work may not use."""
    return calls_per_window // INTERACTIVE_RESERVE_SHARE


@dataclass(frozen=True)
class Budget:
    """One instance's limits, as this product may use them (from the instance's settings)."""

    instance_id: int
    calls_per_window: int  # Marketo's hard limit is 100 per 20 s for ALL integrations
    concurrency: int  # calls in flight; Marketo's hard limit is 10
    daily_limit: int  # calls per America/Chicago day this product may spend
    window_seconds: float = 20.0
    # Calls of each window that background work may not use, so a person is never stuck
    # behind a sync job. None means `interactive_reserve(calls_per_window)`, a fifth.
    interactive_reserve: int = None  # type: ignore[assignment]  # filled in by __post_init__
    # A call's slot is held at most as long as its lease: a killed process cannot hold it
    # forever, and a call that timed out on our side keeps it, because Marketo may still be
    # running it. Each call names its own length (`lease_seconds=` of acquire, from its
    # endpoint's timeouts: apps/marketo/timeouts.py); this is the length of an acquire that
    # names none: the lease of a call to an endpoint with Marketo's default 30 s.
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    # Admissions stay in our window this much longer than Marketo's 20 s. We admit by Redis
    # TIME; Marketo counts a call when it arrives, later. Only the spread of that delay
    # matters: a call that arrives late still counts in a window we think has moved on.
    # Measured (tests/benchmarks/test_governor_overhead.py, 2 cores, 4 processes x 4 threads):
    # admission to caller p99 2.2 ms, max 31 ms. The rest is network latency to Marketo,
    # whose spread the sandbox benchmark models as 50-300 ms (250 ms), plus the odd new TLS
    # connection. 0.5 s covers both twice over and costs 2.4% of the window (20 / 20.5), so
    # the 95% budget-use target still holds.
    safety_margin_seconds: float = 0.5
    # After a 606 or 615 no call is admitted for this long (another integration is busy).
    cooldown_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.interactive_reserve is None:
            reserve = interactive_reserve(self.calls_per_window)
            object.__setattr__(self, "interactive_reserve", reserve)
        problems = [
            name
            for name, ok in [
                ("calls_per_window must be at least 1", self.calls_per_window >= 1),
                ("concurrency must be at least 1", self.concurrency >= 1),
                ("daily_limit must not be negative", self.daily_limit >= 0),
                ("window_seconds must be positive", self.window_seconds > 0),
                ("lease_seconds must be positive", self.lease_seconds > 0),
                ("safety_margin_seconds must not be negative", self.safety_margin_seconds >= 0),
                ("cooldown_seconds must not be negative", self.cooldown_seconds >= 0),
                (
                    "interactive_reserve must leave background work at least one call",
                    0 <= self.interactive_reserve < self.calls_per_window,
                ),
            ]
            if not ok
        ]
        if problems:
            raise ValueError(f"invalid budget for instance {self.instance_id}: {problems[0]}")

    @property
    def window_span(self) -> float:
        """How long an admission counts against the window: Marketo's window plus our margin."""
        return self.window_seconds + self.safety_margin_seconds


@dataclass(frozen=True)
class Lease:
    """Permission for one call: one window entry and one slot in flight until released."""

    id: str
    instance_id: int
    priority: Priority
    admitted_at: float  # epoch seconds, by the backend's clock (Redis TIME for Redis)
    # The Chicago date whose counter this call was charged to, so a refund after midnight
    # goes back to the right day. Empty: derive it from `admitted_at`.
    quota_day: str = ""


@dataclass(frozen=True)
class Wait:
    """A refusal: try again after `seconds`. `reason` is one of WAIT_REASONS."""

    seconds: float
    reason: str


class GovernorState(TypedDict):
    """What `Governor.state` reports about one instance, for pages and health checks."""

    in_window: int  # admissions that still count in the sliding window
    in_flight: int
    daily_used: int  # calls charged to today's Chicago quota day
    daily_limit: int
    cooldown_seconds: float  # left of a 606/615 cool-down; 0.0 when none
    blocked_until: float | None  # epoch seconds a 607 block lasts until
    window_budget: int  # the window budget now, shrunk after a 606/615


class GovernorUnavailable(CallNotMade):
    """The governor's backend cannot be reached, so no call may be made (fail closed).
    Its message says what failed, for the log; a person reads `person_message`."""

    person_message = "The call governor (Redis) cannot be reached, so no call to Marketo was made."
    passes = True


class AdmissionTimeout(Exception):
    """`acquire` gave up before it was admitted; `wait` is the last refusal it got."""

    def __init__(self, wait: Wait, timeout: float):
        super().__init__(
            f"not admitted within {timeout:g} s (last refusal: {wait.reason}, "
            f"{wait.seconds:.3f} s to wait)"
        )
        self.wait = wait


@runtime_checkable
class Governor(Protocol):
    # `lease_seconds`: how long the admitted call's slot is held unless released first; it
    # must outlive the call's HTTP timeouts (apps/marketo/timeouts.py). None: the budget's.
    def try_acquire(
        self, budget: Budget, priority: Priority, *, lease_seconds: float | None = None
    ) -> Lease | Wait: ...

    def acquire(
        self,
        budget: Budget,
        priority: Priority,
        *,
        timeout: float,
        lease_seconds: float | None = None,
    ) -> Lease: ...

    def release(self, lease: Lease, *, counted: bool = True) -> None: ...

    # Keep the lease's slot in flight at most `seconds` from now (never past its own
    # expiry): for a call whose outcome is unknown but which Marketo is unlikely to still run.
    def hold(self, lease: Lease, seconds: float) -> None: ...

    def penalize(self, budget: Budget, code: str) -> None: ...

    def state(self, budget: Budget) -> GovernorState: ...

    def set_daily_used(self, budget: Budget, count: int) -> None: ...

    def ping(self) -> None: ...

    # Named counters of the instance that only grow (governor/stats.py names them): what
    # the governor counts of its own work, kept with its state so that every process's
    # events add up in one place. `count` adds `amounts`; `counters` reads them all.
    def count(self, instance_id: int, amounts: Mapping[str, float]) -> None: ...

    def counters(self, instance_id: int) -> dict[str, float]: ...


def lease_length(budget: Budget, lease_seconds: float | None) -> float:
    """The length of a lease asked for with `lease_seconds` (None: the budget's default)."""
    seconds = budget.lease_seconds if lease_seconds is None else float(lease_seconds)
    if not seconds > 0:
        raise ValueError(f"lease_seconds must be positive, not {lease_seconds!r}")
    return seconds


def penalty_kind(code: str) -> str:
    """What `Governor.penalize` does for `code`: "busy" (cool down and shrink the window
    budget) or "quota" (block until the quota day ends), from the table in codes.py."""
    code = str(code)
    if code in BUSY_CODES:
        return "busy"
    if code == QUOTA_CODE:
        return "quota"
    raise ValueError(
        f"penalize() takes {', '.join(sorted(BUSY_CODES))} or {QUOTA_CODE}, not {code!r}"
    )


__all__ = [
    "BUSY_CODES",
    "INTERACTIVE_RESERVE_SHARE",
    "QUOTA_CODE",
    "UNCOUNTED_CODES",
    "WAIT_REASONS",
    "AdmissionTimeout",
    "Budget",
    "Governor",
    "GovernorState",
    "GovernorUnavailable",
    "Lease",
    "Priority",
    "Wait",
    "interactive_reserve",
    "lease_length",
    "penalty_kind",
]

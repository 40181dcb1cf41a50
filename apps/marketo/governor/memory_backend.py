"""The in-process governor: the embedded default, where one process makes all the calls.

Same contract as the Redis backend, with a lock instead of a Lua script. Intervals are timed
with time.monotonic (immune to clock changes); times shown to callers are epoch seconds.
"""

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from . import policy
from .blocking import BlockingAcquire
from .contract import (
    Budget,
    GovernorState,
    Lease,
    Priority,
    Wait,
    lease_length,
    penalty_kind,
)
from .quota_day import quota_day


@dataclass
class _InstanceState:
    # lease id -> admitted (monotonic), oldest first: admissions are appended in time order.
    window: OrderedDict[str, float] = field(default_factory=OrderedDict)
    in_flight: dict[str, float] = field(default_factory=dict)  # lease id -> expires (monotonic)
    daily: dict[str, int] = field(default_factory=dict)  # Chicago date -> calls
    cooldown_until: float = 0.0
    blocked_until: float = 0.0
    shrunk_to: int | None = None
    penalized_at: float | None = None

    def forget_expired(self, budget: Budget, now: float) -> None:
        oldest_counted = now - budget.window_span
        while self.window and next(iter(self.window.values())) <= oldest_counted:
            self.window.popitem(last=False)
        self.in_flight = {id_: t for id_, t in self.in_flight.items() if t > now}
        recovered = (
            self.penalized_at is not None
            and self.shrunk_to is not None
            and now - self.penalized_at >= policy.recovery_seconds(budget, self.shrunk_to)
        )
        if recovered:  # the penalty is spent: forget it, as its Redis key expires
            self.shrunk_to = self.penalized_at = None

    def effective_window_budget(self, budget: Budget, now: float) -> int:
        return policy.effective_window_budget(budget, self.shrunk_to, self.penalized_at, now)


class MemoryGovernor(BlockingAcquire):
    def __init__(
        self,
        *,
        wall_clock: Callable[[], float] = time.time,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        # wall_clock only decides the Chicago quota day (tests inject daylight-saving days);
        # clock times every interval (tests inject one that their sleep moves on).
        self._wall_clock = wall_clock
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._instances: dict[int, _InstanceState] = {}
        self._counters: dict[int, dict[str, float]] = {}

    def _state_of(self, instance_id: int) -> _InstanceState:
        return self._instances.setdefault(instance_id, _InstanceState())

    def try_acquire(
        self, budget: Budget, priority: Priority, *, lease_seconds: float | None = None
    ) -> Lease | Wait:
        priority = Priority(priority)
        lease_seconds = lease_length(budget, lease_seconds)
        day = quota_day(self._wall_clock())
        with self._lock:
            now = self._clock()
            state = self._state_of(budget.instance_id)
            state.forget_expired(budget, now)
            if state.blocked_until > now:
                return Wait(state.blocked_until - now, "blocked")
            if state.cooldown_until > now:
                return Wait(state.cooldown_until - now, "cooldown")
            if state.daily.get(day.key, 0) >= budget.daily_limit:
                return Wait(day.seconds_left, "daily")
            slots = policy.concurrency_limit(budget, priority)
            if len(state.in_flight) >= slots:
                expiries = sorted(state.in_flight.values())
                soonest = expiries[len(expiries) - slots] - now
                return Wait(min(soonest, policy.CONCURRENCY_RECHECK_SECONDS), "concurrency")
            allowed = policy.window_limit(
                budget, state.effective_window_budget(budget, now), priority
            )
            if len(state.window) >= allowed:
                admissions = list(state.window.values())
                # Enough of the oldest entries must fall out to bring the count under `allowed`.
                frees_at = admissions[len(admissions) - allowed] + budget.window_span
                return Wait(frees_at - now, "window")
            lease_id = uuid.uuid4().hex
            state.window[lease_id] = now
            state.in_flight[lease_id] = now + lease_seconds
            state.daily = {day.key: state.daily.get(day.key, 0) + 1}
            return Lease(lease_id, budget.instance_id, priority, time.time(), day.key)

    def release(self, lease: Lease, *, counted: bool = True) -> None:
        day = lease.quota_day or quota_day(lease.admitted_at).key
        with self._lock:
            state = self._state_of(lease.instance_id)
            was_in_flight = state.in_flight.pop(lease.id, None) is not None
            if counted:
                return
            was_in_window = state.window.pop(lease.id, None) is not None
            if (was_in_flight or was_in_window) and state.daily.get(day, 0) > 0:
                state.daily[day] -= 1

    def hold(self, lease: Lease, seconds: float) -> None:
        with self._lock:
            in_flight = self._state_of(lease.instance_id).in_flight
            if lease.id in in_flight:
                in_flight[lease.id] = min(in_flight[lease.id], self._clock() + seconds)

    def penalize(self, budget: Budget, code: str) -> None:
        kind = penalty_kind(code)
        with self._lock:
            now = self._clock()
            state = self._state_of(budget.instance_id)
            state.forget_expired(budget, now)
            if kind == "busy":
                if state.cooldown_until <= now:
                    # One shrink per cool-down: the calls in flight when Marketo first said
                    # 606 may all come back 606, and that is one signal, not several.
                    state.shrunk_to = policy.shrunk(state.effective_window_budget(budget, now))
                    state.penalized_at = now
                state.cooldown_until = now + budget.cooldown_seconds
            else:
                state.blocked_until = now + quota_day(self._wall_clock()).seconds_left

    def state(self, budget: Budget) -> GovernorState:
        day = quota_day(self._wall_clock())
        with self._lock:
            now, epoch = self._clock(), time.time()
            state = self._state_of(budget.instance_id)
            state.forget_expired(budget, now)
            return {
                "in_window": len(state.window),
                "in_flight": len(state.in_flight),
                "daily_used": state.daily.get(day.key, 0),
                "daily_limit": budget.daily_limit,
                "cooldown_seconds": max(0.0, state.cooldown_until - now),
                "blocked_until": (
                    epoch + state.blocked_until - now if state.blocked_until > now else None
                ),
                "window_budget": state.effective_window_budget(budget, now),
            }

    def set_daily_used(self, budget: Budget, count: int) -> None:
        day = quota_day(self._wall_clock())
        with self._lock:
            state = self._state_of(budget.instance_id)
            state.daily = {day.key: max(state.daily.get(day.key, 0), int(count))}

    def count(self, instance_id: int, amounts: Mapping[str, float]) -> None:
        with self._lock:
            counters = self._counters.setdefault(instance_id, {})
            for name, amount in amounts.items():
                counters[name] = counters.get(name, 0.0) + float(amount)

    def counters(self, instance_id: int) -> dict[str, float]:
        with self._lock:
            return dict(self._counters.get(instance_id, {}))

    def ping(self) -> None:
        return None

"""Marketo's per-instance limits: rolling rate window, calls in flight, daily quota.

All three are shared by every API user of the instance (docs/marketo.md, "Limits"). A call is
admitted or refused when it arrives; when its answer is known, `release` refunds the
quota and the window slot if that answer is one that does not count (error-codes.md).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter, deque
from dataclasses import dataclass
from datetime import date

from apps.marketo.codes import UNCOUNTED_CODES
from apps.sandbox.clock import Clock
from apps.sandbox.config import SandboxConfig
from apps.sandbox.envelope import MarketoError


@dataclass
class Ticket:
    arrival: float
    day: date
    admitted: bool


class Limits:
    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._window: deque[float] = deque()
            self._daily: Counter[date] = Counter()
            self.in_flight = 0
            self.reset_peaks()

    def reset_peaks(self) -> None:
        self.peak_window = 0
        self.peak_in_flight = 0

    def admit(self) -> Ticket:
        """Count the call; raise 607, 606 or 615 (the call still counts) when over a limit."""
        calls, seconds = self.config.rate_limit
        with self._lock:
            now = self.clock.time()
            day = self.clock.chicago_date(now)
            while self._window and self._window[0] <= now - seconds:
                self._window.popleft()
            refusal = None
            if self._daily[day] >= self.config.daily_quota:
                refusal = MarketoError("607", "Daily quota reached")
            elif len(self._window) >= calls:
                # The message is Marketo's own, typo included (error-codes.md, 606).
                refusal = MarketoError(
                    "606", f"Max rate limit '{calls}' exceeded with in '{seconds}' secs"
                )
            elif self.in_flight >= self.config.concurrency:
                refusal = MarketoError("615", "Concurrent access limit reached")
            self._window.append(now)
            self._daily[day] += 1
            self.peak_window = max(self.peak_window, len(self._window))
            if refusal is None:
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        ticket = Ticket(arrival=now, day=day, admitted=refusal is None)
        if refusal is not None:
            raise refusal
        return ticket

    def release(self, ticket: Ticket, code: str) -> None:
        with self._lock:
            if ticket.admitted:
                self.in_flight -= 1
            if code in UNCOUNTED_CODES:
                self._daily[ticket.day] -= 1
                with contextlib.suppress(ValueError):  # already out of the window
                    self._window.remove(ticket.arrival)

    def used_today(self) -> int:
        with self._lock:
            return self._daily[self.clock.chicago_date()]

    def snapshot(self) -> dict:
        calls, seconds = self.config.rate_limit
        with self._lock:
            now = self.clock.time()
            in_window = sum(1 for t in self._window if t > now - seconds)
            return {
                "rate_limit": {"calls": calls, "seconds": seconds},
                "concurrency_limit": self.config.concurrency,
                "daily_quota": self.config.daily_quota,
                "calls_in_window": in_window,
                "in_flight": self.in_flight,
                "quota_used_today": self._daily[self.clock.chicago_date(now)],
                "max_calls_in_window": self.peak_window,
                "max_in_flight": self.peak_in_flight,
            }

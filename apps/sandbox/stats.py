"""What the sandbox saw: counters for /_sandbox/stats.json and the usage ledger that
the usage API (usage.md) reports from."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from datetime import date


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        # usage and errors by America/Chicago date: what /rest/v1/stats/*.json report.
        self.usage: defaultdict[date, Counter[str]] = defaultdict(Counter)
        self.errors: defaultdict[date, Counter[str]] = defaultdict(Counter)

    def reset(self) -> None:
        with self._lock:
            self.calls = 0
            self.by_endpoint: Counter[str] = Counter()
            self.by_user: Counter[str] = Counter()
            self.by_code: Counter[str] = Counter()
            self.identity_calls = 0
            self.query_token_calls = 0
            self.faults_injected = 0

    def record(
        self,
        *,
        endpoint: str,
        code: str,
        user: str | None,
        counted: bool,
        day: date,
        query_token: bool = False,
        error_code: str | None = None,
    ) -> None:
        with self._lock:
            self.calls += 1
            self.by_endpoint[endpoint] += 1
            self.by_code[code] += 1
            if user:
                self.by_user[user] += 1
            if query_token:
                self.query_token_calls += 1
            if counted and user:
                self.usage[day][user] += 1
            if error_code:
                self.errors[day][error_code] += 1

    def record_others_errors(self, *, user: str, code: str, count: int, day: date, counted: bool):
        """`count` calls of another integration (API user `user`) that Marketo answered with
        error `code`: the sandbox never saw them, but its statistics report them."""
        with self._lock:
            self.errors[day][code] += count
            if counted:
                self.usage[day][user] += count

    def record_identity(self, *, code: str) -> None:
        with self._lock:
            self.identity_calls += 1
            self.by_endpoint["/identity/oauth/token"] += 1
            self.by_code[code] += 1

    def record_fault(self) -> None:
        with self._lock:
            self.faults_injected += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "calls": self.calls,
                "by_endpoint": dict(self.by_endpoint),
                "by_user": dict(self.by_user),
                "by_code": dict(self.by_code),
                "identity_calls": self.identity_calls,
                "query_token_calls": self.query_token_calls,
                "faults_injected": self.faults_injected,
            }

    def usage_days(self, days: list[date]) -> list[dict]:
        with self._lock:
            return [
                {
                    "date": day.isoformat(),
                    "total": sum(self.usage[day].values()),
                    "users": [
                        {"userId": user, "count": count}
                        for user, count in sorted(self.usage[day].items())
                    ],
                }
                for day in days
            ]

    def error_days(self, days: list[date]) -> list[dict]:
        with self._lock:
            return [
                {
                    "date": day.isoformat(),
                    "total": sum(self.errors[day].values()),
                    "errors": [
                        {"errorCode": code, "count": count}
                        for code, count in sorted(self.errors[day].items())
                    ],
                }
                for day in days
            ]

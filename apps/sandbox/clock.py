"""The sandbox clock: real time plus an offset that tests can set or move.

Every time the sandbox uses (token expiry, the rolling rate window, the daily quota's
America/Chicago date, usage dates) comes from here, so a test can cross midnight in
Chicago or let a token expire without waiting.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# The daily quota resets at 00:00 US Central (error-codes.md, 607: "resets daily at 12:00AM CST").
CHICAGO = ZoneInfo("America/Chicago")


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        """Seconds since the epoch, as the sandbox sees them."""
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def chicago_date(self, at: float | None = None) -> date:
        moment = self.time() if at is None else at
        return datetime.fromtimestamp(moment, CHICAGO).date()

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("set the sandbox clock with an aware datetime")
        with self._lock:
            self._offset = moment.timestamp() - time.time()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

"""`acquire`: wait for admission, shared by both backends (they differ only in try_acquire)."""

import random
import time
from collections.abc import Callable

from .contract import AdmissionTimeout, Budget, Lease, Priority, Wait

# After a refusal a caller sleeps the time it was told plus a little jitter, so that callers
# refused together do not all come back in the same millisecond. Interactive callers come
# back within a few milliseconds, background ones only after 50 ms: when a slot frees, a
# waiting person's call is normally the one that takes it. (With 20 ms a busy machine and a
# Redis cluster's slower round trips let background work win now and then.)
RECHECK_DELAY = {
    Priority.INTERACTIVE: (0.0, 0.005),
    Priority.BACKGROUND: (0.05, 0.1),
}
# Refusals that cannot end early (no release or refund shortens them): when they outlast the
# timeout, give up at once instead of holding a thread until the timeout.
DEFINITE_REASONS = frozenset({"daily", "blocked", "cooldown"})


class BlockingAcquire:
    """Mixin: `acquire` built on the backend's `try_acquire`."""

    # The backend's interval clock and a sleep that lets it pass (tests inject a clock that
    # a fake sleep moves on).
    _clock = staticmethod(time.monotonic)
    _sleep: Callable[[float], None] = staticmethod(time.sleep)

    def acquire(
        self,
        budget: Budget,
        priority: Priority,
        *,
        timeout: float,
        lease_seconds: float | None = None,
    ) -> Lease:
        priority = Priority(priority)
        deadline = self._clock() + timeout
        while True:
            answer = self.try_acquire(budget, priority, lease_seconds=lease_seconds)
            if isinstance(answer, Lease):
                return answer
            remaining = deadline - self._clock()
            if remaining <= 0 or (answer.reason in DEFINITE_REASONS and answer.seconds > remaining):
                raise AdmissionTimeout(answer, timeout)
            low, high = RECHECK_DELAY[priority]
            self._sleep(min(answer.seconds + random.uniform(low, high), remaining))  # noqa: S311

    def try_acquire(
        self, budget: Budget, priority: Priority, *, lease_seconds: float | None = None
    ) -> Lease | Wait:
        raise NotImplementedError

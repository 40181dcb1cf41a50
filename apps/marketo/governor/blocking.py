"""`acquire`: wait for admission, shared by both backends (they differ only in try_acquire)."""

import logging
import random
import time
from collections.abc import Callable, Mapping

from . import stats
from .contract import AdmissionTimeout, Budget, GovernorUnavailable, Lease, Priority, Wait

logger = logging.getLogger(__name__)

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
        started = self._clock()
        deadline = started + timeout
        waited_for = None  # the reason of the last refusal, if any
        while True:
            answer = self.try_acquire(budget, priority, lease_seconds=lease_seconds)
            if isinstance(answer, Lease):
                waited = self._clock() - started
                self._count_quietly(budget, stats.admitted(priority, waited, waited_for))
                return answer
            waited_for = answer.reason
            remaining = deadline - self._clock()
            if remaining <= 0 or (answer.reason in DEFINITE_REASONS and answer.seconds > remaining):
                self._count_quietly(budget, stats.refused(priority, answer.reason))
                raise AdmissionTimeout(answer, timeout)
            low, high = RECHECK_DELAY[priority]
            self._sleep(min(answer.seconds + random.uniform(low, high), remaining))  # noqa: S311

    def _count_quietly(self, budget: Budget, amounts: Mapping[str, float]) -> None:
        # A count lost to an outage costs a figure on /metrics; failing here would cost the
        # call its lease (admitted, but never released) or hide the refusal's reason.
        try:
            self.count(budget.instance_id, amounts)
        except GovernorUnavailable as error:
            logger.warning("the governor's counters were not updated: %s", error)

    def try_acquire(
        self, budget: Budget, priority: Priority, *, lease_seconds: float | None = None
    ) -> Lease | Wait:
        raise NotImplementedError

    def count(self, instance_id: int, amounts: Mapping[str, float]) -> None:
        raise NotImplementedError

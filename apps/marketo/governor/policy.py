"""The rules both backends apply, as plain functions. The Lua script in `lua.py` does the
same arithmetic inside Redis; keep the two in step (the contract tests run on both).
"""

import math

from .contract import Budget, Priority

# A 606 or 615 halves the window budget (multiplicative decrease: another integration is
# using the shared 100 calls / 20 s), then each full window without a new penalty gives back
# a tenth of the configured budget (additive increase), so a halved budget is whole again
# after five windows.
RECOVERY_FRACTION = 0.1

# How soon a caller refused for concurrency should look again. A slot comes free when some
# call ends, which nobody can foresee; the lease expiry is only the worst case.
CONCURRENCY_RECHECK_SECONDS = 0.05


def recovery_step(budget: Budget) -> int:
    return max(1, math.ceil(budget.calls_per_window * RECOVERY_FRACTION))


def shrunk(effective: int) -> int:
    return max(1, effective // 2)


def effective_window_budget(
    budget: Budget, shrunk_to: int | None, penalized_at: float | None, now: float
) -> int:
    """The window budget after penalties: `shrunk_to`, plus a step per full window since."""
    if shrunk_to is None or penalized_at is None:
        return budget.calls_per_window
    steps = max(0, math.floor((now - penalized_at) / budget.window_seconds))
    return min(budget.calls_per_window, shrunk_to + steps * recovery_step(budget))


def recovery_seconds(budget: Budget, shrunk_to: int) -> float:
    """How long after a penalty the budget is whole again (the penalty record can expire)."""
    missing = budget.calls_per_window - shrunk_to
    return math.ceil(missing / recovery_step(budget)) * budget.window_seconds


def window_limit(budget: Budget, effective: int, priority: Priority) -> int:
    """Calls of the window this priority may fill. Background leaves the interactive reserve
    free; when the budget is shrunk below the reserve, it still gets one call per window."""
    if priority is Priority.INTERACTIVE:
        return effective
    return max(1, effective - budget.interactive_reserve)


def concurrency_limit(budget: Budget, priority: Priority) -> int:
    """Slots in flight this priority may fill: background never takes the last one (unless
    there is only one), so a person's call can always start soon."""
    if priority is Priority.INTERACTIVE or budget.concurrency == 1:
        return budget.concurrency
    return budget.concurrency - 1

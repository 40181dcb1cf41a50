"""The governor's contract, run against every backend (memory: embedded; redis: deployment,
on one server and on a Redis Cluster of three primaries).

Budgets here use short windows and leases so that time can pass within a test; the counting
is the same as with Marketo's 20 seconds (help/rest-api/rest-api.md). Time passes by the
`clock` fixture: on memory and SQLite a fake clock that only the test moves (no real wait,
exact figures), on Redis real time, because Redis TIME times that backend (conftest.py).
"""

import threading
import time
from datetime import datetime

import pytest

from apps.marketo.governor import (
    CHICAGO,
    AdmissionTimeout,
    Governor,
    Lease,
    Priority,
    Wait,
)

from .conftest import RESOLUTION_SECONDS, make_budget

INTERACTIVE, BACKGROUND = Priority.INTERACTIVE, Priority.BACKGROUND


def admit(governor, budget, count, priority=INTERACTIVE) -> list[Lease]:
    leases = [governor.try_acquire(budget, priority) for _ in range(count)]
    assert all(isinstance(lease, Lease) for lease in leases), leases
    return leases


def chicago_clock(*wall_time) -> callable:
    """A wall clock stopped at a Chicago local time (the quota day's time zone)."""
    epoch = datetime(*wall_time, tzinfo=CHICAGO).timestamp()
    return lambda: epoch


def test_both_backends_follow_the_protocol(governor):
    assert isinstance(governor, Governor)
    governor.ping()


def test_the_51st_call_in_a_window_waits(governor):
    budget = make_budget(calls_per_window=50)
    for lease in admit(governor, budget, 50):
        governor.release(lease)  # a finished call still counts in the window
    wait = governor.try_acquire(budget, INTERACTIVE)
    assert isinstance(wait, Wait) and wait.reason == "window"
    assert 20.0 < wait.seconds <= 20.0 + budget.safety_margin_seconds
    assert governor.state(budget)["in_window"] == 50


def test_a_call_is_admitted_once_the_oldest_falls_out_of_the_window(governor, clock):
    budget = make_budget(calls_per_window=2, window_seconds=0.3, safety_margin_seconds=0.05)
    admitted = clock()
    admit(governor, budget, 2)
    wait = governor.try_acquire(budget, INTERACTIVE)
    # Redis keeps its own (real) time: on a busy machine some of the window has passed
    # between the admissions and the question.
    passed = clock() - admitted
    assert wait.reason == "window" and 0.3 - passed < wait.seconds <= 0.35
    clock.sleep(wait.seconds)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)


def test_the_6th_call_in_flight_waits_for_a_slot(governor):
    budget = make_budget(concurrency=5)
    admit(governor, budget, 5)
    wait = governor.try_acquire(budget, INTERACTIVE)
    assert wait.reason == "concurrency" and 0 < wait.seconds <= 1
    assert governor.state(budget)["in_flight"] == 5


def test_releasing_a_lease_frees_its_slot(governor):
    budget = make_budget(concurrency=1)
    [lease] = admit(governor, budget, 1)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Wait)
    governor.release(lease)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)
    assert governor.state(budget)["daily_used"] == 2


def test_an_uncounted_call_is_refunded_from_the_window_and_the_day(governor):
    budget = make_budget(calls_per_window=2)
    first, _second = admit(governor, budget, 2)
    governor.release(first, counted=False)  # e.g. Marketo answered 602: not counted
    governor.release(first, counted=False)  # a second release refunds nothing more
    state = governor.state(budget)
    assert (state["in_window"], state["in_flight"], state["daily_used"]) == (1, 1, 1)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)


def test_a_dead_holders_lease_expires_and_frees_its_slot(governor, clock):
    budget = make_budget(concurrency=1, lease_seconds=0.3)
    admit(governor, budget, 1)  # and never released: its process was killed
    wait = governor.try_acquire(budget, INTERACTIVE)
    assert wait.reason == "concurrency"
    clock.sleep(0.35)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)
    assert governor.state(budget)["in_flight"] == 1


def test_background_cannot_take_the_interactive_reserve_but_interactive_can(governor):
    budget = make_budget(calls_per_window=50)
    assert budget.interactive_reserve == 10  # a fifth, as every instance's budget has it
    admit(governor, budget, 40, BACKGROUND)
    assert governor.try_acquire(budget, BACKGROUND).reason == "window"
    admit(governor, budget, 10, INTERACTIVE)
    assert governor.try_acquire(budget, INTERACTIVE).reason == "window"


def test_background_never_takes_the_last_slot_in_flight(governor):
    budget = make_budget(concurrency=5)
    admit(governor, budget, 4, BACKGROUND)
    assert governor.try_acquire(budget, BACKGROUND).reason == "concurrency"
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)


@pytest.mark.parametrize("code", ["606", "615"])
def test_a_busy_instance_cools_down_then_halves_the_budget_which_recovers_step_by_step(
    governor, clock, code
):
    budget = make_budget(
        calls_per_window=10, window_seconds=0.4, safety_margin_seconds=0, cooldown_seconds=0.1
    )
    started = clock()
    governor.penalize(budget, code)
    governor.penalize(budget, code)  # the rest of the same burst: one signal, one halving
    wait = governor.try_acquire(budget, INTERACTIVE)
    elapsed = clock() - started
    # The whole cool-down, less the time the three calls took (none on a fake clock).
    assert wait.reason == "cooldown"
    assert 0.1 - elapsed - RESOLUTION_SECONDS <= wait.seconds <= 0.1
    assert governor.state(budget)["window_budget"] == 5

    clock.sleep(wait.seconds)
    admitted = [governor.try_acquire(budget, INTERACTIVE) for _ in range(6)]
    assert [isinstance(answer, Lease) for answer in admitted] == [True] * 5 + [False]
    assert admitted[-1].reason == "window"

    seen, deadline = [], clock() + 3
    while clock() < deadline and (not seen or seen[-1] < 10):
        seen.append(governor.state(budget)["window_budget"])
        clock.sleep(0.02)
    assert seen[-1] == 10, "the budget recovers in full"
    assert seen == sorted(seen) and len(set(seen)) >= 3, "and step by step"


def test_a_busy_signal_after_the_cool_down_halves_the_budget_again(governor, clock):
    budget = make_budget(calls_per_window=10, cooldown_seconds=0.05)
    governor.penalize(budget, "606")
    clock.sleep(0.05)
    governor.penalize(budget, "615")
    assert governor.state(budget)["window_budget"] == 2


@pytest.mark.parametrize(
    ("chicago_time", "hours_to_midnight"),
    [
        ((2026, 3, 8, 0, 30), 22.5),  # spring forward: the quota day has 23 hours
        ((2026, 11, 1, 0, 30), 24.5),  # fall back: it has 25 hours
        ((2026, 6, 15, 12, 0), 12.0),
    ],
)
def test_607_blocks_the_instance_until_chicago_midnight(
    make_governor, chicago_time, hours_to_midnight
):
    governor = make_governor(wall_clock=chicago_clock(*chicago_time))
    budget = make_budget()
    governor.penalize(budget, "607")
    wait = governor.try_acquire(budget, INTERACTIVE)
    assert wait.reason == "blocked"
    assert wait.seconds == pytest.approx(hours_to_midnight * 3600, abs=1)
    blocked_until = governor.state(budget)["blocked_until"]
    assert blocked_until - time.time() == pytest.approx(hours_to_midnight * 3600, abs=1)
    started = time.monotonic()
    with pytest.raises(AdmissionTimeout) as refused:
        governor.acquire(budget, BACKGROUND, timeout=30)
    assert refused.value.wait.reason == "blocked"
    assert time.monotonic() - started < 1, "a wait that outlasts the timeout fails at once"


def test_the_daily_limit_refuses_with_reason_daily(make_governor):
    governor = make_governor(wall_clock=chicago_clock(2026, 6, 15, 23, 0))
    budget = make_budget(daily_limit=3)
    admit(governor, budget, 3)
    wait = governor.try_acquire(budget, INTERACTIVE)
    assert wait.reason == "daily"
    assert wait.seconds == pytest.approx(3600)


def test_a_new_chicago_day_starts_a_new_count(make_governor):
    clock = {"now": datetime(2026, 6, 15, 23, 59, tzinfo=CHICAGO).timestamp()}
    governor = make_governor(wall_clock=lambda: clock["now"])
    budget = make_budget(daily_limit=1)
    [yesterdays] = admit(governor, budget, 1)
    clock["now"] += 120  # 00:01 in Chicago
    assert governor.state(budget)["daily_used"] == 0
    admit(governor, budget, 1)
    governor.release(yesterdays, counted=False)  # refunded to the day it was charged to
    assert governor.state(budget)["daily_used"] == 1


def test_set_daily_used_takes_the_larger_count(governor):
    budget = make_budget(daily_limit=1000)
    admit(governor, budget, 3)
    governor.set_daily_used(budget, 900)  # Marketo's figure counts the other integrations too
    assert governor.state(budget)["daily_used"] == 900
    governor.set_daily_used(budget, 10)
    assert governor.state(budget)["daily_used"] == 900
    admit(governor, budget, 1)
    assert governor.state(budget)["daily_used"] == 901


def test_acquire_waits_for_the_window_and_admits(governor, clock):
    budget = make_budget(calls_per_window=1, window_seconds=0.2, safety_margin_seconds=0)
    admit(governor, budget, 1)
    started = clock()
    lease = governor.acquire(budget, INTERACTIVE, timeout=2)
    assert isinstance(lease, Lease)
    assert 0.15 < clock() - started < 0.5


def test_acquire_gives_up_with_admission_timeout(governor, clock):
    budget = make_budget(calls_per_window=1)
    admit(governor, budget, 1)
    started = clock()
    with pytest.raises(AdmissionTimeout) as refused:
        governor.acquire(budget, INTERACTIVE, timeout=0.2)
    assert refused.value.wait.reason == "window"
    assert 0.2 <= clock() - started < 0.5


def test_a_waiting_person_gets_the_freed_call_before_background_work(make_governor):
    # Two threads that really wait: real time on every backend.
    governor = make_governor(real_time=True)
    budget = make_budget(calls_per_window=1, window_seconds=0.3, safety_margin_seconds=0)
    assert budget.interactive_reserve == 0
    admit(governor, budget, 1)
    admitted = []

    def wait_for_admission(priority):
        governor.acquire(budget, priority, timeout=3)
        admitted.append(priority)

    background = threading.Thread(target=wait_for_admission, args=[BACKGROUND])
    background.start()  # background started waiting first
    time.sleep(0.05)
    interactive = threading.Thread(target=wait_for_admission, args=[INTERACTIVE])
    interactive.start()
    for thread in (background, interactive):
        thread.join(timeout=5)
    assert admitted == [INTERACTIVE, BACKGROUND]


def test_instances_have_budgets_of_their_own(governor):
    # On the test cluster instances 3 and 4 live on different nodes (test_redis_cluster.py).
    first, second = make_budget(instance_id=3, calls_per_window=2), make_budget(instance_id=4)
    admit(governor, first, 2)
    assert isinstance(governor.try_acquire(first, INTERACTIVE), Wait)
    assert isinstance(governor.try_acquire(second, INTERACTIVE), Lease)
    assert governor.state(second)["in_window"] == 1


def test_the_state_of_an_unused_instance(governor):
    budget = make_budget(daily_limit=5000)
    assert governor.state(budget) == {
        "in_window": 0,
        "in_flight": 0,
        "daily_used": 0,
        "daily_limit": 5000,
        "cooldown_seconds": 0.0,
        "blocked_until": None,
        "window_budget": 50,
    }


def test_penalize_only_takes_the_limit_codes(governor):
    with pytest.raises(ValueError, match="606, 615 or 607"):
        governor.penalize(make_budget(), "601")


def test_each_lease_keeps_its_slot_as_long_as_it_was_asked_to(governor, clock):
    # The budget's default is short; a slow call (an asset approval: 300 s at Marketo) asks
    # for a long lease, and a quick one after it for a short one.
    budget = make_budget(concurrency=2, lease_seconds=0.3)
    slow = governor.try_acquire(budget, INTERACTIVE, lease_seconds=2.0)
    quick = governor.try_acquire(budget, INTERACTIVE, lease_seconds=0.1)
    assert isinstance(slow, Lease) and isinstance(quick, Lease)
    assert governor.try_acquire(budget, INTERACTIVE).reason == "concurrency"
    # Past the default and the short lease (and past the short lease's Redis key expiry, were
    # the key to live only as long as the last lease admitted): the slow call still runs.
    clock.sleep(1.3)
    assert governor.state(budget)["in_flight"] == 1
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)  # default: 0.3 s
    assert governor.try_acquire(budget, INTERACTIVE).reason == "concurrency"
    clock.sleep(0.75)  # 2.05 s: the slow call's lease is over too
    assert governor.state(budget)["in_flight"] == 0
    assert isinstance(governor.try_acquire(budget, INTERACTIVE, lease_seconds=0.1), Lease)


def test_acquire_passes_the_lease_length_on(governor, clock):
    budget = make_budget(concurrency=1, lease_seconds=0.1)
    governor.acquire(budget, INTERACTIVE, timeout=1, lease_seconds=1.0)
    clock.sleep(0.3)  # past the budget's default: the slot is still taken
    assert governor.try_acquire(budget, INTERACTIVE).reason == "concurrency"
    clock.sleep(0.75)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)


@pytest.mark.parametrize("seconds", [0, -1.0])
def test_a_lease_must_have_a_positive_length(governor, seconds):
    with pytest.raises(ValueError, match="lease_seconds must be positive"):
        governor.try_acquire(make_budget(), INTERACTIVE, lease_seconds=seconds)
    assert governor.state(make_budget())["in_flight"] == 0


def test_holding_a_lease_shortens_its_slot_and_never_lengthens_it(governor, clock):
    budget = make_budget(concurrency=1)
    lease = governor.try_acquire(budget, INTERACTIVE, lease_seconds=60)
    assert isinstance(lease, Lease)
    governor.hold(lease, 0.2)  # e.g. its connection dropped (client.py)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Wait), "held for now"
    clock.sleep(0.3)
    second = governor.try_acquire(budget, INTERACTIVE, lease_seconds=0.2)
    assert isinstance(second, Lease), "the held slot has expired"
    governor.hold(second, 60)  # no longer than its own lease
    clock.sleep(0.3)
    assert isinstance(governor.try_acquire(budget, INTERACTIVE), Lease)

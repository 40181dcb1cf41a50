"""The governor's counters (governor/stats.py), on every backend: what `acquire` admitted and
refused and how long it waited, kept in the shared store so that /metrics reports the whole
deployment from any one process."""

import pytest

from apps.marketo.governor import AdmissionTimeout, Priority, stats

from .conftest import INSTANCE_ID, make_budget

INTERACTIVE, BACKGROUND = Priority.INTERACTIVE, Priority.BACKGROUND


def test_a_fresh_instance_reads_zero_everywhere(governor):
    figures = stats.read(governor.counters(INSTANCE_ID))
    assert figures.admitted == {"interactive": 0, "background": 0}
    assert set(figures.refused.values()) == {0}
    assert figures.waits["interactive"].count == 0
    assert figures.token_refreshes == 0


def test_acquire_counts_admissions_and_refusals_by_priority_and_reason(governor):
    budget = make_budget(concurrency=1)
    first = governor.acquire(budget, INTERACTIVE, timeout=1)
    with pytest.raises(AdmissionTimeout):
        governor.acquire(budget, BACKGROUND, timeout=0.1)
    governor.release(first)
    governor.acquire(budget, BACKGROUND, timeout=1)

    figures = stats.read(governor.counters(INSTANCE_ID))
    assert figures.admitted == {"interactive": 1, "background": 1}
    assert figures.refused[("background", "concurrency")] == 1
    assert sum(figures.refused.values()) == 1
    assert set(figures.delayed.values()) == {0}  # each admitted call was admitted at once
    histogram = figures.waits["background"]
    assert histogram.count == 1 and histogram.buckets[-1] == ("+Inf", 1)


def test_a_call_that_waited_for_the_window_lands_in_a_later_bucket(governor):
    budget = make_budget(calls_per_window=1, window_seconds=0.3, safety_margin_seconds=0.05)
    governor.acquire(budget, INTERACTIVE, timeout=1)
    governor.acquire(budget, INTERACTIVE, timeout=2)  # waits for the first to fall out

    figures = stats.read(governor.counters(INSTANCE_ID))
    assert figures.delayed[("interactive", "window")] == 1
    assert sum(figures.delayed.values()) == 1
    histogram = figures.waits["interactive"]
    buckets = dict(histogram.buckets)
    assert histogram.count == 2
    assert buckets["0.25"] == 1  # the first waited no time, the second at least 0.3 s
    assert buckets["+Inf"] == 2
    assert histogram.total >= 0.3


def test_a_spent_day_is_a_refusal_for_the_daily_reason(governor):
    budget = make_budget(daily_limit=1)
    governor.acquire(budget, INTERACTIVE, timeout=1)
    with pytest.raises(AdmissionTimeout):
        governor.acquire(budget, INTERACTIVE, timeout=1)
    assert stats.read(governor.counters(INSTANCE_ID)).refused[("interactive", "daily")] == 1


def test_counters_add_up_and_are_kept_per_instance(governor):
    governor.count(INSTANCE_ID, {stats.TOKEN_REFRESHES: 1})
    governor.count(INSTANCE_ID, {stats.TOKEN_REFRESHES: 2, "wait_sum|interactive": 0.25})
    governor.count(INSTANCE_ID + 1, {stats.TOKEN_REFRESHES: 5})
    assert governor.counters(INSTANCE_ID) == {
        stats.TOKEN_REFRESHES: 3.0,
        "wait_sum|interactive": 0.25,
    }
    assert governor.counters(INSTANCE_ID + 1) == {stats.TOKEN_REFRESHES: 5.0}


def test_every_process_of_a_shared_backend_adds_to_the_same_counters(make_shared_governor):
    one, other = make_shared_governor(), make_shared_governor()
    budget = make_budget()
    one.acquire(budget, INTERACTIVE, timeout=1)
    other.acquire(budget, BACKGROUND, timeout=1)
    for governor in (one, other):
        figures = stats.read(governor.counters(INSTANCE_ID))
        assert figures.admitted == {"interactive": 1, "background": 1}

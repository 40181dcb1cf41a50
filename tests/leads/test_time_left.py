"""The time left of a running lookup: from its own pace, in words, never a guess."""

import itertools

import pytest

from apps.leads.progress import Point, seconds_left, time_left_words

# The pace a 100-call window leaves background work (80 calls per 20.5 s).
WINDOW_PACE = 80 / 20.5


def _steady(batches: int, gap: float, until: float) -> list[Point]:
    """A lookup started at 0 doing a one-call batch every `gap` seconds, as seen at `until`."""
    done = [Point(at=gap * n, calls=1) for n in range(1, batches + 1) if gap * n <= until]
    return [Point(at=0.0, calls=0), *done]


def _estimates(batches: int, gap: float, seconds: int) -> list[float | None]:
    """The estimate a page polling every second shows for the first `seconds` seconds."""
    out = []
    for now in range(seconds):
        points = _steady(batches, gap, now)
        left = batches - (len(points) - 1)
        out.append(seconds_left(points, calls_left=left, now=now, max_rate=WINDOW_PACE))
    return out


def test_there_is_no_estimate_before_there_is_enough_progress():
    assert seconds_left([Point(0, 0)], calls_left=100, now=1) is None
    assert seconds_left([Point(0, 0), Point(1, 1)], calls_left=100, now=1) is None
    # Four calls, but in a second: a burst into an idle window says nothing of the pace.
    burst = [Point(0, 0), *[Point(0.25 * n, 1) for n in range(1, 5)]]
    assert seconds_left(burst, calls_left=100, now=1) is None


def test_under_steady_progress_it_counts_down_and_never_jumps_up():
    # 300 batches, one every 2 s (the window shared with a sync): 600 s in all.
    estimates = _estimates(300, 2.0, 590)
    shown = [(now, value) for now, value in enumerate(estimates) if value is not None]
    assert shown[0][0] <= 10  # an estimate within seconds of the start
    for (_, before), (_, after) in itertools.pairwise(shown):
        assert after <= before + 1.0
    for now, value in shown:
        assert value == pytest.approx(600 - now, abs=3)  # the truth, give or take a batch


def test_it_follows_the_pace_the_governor_actually_gives_not_the_instance_limits():
    # Another job takes most of the window: this one gets a call every 4 s, not 3.9 a second.
    points = _steady(100, 4.0, 60)
    assert seconds_left(points, calls_left=85, now=60, max_rate=WINDOW_PACE) == pytest.approx(
        85 * 4, rel=0.02
    )


def test_a_burst_into_an_idle_window_does_not_promise_more_than_the_window_allows():
    # An idle window admits 80 calls at once, then 3.9 a second: the reported 38 s, then 132 s.
    points = [Point(0, 0), *[Point(0.02 * n, 1) for n in range(1, 81)]]
    points += [Point(1.6 + n / WINDOW_PACE, 1) for n in range(1, 16)]
    now = points[-1].at
    estimate = seconds_left(points, calls_left=500, now=now, max_rate=WINDOW_PACE)
    assert estimate == pytest.approx(500 / WINDOW_PACE, rel=0.01)


def test_a_stalled_lookup_estimates_longer_as_the_stall_lasts():
    points = _steady(100, 1.0, 30)
    on_time = seconds_left(points, calls_left=70, now=30.5)
    stalled = [seconds_left(points, calls_left=70, now=now) for now in (35, 45, 60)]
    assert on_time == pytest.approx(70, abs=1)
    assert on_time < stalled[0] < stalled[1] < stalled[2]
    # Nothing for longer than the window looked at: no pace to go by.
    assert seconds_left(points, calls_left=70, now=200) is None


def test_nothing_left_is_no_time_left():
    assert seconds_left([], calls_left=0, now=5) == 0.0


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (4, "a few seconds left"),
        (38, "less than a minute left"),
        (65, "about 1 minute left"),
        (132, "about 2 minutes left"),
        (59 * 60, "about 59 minutes left"),
        (3700, "about 1 hour left"),
        (4800, "about 1 hour 20 minutes left"),
        (3 * 3600 + 100, "about 3 hours left"),
    ],
)
def test_the_time_left_reads_as_words(seconds, words):
    assert time_left_words(seconds) == words

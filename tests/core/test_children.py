"""The children of `run_embedded`: stopped together, within a limit, quietly when all is well."""

import os
import sys
import threading
import time

from apps.core.children import Child, stop_all

# A child that says it is up, then waits to be stopped, chatting when it is (as Celery does).
WAITS = (
    "import signal, sys, time;"
    "signal.signal(signal.SIGTERM, lambda *_: (print('Warm shutdown', flush=True), sys.exit(0)));"
    "print('up', flush=True); time.sleep(60)"
)
REFUSES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    "print('up', flush=True); time.sleep(60)"
)


def _child(capsys, code, **kwargs):
    """The child, once it has said it is up (its output comes through to ours)."""
    child = Child("probe", [sys.executable, "-c", code], output_lock=threading.Lock(), **kwargs)
    deadline = time.monotonic() + 20
    while "up" not in capsys.readouterr().out:
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.05)
    return child


def test_a_child_runs_in_a_session_of_its_own(capsys):
    child = _child(capsys, WAITS)
    try:
        # So a terminal's Ctrl-C, sent to our process group, does not reach it.
        assert os.getsid(child.pid) == child.pid != os.getsid(0)
    finally:
        stop_all([child], within=5)


def test_children_stop_together_on_sigterm_and_say_nothing_more(capsys):
    children = [_child(capsys, WAITS), _child(capsys, WAITS)]
    started = time.monotonic()
    assert stop_all(children, within=5) == []
    assert time.monotonic() - started < 2
    assert capsys.readouterr().out == ""


def test_a_child_that_ignores_sigterm_is_killed_at_the_limit_and_reported(capsys):
    stubborn = _child(capsys, REFUSES_SIGTERM)
    started = time.monotonic()
    assert stop_all([stubborn], within=1) == [stubborn]
    assert 1 <= time.monotonic() - started < 3
    assert stubborn.killed


def test_a_child_stopped_before_it_has_started_is_killed_not_asked(capsys):
    starting = _child(capsys, REFUSES_SIGTERM, started=lambda: False)
    started = time.monotonic()
    assert stop_all([starting], within=5) == []
    assert time.monotonic() - started < 1
    assert starting.returncode == -9

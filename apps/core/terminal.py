"""Take a terminal's Ctrl-C for this process alone.

A terminal sends Ctrl-C (SIGINT) to its whole foreground process group. Under `make run`
that group holds make, the shell make started and `run_embedded`; make, on SIGINT, waits for
its children and then kills itself with SIGINT, so `make run` could never end with status 0.
`foreground()` moves this process into a group of its own and makes that group the
terminal's foreground, as a shell does for a job: Ctrl-C then reaches this process only,
which stops its children and exits 0, and make exits 0 after it.
"""

import contextlib
import os
import signal


@contextlib.contextmanager
def foreground():
    """Within the block, the terminal's Ctrl-C, Ctrl-\\ and Ctrl-Z reach this process only.
    Does nothing without a controlling terminal, or when this process is not in its
    foreground (started in the background, or by a test with its own session)."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    try:
        previous = _take(tty)
        try:
            yield
        finally:
            if previous is not None:
                _give_back(tty, previous)
    finally:
        os.close(tty)


def _take(tty):
    try:
        previous = os.tcgetpgrp(tty)
        if previous != os.getpgrp() or os.getpid() == os.getsid(0):
            return None  # not in the foreground, or already leading our own session
        os.setpgid(0, 0)
    except OSError:
        return None
    # A background group that sets the foreground gets SIGTTOU, and stops by default. Ctrl-Z
    # would stop this group only, leaving make waiting and the terminal held: ignore it.
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    signal.signal(signal.SIGTSTP, signal.SIG_IGN)
    try:
        os.tcsetpgrp(tty, os.getpgrp())
    except OSError:
        with contextlib.suppress(OSError):
            os.setpgid(0, previous)
        return None
    return previous


def _give_back(tty, previous) -> None:
    # The group may be gone (make killed): the shell takes the terminal back then anyway.
    with contextlib.suppress(OSError):
        os.tcsetpgrp(tty, previous)

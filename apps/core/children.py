"""The child processes of `run_embedded`: started in sessions of their own, their output
passed through, and stopped together within a time limit.

Each child gets its own session, so that a terminal's Ctrl-C (sent to the whole foreground
process group) reaches the parent only: the children are stopped by the parent, once and
in one way, instead of racing it. Their output comes through a pipe, so that what they say
while stopping (Celery's "Warm shutdown" lines) is shown only when a stop goes wrong.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

# A child that exits this way was stopped by us, not broken.
CLEAN_STOP_CODES = {0, -signal.SIGTERM}


class Child:
    """One child process. `started`, when given, tells whether it has finished starting: a
    child stopped before that is killed, having nothing to save (see stop)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        output_lock: threading.Lock,
        env: dict[str, str] | None = None,
        started: Callable[[], bool] | None = None,
    ) -> None:
        self.name = name
        self.killed = False
        self.killed_while_starting = False
        self._started = started
        self._quiet = threading.Event()
        self._held: list[str] = []
        self._lock = output_lock
        env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(  # noqa: S603 (our own argv)
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            text=True,
            errors="replace",
        )
        self._pump = threading.Thread(target=self._pass_output, name=f"{name}-output", daemon=True)
        self._pump.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def _pass_output(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]  # started with stdout=PIPE
            if self._quiet.is_set():
                self._held.append(line)
                continue
            with self._lock:
                try:
                    sys.stdout.write(line)
                    sys.stdout.flush()
                except (OSError, ValueError):
                    pass  # our output is gone (a closed pipe): keep reading, or the child blocks

    def stop(self) -> None:
        """Ask the child to stop (SIGTERM); from now on its output is held back. One that has
        not finished starting is killed instead: its SIGTERM handler may not be ready for it
        (Celery beat's, run while beat loads its schedule, hangs on SQLite's lock)."""
        self._quiet.set()
        if self.process.poll() is not None:
            return
        if self._started is None or self._started():
            self.process.terminate()
        else:
            self.killed_while_starting = True
            self.process.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.killed = True
            self.process.kill()

    def stopped_cleanly(self) -> bool:
        if self.killed_while_starting:
            return True
        return not self.killed and self.process.returncode in CLEAN_STOP_CODES

    def held_output(self) -> str:
        self._pump.join(timeout=1)
        return "".join(self._held)


def stop_all(children: list[Child], *, within: float) -> list[Child]:
    """SIGTERM every child at once, SIGKILL those still running after `within` seconds.
    Returns the children that did not stop cleanly."""
    for child in children:
        child.stop()
    deadline = time.monotonic() + within
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.process.wait()
    return [child for child in children if not child.stopped_cleanly()]

"""`make run`: the web server, one Celery worker and beat, as one command.

Each runs as a child process (apps.core.children), in a session of its own, and this
command takes the terminal's Ctrl-C for itself (apps.core.terminal). On Ctrl-C (or SIGTERM,
SIGHUP, SIGQUIT) it stops them all within STOP_SECONDS, stops the demo sandbox, prints
"stopped" and exits 0; when a child dies on its own, it stops the others and fails.
"""

import logging
import os
import signal
import sys
import threading
import time
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.children import Child, stop_all
from apps.core.jobs import jobs_release_interrupted
from apps.core.terminal import foreground
from apps.site.demo import DEMO_NAME, start_demo_sandbox

READY_TIMEOUT_SECONDS = 60
# From Ctrl-C to the prompt: the worker hands back what still runs after its grace (see
# apps.core.worker_stop), the others stop at once; whatever is left then is killed.
STOP_SECONDS = 4.0
WORKER_STOP_GRACE_SECONDS = 1.5
# A closed terminal (SIGHUP) and Ctrl-\ (SIGQUIT) stop the children too, not orphan them.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


class Stop(Exception):
    """Ctrl-C, or a signal asking us to stop."""


class Command(BaseCommand):
    help = "Run marketo-admin on this machine: web, worker (both queues) and beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--worker-threads", type=int, default=8)

    def handle(self, *args, host, port, worker_threads, **options) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, _raise_stop)
        with foreground():
            self._run(host, port, worker_threads)
        # Stopped, and nothing is left to do: skip the interpreter's teardown, which frees the
        # sandbox's objects one by one (measured 0.5 s, over 1 s on a busy machine).
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(0)

    def _run(self, host, port, worker_threads):
        """Returns once everything is stopped after Ctrl-C; raises when something failed."""
        output_lock = threading.Lock()
        children, sandbox = [], None
        try:
            # This worker will be the only one: a job still marked running was cut off when
            # the last one stopped.
            jobs_release_interrupted()
            for name, argv in _commands(host, port, worker_threads).items():
                children.append(Child(name, argv, output_lock=output_lock, **_extras(name)))
            sandbox = self._start_sandbox()
            self._wait_until_served(host, port, children[0])
            with output_lock:
                self.stdout.write(
                    self.style.SUCCESS(f"\nmarketo-admin is running at http://{host}:{port}/")
                )
                self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.\n")
            while True:
                for child in children:
                    if child.returncode is not None:
                        raise CommandError(
                            f"the {child.name} process stopped (exit {child.returncode})"
                        )
                time.sleep(0.5)
        except Stop:
            self._stop(children, sandbox, output_lock)
            # "\r" writes over the "^C" that the terminal echoed.
            self.stdout.write(("\r" if self.stdout.isatty() else "") + "stopped")
        except BaseException:
            self._stop(children, sandbox, output_lock)
            raise

    def _stop(self, children, sandbox, output_lock) -> None:
        # Ctrl-C again while stopping changes nothing: the stop is bounded already.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        failed = stop_all(children, within=STOP_SECONDS)
        # After the worker: its calls to the sandbox have ended.
        if sandbox is not None:
            sandbox.stop()
        with output_lock:
            for child in failed:
                how = "was killed" if child.killed else f"exited {child.returncode}"
                self.stderr.write(child.held_output() + f"the {child.name} {how} while stopping")

    def _start_sandbox(self):
        """The demo instance's Marketo: a sandbox in this process (threads), not a child
        process, so its credentials never appear on a command line."""
        try:
            sandbox = start_demo_sandbox()
        except OSError as exc:
            raise CommandError(
                f"the demo sandbox could not start: {exc} (set SANDBOX_PORT)"
            ) from exc
        self.stdout.write(f"The sandbox serves {DEMO_NAME} at {sandbox.base_url}")
        return sandbox

    def _wait_until_served(self, host, port, web):
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if web.returncode is not None:
                raise CommandError("the web server did not start; see the lines above")
            try:
                with urllib.request.urlopen(f"http://{host}:{port}/healthz/live", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise CommandError(f"the web server did not answer within {READY_TIMEOUT_SECONDS} s")


def _commands(host, port, worker_threads) -> dict[str, list[str]]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "marketo_admin"]
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [
            *celery,
            "worker",
            "--pool=threads",
            f"--concurrency={worker_threads}",
            "--queues=interactive,background",
            # Neither is needed by one worker, and the filesystem broker has no fan-out.
            "--without-mingle",
            "--without-gossip",
            f"--stop-grace={WORKER_STOP_GRACE_SECONDS}",
            "--loglevel=INFO",
        ],
        "beat": [*celery, "beat", "--loglevel=INFO"],
    }


def _extras(name) -> dict:
    if name != "beat":
        return {}
    # Beat touches its heartbeat file once its schedule is loaded (apps.core.worker_signals):
    # a file of this copy's own, so that another beat on the machine cannot touch it.
    heartbeat = settings.VAR_DIR / "beat-heartbeat"
    heartbeat.unlink(missing_ok=True)
    return {"env": {"BEAT_HEARTBEAT_FILE": str(heartbeat)}, "started": heartbeat.exists}


def _raise_stop(signum, frame):
    raise Stop

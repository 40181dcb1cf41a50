"""`make run`: the web server, one Celery worker and beat, as one command.

Each runs as a child process; Ctrl-C (or any child dying) stops them all.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.core.management.base import BaseCommand, CommandError

READY_TIMEOUT_SECONDS = 60


class Command(BaseCommand):
    help = "Run marketo-admin on this machine: web, worker (both queues) and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--worker-threads", type=int, default=8)

    def handle(self, *args, host, port, worker_threads, **options):
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "marketo_admin"]
        children = {
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
                "--loglevel=INFO",
            ],
            "beat": [*celery, "beat", "--loglevel=INFO"],
        }
        processes = {name: subprocess.Popen(argv) for name, argv in children.items()}  # noqa: S603
        sandbox = self._start_sandbox(processes)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._wait_until_served(host, port, processes)
            url = f"http://{host}:{port}/"
            self.stdout.write(self.style.SUCCESS(f"\nmarketo-admin is running at {url}"))
            self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.\n")
            while True:
                for name, process in processes.items():
                    if process.poll() is not None:
                        raise CommandError(
                            f"the {name} process stopped (exit {process.returncode})"
                        )
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            _stop_all(processes.values())
            if sandbox is not None:
                sandbox.stop()

    def _start_sandbox(self, processes):
        """The demo instance's Marketo: a sandbox in this process (threads), not a child
        process, so its credentials never appear on a command line."""
        from apps.sandbox.demo import DEMO_NAME, start_demo_sandbox

        try:
            sandbox = start_demo_sandbox()
        except OSError as exc:
            _stop_all(processes.values())
            raise CommandError(
                f"the demo sandbox could not start: {exc} (set SANDBOX_PORT)"
            ) from exc
        self.stdout.write(f"The sandbox serves {DEMO_NAME} at {sandbox.base_url}")
        return sandbox

    def _wait_until_served(self, host, port, processes):
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if processes["web"].poll() is not None:
                raise CommandError("the web server did not start; see the lines above")
            try:
                with urllib.request.urlopen(f"http://{host}:{port}/healthz/live", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise CommandError(f"the web server did not answer within {READY_TIMEOUT_SECONDS} s")


def _interrupt(signum, frame):
    # `kill` stops us like Ctrl-C does, so the children are stopped too.
    raise KeyboardInterrupt


def _stop_all(processes):
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()

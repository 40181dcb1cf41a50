"""`make run` and Ctrl-C: everything stops within 5 s, quietly, and nothing is lost.

The command runs as a user runs it: a fresh process on the embedded default (SQLite and the
filesystem broker in a var folder of its own), with the demo's first syncs queued, so that
the worker is busy when Ctrl-C comes.
"""

import os
import pty
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STOP_LIMIT_SECONDS = 5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.local",
        "MARKETO_ADMIN_VAR_DIR": str(var_dir),
        "PORT": str(_free_port()),
        "SANDBOX_PORT": str(_free_port()),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def embedded_env(tmp_path):
    """A migrated embedded default with the demo seeded: its first syncs are queued."""
    env = _embedded_env(tmp_path / "var")
    for command in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return env


def _children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class _Lines:
    """The process's output, line by line, read on a thread so that it never blocks."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return True
            time.sleep(0.1)
        return False

    def since(self, index: int) -> list[str]:
        self._thread.join(timeout=2)
        return [line for line in self.lines[index:] if line.strip()]


def _noise(lines: list[str]) -> list[str]:
    """What a stop must not print: Celery's shutdown chatter, errors, make's complaints."""
    words = ("shutdown", "Traceback", "Error", "make: ***", "Stopping")
    return [line for line in lines if any(word in line for word in words)]


def _sync_finished_or_queued(var_dir: Path) -> bool:
    with sqlite3.connect(var_dir / "db.sqlite3") as db:
        (status,) = db.execute("SELECT status FROM assets_assetsync").fetchone()
    queued = list((var_dir / "broker" / "queue").glob("*.msg"))
    return status == "succeeded" or bool(queued)


def test_ctrl_c_stops_everything_within_5_seconds_and_exits_0(embedded_env):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_embedded"],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own process group, which a terminal's Ctrl-C reaches as a whole.
        start_new_session=True,
    )
    output = _Lines(process.stdout)
    try:
        assert output.wait_for("running at", timeout=90), "\n".join(output.lines)
        # The worker has taken the demo's asset sync: Ctrl-C comes while it runs.
        assert output.wait_for("Task assets.sync_run", timeout=30), "\n".join(output.lines)
        children = _children_of(process.pid)
        assert len(children) == 3  # web, worker, beat
        before_stop = len(output.lines)

        started = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        exit_code = process.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

    assert exit_code == 0
    assert took < STOP_LIMIT_SECONDS
    after_ctrl_c = output.since(before_stop)
    assert after_ctrl_c[-1] == "stopped"
    assert _noise(after_ctrl_c) == [], "\n".join(after_ctrl_c)
    assert [pid for pid in children if _alive(pid)] == []
    # Nothing was lost: the sync either finished or its task is back in the queue.
    assert _sync_finished_or_queued(Path(embedded_env["MARKETO_ADMIN_VAR_DIR"]))


def _press_ctrl_c_in_a_terminal(argv, env, *, when: str, timeout: float = 120):
    """Run `argv` in a pseudo-terminal, type Ctrl-C once `when` shows; returns its exit code,
    what it printed after Ctrl-C, and how long it took to end."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a session whose controlling terminal is the pty
        os.chdir(ROOT)
        os.execvpe(argv[0], argv, env)  # noqa: S606 (argv is ours, no shell wanted)
    seen, pressed_at, mark = b"", None, 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # the terminal closes when the last process holding it ends
                break
            if not chunk:
                break
            seen += chunk
        if pressed_at is None and when.encode() in seen:
            mark, pressed_at = len(seen), time.monotonic()
            os.write(terminal, b"\x03")
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    took = time.monotonic() - pressed_at if pressed_at else None
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), seen[mark:].decode(errors="replace"), took


@pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "python").exists(), reason="`make run` runs .venv/bin/python"
)
def test_ctrl_c_on_make_run_in_a_terminal_ends_make_with_status_0(embedded_env):
    # -o migrate: the database is migrated already, and nothing is (re)installed.
    exit_code, after_ctrl_c, took = _press_ctrl_c_in_a_terminal(
        ["make", "--no-print-directory", "-o", "migrate", "run"], embedded_env, when="running at"
    )
    assert took is not None, after_ctrl_c
    assert exit_code == 0, after_ctrl_c
    assert took < STOP_LIMIT_SECONDS
    # The terminal echoes "^C"; the command writes "stopped" over it, and make adds nothing.
    lines = [line.strip() for line in after_ctrl_c.replace("^C", "").splitlines() if line.strip()]
    assert lines[-1] == "stopped"
    assert _noise(lines) == [], after_ctrl_c

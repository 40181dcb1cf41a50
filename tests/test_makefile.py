"""`make system-deps` waits for another apt-get instead of failing.

No real apt-get runs here: the recipe runs with stand-ins for `apt-get`, `id` and `sleep` on
a PATH without Chromium or docker-compose, so that it has something to install.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK_WAIT = "-o DPkg::Lock::Timeout=600"
LISTS_LOCKED = "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)"


def _recipe_commands() -> list[str]:
    """The Makefile's lines that run apt-get (not the ones telling a person what to run)."""
    return [
        line.strip()
        for line in (ROOT / "Makefile").read_text().splitlines()
        if "apt-get" in line and not line.strip().startswith(("#", "echo"))
    ]


def test_every_apt_get_command_waits_for_the_dpkg_lock():
    commands = _recipe_commands()
    assert any(" update " in command for command in commands)
    assert any(" install " in command for command in commands)
    for command in commands:
        assert f"apt-get {LOCK_WAIT} " in command, command


@pytest.fixture
def fake_system(tmp_path):
    """A PATH with stand-ins for root's apt-get, and neither chromium nor docker-compose."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "apt-get.calls"
    # The first `update`s find the package lists locked, as while another apt-get runs.
    (bin_dir / "apt-get").write_text(
        "#!/bin/bash\n"
        f'echo " $* " >> {calls}\n'
        'if [[ " $* " == *" update "* ]]; then\n'
        f'  tries=$(grep -c " update " {calls})\n'
        "  if (( tries <= ${LOCKED_UPDATES:-0} )); then\n"
        f'    echo "{LISTS_LOCKED}" >&2; exit 100\n'
        "  fi\n"
        '  if [[ -n "$UPDATE_ERROR" ]]; then echo "$UPDATE_ERROR" >&2; exit 100; fi\n'
        "fi\n"
    )
    (bin_dir / "id").write_text("#!/bin/sh\necho 0\n")
    (bin_dir / "sleep").write_text("#!/bin/sh\n")
    for name in ("apt-get", "id", "sleep"):
        (bin_dir / name).chmod(0o755)
    for tool in ("grep", "cat"):
        (bin_dir / tool).symlink_to(shutil.which(tool))

    def run(**env):
        result = subprocess.run(
            [shutil.which("make"), "--no-print-directory", "system-deps"],
            cwd=ROOT,
            env={"PATH": str(bin_dir), "HOME": str(tmp_path), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        lines = [line.strip() for line in calls.read_text().splitlines()] if calls.exists() else []
        return result, lines

    return run


def test_system_deps_tries_the_update_again_while_another_apt_get_holds_the_lists(fake_system):
    result, calls = fake_system(LOCKED_UPDATES="2")
    assert result.returncode == 0, result.stderr
    assert [call.split()[-2:] for call in calls[:3]] == [["update", "-qq"]] * 3
    assert calls[3].startswith(f"{LOCK_WAIT} install -y -qq")
    assert calls[3].split()[-2:] == ["chromium", "docker-compose"]
    assert result.stdout.count("Waiting for another apt-get to finish") == 2


def test_system_deps_fails_at_once_on_any_other_update_error(fake_system):
    result, calls = fake_system(UPDATE_ERROR="E: Failed to fetch http://deb.debian.org/")
    assert result.returncode != 0
    assert "Failed to fetch" in result.stderr
    assert len(calls) == 1

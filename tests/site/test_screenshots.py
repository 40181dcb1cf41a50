"""`make screenshots`: the review gallery is written from a demo of its own."""

import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", header[16:20])[0]


def test_it_writes_each_page_at_both_widths_without_touching_var(tmp_path):
    var = ROOT / "var"
    before = sorted(var.rglob("*")) if var.exists() else []
    done = subprocess.run(
        [sys.executable, "tools/screenshots.py", str(tmp_path), "--only", "sign-in,home,users"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == [
        "home-1366.png",
        "home-375.png",
        "sign-in-1366.png",
        "sign-in-375.png",
        "users-1366.png",
        "users-375.png",
    ]
    assert png_width(tmp_path / "home-1366.png") == 1366
    assert png_width(tmp_path / "users-375.png") == 375
    assert (sorted(var.rglob("*")) if var.exists() else []) == before


def test_it_names_the_pages_it_knows_when_asked_for_another():
    done = subprocess.run(
        [sys.executable, "tools/screenshots.py", "--only", "nowhere"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no page nowhere" in done.stderr and "usage-calls" in done.stderr

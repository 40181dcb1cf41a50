"""The lock (requirements/*.txt, written by `make lock`): what `make` and the image install."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)")


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    return {m[1].lower(): m[2] for m in map(PIN.match, text.splitlines()) if m}


def test_the_tests_run_on_the_versions_the_product_ships():
    runtime, test = _pins("base.txt"), _pins("test.txt")
    assert runtime and test
    assert {name: test.get(name) for name in runtime} == runtime


def test_every_pin_carries_its_hashes():
    for name in ("base.txt", "test.txt"):
        blocks = re.split(r"\n(?=\S)", (ROOT / "requirements" / name).read_text())
        pinned = [block for block in blocks if PIN.match(block)]
        assert pinned and all("--hash=sha256:" in block for block in pinned), name


def test_the_image_installs_the_lock_and_nothing_it_resolves_itself():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/base.txt" in dockerfile
    assert "pip install --no-index --no-deps /wheels/*.whl" in dockerfile

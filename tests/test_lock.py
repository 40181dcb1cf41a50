"""The lock (requirements/*.txt, written by `make lock`): what `make` and the image install."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)")


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    return {canonicalize_name(m[1]): m[2] for m in map(PIN.match, text.splitlines()) if m}


def _asked(*, extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(("lock", "extra"), [("base.txt", None), ("test.txt", "test")])
def test_the_lock_holds_what_pyproject_asks_for(lock, extra):
    pins = _pins(lock)
    missing = [
        str(asked)
        for asked in _asked(extra=extra)
        if not asked.specifier.contains(pins.get(canonicalize_name(asked.name), "0"), True)
    ]
    assert missing == [], f"requirements/{lock} lacks {missing}: run make lock"


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

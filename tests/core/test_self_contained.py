"""The repository stands alone: a clone on its own, with nothing beside it, has everything
its tests, code and documents use, and nothing in it names a file outside it.

The clone test clones the committed tree (HEAD), so it checks what is committed, not
uncommitted edits in the working copy.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

# What the repository must never name: the folder that sat beside the checkout during
# development, and the documents that lived there (this project's own are in docs/).
# Case-sensitive: docs/architecture.md and docs/marketo.md are the project's own.
# Spelled in pieces, so that this file, which must know them, does not name them either.
BESIDE = "shared"
OUTSIDE_DOCUMENTS = [f"{name}.md" for name in ("ARCHITECTURE", "MARKETO", "STYLE")]
OUTSIDE_REFERENCES = [f"../{BESIDE}", f"{BESIDE}/marketo-openapi", *OUTSIDE_DOCUMENTS]
# A relative path that climbs out of its folder ("../x", "../../x"); it must stay inside.
PARENT_PATH = re.compile(r"(?<![.\w])((?:\.\./)+)([\w.-]*)")

needs_git = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(),
    reason="needs git and a git checkout",
)


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(
        ["git", *args],  # noqa: S607
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _tracked_text_files():
    for name in _git("ls-files", "-z").split("\0"):
        path = ROOT / name
        if not name or not path.is_file():
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary files


def _outside_references(name: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for reference in OUTSIDE_REFERENCES:
            if reference in line:
                found.append(f"{name}:{number}: {reference}")
        for match in PARENT_PATH.finditer(line):
            target = (ROOT / name).parent / match.group(1) / match.group(2)
            if not target.resolve().is_relative_to(ROOT):
                found.append(f"{name}:{number}: {match.group(0)}")
    return found


# A Markdown link to a file of the repository: [text](path) or [text](path#anchor).
MARKDOWN_LINK = re.compile(r"\]\((?!https?:|mailto:|#)([^)#\s]+)(?:#([^)\s]+))?\)")
# A pointer from a comment into the docs: docs/marketo.md, "Limits" (or ("Limits")).
DOCS_POINTER = re.compile(r'docs/([\w-]+\.md)(?:,? \(?"([^"]+)")?')


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _headings(path: Path) -> list[str]:
    return [
        line.lstrip("#").strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]


def _unresolved_links(name: str, text: str) -> list[str]:
    problems = []
    if name.endswith(".md"):
        for match in MARKDOWN_LINK.finditer(text):
            target = ((ROOT / name).parent / match.group(1)).resolve()
            if not target.exists():
                problems.append(f"{name}: link to a missing file {match.group(1)}")
            elif (
                match.group(2)
                and target.suffix == ".md"
                and match.group(2) not in {_slug(h) for h in _headings(target)}
            ):
                problems.append(f"{name}: no heading for #{match.group(2)}")
    for match in DOCS_POINTER.finditer(text):
        target = ROOT / "docs" / match.group(1)
        if not target.exists():
            problems.append(f"{name}: pointer to a missing docs/{match.group(1)}")
        elif match.group(2):
            # The section may wrap onto a comment's next line, and may be shortened.
            section = " ".join(match.group(2).replace("#", " ").split())
            if not any(h.startswith(section) for h in _headings(target)):
                problems.append(f'{name}: docs/{match.group(1)} has no section "{section}"')
    return problems


def _clone_env(clone: Path) -> dict:
    env = dict(os.environ)
    # The virtualenv's editable install points at the original checkout: put the clone
    # first, so that its own packages are the ones imported.
    env["PYTHONPATH"] = str(clone)
    # As pyproject.toml's [tool.pytest.ini_options] gives it.
    env["DJANGO_SETTINGS_MODULE"] = "marketo_admin.settings.test"
    return env


@needs_git
def test_no_tracked_file_names_anything_outside_the_repository():
    found = [
        reference
        for name, text in _tracked_text_files()
        if name != THIS_FILE
        for reference in _outside_references(name, text)
    ]
    assert found == [], "references outside the repository:\n" + "\n".join(found)


def test_the_reference_check_finds_a_reference_to_a_parent_folder():
    assert (
        _outside_references("tests/x.py", f'SPEC = ROOT.parent / "{BESIDE}"  # ../{BESIDE}') != []
    )
    assert _outside_references("apps/x.py", f"# see {OUTSIDE_DOCUMENTS[1]}, Limits") != []
    assert _outside_references("docs/x.md", "[limits](../../marketo.md)") != []
    assert _outside_references("docs/x.md", "[sandbox](../apps/sandbox/README.md)") == []
    assert _outside_references("docs/x.md", "see docs/marketo.md and .../leads/") == []


@needs_git
def test_every_link_and_pointer_into_the_docs_resolves():
    problems = [
        problem
        for name, text in _tracked_text_files()
        if name != THIS_FILE
        for problem in _unresolved_links(name, text)
    ]
    assert problems == [], "\n".join(problems)


def test_the_link_check_finds_a_missing_file_or_section():
    assert _unresolved_links("docs/x.md", "[gone](nowhere.md)") != []
    assert _unresolved_links("docs/x.md", "[limits](marketo.md#no-such-heading)") != []
    assert _unresolved_links("apps/x.py", '# (docs/marketo.md, "No such section")') != []
    assert _unresolved_links("apps/x.py", '# (docs/marketo.md, "Limits")') == []
    assert _unresolved_links("docs/x.md", "[sandbox](../apps/sandbox/README.md)") == []


@needs_git
def test_a_fresh_clone_collects_every_test_without_error(tmp_path):
    clone = tmp_path / "ci"
    _git("clone", "--quiet", str(ROOT), str(clone))
    assert os.listdir(tmp_path) == ["ci"]  # nothing beside the clone
    env = _clone_env(clone)

    probe = subprocess.run(
        [sys.executable, "-c", "import apps, marketo_admin; print(apps.__file__)"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(probe.stdout.strip()).is_relative_to(clone)

    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = collected.stdout + collected.stderr
    summary = collected.stdout.strip().splitlines()[-1] if collected.stdout.strip() else ""
    assert collected.returncode == 0, output[-3000:]
    assert "error" not in summary.lower(), output[-3000:]
    assert re.fullmatch(r"\d+ tests collected in [\d.]+s", summary), summary

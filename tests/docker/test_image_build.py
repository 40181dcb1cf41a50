"""The production image's build steps, run here as the Dockerfile runs them.

No Docker engine runs in CI, so the test reads the Dockerfile's `collectstatic` step (its
build-time variables and its command) and the runtime stage's ENV, and runs that command in
a fresh process, only with STATIC_ROOT in a temporary folder. It then renders a page and
serves a static file with the manifest that step wrote: without the manifest every HTML page
of a production deployment is a 500.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text()
VENDOR = ROOT / "static" / "vendor"


def _instructions(dockerfile):
    """(instruction, arguments) pairs, with continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            yield keyword.upper(), rest.strip()


def _runtime_env():
    """The ENV of the last stage, the one the image runs with."""
    stages = DOCKERFILE.split("\nFROM ")
    env = {}
    for keyword, rest in _instructions(stages[-1]):
        if keyword == "ENV":
            env.update(token.split("=", 1) for token in shlex.split(rest))
    return env


def _collectstatic_step():
    """The build-time variables and the command of the RUN that collects static files."""
    (step,) = [
        rest for kw, rest in _instructions(DOCKERFILE) if kw == "RUN" and "collectstatic" in rest
    ]
    command = shlex.split(step.split("&&")[0])
    variables = {}
    while "=" in command[0]:
        name, value = command.pop(0).split("=", 1)
        variables[name] = value
    return variables, command


def _clean_environ():
    # What the image's build has: none of this shell's Django settings or services.
    unwanted = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "STATIC_ROOT", "DEBUG")
    return {k: v for k, v in os.environ.items() if not k.startswith(unwanted)}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """Runs the Dockerfile's collectstatic step; returns (result, environment it ran with)."""
    tmp = tmp_path_factory.mktemp("image")
    variables, command = _collectstatic_step()
    env = {**_clean_environ(), **_runtime_env(), **variables}
    env["STATIC_ROOT"] = str(tmp / "staticfiles")
    # The placeholder database of the build is a file the step may create: keep it here too.
    env["DATABASE_URL"] = f"sqlite:///{tmp / 'build.db'}"
    assert command[:2] == ["python", "manage.py"], command
    result = subprocess.run(
        [sys.executable, *command[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result, env


def test_the_dockerfile_collects_static_files_with_the_production_settings():
    runtime = _runtime_env()
    assert runtime["DJANGO_SETTINGS_MODULE"] == "marketo_admin.settings.production"
    variables, command = _collectstatic_step()
    assert "collectstatic" in command
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= set(variables)


def test_collectstatic_of_the_image_build_succeeds(build):
    result, env = build
    assert result.returncode == 0, result.stdout + result.stderr
    assert (Path(env["STATIC_ROOT"]) / "staticfiles.json").is_file()


# A page and a file, served the way the image serves them: production settings, the
# manifest written above, whitenoise. Each in a fresh process, as gunicorn would load it.
SERVE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="build")
page = client.get("/accounts/login/", secure=True)
assert page.status_code == 200, page.status_code
html = page.content.decode()
import re
css = re.search(r'href="(/static/css/app\\.[0-9a-f]{12}\\.css)"', html)
assert css, html
asset = client.get(css.group(1), secure=True)
assert asset.status_code == 200, asset.status_code
print("served", css.group(1))
"""


def test_a_page_renders_with_the_manifest_the_build_wrote(build):
    result, env = build
    assert result.returncode == 0, result.stdout + result.stderr
    served = subprocess.run(
        [sys.executable, "-c", SERVE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert served.returncode == 0, served.stdout + served.stderr
    assert served.stdout.startswith("served /static/css/app.")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in VENDOR.rglob("*") if p.suffix in {".js", ".css"}),
    ids=lambda p: str(p.relative_to(VENDOR)),
)
def test_no_vendored_file_points_at_a_source_map_the_repository_lacks(path):
    # The manifest storage follows sourceMappingURL comments and fails on a missing target.
    assert "sourceMappingURL" not in path.read_text(encoding="utf-8")

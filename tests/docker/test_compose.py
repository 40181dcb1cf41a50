"""The compose file and the Dockerfile name only things that exist in the project.

(`make test` also runs hadolint; `docker-compose config` runs here and in `make lint`. No
Docker engine runs here.)
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())
ENTRYPOINT = (DOCKER / "entrypoint.sh").read_text()
DOCKERFILE = (DOCKER / "Dockerfile").read_text()
APP_SERVICES = ["web", "worker", "beat"]
MONITORING = {"prometheus", "grafana"}


def test_the_compose_file_has_every_service_with_a_health_check():
    services = COMPOSE["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", *MONITORING}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name


def test_prometheus_and_grafana_start_only_with_the_monitoring_profile():
    for name, service in COMPOSE["services"].items():
        assert service.get("profiles", []) == (["monitoring"] if name in MONITORING else []), name


def test_the_monitoring_services_mount_files_that_exist():
    for name in MONITORING:
        for volume in COMPOSE["services"][name]["volumes"]:
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DOCKER / source).exists(), (name, source)


def test_the_build_context_and_dockerfile_exist():
    build = COMPOSE["services"]["web"]["build"]
    context = (DOCKER / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).is_file()


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_app_service_runs_a_role_of_the_entrypoint(service):
    (role,) = COMPOSE["services"][service]["command"]
    assert re.search(rf"^\s+{role}\)$", ENTRYPOINT, re.MULTILINE), role


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_health_check_calls_a_command_that_exists(service):
    test = COMPOSE["services"][service]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "manage.py"]
    assert test[3] in get_commands()
    from apps.core.management.commands.healthcheck import Command

    assert hasattr(Command, f"check_{test[4]}")


def test_the_entrypoint_calls_commands_that_exist():
    for command in re.findall(r"python manage.py (\w+)", ENTRYPOINT):
        assert command in get_commands(), command
    assert "marketo_admin.wsgi:application" in ENTRYPOINT
    assert (ROOT / "marketo_admin" / "wsgi.py").is_file()


def test_every_path_the_dockerfile_copies_exists():
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY") and "--from=" not in line:
            sources = [p for p in line.split()[1:-1] if not p.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), source
    assert "USER 10001" in DOCKERFILE  # never root at run time


def test_the_production_settings_module_it_names_exists():
    env = COMPOSE["x-app"]["environment"]
    module = env["DJANGO_SETTINGS_MODULE"].replace(".", "/") + ".py"
    assert (ROOT / module).is_file()
    assert "marketo_admin.settings.production" in DOCKERFILE


def _compose_config(**variables) -> dict:
    """The compose file as docker-compose resolves it with the example environment."""
    program = shutil.which("docker-compose")
    if not program:
        pytest.fail("needs docker-compose (make system-deps installs it); this test does not skip")
    result = subprocess.run(
        [program, "--env-file", "docker/example.env", "-f", "docker/compose.yaml", "config"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "GOVERNOR_REDIS_URL"}, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_worker_service_scales_without_collisions():
    # `up --scale worker=4` starts four copies: a fixed name, host port or host name would
    # collide. Each copy's Celery node name comes from its own container's host name.
    worker = _compose_config()["services"]["worker"]
    for key in ("container_name", "ports", "hostname"):
        assert key not in worker, key
    worker_role = re.search(r"^\s+worker\)(.*?);;", ENTRYPOINT, re.MULTILINE | re.DOTALL)
    assert "celery -A marketo_admin worker" in worker_role[1]
    assert "--hostname" not in worker_role[1]


def test_governor_redis_url_reaches_the_app_services_and_is_empty_by_default():
    services = _compose_config()["services"]
    assert {services[name]["environment"]["GOVERNOR_REDIS_URL"] for name in APP_SERVICES} == {""}
    cluster = "redis+cluster://redis-1:6379,redis-2:6379"
    services = _compose_config(GOVERNOR_REDIS_URL=cluster)["services"]
    for name in APP_SERVICES:
        assert services[name]["environment"]["GOVERNOR_REDIS_URL"] == cluster
    assert "# GOVERNOR_REDIS_URL=redis+cluster://" in (DOCKER / "example.env").read_text()


def test_the_metrics_token_reaches_web_and_prometheus_and_web_answers_to_its_name():
    services = _compose_config(METRICS_TOKEN="a-token")["services"]
    assert services["web"]["environment"]["METRICS_TOKEN"] == "a-token"
    assert services["prometheus"]["environment"]["METRICS_TOKEN"] == "a-token"
    # Prometheus scrapes http://web:8000/metrics: Django must accept that host name.
    assert "web" in services["web"]["environment"]["ALLOWED_HOSTS"].split(",")
    assert "web:8000" in (DOCKER / "prometheus" / "prometheus.yml").read_text()

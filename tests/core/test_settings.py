"""Production mode, checked the way an operator starts it: a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.production",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnopq",
    "ALLOWED_HOSTS": "marketo-admin.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/marketo_admin",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "CREDENTIALS_KEYS": Fernet.generate_key().decode(),
}


def _clean_environ():
    # What an operator's shell would have: none of the production variables, and not the
    # browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (which `check --deploy` rightly refuses).
    unwanted = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXY_COUNT"}
    return {k: v for k, v in os.environ.items() if k not in unwanted}


def _manage(*args, env):
    clean = _clean_environ()
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_passes_the_deploy_check_when_configured():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CREDENTIALS_KEYS"])
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "marketo-admin cannot start in production mode: set " + missing in result.stderr


def test_production_logs_json_lines_with_the_request_id():
    code = (
        "import django, logging, json; django.setup();"
        "from django_guid import set_guid; set_guid('req-abcdef12');"
        "logging.getLogger('probe').warning('hello %s', 'world')"
    )
    clean = _clean_environ()
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello world"
    assert line["request_id"] == "req-abcdef12"
    assert line["level"] == "WARNING"
    assert line["logger"] == "probe"


def test_the_embedded_default_needs_no_server_for_the_broker():
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.CELERY_BROKER_URL)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "marketo_admin.settings.local"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "filesystem://localhost//"


def test_production_governs_through_redis():
    code = "from django.conf import settings; print(settings.GOVERNOR_BACKEND)"
    result = _manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.strip() == "redis", result.stderr


def test_the_embedded_default_governs_through_a_sqlite_file_every_process_shares():
    env = {"DJANGO_SETTINGS_MODULE": "marketo_admin.settings.local", "REDIS_URL": ""}
    code = (
        "from django.conf import settings; "
        "print(settings.GOVERNOR_BACKEND, settings.GOVERNOR_SQLITE_PATH.name)"
    )
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.stdout.strip() == "sqlite governor.sqlite3", result.stderr


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"GOVERNOR_BACKEND": "memory"}, "instances.E004"),
        ({"GOVERNOR_BACKEND": "etcd"}, "instances.E002"),
        ({"GOVERNOR_BACKEND": "redis", "REDIS_URL": ""}, "instances.E003"),
    ],
)
def test_the_checks_refuse_a_governor_the_processes_would_not_share(overrides, error):
    env = {"DJANGO_SETTINGS_MODULE": "marketo_admin.settings.local", **overrides}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert error in result.stderr


def test_a_memory_governor_serves_where_tasks_run_in_the_calling_process():
    env = {
        "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.local",
        "GOVERNOR_BACKEND": "memory",
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stderr


_PROXY_SETTINGS = (
    "from django.conf import settings; from rest_framework.settings import api_settings; "
    "print(settings.TRUSTED_PROXY_COUNT, settings.SECURE_PROXY_SSL_HEADER, "
    "api_settings.NUM_PROXIES)"
)


def test_production_trusts_no_forwarded_header_without_a_proxy():
    result = _manage("shell", "--no-imports", "-c", _PROXY_SETTINGS, env=PRODUCTION_ENV)
    assert result.stdout.strip() == "0 None 0", result.stderr


def test_behind_a_proxy_production_trusts_its_forwarded_headers():
    env = {**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "1"}
    result = _manage("shell", "--no-imports", "-c", _PROXY_SETTINGS, env=env)
    assert result.stdout.strip() == "1 ('HTTP_X_FORWARDED_PROTO', 'https') 1", result.stderr
    check = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_negative_proxy_count_is_refused():
    result = _manage("check", env={**PRODUCTION_ENV, "TRUSTED_PROXY_COUNT": "-1"})
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be 0 or more." in result.stderr


def _settings_in_a_fresh_process(names, **variables):
    code = (
        "import django, json; django.setup(); from django.conf import settings;"
        f"print(json.dumps([str(getattr(settings, name)) for name in {names!r}]))"
    )
    unset = ("GOVERNOR_REDIS_URL", "GOVERNOR_BACKEND")
    env = {k: v for k, v in _clean_environ().items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "marketo_admin.settings.test", **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


CLUSTER_URL = "redis+cluster://a:7000,b:7000"
SERVER_URL = "redis://r:6379/0"


@pytest.mark.parametrize(
    ("variables", "governor"),
    [
        ({"REDIS_URL": SERVER_URL}, [SERVER_URL, "redis"]),
        ({"REDIS_URL": SERVER_URL, "GOVERNOR_REDIS_URL": ""}, [SERVER_URL, "redis"]),
        ({"REDIS_URL": SERVER_URL, "GOVERNOR_REDIS_URL": CLUSTER_URL}, [CLUSTER_URL, "redis"]),
        ({"REDIS_URL": "", "GOVERNOR_REDIS_URL": CLUSTER_URL}, [CLUSTER_URL, "redis"]),
        ({"REDIS_URL": ""}, ["", "sqlite"]),
    ],
)
def test_the_governor_uses_redis_url_unless_governor_redis_url_is_set(variables, governor):
    result = _settings_in_a_fresh_process(
        ["GOVERNOR_REDIS_URL", "GOVERNOR_BACKEND", "CELERY_BROKER_URL"], **variables
    )
    assert result.returncode == 0, result.stderr
    *governor_settings, broker = json.loads(result.stdout)
    assert governor_settings == governor
    # The broker stays on REDIS_URL whatever the governor uses.
    assert broker == (variables["REDIS_URL"] or "filesystem://localhost//")


def test_a_cluster_in_redis_url_is_refused_with_where_it_belongs():
    result = _settings_in_a_fresh_process(["REDIS_URL"], REDIS_URL="redis+cluster://a:7000")
    assert result.returncode != 0
    assert "put a Redis Cluster in GOVERNOR_REDIS_URL" in result.stderr


def test_the_embedded_state_lives_in_marketo_admin_var_dir_and_an_empty_database_url_is_unset(
    tmp_path,
):
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.DATABASES['default']['NAME']); print(settings.CELERY_BROKER_FOLDER)"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "marketo_admin.settings.local"
    env["DATABASE_URL"] = ""  # as `DATABASE_URL= make run`, or a blank line in .env, leaves it
    env["MARKETO_ADMIN_VAR_DIR"] = str(tmp_path / "state")
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "state" / "db.sqlite3"),
        str(tmp_path / "state" / "broker"),
    ]


def _on_a_fresh_sqlite_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "marketo_admin.settings.local"
    env["MARKETO_ADMIN_VAR_DIR"] = str(tmp_path / "var")
    return env


def test_migrate_on_a_fresh_sqlite_database_prints_no_warning(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=_on_a_fresh_sqlite_database(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "W047" not in output
    assert "WARNINGS" not in output


def test_the_silenced_sqlite_warning_concerns_the_ledger_hours_alone(tmp_path):
    # SILENCED_SYSTEM_CHECKS silences a check id for every model: a new model whose
    # constraint SQLite cannot build must be looked at, not silenced with LedgerHour's.
    code = (
        "import django; django.setup(); from django.apps import apps;"
        "print(sorted({e.obj._meta.label for m in apps.get_models()"
        " for e in m.check(databases=['default']) if e.id == 'models.W047'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_on_a_fresh_sqlite_database(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "['usage.LedgerHour']"

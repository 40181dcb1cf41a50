import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.instances import vault
from apps.instances.forms import InstanceForm
from apps.instances.models import MarketoInstance

pytestmark = pytest.mark.django_db


def _run(monkeypatch, stdin, *args):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("add_instance", *args, stdout=out)
    return out.getvalue()


def test_the_secret_comes_from_standard_input(monkeypatch):
    out = _run(
        monkeypatch,
        "piped-secret-value\n",
        "--name",
        "Sandbox",
        "--munchkin-id",
        "123-abc-456",
        "--client-id",
        "cid",
        "--rest-url",
        "http://127.0.0.1:8765/rest",
        "--identity-url",
        "http://127.0.0.1:8765/identity",
    )
    instance = MarketoInstance.objects.get()
    assert out.strip() == f"Added Sandbox (id {instance.pk})."
    assert vault.decrypt(instance.client_secret_encrypted) == "piped-secret-value"
    assert instance.munchkin_id == "123-ABC-456"


def test_no_secret_adds_nothing(monkeypatch):
    with pytest.raises(CommandError, match="No client secret on standard input"):
        _run(monkeypatch, "", "--name", "X", "--munchkin-id", "123-ABC-456", "--client-id", "cid")
    assert not MarketoInstance.objects.exists()


def test_invalid_values_are_named(monkeypatch):
    with pytest.raises(CommandError, match="--munchkin-id: A Munchkin id looks like 123-ABC-456"):
        _run(
            monkeypatch,
            "s3cret-value\n",
            "--name",
            "X",
            "--munchkin-id",
            "nope",
            "--client-id",
            "cid",
        )
    assert not MarketoInstance.objects.exists()


REQUIRED = ["--name", "Sandbox", "--munchkin-id", "123-ABC-456", "--client-id", "cid"]


def test_the_limits_are_taken_from_the_options(monkeypatch):
    _run(
        monkeypatch,
        "s3cret-value\n",
        *REQUIRED,
        *["--calls-per-20s", "80", "--concurrency", "8"],
        *["--daily-quota", "100000", "--share", "25"],
    )
    instance = MarketoInstance.objects.get()
    limits = (
        instance.calls_per_20s,
        instance.concurrent_calls,
        instance.daily_quota,
        instance.quota_share_percent,
    )
    assert limits == (80, 8, 100_000, 25)
    assert instance.daily_budget == 25_000


def test_without_limit_options_an_instance_gets_the_defaults_of_the_form(monkeypatch):
    _run(monkeypatch, "s3cret-value\n", *REQUIRED)
    instance = MarketoInstance.objects.get()
    form = InstanceForm()
    for field, default in [
        ("calls_per_20s", 50),
        ("concurrent_calls", 5),
        ("daily_quota", 50_000),
        ("quota_share_percent", 50),
    ]:
        assert getattr(instance, field) == form.fields[field].initial == default


INVALID_LIMITS = [
    ("--calls-per-20s", "calls_per_20s", "0", "greater than or equal to 1"),
    ("--calls-per-20s", "calls_per_20s", "101", "less than or equal to 100"),
    ("--concurrency", "concurrent_calls", "0", "greater than or equal to 1"),
    ("--concurrency", "concurrent_calls", "11", "less than or equal to 10"),
    ("--daily-quota", "daily_quota", "9999", "greater than or equal to 10000"),
    ("--share", "quota_share_percent", "0", "greater than or equal to 1"),
    ("--share", "quota_share_percent", "-5", "greater than or equal to 1"),
    ("--share", "quota_share_percent", "101", "less than or equal to 100"),
]


@pytest.mark.parametrize(("option", "field", "value", "rule"), INVALID_LIMITS)
def test_a_limit_out_of_bounds_is_refused_as_the_form_refuses_it(
    monkeypatch, option, field, value, rule
):
    with pytest.raises(CommandError) as refused:
        _run(monkeypatch, "s3cret-value\n", *REQUIRED, option, value)
    assert not MarketoInstance.objects.exists()
    message = str(refused.value)
    assert message.startswith(f"The instance was not added. {option}: ")
    assert rule in message
    # The form refuses the same value for the same field: the rule has one home.
    form = InstanceForm(data={**_valid_form_data(), field: value})
    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_a_limit_that_is_not_a_number_is_refused(monkeypatch):
    with pytest.raises(CommandError, match="--daily-quota: invalid int value: 'lots'"):
        _run(monkeypatch, "s3cret-value\n", *REQUIRED, "--daily-quota", "lots")
    assert not MarketoInstance.objects.exists()


def _valid_form_data():
    return {
        "name": "Sandbox",
        "munchkin_id": "123-ABC-456",
        "client_id": "cid",
        "client_secret": "s3cret-value",
        "enabled": "on",
        "calls_per_20s": "50",
        "concurrent_calls": "5",
        "daily_quota": "50000",
        "quota_share_percent": "50",
    }

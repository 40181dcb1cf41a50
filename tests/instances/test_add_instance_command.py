import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.instances import vault
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
    with pytest.raises(CommandError, match="munchkin_id: A Munchkin id looks like 123-ABC-456"):
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

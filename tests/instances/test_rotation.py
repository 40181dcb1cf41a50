import io
import threading
import time

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from apps.audit.models import AuditEvent
from apps.instances import vault
from apps.instances.models import MarketoInstance
from apps.instances.rotation import credentials_rotate
from tests.factories import make_instance

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def _bulk_instances(count):
    MarketoInstance.objects.bulk_create(
        MarketoInstance(
            name=f"Instance {n:04}",
            munchkin_id="123-ABC-456",
            client_id=f"client-{n}",
            client_secret_encrypted=vault.encrypt(f"secret-number-{n:04}"),
            client_secret_hint=f"{n:04}",
        )
        for n in range(count)
    )


class Reader(threading.Thread):
    """Reads and decrypts every secret, over and over, as a worker would meanwhile."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.reads = 0
        self.failures = []

    def run(self):
        try:
            while not self.stop.is_set():
                for name, stored in MarketoInstance.objects.values_list(
                    "name", "client_secret_encrypted"
                ):
                    try:
                        plain = vault.decrypt(stored)
                        assert plain == f"secret-number-{name[-4:]}"
                        self.reads += 1
                    except Exception as exc:
                        self.failures.append(repr(exc))
        finally:
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_rotating_1000_secrets_while_they_are_read_fails_no_read(settings):
    settings.CREDENTIALS_KEYS = [OLD]
    _bulk_instances(1000)
    settings.CREDENTIALS_KEYS = [NEW, OLD]  # step 1 of the README: add the new key first
    reader = Reader()
    reader.start()
    time.sleep(0.2)
    started = time.monotonic()
    out = io.StringIO()
    call_command("rotate_credentials_key", stdout=out)
    elapsed = time.monotonic() - started
    time.sleep(0.2)
    reader.stop.set()
    reader.join(timeout=30)

    assert reader.failures == []
    assert reader.reads > 1000
    assert "Moved 1000 secret(s) to the current key; 0 already used it." in out.getvalue()
    keys = set(
        vault.stored_key_id(s)
        for s in MarketoInstance.objects.values_list("client_secret_encrypted", flat=True)
    )
    assert keys == {vault.key_id(NEW)}
    settings.CREDENTIALS_KEYS = [NEW]  # step 3: the old key can go
    assert (
        vault.decrypt(MarketoInstance.objects.get(name="Instance 0042").client_secret_encrypted)
        == "secret-number-0042"
    )
    event = AuditEvent.objects.get(action="credentials.rotate")
    assert event.details["moved"] == 1000
    print(f"\nrotation of 1,000 secrets: {elapsed:.2f} s ({reader.reads} concurrent reads)")


@pytest.mark.django_db
def test_an_interrupted_rotation_finishes_when_run_again(settings, monkeypatch):
    settings.CREDENTIALS_KEYS = [OLD]
    _bulk_instances(250)
    settings.CREDENTIALS_KEYS = [NEW, OLD]
    real_encrypt = vault.encrypt
    calls = {"n": 0}

    def encrypt_then_die(plaintext):
        calls["n"] += 1
        if calls["n"] > 120:
            raise KeyboardInterrupt
        return real_encrypt(plaintext)

    monkeypatch.setattr(vault, "encrypt", encrypt_then_die)
    with pytest.raises(KeyboardInterrupt):
        credentials_rotate(batch_size=100)
    monkeypatch.setattr(vault, "encrypt", real_encrypt)
    # The first batch landed; the second was rolled back as a whole; all still decrypt.
    stored = list(MarketoInstance.objects.values_list("client_secret_encrypted", flat=True))
    assert sum(vault.stored_key_id(s) == vault.key_id(NEW) for s in stored) == 100
    assert all(vault.decrypt(s).startswith("secret-number-") for s in stored)
    report = credentials_rotate(batch_size=100)
    assert (report.moved, report.already_current) == (150, 100)


@pytest.mark.django_db
def test_a_secret_no_key_opens_is_left_alone_and_reported(settings):
    settings.CREDENTIALS_KEYS = [OLD]
    make_instance("Lost")
    settings.CREDENTIALS_KEYS = [NEW]
    err = io.StringIO()
    call_command("rotate_credentials_key", stdout=io.StringIO(), stderr=err)
    assert (
        "1 secret(s) open with no configured key and were left as they are: Lost" in err.getvalue()
    )

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from apps.instances import vault
from apps.instances.checks import credentials_keys_check

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_a_stored_value_names_the_key_that_encrypted_it(settings):
    settings.CREDENTIALS_KEYS = [NEW, OLD]
    stored = vault.encrypt("top-secret-value")
    assert stored.startswith(vault.key_id(NEW) + ":")
    assert "top-secret-value" not in stored
    assert vault.decrypt(stored) == "top-secret-value"


def test_every_configured_key_decrypts_but_only_the_first_encrypts(settings):
    settings.CREDENTIALS_KEYS = [OLD]
    stored = vault.encrypt("top-secret-value")
    settings.CREDENTIALS_KEYS = [NEW, OLD]
    assert vault.decrypt(stored) == "top-secret-value"
    assert vault.stored_key_id(vault.encrypt("x" * 10)) == vault.key_id(NEW)


def test_a_value_whose_key_is_gone_says_so(settings):
    settings.CREDENTIALS_KEYS = [OLD]
    stored = vault.encrypt("top-secret-value")
    settings.CREDENTIALS_KEYS = [NEW]
    with pytest.raises(
        vault.UndecryptableSecret, match=f"key {vault.key_id(OLD)}, which is not configured"
    ):
        vault.decrypt(stored)


def test_a_tampered_value_says_so(settings):
    settings.CREDENTIALS_KEYS = [NEW]
    key, token = vault.encrypt("top-secret-value").split(":")
    tampered = f"{key}:{token[:-6]}AAAAAA"
    with pytest.raises(vault.UndecryptableSecret, match="altered or corrupt"):
        vault.decrypt(tampered)


def test_no_key_at_all_is_a_configuration_error(settings):
    settings.CREDENTIALS_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_KEYS is empty"):
        vault.encrypt("anything")
    assert [e.id for e in credentials_keys_check(None)] == ["instances.E001"]


def test_a_malformed_key_is_reported_by_position(settings):
    settings.CREDENTIALS_KEYS = [NEW, "not-a-fernet-key"]
    errors = credentials_keys_check(None)
    assert [e.id for e in errors] == ["instances.E001"]
    assert "key 2 is not a Fernet key" in errors[0].msg

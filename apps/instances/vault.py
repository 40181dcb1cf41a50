"""The credential vault: Fernet encryption under keys from CREDENTIALS_KEYS.

A stored value reads "<key id>:<Fernet token>". The key id (the first 8 hex digits of the
SHA-256 of the key) names the key that encrypted it, so rotation can tell which rows still
need to move, and a value whose key is gone is reported as such instead of as "corrupt".
The first configured key encrypts; every configured key decrypts.
"""

import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.core.redaction import remember_secret


class UndecryptableSecret(Exception):
    """No configured key opens the stored value (key removed, wrong key, or tampering)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


@lru_cache(maxsize=4)
def _keyring(keys: tuple[str, ...]) -> dict[str, Fernet]:
    ring = {}
    for position, key in enumerate(keys, start=1):
        try:
            ring[key_id(key)] = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"CREDENTIALS_KEYS: key {position} is not a Fernet key (32 url-safe "
                'base64-encoded bytes; make one with `python -c "from cryptography.fernet '
                'import Fernet; print(Fernet.generate_key().decode())"`).'
            ) from exc
    return ring


def configured_keys() -> tuple[str, ...]:
    keys = tuple(k.strip() for k in settings.CREDENTIALS_KEYS if k.strip())
    if not keys:
        raise ImproperlyConfigured("CREDENTIALS_KEYS is empty: no key to encrypt credentials.")
    return keys


def current_key_id() -> str:
    return key_id(configured_keys()[0])


def encrypt(plaintext: str) -> str:
    keys = configured_keys()
    token = _keyring(keys)[key_id(keys[0])].encrypt(plaintext.encode()).decode()
    return f"{key_id(keys[0])}:{token}"


def decrypt(stored: str) -> str:
    stored_key_id, _, token = (stored or "").partition(":")
    fernet = _keyring(configured_keys()).get(stored_key_id)
    if fernet is None:
        raise UndecryptableSecret(
            f"it was encrypted with key {stored_key_id or '?'}, which is not configured"
        )
    try:
        plaintext = fernet.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise UndecryptableSecret(
            "the stored value does not match its key (altered or corrupt)"
        ) from exc
    remember_secret(plaintext)
    return plaintext


def stored_key_id(stored: str) -> str:
    return (stored or "").partition(":")[0]

"""The embedded default: one machine, DEBUG on, no required configuration."""

import sys

from cryptography.fernet import Fernet
from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import CREDENTIALS_KEYS, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
# The demo sandbox that `make run` starts listens on 127.0.0.1 (apps/site/demo.py).
MARKETO_ALLOW_LOOPBACK = True


def _local_secret_key():
    # A key generated once into var/ (git-ignored) keeps sessions valid across restarts
    # without anyone having to configure one.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret_key()


def _local_credentials_key():
    # The embedded default needs no configuration, so it makes its own vault key, once.
    path = VAR_DIR / "credentials_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
        sys.stderr.write(
            f"Generated a key for stored Marketo credentials in {path}.\n"
            "Keep it: credentials saved with it cannot be read without it. "
            "In production set CREDENTIALS_KEYS instead.\n"
        )
    return path.read_text().strip()


if not CREDENTIALS_KEYS and DEBUG:
    CREDENTIALS_KEYS = [_local_credentials_key()]

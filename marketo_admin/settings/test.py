"""Tests: the shared settings, overridden only where it makes the suite faster."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A fixed vault key, so that tests can also check what a wrong key does.
CREDENTIALS_KEYS = ["qdP3GfOGHuq8zSWWSPyRQp2RYRqSMFjMwa4vsmtmQVQ="]
# Without Redis the governor is a SQLite file: each test run gets its own, never var/'s.
GOVERNOR_SQLITE_PATH = Path(tempfile.mkdtemp(prefix="marketo-admin-test-")) / "governor.sqlite3"
if not REDIS_URL:  # noqa: F405
    # One test process: its own memory, never var/cache of a developer's `make run`.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The sandbox of the tests listens on 127.0.0.1 (a random port); tests of production's policy
# switch this off.
MARKETO_ALLOW_LOOPBACK = True

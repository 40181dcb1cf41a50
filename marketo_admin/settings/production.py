"""Production: every required variable must be set, and `check --deploy` must be clean."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CREDENTIALS_KEYS, REDIS_URL, SECRET_KEY, env

REQUIRED = {
    "SECRET_KEY": SECRET_KEY,
    "ALLOWED_HOSTS": env.list("ALLOWED_HOSTS", default=[]),
    "DATABASE_URL": env.str("DATABASE_URL", default=""),
    "REDIS_URL": REDIS_URL,
    "CREDENTIALS_KEYS": CREDENTIALS_KEYS,
}
_missing = [name for name, value in REQUIRED.items() if not value]
if _missing:
    raise ImproperlyConfigured(
        "marketo-admin cannot start in production mode: set "
        + ", ".join(_missing)
        + " in the environment (see the configuration table in README.md)."
    )

DEBUG = False
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS is terminated in front of the app, by a proxy that TRUSTED_PROXY_COUNT counts (the
# base settings then trust its X-Forwarded-Proto).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health checks and the Prometheus of the monitoring profile (docker/compose.yaml) come over
# plain HTTP from inside the network; /metrics still needs its bearer token.
SECURE_REDIRECT_EXEMPT = [r"^healthz", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

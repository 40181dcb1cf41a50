from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from apps.instances import vault


@checks.register(checks.Tags.security)
def credentials_keys_check(app_configs, **kwargs):
    """Every configured vault key must be usable, and there must be one."""
    try:
        vault._keyring(vault.configured_keys())
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="instances.E001")]
    return []


GOVERNOR_BACKENDS = ("redis", "sqlite", "memory")


@checks.register()
def governor_backend_check(app_configs, **kwargs):
    """Every process that calls Marketo must share one governor, or each would spend the
    whole budget: a memory governor is one process's own, so it only serves where the
    worker's tasks run inside the calling process (CELERY_TASK_ALWAYS_EAGER)."""
    backend = settings.GOVERNOR_BACKEND
    if backend not in GOVERNOR_BACKENDS:
        return [
            checks.Error(
                f"GOVERNOR_BACKEND is {backend!r}; "
                f"it must be one of {', '.join(GOVERNOR_BACKENDS)}",
                id="instances.E002",
            )
        ]
    if backend == "redis" and not settings.GOVERNOR_REDIS_URL:
        return [
            checks.Error(
                "GOVERNOR_BACKEND is redis but neither GOVERNOR_REDIS_URL nor REDIS_URL is set",
                id="instances.E003",
            )
        ]
    if backend == "memory" and not settings.CELERY_TASK_ALWAYS_EAGER:
        return [
            checks.Error(
                "GOVERNOR_BACKEND=memory gives each process a governor of its own, so the web "
                "and the worker would each spend the whole budget.",
                hint="Use sqlite (one machine) or redis (any number), or run tasks eagerly.",
                id="instances.E004",
            )
        ]
    return []

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

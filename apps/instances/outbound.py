"""Where Django's settings meet the Marketo client's outbound policy (apps/marketo/outbound.py).

One policy, built from MARKETO_ALLOWED_HOSTS and MARKETO_ALLOW_LOOPBACK, serves both the
validator of an instance's URLs (the model, hence the form, the API and `add_instance`) and
every call (credentials.instance_config puts it into the InstanceConfig).
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, ValidationError

from apps.marketo.errors import DestinationRefused
from apps.marketo.outbound import OutboundPolicy


def outbound_policy() -> OutboundPolicy:
    """Read at each use, not at import: tests switch the settings to production's."""
    try:
        return OutboundPolicy.build(
            settings.MARKETO_ALLOWED_HOSTS, loopback_allowed=settings.MARKETO_ALLOW_LOOPBACK
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"MARKETO_ALLOWED_HOSTS: {exc}") from exc


def check_marketo_url(value: str) -> None:
    """Raises ValidationError unless the deployment may call `value`."""
    try:
        outbound_policy().check_url(value)
    except DestinationRefused as exc:
        raise ValidationError(exc.message, code="outbound") from exc


@checks.register(checks.Tags.security)
def marketo_allowed_hosts_check(app_configs, **kwargs):
    """A malformed MARKETO_ALLOWED_HOSTS would make every call fail: say so at start."""
    try:
        outbound_policy()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="instances.E010")]
    return []

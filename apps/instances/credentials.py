"""The one way from a stored instance to the decrypted config the Marketo client needs."""

from django.views.decorators.debug import sensitive_variables

from apps.instances import vault
from apps.instances.models import MarketoInstance
from apps.instances.outbound import outbound_policy
from apps.marketo.config import InstanceConfig
from apps.marketo.errors import CallNotMade


class CredentialsUnavailable(CallNotMade):
    """The instance's secret cannot be decrypted with the configured keys."""


def undecryptable_message(instance: MarketoInstance) -> str:
    return (
        f"The credentials of {instance.name} cannot be decrypted with the configured keys; "
        "re-enter the secret or restore the key."
    )


@sensitive_variables("secret")
def instance_config(instance: MarketoInstance) -> InstanceConfig:
    try:
        secret = vault.decrypt(instance.client_secret_encrypted)
    except vault.UndecryptableSecret as exc:
        raise CredentialsUnavailable(undecryptable_message(instance)) from exc
    return InstanceConfig(
        instance_id=instance.pk,
        name=instance.name,
        rest_url=instance.effective_rest_url,
        identity_url=instance.effective_identity_url,
        client_id=instance.client_id,
        client_secret=secret,
        outbound=outbound_policy(),
    )


def credentials_problem(instance: MarketoInstance) -> str | None:
    """A sentence for the instance's pages when its secret cannot be read, else None."""
    try:
        vault.decrypt(instance.client_secret_encrypted)
    except vault.UndecryptableSecret:
        return undecryptable_message(instance)
    return None

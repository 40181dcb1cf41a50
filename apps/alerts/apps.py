from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "apps.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from apps.alerts.models import Channel
        from apps.instances.rotation import EncryptedColumns, register_encrypted

        # Webhook addresses and HMAC secrets move to a new vault key with the instances'.
        register_encrypted(
            EncryptedColumns(
                Channel, "name", ("url_encrypted", "secret_encrypted"), kind="alert channel"
            )
        )

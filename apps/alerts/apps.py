from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "apps.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from apps.alerts import receivers, watch  # noqa: F401  (signal receivers)
        from apps.alerts.selectors import quota_thresholds
        from apps.usage.quota import read_thresholds_with

        read_thresholds_with(quota_thresholds)

        from apps.alerts.models import Channel
        from apps.instances.rotation import EncryptedColumns, register_encrypted

        # Webhook addresses and HMAC secrets move to a new vault key with the instances'.
        register_encrypted(
            EncryptedColumns(
                Channel, "name", ("url_encrypted", "secret_encrypted"), kind="alert channel"
            )
        )

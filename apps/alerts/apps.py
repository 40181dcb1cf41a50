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

from django.apps import AppConfig


class InstancesConfig(AppConfig):
    name = "apps.instances"
    label = "instances"
    verbose_name = "Marketo instances"

    def ready(self) -> None:
        from apps.instances import checks  # noqa: F401  (registers the vault key check)

from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "apps.usage"
    label = "usage"
    verbose_name = "Usage"

    def ready(self):
        # Imported once the models are loaded, as Django requires of ready().
        from apps.instances.client import call_attempted
        from apps.usage.ledger import ledger_receive

        call_attempted.connect(ledger_receive, dispatch_uid="usage.ledger")

"""The quota alert moves into the alert rules: each instance's threshold (usage.QuotaAlert)
becomes its quota rule; and beat evaluates the rules every minute (a django-celery-beat row
that admins can see in the admin site)."""

from django.db import migrations

EVERY_MINUTE = "Alerts: evaluate the rules (every minute)"


def thresholds_to_rules(apps, schema_editor):
    QuotaAlert = apps.get_model("usage", "QuotaAlert")
    AlertRule = apps.get_model("alerts", "AlertRule")
    for old in QuotaAlert.objects.all():
        AlertRule.objects.update_or_create(
            instance_id=old.instance_id,
            kind="quota",
            defaults={"threshold": old.threshold_percent, "enabled": True},
        )


def rules_to_thresholds(apps, schema_editor):
    QuotaAlert = apps.get_model("usage", "QuotaAlert")
    AlertRule = apps.get_model("alerts", "AlertRule")
    for rule in AlertRule.objects.filter(kind="quota", instance__isnull=False):
        QuotaAlert.objects.update_or_create(
            instance_id=rule.instance_id,
            defaults={"threshold_percent": min(max(rule.threshold, 1), 100)},
        )


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=EVERY_MINUTE,
        defaults={
            "task": "alerts.evaluate",
            "interval": every_minute,
            "description": "No call to Marketo: reads what the syncs and the ledger stored.",
        },
    )


def drop_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=EVERY_MINUTE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_rules_alerts_channels_deliveries"),
        ("usage", "0005_error_readings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(thresholds_to_rules, rules_to_thresholds),
        migrations.RunPython(schedule, drop_schedule),
    ]

"""The sweep of due alert deliveries (retries, lost messages), every minute, as a
django-celery-beat row that admins see in the admin site."""

from django.db import migrations

SWEEP = "Alerts: send the deliveries that are due (every minute)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP,
        defaults={
            "task": "alerts.deliveries_sweep",
            "interval": every_minute,
            "description": "Retries of failed deliveries, and deliveries whose message was lost.",
        },
    )


def drop_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_quota_thresholds_and_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, drop_schedule)]

"""The collection schedules, as django-celery-beat rows that admins edit in the admin site."""

import json

from django.db import migrations

TODAY = "Usage: today's usage and errors (every 15 minutes)"
SETTLE = "Usage: settle the last 7 days (daily after midnight Central)"


def schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    # 00:20 Central: Marketo has closed the day before; the quota day is Chicago's.
    after_midnight, _ = CrontabSchedule.objects.get_or_create(
        minute="20",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="America/Chicago",
    )
    PeriodicTask.objects.get_or_create(
        name=TODAY,
        defaults={
            "task": "usage.sync_due",
            "interval": every_15,
            "kwargs": json.dumps({"kind": "today"}),
            "description": "2 calls per instance. An instance never synced is back-filled.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=SETTLE,
        defaults={
            "task": "usage.sync_due",
            "crontab": after_midnight,
            "kwargs": json.dumps({"kind": "settle"}),
            "description": "2 calls per instance: the final counts of the finished days.",
        },
    )


def drop_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[TODAY, SETTLE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0002_quotaalert_errorday_usageday_usagesync"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules, drop_schedules)]

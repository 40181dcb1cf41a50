"""Trigram search on PostgreSQL (the embedded SQLite default scans, which is fine at its
size), and the two schedules admins can edit in the admin site (django-celery-beat)."""

import json

from django.db import migrations

NIGHTLY = "Assets: nightly full sync (detects deletions)"
HOURLY = "Assets: hourly incremental sync"


def search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS assets_asset_search_trgm ON assets_mirroredasset "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS assets_asset_search_trgm")


def schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="5", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    for name, crontab, mode in ((NIGHTLY, nightly, "full"), (HOURLY, hourly, "incremental")):
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": "assets.sync_scheduled",
                "crontab": crontab,
                "kwargs": json.dumps({"mode": mode}),
                "description": "Edit the time here; disable to stop it.",
            },
        )


def drop_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[NIGHTLY, HOURLY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(search_index, drop_search_index),
        migrations.RunPython(schedules, drop_schedules),
    ]

"""The daily reading of each instance's users, as a django-celery-beat row admins edit."""

from django.db import migrations

DAILY = "Integrations: read each instance's Marketo users (daily)"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 01:10 Central: after the usage settle of 00:20, away from the quota day's busy hours.
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="10",
        hour="1",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="America/Chicago",
    )
    PeriodicTask.objects.get_or_create(
        name=DAILY,
        defaults={
            "task": "integrations.user_sync_due",
            "crontab": nightly,
            "description": "3 calls per instance, plus one per 200 users and one per API-only"
            " user (its roles).",
        },
    )


def drop_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=DAILY).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_marketo_users_roles_workspaces_and_syncs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, drop_schedule)]

"""Whether each user chose their time zone, so that the browser's zone, taken once at a
sign-in, never replaces a choice.

A profile whose zone is not the default (UTC), or whose owner ever saved their settings
(a "profile.update" event in the audit trail), counts as chosen; the others are not chosen
yet, and take the browser's zone at their next sign-in.
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q


def mark_chosen(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    saved = AuditEvent.objects.filter(action="profile.update", actor_id=OuterRef("user_id"))
    Profile.objects.filter(~Q(time_zone="UTC") | Exists(saved)).update(time_zone_source="chosen")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_role_groups"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="time_zone_source",
            field=models.CharField(
                choices=[
                    ("default", "Not chosen yet"),
                    ("browser", "Taken from the browser at sign-in"),
                    ("chosen", "Chosen by the user"),
                ],
                default="default",
                max_length=16,
            ),
        ),
        migrations.RunPython(mark_chosen, migrations.RunPython.noop),
    ]

"""The quota alert's thresholds were copied into the alert rules (alerts 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0005_error_readings"),
        ("alerts", "0002_quota_thresholds_and_schedule"),
    ]

    operations = [migrations.DeleteModel(name="QuotaAlert")]

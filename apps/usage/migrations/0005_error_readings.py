import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("instances", "0001_initial"),
        ("usage", "0004_job_recovery"),
    ]

    operations = [
        migrations.CreateModel(
            name="ErrorReading",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("read_at", models.DateTimeField()),
                ("code", models.CharField(max_length=16)),
                ("added", models.PositiveIntegerField()),
                (
                    "instance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="error_readings",
                        to="instances.marketoinstance",
                    ),
                ),
            ],
            options={
                "ordering": ["-read_at"],
                "indexes": [
                    models.Index(
                        fields=["instance", "code", "read_at"],
                        name="usage_error_instanc_68959e_idx",
                    )
                ],
            },
        ),
    ]

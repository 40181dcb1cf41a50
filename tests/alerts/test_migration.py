"""The quota alert's thresholds become the quota rules (alerts 0002), and beat gets the
every-minute evaluation."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("usage", "0005_error_readings"), ("alerts", "0001_rules_alerts_channels_deliveries")]
AFTER = [("usage", "0006_quota_alert_moved_to_alert_rules")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_each_instances_threshold_becomes_its_quota_rule():
    old = _migrate(BEFORE)
    Instance = old.get_model("instances", "MarketoInstance")
    fields = {
        "munchkin_id": "123-ABC-456",
        "client_secret_encrypted": "x",
        "rest_url": "https://123-abc-456.mktorest.com/rest",
        "identity_url": "https://123-abc-456.mktorest.com/identity",
    }
    strict = Instance.objects.create(name="Strict", client_id="a", **fields)
    Instance.objects.create(name="Untouched", client_id="b", **fields)
    old.get_model("usage", "QuotaAlert").objects.create(instance_id=strict.pk, threshold_percent=65)
    try:
        new = _migrate(AFTER)
        rules = new.get_model("alerts", "AlertRule").objects.all()
        assert [(r.instance_id, r.kind, r.threshold, r.enabled) for r in rules] == [
            (strict.pk, "quota", 65, True)
        ]
        task = new.get_model("django_celery_beat", "PeriodicTask").objects.get(
            task="alerts.evaluate"
        )
        assert (task.interval.every, task.interval.period, task.enabled) == (1, "minutes", True)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

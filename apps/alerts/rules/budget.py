"""An integration at its warn or critical level of its daily budget on the instance."""

from datetime import datetime

from apps.alerts.models import Alert
from apps.alerts.rules import Condition
from apps.integrations.selectors import budget_statuses

SEVERITIES = {"warning": Alert.Severity.WARNING, "critical": Alert.Severity.CRITICAL}


def budgets(instance, threshold: int, now: datetime) -> list[Condition]:
    conditions = []
    for status in budget_statuses(instance=instance):
        if status.level not in SEVERITIES:
            continue
        integration = status.integration
        level = (
            integration.critical_percent if status.level == "critical" else integration.warn_percent
        )
        conditions.append(
            Condition(
                subject=f"integration:{integration.pk}",
                severity=SEVERITIES[status.level],
                title=f"{integration.name} has used {status.percent:.0f}% of its daily budget"
                f" on {instance.name}",
                summary=(
                    f"{status.calls:,} calls today of its {status.budget:,} (Marketo's count"
                    f" for its API users as of the last usage sync), past its {status.level}"
                    f" level of {level}%."
                ),
                facts={
                    "integration": integration.name,
                    "calls_today": status.calls,
                    "daily_budget": status.budget,
                    "percent_used": round(status.percent, 1),
                    "level_percent": level,
                },
            )
        )
    return conditions

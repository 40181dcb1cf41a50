"""The rules: each reads what marketo-admin already knows (no call to Marketo) and says which
of its conditions hold now. Evaluating them into alerts is apps.alerts.services'."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from apps.alerts.models import RuleKind


@dataclass(frozen=True)
class Condition:
    """One thing a rule finds wrong now: about `subject` (see Alert.subject), in words."""

    subject: str
    severity: str  # an Alert.Severity
    title: str
    summary: str
    facts: dict = field(default_factory=dict)  # figures, under names that read as words


# (instance, threshold, now) -> the conditions that hold; instance is None for the
# deployment's rules.
Check = Callable[..., list[Condition]]


def checks() -> dict[str, Check]:
    # Imported here: each rule's module imports Condition from this package.
    from apps.alerts.rules import budget, credential, errors, heartbeat, jobs, quota

    return {
        RuleKind.QUOTA: quota.quota_use,
        RuleKind.FORECAST: quota.forecast,
        RuleKind.BUDGET: budget.budgets,
        RuleKind.ERROR_SPIKE: errors.error_spikes,
        RuleKind.CREDENTIAL: credential.credentials,
        RuleKind.JOB_STALLED: jobs.stalled_jobs,
        RuleKind.HEARTBEAT: heartbeat.heartbeats,
    }


def at(moment: datetime) -> str:
    """A moment in facts: ISO in UTC; the pages show it in the viewer's zone."""
    return moment.isoformat()

"""Reads for the API users page and API: the instance's API users from Marketo's list, with
their calls of the last 30 quota days from the usage statistics (apps/usage)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Sum

from apps.instances.models import MarketoInstance
from apps.integrations.models import (
    Integration,
    IntegrationApiUser,
    MarketoRole,
    MarketoUser,
    UserSync,
)
from apps.usage.days import today
from apps.usage.models import UsageDay

CALL_DAYS = 30


@dataclass
class ApiUserRow:
    userid: str
    name: str = ""
    email: str = ""
    marketo_id: int | None = None
    # "listed": an API-only user in Marketo's list; "gone": listed once, deleted since;
    # "unlisted": seen only in the usage statistics (never in the list, or not read yet).
    state: str = "listed"
    api_only: bool = True
    roles: list[dict] = field(default_factory=list)
    calls_30_days: int = 0
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


STATE_LABELS = {
    "listed": "In Marketo's list",
    "gone": "No longer in Marketo's list",
    "unlisted": "Seen in usage only",
    "person": "A person (not API-only) that made API calls",
}


def calls_since(*, instance, days: int = CALL_DAYS, until: date | None = None) -> dict[str, int]:
    """Calls per API user over the last `days` quota days (Marketo's figures, kept by
    apps/usage), today included."""
    end = until or today()
    start = end - timedelta(days=days - 1)
    rows = (
        UsageDay.objects.filter(instance=instance, date__gte=start, date__lte=end)
        .values("api_user")
        .annotate(calls=Sum("calls"))
    )
    return {row["api_user"]: int(row["calls"]) for row in rows}


def api_users(*, instance, until: date | None = None) -> list[ApiUserRow]:
    """Every API-only user Marketo lists (or listed), and every other user the usage
    statistics name: most calls first, then by user id."""
    calls = calls_since(instance=instance, until=until)
    descriptions = dict(
        MarketoRole.objects.filter(instance=instance).values_list("role_id", "description")
    )
    known = {user.userid.lower(): user for user in MarketoUser.objects.filter(instance=instance)}
    rows: dict[str, ApiUserRow] = {}
    for user in known.values():
        if not user.api_only and not _calls_of(calls, user.userid):
            continue  # people who made no API calls are not API users
        rows[user.userid.lower()] = ApiUserRow(
            userid=user.userid,
            name=user.name,
            email=user.email,
            marketo_id=user.marketo_id,
            state="gone" if user.gone else ("listed" if user.api_only else "person"),
            api_only=user.api_only,
            roles=[
                {**role, "description": descriptions.get(role.get("role_id"), "")}
                for role in user.roles
            ],
            calls_30_days=_calls_of(calls, user.userid),
            first_seen_at=user.first_seen_at,
            last_seen_at=user.last_seen_at,
        )
    for userid, count in calls.items():
        if userid.lower() not in rows:
            rows[userid.lower()] = ApiUserRow(
                userid=userid, state="unlisted", api_only=False, calls_30_days=count
            )
    return sorted(rows.values(), key=lambda row: (-row.calls_30_days, row.userid.lower()))


def _calls_of(calls: dict[str, int], userid: str) -> int:
    return sum(count for name, count in calls.items() if name.lower() == userid.lower())


def last_user_sync(*, instance) -> UserSync | None:
    return instance.user_syncs.first()


def last_successful_user_sync(*, instance) -> UserSync | None:
    return instance.user_syncs.filter(status=UserSync.Status.SUCCEEDED).first()


# --- integrations' budgets ------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetStatus:
    """One integration's calls on one instance on one quota day against its budget."""

    integration: Integration
    instance: MarketoInstance
    calls: int  # Marketo's figures for its API users on that instance, as of the last sync
    budget: int

    @property
    def percent(self) -> float:
        return self.calls * 100 / self.budget

    @property
    def level(self) -> str:
        """ "ok", "warning" or "critical", by the integration's thresholds."""
        if self.calls * 100 >= self.integration.critical_percent * self.budget:
            return "critical"
        if self.calls * 100 >= self.integration.warn_percent * self.budget:
            return "warning"
        return "ok"


def budget_statuses(*, instance, day: date | None = None) -> list[BudgetStatus]:
    """Every integration with a budget and API users on `instance`: its calls on the quota
    day `day` (today by default), by name."""
    on = day or today()
    mapped: dict[int, set[str]] = {}
    integrations: dict[int, Integration] = {}
    for row in IntegrationApiUser.objects.filter(instance=instance).select_related("integration"):
        integrations[row.integration_id] = row.integration
        mapped.setdefault(row.integration_id, set()).add(row.userid.lower())
    calls = UsageDay.objects.filter(instance=instance, date=on).values_list("api_user", "calls")
    spent: dict[int, int] = dict.fromkeys(mapped, 0)
    for userid, count in calls:
        for integration_id, userids in mapped.items():
            if userid.lower() in userids:
                spent[integration_id] += count
    statuses = []
    for integration_id, integration in integrations.items():
        budget = integration.budget_on(instance)
        if budget:
            statuses.append(BudgetStatus(integration, instance, spent[integration_id], budget))
    return sorted(statuses, key=lambda status: status.integration.name.lower())

"""Reads for the API users page and API (the instance's API users from Marketo's list, with
their calls of the last 30 quota days from the usage statistics of apps/usage), and for the
integration registry: the integrations, their API users, calls, budgets, errors and roles."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Sum
from django.http import Http404

from apps.core.permissions import Action, is_admin, may
from apps.instances.models import MarketoInstance
from apps.integrations.endpoints import families_text, family_of
from apps.integrations.models import (
    Integration,
    IntegrationApiUser,
    MarketoRole,
    MarketoUser,
    UserSync,
)
from apps.marketo.codes import code_info
from apps.usage.days import today
from apps.usage.models import UsageDay
from apps.usage.selectors import (
    date_range,
    errors_report,
    history_start,
    ledger_codes,
    ledger_endpoints,
)

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
    # The integration an admin mapped it to, if any.
    integration: Integration | None = None

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
    mapped = integrations_by_api_user(instance=instance)
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
    for key, row in rows.items():
        row.integration = mapped.get(key)
    return sorted(rows.values(), key=lambda row: (-row.calls_30_days, row.userid.lower()))


def integrations_by_api_user(*, instance) -> dict[str, Integration]:
    """{API user id, lower case: its integration} on `instance`: how every page and report
    tells which integration an API user's calls belong to (Marketo's figures spell a user
    in more than one case)."""
    return {
        row.userid.lower(): row.integration
        for row in IntegrationApiUser.objects.filter(instance=instance).select_related(
            "integration", "integration__owner"
        )
    }


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
    owners = integrations_by_api_user(instance=instance)
    integrations = {integration.pk: integration for integration in owners.values()}
    spent: dict[int, int] = dict.fromkeys(integrations, 0)
    calls = UsageDay.objects.filter(instance=instance, date=on).values_list("api_user", "calls")
    for userid, count in calls:
        integration = owners.get(userid.lower())
        if integration is not None:
            spent[integration.pk] += count
    statuses = []
    for integration_id, integration in integrations.items():
        budget = integration.budget_on(instance)
        if budget:
            statuses.append(BudgetStatus(integration, instance, spent[integration_id], budget))
    return sorted(statuses, key=lambda status: status.integration.name.lower())


# --- the integration registry ---------------------------------------------------------------

RECENT_DAYS = 7
REPORT_DAYS = 30
# How far back the ledger is read for the endpoints marketo-admin's own API user called.
ENDPOINT_DAYS = 90
# userRoleWorkspaces name a role over every workspace with this pseudo-workspace.
ALL_ZONES = (0, "AllZones")
UNASSIGNED = "Unassigned"


def visible_instances(*, user) -> list[MarketoInstance]:
    """The instances whose usage `user` may read, by name."""
    return [
        instance
        for instance in MarketoInstance.objects.visible_to(user).order_by("name").distinct()
        if may(user, Action.VIEW_USAGE, instance)
    ]


@dataclass
class IntegrationSummary:
    """One integration on the list: its API users and figures on the instances the viewer
    may see."""

    integration: Integration
    api_users: list[IntegrationApiUser]
    calls_today: int = 0
    calls_7_days: int = 0
    budgets: list[BudgetStatus] = field(default_factory=list)

    @property
    def instances(self) -> list[MarketoInstance]:
        seen: dict[int, MarketoInstance] = {}
        for row in self.api_users:
            seen.setdefault(row.instance_id, row.instance)
        return sorted(seen.values(), key=lambda instance: instance.name.lower())

    @property
    def level(self) -> str:
        """The worst budget level today ("" without a budget)."""
        levels = [status.level for status in self.budgets]
        return next((level for level in ("critical", "warning", "ok") if level in levels), "")


def integration_list(*, user) -> list[IntegrationSummary]:
    """Every integration (admins), or those with API users on an instance `user` may see;
    with their calls today and over 7 days (Marketo's figures, as of the last usage sync)
    and today's budget on each instance."""
    instances = visible_instances(user=user)
    mappings = list(
        IntegrationApiUser.objects.filter(instance__in=instances).select_related("instance")
    )
    integrations = Integration.objects.select_related("owner")
    if not is_admin(user):
        integrations = integrations.filter(pk__in={row.integration_id for row in mappings})
    summaries = {
        integration.pk: IntegrationSummary(integration, api_users=[])
        for integration in integrations
    }
    owner_of = {(row.instance_id, row.userid.lower()): row.integration_id for row in mappings}
    for row in mappings:
        summaries[row.integration_id].api_users.append(row)
    since = today() - timedelta(days=RECENT_DAYS - 1)
    usage = UsageDay.objects.filter(instance__in=instances, date__gte=since, date__lte=today())
    for instance_id, userid, on, calls in usage.values_list(
        "instance_id", "api_user", "date", "calls"
    ):
        integration_id = owner_of.get((instance_id, userid.lower()))
        if integration_id is None:
            continue
        summaries[integration_id].calls_7_days += calls
        if on == today():
            summaries[integration_id].calls_today += calls
    for instance in {row.instance_id: row.instance for row in mappings}.values():
        for status in budget_statuses(instance=instance):
            summaries[status.integration.pk].budgets.append(status)
    return sorted(summaries.values(), key=lambda summary: summary.integration.name.lower())


@dataclass
class InstanceIntegration:
    """An integration with API users on one instance, as the API lists it there."""

    integration: Integration
    api_users: list[str]
    calls_today: int
    budget: BudgetStatus | None


def instance_integrations(*, instance) -> list[InstanceIntegration]:
    """The integrations with API users on `instance`: their API users there, their calls
    today (Marketo's figures as of the last usage sync) and today's budget, by name."""
    owners = integrations_by_api_user(instance=instance)
    found: dict[int, InstanceIntegration] = {}
    for row in IntegrationApiUser.objects.filter(instance=instance).select_related(
        "integration", "integration__owner"
    ):
        item = found.setdefault(
            row.integration_id, InstanceIntegration(row.integration, [], 0, None)
        )
        item.api_users.append(row.userid)
    for userid, calls in UsageDay.objects.filter(instance=instance, date=today()).values_list(
        "api_user", "calls"
    ):
        integration = owners.get(userid.lower())
        if integration is not None:
            found[integration.pk].calls_today += calls
    for status in budget_statuses(instance=instance):
        found[status.integration.pk].budget = status
    return sorted(found.values(), key=lambda item: item.integration.name.lower())


def integration_get(*, user, pk: int) -> Integration:
    """The integration, if `user` may see it (admins: all; others: one with an API user on
    an instance they may see); 404 otherwise, as for an instance they may not see."""
    integration = Integration.objects.select_related("owner").filter(pk=pk).first()
    if integration is None:
        raise Http404("No such integration.")
    if is_admin(user):
        return integration
    if not integration.api_users.filter(instance__in=visible_instances(user=user)).exists():
        raise Http404("No such integration.")
    return integration


def unassigned_api_users(*, instance, rows: list[ApiUserRow] | None = None) -> list[ApiUserRow]:
    """The API users of `instance` mapped to no integration that matter: those with calls in
    the last 30 quota days, or listed by Marketo as API-only."""
    rows = api_users(instance=instance) if rows is None else rows
    return [
        row
        for row in rows
        if row.integration is None and (row.state == "listed" or row.calls_30_days > 0)
    ]


def unassigned_everywhere(*, user) -> list[tuple[MarketoInstance, list[ApiUserRow]]]:
    """(instance, its unassigned API users) for each instance `user` may see that has any."""
    found = []
    for instance in visible_instances(user=user):
        rows = unassigned_api_users(instance=instance)
        if rows:
            found.append((instance, rows))
    return found


def mappable_api_users(*, user) -> list[tuple[MarketoInstance, list[ApiUserRow]]]:
    """(instance, [ApiUserRow]) of the API users an admin may map to an integration: per
    instance, its known API users (Marketo's list and those seen in usage) not mapped yet."""
    choices = []
    for instance in visible_instances(user=user):
        rows = [row for row in api_users(instance=instance) if row.integration is None]
        if rows:
            choices.append((instance, rows))
    return choices


def api_user_known(*, instance, userid: str) -> ApiUserRow | None:
    """The row of `userid` among the instance's known API users (any case), or None."""
    wanted = userid.strip().lower()
    return next((row for row in api_users(instance=instance) if row.userid.lower() == wanted), None)


# --- one integration's page ------------------------------------------------------------------


@dataclass
class InstanceUse:
    """One integration's calls on one instance over the last REPORT_DAYS quota days."""

    instance: MarketoInstance
    api_users: list[IntegrationApiUser]
    days: list[dict]  # date, calls, known (a day with figures), errors {code: count}
    total: int
    instance_total: int  # every API user's calls on the instance over the same days
    today: int
    budget: BudgetStatus | None
    # marketo-admin's own API user is one of the integration's: the errors of its calls, by
    # code, as the ledger counted them (exact, unlike Marketo's per-instance figures).
    ours: bool = False
    ledger_errors: list[dict] = field(default_factory=list)  # code, count, meaning

    @property
    def data_days(self) -> int:
        return sum(1 for day in self.days if day["known"])

    @property
    def average(self) -> float:
        return round(self.total / self.data_days, 1) if self.data_days else 0

    @property
    def share_of_calls(self) -> float:
        """Its share of all the instance's calls over the days."""
        return self.total * 100 / self.instance_total if self.instance_total else 0

    @property
    def share_of_quota_today(self) -> float:
        return self.today * 100 / self.instance.daily_quota if self.instance.daily_quota else 0

    @property
    def share_of_quota_average(self) -> float:
        quota = self.instance.daily_quota
        return self.average * 100 / quota if quota else 0

    @property
    def error_days(self) -> list[dict]:
        """The days it called on which the instance had errors, newest first."""
        return [day for day in reversed(self.days) if day["calls"] and day["errors"]]


def integration_usage(
    *, integration: Integration, user, until: date | None = None
) -> list[InstanceUse]:
    """Per instance `user` may see where the integration has API users: its calls per day
    over the last REPORT_DAYS quota days, its share of the instance's calls and quota,
    today's budget, and the instance's errors on the days it called."""
    end = until or today()
    mine: dict[int, list[IntegrationApiUser]] = {}
    for row in integration.api_users.filter(
        instance__in=visible_instances(user=user)
    ).select_related("instance"):
        mine.setdefault(row.instance_id, []).append(row)
    # As on the usage pages, days before any instance's history are unknown, not quiet.
    firsts = [history_start(instance=rows[0].instance) for rows in mine.values()]
    known_since = min((first for first in firsts if first is not None), default=end)
    start = min(max(end - timedelta(days=REPORT_DAYS - 1), known_since), end)
    uses = []
    for rows in mine.values():
        instance = rows[0].instance
        userids = {row.userid.lower() for row in rows}
        calls: dict[date, int] = {}
        instance_total = 0
        known = set()
        for userid, on, count in UsageDay.objects.filter(
            instance=instance, date__gte=start, date__lte=end
        ).values_list("api_user", "date", "calls"):
            known.add(on)
            instance_total += count
            if userid.lower() in userids:
                calls[on] = calls.get(on, 0) + count
        errors = {
            day["date"]: day["codes"]
            for day in errors_report(instance=instance, start=start, end=end)["daily"]
        }
        days = [
            {
                "date": on,
                "calls": calls.get(on, 0),
                "known": on in known,
                "errors": errors.get(on, {}),
            }
            for on in date_range(start, end)
        ]
        statuses = budget_statuses(instance=instance, day=end)
        budget = next((s for s in statuses if s.integration == integration), None)
        ours = bool(instance.api_user) and instance.api_user.lower() in userids
        uses.append(
            InstanceUse(
                instance=instance,
                api_users=rows,
                days=days,
                total=sum(calls.values()),
                instance_total=instance_total,
                today=calls.get(end, 0),
                budget=budget,
                ours=ours,
                ledger_errors=_ledger_errors(instance, start, end) if ours else [],
            )
        )
    return sorted(uses, key=lambda use: use.instance.name.lower())


def _ledger_errors(instance, start: date, end: date) -> list[dict]:
    codes = ledger_codes(instance=instance, start=start, end=end)
    rows = []
    for code, count in sorted(codes.items(), key=lambda item: (-item[1], item[0])):
        if code:
            info = code_info(code)
            rows.append({"code": code, "count": count, "meaning": info.meaning})
    return rows


def integration_chart(uses: list[InstanceUse]) -> dict:
    """The stacked chart of calls per day: one series per instance."""
    days = uses[0].days if uses else []
    return {
        "labels": [day["date"].isoformat() for day in days],
        "series": [
            {"label": use.instance.name, "values": [day["calls"] for day in use.days]}
            for use in uses
        ],
    }


def integration_day_rows(uses: list[InstanceUse]) -> list[dict]:
    """The chart's figures as table rows, newest day first: date, and per instance its
    calls (None on a day without figures)."""
    days = uses[0].days if uses else []
    return [
        {
            "date": day["date"],
            "cells": [
                use.days[index]["calls"] if use.days[index]["known"] else None for use in uses
            ],
        }
        for index, day in reversed(list(enumerate(days)))
    ]


@dataclass
class RoleView:
    """One of an API user's role and workspace pairs, and what can be said of its reach."""

    role: str
    workspace: str
    description: str
    all_zones: bool
    admin_like: bool


@dataclass
class ApiUserRoles:
    instance: MarketoInstance
    userid: str
    name: str
    state: str
    roles: list[RoleView]
    ours: bool
    # For marketo-admin's own API user: the endpoint families it called in ENDPOINT_DAYS.
    families: list[str] | None = None

    @property
    def families_text(self) -> str:
        return families_text(self.families or [])


def integration_roles(*, integration: Integration, user) -> list[ApiUserRoles]:
    """Each of the integration's API users (on instances `user` may see) with its roles and
    workspaces as Marketo's User Management API lists them, and the flags that can be
    raised without a role's permissions, which Marketo's API does not list."""
    found = []
    for row in integration.api_users.filter(
        instance__in=visible_instances(user=user)
    ).select_related("instance"):
        instance = row.instance
        known = MarketoUser.objects.filter(instance=instance, userid__iexact=row.userid).first()
        descriptions = dict(
            MarketoRole.objects.filter(instance=instance).values_list("role_id", "description")
        )
        roles = [
            RoleView(
                role=pair.get("role") or "",
                workspace=pair.get("workspace") or "",
                description=descriptions.get(pair.get("role_id"), ""),
                all_zones=(pair.get("workspace_id"), pair.get("workspace")) == ALL_ZONES
                or pair.get("workspace") == ALL_ZONES[1],
                admin_like="admin" in (pair.get("role") or "").lower(),
            )
            for pair in (known.roles if known else [])
        ]
        ours = bool(instance.api_user) and instance.api_user.lower() == row.userid.lower()
        found.append(
            ApiUserRoles(
                instance=instance,
                userid=row.userid,
                name=known.name if known else "",
                state=_state_of(known),
                roles=roles,
                ours=ours,
                families=endpoint_families(instance=instance) if ours else None,
            )
        )
    return sorted(found, key=lambda item: (item.instance.name.lower(), item.userid.lower()))


def _state_of(known: MarketoUser | None) -> str:
    """As ApiUserRow.state: listed, gone, unlisted (not in Marketo's list) or person."""
    if known is None:
        return "unlisted"
    if known.gone:
        return "gone"
    return "listed" if known.api_only else "person"


def endpoint_families(*, instance, until: date | None = None) -> list[str]:
    """The families of endpoints marketo-admin called on `instance` in ENDPOINT_DAYS days,
    from the ledger, as a role's permissions group them ("leads", "usage", ...)."""
    end = until or today()
    endpoints = ledger_endpoints(
        instance=instance, start=end - timedelta(days=ENDPOINT_DAYS - 1), end=end
    )
    return sorted({family_of(endpoint) for endpoint in endpoints})


# --- usage by integration ---------------------------------------------------------------------


@dataclass
class IntegrationUsageReport:
    """The instance's usage over a range, grouped by integration; the API users that belong
    to none are one group, "Unassigned"."""

    start: date
    end: date
    days: list[date]
    groups: list[dict]  # integration (or None), label, api_users, total, average, peak, peak_date
    series: list[dict]  # label, values (one per day): the stacked chart
    total: int
    data_days: int


def usage_by_integration(*, instance, start: date, end: date) -> IntegrationUsageReport:
    owners = integrations_by_api_user(instance=instance)
    days = date_range(start, end)
    by_group: dict[int | None, dict] = {}
    known: set[date] = set()
    for userid, on, calls in UsageDay.objects.filter(
        instance=instance, date__gte=start, date__lte=end
    ).values_list("api_user", "date", "calls"):
        known.add(on)
        integration = owners.get(userid.lower())
        key = integration.pk if integration else None
        group = by_group.setdefault(
            key,
            {
                "integration": integration,
                "label": integration.name if integration else UNASSIGNED,
                "api_users": set(),
                "per_day": {},
            },
        )
        group["api_users"].add(userid)
        group["per_day"][on] = group["per_day"].get(on, 0) + calls
    groups = []
    for group in by_group.values():
        per_day = group.pop("per_day")
        total = sum(per_day.values())
        peak_date = min(per_day, key=lambda on: (-per_day[on], on))
        groups.append(
            {
                **group,
                "api_users": sorted(group["api_users"], key=str.lower),
                "total": total,
                "average": round(total / len(known), 1) if known else 0,
                "peak": per_day[peak_date],
                "peak_date": peak_date,
                "values": [per_day.get(on, 0) for on in days],
            }
        )
    # The integrations by their calls, then the API users that belong to none.
    groups.sort(key=lambda group: (group["integration"] is None, -group["total"], group["label"]))
    return IntegrationUsageReport(
        start=start,
        end=end,
        days=days,
        groups=groups,
        series=[{"label": group["label"], "values": group["values"]} for group in groups],
        total=sum(group["total"] for group in groups),
        data_days=len(known),
    )

"""A credential failing: the identity endpoint refusing the client id or secret (a call's
401 in the ledger, or a connection test that got no token for it), and 603 (access denied)
on an endpoint whose calls succeeded before: a role or permission taken away."""

from datetime import datetime, timedelta

from apps.alerts.models import Alert
from apps.alerts.rules import Condition, at
from apps.instances.models import ConnectionTest
from apps.usage.models import LedgerEntry, LedgerHour

# Older refusals are history, not a condition that holds now.
LOOK_BACK = timedelta(days=1)
# How a connection test records a refusal by the identity endpoint (apps.instances:
# "Could not get a token: " and the IdentityError, whose code is 401).
REFUSED_TEST_PREFIX = "Could not get a token: 401"


def credentials(instance, threshold: int, now: datetime) -> list[Condition]:
    since = now - LOOK_BACK
    calls = LedgerEntry.objects.filter(instance=instance, made_at__gt=since, made_at__lte=now)
    return _identity(instance, calls, since) + _access_lost(instance, calls)


def _identity(instance, calls, since) -> list[Condition]:
    refused = calls.filter(code="401").order_by("-made_at").first()
    test = (
        ConnectionTest.objects.filter(instance=instance, finished_at__gt=since)
        .exclude(status__in=[ConnectionTest.Status.QUEUED, ConnectionTest.Status.RUNNING])
        .order_by("-finished_at")
        .first()
    )
    refused_at: datetime | None = refused.made_at if refused else None
    tested_at: datetime | None = test.finished_at if test else None
    if test and tested_at and test.status == ConnectionTest.Status.FAILED:
        if test.error.startswith(REFUSED_TEST_PREFIX):
            refused_at = max(refused_at or tested_at, tested_at)
    elif tested_at and (refused_at is None or tested_at > refused_at):
        refused_at = None  # a later connection test got a token
    if refused_at is None or calls.filter(code="", made_at__gt=refused_at).exists():
        return []
    return [
        Condition(
            subject="identity",
            severity=Alert.Severity.CRITICAL,
            title=f"{instance.name}: Marketo refuses the client id or secret",
            summary=(
                "The identity endpoint answered 401: no call to this instance can be made. "
                "Check the LaunchPoint service's client id and secret (Admin > LaunchPoint) "
                "and the instance's credentials here, then test the connection."
            ),
            facts={"refused_at": at(refused_at)},
        )
    ]


def _access_lost(instance, calls) -> list[Condition]:
    conditions = []
    denied_endpoints = calls.filter(code="603").values_list("endpoint", flat=True).distinct()
    for endpoint in sorted(set(denied_endpoints)):
        last = calls.filter(endpoint=endpoint).order_by("-made_at").first()
        if last is None or last.code != "603":
            continue  # it works again
        worked = (
            LedgerEntry.objects.filter(
                instance=instance, endpoint=endpoint, code="", made_at__lt=last.made_at
            ).exists()
            or LedgerHour.objects.filter(
                instance=instance, endpoint=endpoint, code="", hour__lt=last.made_at
            ).exists()
        )
        if not worked:
            continue  # never allowed: the connection test says what to add, not an alert
        conditions.append(
            Condition(
                subject=f"endpoint:{endpoint}"[:200],
                severity=Alert.Severity.WARNING,
                title=f"{instance.name}: access denied (603) on {endpoint}, which used to work",
                summary=(
                    "Calls to this endpoint succeeded before and Marketo now denies them: the "
                    "API user's role or a permission was probably changed. Test the connection "
                    "to see which permission is missing."
                ),
                facts={"endpoint": endpoint, "denied_at": at(last.made_at)},
            )
        )
    return conditions

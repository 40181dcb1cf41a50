"""Writing the call ledger, and summarising it by the hour."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from apps.usage.models import LedgerEntry, LedgerHour

logger = logging.getLogger(__name__)


def ledger_record(record) -> None:
    """Store one CallRecord (apps.marketo.client). A ledger failure never fails the call."""
    caused_by = record.caused_by or {}
    try:
        LedgerEntry.objects.create(
            instance_id=record.instance_id,
            made_at=datetime.fromtimestamp(record.started_at, UTC)
            if record.started_at
            else timezone.now(),
            method=record.method,
            endpoint=record.endpoint[:200],
            http_status=record.http_status,
            code=record.code[:16],
            request_id=record.request_id[:64],
            duration_ms=record.duration_ms,
            attempt=record.attempt,
            priority=record.priority,
            feature=caused_by.get("feature", "")[:32],
            user_id=caused_by.get("user_id"),
            job=str(caused_by.get("job", ""))[:64],
        )
    except Exception:
        logger.exception(
            "could not write the call ledger for %s %s", record.method, record.endpoint
        )


def ledger_receive(sender, *, record, **kwargs) -> None:
    """Ledgers each attempt of every governed client (connected to
    apps.instances.client.call_attempted in apps.py)."""
    ledger_record(record)


GROUP_FIELDS = ["instance_id", "endpoint", "code", "priority", "feature", "user_id"]


def ledger_roll_up(*, before=None) -> int:
    """(Re)compute the hourly summary for every finished hour that has raw rows.

    Idempotent: an hour is recomputed from its raw rows, never added to twice.
    Returns the number of summary rows written.
    """
    before = before or timezone.now().replace(minute=0, second=0, microsecond=0)
    since = before - timedelta(days=settings.LEDGER_RAW_DAYS)
    groups = (
        LedgerEntry.objects.filter(made_at__gte=since, made_at__lt=before)
        .annotate(hour=TruncHour("made_at"))
        .values("hour", *GROUP_FIELDS)
        .annotate(calls=Count("id"), total_ms=Sum("duration_ms"))
    )
    written = 0
    with transaction.atomic():
        for group in groups:
            LedgerHour.objects.update_or_create(
                hour=group["hour"],
                **{field: group[field] for field in GROUP_FIELDS},
                defaults={"calls": group["calls"], "total_ms": group["total_ms"]},
            )
            written += 1
    return written


def ledger_prune(*, now=None) -> int:
    """Delete raw rows older than LEDGER_RAW_DAYS (after they were rolled up)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LEDGER_RAW_DAYS)
    deleted, _ = LedgerEntry.objects.filter(made_at__lt=cutoff).delete()
    return deleted
